using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Queue.Server.Diagnostics;

/// <summary>Process and host facts that beanstalkd's stats report (pid, rusage, uname, instance id).</summary>
internal sealed partial class ProcessInfo
{
    public ProcessInfo()
    {
        Pid = Environment.ProcessId;
        InstanceId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        (Hostname, OsVersion, Machine) = Uname();
    }

    public int Pid { get; }
    public string InstanceId { get; }
    public string Hostname { get; }
    /// <summary>uname version, e.g. "#1 SMP PREEMPT_DYNAMIC ..." (beanstalkd prints it as "os").</summary>
    public string OsVersion { get; }
    public string Machine { get; }

    /// <summary>User and system CPU time of this process (getrusage RUSAGE_SELF).</summary>
    public static (TimeSpan User, TimeSpan System) CpuTimes()
    {
        if (OperatingSystem.IsLinux() && GetRusage(0, out var ru) == 0)
        {
            return (TimeSpan.FromTicks(ru.UtimeSec * TimeSpan.TicksPerSecond + ru.UtimeUsec * 10),
                    TimeSpan.FromTicks(ru.StimeSec * TimeSpan.TicksPerSecond + ru.StimeUsec * 10));
        }
        using var p = Process.GetCurrentProcess();
        return (p.UserProcessorTime, p.PrivilegedProcessorTime);
    }

    private static (string, string, string) Uname()
    {
        if (!OperatingSystem.IsLinux()) return (Environment.MachineName, Environment.OSVersion.VersionString, RuntimeInformation.OSArchitecture.ToString());
        // struct utsname on Linux: six fields of 65 bytes.
        var buf = new byte[6 * 65];
        if (UnameNative(buf) != 0) return (Environment.MachineName, "", "");
        return (Field(buf, 1), Field(buf, 3), Field(buf, 4));
    }

    private static string Field(byte[] buf, int index)
    {
        var span = buf.AsSpan(index * 65, 65);
        int end = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? span : span[..end]);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RUsage
    {
        public long UtimeSec;
        public long UtimeUsec;
        public long StimeSec;
        public long StimeUsec;
        // the remaining 14 longs of struct rusage
        public long F0, F1, F2, F3, F4, F5, F6, F7, F8, F9, F10, F11, F12, F13;
    }

    [LibraryImport("libc", EntryPoint = "getrusage")]
    private static partial int GetRusage(int who, out RUsage usage);

    [LibraryImport("libc", EntryPoint = "uname")]
    private static partial int UnameNative([Out] byte[] buf);
}
