using Queue.LoadGen.Engine;
using Queue.LoadGen.Monitoring;

namespace Queue.LoadGen.Scenarios;

/// <summary>Length of the measured window and the CPU used during it.</summary>
/// <param name="ServerCpuSec">CPU of <c>--server-pid</c>, if given.</param>
/// <param name="ClientCpuSec">CPU of this process.</param>
/// <param name="OtherCpuSec">CPU of everything else on the machine (noise from other workloads), if known.</param>
/// <param name="ClientAllocatedBytes">Managed bytes the generator allocated during the window (≈0 when the hot path is allocation-free).</param>
internal sealed record Measurement(double Seconds, double? ServerCpuSec, double ClientCpuSec, double? OtherCpuSec, long ClientAllocatedBytes)
{
    private static readonly long PollInterval = Ticks.FromSeconds(0.005);

    public static Measurement None { get; } = new(0, null, 0, null, 0);

    /// <summary>
    /// Follows the window while the drivers run: samples CPU at its start and at its end (or when
    /// every driver has finished, if that is earlier, as in fill).
    /// </summary>
    public static Measurement Follow(RunWindow window, Func<bool> allFinished, Func<long> lastFinishedAt, int? serverPid)
    {
        SleepUntil(window.MeasureStart, allFinished);
        long start = Ticks.Now;
        CpuSample before = CpuSample.Take(serverPid);
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        SleepUntil(window.MeasureEnd, allFinished);
        long allocatedAfter = GC.GetTotalAllocatedBytes(precise: true);
        long end = allFinished() ? Math.Max(start, Math.Min(Ticks.Now, lastFinishedAt())) : Ticks.Now;
        CpuSample after = CpuSample.Take(serverPid);

        double seconds = Ticks.ToSeconds(Math.Min(end, window.MeasureEnd) - Math.Min(start, window.MeasureEnd));
        double? server = after.Server - before.Server;
        double client = after.Client - before.Client;
        double? other = after.Machine - before.Machine - client - (server ?? 0);
        return new Measurement(seconds, server, client, other is double o ? Math.Max(0, o) : null, allocatedAfter - allocatedBefore);
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

    private readonly record struct CpuSample(double? Server, double Client, double? Machine)
    {
        public static CpuSample Take(int? serverPid)
            => new(serverPid is int pid ? ProcessCpu.ReadSeconds(pid) : null, ProcessCpu.Self(), MachineCpu.ReadBusySeconds());
    }
}
