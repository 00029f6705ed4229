namespace Queue.LoadGen.Protocol;

/// <summary>
/// One parsed reply. Offsets are relative to the start of the span that was parsed, so the
/// struct holds no reference to the receive buffer and costs nothing to pass around.
/// </summary>
internal readonly record struct Reply(ReplyKind Kind, ulong Value, int BodyOffset, int BodyLength, int Consumed);

internal enum ParseStatus
{
    Complete,
    Incomplete,
    Invalid,
}
