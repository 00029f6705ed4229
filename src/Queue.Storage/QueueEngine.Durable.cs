using Queue.Storage.Core;
using Queue.Storage.Persistence;

namespace Queue.Storage;

// Opening an engine on a data directory: lock, format check, FasterLog recovery, checkpoint and
// log-tail replay, all before the loop starts, so no command is ever answered on partial state.
public sealed partial class QueueEngine
{
    /// <summary>FasterLog page size: entries (and put records of bodies not chunked) fit in a quarter page.</summary>
    internal const long DefaultPageSize = 4L << 20;

    /// <summary>Opens the durable log on the data directory, or (spill = true) a throw-away log for bodies.</summary>
    private static QueueEngine OpenLogged(QueueEngineOptions options, bool spill)
    {
        string directory = spill ? CreateSpillDirectory() : options.DataDirectory!;
        // Log pages live in memory (four of them); under a small memory cap they are smaller.
        long page = options.MaxMemory is { } cap ? Math.Clamp((long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(cap / 64, 1)), 256L << 10, DefaultPageSize) : DefaultPageSize;
        // A spill log only parks bodies: 1 MiB pages are plenty, and a small page buffer starts faster.
        if (spill) page = Math.Min(page, 1L << 20);
        long segment = (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(options.SegmentSize, 1 << 20));
        while (page > 64 * 1024 && segment < 4 * page) page /= 2;
        segment = Math.Max(segment, 4 * page);
        var log = DurableLog.Open(directory, new LogFormat(LogFormat.CurrentVersion, page, segment), memorySize: 4 * page, options.PreallocateSegment);
        try
        {
            var core = new QueueCore(options.TimeProvider, options.MaxJobSize);
            var journal = new LogJournal(log, options.TimeProvider, core.TicksToWallMs, ephemeral: spill);
            var bodies = new LogBodyStore(log, slot => core.Tubes.BySlot(slot).Name);
            core.Bodies = bodies;
            var report = spill ? null : Persistence.Recovery.Run(log, core, journal);
            if (!spill && log.CreatedNew) ImportBeanstalkdBinlogs(log, core, journal, options);
            core.Journal = journal;
            var engine = new QueueEngine(options, core, log, journal) { Recovery = report, _bodyCache = bodies };
            engine.AttachMemoryCap(bodies);
            long checkpointAddress = report?.CheckpointAddress ?? log.Log.BeginAddress;
            engine._maintenance = new LogMaintenance(engine, core, log, journal, options, checkpointAddress);
            engine._committedAppends = journal.Appended;
            // A spill log is not a binlog: stats then read like beanstalkd without -b.
            if (!spill) core.BinlogInfo = new BinlogStats(log, journal, () => engine._maintenance.RecordsMigrated);
            else bodies.Spill = (int slot, ref Model.JobRecord job, byte[] body) => journal.Spill(ref job, core.Jobs.ExtrasOf(slot), core.Tubes.BySlot(job.Tube).Name, body.AsSpan(0, body.Length - 2));
            if (report is not null) options.OnRecovered?.Invoke(report);
            if (!spill) engine.StartBodyCheck(bodies, log.Log.TailAddress);
            else engine._bodyCheck.TrySetResult();
            return engine;
        }
        catch
        {
            log.Dispose();
            if (spill) DeleteSpillDirectory(directory);
            throw;
        }
    }

    /// <summary>
    /// First start on a directory that holds beanstalkd 1.12 binlog files: import every live job
    /// into our log (the old files are only read). A beanstalkd still running there is refused.
    /// </summary>
    private static void ImportBeanstalkdBinlogs(DurableLog log, QueueCore core, LogJournal journal, QueueEngineOptions options)
    {
        if (!Directory.EnumerateFiles(log.Directory, "binlog.*").Any()) return;
        if (Migration.BeanstalkdBinlogReader.FindRunningBeanstalkd(log.Directory) is { } pid)
        {
            throw new LogLockedException($"{log.Directory}: beanstalkd (pid {pid}) still holds this directory; stop it before migrating", new IOException("locked"));
        }
        var import = Migration.BeanstalkdBinlogReader.Read(log.Directory, options.MaxJobSize);
        core.Refresh();
        long wallNow = core.WallClockMs;
        foreach (var job in import.Jobs) core.ImportJob(job, wallNow, journal);
        core.Ids.EnsureAbove(import.MaxJobId);
        // Make the imported records readable from the log files (bodies are not kept in memory).
        log.Log.Commit(spinWait: true);
        log.Sync();
        options.OnImported?.Invoke(import);
    }

    private static string CreateSpillDirectory()
    {
        RemoveAbandonedSpillDirectories();
        var dir = Path.Combine(Path.GetTempPath(), $"{SpillPrefix}{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    private const string SpillPrefix = "queueserver-spill-";

    /// <summary>
    /// Spill directories of servers that died without cleaning up (kill -9, OOM, power loss): a live
    /// server holds its directory's lock, so a directory whose lock can be taken is abandoned. Young
    /// directories are left alone (their server may not have taken the lock yet).
    /// </summary>
    internal static int RemoveAbandonedSpillDirectories()
    {
        int removed = 0;
        try
        {
            foreach (var dir in Directory.EnumerateDirectories(Path.GetTempPath(), SpillPrefix + "*"))
            {
                if (DateTime.UtcNow - Directory.GetLastWriteTimeUtc(dir) < TimeSpan.FromMinutes(1)) continue;
                try
                {
                    using (DirectoryLock.Acquire(dir))
                    {
                        foreach (var file in Directory.EnumerateFiles(dir)) File.Delete(file);
                    }
                    Directory.Delete(dir, recursive: true);
                    removed++;
                }
                catch (IOException)
                {
                    // In use by a live server, or already gone.
                }
                catch (UnauthorizedAccessException)
                {
                    // Another user's directory.
                }
            }
        }
        catch (IOException)
        {
            // The temp directory cannot be listed: nothing to clean.
        }
        return removed;
    }

    private static void DeleteSpillDirectory(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a spill log holds nothing that matters after exit.
        }
    }

    /// <summary>binlog-* stats over our segments (numbered from 1 like beanstalkd's binlog files).</summary>
    private sealed class BinlogStats(DurableLog log, LogJournal journal, Func<long> migrated) : IBinlogInfo
    {
        public long MaxSize => log.Format.SegmentSize;
        public long OldestIndex => log.SegmentOf(log.Log.BeginAddress) + 1;
        public long CurrentIndex => log.SegmentOf(log.Log.TailAddress) + 1;
        public long RecordsMigrated => migrated();
        public long RecordsWritten => journal.Appended;
        public long FileOf(long bodyRef) => log.SegmentOf(bodyRef) + 1;
    }
}
