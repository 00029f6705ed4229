using System.Runtime.InteropServices;

namespace Queue.Server.Hosting;

/// <summary>-u USER: setgid then setuid to the user's ids (beanstalkd su(); exit codes 32/33/34).</summary>
internal static partial class UserSwitch
{
    public static int Become(string user)
    {
        var pw = GetPwNam(user);
        if (pw == IntPtr.Zero)
        {
            Console.Error.WriteLine($"{Program.Name}: getpwnam(\"{user}\"): no such user");
            return 33;
        }
        // struct passwd: char* pw_name; char* pw_passwd; uid_t pw_uid; gid_t pw_gid; ...
        uint uid = (uint)Marshal.ReadInt32(pw, 2 * IntPtr.Size);
        uint gid = (uint)Marshal.ReadInt32(pw, 2 * IntPtr.Size + 4);
        if (SetGid(gid) != 0)
        {
            Console.Error.WriteLine($"{Program.Name}: setgid({gid} \"{user}\"): {Marshal.GetLastPInvokeErrorMessage()}");
            return 34;
        }
        if (SetUid(uid) != 0)
        {
            Console.Error.WriteLine($"{Program.Name}: setuid({uid} \"{user}\"): {Marshal.GetLastPInvokeErrorMessage()}");
            return 34;
        }
        return 0;
    }

    [LibraryImport("libc", EntryPoint = "getpwnam", StringMarshalling = StringMarshalling.Utf8)]
    private static partial IntPtr GetPwNam(string name);

    [LibraryImport("libc", EntryPoint = "setgid", SetLastError = true)]
    private static partial int SetGid(uint gid);

    [LibraryImport("libc", EntryPoint = "setuid", SetLastError = true)]
    private static partial int SetUid(uint uid);
}
