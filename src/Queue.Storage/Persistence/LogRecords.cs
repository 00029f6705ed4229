using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Queue.Storage.Persistence;

/// <summary>Kinds of records in the job log.</summary>
internal enum RecordType : byte
{
    /// <summary>A whole job: metadata, tube and body (or its chunk table). Written by put and by compaction.</summary>
    Put = 1,
    /// <summary>A job's new state after bury, kick, kick-job or release.</summary>
    State = 2,
    Delete = 3,
    /// <summary>The highest job id handed out, so ids never go backwards even when the log empties.</summary>
    HighWater = 4,
    /// <summary>Part of a body too large for one log page; the Put record lists its chunks.</summary>
    BodyChunk = 5,
}

/// <summary>A decoded Put or State record (the fields that are not used by a kind stay default).</summary>
internal struct JobImage
{
    public ulong Id;
    public uint Priority;
    public JobState State;
    public string Tube;
    public long CreatedAtMs;
    /// <summary>Wall-clock Unix ms at which a delayed job becomes ready.</summary>
    public long ReadyAtMs;
    public uint DelaySeconds;
    public uint TtrSeconds;
    public uint Reserves, Timeouts, Releases, Buries, Kicks;
    public int BodyLength;
    public bool Chunked;
    /// <summary>Offset of the body (or chunk table) from the start of the record payload.</summary>
    public int BodyOffset;
}

/// <summary>
/// The log's record layout (little-endian). Every record starts with
/// [type u8][version u8][reserved u16][crc32 u32 of bytes 8..end][id u64]: our own CRC, because
/// FASTER's XOR checksum misses torn tails and is not checked on in-memory pages.
/// Changing a layout: bump <see cref="Version"/>, keep a reader for the old one.
/// </summary>
internal static class LogRecords
{
    public const byte Version = 1;
    public const int HeaderSize = 16;
    public const int PutFixedSize = HeaderSize + 56;  // through bodyLen
    public const int StateSize = HeaderSize + 40;
    public const int DeleteSize = HeaderSize;
    public const int HighWaterSize = HeaderSize;
    public const int ChunkHeaderSize = HeaderSize + 8;
    /// <summary>FasterLog's per-entry header (length) in front of every record.</summary>
    public const int EntryHeaderSize = 4;

    public static int PutSize(int tubeLength, int bodyLength, int chunkCount) =>
        PutFixedSize + tubeLength + (chunkCount > 0 ? 4 + 8 * chunkCount : bodyLength);

    /// <summary>Writes a Put record; returns its length. Body excludes the trailing CRLF.</summary>
    public static int WritePut(Span<byte> dst, in JobImage job, ReadOnlySpan<byte> body, ReadOnlySpan<long> chunkAddresses)
    {
        WriteHeader(dst, RecordType.Put, job.Id);
        BinaryPrimitives.WriteUInt32LittleEndian(dst[16..], job.Priority);
        dst[20] = (byte)job.State;
        int tubeLen = Encoding.ASCII.GetBytes(job.Tube, dst[PutFixedSize..]);
        dst[21] = (byte)tubeLen;
        BinaryPrimitives.WriteUInt16LittleEndian(dst[22..], (ushort)(chunkAddresses.Length > 0 ? 1 : 0));
        BinaryPrimitives.WriteInt64LittleEndian(dst[24..], job.CreatedAtMs);
        BinaryPrimitives.WriteInt64LittleEndian(dst[32..], job.ReadyAtMs);
        BinaryPrimitives.WriteUInt32LittleEndian(dst[40..], job.DelaySeconds);
        BinaryPrimitives.WriteUInt32LittleEndian(dst[44..], job.TtrSeconds);
        WriteCounters(dst[48..], job);
        BinaryPrimitives.WriteInt32LittleEndian(dst[68..], job.BodyLength);
        int pos = PutFixedSize + tubeLen;
        if (chunkAddresses.Length > 0)
        {
            BinaryPrimitives.WriteInt32LittleEndian(dst[pos..], chunkAddresses.Length);
            pos += 4;
            foreach (long a in chunkAddresses)
            {
                BinaryPrimitives.WriteInt64LittleEndian(dst[pos..], a);
                pos += 8;
            }
        }
        else
        {
            body.CopyTo(dst[pos..]);
            pos += body.Length;
        }
        Seal(dst[..pos]);
        return pos;
    }

    public static int WriteState(Span<byte> dst, in JobImage job)
    {
        WriteHeader(dst, RecordType.State, job.Id);
        BinaryPrimitives.WriteUInt32LittleEndian(dst[16..], job.Priority);
        dst[20] = (byte)job.State;
        dst[21] = dst[22] = dst[23] = 0;
        BinaryPrimitives.WriteInt64LittleEndian(dst[24..], job.ReadyAtMs);
        BinaryPrimitives.WriteUInt32LittleEndian(dst[32..], job.DelaySeconds);
        WriteCounters(dst[36..], job);
        Seal(dst[..StateSize]);
        return StateSize;
    }

    public static int WriteDelete(Span<byte> dst, ulong id)
    {
        WriteHeader(dst, RecordType.Delete, id);
        Seal(dst[..DeleteSize]);
        return DeleteSize;
    }

    public static int WriteHighWater(Span<byte> dst, ulong lastId) => WriteHighWater(dst, lastId, HighWaterSize);

    /// <summary>A high-water record padded with zeros to <paramref name="length"/> bytes (a filler that is still a valid record).</summary>
    public static int WriteHighWater(Span<byte> dst, ulong lastId, int length)
    {
        WriteHeader(dst, RecordType.HighWater, lastId);
        dst[HeaderSize..length].Clear();
        Seal(dst[..length]);
        return length;
    }

    public static int WriteChunk(Span<byte> dst, ulong id, int index, ReadOnlySpan<byte> data)
    {
        WriteHeader(dst, RecordType.BodyChunk, id);
        BinaryPrimitives.WriteInt32LittleEndian(dst[16..], index);
        BinaryPrimitives.WriteInt32LittleEndian(dst[20..], data.Length);
        data.CopyTo(dst[ChunkHeaderSize..]);
        Seal(dst[..(ChunkHeaderSize + data.Length)]);
        return ChunkHeaderSize + data.Length;
    }

    /// <summary>Checks the CRC and basic framing; false means a torn or corrupt record.</summary>
    public static bool TryValidate(ReadOnlySpan<byte> record, out RecordType type, out ulong id)
    {
        type = 0;
        id = 0;
        if (record.Length < HeaderSize || record[1] != Version) return false;
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(record[4..]);
        if (Crc32.HashToUInt32(record[8..]) != stored) return false;
        type = (RecordType)record[0];
        id = BinaryPrimitives.ReadUInt64LittleEndian(record[8..]);
        return type is >= RecordType.Put and <= RecordType.BodyChunk;
    }

    /// <summary>Decodes a validated Put record.</summary>
    /// <summary>Turns tube-name bytes into a string, ideally without allocating (recovery reuses names).</summary>
    public delegate string NameReader(ReadOnlySpan<byte> name);

    public static JobImage ReadPut(ReadOnlySpan<byte> r, NameReader? names = null)
    {
        var job = new JobImage
        {
            Id = BinaryPrimitives.ReadUInt64LittleEndian(r[8..]),
            Priority = BinaryPrimitives.ReadUInt32LittleEndian(r[16..]),
            State = (JobState)r[20],
            Chunked = (BinaryPrimitives.ReadUInt16LittleEndian(r[22..]) & 1) != 0,
            CreatedAtMs = BinaryPrimitives.ReadInt64LittleEndian(r[24..]),
            ReadyAtMs = BinaryPrimitives.ReadInt64LittleEndian(r[32..]),
            DelaySeconds = BinaryPrimitives.ReadUInt32LittleEndian(r[40..]),
            TtrSeconds = BinaryPrimitives.ReadUInt32LittleEndian(r[44..]),
            BodyLength = BinaryPrimitives.ReadInt32LittleEndian(r[68..]),
        };
        ReadCounters(r[48..], ref job);
        int tubeLen = r[21];
        var nameBytes = r.Slice(PutFixedSize, tubeLen);
        job.Tube = names is null ? Encoding.ASCII.GetString(nameBytes) : names(nameBytes);
        job.BodyOffset = PutFixedSize + tubeLen;
        return job;
    }

    /// <summary>Decodes a validated State record into the fields it carries.</summary>
    public static void ReadState(ReadOnlySpan<byte> r, ref JobImage job)
    {
        job.Priority = BinaryPrimitives.ReadUInt32LittleEndian(r[16..]);
        job.State = (JobState)r[20];
        job.ReadyAtMs = BinaryPrimitives.ReadInt64LittleEndian(r[24..]);
        job.DelaySeconds = BinaryPrimitives.ReadUInt32LittleEndian(r[32..]);
        ReadCounters(r[36..], ref job);
    }

    public static ReadOnlySpan<byte> ChunkData(ReadOnlySpan<byte> r) =>
        r.Slice(ChunkHeaderSize, BinaryPrimitives.ReadInt32LittleEndian(r[20..]));

    private static void WriteHeader(Span<byte> dst, RecordType type, ulong id)
    {
        dst[0] = (byte)type;
        dst[1] = Version;
        dst[2] = dst[3] = 0;
        BinaryPrimitives.WriteUInt64LittleEndian(dst[8..], id);
    }

    private static void Seal(Span<byte> record) =>
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], Crc32.HashToUInt32(record[8..]));

    private static void WriteCounters(Span<byte> dst, in JobImage job)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(dst, job.Reserves);
        BinaryPrimitives.WriteUInt32LittleEndian(dst[4..], job.Timeouts);
        BinaryPrimitives.WriteUInt32LittleEndian(dst[8..], job.Releases);
        BinaryPrimitives.WriteUInt32LittleEndian(dst[12..], job.Buries);
        BinaryPrimitives.WriteUInt32LittleEndian(dst[16..], job.Kicks);
    }

    private static void ReadCounters(ReadOnlySpan<byte> src, ref JobImage job)
    {
        job.Reserves = BinaryPrimitives.ReadUInt32LittleEndian(src);
        job.Timeouts = BinaryPrimitives.ReadUInt32LittleEndian(src[4..]);
        job.Releases = BinaryPrimitives.ReadUInt32LittleEndian(src[8..]);
        job.Buries = BinaryPrimitives.ReadUInt32LittleEndian(src[12..]);
        job.Kicks = BinaryPrimitives.ReadUInt32LittleEndian(src[16..]);
    }
}
