using System.Buffers.Binary;
using System.IO.Hashing;
using FASTER.core;
using Microsoft.Win32.SafeHandles;

namespace Queue.Storage.Persistence;

/// <summary>
/// FasterLog commit metadata in one small file with two alternating 4 KiB slots, written with
/// pwrite (no file creation or deletion per commit, unlike FASTER's default manager). A slot is
/// [magic u32][length u32][commitNum i64][crc32 u32][pageSize i64][segmentSize i64][metadata]. A
/// torn slot fails its CRC and recovery falls back to the other one. The page and segment size the
/// log was written with are in every slot, so a format file that no longer matches the log is
/// caught. <see cref="Sync"/> fsyncs it when the policy asks.
/// </summary>
internal sealed class SlotCommitManager : ILogCommitManager
{
    private const int SlotSize = 4096;
    private const int HeaderSize = 36;
    private const uint Magic = 0x51534332; // "QSC2"
    private readonly SafeFileHandle _file;
    private readonly object _gate = new();
    private volatile bool _dirty;

    private readonly long _pageSize;
    private readonly long _segmentSize;

    public SlotCommitManager(string path, long pageSize, long segmentSize)
    {
        Path = path;
        _pageSize = pageSize;
        _segmentSize = segmentSize;
        _file = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read);
    }

    public string Path { get; }

    public void Commit(long beginAddress, long untilAddress, byte[] commitMetadata, long commitNum, bool forceWriteMetadata)
    {
        if (commitMetadata.Length > SlotSize - HeaderSize) throw new InvalidOperationException("commit metadata too large");
        Span<byte> slot = stackalloc byte[HeaderSize + commitMetadata.Length];
        BinaryPrimitives.WriteUInt32LittleEndian(slot, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(slot[4..], commitMetadata.Length);
        BinaryPrimitives.WriteInt64LittleEndian(slot[8..], commitNum);
        BinaryPrimitives.WriteInt64LittleEndian(slot[20..], _pageSize);
        BinaryPrimitives.WriteInt64LittleEndian(slot[28..], _segmentSize);
        commitMetadata.CopyTo(slot[HeaderSize..]);
        BinaryPrimitives.WriteUInt32LittleEndian(slot[16..], Checksum(slot[..16], slot[20..]));
        lock (_gate)
        {
            RandomAccess.Write(_file, slot, (commitNum & 1) * SlotSize);
            _dirty = true;
        }
    }

    public byte[] GetCommitMetadata(long commitNum)
    {
        foreach (var (num, data) in ReadSlots())
        {
            if (num == commitNum) return data;
        }
        return null!;
    }

    public IEnumerable<long> ListCommits()
    {
        var slots = ReadSlots();
        slots.Sort((a, b) => b.Num.CompareTo(a.Num));
        foreach (var (num, _) in slots) yield return num;
    }

    /// <summary>True when at least one valid commit slot exists.</summary>
    public bool HasCommits => ReadSlots().Count > 0;

    /// <summary>Page and segment size of a valid slot written with other sizes than this manager's, if any.</summary>
    public (long PageSize, long SegmentSize)? OtherFormat { get; private set; }

    private List<(long Num, byte[] Data)> ReadSlots()
    {
        var result = new List<(long, byte[])>();
        var buf = new byte[SlotSize];
        for (int i = 0; i < 2; i++)
        {
            int n = RandomAccess.Read(_file, buf, i * SlotSize);
            if (n < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(buf) != Magic) continue;
            int len = BinaryPrimitives.ReadInt32LittleEndian(buf.AsSpan(4));
            if (len < 0 || len > SlotSize - HeaderSize || n < HeaderSize + len) continue;
            var data = buf.AsSpan(HeaderSize, len);
            if (BinaryPrimitives.ReadUInt32LittleEndian(buf.AsSpan(16)) != Checksum(buf.AsSpan(0, 16), buf.AsSpan(20, HeaderSize - 20 + len))) continue;
            long page = BinaryPrimitives.ReadInt64LittleEndian(buf.AsSpan(20));
            long segment = BinaryPrimitives.ReadInt64LittleEndian(buf.AsSpan(28));
            if (page != _pageSize || segment != _segmentSize)
            {
                OtherFormat = (page, segment);
                continue;
            }
            result.Add((BinaryPrimitives.ReadInt64LittleEndian(buf.AsSpan(8)), data.ToArray()));
        }
        return result;
    }

    private static uint Checksum(ReadOnlySpan<byte> header, ReadOnlySpan<byte> data)
    {
        var crc = new Crc32();
        crc.Append(header);
        crc.Append(data);
        return crc.GetCurrentHashAsUInt32();
    }

    public void Sync()
    {
        if (!_dirty) return;
        _dirty = false;
        RandomAccess.FlushToDisk(_file);
    }

    public void RemoveCommit(long commitNum)
    {
        // Slots are overwritten in turn; nothing to delete.
    }

    public void RemoveAllCommits()
    {
        lock (_gate)
        {
            RandomAccess.Write(_file, new byte[2 * SlotSize], 0);
        }
    }

    public void OnRecovery(long commitNum)
    {
    }

    public void Dispose() => _file.Dispose();
}
