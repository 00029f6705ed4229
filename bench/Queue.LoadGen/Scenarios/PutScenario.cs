using Queue.LoadGen.Engine;
using Queue.LoadGen.Monitoring;
using Queue.LoadGen.Net;
using Queue.LoadGen.Protocol;
using Queue.LoadGen.Reporting;
using Queue.LoadGen.Workloads;

namespace Queue.LoadGen.Scenarios;

/// <summary>
/// put: every connection puts as fast as its window allows. fill: the same, but all connections
/// stop at the first OUT_OF_MEMORY, and the run reports how much was accepted before it.
/// </summary>
internal sealed class PutScenario(bool fill) : IScenario
{
    public RunResult Run(ScenarioContext context)
    {
        var o = context.Options;
        List<BeanstalkSocket> sockets;
        using (Watchdog.Arm(TimeSpan.FromSeconds(60), "connect"))
        {
            sockets = context.Connect(o.Connections);
        }

        try
        {
            using var watchdog = Watchdog.Arm(o.WatchdogLimit, "load phase");
            var fillState = fill ? new FillState() : null;
            var window = RunWindow.Begin(o.WarmupSec, o.DurationSec);
            var workloads = sockets.Select(_ => new PutWorkload(
                o.BodySize, window.MeasureEnd, context.Control, new ConnectionStats(),
                Pacer.Create(o.Rate, o.Connections, window.Start), fill: fillState)).ToList();
            var group = context.Group([.. workloads.Select((w, i) => context.Driver(i, sockets[i], w, window))], "put");

            Measurement measurement = LoadPhase.RunMeasured(context, group, window);
            var stats = MergedStats.From(workloads.Select(w => w.Stats));
            RunResult result = LoadPhase.Result(context, measurement, stats);
            return fill
                ? result with
                {
                    AcceptedBeforeRefusal = workloads.Sum(w => w.AcceptedBeforeRefusal),
                    Refusals = stats.ErrorCounts[(int)ReplyKind.OutOfMemory],
                }
                : result;
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }
}
