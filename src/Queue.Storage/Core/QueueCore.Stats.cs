using Queue.Storage.Model;

namespace Queue.Storage.Core;

// stats, stats-tube, stats-job snapshots.
internal sealed partial class QueueCore
{
    public ServerStats Stats() => new()
    {
        CurrentJobsUrgent = _urgentCount,
        CurrentJobsReady = _readyCount,
        CurrentJobsReserved = _reservedCount,
        CurrentJobsDelayed = _delayedCount,
        CurrentJobsBuried = _buriedCount,
        CommandCounts = (ulong[])_cmdCounts.Clone(),
        JobTimeouts = _jobTimeouts,
        TotalJobs = _totalJobs,
        MaxJobSize = MaxJobSize,
        CurrentTubes = _tubes.Count,
        CurrentConnections = _sessionCount,
        CurrentProducers = _producerCount,
        CurrentWorkers = _workerCount,
        CurrentWaiting = _waitingCount,
        TotalConnections = _totalSessions,
        UptimeSeconds = UptimeSeconds,
        Draining = Draining,
        Extra = StatsExtension?.Invoke() ?? [],
        BinlogMaxSize = BinlogInfo?.MaxSize ?? 10485760,
        BinlogOldestIndex = BinlogInfo?.OldestIndex ?? 0,
        BinlogCurrentIndex = BinlogInfo?.CurrentIndex ?? 0,
        BinlogRecordsMigrated = BinlogInfo?.RecordsMigrated ?? 0,
        BinlogRecordsWritten = BinlogInfo?.RecordsWritten ?? 0,
    };

    /// <summary>Extra stats keys appended after the 1.12 ones (memory cap etc.).</summary>
    public Func<IReadOnlyList<KeyValuePair<string, long>>>? StatsExtension { get; set; }

    /// <summary>Source of the binlog-* figures; null in memory-only mode.</summary>
    public IBinlogInfo? BinlogInfo { get; set; }

    // stats-job <id>
    private void StatsJob(ref EngineCommand cmd)
    {
        int slot = FindJob(cmd.Id);
        if (slot < 0)
        {
            cmd.Status = CommandStatus.NotFound;
            return;
        }
        ref var j = ref _jobs.Get(slot);
        var x = _jobs.ExtrasOf(slot);
        long timeLeft = j.State is JobState.Reserved or JobState.Delayed ? SecondsLeft(j.DeadlineAt) : 0;
        cmd.Payload = new JobStats
        {
            Id = j.Id,
            Tube = TubeOf(ref j).Name,
            State = j.State,
            Priority = j.Priority,
            AgeSeconds = Math.Max(0, (WallClockMs - j.CreatedAtMs) / 1000),
            DelaySeconds = x.DelaySeconds,
            TtrSeconds = j.TtrSeconds,
            TimeLeftSeconds = timeLeft,
            File = BinlogInfo?.FileOf(j.BodyRef) ?? 0,
            Reserves = x.Reserves,
            Timeouts = x.Timeouts,
            Releases = x.Releases,
            Buries = x.Buries,
            Kicks = x.Kicks,
        };
        cmd.Status = CommandStatus.Ok;
    }

    // stats-tube <tube>
    private void StatsTube(ref EngineCommand cmd)
    {
        var t = _tubes.Find(cmd.Tube!);
        if (t is null)
        {
            cmd.Status = CommandStatus.NotFound;
            return;
        }
        bool paused = IsPausedNow(t);
        cmd.Payload = new TubeStats
        {
            Name = t.Name,
            CurrentJobsUrgent = t.UrgentCount,
            CurrentJobsReady = t.Ready.Count,
            CurrentJobsReserved = t.ReservedCount,
            CurrentJobsDelayed = t.Delayed.Count,
            CurrentJobsBuried = t.BuriedCount,
            TotalJobs = t.TotalJobs,
            CurrentUsing = t.UsingCount,
            CurrentWatching = t.WatchingCount,
            CurrentWaiting = t.WaitingCount,
            CmdDelete = t.CmdDelete,
            CmdPauseTube = t.CmdPauseTube,
            PauseSeconds = paused ? t.PauseTicks / TicksPerSecond : 0,
            PauseTimeLeftSeconds = paused ? SecondsLeft(t.UnpauseAt) : 0,
        };
        cmd.Status = CommandStatus.Ok;
    }

    /// <summary>
    /// Whole seconds until a deadline, truncated. Some time has always passed since the deadline was
    /// set (beanstalkd reads the clock per command), so a deadline set 100 s ahead shows 99.
    /// </summary>
    private long SecondsLeft(long deadline) => (deadline - _now - 1) / TicksPerSecond;
}

/// <summary>binlog-* figures for stats and the file column of stats-job.</summary>
internal interface IBinlogInfo
{
    long MaxSize { get; }
    long OldestIndex { get; }
    long CurrentIndex { get; }
    long RecordsMigrated { get; }
    long RecordsWritten { get; }
    long FileOf(long bodyRef);
}
