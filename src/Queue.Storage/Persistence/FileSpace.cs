using System.Runtime.InteropServices;

namespace Queue.Storage.Persistence;

/// <summary>Disk space reservation (posix_fallocate), so later writes into the file cannot hit ENOSPC.</summary>
internal static partial class FileSpace
{
    public static bool TryPreallocate(string path, long size)
    {
        using var handle = File.OpenHandle(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite);
        if (OperatingSystem.IsLinux())
        {
            int rc = PosixFallocate(handle.DangerousGetHandle().ToInt32(), 0, size);
            return rc == 0;
        }
        try
        {
            if (RandomAccess.GetLength(handle) < size) RandomAccess.SetLength(handle, size);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    [LibraryImport("libc", EntryPoint = "posix_fallocate")]
    private static partial int PosixFallocate(int fd, long offset, long len);
}
