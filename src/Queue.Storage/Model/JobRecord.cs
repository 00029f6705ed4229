using System.Runtime.InteropServices;

namespace Queue.Storage.Model;

/// <summary>
/// One job's metadata, stored by value in the <see cref="JobTable"/> slab so that millions of jobs
/// cost no GC objects. The body lives elsewhere (see <see cref="Core.IBodyStore"/>).
/// Ensures: a slot is in at most one of {tube ready heap, tube delay heap, tube buried list,
/// session reserved list}; <see cref="HeapIndex"/> and <see cref="Prev"/>/<see cref="Next"/> are
/// meaningful only for the structure that matches <see cref="State"/>.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct JobRecord
{
    public ulong Id;
    /// <summary>Wall-clock creation time, Unix milliseconds (drives <c>age</c>, survives restarts).</summary>
    public long CreatedAtMs;
    /// <summary>Engine ticks: ready-at for delayed jobs, TTR deadline for reserved jobs.</summary>
    public long DeadlineAt;
    /// <summary>Location of the body in the body store (an address or a slot).</summary>
    public long BodyRef;
    public int BodyLength;
    public uint Priority;
    public uint DelaySeconds;
    public uint TtrSeconds;
    public int Tube;
    /// <summary>Index in the tube's ready or delay heap (state Ready/Delayed).</summary>
    public int HeapIndex;
    /// <summary>Index in the engine's timer heap (state Delayed or Reserved), else -1.</summary>
    public int TimerIndex;
    /// <summary>Intrusive list links: buried list (Buried) or owner's reserved list (Reserved).</summary>
    public int Prev;
    public int Next;
    /// <summary>Owning session id when Reserved.</summary>
    public int Owner;
    public uint Reserves;
    public uint Timeouts;
    public uint Releases;
    public uint Buries;
    public uint Kicks;
    public JobState State;
}
