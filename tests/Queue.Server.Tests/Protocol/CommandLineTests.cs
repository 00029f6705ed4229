using System.Runtime.CompilerServices;
using Queue.Server.Hosting;

namespace Queue.Server.Tests.Protocol;

/// <summary>
/// <see cref="CommandLine"/>: beanstalkd 1.12's flag parser (util.c optparse). Resources/usage.txt is
/// the output of the real `beanstalkd -h` (1.12, progname "beanstalkd"), captured once.
/// </summary>
public sealed partial class CommandLineTests
{
    private const string Prog = "beanstalkd";

    private static string Usage { get; } = File.ReadAllText(ResourcePath("usage.txt"));

    /// <summary>Next to this source file; if the build mapped source paths, found upward from the test binaries.</summary>
    private static string ResourcePath(string name, [CallerFilePath] string here = "")
    {
        string beside = Path.Combine(Path.GetDirectoryName(here)!, "Resources", name);
        if (File.Exists(beside)) return beside;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "Queue.Server.Tests", "Protocol", "Resources", name);
            if (File.Exists(candidate)) return candidate;
        }
        return beside; // File.ReadAllText then reports the expected path
    }

    private static CommandLine.Result Parse(params string[] args) => CommandLine.Parse(args, Prog);

    private static ServerOptions Options(params string[] args)
    {
        var r = Parse(args);
        Assert.Equal(0, r.ExitCode);
        Assert.Null(r.Stdout);
        return Assert.IsType<ServerOptions>(r.Options);
    }

    private static void AssertUsageError(string message, params string[] args) => AssertUsageError("", message, args);

    private static void AssertUsageError(string warnings, string message, string[] args)
    {
        var r = Parse(args);
        Assert.Equal(5, r.ExitCode);
        Assert.Null(r.Options);
        Assert.Null(r.Stdout);
        Assert.Equal($"{warnings}{Prog}: {message}\n{Usage}", r.Stderr);
    }

    [Fact]
    public void Usage_Text_SameBytesAsBeanstalkd()
    {
        Assert.StartsWith("Use: beanstalkd [OPTIONS]\n", Usage, StringComparison.Ordinal);
        Assert.Equal(Usage, CommandLine.Usage(Prog));
    }

    [Fact]
    public void Help_FlagH_UsageOnStderrExitZero()
    {
        var r = Parse("-h");
        Assert.Equal(0, r.ExitCode);
        Assert.Null(r.Options);
        Assert.Null(r.Stdout);
        Assert.Equal(Usage, r.Stderr);
    }

    [Fact]
    public void Help_AfterOtherFlags_StillUsageExitZero()
    {
        var r = Parse("-V", "-p", "1", "-Vh", "-x");
        Assert.Equal(0, r.ExitCode);
        Assert.Equal(Usage, r.Stderr);
    }

    [Fact]
    public void Version_FlagV_VersionOnStdoutExitZero()
    {
        var r = Parse("-v");
        Assert.Equal(0, r.ExitCode);
        Assert.Null(r.Options);
        Assert.Equal("beanstalkd 1.12\n", r.Stdout);
        Assert.Null(r.Stderr);
    }

    [Fact]
    public void Defaults_NoArguments_BeanstalkdDefaults()
    {
        var r = Parse();
        Assert.Equal(0, r.ExitCode);
        Assert.Null(r.Stderr);
        var o = Assert.IsType<ServerOptions>(r.Options);
        Assert.Equal("11300", o.Port);
        Assert.Null(o.ListenAddress);
        Assert.Null(o.BinlogDirectory);
        Assert.Null(o.User);
        Assert.Equal(65535, o.MaxJobSize);
        Assert.Equal(10485760, o.BinlogFileSize);
        Assert.Equal(50, o.FsyncMs);
        Assert.False(o.NeverFsync);
        Assert.Equal(0, o.Verbosity);
    }

    [Theory]
    [InlineData("-p11300", "-l127.0.0.1", "-bdir", "-unobody")]
    [InlineData("-p", "11300", "-l", "127.0.0.1", "-b", "dir", "-u", "nobody")]
    public void Flags_AttachedOrSeparateArgument_SameOptions(params string[] args)
    {
        var o = Options(args);
        Assert.Equal("11300", o.Port);
        Assert.Equal("127.0.0.1", o.ListenAddress);
        Assert.Equal("dir", o.BinlogDirectory);
        Assert.Equal("nobody", o.User);
    }

    [Fact]
    public void Flags_ArgumentLooksLikeFlag_TakenAsArgument()
    {
        var o = Options("-p", "-V", "-l", "");
        Assert.Equal("-V", o.Port);
        Assert.Equal("", o.ListenAddress);
        Assert.Equal(0, o.Verbosity);
    }

    [Fact]
    public void Flags_CombinedAfterValueless_RestIsArgument()
    {
        var o = Options("-Vp1234", "-Vz10");
        Assert.Equal("1234", o.Port);
        Assert.Equal(10, o.MaxJobSize);
        Assert.Equal(2, o.Verbosity);
    }

    [Theory]
    [InlineData(1, "-V")]
    [InlineData(2, "-VV")]
    [InlineData(2, "-V", "-V")]
    [InlineData(3, "-VVV")]
    public void Verbosity_RepeatedV_Counted(int level, params string[] args) => Assert.Equal(level, Options(args).Verbosity);

    [Fact]
    public void Flags_CombinedVF_VerboseAndNeverFsync()
    {
        var o = Options("-VF");
        Assert.Equal(1, o.Verbosity);
        Assert.True(o.NeverFsync);
    }

    [Theory]
    [InlineData(true, 50L, "-F")]
    [InlineData(false, 10L, "-F", "-f", "10")]
    [InlineData(true, 10L, "-f10", "-F")]
    [InlineData(false, 0L, "-f0")]
    [InlineData(false, 5L, "-Ff5")]
    public void Fsync_FAndBigF_LastOneWins(bool never, long ms, params string[] args)
    {
        var o = Options(args);
        Assert.Equal(never, o.NeverFsync);
        Assert.Equal(ms, o.FsyncMs);
    }
}
