using Microsoft.Extensions.Logging;

namespace Queue.Server.Diagnostics;

/// <summary>
/// The server's lifecycle log lines (source-generated, structured: every placeholder is a field in
/// the JSON format). Event ids are stable so alerts can match on them.
/// </summary>
internal static partial class ServerLog
{
    /// <summary>Logger category of these lines.</summary>
    public const string Category = "QueueServer";

    // 1-9: start-up and shutdown.

    [LoggerMessage(EventId = 1, EventName = "Starting", Level = LogLevel.Information,
        Message = "QueueServer {ServerVersion} (beanstalkd {ProtocolVersion} protocol) pid {Pid} listening on {ListenAddress}; durability {Durability}: {DurabilityDetail}; data directory {DataDirectory}; memory cap {MemoryCapMiB} MiB from {MemoryCapSource}")]
    public static partial void Starting(this ILogger logger, string serverVersion, string protocolVersion, int pid, string listenAddress,
        string durability, string durabilityDetail, string dataDirectory, long memoryCapMiB, string memoryCapSource);

    [LoggerMessage(EventId = 2, EventName = "ShutdownBegun", Level = LogLevel.Information,
        Message = "shutdown begun ({Reason}): no new connections, finishing in-flight commands")]
    public static partial void ShutdownBegun(this ILogger logger, string reason);

    [LoggerMessage(EventId = 3, EventName = "ShutdownFinished", Level = LogLevel.Information,
        Message = "shutdown finished in {ElapsedMs} ms")]
    public static partial void ShutdownFinished(this ILogger logger, long elapsedMs);

    [LoggerMessage(EventId = 4, EventName = "DrainModeEntered", Level = LogLevel.Information,
        Message = "drain mode entered ({Reason}): puts are refused with DRAINING, every other command keeps working")]
    public static partial void DrainModeEntered(this ILogger logger, string reason);

    // 10-19: recovery of the data directory.

    [LoggerMessage(EventId = 10, EventName = "Recovered", Level = LogLevel.Information,
        Message = "recovered {JobsRecovered} jobs ({CheckpointJobs} from the checkpoint, {RecordsReplayed} log records replayed, {DamagedRecords} records skipped, {LogBytes} bytes of log) in {ElapsedMs} ms ({CheckpointMs} ms of it loading the checkpoint)")]
    public static partial void Recovered(this ILogger logger, long jobsRecovered, long checkpointJobs, long recordsReplayed, long damagedRecords, long logBytes, long elapsedMs, long checkpointMs);

    [LoggerMessage(EventId = 11, EventName = "RecoveryDamagedRecords", Level = LogLevel.Warning,
        Message = "recovery skipped {DamagedRecords} damaged log records; the problems follow")]
    public static partial void RecoveryDamagedRecords(this ILogger logger, long damagedRecords);

    [LoggerMessage(EventId = 12, EventName = "RecoveryProblem", Level = LogLevel.Warning,
        Message = "recovery: {Problem}")]
    public static partial void RecoveryProblem(this ILogger logger, string problem);

    [LoggerMessage(EventId = 13, EventName = "RecoveryProblemsOmitted", Level = LogLevel.Warning,
        Message = "recovery: {Omitted} more problems not shown")]
    public static partial void RecoveryProblemsOmitted(this ILogger logger, int omitted);

    [LoggerMessage(EventId = 14, EventName = "JobLost", Level = LogLevel.Warning,
        Message = "data loss: {Detail}")]
    public static partial void JobLost(this ILogger logger, string detail);

    // 20-29: import of beanstalkd 1.12 binlog files.

    [LoggerMessage(EventId = 20, EventName = "Imported", Level = LogLevel.Information,
        Message = "imported {Jobs} jobs from {Files} beanstalkd binlog files in {Directory} (highest id {MaxJobId}); the binlog files were left untouched")]
    public static partial void Imported(this ILogger logger, int jobs, int files, string directory, ulong maxJobId);

    [LoggerMessage(EventId = 21, EventName = "ImportWarning", Level = LogLevel.Warning,
        Message = "import: {Warning}")]
    public static partial void ImportWarning(this ILogger logger, string warning);

    // 30-39: the memory cap.

    [LoggerMessage(EventId = 30, EventName = "MemoryHighWatermark", Level = LogLevel.Warning,
        Message = "memory high watermark crossed: {UsedMiB} MiB used of the {CapMiB} MiB cap (high watermark {HighWatermarkMiB} MiB); puts are refused with OUT_OF_MEMORY until usage falls below the low watermark ({LowWatermarkMiB} MiB)")]
    public static partial void MemoryHighWatermark(this ILogger logger, long usedMiB, long capMiB, long highWatermarkMiB, long lowWatermarkMiB);

    [LoggerMessage(EventId = 31, EventName = "MemoryLowWatermark", Level = LogLevel.Information,
        Message = "memory below the low watermark: {UsedMiB} MiB used of the {CapMiB} MiB cap (low watermark {LowWatermarkMiB} MiB); puts are accepted again")]
    public static partial void MemoryLowWatermark(this ILogger logger, long usedMiB, long capMiB, long lowWatermarkMiB);

    // 40-49: errors.

    [LoggerMessage(EventId = 40, EventName = "FatalLogError", Level = LogLevel.Critical,
        Message = "FATAL: the job log cannot be written ({Error}); stopping instead of running without persistence")]
    public static partial void FatalLogError(this ILogger logger, Exception exception, string error);

    [LoggerMessage(EventId = 41, EventName = "InternalError", Level = LogLevel.Error,
        Message = "internal error in the engine (the command answers INTERNAL_ERROR): {Error}")]
    public static partial void InternalError(this ILogger logger, Exception exception, string error);

    // 50-59: the metrics endpoint.

    [LoggerMessage(EventId = 50, EventName = "MetricsListening", Level = LogLevel.Information,
        Message = "metrics endpoint on http://{Endpoint}/metrics (also /healthz and /readyz)")]
    public static partial void MetricsListening(this ILogger logger, string endpoint);

    [LoggerMessage(EventId = 51, EventName = "MetricsScrapeFailed", Level = LogLevel.Warning,
        Message = "metrics: reading the stats failed: {Error}")]
    public static partial void MetricsScrapeFailed(this ILogger logger, Exception exception, string error);

    [LoggerMessage(EventId = 52, EventName = "MetricsRequestFailed", Level = LogLevel.Debug,
        Message = "metrics: request from {Remote} failed: {Error}")]
    public static partial void MetricsRequestFailed(this ILogger logger, string remote, string error);
}

/// <summary>
/// Lines written before the logger exists (the engine recovers before the host is built) wait here
/// and are written, in order, once <see cref="Attach"/> supplies the logger.
/// </summary>
internal sealed class LogSink
{
    private readonly Lock _gate = new();
    private List<Action<ILogger>>? _pending = new();
    private volatile ILogger? _logger;

    /// <summary>The logger once attached, else null.</summary>
    public ILogger? Logger => _logger;

    /// <summary>Set once the job log failed for good (the shutdown that follows is because of it).</summary>
    public bool FatalError { get; private set; }

    /// <summary>Makes sure buffered log lines are on their way out (set once the logger exists).</summary>
    public Action? Flush { get; set; }

    /// <summary>Writes an entry now, or when the logger is attached.</summary>
    public void Write(Action<ILogger> entry)
    {
        var logger = _logger;
        if (logger is null)
        {
            lock (_gate)
            {
                logger = _logger;
                if (logger is null)
                {
                    _pending!.Add(entry);
                    return;
                }
            }
        }
        entry(logger);
    }

    /// <summary>Writes what was buffered, then lets later entries through directly. Only the first call counts.</summary>
    public void Attach(ILogger logger)
    {
        lock (_gate)
        {
            if (_pending is null) return;
            foreach (var entry in _pending) entry(logger);
            _pending = null;
            _logger = logger;
        }
    }

    /// <summary>
    /// The job log failed for good: logs it (beanstalkd-style on stderr if the logger does not exist
    /// yet), flushes and returns; the caller exits.
    /// </summary>
    public void Fatal(Exception ex)
    {
        FatalError = true;
        if (_logger is null) Attach(new StderrLogger());
        Write(l => l.FatalLogError(ex, ex.Message));
        Flush?.Invoke();
    }

    /// <summary>"progname: message" on stderr, synchronously: for lines due before the real logger exists.</summary>
    private sealed class StderrLogger : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel)) Console.Error.WriteLine($"{Program.Name}: {formatter(state, exception)}");
        }
    }
}
