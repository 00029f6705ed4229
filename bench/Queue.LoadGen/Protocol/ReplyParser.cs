using System.Buffers.Text;

namespace Queue.LoadGen.Protocol;

/// <summary>
/// Span-based reply parser. It allocates nothing: it looks at the first byte, compares the whole
/// token with a u8 literal, and parses the numeric arguments in place.
/// </summary>
internal static class ReplyParser
{
    /// <summary>Longest reply line we accept before declaring the stream garbage.</summary>
    public const int MaxLineLength = 512;

    public static ParseStatus TryParse(ReadOnlySpan<byte> data, out Reply reply)
    {
        reply = default;
        ReadOnlySpan<byte> window = data.Length > MaxLineLength ? data[..MaxLineLength] : data;
        int eol = window.IndexOf("\r\n"u8);
        if (eol < 0)
        {
            return data.Length >= MaxLineLength ? ParseStatus.Invalid : ParseStatus.Incomplete;
        }

        ReadOnlySpan<byte> line = data[..eol];
        int lineLength = eol + 2;
        if (line.IsEmpty)
        {
            return ParseStatus.Invalid;
        }

        return line[0] switch
        {
            (byte)'I' => ParseWithId(line, "INSERTED "u8, ReplyKind.Inserted, lineLength, out reply)
                || Exact(line, "INTERNAL_ERROR"u8, ReplyKind.InternalError, lineLength, out reply) ? ParseStatus.Complete : ParseStatus.Invalid,
            (byte)'R' => ParseReserved(data, line, lineLength, out reply),
            (byte)'D' => Exact(line, "DELETED"u8, ReplyKind.Deleted, lineLength, out reply)
                || Exact(line, "DEADLINE_SOON"u8, ReplyKind.DeadlineSoon, lineLength, out reply)
                || Exact(line, "DRAINING"u8, ReplyKind.Draining, lineLength, out reply) ? ParseStatus.Complete : ParseStatus.Invalid,
            (byte)'T' => Exact(line, "TIMED_OUT"u8, ReplyKind.TimedOut, lineLength, out reply) ? ParseStatus.Complete : ParseStatus.Invalid,
            (byte)'U' => Prefixed(line, "USING "u8, ReplyKind.Using, lineLength, out reply)
                || Exact(line, "UNKNOWN_COMMAND"u8, ReplyKind.UnknownCommand, lineLength, out reply) ? ParseStatus.Complete : ParseStatus.Invalid,
            (byte)'W' => ParseWithId(line, "WATCHING "u8, ReplyKind.Watching, lineLength, out reply) ? ParseStatus.Complete : ParseStatus.Invalid,
            (byte)'O' => ParseOk(data, line, lineLength, out reply),
            (byte)'B' => ParseWithId(line, "BURIED "u8, ReplyKind.Buried, lineLength, out reply)
                || Exact(line, "BURIED"u8, ReplyKind.Buried, lineLength, out reply)
                || Exact(line, "BAD_FORMAT"u8, ReplyKind.BadFormat, lineLength, out reply) ? ParseStatus.Complete : ParseStatus.Invalid,
            (byte)'N' => Exact(line, "NOT_FOUND"u8, ReplyKind.NotFound, lineLength, out reply)
                || Exact(line, "NOT_IGNORED"u8, ReplyKind.NotIgnored, lineLength, out reply) ? ParseStatus.Complete : ParseStatus.Invalid,
            (byte)'J' => Exact(line, "JOB_TOO_BIG"u8, ReplyKind.JobTooBig, lineLength, out reply) ? ParseStatus.Complete : ParseStatus.Invalid,
            (byte)'E' => Exact(line, "EXPECTED_CRLF"u8, ReplyKind.ExpectedCrlf, lineLength, out reply) ? ParseStatus.Complete : ParseStatus.Invalid,
            _ => ParseStatus.Invalid,
        };
    }

    private static bool Exact(ReadOnlySpan<byte> line, ReadOnlySpan<byte> token, ReplyKind kind, int consumed, out Reply reply)
    {
        reply = new Reply(kind, 0, 0, 0, consumed);
        return line.SequenceEqual(token);
    }

    private static bool Prefixed(ReadOnlySpan<byte> line, ReadOnlySpan<byte> prefix, ReplyKind kind, int consumed, out Reply reply)
    {
        reply = new Reply(kind, 0, 0, 0, consumed);
        return line.Length > prefix.Length && line.StartsWith(prefix);
    }

    private static bool ParseWithId(ReadOnlySpan<byte> line, ReadOnlySpan<byte> prefix, ReplyKind kind, int consumed, out Reply reply)
    {
        reply = default;
        if (!line.StartsWith(prefix) || !TryParseWhole(line[prefix.Length..], out ulong value))
        {
            return false;
        }

        reply = new Reply(kind, value, 0, 0, consumed);
        return true;
    }

    /// <summary><c>RESERVED &lt;id&gt; &lt;bytes&gt;\r\n&lt;data&gt;\r\n</c></summary>
    private static ParseStatus ParseReserved(ReadOnlySpan<byte> data, ReadOnlySpan<byte> line, int lineLength, out Reply reply)
    {
        reply = default;
        if (!line.StartsWith("RESERVED "u8))
        {
            return ParseStatus.Invalid;
        }

        ReadOnlySpan<byte> args = line["RESERVED "u8.Length..];
        if (!Utf8Parser.TryParse(args, out ulong id, out int used) || used >= args.Length || args[used] != (byte)' '
            || !TryParseWhole(args[(used + 1)..], out ulong bytes))
        {
            return ParseStatus.Invalid;
        }

        return WithBody(data, ReplyKind.Reserved, id, bytes, lineLength, out reply);
    }

    /// <summary><c>OK &lt;bytes&gt;\r\n&lt;data&gt;\r\n</c> or <c>OUT_OF_MEMORY</c>.</summary>
    private static ParseStatus ParseOk(ReadOnlySpan<byte> data, ReadOnlySpan<byte> line, int lineLength, out Reply reply)
    {
        if (Exact(line, "OUT_OF_MEMORY"u8, ReplyKind.OutOfMemory, lineLength, out reply))
        {
            return ParseStatus.Complete;
        }

        if (!line.StartsWith("OK "u8) || !TryParseWhole(line["OK "u8.Length..], out ulong bytes))
        {
            return ParseStatus.Invalid;
        }

        return WithBody(data, ReplyKind.Ok, 0, bytes, lineLength, out reply);
    }

    private static ParseStatus WithBody(ReadOnlySpan<byte> data, ReplyKind kind, ulong value, ulong bytes, int lineLength, out Reply reply)
    {
        reply = default;
        if (bytes > int.MaxValue - 1024)
        {
            return ParseStatus.Invalid;
        }

        int total = lineLength + (int)bytes + 2;
        if (data.Length < total)
        {
            return ParseStatus.Incomplete;
        }

        if (data[total - 2] != (byte)'\r' || data[total - 1] != (byte)'\n')
        {
            return ParseStatus.Invalid;
        }

        reply = new Reply(kind, value, lineLength, (int)bytes, total);
        return ParseStatus.Complete;
    }

    private static bool TryParseWhole(ReadOnlySpan<byte> text, out ulong value)
        => Utf8Parser.TryParse(text, out value, out int used) && used == text.Length && used > 0;

    /// <summary>Bytes needed before <see cref="TryParse"/> can finish the reply at the start of <paramref name="data"/>, or 0 if unknown.</summary>
    public static int RequiredLength(ReadOnlySpan<byte> data)
    {
        ReadOnlySpan<byte> window = data.Length > MaxLineLength ? data[..MaxLineLength] : data;
        int eol = window.IndexOf("\r\n"u8);
        if (eol < 0)
        {
            return 0;
        }

        ReadOnlySpan<byte> line = data[..eol];
        int space = line.LastIndexOf((byte)' ');
        if ((line.StartsWith("RESERVED "u8) || line.StartsWith("OK "u8)) && space > 0
            && Utf8Parser.TryParse(line[(space + 1)..], out int bytes, out _) && bytes >= 0)
        {
            return eol + 2 + bytes + 2;
        }

        return 0;
    }
}
