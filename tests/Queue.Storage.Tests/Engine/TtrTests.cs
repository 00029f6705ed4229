using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Engine;

public class TtrTests
{
    [Fact]
    public async Task Reserve_SetsDeadlineToReserveTimePlusTtr()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", ttrSeconds: 10);
        await h.AdvanceSecondsAsync(4); // waiting in ready does not eat into the TTR

        await s.ReserveNowAsync();
        await h.AdvanceSecondsAsync(0.5); // off the whole-second boundary: time-left truncates
        Assert.Equal(9, (await s.StatsJobAsync(id))!.TimeLeftSeconds);
        await h.AdvanceSecondsAsync(3);
        Assert.Equal(6, (await s.StatsJobAsync(id))!.TimeLeftSeconds);
        await h.AdvanceSecondsAsync(6.499);
        Assert.Equal(JobState.Reserved, await s.StateOfAsync(id));
        await h.AdvanceSecondsAsync(0.002);
        Assert.Equal(JobState.Ready, await s.StateOfAsync(id));
    }

    [Fact]
    public async Task Put_WithTtrZero_IsRaisedToOneSecond()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", ttrSeconds: 0);

        Assert.Equal(1, (await s.StatsJobAsync(id))!.TtrSeconds);
        await s.ReserveNowAsync();
        await h.AdvanceSecondsAsync(1.001);
        Assert.Equal(JobState.Ready, await s.StateOfAsync(id));
    }

    [Fact]
    public async Task Reserve_WhenTtrExpires_JobReturnsToReady()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", ttrSeconds: 5);
        await s.ReserveNowAsync();

        await h.AdvanceSecondsAsync(4.999);
        Assert.Equal(JobState.Reserved, await s.StateOfAsync(id));
        await h.AdvanceSecondsAsync(0.002);
        Assert.Equal(JobState.Ready, await s.StateOfAsync(id));
    }

    [Fact]
    public async Task TtrExpiry_CountsJobTimeoutAndGlobalJobTimeouts()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", ttrSeconds: 2);
        await s.ReserveNowAsync();

        await h.AdvanceSecondsAsync(3);

        var job = await s.StatsJobAsync(id);
        Assert.Equal(1u, job!.Timeouts);
        Assert.Equal(1u, job.Reserves);
        Assert.Equal(1UL, (await s.StatsAsync()).JobTimeouts);
        Assert.Equal(0, (await s.StatsAsync()).CurrentJobsReserved);
    }

    [Fact]
    public async Task TtrExpiry_JobCanBeReservedAgainWithSameId()
    {
        await using var h = new EngineHarness();
        await using var first = h.Open();
        await using var second = h.Open();
        ulong id = await first.PutTextAsync("x", ttrSeconds: 2);
        await first.ReserveNowAsync();
        await h.AdvanceSecondsAsync(3);

        Assert.Equal(id, (await second.ReserveNowAsync()).Id);
        Assert.False(await first.DeleteAsync(id)); // now reserved by someone else
    }

    [Fact]
    public async Task Touch_ResetsDeadlineToNowPlusTtr()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", ttrSeconds: 5);
        await s.ReserveNowAsync();
        await h.AdvanceSecondsAsync(3);

        Assert.True(await s.TouchAsync(id));
        await h.AdvanceSecondsAsync(0.5);
        Assert.Equal(4, (await s.StatsJobAsync(id))!.TimeLeftSeconds);
        await h.AdvanceSecondsAsync(4); // 7.5 s after reserve, 4.5 s after touch
        Assert.Equal(JobState.Reserved, await s.StateOfAsync(id));
        await h.AdvanceSecondsAsync(1);
        Assert.Equal(JobState.Ready, await s.StateOfAsync(id));
    }

    [Fact]
    public async Task Touch_AfterExpiry_IsNotFound()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", ttrSeconds: 2);
        await s.ReserveNowAsync();
        await h.AdvanceSecondsAsync(2.5);

        Assert.False(await s.TouchAsync(id));
    }

    [Fact]
    public async Task Touch_ImmediatelyAfterClockPassesDeadline_SeesTheExpiry()
    {
        // beanstalkd runs its timers before handling each event, so a command that arrives after
        // the deadline always finds the job already back in ready.
        await using var h = new EngineHarness();
        await using var s = h.Open();
        for (int i = 0; i < 20; i++)
        {
            ulong id = await s.PutTextAsync("x", ttrSeconds: 1);
            Assert.Equal(id, (await s.ReserveNowAsync()).Id);
            h.Time.Advance(TimeSpan.FromSeconds(2)); // no sync: the touch races the timer wake-up

            Assert.False(await s.TouchAsync(id), $"round {i}: touch succeeded on an expired job");
            Assert.True(await s.DeleteAsync(id));
        }
    }

    [Fact]
    public async Task Touch_JobReservedByAnotherSession_IsNotFound()
    {
        await using var h = new EngineHarness();
        await using var owner = h.Open();
        await using var other = h.Open();
        ulong id = await owner.PutTextAsync("x");
        await owner.ReserveNowAsync();

        Assert.False(await other.TouchAsync(id));
    }

    [Fact]
    public async Task Touch_ReadyJob_IsNotFound()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x");

        Assert.False(await s.TouchAsync(id));
    }

    [Fact]
    public async Task ReserveJob_SetsDeadlineFromItsOwnReserveTime()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong id = await s.PutTextAsync("x", delaySeconds: 100, ttrSeconds: 4);
        await h.AdvanceSecondsAsync(10);

        Assert.NotNull(await s.ReserveJobAsync(id));
        await h.AdvanceSecondsAsync(0.5);
        Assert.Equal(3, (await s.StatsJobAsync(id))!.TimeLeftSeconds);
        await h.AdvanceSecondsAsync(4);
        Assert.Equal(JobState.Ready, await s.StateOfAsync(id));
    }
}
