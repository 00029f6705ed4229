using System.Globalization;
using Queue.Storage.Memory;

namespace Queue.Server.Hosting;

/// <summary>QueueServer's own options, all long (--name=value or --name value) so none clashes with beanstalkd's flags.</summary>
internal static class LongOptions
{
    public const string Usage =
        "\nQueueServer extensions:\n" +
        " --max-memory=SIZE      memory cap for the whole process, K/M/G suffixes\n" +
        "                        (default: the cgroup limit or physical memory, less 10%)\n" +
        " --max-connections=N    refuse clients beyond N (default: from the open-file limit)\n" +
        " --put-wait-ms=MS       let a put wait up to MS ms for memory before OUT_OF_MEMORY (0)\n" +
        " --metrics-port=PORT    serve /metrics, /healthz and /readyz over HTTP on PORT (off)\n" +
        " --log-format=FORMAT    console (default) or json\n" +
        " --health-check [HOST [PORT]]  probe a running server and exit 0 if healthy\n";

    /// <summary>Applies one long option. <c>--help</c> (not in 1.12, whose -h text stays byte-identical) shows these too.</summary>
    public static void Apply(string arg, IReadOnlyList<string> args, ref int i, ServerOptions o)
    {
        if (arg == "--help") throw new HelpRequested();
        string name = arg;
        string? value = null;
        int eq = arg.IndexOf('=', StringComparison.Ordinal);
        if (eq > 0)
        {
            name = arg[..eq];
            value = arg[(eq + 1)..];
        }
        string Value(ref int index)
        {
            if (value is not null) return value;
            if (index < args.Count) return args[index++];
            throw new CommandLine.UsageException($"flag requires an argument: {name}");
        }
        switch (name)
        {
            case "--max-memory":
                var text = Value(ref i);
                o.MaxMemory = MemoryLimit.ParseSize(text) ?? throw new CommandLine.UsageException($"invalid size: {text}");
                break;
            case "--max-connections":
                o.MaxConnections = PositiveInt(Value(ref i));
                break;
            case "--put-wait-ms":
                o.PutWaitMs = NonNegativeInt(Value(ref i));
                break;
            case "--metrics-port":
                int port = PositiveInt(Value(ref i));
                if (port > 65535) throw new CommandLine.UsageException($"invalid port: {port}");
                o.MetricsPort = port;
                break;
            case "--log-format":
                var format = Value(ref i);
                if (format is not ("console" or "json")) throw new CommandLine.UsageException($"invalid log format: {format}");
                o.LogFormat = format;
                break;
            default:
                throw new CommandLine.UsageException($"unknown flag: {arg}");
        }
    }

    /// <summary>Thrown for --help; the parser turns it into usage plus this list, exit 0.</summary>
    internal sealed class HelpRequested : Exception;

    private static int PositiveInt(string s) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) && v > 0 ? v : throw new CommandLine.UsageException($"invalid number: {s}");

    private static int NonNegativeInt(string s) =>
        int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : throw new CommandLine.UsageException($"invalid number: {s}");
}
