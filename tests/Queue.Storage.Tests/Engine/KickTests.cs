using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Engine;

public class KickTests
{
    private static async Task<ulong> BuryNew(QueueSession s, string body)
    {
        ulong id = await s.PutTextAsync(body);
        Assert.NotNull(await s.ReserveJobAsync(id));
        Assert.True(await s.BuryAsync(id, 0));
        return id;
    }

    [Fact]
    public async Task Kick_WithBuriedAndDelayedJobs_KicksOnlyBuriedOnes()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong d1 = await s.PutTextAsync("d1", delaySeconds: 50);
        ulong b1 = await BuryNew(s, "b1");
        ulong b2 = await BuryNew(s, "b2");

        Assert.Equal(2, await s.KickAsync(10));
        Assert.Equal(JobState.Ready, await s.StateOfAsync(b1));
        Assert.Equal(JobState.Ready, await s.StateOfAsync(b2));
        Assert.Equal(JobState.Delayed, await s.StateOfAsync(d1));

        Assert.Equal(1, await s.KickAsync(10)); // no buried left: now the delayed ones
        Assert.Equal(JobState.Ready, await s.StateOfAsync(d1));
    }

    [Fact]
    public async Task Kick_RespectsTheBound_OldestBuriedFirst()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong newerId = await s.PutTextAsync("newer-id");
        ulong olderId = await s.PutTextAsync("older-id");
        await s.ReserveJobAsync(olderId);
        await s.BuryAsync(olderId, 0); // buried first although its id is higher
        await s.ReserveJobAsync(newerId);
        await s.BuryAsync(newerId, 0);

        Assert.Equal(1, await s.KickAsync(1));

        Assert.Equal(JobState.Ready, await s.StateOfAsync(olderId));
        Assert.Equal(JobState.Buried, await s.StateOfAsync(newerId));
    }

    [Fact]
    public async Task Kick_DelayedJobs_SoonestDeadlineFirst_UpToTheBound()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong late = await s.PutTextAsync("late", delaySeconds: 30);
        ulong soon = await s.PutTextAsync("soon", delaySeconds: 10);
        ulong mid = await s.PutTextAsync("mid", delaySeconds: 20);

        Assert.Equal(2, await s.KickAsync(2));

        Assert.Equal(JobState.Ready, await s.StateOfAsync(soon));
        Assert.Equal(JobState.Ready, await s.StateOfAsync(mid));
        Assert.Equal(JobState.Delayed, await s.StateOfAsync(late));
    }

    [Fact]
    public async Task Kick_ZeroBound_KicksNothing()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await BuryNew(s, "b");

        Assert.Equal(0, await s.KickAsync(0));
        Assert.Equal(JobState.Buried, await s.StateOfAsync(id));
    }

    [Fact]
    public async Task Kick_ActsOnTheUsedTubeOnly()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong inDefault = await BuryNew(s, "b");
        await s.UseAsync("other");

        Assert.Equal(0, await s.KickAsync(100));
        Assert.Equal(JobState.Buried, await s.StateOfAsync(inDefault));
    }

    [Fact]
    public async Task Kick_CountsKicksAndKeepsTheDelaySetting()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", delaySeconds: 40);

        await s.KickAsync(1);

        var stats = await s.StatsJobAsync(id);
        Assert.Equal((1u, 40L, 0L), (stats!.Kicks, stats.DelaySeconds, stats.TimeLeftSeconds));
        await h.AdvanceSecondsAsync(41); // the old delay timer must not fire again
        Assert.Equal(id, (await s.ReserveNowAsync()).Id);
    }

    [Fact]
    public async Task Kick_InPausedTube_StillKicks()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await BuryNew(s, "b");
        await s.PauseTubeAsync("default", TimeSpan.FromSeconds(60));

        Assert.Equal(1, await s.KickAsync(1));
        Assert.Equal(JobState.Ready, await s.StateOfAsync(id));
    }
}
