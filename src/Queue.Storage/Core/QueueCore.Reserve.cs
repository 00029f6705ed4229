using Queue.Storage.Model;

namespace Queue.Storage.Core;

// reserve, reserve-with-timeout, reserve-job, and the pairing of ready jobs with blocked reservers.
internal sealed partial class QueueCore
{
    // reserve / reserve-with-timeout <seconds>; timeoutSeconds < 0 waits forever
    private void Reserve(SessionState s, ref EngineCommand cmd, long timeoutSeconds)
    {
        MarkWorker(s);
        if (IsDeadlineSoon(s) && !AnyWatchedReady(s))
        {
            cmd.Status = CommandStatus.DeadlineSoon;
            return;
        }
        for (int best = BestReadyFor(s); best >= 0; best = BestReadyFor(s))
        {
            if (!TryBodyOf(best, out var body)) continue; // lost job removed; try the next one
            RemoveReady(best);
            InsertReserved(s, best);
            cmd.Id = _jobs.Get(best).Id;
            cmd.Body = body;
            cmd.Status = CommandStatus.Ok;
            return;
        }
        if (timeoutSeconds == 0)
        {
            // beanstalkd's zero-timeout wait is answered by the connection timer, which checks the margin first.
            cmd.Status = IsDeadlineSoon(s) ? CommandStatus.DeadlineSoon : CommandStatus.TimedOut;
            return;
        }
        StartWaiting(s, timeoutSeconds < 0 ? long.MaxValue : _now + timeoutSeconds * TicksPerSecond);
        cmd.Status = CommandStatus.Waiting;
    }

    // reserve-job <id>: any ready, delayed or buried job, in any tube, paused or not
    private void ReserveJob(SessionState s, ref EngineCommand cmd)
    {
        int slot = FindJob(cmd.Id);
        var state = slot < 0 ? JobState.Invalid : _jobs.Get(slot).State;
        if (state is not (JobState.Ready or JobState.Delayed or JobState.Buried))
        {
            cmd.Status = CommandStatus.NotFound;
            return;
        }
        if (!TryBodyOf(slot, out var body))
        {
            cmd.Status = CommandStatus.NotFound;
            return;
        }
        Detach(slot);
        MarkWorker(s);
        InsertReserved(s, slot);
        cmd.Body = body;
        cmd.Status = CommandStatus.Ok;
    }

    /// <summary>True when the session holds a job whose deadline is within the safety margin.</summary>
    private bool IsDeadlineSoon(SessionState s)
    {
        long soonest = SoonestDeadline(s);
        return soonest != long.MaxValue && _now >= soonest - SafetyMargin;
    }

    private long SoonestDeadline(SessionState s)
    {
        long soonest = long.MaxValue;
        for (int slot = s.ReservedHead; slot >= 0; slot = _jobs.Get(slot).Next)
        {
            soonest = Math.Min(soonest, _jobs.Get(slot).DeadlineAt);
        }
        return soonest;
    }

    /// <summary>beanstalkd conn_ready: any watched tube has a ready job, paused or not.</summary>
    private static bool AnyWatchedReady(SessionState s)
    {
        foreach (var t in s.Watch)
        {
            if (t.Ready.Count > 0) return true;
        }
        return false;
    }

    /// <summary>The ready job with the smallest (priority, id) among the session's unpaused watched tubes.</summary>
    private int BestReadyFor(SessionState s)
    {
        int best = -1;
        foreach (var t in s.Watch)
        {
            if (IsPausedNow(t)) continue;
            int top = t.Ready.Peek();
            if (top >= 0 && (best < 0 || Scheduling.ReadyOrder.Less(_jobs, top, best))) best = top;
        }
        return best;
    }

    private void StartWaiting(SessionState s, long timeoutAt)
    {
        s.IsWaiting = true;
        s.WaitSerial++;
        s.WaitTimeoutAt = timeoutAt;
        _waitingCount++;
        foreach (var t in s.Watch)
        {
            t.WaitingCount++;
            t.Waiters.Enqueue(s);
        }
        ScheduleWake(s);
    }

    private void ScheduleWake(SessionState s)
    {
        long soonest = SoonestDeadline(s);
        long wake = s.WaitTimeoutAt;
        if (soonest != long.MaxValue) wake = Math.Min(wake, soonest - SafetyMargin);
        _wakes.Remove(s);
        if (wake == long.MaxValue) return;
        s.WakeAt = wake;
        _wakes.Insert(s);
    }

    /// <summary>Leaves the blocked state without completing the wait (the caller does that).</summary>
    private void StopWaiting(SessionState s)
    {
        if (!s.IsWaiting) return;
        s.IsWaiting = false;
        _waitingCount--;
        _wakes.Remove(s);
        foreach (var t in s.Watch)
        {
            t.WaitingCount--;
            t.Waiters.Compact(t.WaitingCount);
        }
    }

    private void FinishWait(SessionState s, CommandStatus status, ulong id = 0, byte[]? body = null)
    {
        StopWaiting(s);
        s.Waiter?.Complete(status, id, body);
    }

    /// <summary>
    /// Gives the tube's best ready jobs to its blocked reservers, oldest waiter first (beanstalkd
    /// process_queue). Ensures: afterwards the tube is paused, has no ready job, or has no waiter.
    /// </summary>
    private void MatchWaiters(Tube t)
    {
        while (t.WaitingCount > 0 && t.Ready.Count > 0 && !IsPausedNow(t))
        {
            var s = t.Waiters.DequeueLive();
            if (s is null) return;
            // A waiter on several tubes gets its best job across them (several pauses may end at once).
            int slot;
            byte[] body;
            do
            {
                slot = s.Watch.Count > 1 ? BestReadyFor(s) : t.Ready.Peek();
                body = null!;
            }
            while (slot >= 0 && !TryBodyOf(slot, out body));
            if (slot < 0)
            {
                t.Waiters.Enqueue(s); // every candidate was lost; keep waiting
                return;
            }
            RemoveReady(slot);
            InsertReserved(s, slot);
            FinishWait(s, CommandStatus.Ok, _jobs.Get(slot).Id, body);
        }
    }

    /// <summary>Cancels a blocked reserve (client hung up or gave up): it completes with TIMED_OUT.</summary>
    public void CancelWait(SessionState s)
    {
        if (s.IsWaiting) FinishWait(s, CommandStatus.TimedOut);
    }
}
