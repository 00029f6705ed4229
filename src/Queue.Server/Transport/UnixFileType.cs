using System.Runtime.InteropServices;

namespace Queue.Server.Transport;

/// <summary>File-type test through lstat(2), which .NET does not expose for sockets.</summary>
internal static partial class UnixFileType
{
    private const uint S_IFMT = 0xF000;
    private const uint S_IFSOCK = 0xC000;

    public static bool IsSocket(string path)
    {
        // struct stat: st_mode sits at offset 24 on x86_64 and at 16 on the generic (arm64) layout.
        var buf = new byte[256];
        if (LStat(path, buf) != 0) return false;
        int offset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16;
        uint mode = BitConverter.ToUInt32(buf, offset);
        return (mode & S_IFMT) == S_IFSOCK;
    }

    [LibraryImport("libc", EntryPoint = "lstat", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int LStat(string path, [Out] byte[] buf);
}
