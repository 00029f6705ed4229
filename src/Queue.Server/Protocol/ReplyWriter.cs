using System.Buffers;
using System.Buffers.Text;
using System.Text;
using Queue.Storage;

namespace Queue.Server.Protocol;

/// <summary>
/// Writes the reply for an executed command. Job bodies are returned separately so the caller
/// can stream large ones; everything else is written here, without allocations.
/// </summary>
internal static class ReplyWriter
{
    /// <summary>
    /// Writes the reply line of <paramref name="cmd"/> and returns the body bytes (with their CRLF)
    /// that must follow it, or null.
    /// </summary>
    public static byte[]? WriteReply(IBufferWriter<byte> w, in EngineCommand cmd, StatsFormatter stats)
    {
        switch (cmd.Status)
        {
            case CommandStatus.Ok: return WriteOk(w, cmd, stats);
            case CommandStatus.NotFound: Write(w, Replies.NotFound); return null;
            case CommandStatus.Buried:
                if (cmd.Op == Operation.Put) WriteWithNumber(w, Replies.BuriedId, cmd.Id);
                else Write(w, Replies.Buried);
                return null;
            case CommandStatus.TimedOut: Write(w, Replies.TimedOut); return null;
            case CommandStatus.DeadlineSoon: Write(w, Replies.DeadlineSoon); return null;
            case CommandStatus.NotIgnored: Write(w, Replies.NotIgnored); return null;
            case CommandStatus.Draining: Write(w, Replies.Draining); return null;
            case CommandStatus.OutOfMemory: Write(w, Replies.OutOfMemory); return null;
            case CommandStatus.BadFormat: Write(w, Replies.BadFormat); return null;
            case CommandStatus.UnknownCommand: Write(w, Replies.UnknownCommand); return null;
            case CommandStatus.ExpectedCrlf: Write(w, Replies.ExpectedCrlf); return null;
            case CommandStatus.JobTooBig: Write(w, Replies.JobTooBig); return null;
            default: Write(w, Replies.InternalError); return null;
        }
    }

    private static byte[]? WriteOk(IBufferWriter<byte> w, in EngineCommand cmd, StatsFormatter stats)
    {
        switch (cmd.Op)
        {
            case Operation.Put: WriteWithNumber(w, Replies.Inserted, cmd.Id); return null;
            case Operation.Reserve or Operation.ReserveWithTimeout or Operation.ReserveJob:
                return WriteJobLine(w, Replies.Reserved, cmd.Id, cmd.Body!);
            case Operation.Peek or Operation.PeekReady or Operation.PeekDelayed or Operation.PeekBuried:
                return WriteJobLine(w, Replies.Found, cmd.Id, cmd.Body!);
            case Operation.Delete: Write(w, Replies.Deleted); return null;
            case Operation.Release: Write(w, Replies.Released); return null;
            case Operation.Bury: Write(w, Replies.Buried); return null;
            case Operation.Touch: Write(w, Replies.Touched); return null;
            case Operation.KickJob: Write(w, Replies.Kicked); return null;
            case Operation.Kick: WriteWithNumber(w, Replies.KickedCount, (ulong)cmd.Count); return null;
            case Operation.Watch or Operation.Ignore: WriteWithNumber(w, Replies.Watching, (ulong)cmd.Count); return null;
            case Operation.Use or Operation.ListTubeUsed: WriteUsing(w, cmd.TubeOut!); return null;
            case Operation.PauseTube: Write(w, Replies.Paused); return null;
            case Operation.Stats or Operation.StatsJob or Operation.StatsTube or Operation.ListTubes or Operation.ListTubesWatched:
                stats.WriteOkPayload(w, cmd);
                return null;
            default: Write(w, Replies.InternalError); return null;
        }
    }

    public static void Write(IBufferWriter<byte> w, ReadOnlySpan<byte> bytes)
    {
        var span = w.GetSpan(bytes.Length);
        bytes.CopyTo(span);
        w.Advance(bytes.Length);
    }

    /// <summary>"PREFIX n\r\n".</summary>
    public static void WriteWithNumber(IBufferWriter<byte> w, ReadOnlySpan<byte> prefix, ulong n)
    {
        var span = w.GetSpan(prefix.Length + 22);
        prefix.CopyTo(span);
        int len = prefix.Length;
        Utf8Formatter.TryFormat(n, span[len..], out int written);
        len += written;
        span[len++] = (byte)'\r';
        span[len++] = (byte)'\n';
        w.Advance(len);
    }

    /// <summary>"RESERVED id bytes\r\n" or "FOUND id bytes\r\n"; returns the body to send after it.</summary>
    private static byte[] WriteJobLine(IBufferWriter<byte> w, ReadOnlySpan<byte> prefix, ulong id, byte[] body)
    {
        var span = w.GetSpan(prefix.Length + 44);
        prefix.CopyTo(span);
        int len = prefix.Length;
        Utf8Formatter.TryFormat(id, span[len..], out int written);
        len += written;
        span[len++] = (byte)' ';
        Utf8Formatter.TryFormat(body.Length - 2, span[len..], out written);
        len += written;
        span[len++] = (byte)'\r';
        span[len++] = (byte)'\n';
        w.Advance(len);
        return body;
    }

    private static void WriteUsing(IBufferWriter<byte> w, string tube)
    {
        var span = w.GetSpan(Replies.Using.Length + tube.Length + 2);
        Replies.Using.CopyTo(span);
        int len = Replies.Using.Length;
        len += Encoding.ASCII.GetBytes(tube, span[len..]);
        span[len++] = (byte)'\r';
        span[len++] = (byte)'\n';
        w.Advance(len);
    }
}
