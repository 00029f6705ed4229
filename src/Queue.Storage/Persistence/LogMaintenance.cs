using System.Diagnostics;
using Queue.Storage.Core;
using Queue.Storage.Model;

namespace Queue.Storage.Persistence;

/// <summary>
/// Keeps the log bounded and restarts fast, on the engine loop between rounds:
/// index checkpoints (captured on the loop, written in the background after the log they cover
/// is durable), and compaction (live jobs in the oldest segment are rewritten at the tail; once a
/// prefix of segments holds nothing live and a checkpoint covers it, it is truncated away).
/// </summary>
internal sealed class LogMaintenance
{
    private const int RelocateBudgetBytes = 4 << 20;
    private const int ScanBudgetSlots = 1 << 16;
    private readonly QueueEngine _engine;
    private readonly QueueCore _core;
    private readonly DurableLog _log;
    private readonly LogJournal _journal;
    private readonly QueueEngineOptions _options;
    private long _checkpointAddress;
    private long _lastCheckpointBytes;
    private long _lastCheckpointAt = Stopwatch.GetTimestamp();
    private Task _checkpointTask = Task.CompletedTask;
    private bool _checkpointRunning;
    private int _scanCursor;
    private long _truncateTarget = -1;
    private bool _retryCheckpoint;
    private long _checkpointFailedAt;
    private static readonly TimeSpan FailedCheckpointBackoff = TimeSpan.FromSeconds(1);

    public LogMaintenance(QueueEngine engine, QueueCore core, DurableLog log, LogJournal journal, QueueEngineOptions options, long checkpointAddress)
    {
        _engine = engine;
        _core = core;
        _log = log;
        _journal = journal;
        _options = options;
        _checkpointAddress = checkpointAddress;
    }

    public long RecordsMigrated { get; private set; }
    public long CheckpointsWritten { get; private set; }
    public long CheckpointAddress => _checkpointAddress;

    /// <summary>Called by the loop after each round.</summary>
    public void AfterRound()
    {
        Compact();
        if (_journal.Ephemeral) return; // a spill log is never recovered: no checkpoints
        if (!_checkpointRunning && CheckpointDue()) StartCheckpoint();
    }

    private bool CheckpointDue()
    {
        long sinceBytes = _log.Log.TailAddress - _checkpointAddress;
        if (sinceBytes <= 0) return false;
        if (_retryCheckpoint) return true;
        // A failed checkpoint is not retried every round (each capture copies the whole index).
        if (_checkpointFailedAt != 0 && Stopwatch.GetElapsedTime(_checkpointFailedAt) < FailedCheckpointBackoff) return false;
        if (_truncateTarget > _checkpointAddress) return true;
        if (sinceBytes >= Math.Max(_options.CheckpointLogBytes, _lastCheckpointBytes)) return true;
        return Stopwatch.GetElapsedTime(_lastCheckpointAt) >= _options.CheckpointInterval;
    }

    private void StartCheckpoint()
    {
        long address = _log.Log.TailAddress;
        var capture = _core.CaptureCheckpoint(address, _journal);
        _checkpointRunning = true;
        _log.Log.Commit();
        // Written on a thread of its own (seconds of work for millions of jobs), not a pool thread
        // that connections and the engine loop may be waiting for.
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _checkpointTask = done.Task;
        new Thread(() =>
        {
            Exception? error = null;
            try
            {
                _log.Log.WaitForCommitAsync(address).AsTask().GetAwaiter().GetResult();
                _log.Sync();
                capture.WriteTo(_log.Directory);
            }
            catch (Exception ex)
            {
                error = ex;
            }
            finally
            {
                capture.Dispose();
            }
            long bytes = 48 + capture.Count * 81L;
            _engine.PostMaintenance(() => CheckpointDone(address, bytes, error));
            done.TrySetResult();
        }) { IsBackground = true, Name = "queue-checkpoint" }.Start();
    }

    private void CheckpointDone(long address, long bytes, Exception? error)
    {
        _checkpointRunning = false;
        _lastCheckpointAt = Stopwatch.GetTimestamp();
        _retryCheckpoint = false;
        if (error is not null)
        {
            // A full disk: the spare held this checkpoint's space; free it and write again at once.
            if (error is IOException && _journal.ReleaseSpare())
            {
                _retryCheckpoint = true;
                return;
            }
            _journal.SpareUsed();
            _checkpointFailedAt = Stopwatch.GetTimestamp();
            _engine.ReportInternalError(error);
            return;
        }
        _checkpointFailedAt = 0;
        _journal.SpareUsed();
        _checkpointAddress = address;
        _lastCheckpointBytes = bytes;
        CheckpointsWritten++;
        TryTruncate();
    }

    /// <summary>Writes a checkpoint now and waits for it (clean shutdown: the next start replays nothing).</summary>
    public void FinalCheckpoint()
    {
        _checkpointTask.GetAwaiter().GetResult();
        long address = _log.Log.TailAddress;
        // Written even when nothing was logged since the last one: it also keeps what is not
        // logged (reserve and timeout counts, expired delays), so a clean stop loses nothing.
        if (_journal.Ephemeral || _log.Device.Failure is not null) return; // a broken log takes no checkpoint
        using var checkpoint = _core.CaptureCheckpoint(address, _journal);
        _log.Log.Commit();
        _log.Log.WaitForCommitAsync(address).AsTask().GetAwaiter().GetResult();
        _log.Sync();
        try
        {
            WriteCheckpoint(checkpoint);
        }
        catch (IOException ex)
        {
            // The log itself is complete and durable: the next start replays more of it, that is all.
            _engine.ReportInternalError(ex);
            return;
        }
        _checkpointAddress = address;
    }

    private void WriteCheckpoint(CheckpointCapture checkpoint)
    {
        try
        {
            checkpoint.WriteTo(_log.Directory);
        }
        catch (IOException) when (_journal.ReleaseSpare())
        {
            checkpoint.WriteTo(_log.Directory);
        }
    }

    private void Compact()
    {
        long begin = _log.Log.BeginAddress;
        long tail = _log.Log.TailAddress;
        int oldest = _log.SegmentOf(begin);
        int current = _log.SegmentOf(tail);
        if (current - oldest < 2) return;
        if (tail - begin < 2 * _journal.LiveBytes + 2 * _log.Format.SegmentSize) return;

        // The longest prefix of segments (never the last two) with nothing live can go.
        int firstLive = oldest;
        while (firstLive < current - 1 && _journal.LiveBytesIn(firstLive) == 0) firstLive++;
        if (firstLive > oldest)
        {
            _truncateTarget = Math.Max(_truncateTarget, _log.SegmentStart(firstLive));
            TryTruncate();
            return;
        }
        Relocate(oldest);
    }

    /// <summary>Rewrites live jobs whose full image starts in <paramref name="segment"/> at the tail.</summary>
    private void Relocate(int segment)
    {
        var jobs = _core.Jobs;
        long written = 0;
        int scanned = 0;
        int limit = jobs.HighWater;
        while (scanned < ScanBudgetSlots && written < RelocateBudgetBytes && _journal.LiveBytesIn(segment) > 0)
        {
            if (_scanCursor >= limit) _scanCursor = 0;
            int slot = _scanCursor++;
            scanned++;
            ref var j = ref jobs.Get(slot);
            if (j.State == JobState.Invalid || j.BodyRef == 0) continue; // BodyRef 0: a body not spilled
            string tube = _core.Tubes.BySlot(j.Tube).Name;
            if (_log.SegmentOf(_journal.HomeOf(ref j, tube)) != segment) continue;
            if (!_journal.HasRoomFor(j.BodyLength + 1024)) return; // disk full: try again later
            if (!_core.TryBodyOf(slot, out var body)) continue;
            _journal.WriteFull(ref jobs.Get(slot), jobs.ExtrasOf(slot), tube, body.AsSpan(0, body.Length - 2), relocation: true);
            RecordsMigrated++;
            written += body.Length;
        }
    }

    private void TryTruncate()
    {
        if (_truncateTarget <= _log.Log.BeginAddress) return;
        // A checkpoint must cover what goes away (a spill log is never recovered, so it need not).
        if (!_journal.Ephemeral && _checkpointAddress < _truncateTarget) return;
        _log.Log.TruncateUntil(_truncateTarget);
        _log.Log.Commit(); // segments are deleted once this commit is written
    }

    /// <summary>Waits for a background checkpoint (shutdown).</summary>
    public void WaitIdle() => _checkpointTask.GetAwaiter().GetResult();
}
