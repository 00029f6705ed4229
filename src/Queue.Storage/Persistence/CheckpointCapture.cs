using System.Runtime.InteropServices;
using Queue.Storage.Model;

namespace Queue.Storage.Persistence;

/// <summary>
/// What a checkpoint needs, taken on the engine loop as cheaply as possible: a raw copy of the job
/// slab into native memory (one memcpy per 4,096 jobs, no per-job work, nothing for the GC to see),
/// the tubes and their buried-list heads, and the clock reading that converts deadlines to wall
/// time. Writing the checkpoint file from it (<see cref="WriteTo"/>) is the per-job work; it runs
/// on a background thread and streams through a small buffer, so a checkpoint of a million jobs
/// neither stalls the loop nor makes the GC copy or scan its size. Dispose frees the copy.
/// </summary>
internal sealed unsafe class CheckpointCapture : IDisposable
{
    private JobRecord* _slab;
    // Copies of the delay-and-counters chunks (most jobs have none).
    private readonly JobExtras[]?[] _extras;

    /// <summary>Copies the live part of <paramref name="jobs"/> (slots below its high-water mark).</summary>
    public CheckpointCapture(JobTable jobs)
    {
        HighWater = jobs.HighWater;
        Count = jobs.Count;
        _slab = (JobRecord*)NativeMemory.Alloc((nuint)Math.Max(HighWater, 1), (nuint)sizeof(JobRecord));
        jobs.CopySlab(new Span<JobRecord>(_slab, HighWater));
        _extras = jobs.CopyExtras();
    }

    public required long Address { get; init; }
    public required ulong LastId { get; init; }
    public required long WrittenAtMs { get; init; }
    public required string[] Tubes { get; init; }
    /// <summary>Index into <see cref="Tubes"/> for each tube slot in use (others -1).</summary>
    public required int[] TubeIndexBySlot { get; init; }
    /// <summary>Head of each tube's buried list, by index into <see cref="Tubes"/>.</summary>
    public required int[] BuriedHeads { get; init; }
    public int HighWater { get; }
    public int Count { get; }
    /// <summary>Engine ticks and wall-clock ms at the same moment (for delayed jobs' ready time).</summary>
    public required long NowTicks { get; init; }
    public required long NowWallMs { get; init; }
    /// <summary>First-chunk addresses of chunked bodies, by job id (usually empty).</summary>
    public required Dictionary<ulong, long> ChunkedHomes { get; init; }

    /// <summary>Writes the checkpoint file: buried jobs first in each tube's FIFO order, then every other live job by slot.</summary>
    public void WriteTo(string directory)
    {
        ObjectDisposedException.ThrowIf(_slab == null, this);
        int tube = 0, buried = -1, slot = -1;
        bool Next(out CheckpointJob job)
        {
            // Buried lists first (linked through Next), then the slab in slot order.
            while (tube < BuriedHeads.Length)
            {
                buried = buried < 0 ? BuriedHeads[tube] : _slab[buried].Next;
                if (buried >= 0)
                {
                    job = Snapshot(buried);
                    return true;
                }
                tube++;
            }
            while (++slot < HighWater)
            {
                ref var j = ref _slab[slot];
                if (j.State is not JobState.Invalid and not JobState.Buried)
                {
                    job = Snapshot(slot);
                    return true;
                }
            }
            job = default;
            return false;
        }
        Checkpoint.Write(directory, Address, LastId, WrittenAtMs, Tubes, Count, Next);
    }

    private CheckpointJob Snapshot(int slot)
    {
        ref var j = ref _slab[slot];
        return Snapshot(ref j, JobTable.ExtrasOf(_extras, slot));
    }

    private CheckpointJob Snapshot(ref JobRecord j, in JobExtras x) => new()
    {
        Id = j.Id,
        Tube = TubeIndexBySlot[j.Tube],
        Priority = j.Priority,
        State = j.State == JobState.Reserved ? JobState.Ready : j.State,
        DelaySeconds = x.DelaySeconds,
        TtrSeconds = j.TtrSeconds,
        CreatedAtMs = j.CreatedAtMs,
        ReadyAtMs = j.State == JobState.Delayed ? NowWallMs + (j.DeadlineAt - NowTicks) / TimeSpan.TicksPerMillisecond : 0,
        Reserves = x.Reserves,
        Timeouts = x.Timeouts,
        Releases = x.Releases,
        Buries = x.Buries,
        Kicks = x.Kicks,
        BodyRef = j.BodyRef,
        BodyLength = j.BodyLength,
        ChunkedHome = ChunkedHomes.Count > 0 && ChunkedHomes.TryGetValue(j.Id, out long home) ? home : -1,
    };

    public void Dispose()
    {
        if (_slab == null) return;
        NativeMemory.Free(_slab);
        _slab = null;
    }
}
