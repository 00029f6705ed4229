using System.Net.Sockets;
using System.Text;
using Queue.Server.Tests.TestKit;

namespace Queue.Server.Tests.Transport;

/// <summary>
/// What both transports must do with bursts larger than their buffers: every command answered,
/// in order, and one busy client not holding up another.
/// </summary>
public sealed class TransportTests
{
    public static TheoryData<bool> Transports => new() { true, false };

    [Theory, MemberData(nameof(Transports))]
    public async Task MegabytesOfPipelinedPuts_InOneWrite_AreAllAnsweredInOrder(bool epoll)
    {
        if (epoll && !Queue.Server.Transport.Epoll.EpollNative.IsSupported) epoll = false;
        await using var server = TestServer.Start(useEpoll: epoll);
        const int count = 20_000;
        var body = new string('x', 100);
        var request = new StringBuilder();
        for (int i = 0; i < count; i++) request.Append("put 0 0 60 100\r\n").Append(body).Append("\r\n");
        var bytes = Encoding.ASCII.GetBytes(request.ToString());

        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.Connect("127.0.0.1", server.Port);
        // Write everything while reading: the server's buffers fill and it must push back, not drop.
        var writer = Task.Run(() => socket.Send(bytes));
        var replies = ReadLines(socket, count);
        Assert.Equal(bytes.Length, await writer);

        Assert.Equal(count, replies.Count);
        for (int i = 0; i < count; i++) Assert.Equal($"INSERTED {i + 1}", replies[i]);
    }

    [Theory, MemberData(nameof(Transports))]
    public async Task ClientStreamingCommands_DoesNotHoldUpAnotherClient(bool epoll)
    {
        if (epoll && !Queue.Server.Transport.Epoll.EpollNative.IsSupported) epoll = false;
        await using var server = TestServer.Start(useEpoll: epoll);
        const int count = 200_000;
        var bytes = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("list-tube-used\r\n", count)));
        using var busy = new Socket(SocketType.Stream, ProtocolType.Tcp);
        busy.Connect("127.0.0.1", server.Port);
        int busyAnswered = 0;
        var reader = Task.Run(() =>
        {
            var buffer = new byte[64 * 1024];
            long expected = (long)count * "USING default\r\n".Length, seen = 0;
            while (seen < expected)
            {
                int n = busy.Receive(buffer);
                if (n == 0) break;
                seen += n;
                Volatile.Write(ref busyAnswered, (int)(seen / "USING default\r\n".Length));
            }
            return seen;
        });
        var writer = Task.Run(() => busy.Send(bytes));

        // Wait until the stream is being served, then ask on a second connection.
        while (Volatile.Read(ref busyAnswered) == 0) await Task.Delay(1);
        using var other = server.Connect();
        Assert.Equal("USING default\r\n", other.Call("list-tube-used\r\n"));
        int answeredWhenOtherWasServed = Volatile.Read(ref busyAnswered);

        await writer;
        Assert.Equal((long)count * "USING default\r\n".Length, await reader);
        Assert.True(answeredWhenOtherWasServed < count, $"the second client waited for all {count} commands of the first");
    }

    private static List<string> ReadLines(Socket socket, int count)
    {
        var lines = new List<string>(count);
        var buffer = new byte[64 * 1024];
        var pending = new StringBuilder();
        socket.ReceiveTimeout = 10_000;
        while (lines.Count < count)
        {
            int n = socket.Receive(buffer);
            if (n == 0) break;
            pending.Append(Encoding.ASCII.GetString(buffer, 0, n));
            string text = pending.ToString();
            int start = 0, end;
            while ((end = text.IndexOf("\r\n", start, StringComparison.Ordinal)) >= 0)
            {
                lines.Add(text[start..end]);
                start = end + 2;
            }
            pending.Clear().Append(text, start, text.Length - start);
        }
        return lines;
    }
}
