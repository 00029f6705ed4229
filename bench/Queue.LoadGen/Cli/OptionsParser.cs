using System.Globalization;
using Queue.LoadGen.Workloads.PubSub;

namespace Queue.LoadGen.Cli;

/// <summary>Parses <c>--name value</c> / <c>--name=value</c> arguments into <see cref="LoadGenOptions"/>.</summary>
internal static class OptionsParser
{
    public const string Usage = """
        usage: queue-loadgen --scenario put|reserve-delete|pubsub|fill [options]

          --host HOST          server address (default 127.0.0.1)
          --port PORT          server port (default 11300)
          --connections N      TCP connections (default 8); pubsub: half produce, half consume
          --pipeline N         commands in flight per connection (default 16)
          --batch N            write only when N window slots are free, unless nothing is in flight
                               (default: pipeline/2 when unpaced, 1 with --rate)
          --threads N          event-loop threads driving the connections (default 1)
          --body-size BYTES    job body size (default 100; pubsub needs >= 24)
          --duration SEC       measured window (default 10)
          --warmup SEC         excluded lead-in (default 2)
          --tube NAME          tube to use/watch (default "default")
          --rate OPS           offered load across all connections, 0 = unlimited (default 0)
          --prefill N          reserve-delete: jobs to put first (default: enough for the run)
          --server-pid PID     sample the server's CPU time from /proc/PID/stat
          --json               print exactly one JSON summary line
          --help               this text
        """;

    public static LoadGenOptions Parse(IReadOnlyList<string> args)
    {
        var options = new LoadGenOptions();
        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new UsageException($"unexpected argument '{arg}'");
            }

            string name = arg;
            string? inlineValue = null;
            int eq = arg.IndexOf('=', StringComparison.Ordinal);
            if (eq > 0)
            {
                name = arg[..eq];
                inlineValue = arg[(eq + 1)..];
            }

            if (name == "--json")
            {
                options = options with { Json = true };
                continue;
            }

            if (name == "--help")
            {
                throw new UsageException("");
            }

            string value = inlineValue ?? (i + 1 < args.Count ? args[++i] : throw new UsageException($"{name} needs a value"));
            options = Apply(options, name, value);
        }

        Validate(options);
        return options;
    }

    private static LoadGenOptions Apply(LoadGenOptions o, string name, string value) => name switch
    {
        "--scenario" => o with { Scenario = ScenarioKindNames.TryParse(value, out var s) ? s : throw new UsageException($"unknown scenario '{value}'") },
        "--host" => o with { Host = value },
        "--port" => o with { Port = ParseInt(name, value, 1, 65535) },
        "--connections" => o with { Connections = ParseInt(name, value, 1, 10_000) },
        "--pipeline" => o with { Pipeline = ParseInt(name, value, 1, 4096) },
        "--batch" => o with { MinBatchOption = ParseInt(name, value, 1, 4096) },
        "--threads" => o with { Threads = ParseInt(name, value, 1, 256) },
        "--body-size" => o with { BodySize = ParseInt(name, value, 0, 64 * 1024 * 1024) },
        "--duration" => o with { DurationSec = ParseDouble(name, value, 0.1, 86_400) },
        "--warmup" => o with { WarmupSec = ParseDouble(name, value, 0, 3_600) },
        "--tube" => o with { Tube = value },
        "--rate" => o with { Rate = ParseDouble(name, value, 0, 1e9) },
        "--prefill" => o with { Prefill = ParseLong(name, value, 0, 1_000_000_000) },
        "--server-pid" => o with { ServerPid = ParseInt(name, value, 1, int.MaxValue) },
        _ => throw new UsageException($"unknown option '{name}'"),
    };

    private static void Validate(LoadGenOptions o)
    {
        if (!TubeNames.IsValid(o.Tube))
        {
            throw new UsageException($"invalid tube name '{o.Tube}'");
        }

        if (o.Scenario == ScenarioKind.PubSub && o.Connections < 2)
        {
            throw new UsageException("pubsub needs at least 2 connections (producers and consumers)");
        }

        if (o.Scenario == ScenarioKind.PubSub && o.BodySize < PubSubBody.MinimumSize)
        {
            throw new UsageException($"pubsub needs --body-size >= {PubSubBody.MinimumSize} (sequence, timestamp, run tag)");
        }

        if (o.Prefill is not null && o.Scenario != ScenarioKind.ReserveDelete)
        {
            throw new UsageException("--prefill only applies to --scenario reserve-delete");
        }
    }

    private static int ParseInt(string name, string value, int min, int max)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int result) || result < min || result > max)
        {
            throw new UsageException($"{name} must be an integer in {min}..{max}, got '{value}'");
        }

        return result;
    }

    private static long ParseLong(string name, string value, long min, long max)
    {
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long result) || result < min || result > max)
        {
            throw new UsageException($"{name} must be an integer in {min}..{max}, got '{value}'");
        }

        return result;
    }

    private static double ParseDouble(string name, string value, double min, double max)
    {
        if (!double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double result) || result < min || result > max)
        {
            throw new UsageException($"{name} must be a number in {min}..{max}, got '{value}'");
        }

        return result;
    }
}
