using System.Net.Sockets;
using Queue.Server.Tests.TestKit;

namespace Queue.Server.Tests.Integration;

/// <summary>
/// Many clients, and clients that misbehave with volume: the server keeps serving and its memory
/// stays bounded. Each test runs the real executable so its memory can be read from /proc.
/// </summary>
public sealed class ResourceLimitTests
{
    private const long MiB = 1024 * 1024;

    [Fact]
    public void TenThousandConnections_AllServed_ThenAllReleased()
    {
        const int n = 10_000;
        using var server = ServerProcess.Start();
        var clients = new List<Socket>(n);
        try
        {
            for (int i = 0; i < n; i++)
            {
                var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                s.Connect("127.0.0.1", server.Port);
                clients.Add(s);
            }
            var request = "list-tube-used\r\n"u8.ToArray();
            foreach (var s in clients) s.Send(request);
            var expected = "USING default\r\n"u8.ToArray();
            var buf = new byte[64];
            foreach (var s in clients)
            {
                int got = 0;
                s.ReceiveTimeout = 10_000;
                while (got < expected.Length) got += s.Receive(buf, got, expected.Length - got, SocketFlags.None);
                Assert.Equal(expected, buf[..got]);
            }
            using (var probe = server.Connect())
            {
                Assert.Contains($"\ncurrent-connections: {n + 1}\n", probe.Call("stats\r\n"), StringComparison.Ordinal);
            }
        }
        finally
        {
            foreach (var s in clients) s.Dispose();
        }
        using var after = server.Connect();
        string stats = "";
        for (int i = 0; i < 200 && !stats.Contains("\ncurrent-connections: 1\n", StringComparison.Ordinal); i++)
        {
            Thread.Sleep(25);
            stats = after.Call("stats\r\n");
        }
        Assert.Contains("\ncurrent-connections: 1\n", stats, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClientThatNeverReads_RepliesBackUp_ServerMemoryStaysBounded()
    {
        using var server = ServerProcess.Start();
        using (var setup = server.Connect())
        {
            var body = new string('b', 60_000);
            Assert.Equal("INSERTED 1\r\n", setup.Call($"put 0 0 60 {body.Length}\r\n{body}\r\n"));
        }
        long before = server.RssBytes();
        // 4000 peeks ask for ~240 MB of replies; the client reads none of them.
        using var greedy = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        greedy.Connect("127.0.0.1", server.Port);
        greedy.ReceiveBufferSize = 64 * 1024;
        var peeks = System.Text.Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("peek 1\r\n", 4000)));
        var sender = Task.Run(() =>
        {
            try
            {
                greedy.Send(peeks);
            }
            catch (SocketException)
            {
            }
        });
        await Task.Delay(1500);
        long during = server.RssBytes();
        Assert.True(during - before < 64 * MiB, $"server grew by {(during - before) / MiB} MiB for a client that does not read");
        // The server is still responsive to others meanwhile.
        using (var other = server.Connect())
        {
            Assert.Equal("USING default\r\n", other.Call("list-tube-used\r\n"));
        }
        // And the greedy client gets every reply once it starts reading.
        var one = $"FOUND 1 60000\r\n{new string('b', 60_000)}\r\n".Length;
        long total = (long)one * 4000;
        var buf = new byte[1 << 20];
        long received = 0;
        greedy.ReceiveTimeout = 20_000;
        while (received < total) received += greedy.Receive(buf);
        Assert.Equal(total, received);
        await sender.WaitAsync(TimeSpan.FromSeconds(20));
    }

    [Fact]
    public void GarbageFlood_WithoutLineEnds_IsDiscarded_ConnectionStillUsable()
    {
        using var server = ServerProcess.Start();
        long before = server.RssBytes();
        using var client = server.Connect();
        var garbage = new byte[1 << 20];
        Array.Fill(garbage, (byte)'x');
        for (int i = 0; i < 100; i++) client.Send(garbage); // 100 MiB, no CRLF anywhere
        long during = server.RssBytes();
        Assert.True(during - before < 64 * MiB, $"server grew by {(during - before) / MiB} MiB buffering garbage");
        client.Send("\r\nlist-tube-used\r\n");
        Assert.Equal("BAD_FORMAT\r\n", client.ReadLine());
        Assert.Equal("USING default\r\n", client.ReadLine());
    }
}
