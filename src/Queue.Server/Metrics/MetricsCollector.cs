using Queue.Server.Diagnostics;
using Queue.Storage;

namespace Queue.Server.Metrics;

/// <summary>Everything one scrape reports, read from the engine at one moment.</summary>
internal sealed record MetricsSnapshot(
    ServerStats Stats,
    IReadOnlyList<TubeStats> Tubes,
    (long[] Cumulative, long Count, double Sum) TimeInQueue,
    (long[] Cumulative, long Count, double Sum) ReserveToDelete,
    TimeSpan CpuUser,
    TimeSpan CpuSystem,
    int Pid)
{
    /// <summary>Engine sessions of the metrics endpoint itself open while the stats were read (not clients: left out of the connection gauges).</summary>
    public int OwnSessionsOpen { get; init; }

    /// <summary>Engine sessions the metrics endpoint has opened so far (left out of the connection counter).</summary>
    public long OwnSessionsTotal { get; init; }
}

/// <summary>
/// Reads the figures behind <c>stats</c> and <c>stats-tube</c> (through an engine session, like a
/// client, but without counting the commands in cmd-*) and renders them as Prometheus metrics.
/// </summary>
internal sealed class MetricsCollector
{
    private const string DefaultTube = "default";
    private readonly QueueEngine _engine;
    private readonly SemaphoreSlim _oneAtATime = new(1, 1);
    private long _sessionsOpened;

    public MetricsCollector(QueueEngine engine) => _engine = engine;

    /// <summary>One scrape. Scrapes are serialised, so each sees exactly one session of its own.</summary>
    public async Task<MetricsSnapshot> SnapshotAsync(CancellationToken cancellationToken)
    {
        await _oneAtATime.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            long opened = Interlocked.Increment(ref _sessionsOpened);
            var session = _engine.OpenSession();
            try
            {
                var first = new CommandBatch(2);
                Add(first, Operation.Stats, null);
                Add(first, Operation.ListTubes, null);
                await session.ExecuteAsync(first).AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
                var stats = (ServerStats)first[0].Payload!;
                var names = (string[])first[1].Payload!;
                var tubes = new List<TubeStats>(names.Length);
                if (names.Length > 0)
                {
                    var perTube = new CommandBatch(names.Length);
                    foreach (var name in names) Add(perTube, Operation.StatsTube, name);
                    await session.ExecuteAsync(perTube).AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
                    for (int i = 0; i < perTube.Count; i++)
                    {
                        // A tube may have gone away between list-tubes and stats-tube.
                        if (perTube[i].Status == CommandStatus.Ok && perTube[i].Payload is TubeStats t) tubes.Add(t);
                    }
                }
                var (user, system) = ProcessInfo.CpuTimes();
                return new MetricsSnapshot(stats, tubes, _engine.TimeInQueue.Snapshot(), _engine.ReserveToDelete.Snapshot(), user, system, Environment.ProcessId)
                {
                    OwnSessionsOpen = 1,
                    OwnSessionsTotal = opened,
                };
            }
            finally
            {
                await session.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _oneAtATime.Release();
        }
    }

    /// <summary>
    /// A stats command flagged as already counted: the engine answers it without touching
    /// cmd-stats, cmd-list-tubes or cmd-stats-tube, so scrapes do not show up in the figures they report.
    /// </summary>
    private static void Add(CommandBatch batch, Operation op, string? tube)
    {
        ref var cmd = ref batch.Add();
        cmd.Op = op;
        cmd.Tube = tube;
        cmd.Flags = CommandFlags.Counted;
    }

    /// <summary>cmd-* keys of <c>stats</c>, in beanstalkd's order, with the operation behind each.</summary>
    private static readonly (string Name, Operation Op)[] Commands =
    [
        ("put", Operation.Put), ("peek", Operation.Peek), ("peek-ready", Operation.PeekReady),
        ("peek-delayed", Operation.PeekDelayed), ("peek-buried", Operation.PeekBuried), ("reserve", Operation.Reserve),
        ("reserve-with-timeout", Operation.ReserveWithTimeout), ("delete", Operation.Delete), ("release", Operation.Release),
        ("use", Operation.Use), ("watch", Operation.Watch), ("ignore", Operation.Ignore), ("bury", Operation.Bury),
        ("kick", Operation.Kick), ("touch", Operation.Touch), ("stats", Operation.Stats), ("stats-job", Operation.StatsJob),
        ("stats-tube", Operation.StatsTube), ("list-tubes", Operation.ListTubes), ("list-tube-used", Operation.ListTubeUsed),
        ("list-tubes-watched", Operation.ListTubesWatched), ("pause-tube", Operation.PauseTube),
    ];

    /// <summary>memory-* keys: metric suffix, type, help. Keys not listed become gauges named after the key.</summary>
    private static readonly Dictionary<string, (string Name, string Type, string Help)> Extras = new()
    {
        ["memory-limit"] = ("memory_limit_bytes", "gauge", "The memory cap (memory-limit)."),
        ["memory-used"] = ("memory_used_bytes", "gauge", "Memory in use as the cap counts it: anonymous resident memory (memory-used)."),
        ["memory-high-watermark"] = ("memory_high_watermark_bytes", "gauge", "Usage at which puts start being refused with OUT_OF_MEMORY (memory-high-watermark)."),
        ["memory-low-watermark"] = ("memory_low_watermark_bytes", "gauge", "Usage below which puts are accepted again (memory-low-watermark)."),
        ["memory-pressure"] = ("memory_pressure", "gauge", "1 while puts are refused for memory, else 0 (memory-pressure)."),
        ["memory-pressure-events"] = ("memory_pressure_events_total", "counter", "Times the high watermark was crossed (memory-pressure-events)."),
        ["memory-put-refusals"] = ("memory_put_refusals_total", "counter", "Puts refused with OUT_OF_MEMORY (memory-put-refusals)."),
        ["memory-collections"] = ("memory_collections_total", "counter", "Garbage collections forced before refusing a put (memory-collections)."),
        ["memory-gc-heap"] = ("memory_gc_heap_bytes", "gauge", "Managed heap size (memory-gc-heap)."),
        ["memory-gc-committed"] = ("memory_gc_committed_bytes", "gauge", "Memory committed by the garbage collector (memory-gc-committed)."),
        ["memory-job-index"] = ("memory_job_index_bytes", "gauge", "Memory of the job index (memory-job-index)."),
        ["memory-tubes"] = ("memory_tubes_bytes", "gauge", "Estimated memory of the tubes (memory-tubes)."),
        ["memory-body-cache"] = ("memory_body_cache_bytes", "gauge", "Job bodies held in memory (memory-body-cache)."),
        ["memory-body-cache-budget"] = ("memory_body_cache_budget_bytes", "gauge", "Budget of the body cache, 0 for unbounded (memory-body-cache-budget)."),
        ["memory-body-evictions"] = ("memory_body_evictions_total", "counter", "Job bodies dropped from memory, to be read back from the log (memory-body-evictions)."),
        ["memory-log-buffers"] = ("memory_log_buffers_bytes", "gauge", "Memory of the log's page buffers (memory-log-buffers)."),
        ["memory-connection-buffers"] = ("memory_connection_buffers_bytes", "gauge", "Memory of connection input and output buffers (memory-connection-buffers)."),
    };

    /// <summary>Renders a snapshot in the Prometheus text format.</summary>
    public static string Format(MetricsSnapshot m)
    {
        var w = new PrometheusWriter();
        var s = m.Stats;
        w.Gauge("beanstalkd_current_jobs_urgent", "Ready jobs with priority < 1024 (current-jobs-urgent).", s.CurrentJobsUrgent);
        w.Gauge("beanstalkd_current_jobs_ready", "Jobs in the ready queue (current-jobs-ready).", s.CurrentJobsReady);
        w.Gauge("beanstalkd_current_jobs_reserved", "Jobs reserved by all clients (current-jobs-reserved).", s.CurrentJobsReserved);
        w.Gauge("beanstalkd_current_jobs_delayed", "Delayed jobs (current-jobs-delayed).", s.CurrentJobsDelayed);
        w.Gauge("beanstalkd_current_jobs_buried", "Buried jobs (current-jobs-buried).", s.CurrentJobsBuried);
        w.Family("beanstalkd_cmd_total", "counter", "Commands of each type received (cmd-*).");
        foreach (var (name, op) in Commands) w.Sample("beanstalkd_cmd_total", s.Count(op), ("cmd", name));
        w.Counter("beanstalkd_job_timeouts_total", "Times a job's time to run expired (job-timeouts).", s.JobTimeouts);
        w.Counter("beanstalkd_jobs_total", "Jobs created (total-jobs).", s.TotalJobs);
        w.Gauge("beanstalkd_max_job_size_bytes", "Largest accepted job body (max-job-size).", s.MaxJobSize);
        w.Gauge("beanstalkd_current_tubes", "Tubes that exist (current-tubes).", s.CurrentTubes);
        w.Gauge("beanstalkd_current_connections", "Open connections (current-connections).", s.CurrentConnections - m.OwnSessionsOpen);
        w.Gauge("beanstalkd_current_producers", "Open connections that have issued at least one put (current-producers).", s.CurrentProducers);
        w.Gauge("beanstalkd_current_workers", "Open connections that have issued at least one reserve (current-workers).", s.CurrentWorkers);
        w.Gauge("beanstalkd_current_waiting", "Connections waiting in a reserve (current-waiting).", s.CurrentWaiting);
        w.Counter("beanstalkd_connections_total", "Connections accepted (total-connections).", (double)s.TotalConnections - m.OwnSessionsTotal);
        w.Gauge("beanstalkd_pid", "Process id of the server (pid).", m.Pid);
        w.Counter("beanstalkd_rusage_utime_seconds_total", "User CPU time of the process (rusage-utime).", m.CpuUser.TotalSeconds);
        w.Counter("beanstalkd_rusage_stime_seconds_total", "System CPU time of the process (rusage-stime).", m.CpuSystem.TotalSeconds);
        w.Gauge("beanstalkd_uptime_seconds", "Seconds since the server started (uptime).", s.UptimeSeconds);
        w.Gauge("beanstalkd_binlog_oldest_index", "Index of the oldest log file needed (binlog-oldest-index).", s.BinlogOldestIndex);
        w.Gauge("beanstalkd_binlog_current_index", "Index of the log file being written (binlog-current-index).", s.BinlogCurrentIndex);
        w.Counter("beanstalkd_binlog_records_migrated_total", "Log records rewritten to free old log files (binlog-records-migrated).", s.BinlogRecordsMigrated);
        w.Counter("beanstalkd_binlog_records_written_total", "Log records written (binlog-records-written).", s.BinlogRecordsWritten);
        w.Gauge("beanstalkd_binlog_max_size_bytes", "Size of each log file (binlog-max-size).", s.BinlogMaxSize);
        w.Gauge("beanstalkd_draining", "1 in drain mode (SIGUSR1: puts refused), else 0 (draining).", s.Draining ? 1 : 0);
        foreach (var (key, value) in s.Extra)
        {
            var (name, type, help) = Extras.TryGetValue(key, out var known)
                ? known
                : (PrometheusWriter.MetricName(key), "gauge", $"The stats key {key}.");
            w.Family("beanstalkd_" + name, type, help).Sample("beanstalkd_" + name, value);
        }

        WriteTubes(w, m);

        var bounds = LatencyHistogram.BoundsSeconds;
        w.Histogram("beanstalkd_job_time_in_queue_seconds", "Seconds from put to reservation, observed at every reservation (a job released and reserved again counts again, from its put).",
            bounds, m.TimeInQueue.Cumulative, m.TimeInQueue.Count, m.TimeInQueue.Sum);
        w.Histogram("beanstalkd_job_reserve_to_delete_seconds", "Seconds from reservation (or the last touch) to delete, for jobs deleted while reserved.",
            bounds, m.ReserveToDelete.Cumulative, m.ReserveToDelete.Count, m.ReserveToDelete.Sum);
        return w.ToString();
    }

    private static void WriteTubes(PrometheusWriter w, MetricsSnapshot m)
    {
        void Family(string name, string type, string help, Func<TubeStats, double> value)
        {
            if (m.Tubes.Count == 0) return;
            w.Family(name, type, help);
            foreach (var t in m.Tubes) w.Sample(name, value(t), ("tube", t.Name));
        }
        // The endpoint's own session uses and watches the default tube while it reads the stats.
        double Own(TubeStats t) => t.Name == DefaultTube ? m.OwnSessionsOpen : 0;
        Family("beanstalkd_tube_current_jobs_urgent", "gauge", "Ready jobs with priority < 1024 in the tube (stats-tube current-jobs-urgent).", t => t.CurrentJobsUrgent);
        Family("beanstalkd_tube_current_jobs_ready", "gauge", "Ready jobs in the tube (stats-tube current-jobs-ready).", t => t.CurrentJobsReady);
        Family("beanstalkd_tube_current_jobs_reserved", "gauge", "Reserved jobs in the tube (stats-tube current-jobs-reserved).", t => t.CurrentJobsReserved);
        Family("beanstalkd_tube_current_jobs_delayed", "gauge", "Delayed jobs in the tube (stats-tube current-jobs-delayed).", t => t.CurrentJobsDelayed);
        Family("beanstalkd_tube_current_jobs_buried", "gauge", "Buried jobs in the tube (stats-tube current-jobs-buried).", t => t.CurrentJobsBuried);
        Family("beanstalkd_tube_jobs_total", "counter", "Jobs created in the tube (stats-tube total-jobs).", t => t.TotalJobs);
        Family("beanstalkd_tube_current_using", "gauge", "Connections using the tube (stats-tube current-using).", t => t.CurrentUsing - Own(t));
        Family("beanstalkd_tube_current_watching", "gauge", "Connections watching the tube (stats-tube current-watching).", t => t.CurrentWatching - Own(t));
        Family("beanstalkd_tube_current_waiting", "gauge", "Connections waiting in a reserve on the tube (stats-tube current-waiting).", t => t.CurrentWaiting);
        Family("beanstalkd_tube_cmd_delete_total", "counter", "Deletes in the tube (stats-tube cmd-delete).", t => t.CmdDelete);
        Family("beanstalkd_tube_cmd_pause_tube_total", "counter", "pause-tube commands for the tube (stats-tube cmd-pause-tube).", t => t.CmdPauseTube);
        Family("beanstalkd_tube_pause_seconds", "gauge", "Pause length in seconds, 0 when not paused (stats-tube pause).", t => t.PauseSeconds);
        Family("beanstalkd_tube_pause_time_left_seconds", "gauge", "Seconds left in the pause (stats-tube pause-time-left).", t => t.PauseTimeLeftSeconds);
    }
}
