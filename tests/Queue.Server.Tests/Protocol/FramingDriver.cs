using System.Buffers;
using Microsoft.Extensions.Time.Testing;
using Queue.Server.Protocol;
using Queue.Storage;

namespace Queue.Server.Tests.Protocol;

/// <summary>
/// Drives a <see cref="CommandReader"/> the way a connection does: bytes arrive in chunks, each
/// Read sees the unconsumed remainder plus everything that arrived since (as separate segments),
/// the batch is cleared after every Read, and reading continues after a stop (batch full or a
/// reserve) until the reader needs more data or quits. Records every slot, every consumed offset
/// and the offsets where a Read stopped early for a reason other than a full batch.
/// </summary>
internal sealed class FramingDriver
{
    public static readonly DateTimeOffset Epoch = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private readonly CommandReader _reader;
    private readonly CommandBatch _batch = new(4);
    private readonly List<ReadOnlyMemory<byte>> _pending = [];
    private readonly int _maxCommands;
    private ulong _lastId;

    public FramingDriver(long maxJobSize = ProtocolLimits.DefaultMaxJobSize, int maxCommands = 64, TimeProvider? time = null)
    {
        _maxCommands = maxCommands;
        _reader = new CommandReader(maxJobSize, () => ++_lastId, time ?? new FakeTimeProvider(Epoch));
    }

    /// <summary>Every slot produced so far, described by <see cref="SlotText"/>.</summary>
    public List<string> Slots { get; } = [];

    /// <summary>Every slot produced so far, as produced.</summary>
    public List<EngineCommand> RawSlots { get; } = [];

    /// <summary>Stream offsets at which a Read returned early with room left in the batch (reserve).</summary>
    public List<long> Stops { get; } = [];

    /// <summary>Total bytes consumed from the stream.</summary>
    public long Consumed { get; private set; }

    /// <summary>Bytes that arrived and were not consumed (still buffered, or dropped after quit).</summary>
    public long Unconsumed => _pending.Sum(m => (long)m.Length);

    public bool Quit { get; private set; }

    /// <summary>NeedMoreData of the last Read.</summary>
    public bool NeedMoreData { get; private set; }

    /// <summary>Ids handed out by the allocator so far.</summary>
    public ulong IdsAllocated => _lastId;

    public int ReadCalls { get; private set; }

    public void Arrive(string ascii) => Arrive(Latin1(ascii));

    public void Arrive(ReadOnlyMemory<byte> chunk) => ArriveTogether([chunk]);

    /// <summary>Several chunks arrive before the connection reads; they form separate segments.</summary>
    public void ArriveTogether(IReadOnlyList<ReadOnlyMemory<byte>> chunks)
    {
        _pending.AddRange(chunks);
        if (Quit) return; // the connection is gone: what follows quit is never parsed
        ReadAvailable();
    }

    /// <summary>One Read over what is buffered now, without looping; returns its outcome and the bytes it consumed.</summary>
    public (CommandReader.Outcome Outcome, long Consumed, List<string> Slots) ReadOnce()
    {
        var buffer = TestSegment.Sequence(_pending);
        var (outcome, consumed) = ReadOne(buffer);
        var slots = Slots.Skip(Slots.Count - _batch.Count).ToList();
        return (outcome, consumed, slots);
    }

    private void ReadAvailable()
    {
        while (true)
        {
            var buffer = TestSegment.Sequence(_pending);
            var (outcome, consumed) = ReadOne(buffer);
            if (outcome.Quit || outcome.NeedMoreData) return;
            if (_batch.Count < _maxCommands) Stops.Add(Consumed);
            if (consumed == 0 && _batch.Count == 0) throw new InvalidOperationException("Read made no progress and asked for no data");
        }
    }

    private (CommandReader.Outcome, long) ReadOne(ReadOnlySequence<byte> buffer)
    {
        _batch.Clear();
        var outcome = _reader.Read(buffer, _batch, _maxCommands);
        ReadCalls++;
        // Slice throws if the position is not inside this buffer.
        long consumed = buffer.Slice(buffer.Start, outcome.Consumed).Length;
        if (consumed < 0 || consumed > buffer.Length) throw new InvalidOperationException($"consumed {consumed} outside 0..{buffer.Length}");
        if (_batch.Count > _maxCommands) throw new InvalidOperationException($"batch holds {_batch.Count} > {_maxCommands}");
        for (int i = 0; i < _batch.Count; i++)
        {
            RawSlots.Add(_batch[i]);
            Slots.Add(SlotText.Describe(_batch[i]));
        }
        Consumed += consumed;
        Drop(consumed);
        NeedMoreData = outcome.NeedMoreData;
        if (outcome.Quit)
        {
            Quit = true;
        }
        return (outcome, consumed);
    }

    private void Drop(long n)
    {
        while (n > 0)
        {
            var first = _pending[0];
            if (first.Length <= n)
            {
                n -= first.Length;
                _pending.RemoveAt(0);
            }
            else
            {
                _pending[0] = first[(int)n..];
                n = 0;
            }
        }
        while (_pending.Count > 0 && _pending[0].IsEmpty) _pending.RemoveAt(0);
    }

    public static byte[] Latin1(string s) => System.Text.Encoding.Latin1.GetBytes(s);
}
