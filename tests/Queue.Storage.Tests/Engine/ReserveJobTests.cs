using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Engine;

public class ReserveJobTests
{
    [Theory]
    [InlineData(JobState.Ready)]
    [InlineData(JobState.Delayed)]
    [InlineData(JobState.Buried)]
    public async Task ReserveJob_ReadyDelayedOrBuriedJobInAnUnwatchedTube_ReservesIt(JobState state)
    {
        await using var h = new EngineHarness();
        await using var owner = h.Open();
        await using var taker = h.Open();
        await owner.UseAsync("hidden");
        ulong id = await ReleaseTests.JobIn(owner, state);

        var job = await taker.ReserveJobAsync(id);

        Assert.Equal(id, job!.Id);
        Assert.Equal(JobState.Reserved, await taker.StateOfAsync(id));
        Assert.True(await taker.DeleteAsync(id)); // owned by the taker now
    }

    [Fact]
    public async Task ReserveJob_InPausedTube_Works()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x");
        await s.PauseTubeAsync("default", TimeSpan.FromSeconds(60));

        Assert.Equal("x", EngineHarness.Text(await s.ReserveJobAsync(id)));
    }

    [Fact]
    public async Task ReserveJob_JobReservedByAnyone_IncludingCaller_IsNotFound()
    {
        await using var h = new EngineHarness();
        await using var owner = h.Open();
        await using var other = h.Open();
        ulong id = await owner.PutTextAsync("x");
        await owner.ReserveNowAsync();

        Assert.Null(await owner.ReserveJobAsync(id));
        Assert.Null(await other.ReserveJobAsync(id));
        Assert.Equal(1u, (await owner.StatsJobAsync(id))!.Reserves);
    }

    [Fact]
    public async Task ReserveJob_UnknownId_IsNotFound()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        Assert.Null(await s.ReserveJobAsync(5));
        Assert.Null(await s.ReserveJobAsync(0));
    }

    [Fact]
    public async Task ReserveJob_CountsReserveAndMakesTheSessionAWorker()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", delaySeconds: 10);

        await s.ReserveJobAsync(id);

        Assert.Equal(1u, (await s.StatsJobAsync(id))!.Reserves);
        var stats = await s.StatsAsync();
        Assert.Equal((1, 0L, 1L), (stats.CurrentWorkers, stats.CurrentJobsDelayed, stats.CurrentJobsReserved));
    }
}
