using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Engine;

public class DrainModeTests
{
    [Fact]
    public async Task DrainMode_PutIsRefusedWithDraining_AndStoresNothing()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong before = await s.PutTextAsync("before");

        h.Engine.EnterDrainMode();
        var refused = await s.PutAsync(EngineHarness.Bytes("after"));

        Assert.Equal(CommandStatus.Draining, refused.Status);
        Assert.Equal(0UL, refused.Id);
        var stats = await s.StatsAsync();
        Assert.True(stats.Draining);
        Assert.Equal(1UL, stats.TotalJobs);
        Assert.Equal(2UL, stats.Count(Operation.Put));
        Assert.Equal(1, stats.CurrentJobsReady);
        Assert.True(h.Engine.AllocateJobId() > before + 1); // the refused put still consumed its id
    }

    [Fact]
    public async Task DrainMode_EverythingButPutKeepsWorking()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong a = await s.PutTextAsync("a");
        ulong b = await s.PutTextAsync("b");
        ulong c = await s.PutTextAsync("c", delaySeconds: 5);
        h.Engine.EnterDrainMode();

        Assert.Equal(a, (await s.ReserveNowAsync()).Id);
        Assert.Equal(CommandStatus.Ok, await s.ReleaseAsync(a, 0));
        Assert.Equal(a, (await s.ReserveNowAsync()).Id);
        Assert.True(await s.BuryAsync(a, 0));
        Assert.Equal(1, await s.KickAsync(1));
        Assert.True(await s.DeleteAsync(b));
        Assert.True(await s.KickJobAsync(c));
        Assert.Equal("t", await s.UseAsync("t"));
        Assert.Equal(2, await s.WatchAsync("t"));
        Assert.True(await s.PauseTubeAsync("t", TimeSpan.FromSeconds(1)));
        Assert.NotNull(await s.PeekAsync(c));
        Assert.Equal(2, (await s.StatsAsync()).CurrentJobsReady);
    }

    [Fact]
    public async Task DrainMode_AppliesToEverySession()
    {
        await using var h = new EngineHarness();
        await using var early = h.Open();
        h.Engine.EnterDrainMode();
        await using var late = h.Open();

        Assert.Equal(CommandStatus.Draining, (await early.PutAsync(EngineHarness.Bytes("x"))).Status);
        Assert.Equal(CommandStatus.Draining, (await late.PutAsync(EngineHarness.Bytes("y"))).Status);
    }
}
