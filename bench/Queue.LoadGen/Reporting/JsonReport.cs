using System.Text;
using System.Text.Json;
using Queue.LoadGen.Cli;

namespace Queue.LoadGen.Reporting;

/// <summary>The single-line JSON summary printed with <c>--json</c>.</summary>
internal static class JsonReport
{
    public static string Format(RunResult r)
    {
        using var stream = new MemoryStream();
        using (var json = new Utf8JsonWriter(stream))
        {
            json.WriteStartObject();
            json.WriteString("scenario", r.Options.Scenario.ToWireName());
            json.WriteNumber("connections", r.Options.Connections);
            json.WriteNumber("pipeline", r.Options.Pipeline);
            json.WriteNumber("bodySize", r.Options.BodySize);
            json.WriteNumber("durationSec", Math.Round(r.MeasuredSec, 3));
            json.WriteNumber("ops", r.Ops);
            json.WriteNumber("opsPerSec", Math.Round(r.OpsPerSec, 1));
            json.WriteNumber("jobsPerSec", Math.Round(r.JobsPerSec, 1));
            json.WriteNumber("p50us", r.Latency.P50Us);
            json.WriteNumber("p90us", r.Latency.P90Us);
            json.WriteNumber("p99us", r.Latency.P99Us);
            json.WriteNumber("p999us", r.Latency.P999Us);
            json.WriteNumber("maxUs", r.Latency.MaxUs);
            json.WriteStartObject("errors");
            foreach (KeyValuePair<string, long> error in r.Errors)
            {
                json.WriteNumber(error.Key, error.Value);
            }

            json.WriteEndObject();
            WriteNullable(json, "lost", r.Lost);
            WriteNullable(json, "duplicates", r.Duplicates);
            WriteNullable(json, "acceptedBeforeRefusal", r.AcceptedBeforeRefusal);
            WriteExtras(json, r);
            json.WriteEndObject();
        }

        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static void WriteExtras(Utf8JsonWriter json, RunResult r)
    {
        json.WriteNumber("jobs", r.Jobs);
        json.WriteNumber("warmupSec", r.Options.WarmupSec);
        json.WriteNumber("rate", r.Options.Rate);
        json.WriteString("tube", r.Options.Tube);
        WriteIfPresent(json, "refusals", r.Refusals);
        WriteIfPresent(json, "prefilled", r.Prefilled);
        if (r.RanDry is bool dry)
        {
            json.WriteBoolean("ranDry", dry);
        }

        if (r.EndToEnd is { } e2e)
        {
            json.WriteNumber("e2eP50us", e2e.P50Us);
            json.WriteNumber("e2eP99us", e2e.P99Us);
            json.WriteNumber("e2eMaxUs", e2e.MaxUs);
        }

        json.WriteStartObject("perCommand");
        foreach (var (command, summary) in r.PerCommand)
        {
            json.WriteStartObject(command);
            json.WriteNumber("n", summary.Count);
            json.WriteNumber("p50us", summary.P50Us);
            json.WriteNumber("p99us", summary.P99Us);
            json.WriteNumber("maxUs", summary.MaxUs);
            json.WriteNumber("meanUs", summary.MeanUs);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        WriteIfPresent(json, "foreignJobs", r.ForeignJobs);
        WriteIfPresent(json, "deliveredUnacknowledged", r.DeliveredUnacknowledged);
        if (r.DrainComplete is bool drained)
        {
            json.WriteBoolean("drainComplete", drained);
        }

        if (r.ServerCpuSec is double cpu)
        {
            json.WriteNumber("serverCpuSec", Math.Round(cpu, 3));
            json.WriteNumber("serverCpuUsPerOp", Math.Round(r.ServerCpuUsPerOp ?? 0, 3));
        }

        json.WriteNumber("clientCpuSec", Math.Round(r.ClientCpuSec, 3));
        json.WriteNumber("clientAllocBytes", r.ClientAllocatedBytes);
        if (r.OtherCpuSec is double other)
        {
            json.WriteNumber("otherCpuSec", Math.Round(other, 2));
        }
        json.WriteNumber("exitCode", r.ExitCode);
        if (r.Failure is not null)
        {
            json.WriteString("failure", r.Failure);
        }
    }

    private static void WriteNullable(Utf8JsonWriter json, string name, long? value)
    {
        if (value is long v)
        {
            json.WriteNumber(name, v);
        }
        else
        {
            json.WriteNull(name);
        }
    }

    private static void WriteIfPresent(Utf8JsonWriter json, string name, long? value)
    {
        if (value is long v)
        {
            json.WriteNumber(name, v);
        }
    }
}
