using System.Buffers;
using System.Globalization;
using System.Text;
using Queue.Server.Diagnostics;
using Queue.Storage;

namespace Queue.Server.Protocol;

/// <summary>
/// The YAML payloads of stats, stats-tube, stats-job, list-tubes and list-tubes-watched, with
/// beanstalkd 1.12's keys, order and formats: "OK n\r\n", then n bytes starting "---\n" with
/// "\n"-terminated lines, then "\r\n" (not counted in n).
/// </summary>
internal sealed class StatsFormatter
{
    public const string Version = "1.12";
    private readonly ProcessInfo _process;

    public StatsFormatter(ProcessInfo process) => _process = process;

    public void WriteOkPayload(IBufferWriter<byte> w, in EngineCommand cmd)
    {
        var yaml = new StringBuilder(1024).Append("---\n");
        switch (cmd.Payload)
        {
            case ServerStats s: AppendServer(yaml, s); break;
            case TubeStats t: AppendTube(yaml, t); break;
            case JobStats j: AppendJob(yaml, j); break;
            case string[] names:
                foreach (var n in names) yaml.Append("- ").Append(n).Append('\n');
                break;
        }
        var bytes = Encoding.UTF8.GetBytes(yaml.ToString());
        ReplyWriter.WriteWithNumber(w, Replies.Ok, (ulong)bytes.Length);
        ReplyWriter.Write(w, bytes);
        ReplyWriter.Write(w, Replies.Crlf);
    }

    private void AppendServer(StringBuilder y, ServerStats s)
    {
        var (user, system) = ProcessInfo.CpuTimes();
        Kv(y, "current-jobs-urgent", s.CurrentJobsUrgent);
        Kv(y, "current-jobs-ready", s.CurrentJobsReady);
        Kv(y, "current-jobs-reserved", s.CurrentJobsReserved);
        Kv(y, "current-jobs-delayed", s.CurrentJobsDelayed);
        Kv(y, "current-jobs-buried", s.CurrentJobsBuried);
        Kv(y, "cmd-put", s.Count(Operation.Put));
        Kv(y, "cmd-peek", s.Count(Operation.Peek));
        Kv(y, "cmd-peek-ready", s.Count(Operation.PeekReady));
        Kv(y, "cmd-peek-delayed", s.Count(Operation.PeekDelayed));
        Kv(y, "cmd-peek-buried", s.Count(Operation.PeekBuried));
        Kv(y, "cmd-reserve", s.Count(Operation.Reserve));
        Kv(y, "cmd-reserve-with-timeout", s.Count(Operation.ReserveWithTimeout));
        Kv(y, "cmd-delete", s.Count(Operation.Delete));
        Kv(y, "cmd-release", s.Count(Operation.Release));
        Kv(y, "cmd-use", s.Count(Operation.Use));
        Kv(y, "cmd-watch", s.Count(Operation.Watch));
        Kv(y, "cmd-ignore", s.Count(Operation.Ignore));
        Kv(y, "cmd-bury", s.Count(Operation.Bury));
        Kv(y, "cmd-kick", s.Count(Operation.Kick));
        Kv(y, "cmd-touch", s.Count(Operation.Touch));
        Kv(y, "cmd-stats", s.Count(Operation.Stats));
        Kv(y, "cmd-stats-job", s.Count(Operation.StatsJob));
        Kv(y, "cmd-stats-tube", s.Count(Operation.StatsTube));
        Kv(y, "cmd-list-tubes", s.Count(Operation.ListTubes));
        Kv(y, "cmd-list-tube-used", s.Count(Operation.ListTubeUsed));
        Kv(y, "cmd-list-tubes-watched", s.Count(Operation.ListTubesWatched));
        Kv(y, "cmd-pause-tube", s.Count(Operation.PauseTube));
        Kv(y, "job-timeouts", s.JobTimeouts);
        Kv(y, "total-jobs", s.TotalJobs);
        Kv(y, "max-job-size", s.MaxJobSize);
        Kv(y, "current-tubes", s.CurrentTubes);
        Kv(y, "current-connections", s.CurrentConnections);
        Kv(y, "current-producers", s.CurrentProducers);
        Kv(y, "current-workers", s.CurrentWorkers);
        Kv(y, "current-waiting", s.CurrentWaiting);
        Kv(y, "total-connections", s.TotalConnections);
        Kv(y, "pid", _process.Pid);
        y.Append("version: \"").Append(Version).Append("\"\n");
        Kv(y, "rusage-utime", Rusage(user));
        Kv(y, "rusage-stime", Rusage(system));
        Kv(y, "uptime", s.UptimeSeconds);
        Kv(y, "binlog-oldest-index", s.BinlogOldestIndex);
        Kv(y, "binlog-current-index", s.BinlogCurrentIndex);
        Kv(y, "binlog-records-migrated", s.BinlogRecordsMigrated);
        Kv(y, "binlog-records-written", s.BinlogRecordsWritten);
        Kv(y, "binlog-max-size", s.BinlogMaxSize);
        Kv(y, "draining", s.Draining ? "true" : "false");
        Kv(y, "id", _process.InstanceId);
        Kv(y, "hostname", _process.Hostname);
        Kv(y, "os", _process.OsVersion);
        Kv(y, "platform", _process.Machine);
        foreach (var (key, value) in s.Extra) Kv(y, key, value);
    }

    private static void AppendTube(StringBuilder y, TubeStats t)
    {
        Kv(y, "name", t.Name);
        Kv(y, "current-jobs-urgent", t.CurrentJobsUrgent);
        Kv(y, "current-jobs-ready", t.CurrentJobsReady);
        Kv(y, "current-jobs-reserved", t.CurrentJobsReserved);
        Kv(y, "current-jobs-delayed", t.CurrentJobsDelayed);
        Kv(y, "current-jobs-buried", t.CurrentJobsBuried);
        Kv(y, "total-jobs", t.TotalJobs);
        Kv(y, "current-using", t.CurrentUsing);
        Kv(y, "current-watching", t.CurrentWatching);
        Kv(y, "current-waiting", t.CurrentWaiting);
        Kv(y, "cmd-delete", t.CmdDelete);
        Kv(y, "cmd-pause-tube", t.CmdPauseTube);
        Kv(y, "pause", t.PauseSeconds);
        Kv(y, "pause-time-left", t.PauseTimeLeftSeconds);
    }

    private static void AppendJob(StringBuilder y, JobStats j)
    {
        Kv(y, "id", j.Id);
        Kv(y, "tube", j.Tube);
        Kv(y, "state", StateName(j.State));
        Kv(y, "pri", j.Priority);
        Kv(y, "age", j.AgeSeconds);
        Kv(y, "delay", j.DelaySeconds);
        Kv(y, "ttr", j.TtrSeconds);
        Kv(y, "time-left", j.TimeLeftSeconds);
        Kv(y, "file", j.File);
        Kv(y, "reserves", j.Reserves);
        Kv(y, "timeouts", j.Timeouts);
        Kv(y, "releases", j.Releases);
        Kv(y, "buries", j.Buries);
        Kv(y, "kicks", j.Kicks);
    }

    private static string StateName(JobState s) => s switch
    {
        JobState.Ready => "ready",
        JobState.Reserved => "reserved",
        JobState.Buried => "buried",
        JobState.Delayed => "delayed",
        _ => "invalid",
    };

    /// <summary>beanstalkd prints rusage as "%d.%06d" seconds.microseconds.</summary>
    private static string Rusage(TimeSpan t)
    {
        long us = t.Ticks / 10;
        return string.Create(CultureInfo.InvariantCulture, $"{us / 1_000_000}.{us % 1_000_000:D6}");
    }

    private static void Kv<T>(StringBuilder y, string key, T value) where T : IFormattable =>
        y.Append(key).Append(": ").Append(value.ToString(null, CultureInfo.InvariantCulture)).Append('\n');

    private static void Kv(StringBuilder y, string key, string value) => y.Append(key).Append(": ").Append(value).Append('\n');
}
