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
    private byte[]?[][] _chunks = new byte[]?[16][];
    private readonly DurableLog _log;
    private readonly Func<int, string> _tubeName;

    public LogBodyStore(DurableLog log, Func<int, string> tubeName)
    {
        _log = log;
        _tubeName = tubeName;
    }

    public void Store(int slot, ref JobRecord job, byte[] bodyWithCrlf)
    {
        Slot(slot) = bodyWithCrlf;
        job.BodyLength = bodyWithCrlf.Length - 2;
    }

    public byte[] Load(int slot, ref JobRecord job)
    {
        ref var cached = ref Slot(slot);
        return cached ??= ReadFromLog(ref job, _tubeName(job.Tube));
    }

    public void Release(int slot, ref JobRecord job) => Slot(slot) = null;

    /// <summary>Drops the in-memory copy (the log still has it).</summary>
    public void Evict(int slot) => Slot(slot) = null;

    private ref byte[]? Slot(int slot)
    {
        int c = slot >> ChunkBits;
        if (c >= _chunks.Length) Array.Resize(ref _chunks, Math.Max(c + 1, _chunks.Length * 2));
        return ref (_chunks[c] ??= new byte[]?[1 << ChunkBits])[slot & ((1 << ChunkBits) - 1)];
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
