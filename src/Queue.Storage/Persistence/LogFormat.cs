using System.Globalization;
using System.Text;

namespace Queue.Storage.Persistence;

/// <summary>
/// The settings a log directory was created with (DIR/format). FasterLog does not record its page
/// size, segment size or checksum mode; reopening with other values reads garbage, so they are
/// written once and checked on every start.
/// </summary>
internal sealed record LogFormat(int Version, long PageSize, long SegmentSize)
{
    public const int CurrentVersion = 1;
    public const string FileName = "format";

    public string Serialize() =>
        string.Create(CultureInfo.InvariantCulture, $"queueserver-log-format {Version}\npage-size {PageSize}\nsegment-size {SegmentSize}\nchecksum crc32-per-record\n");

    public static LogFormat Parse(string text)
    {
        int version = -1;
        long page = -1, segment = -1;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = line.Split(' ', 2);
            if (parts.Length != 2) continue;
            switch (parts[0])
            {
                case "queueserver-log-format": version = int.Parse(parts[1], CultureInfo.InvariantCulture); break;
                case "page-size": page = long.Parse(parts[1], CultureInfo.InvariantCulture); break;
                case "segment-size": segment = long.Parse(parts[1], CultureInfo.InvariantCulture); break;
            }
        }
        if (version < 0 || page <= 0 || segment <= 0) throw new InvalidDataException("unreadable format file");
        return new LogFormat(version, page, segment);
    }

    /// <summary>Writes the file durably (tmp + fsync + rename + fsync directory).</summary>
    public void WriteTo(string directory) => DurableFile.WriteAtomically(Path.Combine(directory, FileName), Encoding.ASCII.GetBytes(Serialize()));
}

/// <summary>Crash-safe whole-file replacement.</summary>
internal static class DurableFile
{
    public static void WriteAtomically(string path, byte[] content) => WriteAtomically(path, file => file.Write(content));

    /// <summary>
    /// Writes <paramref name="path"/> through <paramref name="write"/> into a temporary file, fsyncs
    /// it, renames it over the old one and fsyncs the directory. An I/O error removes the temporary
    /// file (on a full disk it would hold on to space that is needed back) and is rethrown.
    /// </summary>
    public static void WriteAtomically(string path, Action<FileStream> write)
    {
        var tmp = path + ".tmp";
        try
        {
            using (var file = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                write(file);
                file.Flush(flushToDisk: true);
            }
            File.Move(tmp, path, overwrite: true);
        }
        catch (IOException)
        {
            try
            {
                File.Delete(tmp);
            }
            catch (IOException)
            {
            }
            throw;
        }
        SyncDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
    }

    /// <summary>fsync on a directory makes a rename or a new file name durable.</summary>
    public static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux()) return;
        int fd = Native.Open(directory, Native.ORdonly | Native.ODirectory);
        if (fd < 0) return;
        Native.Fsync(fd);
        Native.Close(fd);
    }
}
