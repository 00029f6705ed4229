using System.Globalization;
using System.Text;

namespace Queue.Server.Tests.Durability;

/// <summary>-z 1073741824: 5 MiB and 70 MiB jobs through the wire, kept across kill -9 and a clean restart.</summary>
public sealed class LargeJobProcessTests
{
    private static byte[] Body(int length, int seed)
    {
        var body = new byte[length];
        new Random(seed).NextBytes(body);
        for (int i = 0; i < body.Length; i++) body[i] = (byte)('A' + (body[i] % 58)); // no CR/LF needed, just variety
        return body;
    }

    private static ulong Put(TestKit.RawClient c, byte[] body, uint pri)
    {
        c.Send($"put {pri} 0 120 {body.Length}\r\n");
        c.Send(body);
        c.Send("\r\n");
        var reply = c.ReadLine(TimeSpan.FromSeconds(60));
        Assert.StartsWith("INSERTED ", reply, StringComparison.Ordinal);
        return ulong.Parse(reply[9..^2], CultureInfo.InvariantCulture);
    }

    private static void AssertBody(string reply, string head, byte[] body)
    {
        Assert.StartsWith(head, reply, StringComparison.Ordinal);
        Assert.Equal(body.Length + head.Length + 2, reply.Length);
        Assert.True(Encoding.Latin1.GetBytes(reply[head.Length..^2]).AsSpan().SequenceEqual(body));
    }

    [Fact]
    public void FiveAndSeventyMiBJobs_SurviveKillNine_AndACleanRestart()
    {
        using var dir = new LogDir();
        var five = Body(5 << 20, 5);
        var seventy = Body(70 << 20, 70);
        string[] args = ["-z", "1073741824"];
        ulong fiveId, seventyId;
        using (var server = LogServer.Start(dir.Path, args))
        {
            using var c = server.Connect();
            fiveId = Put(c, five, 1);
            seventyId = Put(c, seventy, 2);
            AssertBody(c.ReadReplyOf($"reserve\r\n"), $"RESERVED {fiveId} {five.Length}\r\n", five);
            AssertBody(c.ReadReplyOf($"peek {seventyId}\r\n"), $"FOUND {seventyId} {seventy.Length}\r\n", seventy);
            server.KillHard();
        }
        using (var server = LogServer.Start(dir.Path, args))
        {
            using var c = server.Connect();
            AssertBody(c.ReadReplyOf($"reserve-job {seventyId}\r\n"), $"RESERVED {seventyId} {seventy.Length}\r\n", seventy);
            AssertBody(c.ReadReplyOf($"peek {fiveId}\r\n"), $"FOUND {fiveId} {five.Length}\r\n", five);
            Assert.Equal("BURIED\r\n", c.Call($"bury {seventyId} 5\r\n"));
            Assert.Equal(0, server.Stop());
        }
        using (var server = LogServer.Start(dir.Path, args))
        {
            using var c = server.Connect();
            AssertBody(c.ReadReplyOf("peek-buried\r\n"), $"FOUND {seventyId} {seventy.Length}\r\n", seventy);
            AssertBody(c.ReadReplyOf("reserve\r\n"), $"RESERVED {fiveId} {five.Length}\r\n", five);
            Assert.DoesNotContain("recovery:", server.Stderr, StringComparison.Ordinal);
        }
    }
}

internal static class RawClientLargeReplies
{
    /// <summary>Sends a command and reads its reply with a patience fit for tens of MiB.</summary>
    public static string ReadReplyOf(this TestKit.RawClient c, string command)
    {
        c.Send(command);
        return c.ReadReply(TimeSpan.FromSeconds(60));
    }
}
