namespace Queue.Server.Tests.Protocol;

// Prefix dispatch quirks (notes §1.2): the first matching prefix wins, then per-verb checks decide.
public sealed partial class CommandParserTests
{
    [Theory]
    [InlineData("quitx")]
    [InlineData("quit anything")]
    [InlineData("quit\t")]
    [InlineData("quit ")]
    public void Quit_AnySuffix_Quits(string line) => AssertParse(line, "None Pending quit");

    [Theory]
    [InlineData("pause-tubedefault 1", "PauseTube Pending delay=1 tube=default")]
    [InlineData("pause-tubes 1", "PauseTube Pending delay=1 tube=s")]
    public void PauseTube_NoSpaceAfterVerb_Paused(string line, string expected) => AssertParse(line, expected);

    [Theory]
    [InlineData("reservex")]
    [InlineData("reserve ")]
    [InlineData("reserve\t")]
    [InlineData("reserve-with-timeout")]
    [InlineData("reserve-job")]
    [InlineData("reserve-jobx 1")]
    public void Reserve_TrailingBytesAfterBareVerb_BadFormat(string line) => AssertParse(line, BadFormat);

    [Theory]
    [InlineData("stats-job")]
    [InlineData("stats-tube")]
    [InlineData("stats ")]
    [InlineData("statsx")]
    [InlineData("stats\t")]
    [InlineData("stats-jobs 1")]
    public void Stats_TrailingBytesAfterBareVerb_BadFormat(string line) => AssertParse(line, BadFormat);

    [Theory]
    [InlineData("list-tubesx")]
    [InlineData("list-tubes-")]
    [InlineData("list-tube-used ")]
    [InlineData("list-tubes-watchedx")]
    [InlineData("peek-readyx")]
    [InlineData("peek-delayed ")]
    [InlineData("peek-buried1")]
    public void BareVerb_TrailingBytes_BadFormat(string line) => AssertParse(line, BadFormat);

    [Theory]
    [InlineData("peek")]
    [InlineData("delete")]
    [InlineData("touch")]
    [InlineData("kick")]
    [InlineData("kick-job")]
    [InlineData("use")]
    [InlineData("watch")]
    [InlineData("ignore")]
    [InlineData("release")]
    [InlineData("bury")]
    [InlineData("put")]
    [InlineData("peek-b")]
    public void ArgumentVerb_NoSpace_UnknownCommand(string line) => AssertParse(line, Unknown);

    [Theory]
    [InlineData("peek ")]
    [InlineData("kick ")]
    [InlineData("use ")]
    [InlineData("watch ")]
    [InlineData("ignore ")]
    [InlineData("stats-tube ")]
    [InlineData("stats-job ")]
    [InlineData("delete ")]
    [InlineData("touch ")]
    [InlineData("kick-job ")]
    [InlineData("reserve-job ")]
    [InlineData("release ")]
    [InlineData("bury ")]
    [InlineData("put ")]
    public void ArgumentVerb_SpaceButNoArgument_BadFormat(string line) => AssertParse(line, BadFormat);

    [Theory]
    [InlineData("put\t0 0 1 1")]
    [InlineData("peek\t1")]
    [InlineData("use\tfoo")]
    [InlineData("delete\t1")]
    public void ArgumentVerb_TabAfterVerb_UnknownCommand(string line) => AssertParse(line, Unknown);

    [Theory]
    [InlineData("LIST-TUBE-USED")]
    [InlineData("Put 0 0 1 1")]
    [InlineData("QUIT")]
    [InlineData("Stats")]
    [InlineData("RESERVE")]
    public void AnyVerb_WrongCase_UnknownCommand(string line) => AssertParse(line, Unknown);

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("   ")]
    [InlineData(" stats")]
    [InlineData("\r")]
    [InlineData("\nlist-tube-used")]
    [InlineData("xyz")]
    public void NoVerb_EmptyOrUnknownLine_UnknownCommand(string line) => AssertParse(line, Unknown);

    [Fact]
    public void KickJob_NotShadowedByKick_ParsesAsKickJob() => AssertParse("kick-job 12", "KickJob Pending id=12");

    [Fact]
    public void ReserveWithTimeout_NotShadowedByReserve_ParsesTimeout() => AssertParse("reserve-with-timeout 3", "ReserveWithTimeout Pending n=3");
}
