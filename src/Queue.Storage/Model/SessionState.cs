namespace Queue.Storage.Model;

/// <summary>
/// Engine-side state of one client (beanstalkd Conn without the socket): used tube, watch list in
/// wire order, reserved jobs, and the blocked-reserve state. Touched only by the engine loop.
/// </summary>
internal sealed class SessionState
{
    public SessionState(int id, Tube use)
    {
        Id = id;
        Use = use;
    }

    public int Id { get; }
    public Tube Use;
    /// <summary>Watched tubes in beanstalkd order (append; removal swaps the last into the hole).</summary>
    public readonly List<Tube> Watch = new(2);

    public int ReservedHead = -1;
    public int ReservedTail = -1;
    public int ReservedCount;

    public bool IsProducer;
    public bool IsWorker;
    public bool Closed;

    public bool IsWaiting;
    public long WaitSerial;
    /// <summary>Engine ticks at which the reserve times out; long.MaxValue when it never does.</summary>
    public long WaitTimeoutAt;
    /// <summary>When the engine must look at this waiter again (timeout or DEADLINE_SOON margin).</summary>
    public long WakeAt;
    public int WakeIndex = -1;
    /// <summary>Receives the outcome of a blocked reserve.</summary>
    public IWaitCompletion? Waiter;

    public bool IsWatching(Tube t)
    {
        foreach (var w in Watch)
        {
            if (ReferenceEquals(w, t)) return true;
        }
        return false;
    }
}

/// <summary>Callback through which the engine finishes a blocked reserve.</summary>
internal interface IWaitCompletion
{
    void Complete(CommandStatus status, ulong jobId, byte[]? body);
}
