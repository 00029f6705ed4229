using System.Text;

namespace Queue.Server.Tests.Protocol;

// Random inputs in random fragmentations: the reader never throws, never reports a consumed
// position outside its input, and produces the same slots whatever the fragmentation or batch limit.
public sealed partial class CommandReaderTests
{
    private static readonly string[] s_tokens =
    [
        "put ", "put 0 0 1 ", "reserve", "reserve-with-timeout ", "reserve-job ", "quit", "use ", "watch ",
        "kick ", "pause-tube ", "peek ", "peek-ready", "list-tube-used", "stats", "delete ",
        "\r\n", "\r\n", "\r\n", "\r", "\n", "\0", " ", " ", "0", "1", "3", "9", "12", "4294967296", "-", "+",
        "x", "abc", "default", "\r\n\r\n", new string('x', 100), new string('7', 30),
    ];

    private static readonly string[] s_alphabets = ["0123456789  \r\n", "\r\n\0 a\r", "put 0123\r\n", "ab\r\n "];

    [Fact]
    public void AnyInput_RandomFragmentation_SameSlotsNeverThrowsConsumedWithinInput()
    {
        var random = new Random(20250101);
        long[] limits = [0, 8, 65535];
        int cases = 0, withSlots = 0;
        for (int n = 0; n < 3000; n++)
        {
            byte[] input = RandomInput(random, n % 4);
            long maxJobSize = limits[random.Next(limits.Length)];
            try
            {
                var reference = new FramingDriver(maxJobSize);
                reference.Arrive(input);
                Assert.InRange(reference.Consumed, 0, input.Length);
                if (reference.Slots.Count > 0) withSlots++;
                var expected = new FramingExpectation([.. reference.Slots])
                {
                    Consumed = reference.Consumed,
                    Quit = reference.Quit,
                    // Where a Read stops (before a put that follows a reserve in the same read)
                    // depends on how the bytes arrive; the slots and what is consumed do not.
                    Stops = null,
                    IdsAllocated = reference.IdsAllocated,
                    MaxJobSize = maxJobSize,
                };

                for (int f = 0; f < 3; f++)
                {
                    var parts = RandomParts(random, input);
                    var separate = new FramingDriver(maxJobSize);
                    foreach (var part in parts) separate.Arrive(part);
                    FramingAssert.Check($"case {n}, {parts.Count} reads", separate, input.Length, expected);

                    var together = new FramingDriver(maxJobSize);
                    together.ArriveTogether(parts);
                    FramingAssert.Check($"case {n}, {parts.Count} segments", together, input.Length, expected);
                }

                if (n % 3 == 0) // the slowest shape (a Read per byte): every third case, all input kinds
                {
                    var bytewise = new FramingDriver(maxJobSize);
                    for (int i = 0; i < input.Length; i++) bytewise.Arrive(input.AsMemory(i, 1));
                    FramingAssert.Check($"case {n}, byte per read", bytewise, input.Length, expected);
                }

                var small = new FramingDriver(maxJobSize, maxCommands: 1 + random.Next(3));
                foreach (var part in RandomParts(random, input)) small.Arrive(part);
                Assert.Equal(reference.Slots, small.Slots);
                Assert.Equal(reference.Consumed, small.Consumed);
            }
            catch (Exception ex)
            {
                throw new Xunit.Sdk.XunitException($"case {n} (max {maxJobSize}) input \"{SlotText.Escape(input)}\": {ex.Message}");
            }
            cases++;
        }
        Assert.Equal(3000, cases);
        Assert.True(withSlots > 1500, $"only {withSlots} inputs produced any slot; the generator is too weak");
    }

    private static byte[] RandomInput(Random random, int kind)
    {
        var sb = new StringBuilder();
        int length = random.Next(0, 320);
        switch (kind)
        {
            case 0:
                var bytes = new byte[length];
                random.NextBytes(bytes);
                // sprinkle line ends so that random bytes still form lines
                for (int i = 1; i < length; i += random.Next(2, 60)) { bytes[i - 1] = (byte)'\r'; bytes[i] = (byte)'\n'; }
                return bytes;
            case 1:
                while (sb.Length < length) sb.Append(s_tokens[random.Next(s_tokens.Length)]);
                break;
            default:
                string alphabet = s_alphabets[random.Next(s_alphabets.Length)];
                while (sb.Length < length) sb.Append(alphabet[random.Next(alphabet.Length)]);
                break;
        }
        return FramingDriver.Latin1(sb.ToString());
    }

    private static List<ReadOnlyMemory<byte>> RandomParts(Random random, byte[] input)
    {
        var parts = new List<ReadOnlyMemory<byte>>();
        int at = 0;
        while (at < input.Length)
        {
            int n = random.Next(4) == 0 ? 1 : random.Next(1, 80);
            n = Math.Min(n, input.Length - at);
            parts.Add(input.AsMemory(at, n));
            at += n;
        }
        return parts;
    }
}
