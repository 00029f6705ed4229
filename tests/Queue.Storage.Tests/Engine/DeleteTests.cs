using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Engine;

public class DeleteTests
{
    [Fact]
    public async Task Delete_ReadyJobInATubeTheSessionNeitherUsesNorWatches_Succeeds()
    {
        await using var h = new EngineHarness();
        await using var producer = h.Open();
        await using var stranger = h.Open();
        await producer.UseAsync("far");
        ulong id = await producer.PutTextAsync("x");

        Assert.True(await stranger.DeleteAsync(id));
        Assert.Null(await stranger.PeekAsync(id));
    }

    [Fact]
    public async Task Delete_DelayedJob_Succeeds()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", delaySeconds: 60);

        Assert.True(await s.DeleteAsync(id));
        Assert.Equal(0, (await s.StatsAsync()).CurrentJobsDelayed);
        await h.AdvanceSecondsAsync(61); // its delay timer must be gone too
        Assert.Equal(CommandStatus.TimedOut, (await s.ReserveAsync(TimeSpan.Zero)).Status);
    }

    [Fact]
    public async Task Delete_BuriedJob_Succeeds()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x");
        await s.ReserveNowAsync();
        await s.BuryAsync(id, 0);

        Assert.True(await s.DeleteAsync(id));
        Assert.Null(await s.PeekBuriedAsync());
        Assert.Equal(0, (await s.StatsAsync()).CurrentJobsBuried);
    }

    [Fact]
    public async Task Delete_OwnReservedJob_Succeeds()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", ttrSeconds: 5);
        await s.ReserveNowAsync();

        Assert.True(await s.DeleteAsync(id));
        Assert.Equal(0, (await s.StatsAsync()).CurrentJobsReserved);
        await h.AdvanceSecondsAsync(10); // its TTR timer must be gone too
        Assert.Equal(0UL, (await s.StatsAsync()).JobTimeouts);
    }

    [Fact]
    public async Task Delete_JobReservedByAnotherSession_IsNotFound()
    {
        await using var h = new EngineHarness();
        await using var owner = h.Open();
        await using var other = h.Open();
        ulong id = await owner.PutTextAsync("x");
        await owner.ReserveNowAsync();

        Assert.False(await other.DeleteAsync(id));
        Assert.Equal(JobState.Reserved, await other.StateOfAsync(id));
    }

    [Fact]
    public async Task Delete_UnknownZeroOrAlreadyDeletedId_IsNotFound()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x");
        Assert.True(await s.DeleteAsync(id));

        Assert.False(await s.DeleteAsync(id));
        Assert.False(await s.DeleteAsync(0));
        Assert.False(await s.DeleteAsync(999));
    }

    [Fact]
    public async Task Delete_CountsTubeCmdDeleteOnlyOnSuccess()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x");
        await s.DeleteAsync(id);
        await s.DeleteAsync(id);

        Assert.Equal(1UL, (await s.StatsTubeAsync("default"))!.CmdDelete);
        Assert.Equal(2UL, (await s.StatsAsync()).Count(Operation.Delete));
    }
}
