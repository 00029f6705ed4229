using System.Net.Sockets;
using System.Text;

namespace Queue.Server.Tests.TestKit;

/// <summary>A byte-level protocol client for tests: send exact bytes, read exact replies.</summary>
internal sealed class RawClient : IDisposable
{
    private readonly Socket _socket;
    private readonly List<byte> _pending = new();

    private RawClient(Socket socket) => _socket = socket;

    public static RawClient Connect(int port)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        s.Connect("127.0.0.1", port);
        return new RawClient(s);
    }

    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(5);

    public void Send(string ascii) => Send(Encoding.Latin1.GetBytes(ascii));

    public void Send(ReadOnlySpan<byte> bytes)
    {
        while (!bytes.IsEmpty) bytes = bytes[_socket.Send(bytes)..];
    }

    public void SendByteByByte(ReadOnlySpan<byte> bytes, int delayMs = 1)
    {
        foreach (byte b in bytes)
        {
            _socket.Send([b]);
            if (delayMs > 0) Thread.Sleep(delayMs);
        }
    }

    public void ShutdownSend() => _socket.Shutdown(SocketShutdown.Send);

    /// <summary>Reads exactly <paramref name="n"/> bytes or throws on timeout/EOF.</summary>
    public byte[] ReadExactly(int n, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (_pending.Count < n)
        {
            var r = Fill(deadline);
            if (r != FillResult.Data) throw new IOException($"{r} after {_pending.Count} of {n} bytes: {Show(_pending.ToArray())}");
        }
        var result = _pending.GetRange(0, n).ToArray();
        _pending.RemoveRange(0, n);
        return result;
    }

    /// <summary>Reads up to and including the next CRLF.</summary>
    public string ReadLine(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? DefaultTimeout);
        while (true)
        {
            for (int i = 0; i + 1 < _pending.Count; i++)
            {
                if (_pending[i] == '\r' && _pending[i + 1] == '\n')
                {
                    var line = Encoding.Latin1.GetString(_pending.GetRange(0, i + 2).ToArray());
                    _pending.RemoveRange(0, i + 2);
                    return line;
                }
            }
            var r = Fill(deadline);
            if (r != FillResult.Data) throw new IOException($"{r} waiting for a line; pending: {Show(_pending.ToArray())}");
        }
    }

    /// <summary>Reads one reply: a line, plus the payload announced by OK/RESERVED/FOUND.</summary>
    public string ReadReply(TimeSpan? timeout = null)
    {
        var line = ReadLine(timeout);
        int payload = PayloadLength(line);
        return payload < 0 ? line : line + Encoding.Latin1.GetString(ReadExactly(payload + 2, timeout));
    }

    /// <summary>Sends a command and returns its reply.</summary>
    public string Call(string command)
    {
        Send(command);
        return ReadReply();
    }

    /// <summary>Length of the data block a reply line announces, or -1.</summary>
    public static int PayloadLength(string line)
    {
        var parts = line.TrimEnd('\r', '\n').Split(' ');
        if (parts[0] == "OK" && parts.Length == 2 && int.TryParse(parts[1], out int n)) return n;
        if (parts[0] is "RESERVED" or "FOUND" && parts.Length == 3 && int.TryParse(parts[2], out n)) return n;
        return -1;
    }

    /// <summary>True when the server has closed the connection (EOF) within the timeout.</summary>
    public bool WaitForEof(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var r = Fill(deadline);
            if (r == FillResult.Eof) return true;
            if (r == FillResult.Timeout) return false;
        }
    }

    /// <summary>Whatever arrives within <paramref name="quiet"/> (used to assert silence).</summary>
    public byte[] Drain(TimeSpan quiet)
    {
        var deadline = DateTime.UtcNow + quiet;
        while (Fill(deadline) == FillResult.Data)
        {
        }
        var all = _pending.ToArray();
        _pending.Clear();
        return all;
    }

    private enum FillResult { Data, Timeout, Eof }

    private FillResult Fill(DateTime deadline)
    {
        var left = deadline - DateTime.UtcNow;
        if (left <= TimeSpan.Zero) return FillResult.Timeout;
        if (!_socket.Poll((int)Math.Max(1, left.TotalMicroseconds), SelectMode.SelectRead)) return FillResult.Timeout;
        var buf = new byte[65536];
        int n;
        try
        {
            n = _socket.Receive(buf);
        }
        catch (SocketException)
        {
            return FillResult.Eof;
        }
        if (n == 0) return FillResult.Eof;
        _pending.AddRange(buf.AsSpan(0, n).ToArray());
        return FillResult.Data;
    }

    public static string Show(byte[] bytes) => Conversation.Escape(bytes);

    public void Dispose() => _socket.Dispose();
}
