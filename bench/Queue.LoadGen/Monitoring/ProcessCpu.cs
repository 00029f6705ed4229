using System.Globalization;
using System.Runtime.InteropServices;

namespace Queue.LoadGen.Monitoring;

/// <summary>CPU time (user + system) of a process, read from <c>/proc/PID/stat</c>.</summary>
internal static partial class ProcessCpu
{
    private const int ScClkTck = 2;

    private static readonly double TicksPerSecond = ClockTicksPerSecond();

    /// <summary>Seconds of CPU used so far, or null if the process cannot be read.</summary>
    public static double? ReadSeconds(int pid)
    {
        string text;
        try
        {
            text = File.ReadAllText($"/proc/{pid}/stat");
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }

        // The command name is in parentheses and may contain spaces: split after the last ')'.
        // Fields after it start at field 3 (state); utime and stime are fields 14 and 15.
        string[] fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
        if (fields.Length < 13
            || !long.TryParse(fields[11], NumberStyles.None, CultureInfo.InvariantCulture, out long utime)
            || !long.TryParse(fields[12], NumberStyles.None, CultureInfo.InvariantCulture, out long stime))
        {
            return null;
        }

        return (utime + stime) / TicksPerSecond;
    }

    /// <summary>CPU seconds used by this process.</summary>
    public static double Self()
    {
        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return process.TotalProcessorTime.TotalSeconds;
    }

    private static double ClockTicksPerSecond()
    {
        try
        {
            long ticks = Sysconf(ScClkTck);
            return ticks > 0 ? ticks : 100;
        }
        catch (DllNotFoundException)
        {
            return 100;
        }
        catch (EntryPointNotFoundException)
        {
            return 100;
        }
    }

    [LibraryImport("libc", EntryPoint = "sysconf")]
    private static partial long Sysconf(int name);
}
