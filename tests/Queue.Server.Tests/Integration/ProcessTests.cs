using System.Diagnostics;
using System.Net.Sockets;
using Queue.Server.Tests.TestKit;

namespace Queue.Server.Tests.Integration;

/// <summary>The executable as an operator runs it: flags, signals, listeners.</summary>
public sealed class ProcessTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var psi = new ProcessStartInfo(ServerProcess.ExecutablePath) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(10_000), "process did not exit");
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void Version_PrintsBeanstalkdVersion_ExitsZero()
    {
        var (code, stdout, _) = Run("-v");
        Assert.Equal(0, code);
        Assert.Equal("beanstalkd 1.12\n", stdout);
    }

    [Fact]
    public void Help_PrintsUsageOnStderr_ExitsZero()
    {
        var (code, stdout, stderr) = Run("-h");
        Assert.Equal(0, code);
        Assert.Equal("", stdout);
        Assert.Contains(" [OPTIONS]\n\nOptions:\n -b DIR   write-ahead log directory\n", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownFlag_PrintsUsage_ExitsFive()
    {
        var (code, _, stderr) = Run("-x");
        Assert.Equal(5, code);
        Assert.Contains(": unknown flag: -x\nUse: ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void SigTerm_WithConnectedClients_ExitsZeroAfterAnsweringThem()
    {
        using var server = ServerProcess.Start();
        using var client = server.Connect();
        Assert.Equal("INSERTED 1\r\n", client.Call("put 0 0 10 2\r\nhi\r\n"));
        server.Signal(ServerProcess.SigTerm);
        Assert.True(server.WaitForExit(TimeSpan.FromSeconds(10)), "server did not stop on SIGTERM");
        Assert.Equal(0, server.ExitCode);
        Assert.True(client.WaitForEof(TimeSpan.FromSeconds(2)), "connection not closed on shutdown");
    }

    [Fact]
    public void UserFlag_DropsPrivilegesAfterBinding_StillServes()
    {
        using var server = ServerProcess.Start("-u", "nobody");
        string uidLine = File.ReadLines($"/proc/{server.Pid}/status").First(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        Assert.Equal("65534", uidLine.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1]);
        using var client = server.Connect();
        Assert.Equal("INSERTED 1\r\n", client.Call("put 0 0 10 2\r\nhi\r\n"));
    }

    [Fact]
    public void UserFlag_UnknownUser_ExitsThirtyThree()
    {
        var (code, _, stderr) = Run("-l", "127.0.0.1", "-p", ServerProcess.FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture), "-u", "no-such-user-qs");
        Assert.Equal(33, code);
        Assert.Contains("no such user", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void SigInt_ExitsZero()
    {
        using var server = ServerProcess.Start();
        server.Signal(ServerProcess.SigInt);
        Assert.True(server.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.Equal(0, server.ExitCode);
    }

    [Fact]
    public void SigUsr1_EntersDrainMode_PutsRefusedOtherCommandsWork()
    {
        using var server = ServerProcess.Start();
        using var client = server.Connect();
        Assert.Equal("INSERTED 1\r\n", client.Call("put 0 0 10 1\r\na\r\n"));
        server.Signal(ServerProcess.SigUsr1);
        string reply = "";
        for (int i = 0; i < 100 && reply != "DRAINING\r\n"; i++)
        {
            reply = client.Call("put 0 0 10 1\r\nb\r\n");
            if (reply != "DRAINING\r\n") Thread.Sleep(20);
        }
        Assert.Equal("DRAINING\r\n", reply);
        Assert.StartsWith("RESERVED 1 1\r\n", client.Call("reserve\r\n"), StringComparison.Ordinal);
        Assert.Equal("DELETED\r\n", client.Call("delete 1\r\n"));
        Assert.Contains("\ndraining: true\n", client.Call("stats\r\n"), StringComparison.Ordinal);
    }

    [Fact]
    public void ListenUnixSocket_ServesProtocol()
    {
        var path = Path.Combine(Path.GetTempPath(), $"qs-{Guid.NewGuid():N}.sock");
        var psi = new ProcessStartInfo(ServerProcess.ExecutablePath) { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add("-l");
        psi.ArgumentList.Add("unix:" + path);
        using var p = Process.Start(psi)!;
        try
        {
            using var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            var deadline = DateTime.UtcNow.AddSeconds(10);
            while (true)
            {
                try
                {
                    s.Connect(new UnixDomainSocketEndPoint(path));
                    break;
                }
                catch (SocketException) when (DateTime.UtcNow < deadline)
                {
                    Thread.Sleep(20);
                }
            }
            s.Send("list-tube-used\r\n"u8);
            var buf = new byte[64];
            int n = s.Receive(buf);
            Assert.Equal("USING default\r\n", System.Text.Encoding.ASCII.GetString(buf, 0, n));
        }
        finally
        {
            p.Kill();
            p.WaitForExit();
            File.Delete(path);
        }
    }

    [Fact]
    public void SystemdSocketActivation_UsesInheritedFd3()
    {
        // A tiny launcher binds the socket, puts it on fd 3, sets LISTEN_FDS/LISTEN_PID and execs us
        // (exec keeps the pid), exactly what systemd does for a .socket unit.
        int port = ServerProcess.FreePort();
        const string launcher = """
            import os, socket, sys
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", int(sys.argv[2]))); s.listen(16)
            os.dup2(s.fileno(), 3); os.set_inheritable(3, True)
            os.environ["LISTEN_FDS"] = "1"; os.environ["LISTEN_PID"] = str(os.getpid())
            os.execv(sys.argv[1], [sys.argv[1], "-p", "1"])
            """;
        var psi = new ProcessStartInfo("python3") { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(launcher);
        psi.ArgumentList.Add(ServerProcess.ExecutablePath);
        psi.ArgumentList.Add(port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        using var p = Process.Start(psi)!;
        try
        {
            var deadline = DateTime.UtcNow.AddSeconds(10);
            string reply = "";
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    using var c = RawClient.Connect(port);
                    reply = c.Call("list-tube-used\r\n");
                    break;
                }
                catch (Exception ex) when (ex is SocketException or IOException)
                {
                    Thread.Sleep(20);
                }
            }
            Assert.Equal("USING default\r\n", reply);
        }
        finally
        {
            p.Kill();
            p.WaitForExit();
        }
    }
}
