using System.Runtime.InteropServices;

namespace Queue.Storage.Migration;

/// <summary>
/// Detects a beanstalkd still running on a binlog directory. beanstalkd holds a POSIX (fcntl)
/// write lock on <c>DIR/lock</c> for its whole life; fcntl(F_GETLK) reports the holder without
/// taking or changing anything. (A flock-based lock, like .NET's FileShare.None, does not see it.)
/// </summary>
internal static partial class BeanstalkdLock
{
    private const int ORdonly = 0;
    private const int OCloexec = 0x80000; // Linux x86_64/arm64
    private const int FGetlk = 5;         // Linux x86_64/arm64 (asm-generic)
    private const short FWrlck = 1;
    private const short FUnlck = 2;

    [StructLayout(LayoutKind.Sequential)]
    private struct Flock
    {
        public short Type;
        public short Whence;
        public long Start;
        public long Length;
        public int Pid;
    }

    /// <summary>PID of the process holding <c>DIR/lock</c>, or null (not locked, no such file, not Linux).</summary>
    public static int? FindHolder(string directory)
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture is not (Architecture.X64 or Architecture.Arm64))
        {
            return null;
        }
        string path = Path.Combine(directory, "lock");
        if (!File.Exists(path)) return null;
        int fd = Open(path, ORdonly | OCloexec);
        if (fd < 0) return null;
        try
        {
            var query = new Flock { Type = FWrlck }; // whole file: start 0, length 0
            if (Fcntl(fd, FGetlk, ref query) != 0) return null;
            return query.Type == FUnlck ? null : query.Pid;
        }
        finally
        {
            // We hold no fcntl lock on this file, so closing releases nothing of ours.
            _ = Close(fd);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    private static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    private static partial int Fcntl(int fd, int cmd, ref Flock flock);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}
