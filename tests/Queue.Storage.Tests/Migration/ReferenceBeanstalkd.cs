using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Queue.Storage.Tests.Migration;

/// <summary>
/// The installed C beanstalkd 1.12, run as a child process on 127.0.0.1 with a binlog directory.
/// Used to produce real binlogs and, restarted on a copy, as the oracle for what recovery yields.
/// </summary>
internal sealed class ReferenceBeanstalkd : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private ReferenceBeanstalkd(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public int Pid => _process.Id;

    /// <summary>What the server wrote to stderr so far (recovery warnings, for failure messages).</summary>
    public string Stderr
    {
        get { lock (_stderr) return _stderr.ToString(); }
    }

    /// <summary>Absolute path of beanstalkd on PATH; fails the test (never skips) when it is missing.</summary>
    public static string Executable()
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, "beanstalkd");
            if (File.Exists(candidate)) return candidate;
        }
        Assert.Fail("beanstalkd 1.12 (the C reference server) is not installed, so no real binlog can be generated. " +
                    "Run ./test.sh as root: it installs it (apt-get install beanstalkd).");
        return "";
    }

    /// <summary>Starts <c>beanstalkd -l 127.0.0.1 -p PORT -b DIR [extra]</c> and waits until it answers.</summary>
    public static ReferenceBeanstalkd Start(string binlogDir, params string[] extraArgs)
    {
        string exe = Executable();
        for (int attempt = 0; ; attempt++)
        {
            int port = FreePort();
            var psi = new ProcessStartInfo(exe)
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
            };
            foreach (string a in new[] { "-l", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-b", binlogDir }.Concat(extraArgs))
            {
                psi.ArgumentList.Add(a);
            }
            var server = new ReferenceBeanstalkd(Process.Start(psi)!, port);
            server._process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is null) return;
                lock (server._stderr) server._stderr.AppendLine(e.Data);
            };
            server._process.OutputDataReceived += (_, _) => { };
            server._process.BeginErrorReadLine();
            server._process.BeginOutputReadLine();
            if (server.WaitUntilAnswering(TimeSpan.FromSeconds(10))) return server;
            string err = server.Stderr;
            server.Dispose();
            if (attempt == 2) throw new InvalidOperationException($"beanstalkd did not start: {err}");
        }
    }

    public BeanstalkClient Connect() => BeanstalkClient.Connect(Port);

    /// <summary>SIGKILL, as a crash: nothing is flushed or closed by the server.</summary>
    public void Kill9()
    {
        if (!_process.HasExited) _process.Kill();
        _process.WaitForExit(10_000);
    }

    public void Dispose()
    {
        Kill9();
        _process.Dispose();
    }

    private bool WaitUntilAnswering(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !_process.HasExited)
        {
            try
            {
                using var c = Connect();
                if (c.Call("list-tube-used").StartsWith("USING", StringComparison.Ordinal)) return true;
            }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
                Thread.Sleep(20);
            }
        }
        return false;
    }

    private static int FreePort()
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)s.LocalEndPoint!).Port;
    }
}

/// <summary>A minimal blocking beanstalkd protocol client (just what the migration tests drive).</summary>
internal sealed class BeanstalkClient : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[1 << 16];
    private int _start;
    private int _end;

    private BeanstalkClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public static BeanstalkClient Connect(int port)
    {
        var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            NoDelay = true,
            ReceiveTimeout = 10_000,
            SendTimeout = 10_000,
        };
        try
        {
            s.Connect(new IPEndPoint(IPAddress.Loopback, port));
        }
        catch
        {
            s.Dispose();
            throw;
        }
        return new BeanstalkClient(s);
    }

    /// <summary>Sends one command line (CRLF added) and returns the reply line (without CRLF).</summary>
    public string Call(string line)
    {
        _stream.Write(Encoding.ASCII.GetBytes(line + "\r\n"));
        return ReadLine();
    }

    /// <summary>Expects the reply to be exactly <paramref name="expected"/>.</summary>
    public void Expect(string line, string expected)
    {
        string reply = Call(line);
        Assert.True(reply == expected, $"'{line}' → '{reply}', expected '{expected}'");
    }

    public ulong Put(uint pri, uint delay, uint ttr, byte[] body)
    {
        var head = Encoding.ASCII.GetBytes(FormattableString.Invariant($"put {pri} {delay} {ttr} {body.Length}\r\n"));
        _stream.Write([.. head, .. body, (byte)'\r', (byte)'\n']);
        string reply = ReadLine();
        Assert.StartsWith("INSERTED ", reply);
        return ulong.Parse(reply["INSERTED ".Length..], CultureInfo.InvariantCulture);
    }

    public ulong Put(uint pri, uint delay, uint ttr, string body) => Put(pri, delay, ttr, Encoding.ASCII.GetBytes(body));

    /// <summary><c>reserve-job ID</c>; returns the body.</summary>
    public byte[] ReserveJob(ulong id)
    {
        string reply = Call(FormattableString.Invariant($"reserve-job {id}"));
        Assert.StartsWith(FormattableString.Invariant($"RESERVED {id} "), reply);
        return ReadBody(int.Parse(reply[(reply.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
    }

    /// <summary><c>stats-job</c> as key/value pairs, or null for NOT_FOUND.</summary>
    public Dictionary<string, string>? StatsJob(ulong id) => Yaml(FormattableString.Invariant($"stats-job {id}"));

    public Dictionary<string, string> Stats() => Yaml("stats") ?? throw new InvalidOperationException("stats failed");

    /// <summary><c>peek</c> body, or null for NOT_FOUND.</summary>
    public byte[]? Peek(ulong id)
    {
        string reply = Call(FormattableString.Invariant($"peek {id}"));
        if (reply == "NOT_FOUND") return null;
        Assert.StartsWith("FOUND ", reply);
        int n = int.Parse(reply[(reply.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        return ReadBody(n);
    }

    public void Dispose() => _stream.Dispose();

    private Dictionary<string, string>? Yaml(string command)
    {
        string reply = Call(command);
        if (reply == "NOT_FOUND") return null;
        Assert.StartsWith("OK ", reply);
        int n = int.Parse(reply[3..], CultureInfo.InvariantCulture);
        string text = Encoding.ASCII.GetString(ReadBody(n));
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string l in text.Split('\n'))
        {
            int colon = l.IndexOf(": ", StringComparison.Ordinal);
            if (colon > 0) result[l[..colon]] = l[(colon + 2)..].Trim('"');
        }
        return result;
    }

    private string ReadLine()
    {
        while (true)
        {
            int i = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8);
            if (i >= 0)
            {
                string line = Encoding.ASCII.GetString(_buffer, _start, i);
                _start += i + 2;
                return line;
            }
            Fill();
        }
    }

    private byte[] ReadBody(int n)
    {
        var body = new byte[n];
        int got = 0;
        while (got < n)
        {
            if (_start == _end) Fill();
            int take = Math.Min(n - got, _end - _start);
            _buffer.AsSpan(_start, take).CopyTo(body.AsSpan(got));
            _start += take;
            got += take;
        }
        while (_end - _start < 2) Fill();
        Assert.True(_buffer[_start] == '\r' && _buffer[_start + 1] == '\n', "body not followed by CRLF");
        _start += 2;
        return body;
    }

    private void Fill()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) throw new InvalidOperationException("reply line too long");
        int n = _stream.Read(_buffer, _end, _buffer.Length - _end);
        if (n == 0) throw new IOException("connection closed by server");
        _end += n;
    }
}
