using System.Text;
using Queue.Server.Hosting;
using Queue.Server.Tests.TestKit;

namespace Queue.Server.Tests;

/// <summary>
/// Replays a golden conversation recorded from beanstalkd 1.12 against an in-process server and
/// fails on the first reply that differs. Values that differ between any two processes (pid,
/// uptime, rusage, instance id, uname) are masked in YAML replies; everything else is byte-exact.
/// </summary>
internal static class ConversationRunner
{
    private const int SettleMs = 30;

    private static readonly HashSet<string> s_volatileKeys =
        ["pid", "rusage-utime", "rusage-stime", "uptime", "id", "hostname", "os", "platform"];

    public static async Task RunAsync(Conversation conversation, bool? useEpoll = null)
    {
        var parsed = CommandLine.Parse(conversation.Args.Split(' ', StringSplitOptions.RemoveEmptyEntries), "beanstalkd");
        Assert.NotNull(parsed.Options);
        await using var server = TestServer.Start(parsed.Options.MaxJobSize, useEpoll: useEpoll);
        var connections = new Dictionary<char, RawClient>();
        try
        {
            var steps = Prepare(conversation.Steps);
            for (int i = 0; i < steps.Count; i++)
            {
                var step = steps[i];
                string where = $"{conversation.Name}.conv:{step.Line} ({step.Kind} {step.Connection})";
                switch (step.Kind)
                {
                    case "connect": connections[step.Connection] = server.Connect(); break;
                    case "send": connections[step.Connection].Send(step.Data); break;
                    case "sendbytes": connections[step.Connection].SendByteByByte(step.Data, 2); break;
                    case "sleep": await Task.Delay(step.Number); break;
                    case "shutdown": connections[step.Connection].ShutdownSend(); break;
                    case "close":
                        connections[step.Connection].Dispose();
                        connections.Remove(step.Connection);
                        break;
                    case "eof":
                        Assert.True(connections[step.Connection].WaitForEof(TimeSpan.FromSeconds(3)), $"{where}: expected the server to close the connection");
                        break;
                    case "recv": ExpectReplies(connections[step.Connection], step.Data, where); break;
                }
                // The recorder let the real server settle after every step; a step nothing waits on
                // gets the same chance here, so work sent on different connections keeps its order.
                bool awaited = i + 1 < steps.Count && steps[i + 1].Kind == "recv";
                if (!awaited && step.Kind is "send" or "sendbytes" or "shutdown") await Task.Delay(SettleMs);
            }
            foreach (var (name, client) in connections)
            {
                var extra = client.Drain(TimeSpan.FromMilliseconds(150));
                Assert.True(extra.Length == 0, $"{conversation.Name}: unexpected extra bytes on {name}: {RawClient.Show(extra)}");
            }
        }
        finally
        {
            foreach (var c in connections.Values) c.Dispose();
        }
    }

    /// <summary>Applies `ours` overrides: an `ours` step replaces the `recv` just before it (documented deviations).</summary>
    private static List<Step> Prepare(IReadOnlyList<Step> steps)
    {
        var result = new List<Step>();
        foreach (var s in steps)
        {
            if (s.Kind == "ours")
            {
                if (result.Count > 0 && result[^1].Kind == "recv" && result[^1].Connection == s.Connection) result.RemoveAt(result.Count - 1);
                if (s.Data.Length > 0) result.Add(s with { Kind = "recv" });
                continue;
            }
            result.Add(s);
        }
        return result;
    }

    private static void ExpectReplies(RawClient client, byte[] expected, string where)
    {
        foreach (var unit in SplitReplies(expected))
        {
            var expectedText = Encoding.Latin1.GetString(unit);
            string actual;
            try
            {
                actual = ReadLikeExpected(client, expectedText);
            }
            catch (IOException ex)
            {
                Assert.Fail($"{where}: expected {RawClient.Show(unit)} but {ex.Message}");
                return;
            }
            var e = Normalize(expectedText);
            var a = Normalize(actual);
            Assert.True(e == a, $"{where}:\n expected {Conversation.Escape(Encoding.Latin1.GetBytes(e))}\n actual   {Conversation.Escape(Encoding.Latin1.GetBytes(a))}");
        }
    }

    private static string ReadLikeExpected(RawClient client, string expectedUnit)
    {
        // A reply with a data block is read by its own announced length, so a YAML payload whose
        // masked values have a different length is still framed correctly.
        if (RawClient.PayloadLength(FirstLine(expectedUnit)) >= 0) return client.ReadReply();
        return client.ReadLine();
    }

    /// <summary>Splits recorded bytes into replies: a line, plus its data block if it announces one.</summary>
    public static List<byte[]> SplitReplies(byte[] data)
    {
        var units = new List<byte[]>();
        int pos = 0;
        while (pos < data.Length)
        {
            int end = IndexOfCrlf(data, pos);
            if (end < 0)
            {
                units.Add(data[pos..]);
                break;
            }
            var line = Encoding.Latin1.GetString(data, pos, end + 2 - pos);
            int payload = RawClient.PayloadLength(line);
            int unitEnd = payload < 0 ? end + 2 : Math.Min(data.Length, end + 2 + payload + 2);
            units.Add(data[pos..unitEnd]);
            pos = unitEnd;
        }
        return units;
    }

    private static int IndexOfCrlf(byte[] data, int from)
    {
        for (int i = from; i + 1 < data.Length; i++)
        {
            if (data[i] == '\r' && data[i + 1] == '\n') return i;
        }
        return -1;
    }

    private static string FirstLine(string s)
    {
        int i = s.IndexOf("\r\n", StringComparison.Ordinal);
        return i < 0 ? s : s[..(i + 2)];
    }

    /// <summary>Masks process-specific YAML values and the OK length that depends on them.</summary>
    private static string Normalize(string reply)
    {
        if (!reply.StartsWith("OK ", StringComparison.Ordinal) || !reply.Contains("\n---\n", StringComparison.Ordinal)) return reply;
        var lines = reply.Split('\n');
        bool masked = false;
        for (int i = 0; i < lines.Length; i++)
        {
            int colon = lines[i].IndexOf(": ", StringComparison.Ordinal);
            if (colon > 0 && s_volatileKeys.Contains(lines[i][..colon]))
            {
                lines[i] = lines[i][..colon] + ": *";
                masked = true;
            }
        }
        if (masked) lines[0] = "OK *\r";
        return string.Join('\n', lines);
    }
}
