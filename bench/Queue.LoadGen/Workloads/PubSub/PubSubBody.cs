using System.Buffers.Binary;
using Queue.LoadGen.Protocol;

namespace Queue.LoadGen.Workloads.PubSub;

/// <summary>
/// pubsub job body: [0,8) sequence number, [8,16) Stopwatch timestamp of the put, [16,24) run tag
/// (all little-endian), then padding to the body size. The run tag tells our jobs apart from
/// leftovers of earlier runs.
/// </summary>
internal static class PubSubBody
{
    public const int MinimumSize = 24;

    /// <summary>Sequence number of the wake-up jobs put at the end of a run (see <see cref="DrainCoordinator"/>).</summary>
    public const ulong SentinelSequence = ulong.MaxValue;

    public static byte[] Template(int bodySize) => Commands.BodyWithCrlf(bodySize);

    public static void Stamp(Span<byte> body, ulong sequence, long timestamp, ulong runTag)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(body, sequence);
        BinaryPrimitives.WriteInt64LittleEndian(body[8..], timestamp);
        BinaryPrimitives.WriteUInt64LittleEndian(body[16..], runTag);
    }

    public static bool TryRead(ReadOnlySpan<byte> body, ulong runTag, out ulong sequence, out long timestamp)
    {
        sequence = 0;
        timestamp = 0;
        if (body.Length < MinimumSize || BinaryPrimitives.ReadUInt64LittleEndian(body[16..]) != runTag)
        {
            return false;
        }

        sequence = BinaryPrimitives.ReadUInt64LittleEndian(body);
        timestamp = BinaryPrimitives.ReadInt64LittleEndian(body[8..]);
        return true;
    }
}
