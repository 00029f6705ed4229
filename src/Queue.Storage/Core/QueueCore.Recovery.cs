using Queue.Storage.Model;
using Queue.Storage.Persistence;

namespace Queue.Storage.Core;

// Rebuilding state from a checkpoint and the log tail, and capturing checkpoints. Recovery runs
// before any session exists, so no waiter can be matched and nothing is logged.
internal sealed partial class QueueCore
{
    private bool _bulkLoading;

    /// <summary>
    /// Installs a checkpoint's jobs: ids are unique and the engine is empty, so there is no lookup,
    /// and heaps are filled unordered and built once at the end (O(n)).
    /// </summary>
    public void RestoreCheckpoint(CheckpointStream checkpoint, long wallNowMs, LogJournal journal)
    {
        var tubes = new Tube[checkpoint.Tubes.Length];
        for (int i = 0; i < tubes.Length; i++) tubes[i] = _tubes.FindOrCreate(checkpoint.Tubes[i]);
        _jobs.EnsureCapacity((int)Math.Min(checkpoint.JobCount, int.MaxValue / 2));
        BeginBulkLoad();
        try
        {
            checkpoint.ReadJobs((in CheckpointJob c) =>
            {
                var tube = tubes[c.Tube];
                int slot = _jobs.Allocate(c.Id);
                tube.Refs++;
                tube.JobCount++;
                ref var j = ref _jobs.Get(slot);
                j.Tube = tube.Slot;
                j.CreatedAtMs = c.CreatedAtMs;
                j.TtrSeconds = Math.Max(1u, c.TtrSeconds);
                j.BodyRef = c.BodyRef;
                j.BodyLength = c.BodyLength;
                var image = new JobImage
                {
                    Id = c.Id, Priority = c.Priority, State = c.State, ReadyAtMs = c.ReadyAtMs, DelaySeconds = c.DelaySeconds,
                    Reserves = c.Reserves, Timeouts = c.Timeouts, Releases = c.Releases, Buries = c.Buries, Kicks = c.Kicks,
                };
                ApplyImage(slot, image, wallNowMs);
                journal.AccountRecovered(ref _jobs.Get(slot), tube.Name, c.ChunkedHome);
            });
        }
        finally
        {
            EndBulkLoad();
        }
    }

    /// <summary>
    /// Recovery only (no session exists): heap insertions just append, and <see cref="EndBulkLoad"/>
    /// builds every heap once. Removals in between stay correct because positions are tracked.
    /// </summary>
    public void BeginBulkLoad() => _bulkLoading = true;

    public void EndBulkLoad()
    {
        _bulkLoading = false;
        foreach (var t in _tubes.InOrder)
        {
            t.Ready.Heapify();
            t.Delayed.Heapify();
        }
        _timers.Heapify();
    }

    /// <summary>Installs or replaces a job from a checkpoint entry or a replayed put record.</summary>
    public void RestoreJob(in JobImage image, long bodyRef, long chunkedHome, long wallNowMs, LogJournal journal)
    {
        int slot = _jobs.Find(image.Id);
        if (slot >= 0)
        {
            ref var old = ref _jobs.Get(slot);
            journal.UnaccountRecovered(ref old, TubeOf(ref old).Name);
            Detach(slot);
        }
        else
        {
            slot = _jobs.Allocate(image.Id);
            var tube = _tubes.FindOrCreate(image.Tube);
            tube.Refs++;
            tube.JobCount++;
            _jobs.Get(slot).Tube = tube.Slot;
        }
        ref var j = ref _jobs.Get(slot);
        j.CreatedAtMs = image.CreatedAtMs;
        j.TtrSeconds = Math.Max(1u, image.TtrSeconds);
        j.BodyRef = bodyRef;
        j.BodyLength = image.BodyLength;
        ApplyImage(slot, image, wallNowMs);
        journal.AccountRecovered(ref _jobs.Get(slot), TubeOf(ref _jobs.Get(slot)).Name, chunkedHome);
    }

    /// <summary>Applies a replayed state record; records for jobs that no longer exist are ignored.</summary>
    public void RestoreState(in JobImage image, long wallNowMs)
    {
        int slot = _jobs.Find(image.Id);
        if (slot < 0) return;
        Detach(slot);
        ApplyImage(slot, image, wallNowMs);
    }

    public void RestoreDelete(ulong id, LogJournal journal)
    {
        int slot = _jobs.Find(id);
        if (slot < 0) return;
        Detach(slot);
        ref var j = ref _jobs.Get(slot);
        journal.UnaccountRecovered(ref j, TubeOf(ref j).Name);
        FreeJob(slot);
    }

    /// <summary>Places a detached job by a logged image: delayed jobs keep their wall-clock deadline.</summary>
    private void ApplyImage(int slot, in JobImage image, long wallNowMs)
    {
        ref var j = ref _jobs.Get(slot);
        j.Priority = image.Priority;
        j.DelaySeconds = image.DelaySeconds;
        j.Reserves = image.Reserves;
        j.Timeouts = image.Timeouts;
        j.Releases = image.Releases;
        j.Buries = image.Buries;
        j.Kicks = image.Kicks;
        switch (image.State)
        {
            case JobState.Buried:
                InsertBuried(slot);
                break;
            case JobState.Delayed when image.ReadyAtMs > wallNowMs:
                InsertDelayed(slot, _now + (image.ReadyAtMs - wallNowMs) * TimeSpan.TicksPerMillisecond);
                break;
            default:
                InsertReady(slot);
                break;
        }
    }

    /// <summary>
    /// Snapshot of every live job at log address <paramref name="address"/> (metadata only).
    /// Buried jobs first, in FIFO order per tube, so a restart keeps that order.
    /// </summary>
    public Checkpoint CaptureCheckpoint(long address, Func<long, long> ticksToWallMs, LogJournal journal)
    {
        var tubes = new string[_tubes.Count];
        var tubeIndex = new Dictionary<int, int>();
        for (int i = 0; i < tubes.Length; i++)
        {
            tubes[i] = _tubes.InOrder[i].Name;
            tubeIndex[_tubes.InOrder[i].Slot] = i;
        }
        var jobs = new CheckpointJob[_jobs.Count];
        int n = 0;
        foreach (var t in _tubes.InOrder)
        {
            for (int slot = t.BuriedHead; slot >= 0; slot = _jobs.Get(slot).Next)
            {
                jobs[n++] = Snapshot(slot, tubeIndex, ticksToWallMs, journal);
            }
        }
        _jobs.ForEachLive(slot =>
        {
            if (_jobs.Get(slot).State != JobState.Buried) jobs[n++] = Snapshot(slot, tubeIndex, ticksToWallMs, journal);
        });
        return new Checkpoint
        {
            Address = address,
            LastId = Ids.Last,
            WrittenAtMs = WallClockMs,
            Tubes = tubes,
            Jobs = jobs,
        };
    }

    private CheckpointJob Snapshot(int slot, Dictionary<int, int> tubeIndex, Func<long, long> ticksToWallMs, LogJournal journal)
    {
        ref var j = ref _jobs.Get(slot);
        var tube = TubeOf(ref j);
        long home = journal.HomeOf(ref j, tube.Name);
        bool chunked = home != j.BodyRef - LogRecords.EntryHeaderSize - LogRecords.PutFixedSize - tube.Name.Length;
        return new CheckpointJob
        {
            Id = j.Id,
            Tube = tubeIndex[j.Tube],
            Priority = j.Priority,
            State = j.State == JobState.Reserved ? JobState.Ready : j.State,
            DelaySeconds = j.DelaySeconds,
            TtrSeconds = j.TtrSeconds,
            CreatedAtMs = j.CreatedAtMs,
            ReadyAtMs = j.State == JobState.Delayed ? ticksToWallMs(j.DeadlineAt) : 0,
            Reserves = j.Reserves,
            Timeouts = j.Timeouts,
            Releases = j.Releases,
            Buries = j.Buries,
            Kicks = j.Kicks,
            BodyRef = j.BodyRef,
            BodyLength = j.BodyLength,
            ChunkedHome = chunked ? home : -1,
        };
    }

    /// <summary>Converts engine ticks to wall-clock Unix ms (for logged deadlines).</summary>
    public long TicksToWallMs(long ticks) => WallClockMs + (ticks - _now) / TimeSpan.TicksPerMillisecond;
}
