using BenchmarkDotNet.Attributes;
using Queue.Storage;
using Queue.Storage.Core;
using Queue.Storage.Model;

namespace Queue.Benchmarks;

/// <summary>The engine's own cost per command (QueueCore directly, no threads): put, reserve, delete.</summary>
[MemoryDiagnoser]
public class EngineBenchmarks
{
    private QueueCore _core = null!;
    private SessionState _session = null!;
    private byte[][] _bodies = null!;
    private const int Jobs = 1000;

    [GlobalSetup]
    public void Setup()
    {
        _core = new QueueCore(TimeProvider.System, 65535);
        _session = _core.OpenSession();
        _bodies = new byte[Jobs][];
        for (int i = 0; i < Jobs; i++) _bodies[i] = new byte[102];
        _core.Refresh();
    }

    /// <summary>put, reserve and delete of 1000 jobs: one op = one command. The body array is supplied by the caller (it comes from the socket).</summary>
    [Benchmark(OperationsPerInvoke = 3 * Jobs)]
    public void PutReserveDelete()
    {
        var cmd = new EngineCommand();
        for (int i = 0; i < Jobs; i++)
        {
            cmd = new EngineCommand { Op = Operation.Put, Id = _core.Ids.Allocate(), Priority = 1024, Ttr = 60, Body = _bodies[i] };
            _core.Execute(_session, ref cmd);
        }
        for (int i = 0; i < Jobs; i++)
        {
            cmd = new EngineCommand { Op = Operation.ReserveWithTimeout, Number = 0 };
            _core.Execute(_session, ref cmd);
            ulong id = cmd.Id;
            cmd = new EngineCommand { Op = Operation.Delete, Id = id };
            _core.Execute(_session, ref cmd);
        }
    }
}
