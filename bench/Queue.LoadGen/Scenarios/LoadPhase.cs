using Queue.LoadGen.Engine;
using Queue.LoadGen.Reporting;

namespace Queue.LoadGen.Scenarios;

/// <summary>Runs driver groups and turns their statistics into a <see cref="RunResult"/>.</summary>
internal static class LoadPhase
{
    /// <summary>How long connections may take to collect their last replies after the window closes.</summary>
    public static readonly long DrainGrace = Ticks.FromSeconds(25);

    /// <summary>Runs <paramref name="group"/> through <paramref name="window"/> and waits for it to finish.</summary>
    public static Measurement RunMeasured(ScenarioContext context, DriverGroup group, RunWindow window)
    {
        group.Start();
        Measurement measurement = Measurement.Follow(window, () => group.AllFinished, group.LastFinishedAt, context.Options.ServerPid);
        Join(context, group, window.MeasureEnd + DrainGrace);
        return measurement;
    }

    /// <summary>Runs a setup phase (prefill, purge) to completion.</summary>
    public static void RunUnmeasured(ScenarioContext context, DriverGroup group, long deadline)
    {
        group.Start();
        Join(context, group, deadline);
    }

    public static void Join(ScenarioContext context, DriverGroup group, long deadline)
    {
        if (!group.JoinUntil(deadline))
        {
            context.Control.Fail(ExitCodes.ProtocolViolation, "connections still waiting for replies after the deadline");
        }
    }

    public static RunResult Result(ScenarioContext context, Measurement measurement, MergedStats stats) => new()
    {
        Options = context.Options,
        MeasuredSec = measurement.Seconds,
        Ops = stats.Ops,
        Jobs = stats.Jobs,
        Latency = stats.Latency,
        PerCommand = stats.PerCommand,
        Errors = stats.Errors,
        ServerCpuSec = measurement.ServerCpuSec,
        ClientCpuSec = measurement.ClientCpuSec,
        ClientAllocatedBytes = measurement.ClientAllocatedBytes,
        OtherCpuSec = measurement.OtherCpuSec,
        Failure = context.Control.Reason,
        ExitCode = context.Control.ExitCode,
    };
}
