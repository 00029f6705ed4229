using System.Diagnostics;
using System.Globalization;

namespace Queue.Storage.Memory;

/// <summary>
/// The process memory cap and its backpressure (RabbitMQ's memory alarm, Redis maxmemory's
/// noeviction): below the high watermark nothing changes; at or above it, puts are refused with
/// OUT_OF_MEMORY until usage falls below the low watermark, while every other command keeps working
/// so workers can drain. Usage is the process's anonymous resident memory (what the OOM killer
/// counts), sampled on a timer, plus what was admitted since the last sample.
/// </summary>
public sealed class MemoryGovernor : IDisposable
{
    private readonly Func<long> _sampler;
    private readonly ITimer? _timer;
    private long _used;
    private long _admittedSinceSample;
    private int _pressure;
    private long _lastCollection;
    private readonly object _gate = new();

    /// <param name="limit">The cap in bytes.</param>
    /// <param name="sampler">Reads current usage (default: RssAnon of this process).</param>
    /// <param name="time">Drives sampling; null samples only when <see cref="Sample"/> is called.</param>
    /// <param name="interval">How often to sample (default 50 ms).</param>
    public MemoryGovernor(long limit, Func<long>? sampler = null, TimeProvider? time = null, TimeSpan? interval = null)
    {
        Limit = limit;
        HighWatermark = limit * 80 / 100;
        LowWatermark = limit * 65 / 100;
        _sampler = sampler ?? ResidentAnonymousBytes;
        Sample();
        if (time is not null)
        {
            var every = interval ?? TimeSpan.FromMilliseconds(50);
            _timer = time.CreateTimer(static s => ((MemoryGovernor)s!).Sample(), this, every, every);
        }
    }

    public long Limit { get; }
    public long HighWatermark { get; }
    public long LowWatermark { get; }

    /// <summary>
    /// The GC heap's hard limit, if one is set: puts are also refused while the heap after the last
    /// collection is above 85 % of it (an allocation past the limit would throw).
    /// </summary>
    public long GcHeapLimit { get; init; } = long.MaxValue;

    /// <summary>Usage estimate: last sample plus admitted since.</summary>
    public long Used => Volatile.Read(ref _used) + Volatile.Read(ref _admittedSinceSample);

    /// <summary>True while puts are refused.</summary>
    public bool UnderPressure => Volatile.Read(ref _pressure) == 1;

    /// <summary>Times the high watermark was crossed upwards.</summary>
    public long PressureEvents { get; private set; }

    /// <summary>Whether reaching the high watermark first triggers a full, compacting GC (off in unit tests).</summary>
    public bool CollectGarbage { get; init; } = true;

    /// <summary>Full collections triggered by the cap.</summary>
    public long Collections { get; private set; }

    /// <summary>Puts refused because of the cap.</summary>
    public long Refusals { get; private set; }

    /// <summary>Raised on every watermark crossing (true: entering pressure). Log it.</summary>
    public Action<bool, long>? OnPressureChanged { get; set; }

    /// <summary>Asked to give memory back (drop cached bodies) when pressure starts.</summary>
    public Action? OnShed { get; set; }

    /// <summary>Whether a put of <paramref name="bytes"/> may proceed. Engine loop only.</summary>
    public bool TryAdmit(long bytes)
    {
        // The estimate (last sample plus what was admitted since) reached the high watermark: take
        // a real reading first (with a collection if it is really there) rather than refuse on an
        // estimate. Dead bodies in old GC generations would otherwise refuse puts for a whole
        // sampling interval that a collection makes room for.
        if (!UnderPressure && Used + bytes >= HighWatermark) Sample();
        if (UnderPressure || Used + bytes >= HighWatermark)
        {
            Evaluate(Used + bytes);
            if (UnderPressure)
            {
                Refusals++;
                return false;
            }
        }
        Interlocked.Add(ref _admittedSinceSample, bytes);
        return true;
    }

    /// <summary>
    /// Takes a fresh usage reading and updates the pressure state. Before declaring pressure it
    /// gives garbage back first: bodies that were read off the wire and already written to the log
    /// are dead but may sit in older GC generations, so a compacting collection that returns memory
    /// to the OS (at most once a second) often ends the episode before any put is refused.
    /// </summary>
    public void Sample()
    {
        long used = _sampler();
        if (used >= HighWatermark && CollectGarbage && Stopwatch.GetElapsedTime(_lastCollection) > TimeSpan.FromSeconds(1))
        {
            _lastCollection = Stopwatch.GetTimestamp();
            GC.Collect(2, GCCollectionMode.Aggressive, blocking: true, compacting: true);
            Collections++;
            used = _sampler();
        }
        Volatile.Write(ref _used, used);
        Volatile.Write(ref _admittedSinceSample, 0);
        Evaluate(used);
    }

    private void Evaluate(long used)
    {
        bool heapFull = GcHeapLimit != long.MaxValue && GC.GetGCMemoryInfo().HeapSizeBytes >= GcHeapLimit / 100 * 85;
        if (heapFull) used = Math.Max(used, HighWatermark);
        bool shed = false;
        // Crossings are decided and reported under one lock, so the log never shows them out of order
        // (the sampling timer and the engine loop may both get here).
        lock (_gate)
        {
            if (!UnderPressure && used >= HighWatermark)
            {
                Volatile.Write(ref _pressure, 1);
                PressureEvents++;
                OnPressureChanged?.Invoke(true, used);
                shed = true;
            }
            else if (UnderPressure && used < LowWatermark)
            {
                Volatile.Write(ref _pressure, 0);
                OnPressureChanged?.Invoke(false, used);
            }
            else if (UnderPressure)
            {
                shed = true;
            }
        }
        if (shed) OnShed?.Invoke();
    }

    private static Microsoft.Win32.SafeHandles.SafeFileHandle? s_statm;
    private static readonly byte[] s_statmBuffer = new byte[128];
    private static readonly long s_pageSize = Environment.SystemPageSize;

    /// <summary>
    /// Anonymous resident memory of this process (resident minus file-backed pages), from
    /// /proc/self/statm read with one pread on a handle kept open (sampling must stay cheap).
    /// </summary>
    public static long ResidentAnonymousBytes()
    {
        try
        {
            var handle = s_statm ??= File.OpenHandle("/proc/self/statm", FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            lock (s_statmBuffer)
            {
                int n = RandomAccess.Read(handle, s_statmBuffer, 0);
                // "size resident shared text lib data dt", in pages.
                var fields = System.Text.Encoding.ASCII.GetString(s_statmBuffer, 0, n).Split(' ');
                long resident = long.Parse(fields[1], CultureInfo.InvariantCulture);
                long shared = long.Parse(fields[2], CultureInfo.InvariantCulture);
                return (resident - shared) * s_pageSize;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return Environment.WorkingSet;
        }
    }

    public void Dispose() => _timer?.Dispose();
}
