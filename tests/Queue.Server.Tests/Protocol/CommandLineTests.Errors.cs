using Queue.Server.Hosting;

namespace Queue.Server.Tests.Protocol;

// Sizes, warnings and usage errors: warnx("…") lines on stderr, then usage and exit 5.
public sealed partial class CommandLineTests
{
    [Theory]
    [InlineData("10", 10L)]
    [InlineData(" 10", 10L)]
    [InlineData("+10", 10L)]
    [InlineData("0", 0L)]
    [InlineData("1073741824", 1073741824L)]
    public void MaxJobSize_ValidSize_Set(string arg, long size)
    {
        var r = Parse("-z", arg);
        Assert.Null(r.Stderr);
        Assert.Equal(size, Assert.IsType<ServerOptions>(r.Options).MaxJobSize);
    }

    [Theory]
    [InlineData("1073741825")]
    [InlineData("99999999999999999999999")]
    [InlineData("-1")]
    public void MaxJobSize_AboveLimit_ClampedWithWarning(string arg)
    {
        var r = Parse("-z" + arg);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("beanstalkd: maximum job size was set to 1073741824\n", r.Stderr);
        Assert.Equal(1073741824, Assert.IsType<ServerOptions>(r.Options).MaxJobSize);
    }

    [Fact]
    public void BinlogFileSize_S_Set() => Assert.Equal(4096, Options("-s", "4096").BinlogFileSize);

    [Theory]
    [InlineData("-z", "abc")]
    [InlineData("-z", "12 ")]
    [InlineData("-z", "")]
    [InlineData("-z", "0x10")]
    [InlineData("-z", "+")]
    [InlineData("-s", "1k")]
    [InlineData("-f", "fast")]
    public void Size_NotANumber_InvalidSizeExit5(string flag, string arg) => AssertUsageError($"invalid size: {arg}", flag, arg);

    [Fact]
    public void Size_AttachedWithFlagsAfter_WholeRestIsTheSize() => AssertUsageError("invalid size: 7F", "-f7F");

    [Theory]
    [InlineData("unknown flag: -x", "-x")]
    [InlineData("unknown flag: Vx", "-Vx")]
    [InlineData("unknown flag: --", "--")]
    [InlineData("unknown flag: -?", "-?")]
    public void Flag_Unknown_UnknownFlagExit5(string message, params string[] args) => AssertUsageError(message, args);

    [Fact]
    public void Flag_UnknownAfterRemovedFlag_WarningThenError() =>
        AssertUsageError("beanstalkd: -c flag was removed. binlog is always compacted.\n", "unknown flag: -x", ["-c", "-x"]);

    [Theory]
    [InlineData("unknown argument: foo", "foo")]
    [InlineData("unknown argument: foo", "-V", "foo", "-x")]
    [InlineData("unknown argument: -", "-")]
    public void Argument_Positional_UnknownArgumentExit5(string message, params string[] args) => AssertUsageError(message, args);

    [Theory]
    [InlineData("-p")]
    [InlineData("-l")]
    [InlineData("-z")]
    [InlineData("-s")]
    [InlineData("-f")]
    [InlineData("-u")]
    [InlineData("-b")]
    public void Flag_MissingArgument_FlagRequiresAnArgumentExit5(string flag) =>
        AssertUsageError($"flag requires an argument: {flag}", flag);

    [Fact]
    public void Flag_MissingArgumentAfterCombined_NamesTheFlag() => AssertUsageError("flag requires an argument: -p", "-Vp");

    [Theory]
    [InlineData('c')]
    [InlineData('n')]
    public void RemovedFlag_CorN_WarningOnlyAndRuns(char flag)
    {
        var r = Parse("-" + flag);
        Assert.Equal(0, r.ExitCode);
        Assert.NotNull(r.Options);
        Assert.Equal($"beanstalkd: -{flag} flag was removed. binlog is always compacted.\n", r.Stderr);
    }

    [Fact]
    public void RemovedFlags_BothCombined_TwoWarningsInOrder() =>
        Assert.Equal(
            "beanstalkd: -n flag was removed. binlog is always compacted.\nbeanstalkd: -c flag was removed. binlog is always compacted.\n",
            Parse("-nc").Stderr);

    [Fact]
    public void Help_AfterWarnings_WarningsThenUsage()
    {
        var r = Parse("-c", "-z", "2000000000", "-h");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(
            "beanstalkd: -c flag was removed. binlog is always compacted.\nbeanstalkd: maximum job size was set to 1073741824\n" + Usage,
            r.Stderr);
    }

    [Fact]
    public void Version_AfterWarning_WarningOnStderrVersionOnStdout()
    {
        var r = Parse("-c", "-v");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("beanstalkd 1.12\n", r.Stdout);
        Assert.Equal("beanstalkd: -c flag was removed. binlog is always compacted.\n", r.Stderr);
    }

    [Fact]
    public void UsageError_AfterWarning_WarningFirst() =>
        AssertUsageError("beanstalkd: maximum job size was set to 1073741824\n", "unknown flag: -x", ["-z", "2000000000", "-x"]);
}
