using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Engine;

public class ReleaseTests
{
    [Fact]
    public async Task Release_OwnReservedJob_ReturnsItToReadyWithNewPriority()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", priority: 100);
        await s.ReserveNowAsync();

        Assert.Equal(CommandStatus.Ok, await s.ReleaseAsync(id, 7));

        var stats = await s.StatsJobAsync(id);
        Assert.Equal((JobState.Ready, 7u, 1u), (stats!.State, stats.Priority, stats.Releases));
        Assert.Equal(1, (await s.StatsAsync()).CurrentJobsUrgent);
    }

    [Fact]
    public async Task Release_JobReservedByAnotherSession_IsNotFound()
    {
        await using var h = new EngineHarness();
        await using var owner = h.Open();
        await using var other = h.Open();
        ulong id = await owner.PutTextAsync("x");
        await owner.ReserveNowAsync();

        Assert.Equal(CommandStatus.NotFound, await other.ReleaseAsync(id, 0));
        Assert.Equal(JobState.Reserved, await owner.StateOfAsync(id));
    }

    [Theory]
    [InlineData(JobState.Ready)]
    [InlineData(JobState.Delayed)]
    [InlineData(JobState.Buried)]
    public async Task Release_JobThatIsNotReserved_IsNotFound(JobState state)
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await JobIn(s, state);

        Assert.Equal(CommandStatus.NotFound, await s.ReleaseAsync(id, 0));
        Assert.Equal(state, await s.StateOfAsync(id));
    }

    [Fact]
    public async Task Release_UnknownId_IsNotFound()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        Assert.Equal(CommandStatus.NotFound, await s.ReleaseAsync(42, 0));
    }

    internal static async Task<ulong> JobIn(QueueSession s, JobState state)
    {
        switch (state)
        {
            case JobState.Ready:
                return await s.PutTextAsync("ready");
            case JobState.Delayed:
                return await s.PutTextAsync("delayed", delaySeconds: 100);
            case JobState.Buried:
                ulong id = await s.PutTextAsync("buried");
                Assert.NotNull(await s.ReserveJobAsync(id));
                Assert.True(await s.BuryAsync(id, 0));
                return id;
            default:
                ulong r = await s.PutTextAsync("reserved");
                Assert.NotNull(await s.ReserveJobAsync(r));
                return r;
        }
    }
}
