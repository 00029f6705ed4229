using Queue.Storage.Core;
using Queue.Storage.Model;

namespace Queue.Storage.Persistence;

/// <summary>
/// The engine's <see cref="IJobJournal"/> over a <see cref="DurableLog"/>: encodes put, state and
/// delete records (what beanstalkd logs, plus releases with delay 0, whose priority 1.12 loses),
/// chunks bodies too large for a log page, keeps per-segment live-byte accounting for
/// compaction, and admits new work only while the disk space it will need is reserved.
/// Engine loop only.
/// </summary>
internal sealed class LogJournal : IJobJournal
{
    private const int DeleteEntrySize = LogRecords.DeleteSize + LogRecords.EntryHeaderSize;
    private readonly DurableLog _log;
    private readonly Func<long, long> _ticksToWallMs;
    private readonly TimeProvider _time;
    private readonly int _inlineLimit;
    private readonly int _chunkData;
    private readonly Dictionary<ulong, long> _chunkedHomes = new();
    private byte[] _scratch;
    private long[] _segmentLive = new long[16];
    private long _appended;
    private long _liveJobs;
    private long _liveBytes;
    private bool _noSpace;
    private long _nextSpaceRetryTicks;
    private readonly string _sparePath;
    private long _spareBytes;
    private bool _spareReleased;
    private long _spareRetryTicks;

    /// <param name="log">The log to write to.</param>
    /// <param name="time">Clock for the disk-space retry back-off.</param>
    /// <param name="ticksToWallMs">Converts engine deadlines to wall-clock ms for logged delays.</param>
    /// <param name="ephemeral">
    /// A spill log (no -b): it only holds bodies so they need not stay in memory. Nothing is ever
    /// recovered from it, so state changes and deletes are not written, only accounted.
    /// </param>
    public LogJournal(DurableLog log, TimeProvider time, Func<long, long> ticksToWallMs, bool ephemeral = false)
    {
        Ephemeral = ephemeral;
        _log = log;
        _time = time;
        _ticksToWallMs = ticksToWallMs;
        int entryLimit = (int)(log.Format.PageSize / 4);
        _inlineLimit = entryLimit - LogRecords.EntryHeaderSize;
        _chunkData = _inlineLimit - LogRecords.ChunkHeaderSize;
        _scratch = new byte[Math.Min(_inlineLimit, 64 * 1024)];
        _sparePath = Path.Combine(log.Directory, Checkpoint.SpareFileName);
        _spareBytes = File.Exists(_sparePath) ? new FileInfo(_sparePath).Length : 0;
        ReserveAhead();
    }

    public bool Ephemeral { get; }

    public long Appended => _appended;
    public long LiveBytes => _liveBytes;
    public long LiveJobs => _liveJobs;
    public DurableLog Log => _log;

    /// <summary>True while the disk has refused to reserve more log space.</summary>
    public bool OutOfSpace => _noSpace;

    // ---- admission -------------------------------------------------------------------------

    public bool CanAdmit(int bodyLength) => Ephemeral || HasRoom(PutFootprint(TubeNames.MaxLength, bodyLength) + DeleteEntrySize) && HasCheckpointRoom(_liveJobs + 1);

    public bool CanUpdate() => HasRoom(LogRecords.StateSize + LogRecords.EntryHeaderSize);

    /// <summary>Whether compaction may copy <paramref name="bytes"/> more to the tail.</summary>
    public bool HasRoomFor(long bytes) => HasRoom(bytes);

    /// <summary>
    /// Room for <paramref name="bytes"/> more, beyond what live jobs' future deletes need and one
    /// page of slack for records that skip to the next page (beanstalkd walresvput in spirit).
    /// </summary>
    private bool HasRoom(long bytes)
    {
        long need = _log.Log.TailAddress + bytes + _liveJobs * DeleteEntrySize + _log.Format.PageSize;
        if (need <= ReservedEnd) return true;
        if (_spareReleased) return false; // the freed space is the checkpoint's
        long now = _time.GetTimestamp();
        if (_noSpace && now < _nextSpaceRetryTicks) return false;
        ReserveAhead(need);
        if (_noSpace) _nextSpaceRetryTicks = now + _time.TimestampFrequency / 5;
        return need <= ReservedEnd;
    }

    private long ReservedEnd => _log.SegmentStart(_log.Device.PreallocatedSegments);

    /// <summary>Keeps space reserved up to two segments past what is needed.</summary>
    private void ReserveAhead(long need = 0)
    {
        long upTo = Math.Max(need, _log.Log.TailAddress);
        int segments = _log.SegmentOf(upTo) + 2;
        _noSpace = !_log.Device.EnsurePreallocated(segments) && _log.SegmentStart(_log.Device.PreallocatedSegments) < need;
    }

    /// <summary>
    /// Disk space for a checkpoint of <paramref name="jobs"/> jobs, held by a spare file. On a full
    /// disk space only comes back by truncating the log, and truncation waits for a checkpoint: the
    /// spare is what that checkpoint is written into (<see cref="ReleaseSpare"/>), so the disk can
    /// never fill up so far that no checkpoint fits.
    /// </summary>
    private bool HasCheckpointRoom(long jobs)
    {
        if (Ephemeral) return true; // a spill log has no checkpoints
        if (_spareReleased) return false;
        long need = Checkpoint.SpaceFor(jobs);
        if (_spareBytes >= need) return true;
        long now = _time.GetTimestamp();
        if (now < _spareRetryTicks) return false;
        long size = need + need / 8;
        if (_log.Device.Reserve(_sparePath, size))
        {
            _spareBytes = size;
            return true;
        }
        _spareRetryTicks = now + _time.TimestampFrequency / 5;
        return false;
    }

    /// <summary>
    /// Deletes the spare so a checkpoint can be written on a full disk. Until <see cref="SpareUsed"/>
    /// nothing new is admitted and no more log space is reserved, so the freed space stays free.
    /// </summary>
    public bool ReleaseSpare()
    {
        if (_spareBytes <= 0 || _spareReleased) return false;
        File.Delete(_sparePath);
        _spareBytes = 0;
        _spareReleased = true;
        return true;
    }

    /// <summary>A checkpoint was written: new work may reserve space (and the spare) again.</summary>
    public void SpareUsed() => _spareReleased = false;

    // ---- records --------------------------------------------------------------------------

    public void Put(ref JobRecord job, in JobExtras extras, string tube, byte[] bodyWithCrlf)
    {
        if (Ephemeral)
        {
            // A spill log takes a body only when memory needs it gone (Spill); until then it is in no log.
            job.BodyRef = 0;
            job.BodyLength = bodyWithCrlf.Length - 2;
            return;
        }
        WriteFull(ref job, extras, tube, bodyWithCrlf.AsSpan(0, bodyWithCrlf.Length - 2), relocation: false);
    }

    /// <summary>
    /// Spill log: writes a body that has to leave memory; false when the disk has no room for it
    /// (the body then stays in memory, and the memory cap refuses new puts if need be).
    /// </summary>
    public bool Spill(ref JobRecord job, in JobExtras extras, string tube, ReadOnlySpan<byte> body)
    {
        if (!HasRoom(PutFootprint(tube.Length, body.Length))) return false;
        WriteFull(ref job, extras, tube, body, relocation: false);
        return true;
    }

    /// <summary>
    /// Writes a job's whole current image (new job, or compaction moving it forward) and points
    /// <see cref="JobRecord.BodyRef"/> at the new copy of the body.
    /// </summary>
    public void WriteFull(ref JobRecord job, in JobExtras extras, string tube, ReadOnlySpan<byte> body, bool relocation)
    {
        if (relocation) Unaccount(ref job, tube);
        var image = Image(ref job, extras, tube);
        image.BodyLength = body.Length;
        int tubeLen = tube.Length;
        long home;
        if (LogRecords.PutSize(tubeLen, body.Length, 0) <= _inlineLimit)
        {
            int n = LogRecords.WritePut(Scratch(LogRecords.PutSize(tubeLen, body.Length, 0)), image, body, []);
            long address = Append(n);
            job.BodyRef = address + LogRecords.EntryHeaderSize + LogRecords.PutFixedSize + tubeLen;
            home = address;
            _chunkedHomes.Remove(job.Id);
        }
        else
        {
            int count = (body.Length + _chunkData - 1) / _chunkData;
            var chunks = new long[count];
            for (int i = 0; i < count; i++)
            {
                var part = body.Slice(i * _chunkData, Math.Min(_chunkData, body.Length - i * _chunkData));
                int n = LogRecords.WriteChunk(Scratch(LogRecords.ChunkHeaderSize + part.Length), job.Id, i, part);
                chunks[i] = Append(n);
            }
            int size = LogRecords.PutSize(tubeLen, body.Length, count);
            long address = Append(LogRecords.WritePut(Scratch(size), image, body, chunks));
            job.BodyRef = address + LogRecords.EntryHeaderSize + LogRecords.PutFixedSize + tubeLen;
            home = chunks[0];
            _chunkedHomes[job.Id] = home;
        }
        job.BodyLength = body.Length;
        Account(home, Footprint(tubeLen, body.Length), +1);
    }

    public void Update(ref JobRecord job, in JobExtras extras)
    {
        if (Ephemeral) return;
        var image = Image(ref job, extras, "");
        Append(LogRecords.WriteState(Scratch(LogRecords.StateSize), image));
    }

    public void Delete(ref JobRecord job, string tube)
    {
        if (job.BodyRef == 0) return; // a body never spilled: nothing of it is in the log
        Unaccount(ref job, tube);
        _chunkedHomes.Remove(job.Id);
        if (Ephemeral) return;
        Append(LogRecords.WriteDelete(Scratch(LogRecords.DeleteSize), job.Id));
    }

    public void HighWater(ulong lastId) => Append(LogRecords.WriteHighWater(Scratch(LogRecords.HighWaterSize), lastId));

    private long Append(int length)
    {
        // After a write error FasterLog refuses everything; fail the command here, before it counts as logged.
        if (_log.Device.Failure is { } failure) throw new IOException($"the job log cannot be written: {failure.Message}", failure);
        long address = _log.Log.Enqueue(_scratch.AsSpan(0, length));
        _appended++;
        return address;
    }

    private Span<byte> Scratch(int size)
    {
        if (_scratch.Length < size) _scratch = new byte[Math.Max(size, _scratch.Length * 2)];
        return _scratch.AsSpan(0, size);
    }

    private JobImage Image(ref JobRecord job, in JobExtras x, string tube) => new()
    {
        Id = job.Id,
        Priority = job.Priority,
        State = job.State == JobState.Reserved ? JobState.Ready : job.State,
        Tube = tube,
        CreatedAtMs = job.CreatedAtMs,
        ReadyAtMs = job.State == JobState.Delayed ? _ticksToWallMs(job.DeadlineAt) : 0,
        DelaySeconds = x.DelaySeconds,
        TtrSeconds = job.TtrSeconds,
        Reserves = x.Reserves,
        Timeouts = x.Timeouts,
        Releases = x.Releases,
        Buries = x.Buries,
        Kicks = x.Kicks,
    };

    // ---- accounting -----------------------------------------------------------------------

    /// <summary>Log bytes a job's full image occupies (records plus FASTER entry headers).</summary>
    private long Footprint(int tubeLength, int bodyLength)
    {
        if (LogRecords.PutSize(tubeLength, bodyLength, 0) <= _inlineLimit) return LogRecords.PutSize(tubeLength, bodyLength, 0) + LogRecords.EntryHeaderSize;
        int count = (bodyLength + _chunkData - 1) / _chunkData;
        return LogRecords.PutSize(tubeLength, bodyLength, count) + LogRecords.EntryHeaderSize +
               (long)count * (LogRecords.ChunkHeaderSize + LogRecords.EntryHeaderSize) + bodyLength;
    }

    private long PutFootprint(int tubeLength, int bodyLength) => Footprint(tubeLength, bodyLength) + 2 * LogRecords.EntryHeaderSize;

    /// <summary>A copy of the chunked bodies' first-chunk addresses (for a checkpoint capture).</summary>
    public Dictionary<ulong, long> CopyChunkedHomes() => new(_chunkedHomes);

    /// <summary>Address of the first record of a job's current full image.</summary>
    public long HomeOf(ref JobRecord job, string tube) =>
        _chunkedHomes.Count > 0 && _chunkedHomes.TryGetValue(job.Id, out long home)
            ? home
            : job.BodyRef - LogRecords.EntryHeaderSize - LogRecords.PutFixedSize - tube.Length;

    private void Unaccount(ref JobRecord job, string tube) => Account(HomeOf(ref job, tube), Footprint(tube.Length, job.BodyLength), -1);

    private void Account(long home, long bytes, int jobs)
    {
        int s = _log.SegmentOf(home);
        if (s >= _segmentLive.Length) Array.Resize(ref _segmentLive, Math.Max(s + 1, _segmentLive.Length * 2));
        _segmentLive[s] += jobs * bytes;
        _liveBytes += jobs * bytes;
        _liveJobs += jobs;
    }

    /// <summary>Live full-image bytes whose first record is in <paramref name="segment"/>.</summary>
    public long LiveBytesIn(int segment) => segment < _segmentLive.Length ? _segmentLive[segment] : 0;

    /// <summary>Forgets a recovered job's old image (replay met a newer full image, or its delete).</summary>
    public void UnaccountRecovered(ref JobRecord job, string tube)
    {
        Unaccount(ref job, tube);
        _chunkedHomes.Remove(job.Id);
    }

    /// <summary>Registers a job rebuilt by recovery (its records are already in the log).</summary>
    public void AccountRecovered(ref JobRecord job, string tube, long chunkedHome)
    {
        if (chunkedHome >= 0) _chunkedHomes[job.Id] = chunkedHome;
        Account(HomeOf(ref job, tube), Footprint(tube.Length, job.BodyLength), +1);
    }
}
