using Queue.Server.Metrics;
using Queue.Storage;

namespace Queue.Server.Tests.Metrics;

/// <summary>The Prometheus text exposition format 0.0.4 as written by <see cref="PrometheusWriter"/> and <see cref="MetricsCollector.Format"/>.</summary>
public sealed class PrometheusFormatTests
{
    [Fact]
    public void Writer_SmallFixedInput_ExactText()
    {
        var w = new PrometheusWriter();
        w.Gauge("beanstalkd_current_jobs_ready", "Jobs in the ready queue.", 3);
        w.Family("beanstalkd_cmd_total", "counter", "Commands received.");
        w.Sample("beanstalkd_cmd_total", 12, ("cmd", "put"));
        w.Sample("beanstalkd_cmd_total", 0, ("cmd", "peek-ready"));
        w.Family("beanstalkd_tube_current_jobs_ready", "gauge", "Per tube, with a \\ and a\nnewline in the help.");
        w.Sample("beanstalkd_tube_current_jobs_ready", 1, ("tube", "a\"b\\c\nd"));
        w.Counter("beanstalkd_rusage_utime_seconds_total", "CPU.", 0.125);
        w.Histogram("beanstalkd_job_time_in_queue_seconds", "Latency.", [0.0001, 0.5, 2.5, 86400], [1, 3, 3, 4, 5], 5, 7.25);

        const string expected =
            "# HELP beanstalkd_current_jobs_ready Jobs in the ready queue.\n" +
            "# TYPE beanstalkd_current_jobs_ready gauge\n" +
            "beanstalkd_current_jobs_ready 3\n" +
            "# HELP beanstalkd_cmd_total Commands received.\n" +
            "# TYPE beanstalkd_cmd_total counter\n" +
            "beanstalkd_cmd_total{cmd=\"put\"} 12\n" +
            "beanstalkd_cmd_total{cmd=\"peek-ready\"} 0\n" +
            "# HELP beanstalkd_tube_current_jobs_ready Per tube, with a \\\\ and a\\nnewline in the help.\n" +
            "# TYPE beanstalkd_tube_current_jobs_ready gauge\n" +
            "beanstalkd_tube_current_jobs_ready{tube=\"a\\\"b\\\\c\\nd\"} 1\n" +
            "# HELP beanstalkd_rusage_utime_seconds_total CPU.\n" +
            "# TYPE beanstalkd_rusage_utime_seconds_total counter\n" +
            "beanstalkd_rusage_utime_seconds_total 0.125\n" +
            "# HELP beanstalkd_job_time_in_queue_seconds Latency.\n" +
            "# TYPE beanstalkd_job_time_in_queue_seconds histogram\n" +
            "beanstalkd_job_time_in_queue_seconds_bucket{le=\"0.0001\"} 1\n" +
            "beanstalkd_job_time_in_queue_seconds_bucket{le=\"0.5\"} 3\n" +
            "beanstalkd_job_time_in_queue_seconds_bucket{le=\"2.5\"} 3\n" +
            "beanstalkd_job_time_in_queue_seconds_bucket{le=\"86400\"} 4\n" +
            "beanstalkd_job_time_in_queue_seconds_bucket{le=\"+Inf\"} 5\n" +
            "beanstalkd_job_time_in_queue_seconds_sum 7.25\n" +
            "beanstalkd_job_time_in_queue_seconds_count 5\n";
        Assert.Equal(expected, w.ToString());
    }

    [Theory]
    [InlineData(0, "0")]
    [InlineData(42, "42")]
    [InlineData(-7, "-7")]
    [InlineData(0.00025, "0.00025")]
    [InlineData(1.5, "1.5")]
    [InlineData(18446744073709551615.0, "1.8446744073709552E+19")]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    public void Numbers_AreGoFloatText(double value, string text) => Assert.Equal(text, PrometheusWriter.FormatNumber(value));

    [Theory]
    [InlineData("memory-used", "memory_used")]
    [InlineData("a.b/c", "a_b_c")]
    [InlineData("9lives", "_9lives")]
    public void MetricNames_AreSanitised(string key, string name) => Assert.Equal(name, PrometheusWriter.MetricName(key));

    [Fact]
    public void Histogram_NeedsOneCountPerBoundPlusInf() =>
        Assert.Throws<ArgumentException>(() => new PrometheusWriter().Histogram("h", "x", [1, 2], [1, 2], 2, 1));

    [Fact]
    public void Format_FixedSnapshot_ServerTubeAndHistogramFamilies()
    {
        var counts = new ulong[32];
        counts[(int)Operation.Put] = 7;
        counts[(int)Operation.Delete] = 2;
        var stats = new ServerStats
        {
            CommandCounts = counts,
            CurrentJobsReady = 5,
            CurrentJobsUrgent = 1,
            CurrentConnections = 3,
            TotalConnections = 10,
            TotalJobs = 7,
            MaxJobSize = 65535,
            UptimeSeconds = 12,
            Draining = true,
            Extra = [new("memory-limit", 1 << 30), new("memory-put-refusals", 4), new("memory-new-figure", 9)],
        };
        var tubes = new List<TubeStats>
        {
            new() { Name = "default", CurrentUsing = 2, CurrentWatching = 3 },
            new() { Name = "emails", CurrentJobsReady = 5, TotalJobs = 7, CmdDelete = 2, CurrentUsing = 1, CurrentWatching = 1, PauseSeconds = 30, PauseTimeLeftSeconds = 29 },
        };
        int buckets = LatencyHistogram.BoundsSeconds.Length + 1;
        var inQueue = (Enumerable.Repeat(2L, buckets).ToArray(), 2L, 0.5);
        var held = (new long[buckets], 0L, 0.0);
        var snapshot = new MetricsSnapshot(stats, tubes, inQueue, held, TimeSpan.FromMilliseconds(1500), TimeSpan.FromMilliseconds(250), 4242)
        {
            OwnSessionsOpen = 1,
            OwnSessionsTotal = 4,
        };

        var text = MetricsCollector.Format(snapshot);
        var m = MetricsProcess.Parse(text);
        Assert.Equal(7, m["beanstalkd_cmd_total{cmd=\"put\"}"]);
        Assert.Equal(2, m["beanstalkd_cmd_total{cmd=\"delete\"}"]);
        Assert.Equal(0, m["beanstalkd_cmd_total{cmd=\"pause-tube\"}"]);
        Assert.Equal(22, m.Keys.Count(k => k.StartsWith("beanstalkd_cmd_total{", StringComparison.Ordinal)));
        Assert.Equal(5, m["beanstalkd_current_jobs_ready"]);
        // The endpoint's own session is left out of the connection figures.
        Assert.Equal(2, m["beanstalkd_current_connections"]);
        Assert.Equal(6, m["beanstalkd_connections_total"]);
        Assert.Equal(1, m["beanstalkd_tube_current_using{tube=\"default\"}"]);
        Assert.Equal(2, m["beanstalkd_tube_current_watching{tube=\"default\"}"]);
        Assert.Equal(1, m["beanstalkd_tube_current_using{tube=\"emails\"}"]);
        Assert.Equal(1, m["beanstalkd_draining"]);
        Assert.Equal(12, m["beanstalkd_uptime_seconds"]);
        Assert.Equal(1.5, m["beanstalkd_rusage_utime_seconds_total"]);
        Assert.Equal(4242, m["beanstalkd_pid"]);
        Assert.Equal(1 << 30, m["beanstalkd_memory_limit_bytes"]);
        Assert.Equal(4, m["beanstalkd_memory_put_refusals_total"]);
        Assert.Equal(9, m["beanstalkd_memory_new_figure"]);
        Assert.Equal(5, m["beanstalkd_tube_current_jobs_ready{tube=\"emails\"}"]);
        Assert.Equal(7, m["beanstalkd_tube_jobs_total{tube=\"emails\"}"]);
        Assert.Equal(2, m["beanstalkd_tube_cmd_delete_total{tube=\"emails\"}"]);
        Assert.Equal(30, m["beanstalkd_tube_pause_seconds{tube=\"emails\"}"]);
        Assert.Equal(29, m["beanstalkd_tube_pause_time_left_seconds{tube=\"emails\"}"]);
        Assert.Equal(2, m["beanstalkd_job_time_in_queue_seconds_bucket{le=\"+Inf\"}"]);
        Assert.Equal(0.5, m["beanstalkd_job_time_in_queue_seconds_sum"]);
        Assert.Equal(0, m["beanstalkd_job_reserve_to_delete_seconds_count"]);
        Assert.Contains("# TYPE beanstalkd_memory_put_refusals_total counter\n", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE beanstalkd_job_reserve_to_delete_seconds histogram\n", text, StringComparison.Ordinal);

        // Exposition-format rules: each family's HELP and TYPE once, before its samples, and all its samples together.
        var seen = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        foreach (var line in text.TrimEnd('\n').Split('\n'))
        {
            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                current = line.Split(' ')[2];
                Assert.True(seen.Add(current), $"family {current} written twice");
                continue;
            }
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                Assert.Equal(current, line.Split(' ')[2]);
                continue;
            }
            string name = line.Split('{', ' ')[0];
            Assert.True(name == current || name.StartsWith(current + "_", StringComparison.Ordinal), $"sample {line} outside its family {current}");
        }
    }
}
