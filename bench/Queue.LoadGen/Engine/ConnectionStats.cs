using HdrHistogram;
using Queue.LoadGen.Protocol;

namespace Queue.LoadGen.Engine;

/// <summary>
/// Per-connection counters and latency histograms, written only by the connection's own thread
/// and merged after the run. Latencies are recorded in nanoseconds.
/// </summary>
internal sealed class ConnectionStats
{
    private const long HighestTrackableNanos = 120_000_000_000;

    private readonly LongHistogram?[] _perCommand = new LongHistogram?[CommandKinds.Count];

    /// <summary>Per-command latency (write to reply) of every command answered inside the window.</summary>
    public LongHistogram Latency { get; } = NewHistogram();

    /// <summary>pubsub: put-to-reserve latency from the timestamp in the body.</summary>
    public LongHistogram EndToEnd { get; } = NewHistogram();

    /// <summary>Replies received inside the measured window.</summary>
    public long Ops { get; private set; }

    /// <summary>Jobs completed inside the window (meaning depends on the workload).</summary>
    public long Jobs { get; set; }

    /// <summary>Non-success replies over the whole run, indexed by <see cref="ReplyKind"/>.</summary>
    public long[] Errors { get; } = new long[ReplyKinds.Count];

    public LongHistogram? ForCommand(CommandKind kind) => _perCommand[(int)kind];

    public static LongHistogram NewHistogram() => new(1, HighestTrackableNanos, 3);

    public void Record(CommandKind command, ReplyKind reply, long latencyTicks, bool inWindow)
    {
        if (!ReplyRules.IsSuccess(command, reply))
        {
            Errors[(int)reply]++;
        }

        // Created on first use (normally during warmup), so the window itself allocates nothing.
        LongHistogram perCommand = _perCommand[(int)command] ??= NewHistogram();
        if (!inWindow)
        {
            return;
        }

        Ops++;
        long nanos = Clamp(Ticks.ToNanos(latencyTicks));
        Latency.RecordValue(nanos);
        perCommand.RecordValue(nanos);
    }

    public void RecordEndToEnd(long latencyTicks) => EndToEnd.RecordValue(Clamp(Ticks.ToNanos(latencyTicks)));

    private static long Clamp(long nanos) => Math.Clamp(nanos, 1, HighestTrackableNanos);
}
