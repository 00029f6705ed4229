using System.Diagnostics;

namespace Queue.LoadGen.Engine;

/// <summary>Conversions for <see cref="Stopwatch"/> timestamps.</summary>
internal static class Ticks
{
    private static readonly double NanosPerTick = 1e9 / Stopwatch.Frequency;

    public static long Now => Stopwatch.GetTimestamp();

    public static long ToNanos(long ticks) => Stopwatch.Frequency == 1_000_000_000 ? ticks : (long)(ticks * NanosPerTick);

    public static long FromSeconds(double seconds) => (long)(seconds * Stopwatch.Frequency);

    public static double ToSeconds(long ticks) => ticks / (double)Stopwatch.Frequency;

    public static long ToMicros(long ticks) => ToNanos(ticks) / 1000;
}
