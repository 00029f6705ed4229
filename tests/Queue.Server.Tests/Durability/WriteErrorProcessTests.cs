using System.Net.Sockets;

namespace Queue.Server.Tests.Durability;

/// <summary>An unrecoverable write error stops the server loudly (FATAL on stderr, exit 1), never a silent in-memory mode.</summary>
public sealed class WriteErrorProcessTests
{
    [Fact]
    public void WriteError_StopsTheServer_WithExitOne_AndSaysWhy()
    {
        using var dir = new LogDir();
        using var server = LogServer.Start(dir.Path, "-s", "1048576");
        // The segment the log moves into next fails every write (ENOSPC).
        File.Delete(dir.File("log.1"));
        File.CreateSymbolicLink(dir.File("log.1"), "/dev/full");

        var body = new string('x', 2000);
        int inserted = 0;
        string last = "";
        try
        {
            using var c = server.Connect();
            for (int i = 0; i < 5000; i++)
            {
                last = c.Call($"put 1 0 60 {body.Length}\r\n{body}\r\n");
                if (!last.StartsWith("INSERTED ", StringComparison.Ordinal)) break;
                inserted++;
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException)
        {
            // The server went away mid-command.
        }
        Assert.True(server.WaitForExit(TimeSpan.FromSeconds(30)), $"the server kept running after the write error (last reply {last.TrimEnd()})");
        Assert.Equal(1, server.ExitCode);
        Assert.Contains("FATAL", server.Stderr, StringComparison.Ordinal);
        Assert.InRange(inserted, 100, 4999);
        File.Delete(dir.File("log.1"));

        // Everything acknowledged before the error is there on the next start.
        using var again = LogServer.Start(dir.Path, "-s", "1048576");
        using var c2 = again.Connect();
        var stats = JobLedger.Stats(c2);
        Assert.Equal(inserted, stats["current-jobs-ready"]);
    }
}
