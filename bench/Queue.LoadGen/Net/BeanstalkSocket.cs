using System.Net;
using System.Net.Sockets;
using Queue.LoadGen.Protocol;

namespace Queue.LoadGen.Net;

/// <summary>
/// One blocking TCP connection with a hand-rolled receive buffer. Each connection is driven by a
/// dedicated thread, so blocking calls are the cheapest option: no Task per operation and one
/// syscall per send or receive.
/// </summary>
internal sealed class BeanstalkSocket : IDisposable
{
    private static readonly TimeSpan StallTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _socket;
    private byte[] _receive;
    private int _start;
    private int _end;

    private BeanstalkSocket(Socket socket, int receiveCapacity, int sendCapacity)
    {
        _socket = socket;
        _receive = new byte[receiveCapacity];
        Out = new CommandWriter(sendCapacity);
    }

    /// <summary>The underlying socket, for readiness polling.</summary>
    public Socket Raw => _socket;

    /// <summary>Commands waiting for the next <see cref="Flush"/>.</summary>
    public CommandWriter Out { get; }

    /// <summary>Received bytes that have not been consumed by the parser yet.</summary>
    public ReadOnlySpan<byte> Buffered => _receive.AsSpan(_start, _end - _start);

    public static BeanstalkSocket Connect(IPEndPoint endPoint, int bodySize, int pipeline)
    {
        var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            // A plain blocking connect: switching the socket to non-blocking even once would make
            // .NET keep the fd O_NONBLOCK and emulate every later blocking call through its epoll
            // thread. A connect that hangs is caught by the setup watchdog instead.
            socket.Connect(endPoint);
            socket.ReceiveTimeout = (int)StallTimeout.TotalMilliseconds;
            socket.SendTimeout = (int)StallTimeout.TotalMilliseconds;
            int perCommand = bodySize + 64;
            // Both buffers grow on demand; these are starting sizes.
            return new BeanstalkSocket(socket, Math.Max(64 * 1024, 2 * perCommand), Math.Clamp(pipeline * perCommand, 4096, 256 * 1024));
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Writes everything in <see cref="Out"/> (one syscall unless the kernel buffer is full).</summary>
    public void Flush()
    {
        ReadOnlySpan<byte> pending = Out.Written;
        while (!pending.IsEmpty)
        {
            int sent = _socket.Send(pending, SocketFlags.None);
            pending = pending[sent..];
        }

        Out.Reset();
    }

    /// <summary>Reads what is available (blocks if nothing is). Throws if the server closed the connection.</summary>
    public void ReceiveMore()
    {
        MakeRoom();
        int n = _socket.Receive(_receive.AsSpan(_end), SocketFlags.None);
        if (n == 0)
        {
            throw new SocketException((int)SocketError.ConnectionReset);
        }

        _end += n;
    }

    public void Consume(int count)
    {
        _start += count;
        if (_start == _end)
        {
            _start = 0;
            _end = 0;
        }
    }

    public void Dispose() => _socket.Dispose();

    private void MakeRoom()
    {
        if (_end < _receive.Length)
        {
            return;
        }

        int pending = _end - _start;
        int needed = Math.Max(pending + 4096, ReplyParser.RequiredLength(Buffered));
        if (needed > _receive.Length)
        {
            var bigger = new byte[Math.Max(needed, _receive.Length * 2)];
            Buffered.CopyTo(bigger);
            _receive = bigger;
        }
        else
        {
            Buffered.CopyTo(_receive);
        }

        _start = 0;
        _end = pending;
    }
}
