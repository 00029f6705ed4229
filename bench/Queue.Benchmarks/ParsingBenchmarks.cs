using System.Buffers;
using BenchmarkDotNet.Attributes;
using Queue.Server.Protocol;
using Queue.Storage;

namespace Queue.Benchmarks;

/// <summary>Command parsing and framing: the per-command cost on the connection side.</summary>
[MemoryDiagnoser]
public class ParsingBenchmarks
{
    private readonly byte[] _putLine = "put 1024 0 60 100"u8.ToArray();
    private readonly byte[] _deleteLine = "delete 123456"u8.ToArray();
    private readonly ReadOnlySequence<byte> _pipelined = new(BuildPipelined());
    private readonly CommandBatch _batch = new(64);
    private CommandReader _reader = null!;
    private ulong _ids;

    private static byte[] BuildPipelined()
    {
        var body = new string('x', 100);
        var s = string.Concat(Enumerable.Repeat($"put 1024 0 60 100\r\n{body}\r\nreserve-with-timeout 0\r\ndelete 12345\r\n", 16));
        return System.Text.Encoding.ASCII.GetBytes(s);
    }

    [GlobalSetup]
    public void Setup() => _reader = new CommandReader(65535, () => ++_ids, TimeProvider.System);

    [Benchmark]
    public Operation ParsePutLine() => CommandParser.Parse(_putLine, 65535).Op;

    [Benchmark]
    public Operation ParseDeleteLine() => CommandParser.Parse(_deleteLine, 65535).Op;

    /// <summary>16 × (put with a 100-byte body, reserve, delete) framed from one buffer; the bodies are the only allocations.</summary>
    [Benchmark(OperationsPerInvoke = 48)]
    public int Frame16PipelinedPutReserveDelete()
    {
        int commands = 0;
        var buffer = _pipelined;
        while (buffer.Length > 0)
        {
            var outcome = _reader.Read(buffer, _batch, 256);
            commands += _batch.Count;
            _batch.Clear();
            buffer = buffer.Slice(outcome.Consumed);
            if (outcome.NeedMoreData) break;
        }
        return commands;
    }
}
