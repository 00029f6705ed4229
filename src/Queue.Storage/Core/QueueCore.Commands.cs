using Queue.Storage.Model;

namespace Queue.Storage.Core;

// put, delete, release, bury, touch, kick, kick-job, peek*: one method per verb.
internal sealed partial class QueueCore
{
    // put <pri> <delay> <ttr> <bytes>
    private void Put(SessionState s, ref EngineCommand cmd)
    {
        MarkProducer(s);
        if (Draining)
        {
            cmd.Status = CommandStatus.Draining;
            return;
        }
        var body = cmd.Body!;
        if (Memory is not null && !Memory.TryAdmit(body.Length + EstimatedJobOverhead))
        {
            cmd.Status = CommandStatus.OutOfMemory;
            return;
        }
        if (!_journal.CanAdmit(body.Length - 2))
        {
            cmd.Status = CommandStatus.OutOfMemory;
            return;
        }
        var t = s.Use;
        int slot = _jobs.Allocate(cmd.Id);
        ref var j = ref _jobs.Get(slot);
        j.Priority = cmd.Priority;
        _jobs.SetDelay(slot, cmd.Delay);
        j.TtrSeconds = Math.Max(cmd.Ttr, 1u);
        j.CreatedAtMs = cmd.CreatedAtMs;
        j.Tube = t.Slot;
        _bodies.Store(slot, ref j, body);
        t.Refs++;
        t.JobCount++;
        t.TotalJobs++;
        _totalJobs++;
        if (cmd.Delay > 0) InsertDelayed(slot, _now + cmd.Delay * TicksPerSecond);
        else InsertReady(slot);
        _journal.Put(ref _jobs.Get(slot), _jobs.ExtrasOf(slot), t.Name, body);
        if (cmd.Delay == 0) MatchWaiters(t);
        cmd.Body = null;
        cmd.Status = CommandStatus.Ok;
    }

    // delete <id>: own reserved job, or any ready, buried or delayed job
    private void Delete(SessionState s, ref EngineCommand cmd)
    {
        int slot = FindJob(cmd.Id);
        if (slot < 0 || (_jobs.Get(slot).State == JobState.Reserved && !IsReservedBy(s, slot)))
        {
            cmd.Status = CommandStatus.NotFound;
            return;
        }
        if (_jobs.Get(slot).State == JobState.Reserved)
        {
            // Reserve-to-delete: how long a worker held the job (from its last reserve or touch).
            ref var held = ref _jobs.Get(slot);
            ReserveToDelete.Observe(Math.Max(0, _now - (held.DeadlineAt - held.TtrSeconds * TicksPerSecond)) / (double)TicksPerSecond);
        }
        Detach(slot);
        ref var j = ref _jobs.Get(slot);
        TubeOf(ref j).CmdDelete++;
        _journal.Delete(ref j, TubeOf(ref j).Name);
        FreeJob(slot);
        cmd.Status = CommandStatus.Ok;
    }

    // release <id> <pri> <delay>
    private void Release(SessionState s, ref EngineCommand cmd)
    {
        int slot = FindJob(cmd.Id);
        if (!IsReservedBy(s, slot))
        {
            cmd.Status = CommandStatus.NotFound;
            return;
        }
        if (!_journal.CanUpdate())
        {
            cmd.Status = CommandStatus.OutOfMemory;
            return;
        }
        RemoveReserved(slot);
        ref var j = ref _jobs.Get(slot);
        j.Priority = cmd.Priority;
        ref var x = ref _jobs.Extras(slot);
        x.DelaySeconds = cmd.Delay;
        x.Releases++;
        if (cmd.Delay > 0) InsertDelayed(slot, _now + cmd.Delay * TicksPerSecond);
        else InsertReady(slot);
        _journal.Update(ref _jobs.Get(slot), _jobs.ExtrasOf(slot));
        if (cmd.Delay == 0) MatchWaiters(TubeOf(ref _jobs.Get(slot)));
        cmd.Status = CommandStatus.Ok;
    }

    // bury <id> <pri>
    private void Bury(SessionState s, ref EngineCommand cmd)
    {
        int slot = FindJob(cmd.Id);
        if (!IsReservedBy(s, slot))
        {
            cmd.Status = CommandStatus.NotFound;
            return;
        }
        if (!_journal.CanUpdate())
        {
            cmd.Status = CommandStatus.InternalError;
            return;
        }
        RemoveReserved(slot);
        ref var j = ref _jobs.Get(slot);
        j.Priority = cmd.Priority;
        _jobs.Extras(slot).Buries++;
        InsertBuried(slot);
        _journal.Update(ref _jobs.Get(slot), _jobs.ExtrasOf(slot));
        cmd.Status = CommandStatus.Ok;
    }

    // touch <id>
    private void Touch(SessionState s, ref EngineCommand cmd)
    {
        int slot = FindJob(cmd.Id);
        if (!IsReservedBy(s, slot))
        {
            cmd.Status = CommandStatus.NotFound;
            return;
        }
        ref var j = ref _jobs.Get(slot);
        j.DeadlineAt = _now + j.TtrSeconds * TicksPerSecond;
        _timers.Update(j.TimerIndex);
        cmd.Status = CommandStatus.Ok;
    }

    // kick <bound>: buried jobs of the used tube if it has any, else delayed ones
    private void Kick(SessionState s, ref EngineCommand cmd)
    {
        var t = s.Use;
        long bound = cmd.Number;
        long n = 0;
        if (t.BuriedCount > 0)
        {
            while (n < bound && t.BuriedHead >= 0 && KickOne(t.BuriedHead)) n++;
        }
        else
        {
            while (n < bound && t.Delayed.Count > 0 && KickOne(t.Delayed.Peek())) n++;
        }
        cmd.Count = n;
        cmd.Status = CommandStatus.Ok;
    }

    // kick-job <id>: a buried or delayed job in any tube
    private void KickJob(ref EngineCommand cmd)
    {
        int slot = FindJob(cmd.Id);
        var state = slot < 0 ? JobState.Invalid : _jobs.Get(slot).State;
        cmd.Status = (state is JobState.Buried or JobState.Delayed) && KickOne(slot)
            ? CommandStatus.Ok
            : CommandStatus.NotFound;
    }

    private bool KickOne(int slot)
    {
        if (!_journal.CanUpdate()) return false;
        Detach(slot);
        ref var j = ref _jobs.Get(slot);
        _jobs.Extras(slot).Kicks++;
        InsertReady(slot);
        _journal.Update(ref _jobs.Get(slot), _jobs.ExtrasOf(slot));
        MatchWaiters(TubeOf(ref _jobs.Get(slot)));
        return true;
    }

    // peek <id>, peek-ready, peek-delayed, peek-buried
    private void Peek(ref EngineCommand cmd, int slot)
    {
        if (slot < 0)
        {
            cmd.Status = CommandStatus.NotFound;
            return;
        }
        ulong id = _jobs.Get(slot).Id;
        if (!TryBodyOf(slot, out var body))
        {
            cmd.Status = CommandStatus.NotFound;
            return;
        }
        cmd.Id = id;
        cmd.Body = body;
        cmd.Status = CommandStatus.Ok;
    }

    private void MarkProducer(SessionState s)
    {
        if (s.IsProducer) return;
        s.IsProducer = true;
        _producerCount++;
    }

    private void MarkWorker(SessionState s)
    {
        if (s.IsWorker) return;
        s.IsWorker = true;
        _workerCount++;
    }
}
