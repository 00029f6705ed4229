using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Queue.Server.Tests.TestKit;

/// <summary>The real server executable (the apphost built next to the tests) run as a child process.</summary>
internal sealed partial class ServerProcess : IDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public int Pid => _process.Id;
    public Process Process => _process;

    public static string ExecutablePath => Path.Combine(AppContext.BaseDirectory, "beanstalkd");

    /// <summary>
    /// A port no other test of this run is given and the kernel never picks for outgoing
    /// connections: ports are handed out in turn below the ephemeral range (32768 and up), from a
    /// base that differs per process, skipping any that cannot be bound. (Asking the kernel for a
    /// free port lets two tests that ask at nearly the same time get the same one.)
    /// </summary>
    public static int FreePort()
    {
        while (true)
        {
            int port = PortBase + (int)((uint)Interlocked.Increment(ref s_nextPort) % PortSpan);
            try
            {
                using var s = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                s.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // In use: try the next one.
            }
        }
    }

    private const int PortBase = 20000;
    private const int PortSpan = 12000;
    private static int s_nextPort = Random.Shared.Next(PortSpan);

    /// <summary>Starts the server on 127.0.0.1 and waits until it answers.</summary>
    public static ServerProcess Start(params string[] extraArgs)
    {
        int port = FreePort();
        var psi = new ProcessStartInfo(ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-l", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture) }.Concat(extraArgs)) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, _) => { };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        var server = new ServerProcess(p, port);
        server.WaitUntilAnswering(TimeSpan.FromSeconds(10));
        return server;
    }

    public void WaitUntilAnswering(TimeSpan timeout) => WaitForServer(Port, _process, timeout);

    /// <summary>
    /// Polls 127.0.0.1:<paramref name="port"/> until a server answers <c>list-tube-used</c>; fails at
    /// once if <paramref name="process"/> exits, and after <paramref name="timeout"/>;
    /// <paramref name="output"/> adds what the server printed to the failure.
    /// </summary>
    public static void WaitForServer(int port, Process? process, TimeSpan timeout, Func<string>? output = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var c = RawClient.Connect(port);
                Assert.StartsWith("USING", c.Call("list-tube-used\r\n"), StringComparison.Ordinal);
                return;
            }
            catch (Exception ex) when (ex is SocketException or IOException)
            {
                if (process is { HasExited: true }) throw new InvalidOperationException($"server exited with {process.ExitCode}: {output?.Invoke()}", ex);
                if (DateTime.UtcNow > deadline) throw new InvalidOperationException($"server did not start: {output?.Invoke()}", ex);
                Thread.Sleep(20);
            }
        }
    }

    public RawClient Connect() => RawClient.Connect(Port);

    /// <summary>Resident set size of the server process, from /proc.</summary>
    public long RssBytes()
    {
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line[6..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
            }
        }
        return -1;
    }

    public void Signal(int signal) => Assert.Equal(0, Kill(Pid, signal));

    public bool WaitForExit(TimeSpan timeout) => _process.WaitForExit(timeout);

    public int ExitCode => _process.ExitCode;

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
    }

    public const int SigTerm = 15;
    public const int SigInt = 2;
    public const int SigUsr1 = 10;
    public const int SigKill = 9;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}
