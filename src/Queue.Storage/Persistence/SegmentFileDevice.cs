using System.Collections.Concurrent;
using FASTER.core;
using Microsoft.Win32.SafeHandles;

namespace Queue.Storage.Persistence;

/// <summary>
/// FasterLog device over plain segment files (<c>log.N</c>) written with pwrite through the page
/// cache, without O_SYNC: a write costs microseconds and survives a process crash at once, and
/// <see cref="Sync"/> (fsync) makes it survive power loss when the durability policy asks. Every
/// segment is preallocated in full before it is first written, so a full disk shows up as a
/// refused preallocation (puts refused) instead of a failed write deep inside FASTER.
/// I/O completes synchronously on the calling thread (as FASTER's NullDevice does).
/// </summary>
internal sealed class SegmentFileDevice : StorageDeviceBase
{
    private readonly ConcurrentDictionary<int, SafeFileHandle> _handles = new();
    private readonly ConcurrentDictionary<int, byte> _dirty = new();
    private readonly string _directory;
    private readonly string _prefix;
    private readonly Func<string, long, bool> _preallocate;
    private volatile int _preallocatedSegments;

    /// <param name="basePath">Segment files are named basePath.N.</param>
    /// <param name="preallocate">Reserves disk space for a file (test seam for "disk full").</param>
    public SegmentFileDevice(string basePath, Func<string, long, bool>? preallocate = null)
        : base(basePath, 512, Devices.CAPACITY_UNSPECIFIED)
    {
        _directory = Path.GetDirectoryName(Path.GetFullPath(basePath))!;
        _prefix = Path.GetFileName(basePath) + ".";
        _preallocate = preallocate ?? FileSpace.TryPreallocate;
        ScanExistingSegments();
    }

    /// <summary>Segments whose space is reserved on disk, counting from segment 0.</summary>
    public int PreallocatedSegments => _preallocatedSegments;

    /// <summary>Number of segment files present (for stats and checks).</summary>
    public IReadOnlyList<int> ExistingSegments()
    {
        var ids = new List<int>();
        foreach (var f in Directory.EnumerateFiles(_directory, _prefix + "*"))
        {
            if (IsSegmentName(Path.GetFileName(f), _prefix, out int id)) ids.Add(id);
        }
        ids.Sort();
        return ids;
    }

    /// <summary>prefix followed by digits only (log.12; not log.txt, log.7.bak or log.+3).</summary>
    public static bool IsSegmentName(string fileName, string prefix) => IsSegmentName(fileName, prefix, out _);

    private static bool IsSegmentName(string fileName, string prefix, out int id)
    {
        id = -1;
        return fileName.StartsWith(prefix, StringComparison.Ordinal) &&
               int.TryParse(fileName.AsSpan(prefix.Length), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out id);
    }

    private void ScanExistingSegments()
    {
        var ids = ExistingSegments();
        if (ids.Count == 0) return;
        startSegment = ids[0];
        endSegment = ids[^1];
        // Existing files are reserved again on first use (a no-op when they already are): a file
        // left short by a torn write, a copy, or a refused reservation must not pass for reserved.
        _preallocatedSegments = ids[0];
    }

    public string SegmentPath(int segment) => Path.Combine(_directory, _prefix + segment);

    /// <summary>
    /// Makes sure segments [0, count) have their space reserved. Returns false when the disk has
    /// no room (the caller refuses new work until space returns).
    /// </summary>
    public bool EnsurePreallocated(int count)
    {
        while (_preallocatedSegments < count)
        {
            int next = _preallocatedSegments;
            if (next >= startSegment)
            {
                var path = SegmentPath(next);
                bool existed = File.Exists(path);
                if (!_preallocate(path, segmentSize))
                {
                    // Give back whatever a refused reservation took; an empty file would pass for a segment.
                    if (!existed) TryDelete(path);
                    return false;
                }
            }
            _preallocatedSegments = next + 1;
        }
        return true;
    }

    /// <summary>Reserves disk space for another file of the log directory (the checkpoint spare).</summary>
    public bool Reserve(string path, long size) => _preallocate(path, size);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Nothing more to give back.
        }
    }

    private SafeFileHandle Handle(int segment) => _handles.GetOrAdd(segment, static (s, self) =>
        File.OpenHandle(self.SegmentPath(s), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read), this);

    /// <summary>
    /// The handle to read a segment through, or null when its file does not exist: reading never
    /// creates a file, so a deleted segment is not silently recreated empty by recovery (which
    /// reads the last page) and then taken for present.
    /// </summary>
    private SafeFileHandle? ReadHandle(int segment)
    {
        if (_handles.TryGetValue(segment, out var h)) return h;
        try
        {
            return _handles.GetOrAdd(segment, static (s, self) =>
                File.OpenHandle(self.SegmentPath(s), FileMode.Open, FileAccess.ReadWrite, FileShare.Read), this);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    public override unsafe void WriteAsync(IntPtr sourceAddress, int segmentId, ulong destinationAddress, uint numBytesToWrite, DeviceIOCompletionCallback callback, object context)
    {
        uint error = 0;
        try
        {
            var span = new ReadOnlySpan<byte>((void*)sourceAddress, (int)numBytesToWrite);
            RandomAccess.Write(Handle(segmentId), span, (long)destinationAddress);
            _dirty[segmentId] = 1;
        }
        catch (IOException ex)
        {
            error = (uint)(ex.HResult & 0xFFFF);
            if (error == 0) error = 1;
            Failure ??= ex;
            WriteFailed?.Invoke(ex);
        }
        callback(error, error == 0 ? numBytesToWrite : 0, context);
    }

    public override unsafe void ReadAsync(int segmentId, ulong sourceAddress, IntPtr destinationAddress, uint readLength, DeviceIOCompletionCallback callback, object context)
    {
        uint error = 0;
        int read = 0;
        try
        {
            var span = new Span<byte>((void*)destinationAddress, (int)readLength);
            read = ReadFully(ReadHandle(segmentId), span, (long)sourceAddress);
            span[read..].Clear();
        }
        catch (IOException)
        {
            error = 1;
        }
        callback(error, error == 0 ? readLength : 0, context);
    }

    /// <summary>Reads bytes of a segment directly (used for job bodies; the caller knows the record is durable).</summary>
    public int Read(int segment, long offset, Span<byte> destination) => ReadFully(ReadHandle(segment), destination, offset);

    private static int ReadFully(SafeFileHandle? handle, Span<byte> destination, long offset)
    {
        if (handle is null) return 0; // no such file: nothing there
        int total = 0;
        while (total < destination.Length)
        {
            int n = RandomAccess.Read(handle, destination[total..], offset + total);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    /// <summary>fsync every segment written since the last call.</summary>
    public void Sync()
    {
        foreach (var segment in _dirty.Keys)
        {
            _dirty.TryRemove(segment, out _);
            if (_handles.TryGetValue(segment, out var h)) RandomAccess.FlushToDisk(h);
        }
    }

    /// <summary>The first write error; once set the log is broken for good (FasterLog does not retry).</summary>
    public IOException? Failure { get; private set; }

    /// <summary>Raised when a write fails: the server must stop rather than run without persistence.</summary>
    public Action<IOException>? WriteFailed { get; set; }

    public override void RemoveSegmentAsync(int segment, AsyncCallback callback, IAsyncResult result)
    {
        if (_handles.TryRemove(segment, out var h)) h.Dispose();
        _dirty.TryRemove(segment, out _);
        try
        {
            File.Delete(SegmentPath(segment));
        }
        catch (IOException)
        {
            // Already gone.
        }
        callback(result);
    }

    public override long GetFileSize(int segment) => segmentSize;

    public override void Dispose()
    {
        foreach (var h in _handles.Values) h.Dispose();
        _handles.Clear();
    }
}
