using Queue.LoadGen.Cli;

namespace Queue.LoadGen.Reporting;

/// <summary>Everything a run reports. Scenario-specific fields are null where they do not apply.</summary>
internal sealed record RunResult
{
    public required LoadGenOptions Options { get; init; }

    /// <summary>Actual length of the measured window (shorter than --duration if fill stopped early).</summary>
    public required double MeasuredSec { get; init; }

    public required long Ops { get; init; }

    public required long Jobs { get; init; }

    public required LatencySummary Latency { get; init; }

    public required IReadOnlyList<KeyValuePair<string, LatencySummary>> PerCommand { get; init; }

    /// <summary>Non-success replies by wire token, over the whole run.</summary>
    public required IReadOnlyList<KeyValuePair<string, long>> Errors { get; init; }

    public LatencySummary? EndToEnd { get; init; }

    public long? Lost { get; init; }

    public long? Duplicates { get; init; }

    public long? DeliveredUnacknowledged { get; init; }

    public long? ForeignJobs { get; init; }

    public bool? DrainComplete { get; init; }

    public long? AcceptedBeforeRefusal { get; init; }

    public long? Refusals { get; init; }

    public long? Prefilled { get; init; }

    public bool? RanDry { get; init; }

    public double? ServerCpuSec { get; init; }

    public double ClientCpuSec { get; init; }

    /// <summary>CPU used by other processes on the machine during the window (shared-machine noise).</summary>
    public double? OtherCpuSec { get; init; }

    /// <summary>Managed bytes allocated by the generator during the measured window.</summary>
    public long ClientAllocatedBytes { get; init; }

    /// <summary>Why the run failed, if it did.</summary>
    public string? Failure { get; init; }

    public int ExitCode { get; init; }

    public double OpsPerSec => MeasuredSec > 0 ? Ops / MeasuredSec : 0;

    public double JobsPerSec => MeasuredSec > 0 ? Jobs / MeasuredSec : 0;

    public double? ServerCpuUsPerOp => ServerCpuSec is double cpu && Ops > 0 ? cpu * 1e6 / Ops : null;
}
