using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Engine;

public class JobStatsTests
{
    [Fact]
    public async Task StatsJob_FreshReadyJob_ReportsItsSettings()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.UseAsync("t");
        ulong id = await s.PutTextAsync("x", priority: 77, ttrSeconds: 30);

        var j = await s.StatsJobAsync(id);

        Assert.Equal(id, j!.Id);
        Assert.Equal("t", j.Tube);
        Assert.Equal(JobState.Ready, j.State);
        Assert.Equal((77u, 0L, 30L), (j.Priority, j.DelaySeconds, j.TtrSeconds));
        Assert.Equal((0L, 0L, 0L), (j.AgeSeconds, j.TimeLeftSeconds, j.File));
        Assert.Equal((0u, 0u, 0u, 0u, 0u), (j.Reserves, j.Timeouts, j.Releases, j.Buries, j.Kicks));
    }

    [Fact]
    public async Task StatsJob_Age_FollowsTheWallClockSincePut()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", delaySeconds: 2);

        await h.AdvanceSecondsAsync(5.7);

        Assert.Equal(5, (await s.StatsJobAsync(id))!.AgeSeconds);
    }

    [Fact]
    public async Task StatsJob_TimeLeft_ForDelayedJob_CountsDownTruncated()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", delaySeconds: 10);

        await h.AdvanceSecondsAsync(3.5);

        var j = await s.StatsJobAsync(id);
        Assert.Equal((JobState.Delayed, 6L, 10L), (j!.State, j.TimeLeftSeconds, j.DelaySeconds));
    }

    [Fact]
    public async Task StatsJob_TimeLeft_IsZeroInTheLastSecondOfTtr()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", ttrSeconds: 3);
        await s.ReserveNowAsync();

        await h.AdvanceSecondsAsync(2.2);

        Assert.Equal(0, (await s.StatsJobAsync(id))!.TimeLeftSeconds);
    }

    [Fact]
    public async Task StatsJob_TimeLeft_IsZeroForBuriedJobs()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", ttrSeconds: 100);
        await s.ReserveNowAsync();
        await s.BuryAsync(id, 1);

        Assert.Equal(0, (await s.StatsJobAsync(id))!.TimeLeftSeconds);
    }

    [Fact]
    public async Task StatsJob_CountsEveryLifecycleEvent()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", ttrSeconds: 2);
        await s.ReserveNowAsync();                 // reserves 1
        await h.AdvanceSecondsAsync(3);            // timeouts 1
        await s.ReserveNowAsync();                 // reserves 2
        await s.ReleaseAsync(id, 1, TimeSpan.FromSeconds(4)); // releases 1, delay 4
        await s.KickAsync(1);                      // kicks 1
        await s.ReserveNowAsync();                 // reserves 3
        await s.BuryAsync(id, 2);                  // buries 1
        await s.KickJobAsync(id);                  // kicks 2

        var j = await s.StatsJobAsync(id);

        Assert.Equal((3u, 1u, 1u, 1u, 2u), (j!.Reserves, j.Timeouts, j.Releases, j.Buries, j.Kicks));
        Assert.Equal((2u, 4L, JobState.Ready), (j.Priority, j.DelaySeconds, j.State));
    }

    [Fact]
    public async Task StatsJob_UnknownOrDeletedJob_IsNotFound()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x");
        await s.DeleteAsync(id);

        Assert.Null(await s.StatsJobAsync(id));
        Assert.Null(await s.StatsJobAsync(0));
    }
}
