using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Engine;

public class WatchIgnoreTests
{
    [Fact]
    public async Task Watch_ReturnsTheNumberOfWatchedTubes()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();

        Assert.Equal(2, await s.WatchAsync("a"));
        Assert.Equal(3, await s.WatchAsync("b"));
        Assert.Equal(["default", "a", "b"], await s.ListTubesWatchedAsync());
    }

    [Fact]
    public async Task Watch_AlreadyWatchedTube_IsANoOp()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.WatchAsync("a");

        Assert.Equal(2, await s.WatchAsync("a"));
        Assert.Equal(1, await s.WatchAsync("default") - 1);
        Assert.Equal(1, (await s.StatsTubeAsync("a"))!.CurrentWatching);
    }

    [Fact]
    public async Task Ignore_OnlyWatchedTube_IsNotIgnored()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();

        Assert.Equal(-1, await s.IgnoreAsync("default"));
        Assert.Equal(["default"], await s.ListTubesWatchedAsync());
    }

    [Fact]
    public async Task Ignore_WatchedTube_ReturnsRemainingCount()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.WatchAsync("a");

        Assert.Equal(1, await s.IgnoreAsync("default"));
        Assert.Equal(["a"], await s.ListTubesWatchedAsync());
        Assert.Equal(-1, await s.IgnoreAsync("a")); // now the last one
    }

    [Fact]
    public async Task Ignore_ExistingButUnwatchedTube_ReturnsUnchangedCount()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await using var other = h.Open();
        await other.UseAsync("theirs");

        Assert.Equal(1, await s.IgnoreAsync("theirs"));
        Assert.Equal(1, (await s.StatsTubeAsync("theirs"))!.CurrentUsing);
    }

    [Fact]
    public async Task Ignore_NonexistentTube_ReturnsCount_AndDoesNotCreateIt()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();

        Assert.Equal(1, await s.IgnoreAsync("nosuch"));
        Assert.DoesNotContain("nosuch", await s.ListTubesAsync());
    }

    [Fact]
    public async Task Ignore_MovesTheLastWatchedTubeIntoTheHole()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.WatchAsync("a");
        await s.WatchAsync("b");
        await s.WatchAsync("c");

        await s.IgnoreAsync("default");

        Assert.Equal(["c", "a", "b"], await s.ListTubesWatchedAsync());
    }

    [Fact]
    public async Task IgnoredTube_NoLongerFeedsReserve()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.PutTextAsync("in default");
        await s.WatchAsync("a");
        await s.IgnoreAsync("default");

        Assert.Equal(CommandStatus.TimedOut, (await s.ReserveAsync(TimeSpan.Zero)).Status);
    }
}
