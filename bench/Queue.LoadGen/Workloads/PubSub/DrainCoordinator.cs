namespace Queue.LoadGen.Workloads.PubSub;

/// <summary>
/// End-of-run protocol for pubsub. Consumers keep up to <c>--pipeline</c> reserves queued on the
/// server, and each would block for its full 1 s timeout once production stops. So:
/// <list type="number">
/// <item>the producers finish and all their puts are acknowledged;</item>
/// <item><see cref="RequestDrain"/>: consumers stop queueing new reserves, and the scenario counts
///   the reserves still in flight;</item>
/// <item>the scenario puts that many sentinel jobs, so every queued reserve returns at once;</item>
/// <item>consumers then reserve with timeout 0, a full window at a time, until every acknowledged job
///   and every sentinel has been seen, or a reserve times out (the tube is empty), or the drain
///   deadline passes.</item>
/// </list>
/// </summary>
internal sealed class DrainCoordinator(SequenceLedger ledger)
{
    private volatile bool _drainRequested;
    private volatile bool _sentinelsPut;
    private long _sentinelsExpected;
    private long _sentinelsReceived;
    private long _deadline = long.MaxValue;

    public bool DrainRequested => _drainRequested;

    public bool SentinelsPut => _sentinelsPut;

    public long SentinelsReceived => Volatile.Read(ref _sentinelsReceived);

    public void RequestDrain(long deadline)
    {
        Volatile.Write(ref _deadline, deadline);
        _drainRequested = true;
    }

    public void MarkSentinelsPut(long count)
    {
        Volatile.Write(ref _sentinelsExpected, count);
        _sentinelsPut = true;
    }

    public void SentinelReceived() => Interlocked.Increment(ref _sentinelsReceived);

    public bool PastDeadline(long now) => now >= Volatile.Read(ref _deadline);

    /// <summary>Every acknowledged job and every sentinel has been delivered: the tube is empty.</summary>
    public bool AllAccountedFor
        => _sentinelsPut
        && SentinelsReceived >= Volatile.Read(ref _sentinelsExpected)
        && ledger.DeliveredUnique >= ledger.Acked;
}
