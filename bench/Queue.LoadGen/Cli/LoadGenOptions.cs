namespace Queue.LoadGen.Cli;

/// <summary>Validated command-line settings for one run.</summary>
internal sealed record LoadGenOptions
{
    public ScenarioKind Scenario { get; init; } = ScenarioKind.Put;
    public string Host { get; init; } = "127.0.0.1";
    public int Port { get; init; } = 11300;
    public int Connections { get; init; } = 8;
    public int Pipeline { get; init; } = 16;

    /// <summary>--batch: minimum free window slots before a connection writes again while replies are pending.</summary>
    public int? MinBatchOption { get; init; }

    /// <summary>Default: half the window when running flat out (so writes carry real batches), 1 when paced.</summary>
    public int MinBatch => Math.Min(Pipeline, MinBatchOption ?? (Rate > 0 ? 1 : Math.Max(1, Pipeline / 2)));

    /// <summary>Event-loop threads the connections are spread over.</summary>
    public int Threads { get; init; } = 1;
    public int BodySize { get; init; } = 100;
    public double DurationSec { get; init; } = 10;
    public double WarmupSec { get; init; } = 2;
    public string Tube { get; init; } = "default";

    /// <summary>Offered load in ops/s across all connections; 0 means as fast as possible.</summary>
    public double Rate { get; init; }

    /// <summary>reserve-delete only: jobs to put before the run; null means "enough for the duration".</summary>
    public long? Prefill { get; init; }

    public bool Json { get; init; }
    public int? ServerPid { get; init; }

    /// <summary>Hard limit for the load phase; the process exits non-zero when it is exceeded.</summary>
    public TimeSpan WatchdogLimit => TimeSpan.FromSeconds(WarmupSec + DurationSec + 30);
}
