using Queue.Server.Protocol;

namespace Queue.Server.Tests.Protocol;

/// <summary>What a whole input must produce, whatever its fragmentation.</summary>
internal sealed record FramingExpectation(string[] Slots)
{
    /// <summary>Bytes consumed in the end; null means the whole input.</summary>
    public long? Consumed { get; init; }
    public bool Quit { get; init; }
    /// <summary>Offsets where Read stopped early; null when they may legitimately depend on fragmentation.</summary>
    public long[]? Stops { get; init; } = [];
    public ulong IdsAllocated { get; init; }
    public long MaxJobSize { get; init; } = ProtocolLimits.DefaultMaxJobSize;
}

internal static class FramingAssert
{
    /// <summary>Feeds <paramref name="input"/> in every shape of <see cref="FeedShapes"/> and checks each outcome.</summary>
    public static void AllShapes(string input, FramingExpectation expected) => AllShapes(FramingDriver.Latin1(input), expected);

    public static void AllShapes(byte[] input, FramingExpectation expected)
    {
        int shapes = 0;
        foreach (var (name, feed) in FeedShapes.All(input))
        {
            var d = new FramingDriver(expected.MaxJobSize);
            feed(d);
            Check(name, d, input.Length, expected);
            shapes++;
        }
        Assert.True(shapes >= 4, "every input is fed in at least four shapes");
    }

    public static void Check(string shape, FramingDriver d, long inputLength, FramingExpectation expected)
    {
        string want = string.Join("\n", expected.Slots);
        string got = string.Join("\n", d.Slots);
        if (want != got) Assert.Fail($"[{shape}] slots differ.\nexpected:\n{want}\nactual:\n{got}");
        long consumed = expected.Consumed ?? inputLength;
        if (d.Consumed != consumed) Assert.Fail($"[{shape}] consumed {d.Consumed}, expected {consumed}");
        if (d.Consumed + d.Unconsumed != inputLength) Assert.Fail($"[{shape}] consumed+buffered {d.Consumed + d.Unconsumed} != input {inputLength}");
        if (d.Quit != expected.Quit) Assert.Fail($"[{shape}] quit {d.Quit}, expected {expected.Quit}");
        string stops = string.Join(",", d.Stops);
        if (expected.Stops is not null && stops != string.Join(",", expected.Stops)) Assert.Fail($"[{shape}] stops at [{stops}], expected [{string.Join(",", expected.Stops)}]");
        if (d.IdsAllocated != expected.IdsAllocated) Assert.Fail($"[{shape}] {d.IdsAllocated} ids allocated, expected {expected.IdsAllocated}");
    }
}
