using System.Globalization;
using Queue.Storage;

namespace Queue.Server.Tests.Protocol;

// `stats`: 51 keys in 1.12's order, each counter under its own key.
public sealed partial class StatsFormatterTests
{
    private static ServerStats Server(Func<int, ulong>? count = null, IReadOnlyList<KeyValuePair<string, long>>? extra = null)
    {
        var counts = new ulong[Enum.GetValues<Operation>().Length];
        for (int i = 0; i < counts.Length; i++) counts[i] = count?.Invoke(i) ?? 0;
        return new ServerStats
        {
            CommandCounts = counts,
            CurrentJobsUrgent = 1, CurrentJobsReady = 2, CurrentJobsReserved = 3, CurrentJobsDelayed = 4, CurrentJobsBuried = 5,
            JobTimeouts = 6, TotalJobs = 7, MaxJobSize = 65535, CurrentTubes = 8, CurrentConnections = 9, CurrentProducers = 10,
            CurrentWorkers = 11, CurrentWaiting = 12, TotalConnections = 13, UptimeSeconds = 14, BinlogOldestIndex = 15,
            BinlogCurrentIndex = 16, BinlogRecordsMigrated = 17, BinlogRecordsWritten = 18, BinlogMaxSize = 10485760,
            Draining = false, Extra = extra ?? [],
        };
    }

    private static Dictionary<string, string> ServerPairs(ServerStats s) =>
        Pairs(Payload(Format(s, Operation.Stats))).ToDictionary(p => p.Key, p => p.Value);

    [Fact]
    public void Stats_AnyServer_FiftyOneKeysInExactOrder()
    {
        var keys = Pairs(Payload(Format(Server(), Operation.Stats))).Select(p => p.Key).ToList();
        Assert.Equal(51, s_statsKeys.Length);
        Assert.Equal(s_statsKeys, keys);
    }

    [Fact]
    public void Stats_ExtraFigures_AppendedAfterThe51Keys()
    {
        var keys = Pairs(Payload(Format(Server(extra: [KeyValuePair.Create("x-memory", 5L)]), Operation.Stats))).ToList();
        Assert.Equal(52, keys.Count);
        Assert.Equal(s_statsKeys, keys.Take(51).Select(p => p.Key));
        Assert.Equal(KeyValuePair.Create("x-memory", "5"), keys[51]);
    }

    [Theory]
    [InlineData("cmd-put", Operation.Put)]
    [InlineData("cmd-peek", Operation.Peek)]
    [InlineData("cmd-peek-ready", Operation.PeekReady)]
    [InlineData("cmd-peek-delayed", Operation.PeekDelayed)]
    [InlineData("cmd-peek-buried", Operation.PeekBuried)]
    [InlineData("cmd-reserve", Operation.Reserve)]
    [InlineData("cmd-reserve-with-timeout", Operation.ReserveWithTimeout)]
    [InlineData("cmd-delete", Operation.Delete)]
    [InlineData("cmd-release", Operation.Release)]
    [InlineData("cmd-use", Operation.Use)]
    [InlineData("cmd-watch", Operation.Watch)]
    [InlineData("cmd-ignore", Operation.Ignore)]
    [InlineData("cmd-bury", Operation.Bury)]
    [InlineData("cmd-kick", Operation.Kick)]
    [InlineData("cmd-touch", Operation.Touch)]
    [InlineData("cmd-stats", Operation.Stats)]
    [InlineData("cmd-stats-job", Operation.StatsJob)]
    [InlineData("cmd-stats-tube", Operation.StatsTube)]
    [InlineData("cmd-list-tubes", Operation.ListTubes)]
    [InlineData("cmd-list-tube-used", Operation.ListTubeUsed)]
    [InlineData("cmd-list-tubes-watched", Operation.ListTubesWatched)]
    [InlineData("cmd-pause-tube", Operation.PauseTube)]
    public void Stats_CommandCounter_PrintedUnderItsKey(string key, Operation op)
    {
        var pairs = ServerPairs(Server(i => 1000 + (ulong)i));
        Assert.Equal((1000 + (int)op).ToString(CultureInfo.InvariantCulture), pairs[key]);
    }

    [Fact]
    public void Stats_GaugesAndTotals_PrintedUnderTheirKeys()
    {
        var p = ServerPairs(Server());
        string[] expected =
        [
            "current-jobs-urgent=1", "current-jobs-ready=2", "current-jobs-reserved=3", "current-jobs-delayed=4", "current-jobs-buried=5",
            "job-timeouts=6", "total-jobs=7", "max-job-size=65535", "current-tubes=8", "current-connections=9", "current-producers=10",
            "current-workers=11", "current-waiting=12", "total-connections=13", "uptime=14", "binlog-oldest-index=15",
            "binlog-current-index=16", "binlog-records-migrated=17", "binlog-records-written=18", "binlog-max-size=10485760",
            "draining=false",
        ];
        Assert.Equal(expected, expected.Select(e => e.Split('=')[0]).Select(k => $"{k}={p[k]}"));
    }

    [Fact]
    public void Stats_ProcessFacts_VersionQuotedOthersVerbatim()
    {
        var p = ServerPairs(Server());
        Assert.Equal("\"1.12\"", p["version"]);
        Assert.Equal(s_process.Pid.ToString(CultureInfo.InvariantCulture), p["pid"]);
        Assert.Equal(s_process.InstanceId, p["id"]);
        Assert.Matches("^[0-9a-f]{16}$", p["id"]);
        Assert.Equal(s_process.Hostname, p["hostname"]);
        Assert.Equal(s_process.OsVersion, p["os"]);
        Assert.Equal(s_process.Machine, p["platform"]);
        Assert.Matches(@"^[0-9]+\.[0-9]{6}$", p["rusage-utime"]);
        Assert.Matches(@"^[0-9]+\.[0-9]{6}$", p["rusage-stime"]);
    }

    [Fact]
    public void Stats_Draining_True() =>
        Assert.Equal("true", Pairs(Payload(Format(new ServerStats { CommandCounts = new ulong[32], Draining = true }, Operation.Stats)))
            .Single(p => p.Key == "draining").Value);
}
