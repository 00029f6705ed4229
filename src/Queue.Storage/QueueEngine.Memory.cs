using Queue.Storage.Memory;
using Queue.Storage.Persistence;

namespace Queue.Storage;

// The memory cap: put admission, the body cache's budget, and the memory-* stats keys.
public sealed partial class QueueEngine
{
    /// <summary>Seconds from put to reservation, observed at every reservation (for metrics).</summary>
    public LatencyHistogram TimeInQueue => Core.TimeInQueue;

    /// <summary>Seconds from reserve (or last touch) to delete, for jobs deleted by their worker.</summary>
    public LatencyHistogram ReserveToDelete => Core.ReserveToDelete;

    /// <summary>True once recovery is done and the engine serves (always, after Start returns).</summary>
    public bool IsReady => !_stopping;

    /// <summary>Test seam: the body cache of a logged engine (engine loop only).</summary>
    internal LogBodyStore? BodyCache => _bodyCache;

    /// <summary>Test seam: the log journal (durable, or the spill log), or null in plain memory mode.</summary>
    internal LogJournal? Journal => _journal;

    /// <summary>The memory cap in force, or null.</summary>
    public MemoryGovernor? MemoryGovernor => _memory;

    private void AttachMemoryCap(LogBodyStore bodies)
    {
        Core.StatsExtension = () => MemoryStats(bodies);
        if (Options.MaxMemory is not { } cap) return;
        // Bodies kept in memory beyond the moment their record reaches the log file. Small caps keep
        // almost none: bodies then die young (cheap for the GC) instead of piling up in old generations.
        // A spill log (no -b) writes a body only to evict it, so there a large cap keeps more in memory.
        bool spill = _journal is { Ephemeral: true };
        long normalBudget = cap < (4L << 30) ? cap / 32 : spill ? cap / 4 : Math.Min(cap / 8, 1L << 30);
        long pressureBudget = 0;
        bodies.Budget = normalBudget;
        var governor = new MemoryGovernor(cap, Options.MemorySampler, TimeProvider.System)
        {
            CollectGarbage = Options.MemorySampler is null,
        };
        governor.OnPressureChanged = (on, used) =>
        {
            Options.OnMemoryPressure?.Invoke(on, used);
            PostMaintenance(() => bodies.Budget = on ? pressureBudget : normalBudget);
        };
        governor.OnShed = () => PostMaintenance(() =>
        {
            bodies.Budget = pressureBudget;
            bodies.Trim(Core.Jobs);
        });
        _memory = governor;
        Core.Memory = governor;
    }

    private IReadOnlyList<KeyValuePair<string, long>> MemoryStats(LogBodyStore bodies)
    {
        var gc = GC.GetGCMemoryInfo();
        var m = _memory;
        return
        [
            new("memory-limit", m?.Limit ?? 0),
            new("memory-used", m?.Used ?? MemoryGovernor.ResidentAnonymousBytes()),
            new("memory-high-watermark", m?.HighWatermark ?? 0),
            new("memory-low-watermark", m?.LowWatermark ?? 0),
            new("memory-pressure", m is { UnderPressure: true } ? 1 : 0),
            new("memory-pressure-events", m?.PressureEvents ?? 0),
            new("memory-put-refusals", m?.Refusals ?? 0),
            new("memory-collections", m?.Collections ?? 0),
            new("memory-gc-heap", gc.HeapSizeBytes),
            new("memory-gc-committed", gc.TotalCommittedBytes),
            new("memory-job-index", Core.Jobs.FootprintBytes),
            new("memory-tubes", Core.Tubes.Count * 1024L),
            new("memory-body-cache", bodies.CachedBytes),
            new("memory-body-cache-budget", bodies.Budget == long.MaxValue ? 0 : bodies.Budget),
            new("memory-body-evictions", bodies.Evictions),
            new("memory-log-buffers", _log is null ? 0 : 4 * _log.Format.PageSize),
            new("memory-connection-buffers", Options.ConnectionBufferBytes?.Invoke() ?? 0),
        ];
    }
}
