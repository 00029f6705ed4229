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

    /// <param name="limit">The cap in bytes.</param>
    /// <param name="sampler">Reads current usage (default: RssAnon of this process).</param>
    /// <param name="time">Drives sampling; null samples only when <see cref="Sample"/> is called.</param>
    /// <param name="interval">How often to sample (default 20 ms).</param>
    public MemoryGovernor(long limit, Func<long>? sampler = null, TimeProvider? time = null, TimeSpan? interval = null)
    {
        Limit = limit;
        HighWatermark = limit * 85 / 100;
        LowWatermark = limit * 70 / 100;
        _sampler = sampler ?? ResidentAnonymousBytes;
        Sample();
        if (time is not null)
        {
            var every = interval ?? TimeSpan.FromMilliseconds(20);
            _timer = time.CreateTimer(static s => ((MemoryGovernor)s!).Sample(), this, every, every);
        }
    }

    public long Limit { get; }
    public long HighWatermark { get; }
    public long LowWatermark { get; }

    /// <summary>Usage estimate: last sample plus admitted since.</summary>
    public long Used => Volatile.Read(ref _used) + Volatile.Read(ref _admittedSinceSample);

    /// <summary>True while puts are refused.</summary>
    public bool UnderPressure => Volatile.Read(ref _pressure) == 1;

    /// <summary>Times the high watermark was crossed upwards.</summary>
    public long PressureEvents { get; private set; }

    /// <summary>Puts refused because of the cap.</summary>
    public long Refusals { get; private set; }

    /// <summary>Raised on every watermark crossing (true: entering pressure). Log it.</summary>
    public Action<bool, long>? OnPressureChanged { get; set; }

    /// <summary>Asked to give memory back (drop cached bodies) when pressure starts.</summary>
    public Action? OnShed { get; set; }

    /// <summary>Whether a put of <paramref name="bytes"/> may proceed. Engine loop only.</summary>
    public bool TryAdmit(long bytes)
    {
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

    /// <summary>Takes a fresh usage reading and updates the pressure state.</summary>
    public void Sample()
    {
        long used = _sampler();
        Volatile.Write(ref _used, used);
        Volatile.Write(ref _admittedSinceSample, 0);
        Evaluate(used);
    }

    private void Evaluate(long used)
    {
        if (!UnderPressure && used >= HighWatermark)
        {
            if (Interlocked.CompareExchange(ref _pressure, 1, 0) == 0)
            {
                PressureEvents++;
                OnPressureChanged?.Invoke(true, used);
                OnShed?.Invoke();
            }
        }
        else if (UnderPressure && used < LowWatermark)
        {
            if (Interlocked.CompareExchange(ref _pressure, 0, 1) == 1) OnPressureChanged?.Invoke(false, used);
        }
        else if (UnderPressure)
        {
            OnShed?.Invoke();
        }
    }

    /// <summary>RssAnon of this process (anonymous resident memory), from /proc/self/status.</summary>
    public static long ResidentAnonymousBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (!line.StartsWith("RssAnon:", StringComparison.Ordinal)) continue;
                return long.Parse(line[8..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
        }
        return Environment.WorkingSet;
    }

    public void Dispose() => _timer?.Dispose();
}
