using Queue.Storage.Model;

namespace Queue.Storage.Core;

// Job state transitions. Each helper keeps the counters and structures consistent for one move.
internal sealed partial class QueueCore
{
    private Tube TubeOf(ref JobRecord j) => _tubes.BySlot(j.Tube);

    /// <summary>Puts a job that is in no structure into its tube's ready heap.</summary>
    private void InsertReady(int slot)
    {
        ref var j = ref _jobs.Get(slot);
        var t = TubeOf(ref j);
        j.State = JobState.Ready;
        j.Owner = -1;
        if (_bulkLoading) t.Ready.AddUnordered(slot);
        else t.Ready.Insert(slot);
        _readyCount++;
        if (j.Priority < UrgentThreshold)
        {
            _urgentCount++;
            t.UrgentCount++;
        }
    }

    private void RemoveReady(int slot)
    {
        ref var j = ref _jobs.Get(slot);
        var t = TubeOf(ref j);
        t.Ready.RemoveAt(j.HeapIndex);
        _readyCount--;
        if (j.Priority < UrgentThreshold)
        {
            _urgentCount--;
            t.UrgentCount--;
        }
    }

    private void InsertDelayed(int slot, long readyAt)
    {
        ref var j = ref _jobs.Get(slot);
        var t = TubeOf(ref j);
        j.State = JobState.Delayed;
        j.Owner = -1;
        j.DeadlineAt = readyAt;
        if (_bulkLoading)
        {
            t.Delayed.AddUnordered(slot);
            _timers.AddUnordered(slot);
        }
        else
        {
            t.Delayed.Insert(slot);
            _timers.Insert(slot);
        }
        _delayedCount++;
    }

    private void RemoveDelayed(int slot)
    {
        ref var j = ref _jobs.Get(slot);
        TubeOf(ref j).Delayed.RemoveAt(j.HeapIndex);
        _timers.RemoveAt(j.TimerIndex);
        _delayedCount--;
    }

    /// <summary>Appends to the tail of the tube's buried FIFO.</summary>
    private void InsertBuried(int slot)
    {
        ref var j = ref _jobs.Get(slot);
        var t = TubeOf(ref j);
        j.State = JobState.Buried;
        j.Owner = -1;
        j.Prev = t.BuriedTail;
        j.Next = -1;
        if (t.BuriedTail >= 0) _jobs.Get(t.BuriedTail).Next = slot;
        else t.BuriedHead = slot;
        t.BuriedTail = slot;
        t.BuriedCount++;
        _buriedCount++;
    }

    private void RemoveBuried(int slot)
    {
        ref var j = ref _jobs.Get(slot);
        var t = TubeOf(ref j);
        if (j.Prev >= 0) _jobs.Get(j.Prev).Next = j.Next;
        else t.BuriedHead = j.Next;
        if (j.Next >= 0) _jobs.Get(j.Next).Prev = j.Prev;
        else t.BuriedTail = j.Prev;
        j.Prev = j.Next = -1;
        t.BuriedCount--;
        _buriedCount--;
    }

    /// <summary>Hands a job that is in no structure to a session (beanstalkd conn_reserve_job).</summary>
    private void InsertReserved(SessionState s, int slot)
    {
        ref var j = ref _jobs.Get(slot);
        // Time in queue: from the put to this (first or later) reservation.
        TimeInQueue.Observe(Math.Max(0, WallClockMs - j.CreatedAtMs) / 1000.0);
        var t = TubeOf(ref j);
        j.State = JobState.Reserved;
        _jobs.Extras(slot).Reserves++;
        j.DeadlineAt = _now + j.TtrSeconds * TicksPerSecond;
        j.Owner = s.Id;
        j.Prev = s.ReservedTail;
        j.Next = -1;
        if (s.ReservedTail >= 0) _jobs.Get(s.ReservedTail).Next = slot;
        else s.ReservedHead = slot;
        s.ReservedTail = slot;
        s.ReservedCount++;
        t.ReservedCount++;
        _reservedCount++;
        _timers.Insert(slot);
    }

    private void RemoveReserved(int slot)
    {
        ref var j = ref _jobs.Get(slot);
        var s = _sessions[j.Owner]!;
        if (j.Prev >= 0) _jobs.Get(j.Prev).Next = j.Next;
        else s.ReservedHead = j.Next;
        if (j.Next >= 0) _jobs.Get(j.Next).Prev = j.Prev;
        else s.ReservedTail = j.Prev;
        j.Prev = j.Next = -1;
        j.Owner = -1;
        s.ReservedCount--;
        TubeOf(ref j).ReservedCount--;
        _reservedCount--;
        _timers.RemoveAt(j.TimerIndex);
    }

    /// <summary>Takes a job out of whatever structure its state says it is in.</summary>
    private void Detach(int slot)
    {
        switch (_jobs.Get(slot).State)
        {
            case JobState.Ready: RemoveReady(slot); break;
            case JobState.Delayed: RemoveDelayed(slot); break;
            case JobState.Buried: RemoveBuried(slot); break;
            case JobState.Reserved: RemoveReserved(slot); break;
        }
    }

    /// <summary>Ready or delayed by <paramref name="delaySeconds"/>, then serves waiters.</summary>
    private void Enqueue(int slot, uint delaySeconds)
    {
        if (delaySeconds > 0)
        {
            InsertDelayed(slot, _now + delaySeconds * TicksPerSecond);
            return;
        }
        InsertReady(slot);
        MatchWaiters(TubeOf(ref _jobs.Get(slot)));
    }

    private bool IsReservedBy(SessionState s, int slot) =>
        slot >= 0 && _jobs.Get(slot).State == JobState.Reserved && _jobs.Get(slot).Owner == s.Id;

    private int FindJob(ulong id) => id == 0 ? -1 : _jobs.Find(id);

    private void FreeJob(int slot)
    {
        ref var j = ref _jobs.Get(slot);
        var t = TubeOf(ref j);
        _bodies.Release(slot, ref j);
        _jobs.Free(slot);
        t.JobCount--;
        ReleaseTube(t);
    }

    internal byte[] BodyOf(int slot) => _bodies.Load(slot, ref _jobs.Get(slot));

    /// <summary>
    /// Loads a job's body. A body whose log record fails its checksum cannot be handed out: the job
    /// is reported lost (with its id and tube) and removed, its delete logged, so work goes on.
    /// </summary>
    internal bool TryBodyOf(int slot, out byte[] body)
    {
        try
        {
            body = BodyOf(slot);
            return true;
        }
        catch (Persistence.LogCorruptException ex)
        {
            DropLostJob(slot, ex.Message);
            body = null!;
            return false;
        }
    }

    /// <summary>Removes a job whose body is unreadable and reports it.</summary>
    internal void DropLostJob(int slot, string why)
    {
        ref var j = ref _jobs.Get(slot);
        var tube = TubeOf(ref j);
        JobLost?.Invoke($"job {j.Id} (tube {tube.Name}) is lost: {why}");
        Detach(slot);
        _journal.Delete(ref _jobs.Get(slot), tube.Name);
        FreeJob(slot);
    }

    /// <summary>Told about every job dropped because its body could not be read back.</summary>
    public Action<string>? JobLost { get; set; }
}
