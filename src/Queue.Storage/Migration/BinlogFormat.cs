using System.Buffers.Binary;

namespace Queue.Storage.Migration;

/// <summary>
/// The on-disk layout of beanstalkd's write-ahead log (x86-64, little-endian), versions 7 and 5.
/// A file is an int32 version followed by records; a record is a name length, the tube name
/// (full records only), a fixed job struct, and the body with its CRLF (full records only).
/// </summary>
internal static class BinlogFormat
{
    public const int Version7 = 7;
    public const int Version5 = 5;

    /// <summary>MAX_TUBE_NAME_LEN: a name length at or above this is corrupt.</summary>
    public const int MaxNameLengthExclusive = 201;

    /// <summary>Name length field: int32 in v7, size_t (uint64) in v5.</summary>
    public static int NameLengthSize(int version) => version == Version5 ? 8 : 4;

    /// <summary>Bytes of the job struct: sizeof(Jobrec) = 80 in v7, offsetof(Jobrec5, pad) = 77 in v5.</summary>
    public static int JobStructSize(int version) => version == Version5 ? 77 : 80;

    /// <summary>
    /// Decodes a job struct. Both versions share the field offsets; v7 stores nanoseconds, v5
    /// microseconds (converted to nanoseconds here, as beanstalkd does).
    /// </summary>
    public static JobStruct DecodeJob(ReadOnlySpan<byte> s, int version)
    {
        long scale = version == Version5 ? 1000 : 1;
        return new JobStruct
        {
            Id = BinaryPrimitives.ReadUInt64LittleEndian(s),
            Priority = BinaryPrimitives.ReadUInt32LittleEndian(s[8..]),
            DelayNs = BinaryPrimitives.ReadInt64LittleEndian(s[16..]) * scale,
            TtrNs = BinaryPrimitives.ReadInt64LittleEndian(s[24..]) * scale,
            BodySize = BinaryPrimitives.ReadInt32LittleEndian(s[32..]),
            CreatedAtNs = BinaryPrimitives.ReadInt64LittleEndian(s[40..]) * scale,
            DeadlineAtNs = BinaryPrimitives.ReadInt64LittleEndian(s[48..]) * scale,
            Reserves = BinaryPrimitives.ReadUInt32LittleEndian(s[56..]),
            Timeouts = BinaryPrimitives.ReadUInt32LittleEndian(s[60..]),
            Releases = BinaryPrimitives.ReadUInt32LittleEndian(s[64..]),
            Buries = BinaryPrimitives.ReadUInt32LittleEndian(s[68..]),
            Kicks = BinaryPrimitives.ReadUInt32LittleEndian(s[72..]),
            State = s[76],
        };
    }

    /// <summary>Reads the name length field (may be negative in a corrupt v7 file).</summary>
    public static long DecodeNameLength(ReadOnlySpan<byte> s, int version) =>
        version == Version5
            ? (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(s), long.MaxValue)
            : BinaryPrimitives.ReadInt32LittleEndian(s);
}

/// <summary>beanstalkd's Jobrec, with times in nanoseconds whatever the file version.</summary>
internal struct JobStruct
{
    public ulong Id;
    public uint Priority;
    public long DelayNs;
    public long TtrNs;
    /// <summary>Body length including the trailing CRLF.</summary>
    public int BodySize;
    public long CreatedAtNs;
    public long DeadlineAtNs;
    public uint Reserves;
    public uint Timeouts;
    public uint Releases;
    public uint Buries;
    public uint Kicks;
    /// <summary>0 invalid (deleted), 1 ready, 2 reserved, 3 buried, 4 delayed; anything else is corrupt.</summary>
    public byte State;
}
