using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Queue.Server.Tests.TestKit;

namespace Queue.Server.Tests.Integration;

/// <summary>
/// Swapping beanstalkd for ours in place: pointed at beanstalkd 1.12's binlog directory, the
/// server imports every live job on first start and leaves the old files as they were.
/// </summary>
public sealed class MigrationTests
{
    private static Process StartBeanstalkd(string dir, int port)
    {
        // Not a bare "beanstalkd": Process.Start would find our own apphost next to the tests first.
        var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':')
            .Select(d => Path.Combine(d, "beanstalkd")).FirstOrDefault(File.Exists);
        if (path is null) Assert.Fail("beanstalkd 1.12 is not installed; ./test.sh installs it");
        var psi = new ProcessStartInfo(path) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { "-l", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-b", dir }) psi.ArgumentList.Add(a);
        try
        {
            return Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Fail("beanstalkd 1.12 is not installed; ./test.sh installs it");
            throw;
        }
    }

    private static RawClient ConnectWithRetry(int port)
    {
        for (int i = 0; ; i++)
        {
            try
            {
                return RawClient.Connect(port);
            }
            catch (System.Net.Sockets.SocketException) when (i < 200)
            {
                Thread.Sleep(20);
            }
        }
    }

    private static Dictionary<string, string> Hashes(string dir) =>
        Directory.GetFiles(dir, "binlog.*").ToDictionary(f => f, f => Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f))));

    [Fact]
    public void BeanstalkdBinlog_ImportedOnFirstStart_JobsServedWithTubeStatePriorityBody_OldFilesUntouched()
    {
        var dir = Directory.CreateTempSubdirectory("qs-migrate-").FullName;
        try
        {
            int bport = ServerProcess.FreePort();
            using (var bs = StartBeanstalkd(dir, bport))
            {
                using var c = ConnectWithRetry(bport);
                Assert.Equal("USING emails\r\n", c.Call("use emails\r\n"));
                Assert.Equal("INSERTED 1\r\n", c.Call("put 5 0 60 5\r\nhello\r\n"));
                Assert.Equal("INSERTED 2\r\n", c.Call("put 1 3600 60 5\r\nlater\r\n"));
                Assert.Equal("INSERTED 3\r\n", c.Call("put 7 0 60 7\r\nb\r\nu\0ry\r\n"));
                Assert.Equal("WATCHING 2\r\n", c.Call("watch emails\r\n"));
                Assert.Equal("RESERVED 1 5\r\nhello\r\n", c.Call("reserve\r\n"));
                Assert.Equal("RELEASED\r\n", c.Call("release 1 5 0\r\n"));
                Assert.StartsWith("RESERVED 1", c.Call("reserve\r\n"), StringComparison.Ordinal);
                Assert.Equal("RESERVED 3 7\r\nb\r\nu\0ry\r\n", c.Call("reserve-job 3\r\n"));
                Assert.Equal("BURIED\r\n", c.Call("bury 3 9\r\n"));
                Assert.Equal("USING default\r\n", c.Call("use default\r\n"));
                Assert.Equal("INSERTED 4\r\n", c.Call("put 0 0 60 4\r\ngone\r\n"));
                Assert.Equal("DELETED\r\n", c.Call("delete 4\r\n"));
                // Job 1 is still reserved when beanstalkd dies: it comes back ready.
                bs.Kill();
                bs.WaitForExit();
            }
            var before = Hashes(dir);
            Assert.True(before.Count > 0, "no binlog files in " + dir + ": " + string.Join(", ", Directory.GetFiles(dir)));

            using var ours = ServerProcess.Start("-b", dir);
            using var q = ours.Connect();
            Assert.Equal("OK 23\r\n---\n- default\n- emails\n\r\n", q.Call("list-tubes\r\n"));
            string job1 = q.Call("stats-job 1\r\n");
            Assert.Contains("\ntube: emails\nstate: ready\npri: 5\n", job1, StringComparison.Ordinal);
            string job2 = q.Call("stats-job 2\r\n");
            Assert.Contains("\ntube: emails\nstate: delayed\npri: 1\n", job2, StringComparison.Ordinal);
            Assert.Contains("\ndelay: 3600\n", job2, StringComparison.Ordinal);
            Assert.Contains("\nstate: buried\npri: 9\n", q.Call("stats-job 3\r\n"), StringComparison.Ordinal);
            Assert.Equal("NOT_FOUND\r\n", q.Call("stats-job 4\r\n"));
            Assert.Equal("FOUND 3 7\r\nb\r\nu\0ry\r\n", q.Call("peek 3\r\n"));
            Assert.Equal("FOUND 1 5\r\nhello\r\n", q.Call("peek 1\r\n"));
            Assert.Equal("INSERTED 5\r\n", q.Call("put 0 0 60 3\r\nnew\r\n")); // ids continue after beanstalkd's
            Assert.Equal(before, Hashes(dir));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    [Fact]
    public async Task BeanstalkdStillRunningOnTheDirectory_StartRefused_ExitCode10()
    {
        var dir = Directory.CreateTempSubdirectory("qs-migrate-").FullName;
        int bport = ServerProcess.FreePort();
        using var bs = StartBeanstalkd(dir, bport);
        try
        {
            using (var c = ConnectWithRetry(bport)) Assert.Equal("INSERTED 1\r\n", c.Call("put 0 0 60 1\r\nx\r\n"));
            var psi = new ProcessStartInfo(ServerProcess.ExecutablePath) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var a in new[] { "-l", "127.0.0.1", "-p", ServerProcess.FreePort().ToString(CultureInfo.InvariantCulture), "-b", dir }) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            Assert.True(p.WaitForExit(15_000));
            Assert.Equal(10, p.ExitCode);
            Assert.Contains("beanstalkd", await err, StringComparison.Ordinal);
            Assert.False(bs.HasExited, "the running beanstalkd must be left alone");
        }
        finally
        {
            bs.Kill();
            bs.WaitForExit();
            Directory.Delete(dir, true);
        }
    }
}
