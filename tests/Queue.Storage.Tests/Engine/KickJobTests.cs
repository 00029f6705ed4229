using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Engine;

public class KickJobTests
{
    [Theory]
    [InlineData(JobState.Buried)]
    [InlineData(JobState.Delayed)]
    public async Task KickJob_BuriedOrDelayedJobInAnyTube_MakesItReady(JobState state)
    {
        await using var h = new EngineHarness();
        await using var owner = h.Open();
        await using var other = h.Open();
        await owner.UseAsync("elsewhere");
        ulong id = await ReleaseTests.JobIn(owner, state);

        Assert.True(await other.KickJobAsync(id));

        var stats = await other.StatsJobAsync(id);
        Assert.Equal((JobState.Ready, 1u), (stats!.State, stats.Kicks));
    }

    [Theory]
    [InlineData(JobState.Ready)]
    [InlineData(JobState.Reserved)]
    public async Task KickJob_ReadyOrReservedJob_IsNotFound(JobState state)
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await ReleaseTests.JobIn(s, state);

        Assert.False(await s.KickJobAsync(id));
        Assert.Equal(state, await s.StateOfAsync(id));
    }

    [Fact]
    public async Task KickJob_UnknownId_IsNotFound()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        Assert.False(await s.KickJobAsync(77));
        Assert.False(await s.KickJobAsync(0));
    }

    [Fact]
    public async Task KickJob_HandsTheJobToAWaitingReserver()
    {
        await using var h = new EngineHarness();
        await using var owner = h.Open();
        await using var waiter = h.Open();
        ulong id = await ReleaseTests.JobIn(owner, JobState.Buried);
        var pending = await h.StartReserveAsync(waiter);

        Assert.True(await owner.KickJobAsync(id));

        Assert.Equal(id, (await pending.Within()).Job!.Id);
    }
}
