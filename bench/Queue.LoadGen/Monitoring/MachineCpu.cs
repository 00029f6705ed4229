using System.Globalization;

namespace Queue.LoadGen.Monitoring;

/// <summary>
/// Busy CPU seconds of the whole machine, from the first line of <c>/proc/stat</c>. On a shared
/// machine, busy minus server minus client is the CPU other processes used during the run.
/// </summary>
internal static class MachineCpu
{
    private const double TicksPerSecond = 100; // USER_HZ, fixed at 100 for /proc/stat on Linux

    /// <summary>Seconds spent in anything but idle and iowait, or null if unavailable.</summary>
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

        // cpu user nice system idle iowait irq softirq steal ...
        string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long busy = 0;
        for (int i = 1; i < fields.Length && i <= 8; i++)
        {
            if (i is 4 or 5)
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
