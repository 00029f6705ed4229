using System.Runtime.InteropServices;

namespace Queue.Storage.Persistence;

/// <summary>The few libc calls .NET does not expose (directory fsync, fdatasync).</summary>
internal static partial class Native
{
    public const int ORdonly = 0;
    public const int ODirectory = 0x10000; // Linux x86_64/arm64

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8, SetLastError = true)]
    public static partial int Open(string path, int flags);

    [LibraryImport("libc", EntryPoint = "fsync", SetLastError = true)]
    public static partial int Fsync(int fd);

    [LibraryImport("libc", EntryPoint = "fdatasync", SetLastError = true)]
    public static partial int Fdatasync(int fd);

    [LibraryImport("libc", EntryPoint = "close")]
    public static partial int Close(int fd);
}
