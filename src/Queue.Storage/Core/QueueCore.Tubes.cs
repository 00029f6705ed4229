using Queue.Storage.Model;

namespace Queue.Storage.Core;

// use, watch, ignore, pause-tube, list-*, tube lifetime, session close.
internal sealed partial class QueueCore
{
    // use <tube>
    private void Use(SessionState s, ref EngineCommand cmd)
    {
        var t = _tubes.FindOrCreate(cmd.Tube!);
        t.Refs++;
        var old = s.Use;
        old.UsingCount--;
        s.Use = t;
        t.UsingCount++;
        ReleaseTube(old);
        cmd.TubeOut = t.Name;
        cmd.Status = CommandStatus.Ok;
    }

    // watch <tube>
    private void Watch(SessionState s, ref EngineCommand cmd)
    {
        var t = _tubes.FindOrCreate(cmd.Tube!);
        if (!s.IsWatching(t)) WatchTube(s, t);
        cmd.Count = s.Watch.Count;
        cmd.Status = CommandStatus.Ok;
    }

    // ignore <tube>: NOT_IGNORED only when it is the last watched tube
    private void Ignore(SessionState s, ref EngineCommand cmd)
    {
        int index = -1;
        for (int i = 0; i < s.Watch.Count; i++)
        {
            if (s.Watch[i].Name == cmd.Tube)
            {
                index = i;
                break;
            }
        }
        if (index >= 0 && s.Watch.Count < 2)
        {
            cmd.Status = CommandStatus.NotIgnored;
            return;
        }
        if (index >= 0) UnwatchAt(s, index);
        cmd.Count = s.Watch.Count;
        cmd.Status = CommandStatus.Ok;
    }

    private void WatchTube(SessionState s, Tube t)
    {
        s.Watch.Add(t);
        t.Refs++;
        t.WatchingCount++;
    }

    /// <summary>beanstalkd ms_delete: the last entry moves into the hole.</summary>
    private void UnwatchAt(SessionState s, int index)
    {
        var t = s.Watch[index];
        int last = s.Watch.Count - 1;
        s.Watch[index] = s.Watch[last];
        s.Watch.RemoveAt(last);
        t.WatchingCount--;
        ReleaseTube(t);
    }

    // pause-tube <tube> <delay>
    private void PauseTube(ref EngineCommand cmd)
    {
        var t = _tubes.Find(cmd.Tube!);
        if (t is null)
        {
            cmd.Status = CommandStatus.NotFound;
            return;
        }
        long ticks = cmd.Delay == 0 ? 1 : cmd.Delay * TicksPerSecond; // 0 = unpause at the next tick
        if (!t.IsPaused) _paused.Add(t);
        t.PauseTicks = ticks;
        t.UnpauseAt = _now + ticks;
        t.CmdPauseTube++;
        cmd.Status = CommandStatus.Ok;
    }

    /// <summary>Whether the tube is paused at <see cref="Now"/>. An expired pause is cleared by RunTimers,
    /// which also serves the tube's waiters; clearing it here would skip that.</summary>
    private bool IsPausedNow(Tube t) => t.IsPaused && t.UnpauseAt > _now;

    private void ListTubes(ref EngineCommand cmd)
    {
        var names = new string[_tubes.Count];
        for (int i = 0; i < names.Length; i++) names[i] = _tubes.InOrder[i].Name;
        cmd.Payload = names;
        cmd.Status = CommandStatus.Ok;
    }

    private static void ListWatched(SessionState s, ref EngineCommand cmd)
    {
        var names = new string[s.Watch.Count];
        for (int i = 0; i < names.Length; i++) names[i] = s.Watch[i].Name;
        cmd.Payload = names;
        cmd.Status = CommandStatus.Ok;
    }

    /// <summary>Drops one reference; the tube disappears at zero (never <c>default</c>).</summary>
    private void ReleaseTube(Tube t)
    {
        if (--t.Refs > 0) return;
        if (t.IsPaused) _paused.Remove(t);
        _tubes.Remove(t);
    }

    /// <summary>
    /// Ends a session (beanstalkd connclose): stops its wait, returns its reserved jobs to ready in
    /// reservation order, unwatches (index 0 first, as ms_clear does) and stops using its tube.
    /// </summary>
    public void CloseSession(SessionState s)
    {
        if (s.Closed) return;
        s.Closed = true;
        if (s.IsProducer) _producerCount--;
        if (s.IsWorker) _workerCount--;
        _sessionCount--;
        StopWaiting(s);
        while (s.ReservedHead >= 0)
        {
            int slot = s.ReservedHead;
            RemoveReserved(slot);
            InsertReady(slot);
            MatchWaiters(TubeOf(ref _jobs.Get(slot)));
        }
        while (s.Watch.Count > 0) UnwatchAt(s, 0);
        s.Use.UsingCount--;
        ReleaseTube(s.Use);
        _sessions[s.Id] = null;
        _freeSessionIds.Push(s.Id);
    }
}
