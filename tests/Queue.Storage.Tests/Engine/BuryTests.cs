using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Engine;

public class BuryTests
{
    [Fact]
    public async Task Bury_OwnReservedJob_BuriesItWithNewPriority()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", priority: 5);
        await s.ReserveNowAsync();

        Assert.True(await s.BuryAsync(id, 77));

        var stats = await s.StatsJobAsync(id);
        Assert.Equal((JobState.Buried, 77u, 1u), (stats!.State, stats.Priority, stats.Buries));
        Assert.Equal(CommandStatus.TimedOut, (await s.ReserveAsync(TimeSpan.Zero)).Status);
    }

    [Fact]
    public async Task Bury_JobReservedByAnotherSession_IsNotFound()
    {
        await using var h = new EngineHarness();
        await using var owner = h.Open();
        await using var other = h.Open();
        ulong id = await owner.PutTextAsync("x");
        await owner.ReserveNowAsync();

        Assert.False(await other.BuryAsync(id, 0));
        Assert.Equal(JobState.Reserved, await owner.StateOfAsync(id));
    }

    [Theory]
    [InlineData(JobState.Ready)]
    [InlineData(JobState.Delayed)]
    [InlineData(JobState.Buried)]
    public async Task Bury_JobThatIsNotReserved_IsNotFound(JobState state)
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await ReleaseTests.JobIn(s, state);

        Assert.False(await s.BuryAsync(id, 0));
        Assert.Equal(state == JobState.Buried ? 1u : 0u, (await s.StatsJobAsync(id))!.Buries);
    }

    [Fact]
    public async Task BuriedJob_DoesNotTimeOut()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", ttrSeconds: 2);
        await s.ReserveNowAsync();
        await s.BuryAsync(id, 0);

        await h.AdvanceSecondsAsync(10);

        Assert.Equal(JobState.Buried, await s.StateOfAsync(id));
        Assert.Equal(0u, (await s.StatsJobAsync(id))!.Timeouts);
    }
}
