namespace Queue.Storage;

/// <summary>Engine-wide figures behind beanstalkd's <c>stats</c> (the host adds process facts).</summary>
public sealed class ServerStats
{
    public long CurrentJobsUrgent { get; init; }
    public long CurrentJobsReady { get; init; }
    public long CurrentJobsReserved { get; init; }
    public long CurrentJobsDelayed { get; init; }
    public long CurrentJobsBuried { get; init; }
    /// <summary>cmd-* counters indexed by <see cref="Operation"/>.</summary>
    public required ulong[] CommandCounts { get; init; }
    public ulong JobTimeouts { get; init; }
    public ulong TotalJobs { get; init; }
    public long MaxJobSize { get; init; }
    public int CurrentTubes { get; init; }
    public int CurrentConnections { get; init; }
    public int CurrentProducers { get; init; }
    public int CurrentWorkers { get; init; }
    public int CurrentWaiting { get; init; }
    public ulong TotalConnections { get; init; }
    public long UptimeSeconds { get; init; }
    public bool Draining { get; init; }
    public long BinlogOldestIndex { get; init; }
    public long BinlogCurrentIndex { get; init; }
    public long BinlogRecordsMigrated { get; init; }
    public long BinlogRecordsWritten { get; init; }
    public long BinlogMaxSize { get; init; }
    /// <summary>Extension figures appended after the 1.12 keys (name, value), e.g. memory use.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Extra { get; init; } = [];

    public ulong Count(Operation op) => CommandCounts[(int)op];
}

/// <summary>Figures behind <c>stats-tube</c>.</summary>
public sealed class TubeStats
{
    public required string Name { get; init; }
    public long CurrentJobsUrgent { get; init; }
    public long CurrentJobsReady { get; init; }
    public long CurrentJobsReserved { get; init; }
    public long CurrentJobsDelayed { get; init; }
    public long CurrentJobsBuried { get; init; }
    public ulong TotalJobs { get; init; }
    public int CurrentUsing { get; init; }
    public int CurrentWatching { get; init; }
    public int CurrentWaiting { get; init; }
    public ulong CmdDelete { get; init; }
    public ulong CmdPauseTube { get; init; }
    public long PauseSeconds { get; init; }
    public long PauseTimeLeftSeconds { get; init; }
}

/// <summary>Figures behind <c>stats-job</c>.</summary>
public sealed class JobStats
{
    public ulong Id { get; init; }
    public required string Tube { get; init; }
    public JobState State { get; init; }
    public uint Priority { get; init; }
    public long AgeSeconds { get; init; }
    public long DelaySeconds { get; init; }
    public long TtrSeconds { get; init; }
    public long TimeLeftSeconds { get; init; }
    public long File { get; init; }
    public uint Reserves { get; init; }
    public uint Timeouts { get; init; }
    public uint Releases { get; init; }
    public uint Buries { get; init; }
    public uint Kicks { get; init; }
}
