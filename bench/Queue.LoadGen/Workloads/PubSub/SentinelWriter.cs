using Queue.LoadGen.Engine;
using Queue.LoadGen.Net;
using Queue.LoadGen.Protocol;

namespace Queue.LoadGen.Workloads.PubSub;

/// <summary>Puts the wake-up jobs of the drain protocol on an idle producer connection.</summary>
internal static class SentinelWriter
{
    private const int Batch = 64;

    /// <summary>Returns how many sentinels the server accepted.</summary>
    public static long Put(BeanstalkSocket socket, long count, int bodySize, ulong runTag)
    {
        byte[] header = Commands.PutHeader(bodySize);
        byte[] body = PubSubBody.Template(bodySize);
        long inserted = 0;
        for (long done = 0; done < count;)
        {
            int batch = (int)Math.Min(Batch, count - done);
            for (int i = 0; i < batch; i++)
            {
                socket.Out.Write(header);
                PubSubBody.Stamp(socket.Out.WriteAndGet(body), PubSubBody.SentinelSequence, Ticks.Now, runTag);
            }

            socket.Flush();
            for (int i = 0; i < batch; i++)
            {
                Reply reply = Handshake.Read(socket);
                socket.Consume(reply.Consumed);
                if (!ReplyRules.IsAllowed(CommandKind.Put, reply.Kind))
                {
                    throw new ProtocolViolationException($"sentinel put answered {reply.Kind.Token()}");
                }

                inserted += reply.Kind == ReplyKind.Inserted ? 1 : 0;
            }

            done += batch;
        }

        return inserted;
    }
}
