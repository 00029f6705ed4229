using System.Buffers.Binary;
using System.IO.Hashing;
using System.Text;

namespace Queue.Storage.Persistence;

/// <summary>One live job as stored in a checkpoint (metadata and where its body is; never the body).</summary>
internal struct CheckpointJob
{
    public ulong Id;
    public int Tube;
    public uint Priority;
    public JobState State;
    public uint DelaySeconds;
    public uint TtrSeconds;
    public long CreatedAtMs;
    public long ReadyAtMs;
    public uint Reserves, Timeouts, Releases, Buries, Kicks;
    public long BodyRef;
    public int BodyLength;
    /// <summary>First chunk's address for chunked bodies, else -1.</summary>
    public long ChunkedHome;
}

/// <summary>
/// The job index at one log address (DIR/index.ckpt): restart loads it and replays only the log
/// after <see cref="Address"/>, so recovery time follows the live jobs, not the log's history.
/// Layout: "QSCKPT01", address, last id, wall time, tubes, jobs (fixed 81 bytes each), CRC32.
/// Buried jobs come first, in each tube's FIFO order, so the order survives a restart.
/// </summary>
internal sealed class Checkpoint
{
    public const string FileName = "index.ckpt";
    /// <summary>Disk space held for the next checkpoint (see <see cref="LogJournal"/>).</summary>
    public const string SpareFileName = "index.ckpt.spare";
    private static ReadOnlySpan<byte> Magic => "QSCKPT01"u8;
    private const int JobSize = 81;

    public long Address { get; init; }
    public ulong LastId { get; init; }
    public long WrittenAtMs { get; init; }
    public required string[] Tubes { get; init; }
    public required CheckpointJob[] Jobs { get; init; }

    /// <summary>Generous size of a checkpoint of <paramref name="jobs"/> jobs (tube names estimated).</summary>
    public static long SpaceFor(long jobs) => (64 << 10) + jobs * (JobSize + 8);

    public void WriteTo(string directory)
    {
        int i = 0;
        bool Next(out CheckpointJob job)
        {
            job = i < Jobs.Length ? Jobs[i] : default;
            return i++ < Jobs.Length;
        }
        Write(directory, Address, LastId, WrittenAtMs, Tubes, Jobs.Length, Next);
    }

    /// <summary>Hands out a checkpoint's jobs in file order; false after the last.</summary>
    public delegate bool JobCursor(out CheckpointJob job);

    /// <summary>
    /// Writes a checkpoint file (atomically: a temporary file, fsync, rename, directory fsync),
    /// streaming the jobs through a small buffer so that no copy of the whole file is ever in memory.
    /// </summary>
    public static void Write(string directory, long address, ulong lastId, long writtenAtMs, string[] tubes, long jobCount, JobCursor next)
    {
        var buf = System.Buffers.ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            DurableFile.WriteAtomically(Path.Combine(directory, FileName), file =>
            {
                var crc = new Crc32();
                int p = 0;
                void Spill()
                {
                    crc.Append(buf.AsSpan(0, p));
                    file.Write(buf, 0, p);
                    p = 0;
                }
                Magic.CopyTo(buf);
                p = 8;
                BinaryPrimitives.WriteInt64LittleEndian(buf.AsSpan(p), address); p += 8;
                BinaryPrimitives.WriteUInt64LittleEndian(buf.AsSpan(p), lastId); p += 8;
                BinaryPrimitives.WriteInt64LittleEndian(buf.AsSpan(p), writtenAtMs); p += 8;
                BinaryPrimitives.WriteInt32LittleEndian(buf.AsSpan(p), tubes.Length); p += 4;
                foreach (var t in tubes)
                {
                    if (buf.Length - p < 1 + t.Length) Spill();
                    buf[p++] = (byte)t.Length;
                    p += Encoding.ASCII.GetBytes(t, buf.AsSpan(p));
                }
                if (buf.Length - p < 8) Spill();
                BinaryPrimitives.WriteInt64LittleEndian(buf.AsSpan(p), jobCount); p += 8;
                long written = 0;
                while (next(out var j))
                {
                    if (buf.Length - p < JobSize) Spill();
                    Encode(j, buf.AsSpan(p, JobSize));
                    p += JobSize;
                    written++;
                }
                if (written != jobCount) throw new InvalidOperationException($"checkpoint has {written} jobs, its header says {jobCount}");
                Spill();
                Span<byte> tail = stackalloc byte[4];
                BinaryPrimitives.WriteUInt32LittleEndian(tail, crc.GetCurrentHashAsUInt32());
                file.Write(tail);
            });
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(buf);
        }
    }

    private static void Encode(in CheckpointJob j, Span<byte> d)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(d, j.Id);
        BinaryPrimitives.WriteInt32LittleEndian(d[8..], j.Tube);
        BinaryPrimitives.WriteUInt32LittleEndian(d[12..], j.Priority);
        d[16] = (byte)j.State;
        BinaryPrimitives.WriteUInt32LittleEndian(d[17..], j.DelaySeconds);
        BinaryPrimitives.WriteUInt32LittleEndian(d[21..], j.TtrSeconds);
        BinaryPrimitives.WriteInt64LittleEndian(d[25..], j.CreatedAtMs);
        BinaryPrimitives.WriteInt64LittleEndian(d[33..], j.ReadyAtMs);
        BinaryPrimitives.WriteUInt32LittleEndian(d[41..], j.Reserves);
        BinaryPrimitives.WriteUInt32LittleEndian(d[45..], j.Timeouts);
        BinaryPrimitives.WriteUInt32LittleEndian(d[49..], j.Releases);
        BinaryPrimitives.WriteUInt32LittleEndian(d[53..], j.Buries);
        BinaryPrimitives.WriteUInt32LittleEndian(d[57..], j.Kicks);
        BinaryPrimitives.WriteInt64LittleEndian(d[61..], j.BodyRef);
        BinaryPrimitives.WriteInt32LittleEndian(d[69..], j.BodyLength);
        BinaryPrimitives.WriteInt64LittleEndian(d[73..], j.ChunkedHome);
    }

    /// <summary>Reads one job entry written by <see cref="Encode"/>.</summary>
    internal static CheckpointJob Decode(ReadOnlySpan<byte> d) => new()
    {
        Id = BinaryPrimitives.ReadUInt64LittleEndian(d),
        Tube = BinaryPrimitives.ReadInt32LittleEndian(d[8..]),
        Priority = BinaryPrimitives.ReadUInt32LittleEndian(d[12..]),
        State = (JobState)d[16],
        DelaySeconds = BinaryPrimitives.ReadUInt32LittleEndian(d[17..]),
        TtrSeconds = BinaryPrimitives.ReadUInt32LittleEndian(d[21..]),
        CreatedAtMs = BinaryPrimitives.ReadInt64LittleEndian(d[25..]),
        ReadyAtMs = BinaryPrimitives.ReadInt64LittleEndian(d[33..]),
        Reserves = BinaryPrimitives.ReadUInt32LittleEndian(d[41..]),
        Timeouts = BinaryPrimitives.ReadUInt32LittleEndian(d[45..]),
        Releases = BinaryPrimitives.ReadUInt32LittleEndian(d[49..]),
        Buries = BinaryPrimitives.ReadUInt32LittleEndian(d[53..]),
        Kicks = BinaryPrimitives.ReadUInt32LittleEndian(d[57..]),
        BodyRef = BinaryPrimitives.ReadInt64LittleEndian(d[61..]),
        BodyLength = BinaryPrimitives.ReadInt32LittleEndian(d[69..]),
        ChunkedHome = BinaryPrimitives.ReadInt64LittleEndian(d[73..]),
    };

    /// <summary>Reads the checkpoint, or null if there is none. A damaged one is an error, not a silent restart from scratch.</summary>
    public static Checkpoint? Read(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path)) return null;
        var buf = File.ReadAllBytes(path);
        var s = buf.AsSpan();
        if (s.Length < 48 || !s[..8].SequenceEqual(Magic)) throw new LogCorruptException($"{path}: not a checkpoint file");
        if (Crc32.HashToUInt32(s[..^4]) != BinaryPrimitives.ReadUInt32LittleEndian(s[^4..])) throw new LogCorruptException($"{path}: checksum mismatch");
        int p = 8;
        long address = BinaryPrimitives.ReadInt64LittleEndian(s[p..]); p += 8;
        ulong lastId = BinaryPrimitives.ReadUInt64LittleEndian(s[p..]); p += 8;
        long writtenAt = BinaryPrimitives.ReadInt64LittleEndian(s[p..]); p += 8;
        int tubeCount = BinaryPrimitives.ReadInt32LittleEndian(s[p..]); p += 4;
        var tubes = new string[tubeCount];
        for (int i = 0; i < tubeCount; i++)
        {
            int len = s[p++];
            tubes[i] = Encoding.ASCII.GetString(s.Slice(p, len));
            p += len;
        }
        long jobCount = BinaryPrimitives.ReadInt64LittleEndian(s[p..]); p += 8;
        var jobs = new CheckpointJob[jobCount];
        for (long i = 0; i < jobCount; i++)
        {
            var d = s.Slice(p, JobSize);
            jobs[i] = Decode(d);
            p += JobSize;
        }
        return new Checkpoint { Address = address, LastId = lastId, WrittenAtMs = writtenAt, Tubes = tubes, Jobs = jobs };
    }
}
