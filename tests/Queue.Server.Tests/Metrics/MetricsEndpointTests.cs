using System.Globalization;
using System.Text.Json;
using Queue.Server.Tests.TestKit;

namespace Queue.Server.Tests.Metrics;

/// <summary>--metrics-port on the real executable: /metrics follows the stats, probes, 404s, and no port without the flag.</summary>
public sealed class MetricsEndpointTests
{
    private const string Tube = "metrics-test.tube";

    private static string Cmd(string name) => $"beanstalkd_cmd_total{{cmd=\"{name}\"}}";

    private static string TubeSample(string metric, string tube = Tube) => $"{metric}{{tube=\"{tube}\"}}";

    private static double Delta(Dictionary<string, double> before, Dictionary<string, double> after, string key) =>
        after[key] - before.GetValueOrDefault(key);

    [Fact]
    public void Metrics_FollowPutsReservesAndDeletes()
    {
        using var server = MetricsProcess.Start(metrics: true);
        var before = server.Scrape();
        Assert.False(before.ContainsKey(TubeSample("beanstalkd_tube_current_jobs_ready")), "the tube does not exist yet");

        using (var c = server.Connect())
        {
            Assert.Equal($"USING {Tube}\r\n", c.Call($"use {Tube}\r\n"));
            for (int i = 0; i < 3; i++) Assert.StartsWith("INSERTED ", c.Call("put 5 0 60 5\r\nhello\r\n"), StringComparison.Ordinal);
            Assert.Equal("WATCHING 2\r\n", c.Call($"watch {Tube}\r\n"));
            var reserved = c.Call("reserve-with-timeout 0\r\n");
            Assert.StartsWith("RESERVED ", reserved, StringComparison.Ordinal);
            string id = reserved.Split(' ')[1];
            Assert.Equal("DELETED\r\n", c.Call($"delete {id}\r\n"));
            var second = c.Call("reserve-with-timeout 0\r\n");
            Assert.StartsWith("RESERVED ", second, StringComparison.Ordinal);

            // The test kit's start-up probe connection is gone once the server has seen it close.
            var after = server.ScrapeUntil(m => m["beanstalkd_current_connections"] == 1);
            Assert.Equal(3, Delta(before, after, Cmd("put")));
            Assert.Equal(2, Delta(before, after, Cmd("reserve-with-timeout")));
            Assert.Equal(1, Delta(before, after, Cmd("delete")));
            Assert.Equal(1, Delta(before, after, Cmd("use")));
            Assert.Equal(1, Delta(before, after, Cmd("watch")));
            Assert.Equal(3, Delta(before, after, "beanstalkd_jobs_total"));
            Assert.Equal(1, after["beanstalkd_current_jobs_ready"]);
            Assert.Equal(1, after["beanstalkd_current_jobs_reserved"]);
            Assert.Equal(2, after["beanstalkd_current_jobs_urgent"] + after["beanstalkd_current_jobs_reserved"]);
            Assert.Equal(2, after["beanstalkd_current_tubes"]);
            // The one client connection; the scrape itself is not counted.
            Assert.Equal(1, after["beanstalkd_current_connections"]);
            Assert.Equal(1, after["beanstalkd_current_producers"]);
            Assert.Equal(1, after["beanstalkd_current_workers"]);

            // Per-tube gauges for the tube in use.
            Assert.Equal(1, after[TubeSample("beanstalkd_tube_current_jobs_ready")]);
            Assert.Equal(1, after[TubeSample("beanstalkd_tube_current_jobs_reserved")]);
            Assert.Equal(3, after[TubeSample("beanstalkd_tube_jobs_total")]);
            Assert.Equal(1, after[TubeSample("beanstalkd_tube_cmd_delete_total")]);
            Assert.Equal(1, after[TubeSample("beanstalkd_tube_current_using")]);
            Assert.Equal(1, after[TubeSample("beanstalkd_tube_current_watching")]);
            Assert.Equal(0, after[TubeSample("beanstalkd_tube_current_using", "default")]);
            Assert.Equal(1, after[TubeSample("beanstalkd_tube_current_watching", "default")]);

            // Histograms: two reservations, one delete of a reserved job.
            Assert.Equal(2, Delta(before, after, "beanstalkd_job_time_in_queue_seconds_count"));
            Assert.Equal(1, Delta(before, after, "beanstalkd_job_reserve_to_delete_seconds_count"));
            foreach (var h in new[] { "beanstalkd_job_time_in_queue_seconds", "beanstalkd_job_reserve_to_delete_seconds" })
            {
                Assert.Equal(after[h + "_count"], after[h + "_bucket{le=\"+Inf\"}"]);
                Assert.True(after[h + "_sum"] >= 0);
                var buckets = after.Where(kv => kv.Key.StartsWith(h + "_bucket", StringComparison.Ordinal)).Select(kv => kv.Value).ToList();
                Assert.Equal(buckets.OrderBy(v => v), buckets);
            }
        }
    }

    [Fact]
    public void Scrapes_DoNotShowUpInTheCounters()
    {
        using var server = MetricsProcess.Start(metrics: true);
        // The start-up probe's connection is gone once the server has seen it close.
        var before = server.ScrapeUntil(m => m["beanstalkd_current_connections"] == 0);
        for (int i = 0; i < 3; i++) server.Scrape();
        var after = server.Scrape();
        foreach (var m in new[] { before, after })
        {
            Assert.Equal(0, m[Cmd("stats")]);
            Assert.Equal(0, m[Cmd("list-tubes")]);
            Assert.Equal(0, m[Cmd("stats-tube")]);
            Assert.Equal(0, m["beanstalkd_current_connections"]);
            Assert.Equal(0, m[TubeSample("beanstalkd_tube_current_watching", "default")]);
        }
        Assert.Equal(before["beanstalkd_connections_total"], after["beanstalkd_connections_total"]);

        // And the protocol's stats agrees on the commands.
        using var c = server.Connect();
        var yaml = c.Call("stats\r\n");
        Assert.Contains("\ncmd-list-tubes: 0\n", yaml, StringComparison.Ordinal);
        Assert.Contains("\ncmd-stats-tube: 0\n", yaml, StringComparison.Ordinal);
        Assert.Contains("\ncmd-stats: 1\n", yaml, StringComparison.Ordinal);
    }

    [Fact]
    public void Metrics_CoverEveryNumericStatsKey()
    {
        using var server = MetricsProcess.Start(metrics: true);
        var m = server.Scrape();
        using var c = server.Connect();
        var yaml = c.Call("stats\r\n");
        var missing = new List<string>();
        foreach (var line in yaml.Split('\n').Skip(1))
        {
            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon < 0) continue;
            string key = line[..colon];
            string value = line[(colon + 2)..];
            if (key == "id" || !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _) && key != "draining") continue;
            string snake = "beanstalkd_" + key.Replace('-', '_');
            var candidates = new[] { "", "_total", "_bytes", "_seconds", "_seconds_total" }.Select(suffix => snake + suffix).ToList();
            if (key.StartsWith("total-", StringComparison.Ordinal)) candidates.Add("beanstalkd_" + key[6..].Replace('-', '_') + "_total");
            bool found = key.StartsWith("cmd-", StringComparison.Ordinal) ? m.ContainsKey(Cmd(key[4..])) : candidates.Any(m.ContainsKey);
            if (!found) missing.Add(key);
        }
        Assert.Empty(missing);
        Assert.Equal(0, m["beanstalkd_draining"]);
        Assert.True(m["beanstalkd_memory_limit_bytes"] > 0);
        Assert.Equal(65535, m["beanstalkd_max_job_size_bytes"]);
        Assert.Equal(server.Pid, m["beanstalkd_pid"]);
    }

    [Fact]
    public void Probes_AnswerAndUnknownPathsAre404()
    {
        using var server = MetricsProcess.Start(metrics: true);
        var health = server.Get("/healthz");
        Assert.Equal(200, health.Status);
        Assert.Equal("ok\n", health.Body);
        Assert.Equal(200, server.Get("/readyz").Status);
        Assert.Equal(200, server.Get("/metrics?name[]=x").Status);
        Assert.Equal(404, server.Get("/").Status);
        Assert.Equal(404, server.Get("/metrics/extra").Status);
        Assert.Equal(404, server.Get("/favicon.ico").Status);
        var post = server.Get("/metrics", "POST");
        Assert.Equal(405, post.Status);
        Assert.Contains("Allow: GET, HEAD", post.Headers, StringComparison.Ordinal);
        var head = server.Get("/healthz", "HEAD");
        Assert.Equal(200, head.Status);
        Assert.Equal("", head.Body);
    }

    [Fact]
    public void MetricsPort_IsClosed_WithoutTheFlag()
    {
        using var server = MetricsProcess.Start(metrics: false);
        Assert.Equal(new HashSet<int> { server.Port }, server.ListeningPorts());

        using var withFlag = MetricsProcess.Start(metrics: true);
        Assert.Equal(new HashSet<int> { withFlag.Port, withFlag.MetricsPort!.Value }, withFlag.ListeningPorts());
    }

    [Fact]
    public void MetricsPortInUse_RefusesToStart()
    {
        using var blocker = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        blocker.Bind(new System.Net.IPEndPoint(System.Net.IPAddress.Loopback, 0));
        blocker.Listen();
        int taken = ((System.Net.IPEndPoint)blocker.LocalEndPoint!).Port;
        using var server = MetricsProcess.Launch(taken);
        Assert.True(server.WaitForExit(TimeSpan.FromSeconds(20)));
        Assert.Equal(111, server.ExitCode);
        Assert.Contains(server.StderrLines, l => l.Contains($": metrics port {taken}: ", StringComparison.Ordinal));
    }

    [Fact]
    public void JsonLogFormat_EveryLineIsAJsonObject()
    {
        using var dir = new Durability.LogDir();
        using var server = MetricsProcess.Start(metrics: true, "-b", dir.Path, "--log-format=json");
        using (var c = server.Connect())
        {
            Assert.StartsWith("INSERTED ", c.Call("put 0 0 60 2\r\nhi\r\n"), StringComparison.Ordinal);
        }
        server.Scrape();
        server.Signal(ServerProcess.SigUsr1);
        server.WaitForStderr(l => l.Contains("\"EventId\":4,", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        server.Signal(ServerProcess.SigTerm);
        Assert.True(server.WaitForExit(TimeSpan.FromSeconds(20)), server.Output);
        Assert.Equal(0, server.ExitCode);

        var events = new List<JsonElement>();
        foreach (var line in server.StdoutLines.Concat(server.StderrLines))
        {
            if (line.Length == 0) continue;
            using var doc = JsonDocument.Parse(line);
            Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
            events.Add(doc.RootElement.Clone());
        }
        var ids = events.Where(e => e.GetProperty("Category").GetString() == "QueueServer").Select(e => e.GetProperty("EventId").GetInt32()).ToList();
        // Starting, metrics endpoint (it answers probes during recovery), recovered, drain, shutdown begun and finished.
        Assert.Equal([1, 50, 10, 4, 2, 3], ids);
        var starting = events.First(e => e.GetProperty("EventId").GetInt32() == 1);
        Assert.Equal("Information", starting.GetProperty("LogLevel").GetString());
        var state = starting.GetProperty("State");
        Assert.Equal("periodic", state.GetProperty("Durability").GetString());
        Assert.Equal(dir.Path, state.GetProperty("DataDirectory").GetString());
        Assert.Equal($"127.0.0.1:{server.Port}", state.GetProperty("ListenAddress").GetString());
        Assert.Equal("1.12", state.GetProperty("ProtocolVersion").GetString());
        Assert.True(state.GetProperty("MemoryCapMiB").GetInt64() > 0);
        var recovered = events.First(e => e.GetProperty("EventId").GetInt32() == 10).GetProperty("State");
        Assert.Equal(0, recovered.GetProperty("JobsRecovered").GetInt64());
        Assert.Equal(0, recovered.GetProperty("DamagedRecords").GetInt64());
        Assert.Equal("stop signal", events.First(e => e.GetProperty("EventId").GetInt32() == 2).GetProperty("State").GetProperty("Reason").GetString());
    }

    [Fact]
    public void ConsoleLogs_StartUpRecoveryDrainAndShutdown_OnStderr()
    {
        using var dir = new Durability.LogDir();
        using (var first = MetricsProcess.Start(metrics: false, "-b", dir.Path))
        {
            using (var c = first.Connect())
            {
                for (int i = 0; i < 4; i++) Assert.StartsWith("INSERTED ", c.Call("put 0 0 60 2\r\nhi\r\n"), StringComparison.Ordinal);
            }
            first.Signal(ServerProcess.SigTerm);
            Assert.True(first.WaitForExit(TimeSpan.FromSeconds(20)), first.Output);
        }
        using var server = MetricsProcess.Start(metrics: true, "-b", dir.Path, "-f0");
        var recovered = server.WaitForStderr(l => l.Contains("recovered ", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.Contains("recovered 4 jobs", recovered, StringComparison.Ordinal);
        var starting = server.StderrLines.Single(l => l.Contains(" listening on ", StringComparison.Ordinal));
        Assert.Contains($"listening on 127.0.0.1:{server.Port}; durability always", starting, StringComparison.Ordinal);
        Assert.Contains("memory cap ", starting, StringComparison.Ordinal);
        Assert.Empty(server.StdoutLines);

        server.Signal(ServerProcess.SigUsr1);
        server.WaitForStderr(l => l.Contains("drain mode entered (SIGUSR1)", StringComparison.Ordinal), TimeSpan.FromSeconds(10));
        Assert.Equal(1, server.ScrapeUntil(m => m["beanstalkd_draining"] == 1)["beanstalkd_draining"]);
        using (var c = server.Connect())
        {
            Assert.Equal("DRAINING\r\n", c.Call("put 0 0 60 2\r\nhi\r\n"));
        }
        server.Signal(ServerProcess.SigTerm);
        Assert.True(server.WaitForExit(TimeSpan.FromSeconds(20)), server.Output);
        Assert.Equal(0, server.ExitCode);
        Assert.Contains(server.StderrLines, l => l.Contains("shutdown begun (stop signal)", StringComparison.Ordinal));
        Assert.Contains(server.StderrLines, l => l.Contains("shutdown finished in ", StringComparison.Ordinal));
        Assert.DoesNotContain(server.StderrLines, l => l.Contains("Microsoft.Hosting.Lifetime", StringComparison.Ordinal));
    }
}
