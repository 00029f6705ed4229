using Queue.Storage;

namespace Queue.Server.Protocol;

/// <summary>
/// A parsed command line. <see cref="Status"/> is Pending for a command the engine must run, or
/// the error the line already earned; <see cref="Op"/> is set whenever beanstalkd would count the
/// command (its cmd-* counter goes up even when the reply is an error).
/// </summary>
internal struct ParsedCommand
{
    public Operation Op;
    public CommandStatus Status;
    public bool Quit;
    public ulong Id;
    public uint Priority;
    public uint Delay;
    public uint Ttr;
    /// <summary>put: body length announced on the line.</summary>
    public uint Bytes;
    /// <summary>kick bound, reserve-with-timeout seconds.</summary>
    public long Number;
    public string? Tube;

    public static ParsedCommand Error(CommandStatus status) => new() { Status = status };
}
