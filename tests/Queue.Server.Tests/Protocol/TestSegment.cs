using System.Buffers;

namespace Queue.Server.Tests.Protocol;

/// <summary>A linked segment for building multi-segment <see cref="ReadOnlySequence{T}"/> inputs.</summary>
internal sealed class TestSegment : ReadOnlySequenceSegment<byte>
{
    private TestSegment(ReadOnlyMemory<byte> memory, long runningIndex)
    {
        Memory = memory;
        RunningIndex = runningIndex;
    }

    /// <summary>One sequence over <paramref name="parts"/> in order; empty parts are kept as empty segments.</summary>
    public static ReadOnlySequence<byte> Sequence(IReadOnlyList<ReadOnlyMemory<byte>> parts)
    {
        if (parts.Count == 0) return ReadOnlySequence<byte>.Empty;
        if (parts.Count == 1) return new ReadOnlySequence<byte>(parts[0]);
        var first = new TestSegment(parts[0], 0);
        var last = first;
        for (int i = 1; i < parts.Count; i++)
        {
            var next = new TestSegment(parts[i], last.RunningIndex + last.Memory.Length);
            last.Next = next;
            last = next;
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
