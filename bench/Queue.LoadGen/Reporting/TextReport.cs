using System.Globalization;
using System.Text;
using Queue.LoadGen.Cli;

namespace Queue.LoadGen.Reporting;

/// <summary>The human-readable summary.</summary>
internal static class TextReport
{
    public static string Format(RunResult r)
    {
        var o = r.Options;
        var text = new StringBuilder();
        Line(text, "scenario", $"{o.Scenario.ToWireName()}  ({o.Connections} connections x {o.Pipeline} pipeline, body {o.BodySize} B, tube {o.Tube}{(o.Rate > 0 ? $", offered {o.Rate:0} ops/s" : "")})");
        Line(text, "measured", $"{r.MeasuredSec:0.000} s (warmup {o.WarmupSec:0.###} s excluded)");
        Line(text, "ops", $"{r.Ops}  ({r.OpsPerSec:0.0} ops/s)");
        Line(text, "jobs", $"{r.Jobs}  ({r.JobsPerSec:0.0} jobs/s)");
        Line(text, "latency (us)", Percentiles(r.Latency));
        foreach (var (command, summary) in r.PerCommand)
        {
            Line(text, "  " + command, Percentiles(summary));
        }

        if (r.EndToEnd is { } e2e)
        {
            Line(text, "  put->reserve", Percentiles(e2e));
        }

        Line(text, "errors", r.Errors.Count == 0 ? "none" : string.Join("  ", r.Errors.Select(e => $"{e.Key}={e.Value}")));
        AppendScenarioLines(text, r);
        if (r.ServerCpuSec is double cpu)
        {
            Line(text, "server cpu", $"{cpu:0.00} s ({Percent(cpu, r.MeasuredSec)} of one core), {r.ServerCpuUsPerOp:0.00} us/op");
        }

        Line(text, "client cpu", $"{r.ClientCpuSec:0.00} s ({Percent(r.ClientCpuSec, r.MeasuredSec)} of one core), {r.ClientAllocatedBytes} bytes allocated");
        if (r.OtherCpuSec is double other)
        {
            Line(text, "other cpu", $"{other:0.00} s used by other processes{(other > 0.1 * r.MeasuredSec ? "  (busy machine: numbers may be low)" : "")}");
        }

        if (r.Failure is not null)
        {
            Line(text, "FAILED", $"{r.Failure} (exit {r.ExitCode})");
        }

        return text.ToString();
    }

    private static void AppendScenarioLines(StringBuilder text, RunResult r)
    {
        if (r.Prefilled is long prefilled)
        {
            Line(text, "prefilled", $"{prefilled} jobs{(r.RanDry == true ? "  (RAN DRY: the tube emptied during the run; raise --prefill)" : "")}");
        }

        if (r.Lost is long lost)
        {
            Line(text, "lost", lost.ToString(CultureInfo.InvariantCulture));
            Line(text, "duplicates", $"{r.Duplicates}");
            Line(text, "drain", r.DrainComplete == true ? "complete" : "INCOMPLETE (deadline reached before every job was seen)");
            if (r.ForeignJobs > 0 || r.DeliveredUnacknowledged > 0)
            {
                Line(text, "other", $"foreign jobs {r.ForeignJobs}, delivered without INSERTED {r.DeliveredUnacknowledged}");
            }
        }

        if (r.AcceptedBeforeRefusal is long accepted)
        {
            Line(text, "accepted", $"{accepted} jobs before the first refusal; {r.Refusals} refusals");
        }
    }

    private static string Percentiles(LatencySummary s)
        => $"p50 {s.P50Us:0.0}  p90 {s.P90Us:0.0}  p99 {s.P99Us:0.0}  p99.9 {s.P999Us:0.0}  max {s.MaxUs:0.0}  (n={s.Count})";

    private static string Percent(double cpu, double seconds) => seconds > 0 ? $"{100 * cpu / seconds:0.0}%" : "n/a";

    private static void Line(StringBuilder text, string label, string value)
        => text.Append(CultureInfo.InvariantCulture, $"{label,-16}{value}\n");
}
