using Queue.LoadGen.Engine;
using Queue.LoadGen.Monitoring;

namespace Queue.LoadGen.Scenarios;

/// <summary>Length of the measured window and the CPU both sides used during it.</summary>
/// <param name="ClientAllocatedBytes">Managed bytes the generator allocated during the window (≈0 when the hot path is allocation-free).</param>
internal sealed record Measurement(double Seconds, double? ServerCpuSec, double ClientCpuSec, long ClientAllocatedBytes)
{
    private static readonly long PollInterval = Ticks.FromSeconds(0.005);

    /// <summary>
    /// Follows the window while the drivers run: samples CPU at its start and at its end (or when
    /// every driver has finished, if that is earlier, as in fill).
    /// </summary>
    public static Measurement Follow(RunWindow window, Func<bool> allFinished, Func<long> lastFinishedAt, int? serverPid)
    {
        SleepUntil(window.MeasureStart, allFinished);
        long start = Ticks.Now;
        double? serverBefore = serverPid is int pid ? ProcessCpu.ReadSeconds(pid) : null;
        double clientBefore = ProcessCpu.Self();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        SleepUntil(window.MeasureEnd, allFinished);
        long end = allFinished() ? Math.Max(start, Math.Min(Ticks.Now, lastFinishedAt())) : Ticks.Now;
        double? serverAfter = serverPid is int pid2 ? ProcessCpu.ReadSeconds(pid2) : null;
        long allocatedAfter = GC.GetTotalAllocatedBytes(precise: true);
        double clientAfter = ProcessCpu.Self();

        double seconds = Ticks.ToSeconds(Math.Min(end, window.MeasureEnd) - Math.Min(start, window.MeasureEnd));
        return new Measurement(seconds, serverAfter - serverBefore, clientAfter - clientBefore, allocatedAfter - allocatedBefore);
    }

    private static void SleepUntil(long deadline, Func<bool> allFinished)
    {
        while (true)
        {
            long remaining = deadline - Ticks.Now;
            if (remaining <= 0 || allFinished())
            {
                return;
            }

            Thread.Sleep(TimeSpan.FromMicroseconds(Ticks.ToMicros(Math.Min(remaining, PollInterval))));
        }
    }
}
