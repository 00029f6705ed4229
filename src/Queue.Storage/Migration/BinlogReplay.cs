using System.Buffers.Binary;
using System.Text;
using Queue.Storage.Model;

namespace Queue.Storage.Migration;

/// <summary>
/// The replay state of one import: the live jobs seen so far, the highest id, and warnings.
/// Mirrors beanstalkd 1.12 readrec() record by record (see <see cref="BeanstalkdBinlogReader"/>).
/// </summary>
internal sealed class BinlogReplay(long maxJobSize)
{
    private const long NsPerMs = 1_000_000;
    private const long NsPerSecond = 1_000_000_000;

    private readonly Dictionary<ulong, Entry> _jobs = [];
    private readonly List<string> _warnings = [];
    private readonly List<string> _files = [];
    private readonly HashSet<string> _badTubeNames = new(StringComparer.Ordinal);
    private ulong _maxId;
    private bool _anyFileError;

    private sealed class Entry(string tube, byte[] body)
    {
        public string Tube { get; } = tube;
        public byte[] Body { get; set; } = body;
        public JobStruct Record;
    }

    /// <summary>Outcome of one record: keep reading the file, or stop (end or error).</summary>
    private enum Next { Continue, Stop }

    public void Warn(string message) => _warnings.Add(message);

    public void ReadFile(string path)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read,
                FileShare.ReadWrite | FileShare.Delete, 1 << 16, FileOptions.SequentialScan);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Warn($"{path}: cannot open ({ex.Message}); skipped");
            return;
        }

        using (stream)
        {
            _files.Add(path);
            try
            {
                Span<byte> header = stackalloc byte[4];
                int got = ReadUpTo(stream, header);
                if (got != header.Length)
                {
                    FileError(path, 0, $"unexpected EOF reading the version ({got} of 4 bytes)");
                    return;
                }
                int version = BinaryPrimitives.ReadInt32LittleEndian(header);
                if (version is not (BinlogFormat.Version7 or BinlogFormat.Version5))
                {
                    FileError(path, 0, $"unknown version: {version}");
                    return;
                }
                long length = stream.Length;
                while (ReadRecord(stream, length, path, version) == Next.Continue)
                {
                }
            }
            catch (IOException ex)
            {
                FileError(path, stream.CanSeek ? stream.Position : 0, $"read error: {ex.Message}");
            }
        }
    }

    private Next ReadRecord(FileStream stream, long length, string path, int version)
    {
        long start = stream.Position;

        Span<byte> lengthField = stackalloc byte[BinlogFormat.NameLengthSize(version)];
        int got = ReadUpTo(stream, lengthField);
        if (got == 0) return Next.Stop;
        if (got != lengthField.Length)
        {
            if (IsZero(lengthField[..got])) return Next.Stop; // a few bytes of padding

            return FileError(path, start, $"unexpected EOF reading the name length ({got} of {lengthField.Length} bytes)");
        }
        long nameLength = BinlogFormat.DecodeNameLength(lengthField, version);
        if (nameLength < 0)
        {
            return FileError(path, start, $"namelen {nameLength} is negative");
        }
        if (nameLength >= BinlogFormat.MaxNameLengthExclusive)
        {
            return FileError(path, start, $"namelen {nameLength} exceeds maximum of {BinlogFormat.MaxNameLengthExclusive - 1}");
        }

        string? tube = null;
        if (nameLength > 0)
        {
            Span<byte> name = stackalloc byte[(int)nameLength];
            got = ReadUpTo(stream, name);
            if (got != name.Length)
            {
                return FileError(path, start, $"unexpected EOF reading {name.Length} bytes (got {got}): tube name");
            }
            tube = Encoding.Latin1.GetString(name);
        }

        Span<byte> jobBytes = stackalloc byte[BinlogFormat.JobStructSize(version)];
        got = ReadUpTo(stream, jobBytes);
        if (got != jobBytes.Length)
        {
            // Less than a record of zero padding left at the end of a preallocated file.
            if (tube is null && IsZero(jobBytes[..got])) return Next.Stop;

            return FileError(path, start, $"unexpected EOF reading {jobBytes.Length} bytes (got {got}): job struct");
        }
        JobStruct rec = BinlogFormat.DecodeJob(jobBytes, version);

        // Zero padding: the preallocated, never written tail of the file.
        if (rec.Id == 0) return Next.Stop;
        if (rec.Id > _maxId) _maxId = rec.Id;

        _jobs.TryGetValue(rec.Id, out Entry? job);
        if (job is null && tube is null)
        {
            // A short record whose full record was in a file beanstalkd has already collected:
            // that job was deleted or migrated since, so the record says nothing.
            return Next.Continue;
        }

        switch ((JobState)rec.State)
        {
            case JobState.Reserved:
            case JobState.Ready:
            case JobState.Buried:
            case JobState.Delayed:
                if (rec.State == (byte)JobState.Reserved) rec.State = (byte)JobState.Ready;
                return tube is null ? ApplyShort(job!, rec) : ApplyFull(stream, length, path, start, job, tube, rec);

            case JobState.Invalid:
                _jobs.Remove(rec.Id);
                return Next.Continue;

            default:
                _jobs.Remove(rec.Id);
                return FileError(path, start, $"job {rec.Id} has invalid state {rec.State}");
        }
    }

    private static Next ApplyShort(Entry job, JobStruct rec)
    {
        rec.BodySize = job.Record.BodySize; // the body does not change; keep the size it has
        job.Record = rec;
        return Next.Continue;
    }

    private Next ApplyFull(FileStream stream, long length, string path, long start, Entry? job, string tube, JobStruct rec)
    {
        if (job is null)
        {
            if (rec.BodySize < 2)
            {
                return FileError(path, start, $"job {rec.Id} has an invalid body size ({rec.BodySize})");
            }
            if (rec.BodySize - 2L > maxJobSize)
            {
                return FileError(path, start, $"job {rec.Id} is too big ({rec.BodySize - 2} > {maxJobSize})");
            }
            if (!TubeNames.IsValid(tube) && _badTubeNames.Add(tube))
            {
                Warn($"{path}:{start}: job {rec.Id}: tube name \"{tube}\" is not valid in beanstalkd 1.12; imported as is");
            }
        }
        else if (rec.BodySize != job.Record.BodySize)
        {
            _jobs.Remove(rec.Id);
            return FileError(path, start, $"job {rec.Id} size changed (was {job.Record.BodySize}, now {rec.BodySize})");
        }

        long remaining = length - stream.Position;
        if (remaining < rec.BodySize)
        {
            // As in beanstalkd, a job whose full record is cut short is dropped, even if an
            // earlier file held it. (Checked first so a corrupt size allocates nothing.)
            _jobs.Remove(rec.Id);
            return FileError(path, start, $"unexpected EOF reading {rec.BodySize} bytes (got {remaining}): job {rec.Id} body");
        }
        byte[] body = new byte[rec.BodySize - 2];
        Span<byte> crlf = stackalloc byte[2];
        int got = ReadUpTo(stream, body);
        if (got == body.Length) got += ReadUpTo(stream, crlf);
        if (got != rec.BodySize)
        {
            _jobs.Remove(rec.Id);
            return FileError(path, start, $"unexpected EOF reading {rec.BodySize} bytes (got {got}): job {rec.Id} body");
        }
        if (crlf[0] != '\r' || crlf[1] != '\n')
        {
            Warn($"{path}:{start}: job {rec.Id}: body does not end with CRLF; imported without its last two bytes");
        }

        if (job is null)
        {
            job = new Entry(tube, body);
            _jobs.Add(rec.Id, job);
        }
        else
        {
            job.Body = body;
        }
        job.Record = rec;
        return Next.Continue;
    }

    private Next FileError(string path, long offset, string message)
    {
        _anyFileError = true;
        Warn($"{path}:{offset}: {message}; rest of the file ignored");
        return Next.Stop;
    }

    public BinlogImport Finish()
    {
        if (_anyFileError)
        {
            Warn("Errors reading one or more WAL files. Continuing. You may be missing data.");
        }
        var jobs = new List<ImportedJob>(_jobs.Count);
        foreach (var (id, e) in _jobs)
        {
            JobStruct r = e.Record;
            var state = (JobState)r.State;
            jobs.Add(new ImportedJob
            {
                Id = id,
                Tube = e.Tube,
                Priority = r.Priority,
                State = state,
                DelaySeconds = NsToSeconds(r.DelayNs),
                TtrSeconds = NsToSeconds(r.TtrNs),
                CreatedAtUnixMs = r.CreatedAtNs / NsPerMs,
                ReadyAtUnixMs = state == JobState.Delayed ? r.DeadlineAtNs / NsPerMs : 0,
                Reserves = r.Reserves,
                Timeouts = r.Timeouts,
                Releases = r.Releases,
                Buries = r.Buries,
                Kicks = r.Kicks,
                Body = e.Body,
            });
        }
        jobs.Sort((a, b) => a.Id.CompareTo(b.Id));
        return new BinlogImport { Jobs = jobs, MaxJobId = _maxId, Warnings = _warnings, Files = _files };
    }

    private static uint NsToSeconds(long ns) =>
        ns <= 0 ? 0 : (uint)Math.Min(ns / NsPerSecond, uint.MaxValue);

    private static bool IsZero(ReadOnlySpan<byte> bytes) => !bytes.ContainsAnyExcept((byte)0);

    private static int ReadUpTo(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0) break;
            total += n;
        }
        return total;
    }
}
