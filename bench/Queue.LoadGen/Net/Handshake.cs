using System.Buffers.Text;
using Queue.LoadGen.Engine;
using Queue.LoadGen.Protocol;

namespace Queue.LoadGen.Net;

/// <summary>Synchronous request/reply helpers used outside the measured hot path.</summary>
internal static class Handshake
{
    /// <summary><c>use</c> and <c>watch</c> the tube (and <c>ignore default</c>), pipelined in one write.</summary>
    public static void AttachToTube(BeanstalkSocket socket, string tube)
    {
        bool ignoreDefault = tube != "default";
        socket.Out.WriteLine("use " + tube);
        socket.Out.WriteLine("watch " + tube);
        if (ignoreDefault)
        {
            socket.Out.WriteLine("ignore default");
        }

        socket.Flush();
        Expect(socket, ReplyKind.Using, "use");
        Expect(socket, ReplyKind.Watching, "watch");
        if (ignoreDefault)
        {
            Expect(socket, ReplyKind.Watching, "ignore default");
        }
    }

    /// <summary>Reads <c>current-jobs-ready</c> from <c>stats-tube</c>; 0 if the tube does not exist.</summary>
    public static long QueryReadyJobs(BeanstalkSocket socket, string tube)
    {
        socket.Out.WriteLine("stats-tube " + tube);
        socket.Flush();
        Reply reply = Read(socket);
        try
        {
            if (reply.Kind == ReplyKind.NotFound)
            {
                return 0;
            }

            if (reply.Kind != ReplyKind.Ok)
            {
                throw new ProtocolViolationException($"stats-tube answered {reply.Kind.Token()}");
            }

            ReadOnlySpan<byte> yaml = socket.Buffered.Slice(reply.BodyOffset, reply.BodyLength);
            ReadOnlySpan<byte> key = "current-jobs-ready: "u8;
            int at = yaml.IndexOf(key);
            if (at < 0 || !Utf8Parser.TryParse(yaml[(at + key.Length)..], out long ready, out _))
            {
                throw new ProtocolViolationException("stats-tube lacks current-jobs-ready");
            }

            return ready;
        }
        finally
        {
            socket.Consume(reply.Consumed);
        }
    }

    private static void Expect(BeanstalkSocket socket, ReplyKind expected, string command)
    {
        Reply reply = Read(socket);
        socket.Consume(reply.Consumed);
        if (reply.Kind != expected)
        {
            throw new ProtocolViolationException($"'{command}' answered {reply.Kind.Token()}, expected {expected.Token()}");
        }
    }

    /// <summary>Blocks until one complete reply is buffered; the caller consumes it.</summary>
    public static Reply Read(BeanstalkSocket socket)
    {
        while (true)
        {
            switch (ReplyParser.TryParse(socket.Buffered, out Reply reply))
            {
                case ParseStatus.Complete:
                    return reply;
                case ParseStatus.Invalid:
                    throw new ProtocolViolationException("unparsable reply: " + ProtocolViolationException.Excerpt(socket.Buffered));
                default:
                    socket.ReceiveMore();
                    break;
            }
        }
    }
}
