namespace Queue.Storage;

/// <summary>
/// Cumulative latency histogram with fixed, roughly logarithmic bucket bounds (Prometheus style:
/// each bucket counts observations ≤ its bound). Written by the engine loop, read by anyone.
/// </summary>
public sealed class LatencyHistogram
{
    /// <summary>Upper bounds in seconds; the last bucket (+Inf) is implicit.</summary>
    public static readonly double[] BoundsSeconds =
    [
        0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
        1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400,
    ];

    private readonly long[] _counts = new long[BoundsSeconds.Length + 1];
    private long _count;
    private long _sumMicros;

    public void Observe(double seconds)
    {
        int i = 0;
        while (i < BoundsSeconds.Length && seconds > BoundsSeconds[i]) i++;
        Interlocked.Increment(ref _counts[i]);
        Interlocked.Increment(ref _count);
        Interlocked.Add(ref _sumMicros, (long)(seconds * 1e6));
    }

    /// <summary>Cumulative counts per bound (last entry: +Inf), total count and sum.</summary>
    public (long[] Cumulative, long Count, double Sum) Snapshot()
    {
        var cumulative = new long[_counts.Length];
        long running = 0;
        for (int i = 0; i < _counts.Length; i++)
        {
            running += Volatile.Read(ref _counts[i]);
            cumulative[i] = running;
        }
        return (cumulative, running, Volatile.Read(ref _sumMicros) / 1e6);
    }
}
