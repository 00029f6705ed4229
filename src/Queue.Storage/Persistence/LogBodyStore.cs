using System.Buffers.Binary;
using Queue.Storage.Core;
using Queue.Storage.Model;

namespace Queue.Storage.Persistence;

/// <summary>
/// Job bodies for a logged engine: a body is kept in memory from put until it is deleted (the
/// memory cap may later evict it), and otherwise read back from its put record in the log, with
/// the record's CRC and job id checked (bodies of recovered jobs are loaded on first use).
/// </summary>
internal sealed class LogBodyStore : IBodyStore
{
    private const int ChunkBits = 12;
    private const int ChunkMask = (1 << ChunkBits) - 1;
    // Bodies by job slot, in chunks of 4096 references; a chunk whose bodies were all evicted is
    // given back (8 bytes per job would otherwise stay for every job that was ever cached).
    private byte[]?[]?[] _chunks = new byte[]?[16][];
    private int[] _chunkBodies = new int[16];
    private readonly DurableLog _log;
    private readonly Func<int, string> _tubeName;

    public LogBodyStore(DurableLog log, Func<int, string> tubeName)
    {
        _log = log;
        _tubeName = tubeName;
    }

    // Cached bodies in the order they were cached, and those already chosen for eviction (in the log,
    // waiting for the record to reach the file), with the bytes the latter hold.
    private readonly Queue<(int Slot, ulong Id)> _order = new();
    private readonly Queue<(int Slot, ulong Id, int Length)> _leaving = new();
    private long _leavingBytes;
    // Largest length each queue reached since it was last trimmed (their arrays never shrink by themselves).
    private int _orderPeak, _leavingPeak;
    private long _cachedBytes;
    private long _cachedBodies;

    /// <summary>Bytes of bodies held in memory.</summary>
    public long CachedBytes => _cachedBytes;

    /// <summary>Memory the cache may use; beyond it, the oldest bodies are dropped once they are in the log file.</summary>
    public long Budget { get; set; } = long.MaxValue;

    /// <summary>Bodies dropped from memory so far (they are read back from the log when needed).</summary>
    public long Evictions { get; private set; }

    /// <summary>Bodies written to the log only to leave memory (spill log, no -b).</summary>
    public long Spilled { get; private set; }

    /// <summary>
    /// Writes a body that is not in the log yet (<see cref="JobRecord.BodyRef"/> 0: a spill log
    /// writes bodies only when memory needs them gone); false when it cannot be written now.
    /// </summary>
    public SpillWriter? Spill { get; set; }

    public delegate bool SpillWriter(int slot, ref JobRecord job, byte[] bodyWithCrlf);

    public void Store(int slot, ref JobRecord job, byte[] bodyWithCrlf)
    {
        job.BodyLength = bodyWithCrlf.Length - 2;
        Cache(slot, job.Id, bodyWithCrlf);
    }

    public byte[] Load(int slot, ref JobRecord job)
    {
        var cached = Cached(slot);
        if (cached is not null) return cached;
        var body = ReadFromLog(ref job, _tubeName(job.Tube));
        Cache(slot, job.Id, body);
        return body;
    }

    public void Release(int slot, ref JobRecord job) => Drop(slot, evicting: false);

    private void Cache(int slot, ulong id, byte[] body)
    {
        Drop(slot, evicting: false);
        int c = slot >> ChunkBits;
        if (c >= _chunks.Length)
        {
            int n = Math.Max(c + 1, _chunks.Length * 2);
            Array.Resize(ref _chunks, n);
            Array.Resize(ref _chunkBodies, n);
        }
        (_chunks[c] ??= new byte[]?[1 << ChunkBits])[slot & ChunkMask] = body;
        _chunkBodies[c]++;
        _cachedBytes += body.Length;
        _cachedBodies++;
        if (Budget != long.MaxValue)
        {
            _order.Enqueue((slot, id));
            if (_order.Count > _orderPeak) _orderPeak = _order.Count;
        }
    }

    /// <summary>
    /// Forgets a cached body. Eviction (memory is short) also gives back a chunk left empty; a
    /// delete does not, so a queue that churns a few jobs never reallocates its chunk.
    /// </summary>
    private void Drop(int slot, bool evicting)
    {
        int c = slot >> ChunkBits;
        if (c >= _chunks.Length || _chunks[c] is not { } chunk) return;
        ref var cached = ref chunk[slot & ChunkMask];
        if (cached is null) return;
        _cachedBytes -= cached.Length;
        _cachedBodies--;
        cached = null;
        if (--_chunkBodies[c] == 0 && evicting) _chunks[c] = null;
    }

    private bool IsCurrent(JobTable jobs, int slot, ulong id)
    {
        if (Cached(slot) is null) return false;
        ref var job = ref jobs.Get(slot);
        return job.Id == id && job.State != JobState.Invalid;
    }

    /// <summary>
    /// Brings the cache back within <see cref="Budget"/>, oldest bodies first. A body leaves memory
    /// only once its record is in the log file (readable again with pread); a body not in the log
    /// yet is first written to it through <see cref="Spill"/>. Engine loop only.
    /// </summary>
    public void Trim(JobTable jobs)
    {
        long flushed = _log.Log.FlushedUntilAddress;
        while (_cachedBytes > Budget && _leaving.TryPeek(out var e))
        {
            if (!IsCurrent(jobs, e.Slot, e.Id))
            {
                _leaving.Dequeue(); // the job went away (or was cached again; its newer entry is in _order)
                _leavingBytes -= e.Length;
                continue;
            }
            ref var job = ref jobs.Get(e.Slot);
            if (job.BodyRef + job.BodyLength > flushed) break; // still only in FASTER's memory page
            Drop(e.Slot, evicting: true);
            _leaving.Dequeue();
            _leavingBytes -= e.Length;
            Evictions++;
        }
        if (_leaving.Count == 0) _leavingBytes = 0;
        long spilledBefore = Spilled;
        while (_cachedBytes - _leavingBytes > Budget && _order.TryPeek(out var e))
        {
            if (!IsCurrent(jobs, e.Slot, e.Id))
            {
                _order.Dequeue();
                continue;
            }
            ref var job = ref jobs.Get(e.Slot);
            var body = Cached(e.Slot)!;
            if (job.BodyRef == 0)
            {
                if (Spill is null || !Spill(e.Slot, ref job, body)) break; // disk full: keep it for now
                Spilled++;
            }
            _order.Dequeue();
            _leaving.Enqueue((e.Slot, e.Id, body.Length));
            _leavingBytes += body.Length;
            if (_leaving.Count > _leavingPeak) _leavingPeak = _leaving.Count;
        }
        // A spill log is never committed for durability; this pushes the spilled bodies to the file.
        if (Spilled != spilledBefore) _log.Log.Commit();
        // Stale entries pile up when nothing needs evicting; keep the queue proportional to the cache.
        if (_order.Count > 2 * _cachedBodies + 4096)
        {
            int n = _order.Count;
            for (int i = 0; i < n; i++)
            {
                var e = _order.Dequeue();
                if (IsCurrent(jobs, e.Slot, e.Id)) _order.Enqueue(e);
            }
        }
        // After a burst (or when pressure empties the cache) give the queues' arrays back.
        ShrinkAfterBurst(_order, ref _orderPeak);
        ShrinkAfterBurst(_leaving, ref _leavingPeak);
    }

    private static void ShrinkAfterBurst<T>(Queue<T> queue, ref int peak)
    {
        if (peak <= 16384 || queue.Count >= peak / 8) return;
        queue.TrimExcess();
        peak = queue.Count;
    }

    private byte[]? Cached(int slot)
    {
        int c = slot >> ChunkBits;
        return c < _chunks.Length && _chunks[c] is { } chunk ? chunk[slot & ChunkMask] : null;
    }

    /// <summary>Reads and checks a job's put record; returns the body followed by CRLF.</summary>
    public byte[] ReadFromLog(ref JobRecord job, string tube)
    {
        long recordStart = job.BodyRef - LogRecords.PutFixedSize - tube.Length;
        int headLength = LogRecords.PutFixedSize + tube.Length;
        bool chunked = LogRecords.PutSize(tube.Length, job.BodyLength, 0) > _log.Format.PageSize / 4 - LogRecords.EntryHeaderSize;
        int tableLength = chunked ? 4 + 8 * ChunkCount(job.BodyLength, tube.Length, out _) : 0;
        int recordLength = headLength + (chunked ? tableLength : job.BodyLength);
        var record = new byte[recordLength];
        ReadAt(recordStart, record);
        if (!LogRecords.TryValidate(record, out var type, out ulong id) || type != RecordType.Put || id != job.Id)
        {
            throw new LogCorruptException($"put record of job {job.Id} at {recordStart} failed its checksum");
        }
        var body = new byte[job.BodyLength + 2];
        if (!chunked)
        {
            record.AsSpan(headLength, job.BodyLength).CopyTo(body);
        }
        else
        {
            int count = BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(headLength));
            int offset = 0;
            for (int i = 0; i < count; i++)
            {
                long address = BinaryPrimitives.ReadInt64LittleEndian(record.AsSpan(headLength + 4 + 8 * i));
                int length = ReadChunk(address + LogRecords.EntryHeaderSize, job.Id, i, body.AsSpan(offset, job.BodyLength - offset));
                offset += length;
            }
            if (offset != job.BodyLength) throw new LogCorruptException($"body of job {job.Id} is incomplete in the log");
        }
        body[^2] = (byte)'\r';
        body[^1] = (byte)'\n';
        return body;
    }

    private int ChunkCount(int bodyLength, int tubeLength, out int chunkData)
    {
        chunkData = (int)(_log.Format.PageSize / 4) - LogRecords.EntryHeaderSize - LogRecords.ChunkHeaderSize;
        _ = tubeLength;
        return (bodyLength + chunkData - 1) / chunkData;
    }

    private int ReadChunk(long payloadAddress, ulong id, int index, Span<byte> destination)
    {
        var header = new byte[LogRecords.ChunkHeaderSize];
        ReadAt(payloadAddress, header);
        int length = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(20));
        if (length < 0 || length > destination.Length) throw new LogCorruptException($"chunk {index} of job {id} has a bad length");
        var record = new byte[LogRecords.ChunkHeaderSize + length];
        ReadAt(payloadAddress, record);
        if (!LogRecords.TryValidate(record, out var type, out ulong got) || type != RecordType.BodyChunk || got != id ||
            BinaryPrimitives.ReadInt32LittleEndian(record.AsSpan(16)) != index)
        {
            throw new LogCorruptException($"chunk {index} of job {id} failed its checksum");
        }
        LogRecords.ChunkData(record).CopyTo(destination);
        return length;
    }

    private void ReadAt(long address, Span<byte> destination)
    {
        int n = _log.Device.Read(_log.SegmentOf(address), address & (_log.Format.SegmentSize - 1), destination);
        if (n != destination.Length) throw new LogCorruptException($"log ends inside the record at {address}");
    }
}
