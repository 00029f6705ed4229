namespace Queue.Storage;

/// <summary>Outcome of an engine operation. The protocol layer maps (operation, status) to reply bytes.</summary>
public enum CommandStatus : byte
{
    /// <summary>Not executed yet.</summary>
    Pending = 0,
    /// <summary>Success: inserted, reserved, deleted, released, buried, touched, kicked, paused, found, ...</summary>
    Ok,
    NotFound,
    /// <summary>A put or release whose job ended up buried.</summary>
    Buried,
    /// <summary>A reserve that blocked; the outcome arrives later through the session's wait.</summary>
    Waiting,
    TimedOut,
    DeadlineSoon,
    NotIgnored,
    Draining,
    OutOfMemory,
    InternalError,
    BadFormat,
    UnknownCommand,
    ExpectedCrlf,
    JobTooBig,
    /// <summary>
    /// A put refused by the memory cap while a put wait is configured: the batch stopped here and the
    /// caller may resubmit from this command until memory frees up or its wait runs out.
    /// </summary>
    MemoryWait,
}
