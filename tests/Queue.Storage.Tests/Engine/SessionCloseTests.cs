using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Engine;

public class SessionCloseTests
{
    [Fact]
    public async Task Close_ReturnsReservedJobsToReady_WithoutCountingTimeouts()
    {
        await using var h = new EngineHarness();
        await using var observer = h.Open();
        var s = h.Open();
        ulong a = await s.PutTextAsync("a");
        ulong b = await s.PutTextAsync("b");
        await s.ReserveNowAsync();
        await s.ReserveNowAsync();

        await s.DisposeAsync();

        Assert.Equal(JobState.Ready, await observer.StateOfAsync(a));
        Assert.Equal(JobState.Ready, await observer.StateOfAsync(b));
        Assert.Equal(0u, (await observer.StatsJobAsync(a))!.Timeouts);
        var stats = await observer.StatsAsync();
        Assert.Equal(0UL, stats.JobTimeouts);
        Assert.Equal(0, stats.CurrentJobsReserved);
        Assert.Equal(2, stats.CurrentJobsReady);
    }

    [Fact]
    public async Task Close_HandsReturnedJobsToWaitingSessions_InReservationOrder()
    {
        await using var h = new EngineHarness();
        await using var waiter = h.Open();
        var holder = h.Open();
        ulong worse = await holder.PutTextAsync("worse", priority: 50);
        ulong better = await holder.PutTextAsync("better", priority: 1);
        Assert.NotNull(await holder.ReserveJobAsync(worse)); // reserved first
        Assert.NotNull(await holder.ReserveJobAsync(better));
        var pending = await h.StartReserveAsync(waiter);

        await holder.DisposeAsync();

        Assert.Equal(worse, (await pending.Within()).Job!.Id);
        Assert.Equal(JobState.Ready, await waiter.StateOfAsync(better));
    }

    [Fact]
    public async Task Close_WhileBlockedInReserve_RemovesTheWaiter()
    {
        await using var h = new EngineHarness();
        await using var producer = h.Open();
        var waiter = h.Open();
        _ = await h.StartReserveAsync(waiter);

        await waiter.DisposeAsync();
        ulong id = await producer.PutTextAsync("x");

        Assert.Equal(JobState.Ready, await producer.StateOfAsync(id));
        Assert.Equal(0, (await producer.StatsAsync()).CurrentWaiting);
        Assert.Equal(0, (await producer.StatsTubeAsync("default"))!.CurrentWaiting);
    }

    [Fact]
    public async Task Close_DropsTheSessionsTubeReferences()
    {
        await using var h = new EngineHarness();
        await using var observer = h.Open();
        var s = h.Open();
        await s.UseAsync("used");
        await s.WatchAsync("watched");
        Assert.Contains("used", await observer.ListTubesAsync());

        await s.DisposeAsync();

        Assert.Equal(["default"], await observer.ListTubesAsync());
    }

    [Fact]
    public async Task Close_UpdatesConnectionProducerAndWorkerCounts()
    {
        await using var h = new EngineHarness();
        await using var observer = h.Open();
        var s = h.Open();
        await s.PutTextAsync("x");
        await s.ReserveNowAsync();
        var before = await observer.StatsAsync();

        await s.DisposeAsync();
        await h.SyncAsync();

        var after = await observer.StatsAsync();
        Assert.Equal((2, 1, 1), (before.CurrentConnections, before.CurrentProducers, before.CurrentWorkers));
        Assert.Equal((1, 0, 0), (after.CurrentConnections, after.CurrentProducers, after.CurrentWorkers));
        Assert.Equal(2UL, after.TotalConnections);
    }
}
