using Queue.LoadGen.Engine;
using Queue.LoadGen.Monitoring;
using Queue.LoadGen.Net;
using Queue.LoadGen.Protocol;
using Queue.LoadGen.Reporting;
using Queue.LoadGen.Workloads;

namespace Queue.LoadGen.Scenarios;

/// <summary>
/// reserve-delete: fill the tube first, then reserve + delete as fast as possible. By default the
/// prefill puts for as long as the run will last (warmup + duration); reserve+delete costs two
/// commands per job, so that is enough unless the server reserves much faster than it accepts puts.
/// </summary>
internal sealed class ReserveDeleteScenario : IScenario
{
    public RunResult Run(ScenarioContext context)
    {
        var o = context.Options;
        List<BeanstalkSocket> sockets;
        long prefilled;
        using (Watchdog.Arm(SetupLimit(o), "connect + prefill"))
        {
            sockets = context.Connect(o.Connections);
            prefilled = Prefill(context, sockets);
        }

        try
        {
            if (context.Control.IsAborted)
            {
                return Failed(context);
            }

            using var watchdog = Watchdog.Arm(o.WatchdogLimit, "load phase");
            var window = RunWindow.Begin(o.WarmupSec, o.DurationSec);
            var workloads = sockets.Select(_ => new ReserveDeleteWorkload(
                o.Pipeline, Commands.ReserveWithTimeout1, window.MeasureEnd, context.Control, new ConnectionStats(),
                Pacer.Create(o.Rate / 2, o.Connections, window.Start))).ToList();
            var group = context.Group([.. workloads.Select((w, i) => context.Driver(i, sockets[i], w, window))], "reserve-delete");

            Measurement measurement = LoadPhase.RunMeasured(context, group, window);
            RunResult result = LoadPhase.Result(context, measurement, MergedStats.From(workloads.Select(w => w.Stats)));
            return result with { Prefilled = prefilled, RanDry = workloads.Any(w => w.RanDry) };
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    /// <summary>Returns the number of ready jobs in the tube when the run starts.</summary>
    private static long Prefill(ScenarioContext context, List<BeanstalkSocket> sockets)
    {
        var o = context.Options;
        long existing = Handshake.QueryReadyJobs(sockets[0], o.Tube);
        long? target = o.Prefill ?? (o.Rate > 0 ? (long)Math.Ceiling(o.Rate / 2 * (o.WarmupSec + o.DurationSec) * 1.2) + (o.Connections * o.Pipeline) : null);
        PutBudget? budget = target is long t ? new PutBudget(Math.Max(0, t - existing)) : null;
        if (budget is null)
        {
            ScenarioContext.Note($"prefill: {existing} ready jobs; putting for {o.WarmupSec + o.DurationSec:0.#} s (the length of the run)");
        }
        else
        {
            ScenarioContext.Note($"prefill: {existing} ready jobs; putting {Math.Max(0, target!.Value - existing)} more");
        }

        long start = Ticks.Now;
        long end = budget is null ? start + Ticks.FromSeconds(o.WarmupSec + o.DurationSec) : long.MaxValue;
        var window = RunWindow.Unmeasured(end);
        var workloads = sockets.Select(_ => new PutWorkload(o.BodySize, end, context.Control, new ConnectionStats(), budget: budget)).ToList();
        var group = context.Group([.. workloads.Select((w, i) => context.Driver(i, sockets[i], w, window, Math.Max(o.Pipeline, 64)))], "prefill");
        LoadPhase.RunUnmeasured(context, group, long.MaxValue);

        long inserted = workloads.Sum(w => w.Inserted);
        double seconds = Ticks.ToSeconds(Ticks.Now - start);
        ScenarioContext.Note($"prefill: put {inserted} jobs in {seconds:0.0} s ({inserted / Math.Max(seconds, 1e-9):0} puts/s)");
        return existing + inserted;
    }

    private static TimeSpan SetupLimit(Cli.LoadGenOptions o)
        => TimeSpan.FromSeconds(60 + (o.Prefill is long n ? n / 10_000.0 : o.WarmupSec + o.DurationSec)
            + (o.Rate > 0 ? (o.WarmupSec + o.DurationSec) * 2 : 0));

    private static RunResult Failed(ScenarioContext context)
        => LoadPhase.Result(context, Measurement.None, MergedStats.From([]));
}
