using System.Net.Sockets;
using System.Text;

namespace Queue.Server.Hosting;

/// <summary>
/// `beanstalkd --health-check [HOST [PORT]]`: connects, sends `stats`, exits 0 when a well-formed
/// `OK` reply arrives within 3 s, else 1. Lets a container HEALTHCHECK use the server binary itself.
/// </summary>
internal static class HealthProbe
{
    public const string Flag = "--health-check";

    public static int Run(IReadOnlyList<string> args)
    {
        string host = args.Count > 1 ? args[1] : "127.0.0.1";
        string port = args.Count > 2 ? args[2] : ServerOptions.DefaultPort;
        try
        {
            using var socket = host.StartsWith("unix:", StringComparison.Ordinal)
                ? new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified)
                : new Socket(SocketType.Stream, ProtocolType.Tcp);
            socket.SendTimeout = socket.ReceiveTimeout = 3000;
            if (host.StartsWith("unix:", StringComparison.Ordinal)) socket.Connect(new UnixDomainSocketEndPoint(host[5..]));
            else socket.Connect(host, int.Parse(port, System.Globalization.CultureInfo.InvariantCulture));
            socket.Send("stats\r\n"u8);
            var buf = new byte[8192];
            int n = 0;
            while (n < buf.Length)
            {
                int r = socket.Receive(buf, n, buf.Length - n, SocketFlags.None);
                if (r == 0) break;
                n += r;
                var text = Encoding.ASCII.GetString(buf, 0, n);
                if (text.StartsWith("OK ", StringComparison.Ordinal) && text.Contains("\ndraining: ", StringComparison.Ordinal))
                {
                    Console.Out.WriteLine(text.Contains("\ndraining: true", StringComparison.Ordinal) ? "healthy (draining)" : "healthy");
                    return 0;
                }
            }
            Console.Error.WriteLine("unhealthy: unexpected reply");
            return 1;
        }
        catch (Exception ex) when (ex is SocketException or IOException or FormatException)
        {
            Console.Error.WriteLine($"unhealthy: {ex.Message}");
            return 1;
        }
    }
}
