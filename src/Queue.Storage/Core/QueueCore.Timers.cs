using Queue.Storage.Model;

namespace Queue.Storage.Core;

// Time-driven work (beanstalkd prottick): delayed jobs becoming ready, TTR expiry, pauses ending,
// blocked reserves timing out or entering the DEADLINE_SOON margin.
internal sealed partial class QueueCore
{
    /// <summary>Runs everything that is due at <see cref="Now"/>.</summary>
    public void RunTimers()
    {
        // Blocked reservers first: DEADLINE_SOON must reach a waiter before its job expires.
        while (_wakes.Peek() is { } s && s.WakeAt <= _now)
        {
            _wakes.Remove(s);
            if (!s.IsWaiting) continue;
            if (IsDeadlineSoon(s)) FinishWait(s, CommandStatus.DeadlineSoon);
            else if (s.WaitTimeoutAt <= _now) FinishWait(s, CommandStatus.TimedOut);
            else ScheduleWake(s);
        }

        while (_timers.Count > 0)
        {
            int slot = _timers.Peek();
            ref var j = ref _jobs.Get(slot);
            if (j.DeadlineAt > _now) break;
            if (j.State == JobState.Delayed)
            {
                RemoveDelayed(slot);
                InsertReady(slot);
            }
            else
            {
                // TTR expired: back to ready; counted, not logged (beanstalkd conn_timeout)
                RemoveReserved(slot);
                _jobs.Extras(slot).Timeouts++;
                _jobTimeouts++;
                InsertReady(slot);
            }
            MatchWaiters(TubeOf(ref _jobs.Get(slot)));
        }

        for (int i = _paused.Count - 1; i >= 0; i--)
        {
            if (i >= _paused.Count) continue;
            var t = _paused[i];
            if (t.UnpauseAt > _now) continue;
            t.PauseTicks = 0;
            _paused.RemoveAt(i);
            MatchWaiters(t);
        }
    }

    /// <summary>Engine ticks of the next timed event, or long.MaxValue when nothing is scheduled.</summary>
    public long NextDeadline()
    {
        long next = long.MaxValue;
        if (_wakes.Peek() is { } s) next = s.WakeAt;
        if (_timers.Count > 0) next = Math.Min(next, _jobs.Get(_timers.Peek()).DeadlineAt);
        foreach (var t in _paused) next = Math.Min(next, t.UnpauseAt);
        return next;
    }

    /// <summary>Converts engine ticks to the time span from now (never negative).</summary>
    public TimeSpan Until(long ticks) => TimeSpan.FromTicks(Math.Max(0, ticks - _now));
}
