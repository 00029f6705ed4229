using Queue.LoadGen.Protocol;

namespace Queue.LoadGen.Engine;

/// <summary>
/// Which replies the protocol allows for each command we send. A reply outside this set (for
/// example BAD_FORMAT to a well-formed put) means the server misparsed us: a protocol violation.
/// </summary>
internal static class ReplyRules
{
    public static bool IsSuccess(CommandKind command, ReplyKind reply) => (command, reply) switch
    {
        (CommandKind.Put, ReplyKind.Inserted) => true,
        (CommandKind.Reserve, ReplyKind.Reserved) => true,
        (CommandKind.Delete, ReplyKind.Deleted) => true,
        _ => false,
    };

    public static bool IsAllowed(CommandKind command, ReplyKind reply)
    {
        if (IsSuccess(command, reply) || reply is ReplyKind.OutOfMemory or ReplyKind.InternalError)
        {
            return true;
        }

        return command switch
        {
            CommandKind.Put => reply is ReplyKind.Buried or ReplyKind.Draining or ReplyKind.JobTooBig,
            CommandKind.Reserve => reply is ReplyKind.TimedOut or ReplyKind.DeadlineSoon,
            CommandKind.Delete => reply is ReplyKind.NotFound,
            _ => false,
        };
    }
}
