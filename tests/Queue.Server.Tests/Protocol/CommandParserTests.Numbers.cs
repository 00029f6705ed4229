namespace Queue.Server.Tests.Protocol;

// Strict integers (read_u32/read_u64, notes §2.1) and put's JOB_TOO_BIG ordering (§3.1).
public sealed partial class CommandParserTests
{
    [Theory]
    [InlineData("peek +1")]
    [InlineData("peek -1")]
    [InlineData("peek \t1")]
    [InlineData("peek x")]
    [InlineData("delete -0")]
    [InlineData("put 0\t0 1 1")]
    [InlineData("put -1 0 10 3")]
    [InlineData("put 0 +0 10 3")]
    public void IdVerb_NotDigitAfterSpaces_BadFormat(string line) => AssertParse(line, BadFormat);

    [Theory]
    [InlineData("peek 1 ")]
    [InlineData("delete 1 ")]
    [InlineData("touch 1 ")]
    [InlineData("kick-job 1x")]
    [InlineData("reserve-job 1\t")]
    [InlineData("stats-job 111ABC")]
    [InlineData("release 1 0 0 ")]
    [InlineData("bury 111 222abc")]
    [InlineData("pause-tube default 1 ")]
    public void LastArgument_TrailingSpaceOrGarbage_BadFormat(string line) => AssertParse(line, BadFormat);

    [Theory]
    [InlineData("put 1x 0 1 1")]
    [InlineData("release 1x 0 0")]
    [InlineData("bury 1x 0")]
    public void EarlierArgument_GarbageAfterDigits_BadFormat(string line) => AssertParse(line, BadFormat);

    [Theory]
    [InlineData("bury 1")]
    [InlineData("release 1 0")]
    [InlineData("release 1")]
    [InlineData("put 0 0 10")]
    [InlineData("put 0 0")]
    [InlineData("pause-tube default")]
    public void AnyVerb_TooFewArguments_BadFormat(string line) => AssertParse(line, BadFormat);

    [Theory]
    [InlineData("bury 1 0 0")]
    [InlineData("stats-job 111 222")]
    [InlineData("peek 1 2")]
    [InlineData("release 1 0 0 0")]
    [InlineData("delete 1 1")]
    public void AnyVerb_TooManyArguments_BadFormat(string line) => AssertParse(line, BadFormat);

    [Theory]
    [InlineData("bury 1 4294967295", "Bury Pending id=1 pri=4294967295")]
    [InlineData("bury 1 4294967296", BadFormat)]
    [InlineData("release 1 4294967295 4294967295", "Release Pending id=1 pri=4294967295 delay=4294967295")]
    [InlineData("release 1 0 4294967296", BadFormat)]
    [InlineData("put 4294967296 0 1 1", BadFormat)]
    [InlineData("put 0 4294967296 1 1", BadFormat)]
    [InlineData("put 0 0 4294967296 1", BadFormat)]
    [InlineData("put 0 0 1 4294967296", BadFormat)]
    [InlineData("put 0 0 1 99999999999999999999", BadFormat)]
    [InlineData("pause-tube default 4294967295", "PauseTube Pending delay=4294967295 tube=default")]
    [InlineData("pause-tube default 4294967296", BadFormat)]
    [InlineData("bury 1 000004294967295", "Bury Pending id=1 pri=4294967295")]
    public void U32Argument_OverflowBoundary_BadFormatAbove(string line, string expected) => AssertParse(line, expected);

    [Theory]
    [InlineData("delete 18446744073709551615", "Delete Pending id=18446744073709551615")]
    [InlineData("delete 18446744073709551616", BadFormat)]
    [InlineData("peek 18446744073709551615", "Peek Pending id=18446744073709551615")]
    [InlineData("peek 18446744073709551616", BadFormat)]
    [InlineData("stats-job 99999999999999999999999", BadFormat)]
    [InlineData("release 18446744073709551615 0 0", "Release Pending id=18446744073709551615")]
    [InlineData("release 18446744073709551616 0 0", BadFormat)]
    [InlineData("reserve-job 018446744073709551615", "ReserveJob Pending id=18446744073709551615")]
    public void U64Argument_OverflowBoundary_BadFormatAbove(string line, string expected) => AssertParse(line, expected);

    [Fact]
    public void Put_TrailingSpaceAfterBytes_CountedBadFormat() => AssertParse("put 0 0 10 3 ", "Put BadFormat ttr=10 bytes=3");

    [Fact]
    public void Put_FifthArgument_CountedBadFormat() => AssertParse("put 0 0 10 3 4", "Put BadFormat ttr=10 bytes=3");

    [Theory]
    [InlineData("put 0 0 10 65535", "Put Pending ttr=10 bytes=65535")]
    [InlineData("put 0 0 10 65536", "Put JobTooBig ttr=10 bytes=65536")]
    [InlineData("put 0 0 10 65536x", "Put JobTooBig ttr=10 bytes=65536")]
    [InlineData("put 0 0 10 65536 ", "Put JobTooBig ttr=10 bytes=65536")]
    [InlineData("put 0 0 0 4294967295", "Put JobTooBig bytes=4294967295")]
    public void Put_BytesAboveMaxJobSize_JobTooBigBeforeTrailingGarbageCheck(string line, string expected) => AssertParse(line, expected);

    [Fact]
    public void Put_BytesEqualToSmallMaxJobSize_Accepted()
    {
        Assert.Equal("Put Pending bytes=10", Parse("put 0 0 0 10", maxJobSize: 10));
        Assert.Equal("Put JobTooBig bytes=11", Parse("put 0 0 0 11", maxJobSize: 10));
    }

    [Fact]
    public void Put_TtrZero_KeptZeroForEngineToRaise() => AssertParse("put 0 0 0 1", "Put Pending bytes=1");
}
