namespace Queue.LoadGen.Engine;

/// <summary>
/// The timeline of one load phase: warmup from <see cref="Start"/>, then the measured window
/// [<see cref="MeasureStart"/>, <see cref="MeasureEnd"/>). Workloads stop issuing at MeasureEnd.
/// </summary>
internal sealed class RunWindow(long start, long measureStart, long measureEnd)
{
    public long Start { get; } = start;

    public long MeasureStart { get; } = measureStart;

    public long MeasureEnd { get; } = measureEnd;

    public static RunWindow Begin(double warmupSec, double durationSec)
    {
        long start = Ticks.Now;
        long measureStart = start + Ticks.FromSeconds(warmupSec);
        return new RunWindow(start, measureStart, measureStart + Ticks.FromSeconds(durationSec));
    }

    /// <summary>A phase that issues until <paramref name="end"/> and measures nothing (prefill, purge).</summary>
    public static RunWindow Unmeasured(long end) => new(Ticks.Now, long.MaxValue, end);

    public bool Contains(long timestamp) => timestamp >= MeasureStart && timestamp < MeasureEnd;
}
