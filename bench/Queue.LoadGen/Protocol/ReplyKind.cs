namespace Queue.LoadGen.Protocol;

/// <summary>Every reply token the generator can receive from a beanstalkd-compatible server.</summary>
internal enum ReplyKind : byte
{
    Inserted,
    Buried,
    Reserved,
    Deleted,
    TimedOut,
    DeadlineSoon,
    Using,
    Watching,
    Ok,
    NotFound,
    OutOfMemory,
    InternalError,
    Draining,
    JobTooBig,
    ExpectedCrlf,
    BadFormat,
    UnknownCommand,
    NotIgnored,
}

internal static class ReplyKinds
{
    public const int Count = (int)ReplyKind.NotIgnored + 1;

    /// <summary>The wire token, used as the key in the "errors" report.</summary>
    public static string Token(this ReplyKind kind) => kind switch
    {
        ReplyKind.Inserted => "INSERTED",
        ReplyKind.Buried => "BURIED",
        ReplyKind.Reserved => "RESERVED",
        ReplyKind.Deleted => "DELETED",
        ReplyKind.TimedOut => "TIMED_OUT",
        ReplyKind.DeadlineSoon => "DEADLINE_SOON",
        ReplyKind.Using => "USING",
        ReplyKind.Watching => "WATCHING",
        ReplyKind.Ok => "OK",
        ReplyKind.NotFound => "NOT_FOUND",
        ReplyKind.OutOfMemory => "OUT_OF_MEMORY",
        ReplyKind.InternalError => "INTERNAL_ERROR",
        ReplyKind.Draining => "DRAINING",
        ReplyKind.JobTooBig => "JOB_TOO_BIG",
        ReplyKind.ExpectedCrlf => "EXPECTED_CRLF",
        ReplyKind.BadFormat => "BAD_FORMAT",
        ReplyKind.UnknownCommand => "UNKNOWN_COMMAND",
        ReplyKind.NotIgnored => "NOT_IGNORED",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
