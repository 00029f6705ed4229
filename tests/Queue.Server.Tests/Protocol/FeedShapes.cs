namespace Queue.Server.Tests.Protocol;

/// <summary>
/// The four fragmentations every framing input is fed in (style guide rule 10): one segment; one
/// segment cut out of a larger array whose guard bytes (CRLFs, which would change the outcome if
/// read) surround it; two segments split at every offset, both arriving before the read and
/// arriving one read apart; one byte per segment, all at once and one read at a time.
/// </summary>
internal static class FeedShapes
{
    private static readonly byte[] s_guard = FramingDriver.Latin1("\r\n\r\n\r\nquit\r\n\0\xff\r\n");

    public static IEnumerable<(string Name, Action<FramingDriver> Feed)> All(byte[] input)
    {
        yield return ("one segment", d => d.Arrive(input));
        yield return ("guarded segment", d => d.Arrive(Guarded(input)));
        for (int k = 1; k < input.Length; k++)
        {
            int at = k;
            yield return ($"two segments split at {at}, one read", d => d.ArriveTogether([input.AsMemory(0, at), input.AsMemory(at)]));
            yield return ($"two segments split at {at}, two reads", d =>
            {
                d.Arrive(input.AsMemory(0, at));
                d.Arrive(input.AsMemory(at));
            });
        }
        yield return ("one byte per segment, one read", d => d.ArriveTogether(Bytes(input)));
        yield return ("one byte per segment, a read per byte", d =>
        {
            for (int i = 0; i < input.Length; i++) d.Arrive(input.AsMemory(i, 1));
        });
    }

    /// <summary><paramref name="input"/> as a slice of a bigger array with guard bytes on both sides.</summary>
    public static ReadOnlyMemory<byte> Guarded(byte[] input)
    {
        var big = new byte[s_guard.Length + input.Length + s_guard.Length];
        s_guard.CopyTo(big, 0);
        input.CopyTo(big, s_guard.Length);
        s_guard.CopyTo(big, s_guard.Length + input.Length);
        return big.AsMemory(s_guard.Length, input.Length);
    }

    private static ReadOnlyMemory<byte>[] Bytes(byte[] input)
    {
        var parts = new ReadOnlyMemory<byte>[input.Length];
        for (int i = 0; i < input.Length; i++) parts[i] = input.AsMemory(i, 1);
        return parts;
    }
}
