using System.Net;
using System.Net.Sockets;

namespace Queue.Server.Transport;

/// <summary>Creates the listening socket: TCP, a UNIX socket (-l unix:PATH) or one inherited from systemd.</summary>
internal static class ListenerFactory
{
    public const int Backlog = 1024;

    /// <summary>
    /// Returns the socket passed by systemd socket activation (LISTEN_PID/LISTEN_FDS, fd 3), or null.
    /// </summary>
    public static Socket? FromSystemd()
    {
        var pid = Environment.GetEnvironmentVariable("LISTEN_PID");
        var fds = Environment.GetEnvironmentVariable("LISTEN_FDS");
        if (pid is null || fds is null) return null;
        if (!int.TryParse(pid, out int p) || p != Environment.ProcessId) return null;
        if (!int.TryParse(fds, out int n) || n < 1) return null;
        if (n > 1) Console.Error.WriteLine($"{Program.Name}: inherited {n} listen fds; using fd 3 only");
        return new Socket(new SafeSocketHandle((IntPtr)3, ownsHandle: true));
    }

    /// <summary>Binds and listens on ADDR:PORT (ADDR null: 0.0.0.0) or on unix:PATH.</summary>
    public static Socket Listen(string? address, string port)
    {
        if (address is not null && address.StartsWith("unix:", StringComparison.Ordinal)) return ListenUnix(address[5..]);
        var ip = ResolveAddress(address);
        if (!int.TryParse(port, out int portNumber) || portNumber is < 0 or > 65535)
        {
            throw new ArgumentException($"invalid port: {port}");
        }
        var socket = new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(ip, portNumber));
            socket.Listen(Backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static IPAddress ResolveAddress(string? address)
    {
        if (string.IsNullOrEmpty(address)) return IPAddress.Any;
        if (IPAddress.TryParse(address, out var ip)) return ip;
        var all = Dns.GetHostAddresses(address);
        return all.Length > 0 ? all[0] : throw new ArgumentException($"cannot resolve address: {address}");
    }

    private static Socket ListenUnix(string path)
    {
        if (Path.Exists(path))
        {
            // Replace a stale socket file; refuse to clobber anything else (as beanstalkd does).
            if (!UnixFileType.IsSocket(path)) throw new IOException($"{path} exists and is not a socket");
            File.Delete(path);
        }
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            socket.Bind(new UnixDomainSocketEndPoint(path));
            socket.Listen(Backlog);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
