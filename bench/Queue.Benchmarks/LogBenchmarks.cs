using BenchmarkDotNet.Attributes;
using Queue.Storage;
using Queue.Storage.Model;
using Queue.Storage.Persistence;

namespace Queue.Benchmarks;

/// <summary>Appending put records to the durable log (encode + CRC + FasterLog enqueue), without commit.</summary>
[MemoryDiagnoser]
public class LogBenchmarks
{
    private string _dir = null!;
    private DurableLog _log = null!;
    private LogJournal _journal = null!;
    private readonly byte[] _body = new byte[102];
    private ulong _id;

    [GlobalSetup]
    public void Setup()
    {
        _dir = Path.Combine(Path.GetTempPath(), "qs-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
        _log = DurableLog.Open(_dir, new LogFormat(LogFormat.CurrentVersion, 4 << 20, 64 << 20), 16 << 20);
        _journal = new LogJournal(_log, TimeProvider.System, t => t);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _log.Dispose();
        Directory.Delete(_dir, true);
    }

    [Benchmark(OperationsPerInvoke = 1000)]
    public void AppendPutAndDelete()
    {
        for (int i = 0; i < 500; i++)
        {
            var job = new JobRecord { Id = ++_id, Priority = 1024, TtrSeconds = 60, State = JobState.Ready };
            _journal.Put(ref job, default, "default", _body);
            _journal.Delete(ref job, "default");
        }
        _log.Log.Commit(true);
    }
}
