using System.Buffers.Binary;
using System.Diagnostics;
using FASTER.core;
using Queue.Storage.Core;

namespace Queue.Storage.Persistence;

/// <summary>What a start-up recovery found, for the log and for stats.</summary>
public sealed record RecoveryReport(
    long JobsRecovered, long CheckpointJobs, long RecordsReplayed, long BadRecords,
    long LogBytes, TimeSpan Elapsed, IReadOnlyList<string> Problems)
{
    /// <summary>Log address the checkpoint covered (replay started here).</summary>
    public long CheckpointAddress { get; init; }

    /// <summary>Time spent loading the checkpoint (the rest of <see cref="Elapsed"/> is log replay).</summary>
    public TimeSpan CheckpointLoadTime { get; init; }
}

/// <summary>
/// Rebuilds the engine from the latest checkpoint plus the log written after it. Never a scan of
/// the whole history. Records that fail their CRC are reported (with the job id when readable) and
/// skipped; replay goes on with the next record.
/// </summary>
internal sealed class Recovery : ILogEntryConsumer
{
    private readonly QueueCore _core;
    private readonly LogJournal _journal;
    private readonly long _wallNowMs;
    private readonly List<string> _problems = new();
    private readonly long _pageSize;
    private ulong _maxId;
    private readonly LogRecords.NameReader _names = TubeNameInterner.Create();
    private long _records;
    private long _bad;
    /// <summary>End of the last entry the scan returned: where the next one should start.</summary>
    private long _expectedNext;

    private Recovery(QueueCore core, LogJournal journal, long pageSize)
    {
        _core = core;
        _journal = journal;
        _pageSize = pageSize;
        _wallNowMs = core.WallClockMs;
    }

    public static RecoveryReport Run(DurableLog log, QueueCore core, LogJournal journal)
    {
        var sw = Stopwatch.StartNew();
        core.Refresh();
        var r = new Recovery(core, journal, log.Format.PageSize);
        using var checkpoint = CheckpointStream.Open(log.Directory);
        long from = log.Log.BeginAddress;
        long checkpointJobs = 0;
        if (checkpoint is not null)
        {
            if (checkpoint.Address < log.Log.BeginAddress || checkpoint.Address > log.Log.CommittedUntilAddress)
            {
                throw new LogCorruptException(
                    $"checkpoint address {checkpoint.Address} lies outside the log [{log.Log.BeginAddress}, {log.Log.CommittedUntilAddress}]");
            }
            r._maxId = checkpoint.LastId;
            core.RestoreCheckpoint(checkpoint, r._wallNowMs, journal);
            from = checkpoint.Address;
            checkpointJobs = checkpoint.JobCount;
        }
        else if (log.Log.BeginAddress >= log.Format.SegmentSize)
        {
            // Segments are only truncated away once a checkpoint covers them.
            throw new LogCorruptException(
                $"{Path.Combine(log.Directory, Checkpoint.FileName)} is missing although the log was truncated to {log.Log.BeginAddress}; the jobs it held cannot be rebuilt");
        }
        var checkpointTime = sw.Elapsed;
        core.BeginBulkLoad();
        try
        {
            r.Replay(log, from);
        }
        finally
        {
            core.EndBulkLoad();
        }
        core.Ids.EnsureAbove(r._maxId);
        return new RecoveryReport(core.JobCount, checkpointJobs, r._records, r._bad,
            log.Log.TailAddress - log.Log.BeginAddress, sw.Elapsed, r._problems)
        {
            CheckpointAddress = checkpoint?.Address ?? log.Log.BeginAddress,
            CheckpointLoadTime = checkpointTime,
        };
    }

    private void Replay(DurableLog log, long from)
    {
        long until = log.Log.CommittedUntilAddress;
        _expectedNext = from;
        if (from >= until) return;
        using var it = log.Log.Scan(from, until, recover: false, scanBufferingMode: ScanBufferingMode.DoublePageBuffering);
        int consecutiveErrors = 0;
        while (true)
        {
            try
            {
                if (!it.TryConsumeNext(this)) break;
                consecutiveErrors = 0;
            }
            catch (FasterException ex)
            {
                // FASTER cannot parse the entry framing here; it resynchronises at the next page.
                _bad++;
                if (consecutiveErrors++ == 0) _problems.Add($"unreadable log entry near address {it.NextAddress}: {ex.Message}; skipping to the next readable entry");
                if (consecutiveErrors > 1_000_000) throw new LogCorruptException("log is unreadable after a damaged entry", ex);
            }
        }
        if (_expectedNext < until) CutTornTail(log, until);
    }

    /// <summary>
    /// The committed log ends in bytes that hold no readable record (a torn or truncated tail):
    /// replay stopped at the last good record. FasterLog's tail stays where the commit put it, and
    /// a scan skips from an unreadable spot to the next page, so records appended after the damage
    /// in the same page would be skipped by the next recovery. A filler record (a high-water mark)
    /// therefore runs to the end of that page, and new records start on a clean one.
    /// </summary>
    private void CutTornTail(DurableLog log, long until)
    {
        _bad++;
        _problems.Add($"the log tail from address {_expectedNext} to {until} holds no readable record (torn or truncated write); jobs written there are lost, the log continues after it");
        long pageEnd = ((until / _pageSize) + 1) * _pageSize;
        int payload = (int)Math.Max(LogRecords.HighWaterSize, pageEnd - until - LogRecords.EntryHeaderSize);
        if (until % _pageSize == 0) return;
        var filler = new byte[payload];
        LogRecords.WriteHighWater(filler, _maxId, filler.Length);
        log.Log.Enqueue(filler);
        log.Log.Commit(spinWait: true);
        log.Sync();
    }

    public void Consume(ReadOnlySpan<byte> entry, long currentAddress, long nextAddress)
    {
        _records++;
        if (currentAddress != _expectedNext) NoteGap(currentAddress, entry.Length);
        _expectedNext = nextAddress;
        if (!LogRecords.TryValidate(entry, out var type, out ulong id))
        {
            _bad++;
            ulong guess = entry.Length >= 16 ? BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]) : 0;
            _problems.Add($"record at address {currentAddress} ({entry.Length} bytes, job id {guess} if readable) failed its checksum and was skipped");
            return;
        }
        switch (type)
        {
            case RecordType.Put:
            {
                var image = LogRecords.ReadPut(entry, _names);
                long bodyRef = currentAddress + LogRecords.EntryHeaderSize + image.BodyOffset;
                long chunkedHome = image.Chunked ? BinaryPrimitives.ReadInt64LittleEndian(entry[(image.BodyOffset + 4)..]) : -1;
                _core.RestoreJob(image, bodyRef, chunkedHome, _wallNowMs, _journal);
                _maxId = Math.Max(_maxId, id);
                break;
            }
            case RecordType.State:
            {
                var image = new JobImage { Id = id };
                LogRecords.ReadState(entry, ref image);
                _core.RestoreState(image, _wallNowMs);
                break;
            }
            case RecordType.Delete:
                _core.RestoreDelete(id, _journal);
                break;
            case RecordType.HighWater:
                _maxId = Math.Max(_maxId, id);
                break;
            case RecordType.BodyChunk:
                _maxId = Math.Max(_maxId, id);
                break;
        }
    }

    /// <summary>
    /// FasterLog leaves the end of a page empty only when the next entry does not fit there; a
    /// larger gap means records were unreadable (zeroed or damaged bytes) and are lost.
    /// </summary>
    private void NoteGap(long currentAddress, int entryLength)
    {
        long gap = currentAddress - _expectedNext;
        bool pagePadding = currentAddress % _pageSize == 0 && gap > 0 && gap < LogRecords.EntryHeaderSize + ((entryLength + 3) & ~3);
        if (pagePadding) return;
        _bad++;
        _problems.Add($"log bytes {_expectedNext} to {currentAddress} hold no readable record; jobs written there are lost");
    }
}
