using Queue.Server.Diagnostics;
using Queue.Storage;
using Queue.Storage.Memory;
using Queue.Storage.Persistence;

namespace Queue.Server.Hosting;

/// <summary>Maps beanstalkd's flags onto the engine's options.</summary>
internal static class EngineOptions
{
    /// <summary>Recovery problems logged one per line; the rest are counted.</summary>
    private const int MaxProblemsLogged = 100;

    /// <param name="log">Receives the engine's lifecycle events (recovery and import happen before the host's logger exists).</param>
    /// <param name="governor">The engine's memory governor once it runs (for the watermarks in the log).</param>
    public static QueueEngineOptions From(ServerOptions o, LogSink log, Func<MemoryGovernor?>? governor = null)
    {
        var e = new QueueEngineOptions
        {
            MaxJobSize = o.MaxJobSize,
            DataDirectory = o.BinlogDirectory,
            SegmentSize = o.BinlogFileSize,
            MaxMemory = o.MaxMemory,
            PutWait = TimeSpan.FromMilliseconds(o.PutWaitMs),
            ConnectionBufferBytes = Connections.ConnectionSession.BufferedBytes,
        };
        e.OnRecovered = report => log.Write(l => LogRecovery(l, report));
        e.OnJobLost = message => log.Write(l => l.JobLost(message));
        e.OnImported = import => log.Write(l =>
        {
            l.Imported(import.Jobs.Count, import.Files.Count, o.BinlogDirectory ?? "", import.MaxJobId);
            foreach (var w in import.Warnings) l.ImportWarning(w);
        });
        var pressure = new PressureLog(o, log, governor);
        e.OnMemoryPressure = pressure.Changed;
        if (o.NeverFsync) e.Durability = DurabilityMode.Never;
        else if (o.FsyncMs == 0) e.Durability = DurabilityMode.Always;
        else
        {
            e.Durability = DurabilityMode.Periodic;
            e.SyncInterval = TimeSpan.FromMilliseconds(Math.Min(o.FsyncMs, int.MaxValue));
        }
        e.OnInternalError = ex => log.Write(l => l.InternalError(ex, ex.Message));
        e.OnFatalError = ex =>
        {
            log.Fatal(ex);
            Environment.Exit(1);
        };
        return e;
    }

    /// <summary>The durability mode's name and what it means, for the start-up line.</summary>
    public static (string Mode, string Detail) DescribeDurability(ServerOptions o)
    {
        if (o.BinlogDirectory is null) return ("none", "jobs are kept in memory only (no -b)");
        if (o.NeverFsync) return ("never", "-F: the log is written before every reply, never fsynced (the OS flushes it)");
        if (o.FsyncMs == 0) return ("always", "-f0: the log is written and fsynced before every reply");
        return ("periodic", $"-f {o.FsyncMs}: the log is written before every reply, fsynced at most every {o.FsyncMs} ms");
    }

    /// <summary>
    /// Logs watermark crossings in the order they happened. The governor changes state atomically
    /// (up, down, up, ...) but may report two crossings from two threads at once, so a report can
    /// arrive before the one it follows; it is held back until that one has been logged.
    /// </summary>
    private sealed class PressureLog(ServerOptions o, LogSink log, Func<MemoryGovernor?>? governor)
    {
        private readonly Lock _gate = new();
        private bool _loggedOn;
        private (bool On, long Used)? _held;

        public void Changed(bool on, long used)
        {
            lock (_gate)
            {
                if (on == _loggedOn && _held is null)
                {
                    _held = (on, used);
                    return;
                }
                Write(on, used);
                if (_held is { } h && h.On != _loggedOn)
                {
                    _held = null;
                    Write(h.On, h.Used);
                }
            }
        }

        private void Write(bool on, long used)
        {
            _loggedOn = on;
            long cap = o.MaxMemory ?? 0;
            var g = governor?.Invoke();
            long high = g?.HighWatermark ?? cap * 80 / 100;
            long low = g?.LowWatermark ?? cap * 65 / 100;
            if (on) log.Write(l => l.MemoryHighWatermark(used >> 20, cap >> 20, high >> 20, low >> 20));
            else log.Write(l => l.MemoryLowWatermark(used >> 20, cap >> 20, low >> 20));
        }
    }

    private static void LogRecovery(Microsoft.Extensions.Logging.ILogger l, RecoveryReport r)
    {
        l.Recovered(r.JobsRecovered, r.CheckpointJobs, r.RecordsReplayed, r.BadRecords, r.LogBytes, (long)r.Elapsed.TotalMilliseconds, (long)r.CheckpointLoadTime.TotalMilliseconds);
        if (r.BadRecords > 0) l.RecoveryDamagedRecords(r.BadRecords);
        foreach (var p in r.Problems.Take(MaxProblemsLogged)) l.RecoveryProblem(p);
        if (r.Problems.Count > MaxProblemsLogged) l.RecoveryProblemsOmitted(r.Problems.Count - MaxProblemsLogged);
    }
}
