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
        _jobs.SetExtras(slot, new JobExtras
        {
            DelaySeconds = image.DelaySeconds,
            Reserves = image.Reserves,
            Timeouts = image.Timeouts,
            Releases = image.Releases,
            Buries = image.Buries,
            Kicks = image.Kicks,
        });
        PlaceByWallClock(slot, image.State, image.ReadyAtMs, wallNowMs);
    }

    /// <summary>
    /// Puts a detached job into the structure for a state read from disk (our log or a beanstalkd
    /// binlog): buried stays buried, delayed keeps its wall-clock ready time (ready if it has
    /// passed), anything else (reserved included) becomes ready.
    /// </summary>
    private void PlaceByWallClock(int slot, JobState state, long readyAtWallMs, long wallNowMs)
    {
        switch (state)
        {
            case JobState.Buried:
                InsertBuried(slot);
                break;
            case JobState.Delayed when readyAtWallMs > wallNowMs:
                InsertDelayed(slot, _now + (readyAtWallMs - wallNowMs) * TimeSpan.TicksPerMillisecond);
                break;
            default:
                InsertReady(slot);
                break;
        }
    }

    /// <summary>
    /// Snapshot of every live job at log address <paramref name="address"/> (metadata only), taken
    /// as a raw copy; <see cref="CheckpointCapture.WriteTo"/> turns it into the checkpoint elsewhere.
    /// </summary>
    public CheckpointCapture CaptureCheckpoint(long address, LogJournal journal)
    {
        var tubes = new string[_tubes.Count];
        var buriedHeads = new int[_tubes.Count];
        int maxSlot = 0;
        foreach (var t in _tubes.InOrder) maxSlot = Math.Max(maxSlot, t.Slot);
        var tubeIndex = new int[maxSlot + 1];
        Array.Fill(tubeIndex, -1);
        for (int i = 0; i < tubes.Length; i++)
        {
            var t = _tubes.InOrder[i];
            tubes[i] = t.Name;
            tubeIndex[t.Slot] = i;
            buriedHeads[i] = t.BuriedHead;
        }
        return new CheckpointCapture(_jobs)
        {
            Address = address,
            LastId = Ids.Last,
            WrittenAtMs = WallClockMs,
            Tubes = tubes,
            TubeIndexBySlot = tubeIndex,
            BuriedHeads = buriedHeads,
            NowTicks = _now,
            NowWallMs = WallClockMs,
            ChunkedHomes = journal.CopyChunkedHomes(),
        };
    }

    /// <summary>Converts engine ticks to wall-clock Unix ms (for logged deadlines).</summary>
    public long TicksToWallMs(long ticks) => WallClockMs + (ticks - _now) / TimeSpan.TicksPerMillisecond;
}
