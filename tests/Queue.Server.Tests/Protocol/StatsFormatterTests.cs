using System.Buffers;
using System.Text;
using System.Text.RegularExpressions;
using Queue.Server.Diagnostics;
using Queue.Server.Protocol;
using Queue.Storage;
using Queue.Storage.Model;

namespace Queue.Server.Tests.Protocol;

/// <summary>
/// <see cref="StatsFormatter"/>: "OK n\r\n" + n bytes of YAML + "\r\n" (not counted), with 1.12's keys
/// in 1.12's order. Expected payloads were captured from beanstalkd 1.12 (notes §6).
/// </summary>
public sealed partial class StatsFormatterTests
{
    private static readonly ProcessInfo s_process = new();

    /// <summary>The 51 keys of 1.12 `stats`, in order (notes §6.1; binlog-records-migrated before -written).</summary>
    private static readonly string[] s_statsKeys =
    [
        "current-jobs-urgent", "current-jobs-ready", "current-jobs-reserved", "current-jobs-delayed", "current-jobs-buried",
        "cmd-put", "cmd-peek", "cmd-peek-ready", "cmd-peek-delayed", "cmd-peek-buried",
        "cmd-reserve", "cmd-reserve-with-timeout",
        "cmd-delete", "cmd-release", "cmd-use", "cmd-watch", "cmd-ignore", "cmd-bury", "cmd-kick",
        "cmd-touch",
        "cmd-stats", "cmd-stats-job", "cmd-stats-tube", "cmd-list-tubes", "cmd-list-tube-used", "cmd-list-tubes-watched",
        "cmd-pause-tube", "job-timeouts", "total-jobs", "max-job-size", "current-tubes", "current-connections",
        "current-producers", "current-workers", "current-waiting", "total-connections", "pid", "version",
        "rusage-utime", "rusage-stime", "uptime", "binlog-oldest-index", "binlog-current-index",
        "binlog-records-migrated", "binlog-records-written", "binlog-max-size", "draining", "id", "hostname", "os", "platform",
    ];

    private static string Format(object payload, Operation op)
    {
        var w = new ArrayBufferWriter<byte>();
        new StatsFormatter(s_process).WriteOkPayload(w, new EngineCommand { Op = op, Status = CommandStatus.Ok, Payload = payload });
        return Encoding.Latin1.GetString(w.WrittenSpan);
    }

    /// <summary>Checks the framing and returns the payload (without the final CRLF).</summary>
    private static string Payload(string reply)
    {
        var m = Regex.Match(reply, "^OK ([0-9]+)\r\n");
        Assert.True(m.Success, $"reply starts with OK <n>: {SlotText.Escape(Encoding.Latin1.GetBytes(reply))}");
        int n = int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        string rest = reply[m.Length..];
        Assert.Equal(n + 2, rest.Length);
        Assert.EndsWith("\n\r\n", rest, StringComparison.Ordinal);
        string payload = rest[..n];
        Assert.StartsWith("---\n", payload, StringComparison.Ordinal);
        Assert.DoesNotContain("\r", payload, StringComparison.Ordinal);
        return payload;
    }

    private static List<KeyValuePair<string, string>> Pairs(string payload) =>
        payload["---\n".Length..].Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => { int i = l.IndexOf(": ", StringComparison.Ordinal); return KeyValuePair.Create(l[..i], l[(i + 2)..]); })
            .ToList();

    [Fact]
    public void StatsJob_ReadyJob_SameBytesAsBeanstalkd()
    {
        var job = new JobStats { Id = 1, Tube = "default", State = JobState.Ready, Priority = 0, TtrSeconds = 10 };
        Assert.Equal(
            "OK 144\r\n---\nid: 1\ntube: default\nstate: ready\npri: 0\nage: 0\ndelay: 0\nttr: 10\ntime-left: 0\nfile: 0\n" +
            "reserves: 0\ntimeouts: 0\nreleases: 0\nburies: 0\nkicks: 0\n\r\n",
            Format(job, Operation.StatsJob));
    }

    [Fact]
    public void StatsJob_AllFields_FourteenKeysInOrderWithValues()
    {
        var job = new JobStats
        {
            Id = 18446744073709551615, Tube = "t(1)", State = JobState.Reserved, Priority = 4294967295, AgeSeconds = 3, DelaySeconds = 4,
            TtrSeconds = 5, TimeLeftSeconds = 6, File = 7, Reserves = 8, Timeouts = 9, Releases = 10, Buries = 11, Kicks = 12,
        };
        var pairs = Pairs(Payload(Format(job, Operation.StatsJob)));
        Assert.Equal(
            ["id=18446744073709551615", "tube=t(1)", "state=reserved", "pri=4294967295", "age=3", "delay=4", "ttr=5", "time-left=6",
             "file=7", "reserves=8", "timeouts=9", "releases=10", "buries=11", "kicks=12"],
            pairs.Select(p => $"{p.Key}={p.Value}"));
    }

    [Theory]
    [InlineData(JobState.Ready, "ready")]
    [InlineData(JobState.Reserved, "reserved")]
    [InlineData(JobState.Delayed, "delayed")]
    [InlineData(JobState.Buried, "buried")]
    public void StatsJob_EachState_StateName(JobState state, string name)
    {
        var pairs = Pairs(Payload(Format(new JobStats { Tube = "default", State = state }, Operation.StatsJob)));
        Assert.Equal(name, pairs.Single(p => p.Key == "state").Value);
    }

    [Fact]
    public void StatsTube_DefaultTube_SameBytesAsBeanstalkd()
    {
        var tube = new TubeStats
        {
            Name = "default", CurrentJobsUrgent = 1, CurrentJobsReady = 1, TotalJobs = 1, CurrentUsing = 1, CurrentWatching = 1,
        };
        Assert.Equal(
            "OK 265\r\n---\nname: default\ncurrent-jobs-urgent: 1\ncurrent-jobs-ready: 1\ncurrent-jobs-reserved: 0\n" +
            "current-jobs-delayed: 0\ncurrent-jobs-buried: 0\ntotal-jobs: 1\ncurrent-using: 1\ncurrent-watching: 1\n" +
            "current-waiting: 0\ncmd-delete: 0\ncmd-pause-tube: 0\npause: 0\npause-time-left: 0\n\r\n",
            Format(tube, Operation.StatsTube));
    }

    [Fact]
    public void StatsTube_AllFields_FourteenKeysWatchingBeforeWaiting()
    {
        var tube = new TubeStats
        {
            Name = "t740800717", CurrentJobsUrgent = 1, CurrentJobsReady = 2, CurrentJobsReserved = 3, CurrentJobsDelayed = 4,
            CurrentJobsBuried = 5, TotalJobs = 6, CurrentUsing = 7, CurrentWatching = 8, CurrentWaiting = 9, CmdDelete = 10,
            CmdPauseTube = 11, PauseSeconds = 30, PauseTimeLeftSeconds = 29,
        };
        var pairs = Pairs(Payload(Format(tube, Operation.StatsTube)));
        Assert.Equal(
            ["name=t740800717", "current-jobs-urgent=1", "current-jobs-ready=2", "current-jobs-reserved=3", "current-jobs-delayed=4",
             "current-jobs-buried=5", "total-jobs=6", "current-using=7", "current-watching=8", "current-waiting=9", "cmd-delete=10",
             "cmd-pause-tube=11", "pause=30", "pause-time-left=29"],
            pairs.Select(p => $"{p.Key}={p.Value}"));
    }

    [Fact]
    public void ListTubes_OneTube_SameBytesAsBeanstalkd() =>
        Assert.Equal("OK 14\r\n---\n- default\n\r\n", Format(new[] { "default" }, Operation.ListTubes));

    [Fact]
    public void ListTubesWatched_SeveralTubes_OneDashLineEachInOrder() =>
        Assert.Equal("OK 25\r\n---\n- default\n- b\n- a(1)\n\r\n", Format(new[] { "default", "b", "a(1)" }, Operation.ListTubesWatched));

    [Fact]
    public void ListTubes_Empty_OnlyDocumentMarker() =>
        Assert.Equal("OK 4\r\n---\n\r\n", Format(Array.Empty<string>(), Operation.ListTubes));
}
