using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Engine;

public class DelayedJobTests
{
    [Fact]
    public async Task DelayedJob_IsNotReservableBeforeItsDeadline()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("later", delaySeconds: 5);

        await h.AdvanceSecondsAsync(4.9);

        Assert.Equal(JobState.Delayed, await s.StateOfAsync(id));
        Assert.Equal(CommandStatus.TimedOut, (await s.ReserveAsync(TimeSpan.Zero)).Status);
    }

    [Fact]
    public async Task DelayedJob_BecomesReadyAtItsDeadline()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("later", delaySeconds: 5);

        await h.AdvanceSecondsAsync(5);

        Assert.Equal(JobState.Ready, await s.StateOfAsync(id));
        Assert.Equal(id, (await s.ReserveNowAsync()).Id);
    }

    [Fact]
    public async Task PeekDelayed_FollowsDeadlineThenIdOrder_AsJobsMature()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong late1 = await s.PutTextAsync("late1", delaySeconds: 3);
        ulong soon = await s.PutTextAsync("soon", priority: 9999, delaySeconds: 1);
        ulong late2 = await s.PutTextAsync("late2", priority: 0, delaySeconds: 3);

        Assert.Equal(soon, (await s.PeekDelayedAsync())!.Id);
        await h.AdvanceSecondsAsync(1);
        Assert.Equal(late1, (await s.PeekDelayedAsync())!.Id);
        Assert.Equal(soon, (await s.PeekReadyAsync())!.Id);
        await h.AdvanceSecondsAsync(2);
        Assert.Null(await s.PeekDelayedAsync());
        Assert.Equal(late2, (await s.PeekReadyAsync())!.Id); // ready order is (pri, id) again
    }

    [Fact]
    public async Task DelayedJobsMaturingTogether_AreReservedByPriorityThenId()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong a = await s.PutTextAsync("a", priority: 7, delaySeconds: 2);
        ulong b = await s.PutTextAsync("b", priority: 3, delaySeconds: 1);
        ulong c = await s.PutTextAsync("c", priority: 7, delaySeconds: 1);

        await h.AdvanceSecondsAsync(10);

        Assert.Equal(b, (await s.ReserveNowAsync()).Id);
        Assert.Equal(a, (await s.ReserveNowAsync()).Id);
        Assert.Equal(c, (await s.ReserveNowAsync()).Id);
    }

    [Fact]
    public async Task WaitingWorker_GetsEachDelayedJobWhenItMatures_SoonestFirstRegardlessOfPriority()
    {
        await using var h = new EngineHarness();
        await using var producer = h.Open();
        await using var worker = h.Open();
        ulong urgentLater = await producer.PutTextAsync("urgent", priority: 0, delaySeconds: 2);
        ulong lazySooner = await producer.PutTextAsync("lazy", priority: 5000, delaySeconds: 1);

        var first = await h.StartReserveAsync(worker);
        await h.AdvanceSecondsAsync(1);
        Assert.Equal(lazySooner, (await first.Within()).Job!.Id);

        var second = await h.StartReserveAsync(worker);
        await h.AdvanceSecondsAsync(1);
        Assert.Equal(urgentLater, (await second.Within()).Job!.Id);
    }

    [Fact]
    public async Task ReleaseWithDelay_MakesJobDelayedUntilNewDeadline()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x");
        await s.ReserveNowAsync();

        Assert.Equal(CommandStatus.Ok, await s.ReleaseAsync(id, 1024, TimeSpan.FromSeconds(3)));

        await h.AdvanceSecondsAsync(0.5);
        var stats = await s.StatsJobAsync(id);
        Assert.Equal(JobState.Delayed, stats!.State);
        Assert.Equal(3, stats.DelaySeconds);
        Assert.Equal(2, stats.TimeLeftSeconds);
        await h.AdvanceSecondsAsync(2.5);
        Assert.Equal(JobState.Ready, await s.StateOfAsync(id));
    }
}
