using HdrHistogram;

namespace Queue.LoadGen.Reporting;

/// <summary>Percentiles of a nanosecond histogram, in microseconds.</summary>
internal sealed record LatencySummary(long Count, double P50Us, double P90Us, double P99Us, double P999Us, double MaxUs, double MeanUs)
{
    public static LatencySummary From(HistogramBase histogram)
    {
        if (histogram.TotalCount == 0)
        {
            return new LatencySummary(0, 0, 0, 0, 0, 0, 0);
        }

        return new LatencySummary(
            histogram.TotalCount,
            Micros(histogram.GetValueAtPercentile(50)),
            Micros(histogram.GetValueAtPercentile(90)),
            Micros(histogram.GetValueAtPercentile(99)),
            Micros(histogram.GetValueAtPercentile(99.9)),
            Micros(histogram.GetMaxValue()),
            Math.Round(histogram.GetMean() / 1000.0, 1));
    }

    private static double Micros(long nanos) => Math.Round(nanos / 1000.0, 1);
}
