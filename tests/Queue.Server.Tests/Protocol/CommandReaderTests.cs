namespace Queue.Server.Tests.Protocol;

/// <summary>
/// <see cref="Queue.Server.Protocol.CommandReader"/>: the per-connection framing state machine.
/// Every input goes through <see cref="FramingAssert.AllShapes(string, FramingExpectation)"/>, so each
/// expectation holds for one segment, a guarded segment, every two-way split and one byte per segment.
/// </summary>
public sealed partial class CommandReaderTests
{
    private const string BadFormat = "None BadFormat";
    private const string Unknown = "None UnknownCommand";
    private const string Using = "ListTubeUsed Pending";
    private const string PutHeader = "Put Pending PutHeader";

    private static void AssertShapes(string input, params string[] slots) =>
        FramingAssert.AllShapes(input, new FramingExpectation(slots) { IdsAllocated = (ulong)slots.Count(s => s == PutHeader) });

    [Fact]
    public void AnyVerb_Pipelined_OneSlotEachInOrder() =>
        AssertShapes("use foo\r\nput 1 2 3 3\r\nabc\r\nlist-tube-used\r\nwatch bar\r\nstats-job 9\r\n",
            "Use Pending tube=foo",
            PutHeader,
            "Put Pending Counted id=1 pri=1 delay=2 ttr=3 body=abc\\r\\n",
            Using,
            "Watch Pending tube=bar",
            "StatsJob Pending id=9");

    [Fact]
    public void AnyVerb_ParseErrorsPipelined_EachAnsweredAndNextParsed() =>
        AssertShapes("bogus\r\npeek x\r\nLIST-TUBES\r\nlist-tube-used\r\n", Unknown, BadFormat, Unknown, Using);

    [Fact]
    public void AnyVerb_EmptyInput_NeedsMoreDataAndConsumesNothing()
    {
        var d = new FramingDriver();
        var (outcome, consumed, slots) = d.ReadOnce();
        Assert.True(outcome.NeedMoreData);
        Assert.False(outcome.Quit);
        Assert.Equal(0, consumed);
        Assert.Empty(slots);
    }

    [Theory]
    [InlineData("list-tube-us", 0)]
    [InlineData("list-tube-used\r", 0)]
    [InlineData("list-tube-used\r\nlist-tu", 16)]
    [InlineData("list-tube-used\r\nput 0 0 1 1", 16)]
    public void AnyVerb_IncompleteLine_NeedMoreDataConsumedAtLineStart(string input, long lineStart)
    {
        foreach (var (name, feed) in FeedShapes.All(FramingDriver.Latin1(input)))
        {
            var d = new FramingDriver();
            feed(d);
            Assert.True(d.NeedMoreData, name);
            Assert.Equal(lineStart, d.Consumed);
            Assert.Equal(input.Length - lineStart, d.Unconsumed);
            Assert.Equal(lineStart == 0 ? [] : [Using], d.Slots);
        }
    }

    [Fact]
    public void AnyVerb_IncompleteLineCompletedLater_ParsedOnce()
    {
        var d = new FramingDriver();
        d.Arrive("list-tube-us");
        Assert.Empty(d.Slots);
        d.Arrive("ed\r\n");
        Assert.Equal([Using], d.Slots);
        Assert.Equal(16, d.Consumed);
    }

    [Fact]
    public void AnyVerb_NulInLine_BadFormatAndNextCommandParsed() =>
        AssertShapes("peek 1\0\r\nquit\0\r\nlist-tube-used\r\n", BadFormat, BadFormat, Using);
}
