using Queue.Server.Protocol;

namespace Queue.Server.Hosting;

/// <summary>
/// beanstalkd 1.12's option parser (util.c optparse): short flags that may be combined (-VF) and
/// take their argument attached or as the next word (-p11300, -p 11300). Usage and warnings go
/// to stderr in the same shape; exit code 5 on a usage error, 0 for -h and -v.
/// </summary>
internal static class CommandLine
{
    /// <summary>Parsed options, or the exit code and text to print instead of running.</summary>
    public sealed record Result(ServerOptions? Options, int ExitCode, string? Stdout, string? Stderr);

    public static Result Parse(IReadOnlyList<string> args, string progname)
    {
        var o = new ServerOptions();
        var warnings = new System.Text.StringBuilder();
        int i = 0;
        try
        {
            while (i < args.Count)
            {
                string arg = args[i];
                if (arg.Length < 2 || arg[0] != '-') break;
                i++;
                if (arg.StartsWith("--", StringComparison.Ordinal) && arg.Length > 2)
                {
                    // Extensions; beanstalkd itself has no long options, so these cannot clash.
                    LongOptions.Apply(arg, args, ref i, o);
                    continue;
                }
                for (int k = 1; k < arg.Length; k++)
                {
                    char c = arg[k];
                    string Value()
                    {
                        if (k + 1 < arg.Length)
                        {
                            var v = arg[(k + 1)..];
                            k = arg.Length;
                            return v;
                        }
                        if (i < args.Count) return args[i++];
                        throw new UsageException($"flag requires an argument: -{c}");
                    }
                    switch (c)
                    {
                        case 'p': o.Port = Value(); break;
                        case 'l': o.ListenAddress = Value(); break;
                        case 'z':
                            o.MaxJobSize = ParseSize(Value());
                            if (o.MaxJobSize > ProtocolLimits.MaxJobSizeLimit)
                            {
                                warnings.Append(progname).Append(": maximum job size was set to ").Append(ProtocolLimits.MaxJobSizeLimit).Append('\n');
                                o.MaxJobSize = ProtocolLimits.MaxJobSizeLimit;
                            }
                            break;
                        case 's': o.BinlogFileSize = ParseSize(Value()); break;
                        case 'c': warnings.Append(progname).Append(": -c flag was removed. binlog is always compacted.\n"); break;
                        case 'n': warnings.Append(progname).Append(": -n flag was removed. binlog is always compacted.\n"); break;
                        case 'f':
                            o.FsyncMs = ParseSize(Value());
                            o.NeverFsync = false;
                            break;
                        case 'F': o.NeverFsync = true; break;
                        case 'u': o.User = Value(); break;
                        case 'b': o.BinlogDirectory = Value(); break;
                        case 'h': return new Result(null, 0, null, warnings + Usage(progname));
                        case 'v': return new Result(null, 0, "beanstalkd " + StatsFormatter.Version + "\n", warnings.Length > 0 ? warnings.ToString() : null);
                        case 'V': o.Verbosity++; break;
                        default: throw new UsageException($"unknown flag: {arg[(k - 1)..]}");
                    }
                }
            }
            if (i < args.Count) throw new UsageException($"unknown argument: {args[i]}");
        }
        catch (LongOptions.HelpRequested)
        {
            return new Result(null, 0, null, warnings + Usage(progname) + LongOptions.Usage);
        }
        catch (UsageException ex)
        {
            return new Result(null, 5, null, warnings + progname + ": " + ex.Message + "\n" + Usage(progname));
        }
        return new Result(o, 0, null, warnings.Length > 0 ? warnings.ToString() : null);
    }

    /// <summary>sscanf("%zu%c") == 1: optional spaces and sign, digits, nothing after.</summary>
    private static long ParseSize(string s)
    {
        var t = s.TrimStart(' ', '\t', '\n', '\v', '\f', '\r');
        bool negative = t.StartsWith('-');
        if (t.StartsWith('+') || negative) t = t[1..];
        if (t.Length == 0 || !t.All(char.IsAsciiDigit)) throw new UsageException($"invalid size: {s}");
        if (!ulong.TryParse(t, out ulong v)) v = ulong.MaxValue;
        if (negative) v = 0 - v;
        return v > long.MaxValue ? long.MaxValue : (long)v;
    }

    public static string Usage(string progname) =>
        $"Use: {progname} [OPTIONS]\n" +
        "\n" +
        "Options:\n" +
        " -b DIR   write-ahead log directory\n" +
        $" -f MS    fsync at most once every MS milliseconds (default is {ServerOptions.DefaultFsyncMs}ms);\n" +
        "          use -f0 for \"always fsync\"\n" +
        " -F       never fsync\n" +
        " -l ADDR  listen on address (default is 0.0.0.0)\n" +
        $" -p PORT  listen on port (default is {ServerOptions.DefaultPort})\n" +
        " -u USER  become user and group\n" +
        $" -z BYTES set the maximum job size in bytes (default is {ProtocolLimits.DefaultMaxJobSize});\n" +
        $"          max allowed is {ProtocolLimits.MaxJobSizeLimit} bytes\n" +
        $" -s BYTES set the size of each write-ahead log file (default is {ServerOptions.DefaultBinlogFileSize});\n" +
        "          will be rounded up to a multiple of 4096 bytes\n" +
        " -v       show version information\n" +
        " -V       increase verbosity\n" +
        " -h       show this help\n";

    internal sealed class UsageException(string message) : Exception(message);
}
