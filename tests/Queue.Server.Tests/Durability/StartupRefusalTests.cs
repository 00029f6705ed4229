using System.Net.Sockets;
using Queue.Server.Tests.TestKit;

namespace Queue.Server.Tests.Durability;

/// <summary>The executable refuses a directory it cannot use safely, with beanstalkd's exit codes.</summary>
public sealed class StartupRefusalTests
{
    private static void PutSome(LogServer server, int count)
    {
        using var c = server.Connect();
        for (int i = 0; i < count; i++) Assert.StartsWith("INSERTED ", c.Call($"put 1 0 60 5\r\njob{i % 10:D2}\r\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void SecondServer_OnTheSameDirectory_ExitsTen_AndTheFirstKeepsWorking()
    {
        using var dir = new LogDir();
        using var first = LogServer.Start(dir.Path);
        PutSome(first, 3);

        using (var second = LogServer.Launch(dir.Path))
        {
            Assert.True(second.WaitForExit(TimeSpan.FromSeconds(30)), "the second server did not give up");
            Assert.Equal(10, second.ExitCode);
            Assert.Contains("lock", second.Stderr, StringComparison.Ordinal);
        }

        using var c = first.Connect();
        Assert.Equal("INSERTED 4\r\n", c.Call("put 1 0 60 2\r\nhi\r\n"));
        Assert.StartsWith("FOUND 1 5\r\njob00", c.Call("peek 1\r\n"), StringComparison.Ordinal);
        Assert.Equal(0, first.Stop());

        // Once the first is gone the directory is usable again, with everything in it.
        using var again = LogServer.Start(dir.Path);
        using var c2 = again.Connect();
        Assert.StartsWith("FOUND 4 2\r\nhi", c2.Call("peek 4\r\n"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("commit")]
    [InlineData("format")]
    [InlineData("index.ckpt")]
    [InlineData("log.0")]
    public void DamagedDirectory_ExitsOne_NeverServesAnEmptyQueue(string victim)
    {
        using var dir = new LogDir();
        using (var server = LogServer.Start(dir.Path, "-s", "1048576"))
        {
            PutSome(server, 20);
            Assert.Equal(0, server.Stop()); // writes index.ckpt
        }
        switch (victim)
        {
            case "log.0": File.Delete(dir.File(victim)); break;
            default:
                var bytes = File.ReadAllBytes(dir.File(victim));
                for (int i = 0; i < bytes.Length; i += 3) bytes[i] ^= 0x41;
                File.WriteAllBytes(dir.File(victim), bytes);
                break;
        }

        using var refused = LogServer.Launch(dir.Path, "-s", "1048576");
        // Bound before the log is opened: clients may connect, but nothing is ever answered.
        try
        {
            using var c = RawClient.Connect(refused.Port);
            c.Send("stats\r\n");
            Assert.Throws<IOException>(() => c.ReadLine(TimeSpan.FromSeconds(30)));
        }
        catch (SocketException)
        {
            // Already gone.
        }
        Assert.True(refused.WaitForExit(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("binlog", refused.Stderr, StringComparison.Ordinal);
    }
}
