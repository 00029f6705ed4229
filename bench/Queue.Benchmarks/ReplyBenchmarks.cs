using System.Buffers;
using BenchmarkDotNet.Attributes;
using Queue.Server.Diagnostics;
using Queue.Server.Protocol;
using Queue.Storage;

namespace Queue.Benchmarks;

/// <summary>Reply formatting into a reused buffer: zero allocations per reply.</summary>
[MemoryDiagnoser]
public class ReplyBenchmarks
{
    private readonly ArrayBufferWriter<byte> _out = new(1 << 16);
    private readonly StatsFormatter _stats = new(new ProcessInfo());
    private EngineCommand _inserted;
    private EngineCommand _reserved;
    private EngineCommand _deleted;

    [GlobalSetup]
    public void Setup()
    {
        _inserted = new EngineCommand { Op = Operation.Put, Status = CommandStatus.Ok, Id = 1234567 };
        _reserved = new EngineCommand { Op = Operation.ReserveWithTimeout, Status = CommandStatus.Ok, Id = 1234567, Body = new byte[102] };
        _deleted = new EngineCommand { Op = Operation.Delete, Status = CommandStatus.Ok };
    }

    [Benchmark]
    public int Inserted()
    {
        _out.ResetWrittenCount();
        ReplyWriter.WriteReply(_out, _inserted, _stats);
        return _out.WrittenCount;
    }

    [Benchmark]
    public int ReservedHeader()
    {
        _out.ResetWrittenCount();
        var body = ReplyWriter.WriteReply(_out, _reserved, _stats);
        return _out.WrittenCount + body!.Length;
    }

    [Benchmark]
    public int Deleted()
    {
        _out.ResetWrittenCount();
        ReplyWriter.WriteReply(_out, _deleted, _stats);
        return _out.WrittenCount;
    }
}
