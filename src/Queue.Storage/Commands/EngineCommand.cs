namespace Queue.Storage;

/// <summary>
/// One command slot of a <see cref="CommandBatch"/>: the inputs the connection parsed and the
/// outputs the engine filled in. A status other than <see cref="CommandStatus.Pending"/> on input
/// means the command was already decided (e.g. JOB_TOO_BIG): the engine only counts it.
/// </summary>
public struct EngineCommand
{
    public Operation Op;
    public CommandStatus Status;
    public CommandFlags Flags;
    /// <summary>In: target job id, or the pre-allocated id of a put. Out: the job reserved or found.</summary>
    public ulong Id;
    public uint Priority;
    /// <summary>Seconds: put/release delay, pause-tube delay.</summary>
    public uint Delay;
    /// <summary>Seconds (put).</summary>
    public uint Ttr;
    /// <summary>Kick bound, or reserve-with-timeout seconds (negative waits forever).</summary>
    public long Number;
    /// <summary>Wall-clock Unix milliseconds when the put line was parsed.</summary>
    public long CreatedAtMs;
    public string? Tube;
    /// <summary>In: put body followed by CRLF. Out: the reserved or peeked body followed by CRLF.</summary>
    public byte[]? Body;
    /// <summary>Out: kicked count, watched-tube count.</summary>
    public long Count;
    /// <summary>Out: statistics snapshot or tube list.</summary>
    public object? Payload;
    /// <summary>Out: tube name for replies that echo it (use, list-tube-used).</summary>
    public string? TubeOut;

    public void Clear() => this = default;
}

/// <summary>How a put is split across the engine's view of a connection's byte stream.</summary>
[Flags]
public enum CommandFlags : byte
{
    None = 0,
    /// <summary>
    /// The put line has been parsed, its body not yet read: beanstalkd counts cmd-put and marks the
    /// client a producer at this point. No reply.
    /// </summary>
    PutHeader = 1,
    /// <summary>The command was already counted by its <see cref="PutHeader"/>.</summary>
    Counted = 2,
}
