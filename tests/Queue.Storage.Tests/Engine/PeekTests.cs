using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Engine;

public class PeekTests
{
    [Fact]
    public async Task PeekReady_LooksAtTheUsedTube_NotTheWatchedOnes()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.UseAsync("jobs");
        ulong id = await s.PutTextAsync("in jobs");

        Assert.Equal(id, (await s.PeekReadyAsync())!.Id); // default is watched, jobs is used
        await s.UseAsync("default");
        Assert.Null(await s.PeekReadyAsync());
    }

    [Fact]
    public async Task PeekReady_ReturnsBestByPriorityThenId_WithoutReserving()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.PutTextAsync("a", priority: 9);
        ulong b = await s.PutTextAsync("b", priority: 2);
        await s.PutTextAsync("c", priority: 2);

        var peeked = await s.PeekReadyAsync();

        Assert.Equal(b, peeked!.Id);
        Assert.Equal("b", EngineHarness.Text(peeked));
        Assert.Equal(JobState.Ready, await s.StateOfAsync(b));
    }

    [Fact]
    public async Task PeekReady_WhenOnlyReservedJobsExist_IsNotFound()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.PutTextAsync("x");
        await s.ReserveNowAsync();

        Assert.Null(await s.PeekReadyAsync());
    }

    [Fact]
    public async Task PeekDelayed_LooksAtTheUsedTube()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.UseAsync("t");
        ulong id = await s.PutTextAsync("d", delaySeconds: 10);

        Assert.Equal(id, (await s.PeekDelayedAsync())!.Id);
        await s.UseAsync("default");
        Assert.Null(await s.PeekDelayedAsync());
    }

    [Fact]
    public async Task PeekBuried_ReturnsOldestBuriedJobOfUsedTube()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong a = await s.PutTextAsync("a", priority: 1);
        ulong b = await s.PutTextAsync("b", priority: 2);
        await s.ReserveNowAsync();
        await s.ReserveNowAsync();
        Assert.True(await s.BuryAsync(b, 0));
        Assert.True(await s.BuryAsync(a, 0));

        Assert.Equal(b, (await s.PeekBuriedAsync())!.Id); // FIFO by bury time, not priority or id
        await s.UseAsync("elsewhere");
        Assert.Null(await s.PeekBuriedAsync());
    }

    [Fact]
    public async Task PeekById_FindsJobInAnyStateAndTube()
    {
        await using var h = new EngineHarness();
        await using var owner = h.Open();
        await using var other = h.Open();
        await owner.UseAsync("private");
        await owner.WatchAsync("private");
        ulong delayed = await owner.PutTextAsync("d", delaySeconds: 10);
        ulong reserved = await owner.PutTextAsync("r");
        Assert.Equal(reserved, (await owner.ReserveNowAsync()).Id);

        Assert.Equal("d", EngineHarness.Text(await other.PeekAsync(delayed)));
        Assert.Equal("r", EngineHarness.Text(await other.PeekAsync(reserved)));
    }

    [Fact]
    public async Task PeekById_UnknownOrZeroOrDeletedId_IsNotFound()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x");
        await s.DeleteAsync(id);

        Assert.Null(await s.PeekAsync(0));
        Assert.Null(await s.PeekAsync(id));
        Assert.Null(await s.PeekAsync(12345));
    }
}
