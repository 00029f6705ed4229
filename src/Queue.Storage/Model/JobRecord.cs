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
    // Counters are 16 bits and stop at 65535 (beanstalkd's are 32 bits): four bytes per job cheaper.
    private ushort _reserves;
    private ushort _timeouts;
    private ushort _releases;
    private ushort _buries;
    private ushort _kicks;

    /// <summary>Owning session id when Reserved (shares storage with <see cref="HeapIndex"/>).</summary>
    public int Owner
    {
        readonly get => HeapIndex;
        set => HeapIndex = value;
    }

    public uint Reserves { readonly get => _reserves; set => _reserves = Saturate(value); }
    public uint Timeouts { readonly get => _timeouts; set => _timeouts = Saturate(value); }
    public uint Releases { readonly get => _releases; set => _releases = Saturate(value); }
    public uint Buries { readonly get => _buries; set => _buries = Saturate(value); }
    public uint Kicks { readonly get => _kicks; set => _kicks = Saturate(value); }

    private static ushort Saturate(uint value) => (ushort)Math.Min(value, ushort.MaxValue);

    public JobState State;
}
