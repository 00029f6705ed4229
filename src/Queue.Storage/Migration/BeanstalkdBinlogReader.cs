using System.Globalization;

namespace Queue.Storage.Migration;

/// <summary>
/// Imports the jobs held in a beanstalkd 1.12 binlog directory (<c>beanstalkd -b DIR</c>), so a
/// server started on that directory can carry on where beanstalkd stopped.
/// </summary>
/// <remarks>
/// Replays the files the way beanstalkd 1.12 recovery does (walread/fileread/readrec): files
/// <c>binlog.N</c> from the lowest to the highest N; a full record creates or refreshes a job,
/// a short record replaces its state, priority, delay, deadline and counters, state 0 deletes
/// it, a short record for an unknown id is ignored (its full record was in a collected file),
/// and a reserved job comes back ready. A truncated or corrupt record ends its file with a
/// warning and replay continues with the next file. The files are opened read-only and never
/// changed, so beanstalkd itself can still be started on the directory afterwards.
/// <para>Deliberate differences from beanstalkd 1.12, all on damaged or unusual input:</para>
/// <list type="bullet">
/// <item>The size limit is applied to the body without its CRLF (beanstalkd compares the size
/// including CRLF with <c>-z</c>, so it drops a job of exactly the maximum size).</item>
/// <item>A full record whose body size differs from the job's earlier one is treated as
/// corrupt (beanstalkd meant to, but its check compares the value with itself).</item>
/// <item>A partial name-length field holding non-zero bytes and a body without its trailing
/// CRLF are reported as warnings (beanstalkd is silent); less than a record's worth of zero
/// padding at the end of a file is not (beanstalkd warns about a short job struct).</item>
/// <item>Counters are returned as logged. (beanstalkd's own restart puts buried jobs back
/// through bury_job(), which adds one to <c>buries</c> on every restart.)</item>
/// <item>Gaps in the file numbers are reported as one warning per gap, not one per file.</item>
/// </list>
/// </remarks>
public static class BeanstalkdBinlogReader
{
    private const string FilePrefix = "binlog.";

    /// <summary>
    /// Reads every <c>binlog.N</c> file in <paramref name="directory"/>.
    /// </summary>
    /// <param name="directory">The beanstalkd <c>-b</c> directory.</param>
    /// <param name="maxJobSize">Largest body (bytes, without CRLF) to accept; a larger job ends
    /// its file with a warning, as beanstalkd does when restarted with a smaller <c>-z</c>.</param>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    public static BinlogImport Read(string directory, long maxJobSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfNegative(maxJobSize);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"binlog directory not found: {directory}");
        }

        var replay = new BinlogReplay(maxJobSize);
        if (FindRunningBeanstalkd(directory) is int pid)
        {
            replay.Warn($"{Path.Combine(directory, "lock")}: locked by process {pid}: beanstalkd still runs on this " +
                        "directory, so the import may miss its latest writes (stop it first)");
        }
        int? previous = null;
        foreach (int n in ScanDirectory(directory, replay))
        {
            if (previous is int p && n > p + 1)
            {
                replay.Warn(n == p + 2
                    ? $"{Path.Combine(directory, FilePrefix + (p + 1).ToString(CultureInfo.InvariantCulture))}: missing; skipped"
                    : $"{Path.Combine(directory, FilePrefix)}{p + 1}..{n - 1}: missing; skipped");
            }
            replay.ReadFile(Path.Combine(directory, FilePrefix + n.ToString(CultureInfo.InvariantCulture)));
            previous = n;
        }
        return replay.Finish();
    }

    /// <summary>
    /// PID of a beanstalkd that still runs on <paramref name="directory"/> (it holds an fcntl
    /// lock on <c>DIR/lock</c>), or null. Importing while it runs gives a snapshot that may
    /// miss its latest writes; a caller may refuse to start instead.
    /// </summary>
    public static int? FindRunningBeanstalkd(string directory) => BeanstalkdLock.FindHolder(directory);

    /// <summary>File numbers of <c>binlog.&lt;digits&gt;</c> entries, ascending.</summary>
    private static List<int> ScanDirectory(string directory, BinlogReplay replay)
    {
        var numbers = new List<int>();
        foreach (string path in Directory.EnumerateFileSystemEntries(directory, FilePrefix + "*"))
        {
            string suffix = Path.GetFileName(path)[FilePrefix.Length..];
            if (suffix.Length == 0 || !suffix.All(char.IsAsciiDigit)) continue;
            if (int.TryParse(suffix, NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            {
                numbers.Add(n);
            }
            else
            {
                replay.Warn($"{path}: file number out of range; skipped");
            }
        }
        numbers.Sort();
        return numbers;
    }
}
