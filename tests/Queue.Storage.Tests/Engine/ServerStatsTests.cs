using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Engine;

public class ServerStatsTests
{
    [Fact]
    public async Task Stats_CountsJobsPerState()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.PutTextAsync("ready1");
        await s.PutTextAsync("ready2");
        await s.PutTextAsync("delayed", delaySeconds: 10);
        ulong reserved = await s.PutTextAsync("reserved", priority: 0);
        ulong buried = await s.PutTextAsync("buried", priority: 0);
        await s.ReserveJobAsync(reserved);
        await s.ReserveJobAsync(buried);
        await s.BuryAsync(buried, 0);

        var stats = await s.StatsAsync();

        Assert.Equal((2L, 1L, 1L, 1L), (stats.CurrentJobsReady, stats.CurrentJobsReserved, stats.CurrentJobsDelayed, stats.CurrentJobsBuried));
    }

    [Fact]
    public async Task Stats_UrgentCountsOnlyReadyJobsWithPriorityBelow1024()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.PutTextAsync("urgent", priority: 1023);
        await s.PutTextAsync("not urgent", priority: 1024);
        await s.PutTextAsync("urgent but delayed", priority: 0, delaySeconds: 5);
        await s.UseAsync("other");
        ulong reservedUrgent = await s.PutTextAsync("reserved", priority: 1);
        await s.PutTextAsync("urgent elsewhere", priority: 1);
        await s.ReserveJobAsync(reservedUrgent);

        Assert.Equal(2, (await s.StatsAsync()).CurrentJobsUrgent);

        await h.AdvanceSecondsAsync(5); // the delayed one becomes ready and urgent
        Assert.Equal(3, (await s.StatsAsync()).CurrentJobsUrgent);
    }

    [Fact]
    public async Task Stats_UrgentCount_FollowsPriorityChangesOnReleaseAndBury()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", priority: 5);
        await s.ReserveNowAsync();
        Assert.Equal(0, (await s.StatsAsync()).CurrentJobsUrgent);

        await s.ReleaseAsync(id, 5000);
        Assert.Equal(0, (await s.StatsAsync()).CurrentJobsUrgent);
        await s.ReserveNowAsync();
        await s.BuryAsync(id, 1);
        Assert.Equal(0, (await s.StatsAsync()).CurrentJobsUrgent);
        await s.KickJobAsync(id);
        Assert.Equal(1, (await s.StatsAsync()).CurrentJobsUrgent);
        await s.DeleteAsync(id);
        Assert.Equal(0, (await s.StatsAsync()).CurrentJobsUrgent);
    }

    [Fact]
    public async Task Stats_TotalJobsCountsSuccessfulPutsOnly_AndNeverGoesDown()
    {
        await using var h = new EngineHarness(maxJobSize: 3);
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("a");
        await s.PutTextAsync("b", delaySeconds: 1);
        await s.PutAsync(new byte[4]); // JOB_TOO_BIG
        await s.DeleteAsync(id);

        Assert.Equal(2UL, (await s.StatsAsync()).TotalJobs);
    }

    [Fact]
    public async Task Stats_ConnectionProducerWorkerAndWaitingCounts()
    {
        await using var h = new EngineHarness();
        await using var idle = h.Open();
        await using var producer = h.Open();
        await using var worker = h.Open();
        await using var both = h.Open();
        await using var waiter = h.Open();
        await producer.PutTextAsync("p");
        await worker.ReserveAsync(TimeSpan.Zero);
        await both.PutTextAsync("b");
        await both.ReserveNowAsync();
        await h.StartReserveAsync(waiter, TimeSpan.FromSeconds(30));

        var stats = await idle.StatsAsync();

        Assert.Equal(5, stats.CurrentConnections);
        Assert.Equal(2, stats.CurrentProducers);
        Assert.Equal(3, stats.CurrentWorkers);
        Assert.Equal(1, stats.CurrentWaiting);
        Assert.Equal(5UL, stats.TotalConnections);
    }

    [Fact]
    public async Task Stats_TotalConnectionsKeepsCountingClosedSessions()
    {
        await using var h = new EngineHarness();
        for (int i = 0; i < 3; i++)
        {
            var s = h.Open();
            await s.DisposeAsync();
        }
        await using var observer = h.Open();

        var stats = await observer.StatsAsync();

        Assert.Equal((1, 4UL), (stats.CurrentConnections, stats.TotalConnections));
    }

    [Fact]
    public async Task Stats_ProducerIsMarkedByAPutThatParsed_EvenWhenNotStored()
    {
        await using var h = new EngineHarness(maxJobSize: 1);
        await using var tooBig = h.Open();
        await using var observer = h.Open();
        await tooBig.PutAsync(new byte[2]);

        Assert.Equal(0, (await observer.StatsAsync()).CurrentProducers); // JOB_TOO_BIG does not mark

        h.Engine.EnterDrainMode();
        Assert.Equal(CommandStatus.Draining, (await tooBig.PutAsync(new byte[1])).Status);
        Assert.Equal(1, (await observer.StatsAsync()).CurrentProducers);
    }

    [Fact]
    public async Task Stats_ReportsEngineFacts()
    {
        await using var h = new EngineHarness(maxJobSize: 1234);
        await using var s = h.Open();
        await s.UseAsync("a");
        await s.WatchAsync("b");
        await h.AdvanceSecondsAsync(42.7);

        var stats = await s.StatsAsync();

        Assert.Equal(1234, stats.MaxJobSize);
        Assert.Equal(3, stats.CurrentTubes);
        Assert.Equal(42, stats.UptimeSeconds);
        Assert.False(stats.Draining);
        Assert.Equal(0UL, stats.JobTimeouts);
        Assert.Equal((0L, 0L, 10485760L), (stats.BinlogOldestIndex, stats.BinlogCurrentIndex, stats.BinlogMaxSize));
    }
}
