using Queue.Server.Protocol;

namespace Queue.Server.Tests.Protocol;

// Line framing: the 224-byte limit, over-long lines, stray CR and bare LF. Our deviation
// (docs/compatibility.md): a line ends at the first CRLF, so a stray CR or a 225-byte line
// costs one BAD_FORMAT and never swallows the next command as 1.12 does.
public sealed partial class CommandReaderTests
{
    /// <summary>"pause-tube " + 200-char name + " 4294967295" + CRLF: exactly LINE_BUF_SIZE bytes.</summary>
    private static readonly string s_longestLine = $"pause-tube {new string('t', 200)} 4294967295\r\n";

    [Fact]
    public void PauseTube_LineOfExactly224Bytes_Parsed()
    {
        Assert.Equal(ProtocolLimits.MaxLineLength, s_longestLine.Length);
        AssertShapes(s_longestLine + "list-tube-used\r\n", $"PauseTube Pending delay=4294967295 tube={new string('t', 200)}", Using);
    }

    [Fact]
    public void AnyVerb_UnknownLineOf224Bytes_ParsedAsUnknownCommand() =>
        AssertShapes(new string('x', 222) + "\r\nlist-tube-used\r\n", Unknown, Using);

    [Fact]
    public void PauseTube_LineOf225Bytes_BadFormatThenNextCommandWorks()
    {
        string line = $"pause-tube  {new string('t', 200)} 4294967295\r\n";
        Assert.Equal(225, line.Length);
        AssertShapes(line + "list-tube-used\r\n", BadFormat, Using);
    }

    [Fact]
    public void AnyVerb_UnknownLineOf225Bytes_OneBadFormatNextCommandNotSwallowed() =>
        AssertShapes(new string('x', 223) + "\r\nlist-tube-used\r\n", BadFormat, Using);

    [Fact]
    public void AnyVerb_LineOf5000Bytes_OneBadFormatThenNextCommandWorks() =>
        AssertShapes(new string('y', 4998) + "\r\nlist-tube-used\r\n", BadFormat, Using);

    [Fact]
    public void AnyVerb_OverlongLineWithStrayCrs_OneBadFormat() =>
        AssertShapes(new string('z', 230) + "\r\r" + new string('z', 10) + "\rz\r\nlist-tube-used\r\n", BadFormat, Using);

    [Fact]
    public void AnyVerb_OverlongLineStillArriving_DiscardedAsItArrives()
    {
        var d = new FramingDriver();
        d.Arrive(new string('x', 300));
        Assert.Empty(d.Slots);
        Assert.Equal(300, d.Consumed);
        d.Arrive(new string('x', 99) + "\r");
        Assert.Equal(399, d.Consumed); // the CR is kept until its LF is seen
        Assert.Empty(d.Slots);
        d.Arrive("\nlist-tube-used\r\n");
        Assert.Equal([BadFormat, Using], d.Slots);
        Assert.Equal(417, d.Consumed);
    }

    [Fact]
    public void ListTubeUsed_StrayCrBeforeCrlf_BadFormatThenNextCommandsWork() =>
        AssertShapes("list-tube-used\r\r\nlist-tube-used\r\nlist-tube-used\r\n", BadFormat, Using, Using);

    [Fact]
    public void Use_StrayCrInsideName_BadFormatThenNextCommandWorks() =>
        AssertShapes("use foo\rbar\r\nlist-tube-used\r\n", BadFormat, Using);

    [Fact]
    public void AnyVerb_StrayCrAtLineStart_UnknownCommand() =>
        AssertShapes("\rlist-tube-used\r\nlist-tube-used\r\n", Unknown, Using);

    [Fact]
    public void ListTubeUsed_BareLf_NotALineEndJoinsNextLine() =>
        AssertShapes("list-tube-used\nlist-tube-used\r\nlist-tube-used\r\n", BadFormat, Using);

    [Fact]
    public void AnyVerb_LeadingBareLf_UnknownCommand() =>
        AssertShapes("\nlist-tube-used\r\n", Unknown);

    [Fact]
    public void AnyVerb_BareLfOnly_NeedsMoreData()
    {
        var d = new FramingDriver();
        d.Arrive("list-tube-used\n");
        Assert.Empty(d.Slots);
        Assert.True(d.NeedMoreData);
        Assert.Equal(0, d.Consumed);
    }
}
