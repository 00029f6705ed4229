using FASTER.core;

namespace Queue.Storage.Persistence;

/// <summary>
/// The job log of one data directory: FasterLog over <see cref="SegmentFileDevice"/> with
/// <see cref="SlotCommitManager"/>, guarded by a lock file and a format file. Opening never comes
/// up silently empty on a directory that holds a log: FASTER's swallowed-recovery path is not used
/// (TryRecoverLatest = false, explicit Recover), and segments without commit metadata are refused.
/// </summary>
internal sealed class DurableLog : IDisposable
{
    public const string SegmentPrefix = "log";
    public const string CommitFileName = "commit";

    private readonly DirectoryLock _lock;

    private DurableLog(string directory, LogFormat format, DirectoryLock dirLock, SegmentFileDevice device, SlotCommitManager commits, FasterLog log)
    {
        Directory = directory;
        Format = format;
        _lock = dirLock;
        Device = device;
        Commits = commits;
        Log = log;
    }

    public string Directory { get; }
    public LogFormat Format { get; }
    public SegmentFileDevice Device { get; }
    public SlotCommitManager Commits { get; }
    public FasterLog Log { get; }
    public int SegmentBits => System.Numerics.BitOperations.Log2((ulong)Format.SegmentSize);

    /// <summary>
    /// Opens (creating if empty) the log in <paramref name="directory"/>. Throws
    /// <see cref="LogLockedException"/> or <see cref="LogCorruptException"/> instead of guessing.
    /// </summary>
    /// <param name="directory">The data directory (-b).</param>
    /// <param name="wanted">Format for a new log; an existing log keeps its own.</param>
    /// <param name="memorySize">FasterLog's in-memory page buffer.</param>
    /// <param name="preallocate">Reserves a segment's disk space (test seam for a full disk); null: posix_fallocate.</param>
    public static DurableLog Open(string directory, LogFormat wanted, long memorySize, Func<string, long, bool>? preallocate = null)
    {
        if (!System.IO.Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: no such directory");
        var dirLock = DirectoryLock.Acquire(directory);
        SegmentFileDevice? device = null;
        SlotCommitManager? commits = null;
        FasterLog? log = null;
        try
        {
            var format = CheckFormat(directory, wanted, out bool createdNew);
            device = new SegmentFileDevice(Path.Combine(directory, SegmentPrefix), preallocate);
            commits = new SlotCommitManager(Path.Combine(directory, CommitFileName), format.PageSize, format.SegmentSize);
            bool hasSegments = device.ExistingSegments().Count > 0;
            bool hasCommits = commits.HasCommits;
            if (commits.OtherFormat is { } other)
            {
                throw new LogCorruptException(
                    $"{Path.Combine(directory, LogFormat.FileName)} says page size {format.PageSize} and segment size {format.SegmentSize}, " +
                    $"but the log was written with page size {other.PageSize} and segment size {other.SegmentSize}; refusing to read it with the wrong layout");
            }
            if (hasSegments && !hasCommits)
            {
                throw new LogCorruptException($"{directory}: log segments exist but the commit file is missing or unreadable; refusing to start empty over them");
            }
            var settings = new FasterLogSettings
            {
                LogDevice = device,
                LogCommitManager = commits,
                PageSize = format.PageSize,
                SegmentSize = format.SegmentSize,
                MemorySize = Math.Max(memorySize, 2 * format.PageSize),
                LogChecksum = LogChecksumType.None,
                TryRecoverLatest = false,
                AutoRefreshSafeTailAddress = false,
                AutoCommit = false,
                RemoveOutdatedCommits = false,
                TolerateDeviceFailure = false,
            };
            log = new FasterLog(settings);
            if (hasCommits)
            {
                try
                {
                    log.Recover();
                }
                catch (Exception ex)
                {
                    throw new LogCorruptException($"{directory}: the log cannot be recovered: {ex.Message}", ex);
                }
            }
            else
            {
                // A new log commits its empty state before any segment exists, so from now on
                // segments without a valid commit always mean damage (and a crash right after
                // creation, with preallocated but unwritten segments, is an empty log, not a refusal).
                log.CommitStrongly(out _, out _, spinWait: true);
                commits.Sync();
                DurableFile.SyncDirectory(directory);
            }
            var durable = new DurableLog(directory, format, dirLock, device, commits, log) { CreatedNew = createdNew };
            durable.CheckSegmentsPresent();
            return durable;
        }
        catch
        {
            log?.Dispose();
            device?.Dispose();
            commits?.Dispose();
            dirLock.Dispose();
            throw;
        }
    }

    /// <summary>True when this open created the log (the directory held no QueueServer log before).</summary>
    public bool CreatedNew { get; private set; }

    private static LogFormat CheckFormat(string directory, LogFormat wanted, out bool createdNew)
    {
        createdNew = false;
        var path = Path.Combine(directory, LogFormat.FileName);
        if (!File.Exists(path))
        {
            bool anyLog = System.IO.Directory.EnumerateFiles(directory, SegmentPrefix + ".*")
                              .Any(f => SegmentFileDevice.IsSegmentName(Path.GetFileName(f), SegmentPrefix + ".")) ||
                          File.Exists(Path.Combine(directory, CommitFileName));
            if (anyLog) throw new LogCorruptException($"{path} is missing although log files exist; refusing to guess the log's format");
            wanted.WriteTo(directory);
            createdNew = true;
            return wanted;
        }
        LogFormat found;
        try
        {
            found = LogFormat.Parse(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or OverflowException)
        {
            throw new LogCorruptException($"{path} is unreadable: {ex.Message}", ex);
        }
        if (found.Version != LogFormat.CurrentVersion) throw new LogCorruptException($"{path}: log format {found.Version} is not supported (this server writes {LogFormat.CurrentVersion})");
        // The directory keeps the page and segment size it was created with (-s only applies to new logs).
        return found;
    }

    /// <summary>Every segment between the begin and the tail must exist: a missing one means lost jobs.</summary>
    private void CheckSegmentsPresent()
    {
        if (Log.TailAddress <= Log.BeginAddress) return;
        int first = (int)(Log.BeginAddress >> SegmentBits);
        int last = (int)((Log.TailAddress - 1) >> SegmentBits);
        var present = new HashSet<int>(Device.ExistingSegments());
        for (int s = first; s <= last; s++)
        {
            if (!present.Contains(s)) throw new LogCorruptException($"{Device.SegmentPath(s)} is missing: the log between {Log.BeginAddress} and {Log.TailAddress} is incomplete");
        }
    }

    public int SegmentOf(long address) => (int)(address >> SegmentBits);

    public long SegmentStart(int segment) => (long)segment << SegmentBits;

    /// <summary>fsync of everything written so far: log segments, then the commit slots.</summary>
    public void Sync()
    {
        Device.Sync();
        Commits.Sync();
    }

    public void Dispose()
    {
        Log.Dispose();
        Device.Dispose();
        Commits.Dispose();
        _lock.Dispose();
    }
}
