using Queue.Storage.Scheduling;

namespace Queue.Storage.Model;

/// <summary>
/// A named queue: ready heap, delay heap, buried FIFO, waiting sessions, pause state, counters
/// (beanstalkd tube.c). Ensures: <see cref="Refs"/> = jobs in the tube + sessions using it +
/// sessions watching it (+1 for <c>default</c>); the tube is dropped when it reaches 0.
/// </summary>
internal sealed class Tube
{
    public Tube(string name, int slot, JobTable jobs)
    {
        Name = name;
        Slot = slot;
        Ready = new IndexedHeap<ReadyOrder>(jobs);
        Delayed = new IndexedHeap<DelayOrder>(jobs);
    }

    public string Name { get; }
    public int Slot { get; }

    /// <summary>Position in the registry's creation-order list (swap-on-remove, like beanstalkd's Ms).</summary>
    public int OrderIndex;

    public readonly IndexedHeap<ReadyOrder> Ready;
    public readonly IndexedHeap<DelayOrder> Delayed;
    public int BuriedHead = -1;
    public int BuriedTail = -1;
    public long BuriedCount;

    public readonly WaiterQueue Waiters = new();

    public int Refs;
    public int UsingCount;
    public int WatchingCount;
    public int WaitingCount;

    public long UrgentCount;
    public long ReservedCount;
    public ulong TotalJobs;
    public ulong CmdDelete;
    public ulong CmdPauseTube;

    /// <summary>Length of the current pause in engine ticks; 0 when not paused.</summary>
    public long PauseTicks;
    public long UnpauseAt;

    /// <summary>Stored-job count (ready + reserved + delayed + buried), for accounting.</summary>
    public long JobCount;

    public bool IsPaused => PauseTicks > 0;
}
