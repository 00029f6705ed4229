using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Engine;

public class PauseTubeTests
{
    [Fact]
    public async Task PauseTube_UnknownTube_IsNotFound_AndDoesNotCreateIt()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();

        Assert.False(await s.PauseTubeAsync("ghost", TimeSpan.FromSeconds(5)));
        Assert.DoesNotContain("ghost", await s.ListTubesAsync());
        Assert.Equal(1UL, (await s.StatsAsync()).Count(Operation.PauseTube));
    }

    [Fact]
    public async Task Pause_BlocksReserveOfReadyJobs()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.PutTextAsync("x");

        await s.PauseTubeAsync("default", TimeSpan.FromSeconds(10));

        Assert.Equal(CommandStatus.TimedOut, (await s.ReserveAsync(TimeSpan.Zero)).Status);
    }

    [Fact]
    public async Task Pause_DoesNotBlockPutPeekKickReserveJobOrDelete()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.PauseTubeAsync("default", TimeSpan.FromSeconds(60));

        ulong a = await s.PutTextAsync("a");
        ulong b = await s.PutTextAsync("b", delaySeconds: 30);
        ulong c = await s.PutTextAsync("c");
        Assert.Equal(a, (await s.PeekReadyAsync())!.Id);
        Assert.Equal(b, (await s.PeekDelayedAsync())!.Id);
        Assert.Equal(1, await s.KickAsync(5));
        Assert.Equal(c, (await s.ReserveJobAsync(c))!.Id);
        Assert.True(await s.DeleteAsync(a));
    }

    [Fact]
    public async Task Pause_WaitersAreServedWhenThePauseEnds()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await using var worker = h.Open();
        ulong id = await s.PutTextAsync("x");
        await s.PauseTubeAsync("default", TimeSpan.FromSeconds(2));
        var pending = await h.StartReserveAsync(worker);

        await h.AdvanceSecondsAsync(1.9);
        Assert.False(pending.IsCompleted);
        Assert.Equal(1, (await h.PeekStatsAsync()).CurrentWaiting);

        await h.AdvanceSecondsAsync(0.1);
        Assert.Equal(id, (await pending.Within()).Job!.Id);
    }

    [Fact]
    public async Task Pause_JobPutDuringPause_GoesToWaiterOnlyWhenPauseEnds()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await using var worker = h.Open();
        await s.PauseTubeAsync("default", TimeSpan.FromSeconds(3));
        var pending = await h.StartReserveAsync(worker);

        ulong id = await s.PutTextAsync("x");
        await h.SyncAsync();
        Assert.False(pending.IsCompleted);
        Assert.Equal(JobState.Ready, await s.StateOfAsync(id));

        await h.AdvanceSecondsAsync(3);
        Assert.Equal(id, (await pending.Within()).Job!.Id);
    }

    [Fact]
    public async Task PauseZero_UnpausesImmediately_AndWakesWaiters()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await using var worker = h.Open();
        ulong id = await s.PutTextAsync("x");
        await s.PauseTubeAsync("default", TimeSpan.FromSeconds(100));
        var pending = await h.StartReserveAsync(worker);

        Assert.True(await s.PauseTubeAsync("default", TimeSpan.Zero));
        await h.AdvanceAsync(TimeSpan.FromTicks(1)); // "1 ns": due at the very next tick

        Assert.Equal(id, (await pending.Within()).Job!.Id);
        Assert.Equal(0, (await s.StatsTubeAsync("default"))!.PauseSeconds);
    }

    [Fact]
    public async Task Pause_OfOneTube_DoesNotBlockAWaitersOtherTubes()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await using var worker = h.Open();
        await worker.WatchAsync("open");
        await s.PutTextAsync("paused job", priority: 0);
        await s.PauseTubeAsync("default", TimeSpan.FromSeconds(60));
        await s.UseAsync("open");
        ulong open = await s.PutTextAsync("open job", priority: 999);

        Assert.Equal(open, (await worker.ReserveNowAsync()).Id);
    }

    [Fact]
    public async Task StatsTube_ReportsPauseDurationAndTimeLeft()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.PauseTubeAsync("default", TimeSpan.FromSeconds(30));

        await h.AdvanceSecondsAsync(10.5);

        var stats = await s.StatsTubeAsync("default");
        Assert.Equal(30, stats!.PauseSeconds);          // the duration, not what is left
        Assert.Equal(19, stats.PauseTimeLeftSeconds);   // truncated
        Assert.Equal(1UL, stats.CmdPauseTube);

        await h.AdvanceSecondsAsync(20);
        stats = await s.StatsTubeAsync("default");
        Assert.Equal((0L, 0L), (stats!.PauseSeconds, stats.PauseTimeLeftSeconds));
    }

    [Fact]
    public async Task PauseTube_AgainWhilePaused_RestartsThePause()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.PutTextAsync("x");
        await s.PauseTubeAsync("default", TimeSpan.FromSeconds(5));
        await h.AdvanceSecondsAsync(4);

        await s.PauseTubeAsync("default", TimeSpan.FromSeconds(5));
        await h.AdvanceSecondsAsync(4);

        Assert.Equal(CommandStatus.TimedOut, (await s.ReserveAsync(TimeSpan.Zero)).Status);
        Assert.Equal(2UL, (await s.StatsTubeAsync("default"))!.CmdPauseTube);
        await h.AdvanceSecondsAsync(1);
        Assert.Equal(CommandStatus.Ok, (await s.ReserveAsync(TimeSpan.Zero)).Status);
    }

    [Fact]
    public async Task PauseTube_FailedPause_CountsGloballyButNotPerTube()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.PauseTubeAsync("nope", TimeSpan.FromSeconds(1));
        await s.PauseTubeAsync("default", TimeSpan.FromSeconds(1));

        Assert.Equal(2UL, (await s.StatsAsync()).Count(Operation.PauseTube));
        Assert.Equal(1UL, (await s.StatsTubeAsync("default"))!.CmdPauseTube);
    }
}
