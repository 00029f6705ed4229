using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Core;

/// <summary>QueueCore driven synchronously, with a test double receiving blocked-reserve outcomes.</summary>
public class QueueCoreDirectTests
{
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    [Fact]
    public void BlockedReserve_ReturnsWaiting_ThenCompletesThroughTheWaiter()
    {
        var h = new CoreHarness();
        var (worker, waiter) = h.Open();
        var (producer, _) = h.Open();

        Assert.Equal(CommandStatus.Waiting, h.Reserve(worker).Status);
        Assert.Empty(waiter.Outcomes);
        ulong id = h.Put(producer);

        Assert.Equal([(CommandStatus.Ok, id)], waiter.Outcomes);
    }

    [Fact]
    public void CancelWait_CompletesWithTimedOut_OnlyWhileWaiting()
    {
        var h = new CoreHarness();
        var (s, waiter) = h.Open();
        h.Core.CancelWait(s); // not waiting: nothing to finish
        Assert.Empty(waiter.Outcomes);

        h.Reserve(s);
        h.Core.CancelWait(s);
        h.Core.CancelWait(s);

        Assert.Equal([(CommandStatus.TimedOut, 0UL)], waiter.Outcomes);
    }

    [Fact]
    public void CloseSession_WhileWaiting_CompletesNothingAndLeavesNoWaiter()
    {
        var h = new CoreHarness();
        var (s, waiter) = h.Open();
        var (producer, _) = h.Open();
        h.Reserve(s, timeoutSeconds: 5);

        h.Core.CloseSession(s);
        h.Put(producer);
        h.Advance(10 * Second);

        Assert.Empty(waiter.Outcomes);
        Assert.Equal(0, h.Core.Stats().CurrentWaiting);
        Assert.Equal(1, h.Core.Stats().CurrentJobsReady);
    }

    [Fact]
    public void ExpiredPause_SeenByAnotherCommandBeforeTimersRun_StillServesTheWaiters()
    {
        var h = new CoreHarness();
        var (waiter, outcomes) = h.Open();
        var (other, _) = h.Open();
        h.Put(other);
        h.Put(other);
        h.Execute(other, new EngineCommand { Op = Operation.PauseTube, Tube = "default", Delay = 2 });
        Assert.Equal(CommandStatus.Waiting, h.Reserve(waiter).Status);

        h.Time.Advance(2 * Second);
        var stats = h.Execute(other, new EngineCommand { Op = Operation.StatsTube, Tube = "default" }); // before the tick
        Assert.Equal(0, ((TubeStats)stats.Payload!).PauseSeconds);
        h.Core.RunTimers();

        Assert.Single(outcomes.Outcomes);
        Assert.Equal(CommandStatus.Ok, outcomes.Outcomes[0].Status);
    }

    [Fact]
    public void ExpiredPause_ReserveByAnotherSessionBeforeTimersRun_DoesNotStarveTheWaiter()
    {
        var h = new CoreHarness();
        var (waiter, outcomes) = h.Open();
        var (other, _) = h.Open();
        ulong first = h.Put(other);
        ulong second = h.Put(other);
        h.Execute(other, new EngineCommand { Op = Operation.PauseTube, Tube = "default", Delay = 2 });
        h.Reserve(waiter);

        h.Time.Advance(2 * Second);
        Assert.Equal(first, h.Reserve(other, timeoutSeconds: 0).Id);
        h.Core.RunTimers();

        Assert.Equal([(CommandStatus.Ok, second)], outcomes.Outcomes);
    }

    [Fact]
    public void NextDeadline_IsTheSoonestOfDelayedJobsReservationsWaitsAndPauses()
    {
        var h = new CoreHarness();
        var (s, _) = h.Open();
        Assert.Equal(long.MaxValue, h.Core.NextDeadline());

        h.Put(s, delay: 30);
        Assert.Equal(30 * TimeSpan.TicksPerSecond, h.Core.NextDeadline());
        h.Execute(s, new EngineCommand { Op = Operation.PauseTube, Tube = "default", Delay = 20 });
        Assert.Equal(20 * TimeSpan.TicksPerSecond, h.Core.NextDeadline());
        h.Put(s, ttr: 10);
        h.Execute(s, new EngineCommand { Op = Operation.ReserveJob, Id = 2 });
        Assert.Equal(10 * TimeSpan.TicksPerSecond, h.Core.NextDeadline());
        h.Reserve(s, timeoutSeconds: 100); // waiting while holding: wake 1 s before the TTR deadline
        Assert.Equal(9 * TimeSpan.TicksPerSecond, h.Core.NextDeadline());
    }

    [Fact]
    public void PreDecidedCommand_IsCountedButNotExecuted()
    {
        var h = new CoreHarness();
        var (s, _) = h.Open();

        var cmd = h.Execute(s, new EngineCommand { Op = Operation.Put, Status = CommandStatus.JobTooBig });

        Assert.Equal(CommandStatus.JobTooBig, cmd.Status);
        var stats = h.Core.Stats();
        Assert.Equal(1UL, stats.Count(Operation.Put));
        Assert.Equal(0, stats.CurrentProducers);
        Assert.Equal(0, h.Core.JobCount);
    }

    [Fact]
    public void PutHeader_MarksProducerAndCountsOnce_BodyCommandIsNotCountedAgain()
    {
        var h = new CoreHarness();
        var (s, _) = h.Open();

        h.Execute(s, new EngineCommand { Op = Operation.Put, Flags = CommandFlags.PutHeader });
        Assert.Equal((1UL, 1), (h.Core.Stats().Count(Operation.Put), h.Core.Stats().CurrentProducers));
        var put = h.Execute(s, new EngineCommand
        {
            Op = Operation.Put, Flags = CommandFlags.Counted, Id = h.Core.Ids.Allocate(), Ttr = 5,
            Body = "hi\r\n"u8.ToArray(),
        });

        Assert.Equal(CommandStatus.Ok, put.Status);
        Assert.Equal(1UL, h.Core.Stats().Count(Operation.Put));
        Assert.Equal(1UL, h.Core.Stats().TotalJobs);
    }

    [Fact]
    public void Reserve_ReturnsBodyWithTrailingCrlf()
    {
        var h = new CoreHarness();
        var (s, _) = h.Open();
        ulong id = h.Put(s, body: "abc");

        var r = h.Reserve(s, timeoutSeconds: 0);

        Assert.Equal(id, r.Id);
        Assert.Equal("abc\r\n"u8.ToArray(), r.Body);
    }

    [Fact]
    public void SessionIds_AreReusedAfterClose_WithoutConfusingOwnership()
    {
        var h = new CoreHarness();
        var (a, _) = h.Open();
        ulong id = h.Put(a);
        h.Core.CloseSession(a);
        var (b, _) = h.Open();
        Assert.Equal(a.Id, b.Id);

        Assert.Equal(id, h.Reserve(b, 0).Id);
        Assert.Equal(CommandStatus.Ok, h.Execute(b, new EngineCommand { Op = Operation.Delete, Id = id }).Status);
    }
}
