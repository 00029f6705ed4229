using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Engine;

public class BlockingReserveTests
{
    [Fact]
    public async Task BlockedReserve_GetsJobPutLaterByAnotherSession()
    {
        await using var h = new EngineHarness();
        await using var worker = h.Open();
        await using var producer = h.Open();
        var pending = await h.StartReserveAsync(worker);
        Assert.False(pending.IsCompleted);

        ulong id = await producer.PutTextAsync("work");

        var r = await pending.Within();
        Assert.Equal(CommandStatus.Ok, r.Status);
        Assert.Equal(id, r.Job!.Id);
        Assert.Equal("work", EngineHarness.Text(r.Job));
        Assert.Equal(JobState.Reserved, await producer.StateOfAsync(id));
    }

    [Fact]
    public async Task Waiters_OnOneTube_AreServedFirstComeFirstServed()
    {
        await using var h = new EngineHarness();
        var sessions = Enumerable.Range(0, 4).Select(_ => h.Open()).ToArray();
        await using var producer = h.Open();
        // wait in an order unrelated to session creation
        int[] arrival = [2, 0, 3, 1];
        var pending = new Task<ReserveResult>[4];
        foreach (int i in arrival)
        {
            pending[i] = await h.StartReserveAsync(sessions[i]);
        }

        var ids = new List<ulong>();
        for (int n = 0; n < 4; n++) ids.Add(await producer.PutTextAsync($"job{n}"));

        for (int k = 0; k < 4; k++)
        {
            Assert.Equal(ids[k], (await pending[arrival[k]].Within()).Job!.Id);
        }
        foreach (var s in sessions) await s.DisposeAsync();
    }

    [Fact]
    public async Task MultiTubeWaiter_GetsJobFromWhicheverWatchedTubeReceivesOne()
    {
        await using var h = new EngineHarness();
        await using var worker = h.Open();
        await using var producer = h.Open();
        await worker.WatchAsync("a");
        await worker.WatchAsync("b");
        var pending = await h.StartReserveAsync(worker);

        await producer.UseAsync("b");
        ulong id = await producer.PutTextAsync("in b");

        Assert.Equal(id, (await pending.Within()).Job!.Id);
        Assert.Equal(0, (await producer.StatsTubeAsync("a"))!.CurrentWaiting); // left every wait set
        await producer.UseAsync("a");
        ulong next = await producer.PutTextAsync("in a");
        Assert.Equal(JobState.Ready, await producer.StateOfAsync(next));
    }

    [Fact]
    public async Task MultiTubeWaiter_WhenTwoPausesEndTogether_GetsTheBestJobAcrossItsTubes()
    {
        await using var h = new EngineHarness();
        await using var worker = h.Open();
        await using var producer = h.Open();
        await producer.UseAsync("a");
        ulong worse = await producer.PutTextAsync("a", priority: 100);
        await producer.UseAsync("b");
        ulong better = await producer.PutTextAsync("b", priority: 5);
        await worker.WatchAsync("a");
        await worker.WatchAsync("b");
        await worker.IgnoreAsync("default");
        Assert.True(await producer.PauseTubeAsync("b", TimeSpan.FromSeconds(2)));
        Assert.True(await producer.PauseTubeAsync("a", TimeSpan.FromSeconds(2)));
        var pending = await h.StartReserveAsync(worker);

        await h.AdvanceSecondsAsync(2);

        Assert.Equal(better, (await pending.Within()).Job!.Id);
        Assert.Equal(JobState.Ready, await producer.StateOfAsync(worse));
    }

    [Fact]
    public async Task ReserveWithTimeout_NoJob_TimesOutAfterTheTimeout()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        var pending = await h.StartReserveAsync(s, TimeSpan.FromSeconds(5));

        await h.AdvanceSecondsAsync(4.9);
        Assert.False(pending.IsCompleted);
        Assert.Equal(1, (await h.PeekStatsAsync()).CurrentWaiting);

        await h.AdvanceSecondsAsync(0.1);
        var r = await pending.Within();
        Assert.Equal(CommandStatus.TimedOut, r.Status);
        Assert.Null(r.Job);
        Assert.Equal(0, (await h.PeekStatsAsync()).CurrentWaiting);
    }

    [Fact]
    public async Task ReserveWithTimeout_JobArrivingBeforeTimeout_IsDelivered()
    {
        await using var h = new EngineHarness();
        await using var worker = h.Open();
        await using var producer = h.Open();
        var pending = await h.StartReserveAsync(worker, TimeSpan.FromSeconds(5));
        await h.AdvanceSecondsAsync(3);

        ulong id = await producer.PutTextAsync("x");

        Assert.Equal(id, (await pending.Within()).Job!.Id);
        await h.AdvanceSecondsAsync(5); // the old timeout must not fire into a later reserve
        Assert.Equal(CommandStatus.TimedOut, (await worker.ReserveAsync(TimeSpan.Zero)).Status);
    }

    [Fact]
    public async Task ReserveWithTimeoutZero_NoJob_TimesOutAtOnceWithoutWaiting()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();

        var r = await s.ReserveAsync(TimeSpan.Zero);

        Assert.Equal(CommandStatus.TimedOut, r.Status);
        Assert.Equal(0, (await h.PeekStatsAsync()).CurrentWaiting);
    }

    [Fact]
    public async Task CancelWait_EndsBlockedReserveWithTimedOut()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        var pending = await h.StartReserveAsync(s);

        s.CancelWait();

        Assert.Equal(CommandStatus.TimedOut, (await pending.Within()).Status);
        Assert.Equal(0, (await h.PeekStatsAsync()).CurrentWaiting);
    }

    [Fact]
    public async Task CancellationToken_EndsBlockedReserveWithTimedOut()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        using var cts = new CancellationTokenSource();
        var pending = await h.StartReserveAsync(s, null, cts.Token);

        await cts.CancelAsync();

        Assert.Equal(CommandStatus.TimedOut, (await pending.Within()).Status);
    }

    [Fact]
    public async Task CancelledWaiter_DoesNotReceiveLaterJobs()
    {
        await using var h = new EngineHarness();
        await using var quitter = h.Open();
        await using var stayer = h.Open();
        await using var producer = h.Open();
        var gone = await h.StartReserveAsync(quitter);
        var staying = await h.StartReserveAsync(stayer);
        quitter.CancelWait();
        await gone.Within();

        ulong id = await producer.PutTextAsync("x");

        Assert.Equal(id, (await staying.Within()).Job!.Id);
    }

    [Fact]
    public async Task BlockedReserve_GetsJobWhoseTtrExpiredInAnotherSession()
    {
        await using var h = new EngineHarness();
        await using var slow = h.Open();
        await using var waiter = h.Open();
        ulong id = await slow.PutTextAsync("x", ttrSeconds: 2);
        await slow.ReserveNowAsync();
        var pending = await h.StartReserveAsync(waiter);

        await h.AdvanceSecondsAsync(2.5);

        Assert.Equal(id, (await pending.Within()).Job!.Id);
        Assert.Equal(2u, (await waiter.StatsJobAsync(id))!.Reserves);
    }

    [Fact]
    public async Task BlockedReserve_GetsReleasedAndKickedJobs()
    {
        await using var h = new EngineHarness();
        await using var owner = h.Open();
        await using var waiter = h.Open();
        ulong released = await owner.PutTextAsync("r");
        ulong buried = await owner.PutTextAsync("b");
        await owner.ReserveNowAsync();
        await owner.ReserveNowAsync();
        await owner.BuryAsync(buried, 0);

        var first = await h.StartReserveAsync(waiter);
        await owner.ReleaseAsync(released, 0);
        Assert.Equal(released, (await first.Within()).Job!.Id);

        var second = await h.StartReserveAsync(waiter);
        Assert.Equal(1, await owner.KickAsync(10));
        Assert.Equal(buried, (await second.Within()).Job!.Id);
    }

    [Fact]
    public async Task WaitingCounts_AreReportedGloballyAndPerTube()
    {
        await using var h = new EngineHarness();
        await using var a = h.Open();
        await using var b = h.Open();
        await using var observer = h.Open();
        await b.WatchAsync("other");
        var pa = await h.StartReserveAsync(a);
        var pb = await h.StartReserveAsync(b);

        Assert.Equal(2, (await observer.StatsAsync()).CurrentWaiting);
        Assert.Equal(2, (await observer.StatsTubeAsync("default"))!.CurrentWaiting);
        Assert.Equal(1, (await observer.StatsTubeAsync("other"))!.CurrentWaiting);

        a.CancelWait();
        b.CancelWait();
        await Task.WhenAll(pa, pb).WaitAsync(EngineHarness.Patience);
        Assert.Equal(0, (await observer.StatsTubeAsync("other"))!.CurrentWaiting);
    }
}
