using System.Net;
using System.Net.Sockets;

namespace Queue.LoadGen.Net;

internal static class Endpoints
{
    /// <summary>Resolves <paramref name="host"/>, preferring IPv4 (beanstalkd commonly binds 0.0.0.0).</summary>
    public static IPEndPoint Resolve(string host, int port)
    {
        if (IPAddress.TryParse(host, out IPAddress? literal))
        {
            return new IPEndPoint(literal, port);
        }

        IPAddress[] addresses = Dns.GetHostAddresses(host);
        IPAddress? chosen = Array.Find(addresses, a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses.FirstOrDefault();
        return chosen is null
            ? throw new SocketException((int)SocketError.HostNotFound)
            : new IPEndPoint(chosen, port);
    }
}
