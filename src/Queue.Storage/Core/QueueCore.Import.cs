using Queue.Storage.Migration;
using Queue.Storage.Model;
using Queue.Storage.Persistence;

namespace Queue.Storage.Core;

// Migration: jobs read from beanstalkd 1.12 binlog files become jobs in our own log.
internal sealed partial class QueueCore
{
    /// <summary>Adds an imported job with its tube, priority, state, deadline, counters and body, and logs it.</summary>
    public void ImportJob(ImportedJob imported, long wallNowMs, LogJournal journal)
    {
        if (_jobs.Find(imported.Id) >= 0) return;
        int slot = _jobs.Allocate(imported.Id);
        var tube = _tubes.FindOrCreate(imported.Tube);
        tube.Refs++;
        tube.JobCount++;
        ref var j = ref _jobs.Get(slot);
        j.Tube = tube.Slot;
        j.Priority = imported.Priority;
        j.TtrSeconds = Math.Max(1u, imported.TtrSeconds);
        j.CreatedAtMs = imported.CreatedAtUnixMs;
        _jobs.SetExtras(slot, new JobExtras
        {
            DelaySeconds = imported.DelaySeconds,
            Reserves = imported.Reserves,
            Timeouts = imported.Timeouts,
            Releases = imported.Releases,
            Buries = imported.Buries,
            Kicks = imported.Kicks,
        });
        PlaceByWallClock(slot, imported.State, imported.ReadyAtUnixMs, wallNowMs);
        journal.WriteFull(ref _jobs.Get(slot), _jobs.ExtrasOf(slot), tube.Name, imported.Body, relocation: false);
        Ids.EnsureAbove(imported.Id);
    }
}
