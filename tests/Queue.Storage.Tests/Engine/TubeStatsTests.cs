using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Engine;

public class TubeStatsTests
{
    [Fact]
    public async Task StatsTube_ReportsJobCountsOfThatTubeOnly()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.PutTextAsync("noise in default", priority: 0);
        await s.UseAsync("t");
        await s.PutTextAsync("urgent", priority: 10);
        await s.PutTextAsync("normal", priority: 2000);
        await s.PutTextAsync("delayed", delaySeconds: 9);
        ulong r = await s.PutTextAsync("reserved", priority: 3);
        ulong b = await s.PutTextAsync("buried");
        await s.ReserveJobAsync(r);
        await s.ReserveJobAsync(b);
        await s.BuryAsync(b, 0);

        var t = await s.StatsTubeAsync("t");

        Assert.Equal("t", t!.Name);
        Assert.Equal((1L, 2L, 1L, 1L, 1L), (t.CurrentJobsUrgent, t.CurrentJobsReady, t.CurrentJobsReserved, t.CurrentJobsDelayed, t.CurrentJobsBuried));
        Assert.Equal(5UL, t.TotalJobs);
    }

    [Fact]
    public async Task StatsTube_ReportsUsingWatchingAndWaitingSessions()
    {
        await using var h = new EngineHarness();
        await using var user = h.Open();
        await using var watcher = h.Open();
        await using var waiter = h.Open();
        await user.UseAsync("t");
        await watcher.WatchAsync("t");
        await waiter.WatchAsync("t");
        await waiter.IgnoreAsync("default");
        await h.StartReserveAsync(waiter);

        var t = await user.StatsTubeAsync("t");
        var d = await user.StatsTubeAsync("default");

        Assert.Equal((1, 2, 1), (t!.CurrentUsing, t.CurrentWatching, t.CurrentWaiting));
        Assert.Equal((2, 2, 0), (d!.CurrentUsing, d.CurrentWatching, d.CurrentWaiting));
    }

    [Fact]
    public async Task StatsTube_TotalJobsAndCmdDelete_SurviveDeletes()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.UseAsync("t");
        ulong a = await s.PutTextAsync("a");
        ulong b = await s.PutTextAsync("b");
        await s.DeleteAsync(a);
        await s.DeleteAsync(b);
        await s.DeleteAsync(b);

        var t = await s.StatsTubeAsync("t");

        Assert.Equal((2UL, 2UL), (t!.TotalJobs, t.CmdDelete));
        Assert.Equal(0L, t.CurrentJobsReady);
    }

    [Fact]
    public async Task StatsTube_NotPaused_ReportsZeroPause()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();

        var t = await s.StatsTubeAsync("default");

        Assert.Equal((0L, 0L, 0UL), (t!.PauseSeconds, t.PauseTimeLeftSeconds, t.CmdPauseTube));
    }
}
