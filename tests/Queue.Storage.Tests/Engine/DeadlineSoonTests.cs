using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Engine;

public class DeadlineSoonTests
{
    [Fact]
    public async Task Reserve_HoldingJobWithinOneSecondOfDeadline_NothingReady_ReturnsDeadlineSoonAtOnce()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.PutTextAsync("x", ttrSeconds: 3);
        await s.ReserveNowAsync();
        await h.AdvanceSecondsAsync(2);

        var r = await s.ReserveAsync().AsTask().Within(); // no timeout: would block if not DEADLINE_SOON

        Assert.Equal(CommandStatus.DeadlineSoon, r.Status);
        Assert.Null(r.Job);
    }

    [Fact]
    public async Task Reserve_HoldingJobOutsideTheMargin_DoesNotReportDeadlineSoon()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.PutTextAsync("x", ttrSeconds: 3);
        await s.ReserveNowAsync();
        await h.AdvanceSecondsAsync(1.9);

        Assert.Equal(CommandStatus.TimedOut, (await s.ReserveAsync(TimeSpan.Zero)).Status);
    }

    [Fact]
    public async Task Reserve_WithinMargin_WhenAWatchedTubeHasReadyJob_ReturnsThatJob()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.PutTextAsync("held", ttrSeconds: 1);
        await s.ReserveNowAsync();
        ulong ready = await s.PutTextAsync("ready");

        var r = await s.ReserveAsync();

        Assert.Equal(CommandStatus.Ok, r.Status);
        Assert.Equal(ready, r.Job!.Id);
    }

    [Fact]
    public async Task ReserveWithTimeoutZero_WithinMargin_ReturnsDeadlineSoonNotTimedOut()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.PutTextAsync("x", ttrSeconds: 1); // TTR 1 is always inside the margin
        await s.ReserveNowAsync();

        Assert.Equal(CommandStatus.DeadlineSoon, (await s.ReserveAsync(TimeSpan.Zero)).Status);
    }

    [Fact]
    public async Task ReserveWithTimeoutZero_WithinMargin_ReadyJobOnlyInPausedTube_ReturnsDeadlineSoon()
    {
        // Observed on beanstalkd 1.12: the paused tube's ready job defeats the immediate check, but
        // the reserve still ends with DEADLINE_SOON (its wake-up is already due), not TIMED_OUT.
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong held = await s.PutTextAsync("held", ttrSeconds: 1);
        await s.PutTextAsync("ready");
        Assert.NotNull(await s.ReserveJobAsync(held));
        Assert.True(await s.PauseTubeAsync("default", TimeSpan.FromSeconds(10)));

        Assert.Equal(CommandStatus.DeadlineSoon, (await s.ReserveAsync(TimeSpan.Zero)).Status);
    }

    [Fact]
    public async Task BlockingReserve_WithinMargin_ReadyJobOnlyInPausedTube_EndsWithDeadlineSoon()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong held = await s.PutTextAsync("held", ttrSeconds: 1);
        await s.PutTextAsync("ready");
        Assert.NotNull(await s.ReserveJobAsync(held));
        await s.PauseTubeAsync("default", TimeSpan.FromSeconds(10));

        var r = await s.ReserveAsync().AsTask().Within();

        Assert.Equal(CommandStatus.DeadlineSoon, r.Status);
    }

    [Fact]
    public async Task DeadlineSoon_LeavesTheJobReservedByTheSession()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", ttrSeconds: 1);
        await s.ReserveNowAsync();

        Assert.Equal(CommandStatus.DeadlineSoon, (await s.ReserveAsync()).Status);
        Assert.Equal(JobState.Reserved, await s.StateOfAsync(id));
        Assert.True(await s.TouchAsync(id));
    }

    [Fact]
    public async Task DeadlineSoon_UsesTheSoonestOfSeveralReservedJobs()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.PutTextAsync("long", ttrSeconds: 100);
        await s.PutTextAsync("short", ttrSeconds: 3);
        await s.ReserveNowAsync();
        await s.ReserveNowAsync();
        await h.AdvanceSecondsAsync(2);

        Assert.Equal(CommandStatus.DeadlineSoon, (await s.ReserveAsync(TimeSpan.Zero)).Status);
    }

    [Fact]
    public async Task BlockedReserve_IsInterruptedOneSecondBeforeTheDeadline()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", ttrSeconds: 5);
        await s.ReserveNowAsync();
        var pending = await h.StartReserveAsync(s);

        await h.AdvanceSecondsAsync(3.9);
        Assert.False(pending.IsCompleted);
        Assert.Equal(1, (await h.PeekStatsAsync()).CurrentWaiting);

        await h.AdvanceSecondsAsync(0.1);
        Assert.Equal(CommandStatus.DeadlineSoon, (await pending.Within()).Status);
        Assert.Equal(0, (await h.PeekStatsAsync()).CurrentWaiting);
        Assert.Equal(JobState.Reserved, await s.StateOfAsync(id));
    }

    [Fact]
    public async Task DeadlineSoon_BeatsTimedOut_WhenBothAreDue()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.PutTextAsync("x", ttrSeconds: 3);
        await s.ReserveNowAsync();
        var pending = await h.StartReserveAsync(s, TimeSpan.FromSeconds(2)); // timeout at 2 s, margin starts at 2 s

        await h.AdvanceSecondsAsync(2);

        Assert.Equal(CommandStatus.DeadlineSoon, (await pending.Within()).Status);
    }

    [Fact]
    public async Task DeadlineSoon_BeatsTimedOut_WhenClockJumpsPastBothAndTheDeadline()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", ttrSeconds: 3);
        await s.ReserveNowAsync();
        var pending = await h.StartReserveAsync(s, TimeSpan.FromSeconds(2));

        await h.AdvanceSecondsAsync(10);

        Assert.Equal(CommandStatus.DeadlineSoon, (await pending.Within()).Status);
        Assert.Equal(JobState.Ready, await s.StateOfAsync(id)); // and the TTR still expired
    }

    [Fact]
    public async Task ReserveTimeout_BeforeTheMargin_IsTimedOut()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.PutTextAsync("x", ttrSeconds: 10);
        await s.ReserveNowAsync();
        var pending = await h.StartReserveAsync(s, TimeSpan.FromSeconds(2));

        await h.AdvanceSecondsAsync(2);

        Assert.Equal(CommandStatus.TimedOut, (await pending.Within()).Status);
    }

    [Fact]
    public async Task ReserveJob_NeverReturnsDeadlineSoon()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.PutTextAsync("held", ttrSeconds: 1);
        ulong other = await s.PutTextAsync("other", delaySeconds: 30);
        await s.ReserveNowAsync();

        Assert.Equal(other, (await s.ReserveJobAsync(other))!.Id);
    }
}
