using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Queue.Server.Tests.TestKit;

namespace Queue.Server.Tests.Durability;

/// <summary>Clients may connect while the log is replayed, but no command is answered on partial state.</summary>
public sealed class RecoveryGateTests
{
    [Fact]
    public void FirstAnswerAfterARestart_AlreadySeesEveryRecoveredJob()
    {
        using var dir = new LogDir();
        const int Jobs = 30_000;
        using (var server = LogServer.Start(dir.Path))
        {
            using var c = server.Connect();
            var batch = new StringBuilder();
            for (int i = 0; i < 100; i++) batch.Append(CultureInfo.InvariantCulture, $"put 1 0 60 20\r\n{i:D3}-payload-of-20byt\r\n");
            var bytes = Encoding.ASCII.GetBytes(batch.ToString());
            for (int sent = 0; sent < Jobs; sent += 100)
            {
                c.Send(bytes);
                for (int i = 0; i < 100; i++) Assert.StartsWith("INSERTED ", c.ReadLine(), StringComparison.Ordinal);
            }
            server.KillHard(); // no final checkpoint: the restart replays the log
        }

        using var restarted = LogServer.Launch(dir.Path);
        RawClient? client = null;
        for (int i = 0; client is null; i++)
        {
            try
            {
                client = RawClient.Connect(restarted.Port);
            }
            catch (SocketException)
            {
                Assert.False(restarted.HasExited, restarted.Stderr);
                Assert.True(i < 3000, "the port never opened");
                Thread.Sleep(5);
            }
        }
        using (client)
        {
            client.Send("stats\r\n");
            var stats = client.ReadReply(TimeSpan.FromSeconds(60));
            Assert.Contains($"\ncurrent-jobs-ready: {Jobs}\n", stats, StringComparison.Ordinal);
        }
    }
}
