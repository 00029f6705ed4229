using Microsoft.Extensions.Time.Testing;

namespace Queue.Server.Tests.Protocol;

// put bodies: split anywhere, CRLF/NUL inside, EXPECTED_CRLF, JOB_TOO_BIG, BAD_FORMAT, ids (notes §3.1).
public sealed partial class CommandReaderTests
{
    [Fact]
    public void Put_BodyInSameOrLaterSegments_OneHeaderAndOneBodySlot() =>
        AssertShapes("put 5 6 7 10\r\n0123456789\r\n", PutHeader, "Put Pending Counted id=1 pri=5 delay=6 ttr=7 body=0123456789\\r\\n");

    [Fact]
    public void Put_BodyContainingCrlfNulAndCommands_TakenVerbatim() =>
        AssertShapes("put 0 0 1 18\r\na\r\nb\0\r\ndelete 5\r\nc\r\nlist-tube-used\r\n",
            PutHeader, "Put Pending Counted id=1 ttr=1 body=a\\r\\nb\\0\\r\\ndelete 5\\r\\nc\\r\\n", Using);

    [Fact]
    public void Put_EmptyBody_BodyIsJustCrlf() =>
        AssertShapes("put 0 0 1 0\r\n\r\nlist-tube-used\r\n", PutHeader, "Put Pending Counted id=1 ttr=1 body=\\r\\n", Using);

    [Fact]
    public void Put_QuitInsideBody_BodyNotQuit() =>
        AssertShapes("put 0 0 1 6\r\nquit\r\n\r\n", PutHeader, "Put Pending Counted id=1 ttr=1 body=quit\\r\\n\\r\\n");

    [Fact]
    public void Put_OneByteLongTrailer_ExpectedCrlfAndLeftoverLfPoisonsNextCommand() =>
        AssertShapes("put 0 0 10 3\r\nabcd\r\nlist-tube-used\r\n", PutHeader, "Put ExpectedCrlf Counted id=1 ttr=10", Unknown);

    [Fact]
    public void Put_TwoBytesLongTrailer_ExpectedCrlfThenEmptyLine() =>
        AssertShapes("put 0 0 10 3\r\nabcde\r\n", PutHeader, "Put ExpectedCrlf Counted id=1 ttr=10", Unknown);

    [Fact]
    public void Put_LfLfTrailer_ExpectedCrlf() =>
        AssertShapes("put 0 0 10 3\r\nabc\n\nlist-tube-used\r\n", PutHeader, "Put ExpectedCrlf Counted id=1 ttr=10", Using);

    [Fact]
    public void Put_EmptyBodyWithByte_ExpectedCrlfAndLfLeftOver() =>
        AssertShapes("put 0 0 10 0\r\nX\r\nlist-tube-used\r\n", PutHeader, "Put ExpectedCrlf Counted id=1 ttr=10", Unknown);

    [Fact]
    public void Put_ShortTrailer_NoReplyUntilLastByte()
    {
        var d = new FramingDriver();
        d.Arrive("put 0 0 10 3\r\nab\r\n");
        Assert.Equal([PutHeader], d.Slots);
        Assert.True(d.NeedMoreData);
        Assert.Equal(18, d.Consumed);
        d.Arrive("X");
        Assert.Equal([PutHeader, "Put ExpectedCrlf Counted id=1 ttr=10"], d.Slots);
        Assert.Equal(19, d.Consumed);
    }

    [Fact]
    public void Put_TrailingSpaceAfterBytes_BadFormatAndBodyNotConsumed() =>
        FramingAssert.AllShapes("put 0 0 10 3 \r\nabc\r\n",
            new FramingExpectation(["Put BadFormat ttr=10", Unknown]) { IdsAllocated = 0 });

    [Fact]
    public void Put_TooFewArguments_UncountedBadFormatAndBodyExecutedAsCommand() =>
        FramingAssert.AllShapes("put 0 0 10\r\ndelete 5\r\n", new FramingExpectation([BadFormat, "Delete Pending id=5"]));

    [Fact]
    public void Put_TooBig_HeaderAtOnceReplyAfterBytesPlusTwoDiscarded()
    {
        var d = new FramingDriver(maxJobSize: 10);
        d.Arrive("put 0 0 1 11\r\n");
        Assert.Equal(["Put JobTooBig PutHeader"], d.Slots);
        d.Arrive("01234567890");
        Assert.Single(d.Slots);
        d.Arrive("\r");
        Assert.Single(d.Slots);
        d.Arrive("\nlist-tube-used\r\n");
        Assert.Equal(["Put JobTooBig PutHeader", "None JobTooBig", Using], d.Slots);
        Assert.Equal(0ul, d.IdsAllocated);
    }

    [Fact]
    public void Put_TooBig_DiscardsExactlyBytesPlusTwoWhateverTheyAre() =>
        FramingAssert.AllShapes("put 0 0 1 11\r\nxxxxxxxxxxxxxlist-tube-used\r\n",
            new FramingExpectation(["Put JobTooBig PutHeader", "None JobTooBig", Using]) { MaxJobSize = 10 });

    [Fact]
    public void Put_TooBigWithTrailingGarbage_JobTooBigAndBodySkipped() =>
        FramingAssert.AllShapes("put 0 0 1 11x\r\nquit\r\nquit\r\nxput 0 0 1 1\r\nX\r\n",
            new FramingExpectation(["Put JobTooBig PutHeader", "None JobTooBig", PutHeader, "Put Pending Counted id=1 ttr=1 body=X\\r\\n"])
            { MaxJobSize = 10, IdsAllocated = 1 });

    [Fact]
    public void Put_DefaultLimit_65535AcceptedAnd65536TooBig()
    {
        string ok = "put 0 0 1 65535\r\n" + new string('b', 65535) + "\r\n";
        string big = "put 0 0 1 65536\r\n" + new string('b', 65536) + "\r\n";
        var d = new FramingDriver();
        d.Arrive(ok + big + "list-tube-used\r\n");
        Assert.Equal(5, d.Slots.Count);
        Assert.Equal(PutHeader, d.Slots[0]);
        Assert.Equal(65537, d.RawSlots[1].Body!.Length);
        Assert.Equal(Queue.Storage.CommandStatus.Pending, d.RawSlots[1].Status);
        Assert.Equal(["Put JobTooBig PutHeader", "None JobTooBig", Using], d.Slots[2..]);
        Assert.Equal(ok.Length + big.Length + 16, d.Consumed);
    }

    [Fact]
    public void Put_IdsOnlyForLinesThatParse_TooBigAndBadFormatConsumeNone()
    {
        const string input =
            "put 0 0 1 1\r\nA\r\n" +          // id 1
            "put 0 0 1 11\r\n0123456789A\r\n" + // JOB_TOO_BIG: no id
            "put 0 0 1 1 x\r\n" +             // BAD_FORMAT (counted): no id
            "put x\r\n" +                     // BAD_FORMAT: no id
            "put 0 0 1 1\r\nXYZ" +             // EXPECTED_CRLF: id 2 consumed
            "put 0 0 1 1\r\nB\r\n";           // id 3
        FramingAssert.AllShapes(input, new FramingExpectation([
            PutHeader, "Put Pending Counted id=1 ttr=1 body=A\\r\\n",
            "Put JobTooBig PutHeader", "None JobTooBig",
            "Put BadFormat ttr=1",
            BadFormat,
            PutHeader, "Put ExpectedCrlf Counted id=2 ttr=1",
            PutHeader, "Put Pending Counted id=3 ttr=1 body=B\\r\\n"]) { MaxJobSize = 10, IdsAllocated = 3 });
    }

    [Fact]
    public void Put_IdAllocatedWhenLineParses_BeforeBodyArrives()
    {
        var d = new FramingDriver();
        d.Arrive("put 0 0 1 3\r\n");
        Assert.Equal(1ul, d.IdsAllocated);
        Assert.Equal([PutHeader], d.Slots);
    }

    [Fact]
    public void Put_CreatedAt_TakenWhenLineParsedNotWhenBodyCompletes()
    {
        var time = new FakeTimeProvider(FramingDriver.Epoch);
        var d = new FramingDriver(time: time);
        d.Arrive("put 0 0 1 3\r\nab");
        time.Advance(TimeSpan.FromSeconds(5));
        d.Arrive("c\r\n");
        Assert.Equal(2, d.RawSlots.Count);
        Assert.Equal(FramingDriver.Epoch.ToUnixTimeMilliseconds(), d.RawSlots[1].CreatedAtMs);
    }
}
