using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Queue.Storage.Persistence;

/// <summary>
/// Reads a checkpoint file front to back in 1 MiB pieces, handing each job to the caller as it
/// is decoded (no array of a million jobs, no second copy of the file in memory). The CRC is
/// checked at the end; a mismatch throws after the jobs were handed out, so the caller must treat
/// that as fatal (start-up aborts).
/// </summary>
internal sealed class CheckpointStream : IDisposable
{
    private const int JobSize = 81;
    private readonly FileStream _file;
    private readonly Crc32 _crc = new();
    private readonly byte[] _buffer = new byte[1 << 20];
    private readonly string _path;
    private int _start;
    private int _end;
    private long _remainingPayload;

    public delegate void JobSink(in CheckpointJob job);

    private CheckpointStream(string path, FileStream file)
    {
        _path = path;
        _file = file;
        _remainingPayload = file.Length - 4;
    }

    public long Address { get; private set; }
    public ulong LastId { get; private set; }
    public long WrittenAtMs { get; private set; }
    public string[] Tubes { get; private set; } = [];
    public long JobCount { get; private set; }

    /// <summary>Opens and reads the header and tube names, or returns null when there is no checkpoint.</summary>
    public static CheckpointStream? Open(string directory)
    {
        var path = Path.Combine(directory, Checkpoint.FileName);
        if (!File.Exists(path)) return null;
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        var s = new CheckpointStream(path, file);
        try
        {
            s.ReadHeader();
            return s;
        }
        catch
        {
            s.Dispose();
            throw;
        }
    }

    private void ReadHeader()
    {
        if (_file.Length < 48) throw new LogCorruptException($"{_path}: not a checkpoint file");
        var head = Take(8);
        if (!head.SequenceEqual("QSCKPT01"u8)) throw new LogCorruptException($"{_path}: not a checkpoint file");
        Address = BinaryPrimitives.ReadInt64LittleEndian(Take(8));
        LastId = BinaryPrimitives.ReadUInt64LittleEndian(Take(8));
        WrittenAtMs = BinaryPrimitives.ReadInt64LittleEndian(Take(8));
        int tubeCount = BinaryPrimitives.ReadInt32LittleEndian(Take(4));
        if (tubeCount < 0 || tubeCount > 10_000_000) throw new LogCorruptException($"{_path}: damaged header");
        var tubes = new string[tubeCount];
        for (int i = 0; i < tubeCount; i++)
        {
            int len = Take(1)[0];
            tubes[i] = Encoding.ASCII.GetString(Take(len));
        }
        Tubes = tubes;
        JobCount = BinaryPrimitives.ReadInt64LittleEndian(Take(8));
        if (JobCount < 0 || JobCount * JobSize > _remainingPayload + (_end - _start)) throw new LogCorruptException($"{_path}: damaged header");
    }

    /// <summary>Decodes every job into <paramref name="sink"/>, then checks the file's CRC.</summary>
    public void ReadJobs(JobSink sink)
    {
        for (long i = 0; i < JobCount; i++)
        {
            var d = Take(JobSize);
            var job = Checkpoint.Decode(d);
            if ((uint)job.Tube >= (uint)Tubes.Length) throw new LogCorruptException($"{_path}: damaged job entry {i}");
            sink(in job);
        }
        if (_end != _start || _remainingPayload != 0) throw new LogCorruptException($"{_path}: trailing bytes after the jobs");
        Span<byte> stored = stackalloc byte[4];
        _file.ReadExactly(stored);
        if (_crc.GetCurrentHashAsUInt32() != BinaryPrimitives.ReadUInt32LittleEndian(stored)) throw new LogCorruptException($"{_path}: checksum mismatch");
    }

    /// <summary>The next <paramref name="n"/> payload bytes (counted into the CRC).</summary>
    private ReadOnlySpan<byte> Take(int n)
    {
        if (_end - _start < n) Refill(n);
        var span = _buffer.AsSpan(_start, n);
        _start += n;
        return span;
    }

    private void Refill(int need)
    {
        int left = _end - _start;
        Array.Copy(_buffer, _start, _buffer, 0, left);
        _start = 0;
        _end = left;
        while (_end < need)
        {
            int want = (int)Math.Min(_buffer.Length - _end, _remainingPayload);
            if (want <= 0) throw new LogCorruptException($"{_path}: truncated");
            int n = _file.Read(_buffer, _end, want);
            if (n <= 0) throw new LogCorruptException($"{_path}: truncated");
            _crc.Append(_buffer.AsSpan(_end, n));
            _end += n;
            _remainingPayload -= n;
        }
    }

    public void Dispose() => _file.Dispose();
}
