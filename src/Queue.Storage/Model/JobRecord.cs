using System.Runtime.InteropServices;

namespace Queue.Storage.Model;

/// <summary>
/// One job's metadata, stored by value in the <see cref="JobTable"/> slab so that millions of jobs
/// cost no GC objects: 64 bytes. The body lives elsewhere (see <see cref="Core.IBodyStore"/>); the
/// delay and the per-job counters, zero for most queued jobs, live beside the slab in
/// <see cref="JobExtras"/> (see <see cref="JobTable.Extras"/>).
/// Ensures: a slot is in at most one of {tube ready heap, tube delay heap, tube buried list,
/// session reserved list}; <see cref="HeapIndex"/> and <see cref="Prev"/>/<see cref="Next"/> are
/// meaningful only for the structure that matches <see cref="State"/>.
/// </summary>
[StructLayout(LayoutKind.Sequential, Pack = 4)]
internal struct JobRecord
{
    /// <summary>Tube slots fit in the low 24 bits of <see cref="_tubeAndState"/>.</summary>
    public const int MaxTubeSlots = 1 << 24;

    public ulong Id;
    /// <summary>Wall-clock creation time, Unix milliseconds (drives <c>age</c>, survives restarts).</summary>
    public long CreatedAtMs;
    /// <summary>Engine ticks: ready-at for delayed jobs, TTR deadline for reserved jobs.</summary>
    public long DeadlineAt;
    /// <summary>Location of the body in the body store (an address or a slot).</summary>
    public long BodyRef;
    public int BodyLength;
    public uint Priority;
    public uint TtrSeconds;
    // Tube slot (low 24 bits) and state (high 8 bits).
    private int _tubeAndState;
    /// <summary>
    /// Index in the tube's ready or delay heap (state Ready/Delayed); the owning session's id when
    /// Reserved (see <see cref="Owner"/>). One field, because a job is never in a heap and reserved.
    /// </summary>
    public int HeapIndex;
    /// <summary>Index in the engine's timer heap (state Delayed or Reserved), else -1.</summary>
    public int TimerIndex;
    /// <summary>Intrusive list links: buried list (Buried) or owner's reserved list (Reserved).</summary>
    public int Prev;
    public int Next;

    public int Tube
    {
        readonly get => _tubeAndState & (MaxTubeSlots - 1);
        set
        {
            if ((uint)value >= MaxTubeSlots) throw new InvalidOperationException("too many tubes");
            _tubeAndState = (_tubeAndState & ~(MaxTubeSlots - 1)) | value;
        }
    }

    public JobState State
    {
        readonly get => (JobState)(byte)((uint)_tubeAndState >> 24);
        set => _tubeAndState = (_tubeAndState & (MaxTubeSlots - 1)) | ((int)value << 24);
    }

    /// <summary>Owning session id when Reserved (shares storage with <see cref="HeapIndex"/>).</summary>
    public int Owner
    {
        readonly get => HeapIndex;
        set => HeapIndex = value;
    }
}
