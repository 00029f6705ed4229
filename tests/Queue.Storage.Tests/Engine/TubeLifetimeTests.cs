using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Engine;

public class TubeLifetimeTests
{
    [Fact]
    public async Task NewSession_UsesAndWatchesDefaultOnly()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();

        Assert.Equal("default", await s.ListTubeUsedAsync());
        Assert.Equal(["default"], await s.ListTubesWatchedAsync());
        Assert.Equal(["default"], await s.ListTubesAsync());
    }

    [Fact]
    public async Task Use_CreatesTheTube_AndReportsItsName()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();

        Assert.Equal("jobs", await s.UseAsync("jobs"));

        Assert.Equal("jobs", await s.ListTubeUsedAsync());
        Assert.Equal(["default", "jobs"], await s.ListTubesAsync());
        Assert.Equal(1, (await s.StatsTubeAsync("jobs"))!.CurrentUsing);
    }

    [Fact]
    public async Task Watch_CreatesTheTube()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();

        await s.WatchAsync("inbox");

        Assert.Contains("inbox", await s.ListTubesAsync());
        Assert.Equal(1, (await s.StatsTubeAsync("inbox"))!.CurrentWatching);
    }

    [Fact]
    public async Task Tube_VanishesWhenItsLastUserMovesOn()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.UseAsync("x");

        await s.UseAsync("default");

        Assert.Equal(["default"], await s.ListTubesAsync());
        Assert.Null(await s.StatsTubeAsync("x"));
        Assert.Equal(1, (await s.StatsAsync()).CurrentTubes);
    }

    [Fact]
    public async Task Tube_VanishesWhenItsLastWatcherIgnoresIt()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.WatchAsync("x");

        await s.IgnoreAsync("x");

        Assert.Null(await s.StatsTubeAsync("x"));
    }

    [Fact]
    public async Task Tube_WithJobs_LivesUntilItsLastJobIsDeleted()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.UseAsync("x");
        ulong a = await s.PutTextAsync("a");
        ulong b = await s.PutTextAsync("b", delaySeconds: 10);
        await s.UseAsync("default");

        Assert.Contains("x", await s.ListTubesAsync());
        await s.DeleteAsync(a);
        Assert.Contains("x", await s.ListTubesAsync());
        await s.DeleteAsync(b);
        Assert.DoesNotContain("x", await s.ListTubesAsync());
    }

    [Fact]
    public async Task Tube_WithReservedJob_SurvivesWhileTheJobIsReserved()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.UseAsync("x");
        await s.WatchAsync("x");
        ulong id = await s.PutTextAsync("a");
        await s.ReserveNowAsync();
        await s.UseAsync("default");
        await s.IgnoreAsync("x");

        Assert.Contains("x", await s.ListTubesAsync());
        await s.DeleteAsync(id);
        Assert.DoesNotContain("x", await s.ListTubesAsync());
    }

    [Fact]
    public async Task DefaultTube_NeverVanishes()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.UseAsync("other");
        await s.WatchAsync("other");
        await s.IgnoreAsync("default");
        await using var second = h.Open();
        await second.DisposeAsync();

        Assert.Equal(["default", "other"], await s.ListTubesAsync());
        Assert.NotNull(await s.StatsTubeAsync("default"));
    }

    [Fact]
    public async Task ListTubes_AfterRemoval_LastTubeMovesIntoTheHole()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        foreach (var name in new[] { "a", "b", "c", "d" }) await s.WatchAsync(name);
        Assert.Equal(["default", "a", "b", "c", "d"], await s.ListTubesAsync());

        await s.IgnoreAsync("a");
        Assert.Equal(["default", "d", "b", "c"], await s.ListTubesAsync());

        await s.WatchAsync("e");
        Assert.Equal(["default", "d", "b", "c", "e"], await s.ListTubesAsync());
    }

    [Fact]
    public async Task RecreatedTube_StartsWithFreshCountersAndNoPause()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.UseAsync("x");
        ulong id = await s.PutTextAsync("a");
        await s.DeleteAsync(id);
        Assert.True(await s.PauseTubeAsync("x", TimeSpan.FromSeconds(100)));
        await s.UseAsync("default"); // x vanishes, and its pause with it

        await s.UseAsync("x");

        var stats = await s.StatsTubeAsync("x");
        Assert.Equal((0UL, 0UL, 0L, 0UL), (stats!.TotalJobs, stats.CmdDelete, stats.PauseSeconds, stats.CmdPauseTube));
        await s.PutTextAsync("b");
        await s.WatchAsync("x");
        Assert.Equal(CommandStatus.Ok, (await s.ReserveAsync(TimeSpan.Zero)).Status);
    }

    [Fact]
    public async Task StatsTube_UnknownTube_IsNotFound_AndDoesNotCreateIt()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();

        Assert.Null(await s.StatsTubeAsync("ghost"));
        Assert.DoesNotContain("ghost", await s.ListTubesAsync());
    }

    [Fact]
    public async Task InvalidTubeName_IsRejectedByTheApi()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();

        await Assert.ThrowsAsync<ArgumentException>(async () => await s.UseAsync("-leading-dash"));
        await Assert.ThrowsAsync<ArgumentException>(async () => await s.WatchAsync(new string('a', 201)));
        await Assert.ThrowsAsync<ArgumentException>(async () => await s.IgnoreAsync("sp ace"));
        Assert.Equal(new string('a', 200), await s.UseAsync(new string('a', 200)));
    }
}
