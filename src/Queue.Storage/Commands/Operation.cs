namespace Queue.Storage;

/// <summary>An engine operation; one per beanstalkd verb that touches queue state or counters.</summary>
public enum Operation : byte
{
    /// <summary>Nothing for the engine to do: the caller already knows the reply.</summary>
    None = 0,
    Put,
    Use,
    Reserve,
    ReserveWithTimeout,
    ReserveJob,
    Delete,
    Release,
    Bury,
    Touch,
    Watch,
    Ignore,
    Peek,
    PeekReady,
    PeekDelayed,
    PeekBuried,
    Kick,
    KickJob,
    StatsJob,
    StatsTube,
    Stats,
    ListTubes,
    ListTubeUsed,
    ListTubesWatched,
    PauseTube,
}
