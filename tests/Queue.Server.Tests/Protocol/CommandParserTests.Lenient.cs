namespace Queue.Server.Tests.Protocol;

// The two lenient parsers of 1.12 (notes §2.3): kick uses strtoul truncated to 32 bits,
// reserve-with-timeout uses strtol truncated to int and ignores trailing bytes.
public sealed partial class CommandParserTests
{
    [Theory]
    [InlineData("kick 5", 5)]
    [InlineData("kick 0", 0)]
    [InlineData("kick -1", 4294967295)]
    [InlineData("kick 4294967295", 4294967295)]
    [InlineData("kick 4294967296", 0)]
    [InlineData("kick 4294967297", 1)]
    [InlineData("kick 1abc", 1)]
    [InlineData("kick +5", 5)]
    [InlineData("kick  5", 5)]
    [InlineData("kick \t5", 5)]
    [InlineData("kick 5 6", 5)]
    [InlineData("kick 18446744073709551615", 4294967295)]
    [InlineData("kick -18446744073709551615", 1)]
    [InlineData("kick -0", 0)]
    public void Kick_LenientBound_TruncatedTo32Bits(string line, long bound) =>
        AssertParse(line, bound == 0 ? "Kick Pending" : $"Kick Pending n={bound}");

    [Theory]
    [InlineData("kick abc")]
    [InlineData("kick ")]
    [InlineData("kick  ")]
    [InlineData("kick +")]
    [InlineData("kick -")]
    [InlineData("kick x1")]
    [InlineData("kick 18446744073709551616")]
    [InlineData("kick -18446744073709551616")]
    [InlineData("kick 99999999999999999999999")]
    public void Kick_NoDigitsOrOutOfRange_BadFormat(string line) => AssertParse(line, BadFormat);

    [Theory]
    [InlineData("0", 0)]
    [InlineData("+0", 0)]
    [InlineData("", 0)]
    [InlineData("abc", 0)]
    [InlineData("0abc", 0)]
    [InlineData("1 2", 1)]
    [InlineData("  7", 7)]
    [InlineData("-1", -1)]
    [InlineData("-5", -5)]
    [InlineData("4294967296", 0)]
    [InlineData("4294967297", 1)]
    [InlineData("2147483647", 2147483647)]
    [InlineData("2147483648", -2147483648)]
    [InlineData("9223372036854775807", -1)]
    [InlineData("-9223372036854775808", 0)]
    public void ReserveWithTimeout_LenientSeconds_TruncatedToInt(string arg, long seconds) =>
        AssertParse("reserve-with-timeout " + arg,
            seconds == 0 ? "ReserveWithTimeout Pending" : $"ReserveWithTimeout Pending n={seconds}");

    [Theory]
    [InlineData("99999999999999999999")]
    [InlineData("-99999999999999999999")]
    [InlineData("9223372036854775808")]
    [InlineData("-9223372036854775809")]
    public void ReserveWithTimeout_OutOfLongRange_BadFormat(string arg) => AssertParse("reserve-with-timeout " + arg, BadFormat);
}
