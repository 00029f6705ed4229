using System.Runtime.InteropServices;

namespace Queue.Server.Hosting;

/// <summary>The open-file limit, from which the default connection limit follows.</summary>
internal static partial class FileLimits
{
    private const int RlimitNofile = 7;

    /// <summary>RLIMIT_NOFILE minus room for the log, listeners and the runtime.</summary>
    public static int DefaultMaxConnections()
    {
        if (!OperatingSystem.IsLinux() || GetRlimit(RlimitNofile, out var limit) != 0) return 10_000;
        long soft = (long)Math.Min(limit.Current, int.MaxValue);
        return (int)Math.Max(16, soft - 128);
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    [LibraryImport("libc", EntryPoint = "getrlimit")]
    private static partial int GetRlimit(int resource, out RLimit limit);
}
