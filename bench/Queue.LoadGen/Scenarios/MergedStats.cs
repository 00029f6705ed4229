using HdrHistogram;
using Queue.LoadGen.Engine;
using Queue.LoadGen.Protocol;
using Queue.LoadGen.Reporting;

namespace Queue.LoadGen.Scenarios;

/// <summary>Per-connection statistics folded into run totals.</summary>
internal sealed class MergedStats
{
    private MergedStats(long ops, long jobs, LongHistogram latency, LongHistogram endToEnd, LongHistogram?[] perCommand, long[] errors)
    {
        Ops = ops;
        Jobs = jobs;
        Latency = LatencySummary.From(latency);
        EndToEnd = LatencySummary.From(endToEnd);
        PerCommand = [.. Enumerable.Range(0, CommandKinds.Count)
            .Where(i => perCommand[i] is not null)
            .Select(i => KeyValuePair.Create(((CommandKind)i).Name(), LatencySummary.From(perCommand[i]!)))];
        Errors = [.. Enumerable.Range(0, ReplyKinds.Count)
            .Where(i => errors[i] > 0)
            .Select(i => KeyValuePair.Create(((ReplyKind)i).Token(), errors[i]))];
        ErrorCounts = errors;
    }

    public long Ops { get; }

    public long Jobs { get; }

    public LatencySummary Latency { get; }

    public LatencySummary EndToEnd { get; }

    public IReadOnlyList<KeyValuePair<string, LatencySummary>> PerCommand { get; }

    public IReadOnlyList<KeyValuePair<string, long>> Errors { get; }

    public long[] ErrorCounts { get; }

    public static MergedStats From(IEnumerable<ConnectionStats> all)
    {
        long ops = 0;
        long jobs = 0;
        var latency = ConnectionStats.NewHistogram();
        var endToEnd = ConnectionStats.NewHistogram();
        var perCommand = new LongHistogram?[CommandKinds.Count];
        var errors = new long[ReplyKinds.Count];
        foreach (ConnectionStats stats in all)
        {
            ops += stats.Ops;
            jobs += stats.Jobs;
            latency.Add(stats.Latency);
            endToEnd.Add(stats.EndToEnd);
            for (int i = 0; i < CommandKinds.Count; i++)
            {
                if (stats.ForCommand((CommandKind)i) is { } histogram)
                {
                    (perCommand[i] ??= ConnectionStats.NewHistogram()).Add(histogram);
                }
            }

            for (int i = 0; i < errors.Length; i++)
            {
                errors[i] += stats.Errors[i];
            }
        }

        return new MergedStats(ops, jobs, latency, endToEnd, perCommand, errors);
    }
}
