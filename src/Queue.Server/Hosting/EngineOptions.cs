using System.Globalization;
using Queue.Storage;
using Queue.Storage.Persistence;

namespace Queue.Server.Hosting;

/// <summary>Maps beanstalkd's flags onto the engine's options.</summary>
internal static class EngineOptions
{
    public static QueueEngineOptions From(ServerOptions o)
    {
        var e = new QueueEngineOptions
        {
            MaxJobSize = o.MaxJobSize,
            DataDirectory = o.BinlogDirectory,
            SegmentSize = o.BinlogFileSize,
            MaxMemory = o.MaxMemory,
            ConnectionBufferBytes = Connections.ConnectionSession.BufferedBytes,
        };
        e.OnImported = import =>
        {
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{Program.Name}: imported {import.Jobs.Count} jobs from beanstalkd binlog files in {o.BinlogDirectory} (highest id {import.MaxJobId}); the binlog files were left untouched"));
            foreach (var w in import.Warnings) Console.Error.WriteLine($"{Program.Name}: import: {w}");
        };
        e.OnMemoryPressure = (on, used) => Console.Error.WriteLine(on
            ? string.Create(CultureInfo.InvariantCulture, $"{Program.Name}: memory high watermark crossed ({used >> 20} MiB of {o.MaxMemory >> 20} MiB): puts refused with OUT_OF_MEMORY until usage falls below the low watermark")
            : string.Create(CultureInfo.InvariantCulture, $"{Program.Name}: memory below the low watermark ({used >> 20} MiB): puts accepted again"));
        if (o.NeverFsync) e.Durability = DurabilityMode.Never;
        else if (o.FsyncMs == 0) e.Durability = DurabilityMode.Always;
        else
        {
            e.Durability = DurabilityMode.Periodic;
            e.SyncInterval = TimeSpan.FromMilliseconds(Math.Min(o.FsyncMs, int.MaxValue));
        }
        e.OnFatalError = ex =>
        {
            Console.Error.WriteLine($"{Program.Name}: FATAL: the job log cannot be written ({ex.Message}); stopping instead of running without persistence");
            Environment.Exit(1);
        };
        return e;
    }

    public static string Describe(RecoveryReport r)
    {
        var text = string.Create(CultureInfo.InvariantCulture,
            $"{Program.Name}: recovered {r.JobsRecovered} jobs ({r.CheckpointJobs} from the checkpoint, {r.RecordsReplayed} log records replayed, {r.LogBytes} bytes of log) in {r.Elapsed.TotalMilliseconds:F0} ms");
        if (r.BadRecords > 0) text += string.Create(CultureInfo.InvariantCulture, $"; {r.BadRecords} damaged records skipped");
        foreach (var p in r.Problems.Take(20)) text += $"\n{Program.Name}: recovery: {p}";
        if (r.Problems.Count > 20) text += $"\n{Program.Name}: recovery: ... {r.Problems.Count - 20} more";
        return text;
    }
}
