namespace Queue.Storage.Model;

/// <summary>
/// The parts of a job's metadata that are zero for most queued jobs: the delay it was put or
/// released with, and its counters. Kept beside the <see cref="JobTable"/> slab in chunks that exist
/// only where some job has a non-zero value, so a plain backlog of never-touched jobs costs nothing
/// here. Counters are 16 bits and stop at 65535 (beanstalkd's are 32 bits).
/// </summary>
internal struct JobExtras
{
    public uint DelaySeconds;
    private ushort _reserves;
    private ushort _timeouts;
    private ushort _releases;
    private ushort _buries;
    private ushort _kicks;

    public uint Reserves { readonly get => _reserves; set => _reserves = Saturate(value); }
    public uint Timeouts { readonly get => _timeouts; set => _timeouts = Saturate(value); }
    public uint Releases { readonly get => _releases; set => _releases = Saturate(value); }
    public uint Buries { readonly get => _buries; set => _buries = Saturate(value); }
    public uint Kicks { readonly get => _kicks; set => _kicks = Saturate(value); }

    public readonly bool IsEmpty => DelaySeconds == 0 && _reserves == 0 && _timeouts == 0 && _releases == 0 && _buries == 0 && _kicks == 0;

    private static ushort Saturate(uint value) => (ushort)Math.Min(value, ushort.MaxValue);
}
