using System.Text;
using Queue.Server.Protocol;

namespace Queue.Server.Tests.Protocol;

/// <summary>
/// <see cref="CommandParser"/>: one line (without CRLF) to a <see cref="ParsedCommand"/>, with
/// beanstalkd 1.12's prefix dispatch. Expected values use <see cref="SlotText"/>: "Op Status fields";
/// "None BadFormat" means an uncounted BAD_FORMAT, "Put BadFormat …" a counted one.
/// </summary>
public sealed partial class CommandParserTests
{
    private const string BadFormat = "None BadFormat";
    private const string Unknown = "None UnknownCommand";

    private static string Parse(string line, long maxJobSize = ProtocolLimits.DefaultMaxJobSize) =>
        SlotText.Describe(CommandParser.Parse(Encoding.Latin1.GetBytes(line), maxJobSize));

    private static void AssertParse(string line, string expected) => Assert.Equal(expected, Parse(line));

    // put <pri> <delay> <ttr> <bytes>
    [Theory]
    [InlineData("put 1 2 3 4", "Put Pending pri=1 delay=2 ttr=3 bytes=4")]
    [InlineData("put 0 0 0 0", "Put Pending")]
    [InlineData("put 4294967295 4294967295 4294967295 65535", "Put Pending pri=4294967295 delay=4294967295 ttr=4294967295 bytes=65535")]
    [InlineData("put  0  0  10  3", "Put Pending ttr=10 bytes=3")]
    [InlineData("put 00010 0 10 3", "Put Pending pri=10 ttr=10 bytes=3")]
    public void Put_WellFormed_ParsesFields(string line, string expected) => AssertParse(line, expected);

    [Theory]
    [InlineData("peek 5", "Peek Pending id=5")]
    [InlineData("peek 0", "Peek Pending")]
    [InlineData("peek 01", "Peek Pending id=1")]
    [InlineData("peek-ready", "PeekReady Pending")]
    [InlineData("peek-delayed", "PeekDelayed Pending")]
    [InlineData("peek-buried", "PeekBuried Pending")]
    public void Peek_WellFormed_ParsesFields(string line, string expected) => AssertParse(line, expected);

    [Theory]
    [InlineData("reserve", "Reserve Pending")]
    [InlineData("reserve-with-timeout 5", "ReserveWithTimeout Pending n=5")]
    [InlineData("reserve-job 7", "ReserveJob Pending id=7")]
    public void Reserve_WellFormed_ParsesFields(string line, string expected) => AssertParse(line, expected);

    [Theory]
    [InlineData("delete 9", "Delete Pending id=9")]
    [InlineData("release 1 2 3", "Release Pending id=1 pri=2 delay=3")]
    [InlineData("bury 4 5", "Bury Pending id=4 pri=5")]
    [InlineData("touch 6", "Touch Pending id=6")]
    [InlineData("touch  1", "Touch Pending id=1")]
    [InlineData("kick 10", "Kick Pending n=10")]
    [InlineData("kick-job 3", "KickJob Pending id=3")]
    public void JobVerb_WellFormed_ParsesFields(string line, string expected) => AssertParse(line, expected);

    [Theory]
    [InlineData("stats", "Stats Pending")]
    [InlineData("stats-job 5", "StatsJob Pending id=5")]
    [InlineData("stats-tube foo", "StatsTube Pending tube=foo")]
    [InlineData("list-tubes", "ListTubes Pending")]
    [InlineData("list-tube-used", "ListTubeUsed Pending")]
    [InlineData("list-tubes-watched", "ListTubesWatched Pending")]
    public void StatsAndLists_WellFormed_ParsesFields(string line, string expected) => AssertParse(line, expected);

    [Theory]
    [InlineData("use foo", "Use Pending tube=foo")]
    [InlineData("use default", "Use Pending tube=default")]
    [InlineData("watch bar", "Watch Pending tube=bar")]
    [InlineData("ignore baz", "Ignore Pending tube=baz")]
    [InlineData("pause-tube foo 10", "PauseTube Pending delay=10 tube=foo")]
    public void TubeVerb_WellFormed_ParsesFields(string line, string expected) => AssertParse(line, expected);

    [Fact]
    public void Quit_Bare_Quits() => AssertParse("quit", "None Pending quit");

    [Fact]
    public void Use_Default_ReturnsSharedDefaultName() =>
        Assert.Same(Queue.Storage.Model.TubeNames.Default, CommandParser.Parse("use default"u8, 65535).Tube);

    [Theory]
    [InlineData("peek 1\0")]
    [InlineData("\0")]
    [InlineData("put 0 0 1 1\0")]
    [InlineData("use fo\0o")]
    [InlineData("quit\0")]
    [InlineData("\0quit")]
    public void AnyVerb_NulByteInLine_BadFormatBeforeDispatch(string line) => AssertParse(line, BadFormat);
}
