using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using Queue.Server.Tests.TestKit;

namespace Queue.Server.Tests.Metrics;

/// <summary>
/// The server executable with its stdout and stderr kept line by line (log lines are asserted on),
/// on 127.0.0.1 with a free beanstalkd port. Killed only by its own PID.
/// </summary>
internal sealed partial class MetricsProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stdout = new();
    private readonly ConcurrentQueue<string> _stderr = new();

    private MetricsProcess(Process process, int port, int? metricsPort)
    {
        _process = process;
        Port = port;
        MetricsPort = metricsPort;
    }

    public int Port { get; }
    public int? MetricsPort { get; }
    public int Pid => _process.Id;
    public IReadOnlyList<string> StdoutLines => [.. _stdout];
    public IReadOnlyList<string> StderrLines => [.. _stderr];
    public string Output => $"stdout:\n{string.Join("\n", _stdout)}\nstderr:\n{string.Join("\n", _stderr)}";

    /// <summary>Starts the server (with --metrics-port on a free port unless <paramref name="metrics"/> is false) and waits until it answers.</summary>
    public static MetricsProcess Start(bool metrics, params string[] extraArgs)
    {
        var p = Launch(metrics ? ServerProcess.FreePort() : null, extraArgs);
        p.WaitUntilAnswering(TimeSpan.FromSeconds(20));
        return p;
    }

    public static MetricsProcess Launch(int? metricsPort, params string[] extraArgs)
    {
        int port = ServerProcess.FreePort();
        var psi = new ProcessStartInfo(ServerProcess.ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-l", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture) }) psi.ArgumentList.Add(a);
        if (metricsPort is { } mp) psi.ArgumentList.Add("--metrics-port=" + mp.ToString(CultureInfo.InvariantCulture));
        foreach (var a in extraArgs) psi.ArgumentList.Add(a);
        var process = Process.Start(psi)!;
        var server = new MetricsProcess(process, port, metricsPort);
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null) server._stdout.Enqueue(e.Data);
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) server._stderr.Enqueue(e.Data);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return server;
    }

    private void WaitUntilAnswering(TimeSpan timeout)
    {
        ServerProcess.WaitForServer(Port, _process, timeout, () => "\n" + Output);
        // The metrics listener is bound before the beanstalkd port answers.
        if (MetricsPort is not null) Assert.Equal(200, Get("/healthz").Status);
    }

    public RawClient Connect() => RawClient.Connect(Port);

    /// <summary>One HTTP/1.1 request to the metrics port; the server closes the connection after the response.</summary>
    public (int Status, string Headers, string Body) Get(string path, string method = "GET") =>
        Http(MetricsPort ?? throw new InvalidOperationException("no metrics port"), path, method);

    public static (int Status, string Headers, string Body) Http(int port, string path, string method = "GET")
    {
        using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        s.ReceiveTimeout = s.SendTimeout = 10_000;
        s.Connect(new IPEndPoint(IPAddress.Loopback, port));
        s.Send(Encoding.ASCII.GetBytes($"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: test\r\nAccept: */*\r\n\r\n"));
        var all = new MemoryStream();
        var buf = new byte[16384];
        int n;
        while ((n = s.Receive(buf)) > 0) all.Write(buf, 0, n);
        var text = Encoding.UTF8.GetString(all.ToArray());
        int split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, $"no header end in {text}");
        var head = text[..split];
        var status = int.Parse(head.Split(' ')[1], CultureInfo.InvariantCulture);
        return (status, head, text[(split + 4)..]);
    }

    /// <summary>/metrics parsed into sample → value ("name" or "name{labels}" as written).</summary>
    public Dictionary<string, double> Scrape()
    {
        var (status, headers, body) = Get("/metrics");
        Assert.True(status == 200, $"/metrics answered {status}: {body}");
        Assert.Contains("Content-Type: text/plain; version=0.0.4", headers, StringComparison.Ordinal);
        return Parse(body);
    }

    /// <summary>Scrapes until the condition holds (figures that settle asynchronously, like a closed connection), at most 10 s.</summary>
    public Dictionary<string, double> ScrapeUntil(Func<Dictionary<string, double>, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var m = Scrape();
        while (!condition(m) && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
            m = Scrape();
        }
        return m;
    }

    public static Dictionary<string, double> Parse(string body)
    {
        var samples = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var line in body.Split('\n'))
        {
            if (line.Length == 0 || line.StartsWith('#')) continue;
            int space = line.LastIndexOf(' ');
            var value = line[(space + 1)..];
            samples.Add(line[..space], value == "+Inf" ? double.PositiveInfinity : double.Parse(value, CultureInfo.InvariantCulture));
        }
        return samples;
    }

    /// <summary>TCP ports this process listens on (its socket inodes matched against /proc/net/tcp{,6}).</summary>
    public IReadOnlySet<int> ListeningPorts()
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (var fd in Directory.GetFiles($"/proc/{Pid}/fd"))
        {
            string? target;
            try
            {
                target = new FileInfo(fd).LinkTarget;
            }
            catch (IOException)
            {
                continue;
            }
            if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal)) inodes.Add(target[8..^1]);
        }
        var ports = new HashSet<int>();
        foreach (var table in new[] { "/proc/net/tcp", "/proc/net/tcp6" })
        {
            if (!File.Exists(table)) continue;
            foreach (var line in File.ReadLines(table).Skip(1))
            {
                var cols = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                // local_address is ADDR:PORT in hex; st 0A is LISTEN; the inode is column 9.
                if (cols.Length > 9 && cols[3] == "0A" && inodes.Contains(cols[9]))
                {
                    ports.Add(int.Parse(cols[1].Split(':')[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                }
            }
        }
        return ports;
    }

    public void Signal(int signal) => Assert.Equal(0, Kill(Pid, signal));

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return false;
        // Drain the redirected streams: the parameterless overload waits for EOF on both.
        _process.WaitForExit();
        return true;
    }

    public int ExitCode => _process.ExitCode;
    public bool HasExited => _process.HasExited;

    /// <summary>Waits until some stderr line satisfies the predicate.</summary>
    public string WaitForStderr(Func<string, bool> predicate, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var hit = _stderr.FirstOrDefault(predicate);
            if (hit is not null) return hit;
            Thread.Sleep(20);
        }
        throw new InvalidOperationException($"no matching stderr line\n{Output}");
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
