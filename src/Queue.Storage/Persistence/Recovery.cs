using System.Buffers.Binary;
using System.Diagnostics;
using FASTER.core;
using Queue.Storage.Core;

namespace Queue.Storage.Persistence;

/// <summary>What a start-up recovery found, for the log and for stats.</summary>
public sealed record RecoveryReport(
    long JobsRecovered, long CheckpointJobs, long RecordsReplayed, long BadRecords,
    long LogBytes, TimeSpan Elapsed, IReadOnlyList<string> Problems);

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
    private long _records;
    private long _bad;

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
        var checkpoint = Checkpoint.Read(log.Directory);
        long from = log.Log.BeginAddress;
        long checkpointJobs = 0;
        if (checkpoint is not null)
        {
            if (checkpoint.Address < log.Log.BeginAddress || checkpoint.Address > log.Log.CommittedUntilAddress)
            {
                throw new LogCorruptException(
                    $"checkpoint address {checkpoint.Address} lies outside the log [{log.Log.BeginAddress}, {log.Log.CommittedUntilAddress}]");
            }
            r.Install(checkpoint);
            from = checkpoint.Address;
            checkpointJobs = checkpoint.Jobs.Length;
        }
        r.Replay(log, from);
        core.Ids.EnsureAbove(r._maxId);
        return new RecoveryReport(core.JobCount, checkpointJobs, r._records, r._bad,
            log.Log.TailAddress - log.Log.BeginAddress, sw.Elapsed, r._problems);
    }

    private void Install(Checkpoint checkpoint)
    {
        _maxId = checkpoint.LastId;
        foreach (ref readonly var j in checkpoint.Jobs.AsSpan())
        {
            var image = new JobImage
            {
                Id = j.Id,
                Priority = j.Priority,
                State = j.State,
                Tube = checkpoint.Tubes[j.Tube],
                CreatedAtMs = j.CreatedAtMs,
                ReadyAtMs = j.ReadyAtMs,
                DelaySeconds = j.DelaySeconds,
                TtrSeconds = j.TtrSeconds,
                Reserves = j.Reserves,
                Timeouts = j.Timeouts,
                Releases = j.Releases,
                Buries = j.Buries,
                Kicks = j.Kicks,
                BodyLength = j.BodyLength,
            };
            _core.RestoreJob(image, j.BodyRef, j.ChunkedHome, _wallNowMs, _journal);
        }
    }

    private void Replay(DurableLog log, long from)
    {
        long until = log.Log.CommittedUntilAddress;
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
    }

    public void Consume(ReadOnlySpan<byte> entry, long currentAddress, long nextAddress)
    {
        _records++;
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
                var image = LogRecords.ReadPut(entry);
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
        _ = _pageSize;
    }
}
