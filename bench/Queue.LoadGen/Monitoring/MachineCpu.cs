using System.Globalization;

namespace Queue.LoadGen.Monitoring;

/// <summary>
/// Busy CPU seconds of the whole machine, from the first line of <c>/proc/stat</c>. On a shared
/// machine, busy minus server minus client is the CPU other processes used during the run.
/// irq and softirq time is left out: loopback TCP processing for our own traffic is booked there
/// rather than to the server or client process, so it would show up as phantom "other" load.
/// </summary>
internal static class MachineCpu
{
    private const double TicksPerSecond = 100; // USER_HZ, fixed at 100 for /proc/stat on Linux

    /// <summary>Seconds spent in user, nice, system and steal, or null if unavailable.</summary>
    public static double? ReadBusySeconds()
    {
        string? line;
        try
        {
            using var reader = new StreamReader("/proc/stat");
            line = reader.ReadLine();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        if (line is null || !line.StartsWith("cpu ", StringComparison.Ordinal))
        {
            return null;
        }

        // cpu user(1) nice(2) system(3) idle(4) iowait(5) irq(6) softirq(7) steal(8) ...
        string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long busy = 0;
        for (int i = 1; i < fields.Length && i <= 8; i++)
        {
            if (i is 4 or 5 or 6 or 7)
            {
                continue;
            }

            if (!long.TryParse(fields[i], NumberStyles.None, CultureInfo.InvariantCulture, out long value))
            {
                return null;
            }

            busy += value;
        }

        return busy / TicksPerSecond;
    }
}
