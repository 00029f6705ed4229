using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Queue.Server.Tests.TestKit;

namespace Queue.Server.Tests.Durability;

/// <summary>
/// The server executable on a data directory (-b), with its stderr kept (recovery reports and fatal
/// errors are asserted on). Killed only by its own PID.
/// </summary>
internal sealed partial class LogServer : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _stderr = new();

    private LogServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }
    public int Pid => _process.Id;

    /// <summary>Lines the server wrote on stderr so far.</summary>
    public string Stderr => string.Join("\n", _stderr);

    public static LogServer Start(string dir, params string[] extraArgs)
    {
        var server = Launch(dir, extraArgs);
        server.WaitUntilAnswering(TimeSpan.FromSeconds(30));
        return server;
    }

    /// <summary>Starts the process without waiting for it to answer (for refusals).</summary>
    public static LogServer Launch(string dir, params string[] extraArgs)
    {
        int port = ServerProcess.FreePort();
        var psi = new ProcessStartInfo(ServerProcess.ExecutablePath)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-l", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-b", dir }.Concat(extraArgs)) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        var server = new LogServer(p, port);
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null) server._stderr.Enqueue(e.Data);
        };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return server;
    }

    public void WaitUntilAnswering(TimeSpan timeout) => ServerProcess.WaitForServer(Port, _process, timeout, () => Stderr);

    public RawClient Connect() => RawClient.Connect(Port);

    /// <summary>kill -9 and wait until the process is gone.</summary>
    public void KillHard()
    {
        if (_process.HasExited) return;
        Assert.Equal(0, Kill(_process.Id, 9));
        Assert.True(_process.WaitForExit(10_000), "server survived SIGKILL");
    }

    /// <summary>SIGTERM and wait for a clean exit.</summary>
    public int Stop()
    {
        Assert.Equal(0, Kill(_process.Id, 15));
        Assert.True(_process.WaitForExit(20_000), "server did not stop on SIGTERM");
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout)) return false;
        _process.WaitForExit(); // flushes the redirected streams
        return true;
    }

    public bool HasExited => _process.HasExited;

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

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int signal);
}

/// <summary>A temporary directory for a server's log, deleted on dispose.</summary>
internal sealed class LogDir : IDisposable
{
    public LogDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"qs-server-log-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public long Bytes => Directory.GetFiles(Path).Sum(f => new FileInfo(f).Length);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
