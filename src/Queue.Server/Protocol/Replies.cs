namespace Queue.Server.Protocol;

/// <summary>Every fixed reply of beanstalkd 1.12, in one place.</summary>
internal static class Replies
{
    public static ReadOnlySpan<byte> NotFound => "NOT_FOUND\r\n"u8;
    public static ReadOnlySpan<byte> DeadlineSoon => "DEADLINE_SOON\r\n"u8;
    public static ReadOnlySpan<byte> TimedOut => "TIMED_OUT\r\n"u8;
    public static ReadOnlySpan<byte> Deleted => "DELETED\r\n"u8;
    public static ReadOnlySpan<byte> Released => "RELEASED\r\n"u8;
    public static ReadOnlySpan<byte> Buried => "BURIED\r\n"u8;
    public static ReadOnlySpan<byte> Kicked => "KICKED\r\n"u8;
    public static ReadOnlySpan<byte> Touched => "TOUCHED\r\n"u8;
    public static ReadOnlySpan<byte> NotIgnored => "NOT_IGNORED\r\n"u8;
    public static ReadOnlySpan<byte> Paused => "PAUSED\r\n"u8;
    public static ReadOnlySpan<byte> OutOfMemory => "OUT_OF_MEMORY\r\n"u8;
    public static ReadOnlySpan<byte> InternalError => "INTERNAL_ERROR\r\n"u8;
    public static ReadOnlySpan<byte> Draining => "DRAINING\r\n"u8;
    public static ReadOnlySpan<byte> BadFormat => "BAD_FORMAT\r\n"u8;
    public static ReadOnlySpan<byte> UnknownCommand => "UNKNOWN_COMMAND\r\n"u8;
    public static ReadOnlySpan<byte> ExpectedCrlf => "EXPECTED_CRLF\r\n"u8;
    public static ReadOnlySpan<byte> JobTooBig => "JOB_TOO_BIG\r\n"u8;

    public static ReadOnlySpan<byte> Inserted => "INSERTED "u8;
    public static ReadOnlySpan<byte> BuriedId => "BURIED "u8;
    public static ReadOnlySpan<byte> Reserved => "RESERVED "u8;
    public static ReadOnlySpan<byte> Found => "FOUND "u8;
    public static ReadOnlySpan<byte> Watching => "WATCHING "u8;
    public static ReadOnlySpan<byte> Using => "USING "u8;
    public static ReadOnlySpan<byte> KickedCount => "KICKED "u8;
    public static ReadOnlySpan<byte> Ok => "OK "u8;
    public static ReadOnlySpan<byte> Crlf => "\r\n"u8;
}
