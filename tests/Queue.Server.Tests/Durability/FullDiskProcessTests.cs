using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Queue.Server.Tests.TestKit;

namespace Queue.Server.Tests.Durability;

/// <summary>
/// A really full disk: the server runs on a 12 MiB tmpfs mounted in a private mount namespace
/// (unshare -rm, so the mount needs no privileges outside it and disappears with the processes).
/// Small puts fill it until OUT_OF_MEMORY; deletes still work; once most jobs are deleted, compaction
/// and a checkpoint give segments back (the checkpoint must fit on the full disk) and puts work
/// again; a clean stop on a full disk exits 0; a restart on the same tmpfs has every acknowledged job.
/// </summary>
public sealed partial class FullDiskProcessTests
{
    private sealed class Shell : IDisposable
    {
        private readonly Process _process;
        private readonly BlockingCollection<string> _stdout = new();
        private readonly ConcurrentQueue<string> _stderr = new();

        public Shell(string dir, int port1, int port2)
        {
            const string script =
                "mount -t tmpfs -o size=12m tmpfs \"$1\" || exit 90\n" +
                "\"$2\" -V -l 127.0.0.1 -p \"$3\" -b \"$1\" -s 1048576; echo \"first-exit $?\"\n" +
                "\"$2\" -V -l 127.0.0.1 -p \"$4\" -b \"$1\" -s 1048576; echo \"second-exit $?\"\n";
            var psi = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var a in new[] { "-rm", "sh", "-c", script, "sh", dir, ServerProcess.ExecutablePath, port1.ToString(CultureInfo.InvariantCulture), port2.ToString(CultureInfo.InvariantCulture) })
            {
                psi.ArgumentList.Add(a);
            }
            _process = Process.Start(psi)!;
            _process.OutputDataReceived += (_, e) =>
            {
                if (e.Data is not null) _stdout.Add(e.Data);
            };
            _process.ErrorDataReceived += (_, e) =>
            {
                if (e.Data is not null) _stderr.Enqueue(e.Data);
            };
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public string Stderr => string.Join("\n", _stderr);

        /// <summary>The next stdout line starting with <paramref name="prefix"/> (other lines are skipped).</summary>
        public string WaitLine(string prefix)
        {
            while (_stdout.TryTake(out var line, TimeSpan.FromSeconds(60)))
            {
                if (line.StartsWith(prefix, StringComparison.Ordinal)) return line;
            }
            throw new InvalidOperationException($"no '{prefix}' line; stderr: {Stderr}");
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
            _process.Dispose();
        }
    }

    private static void WaitUntilAnswering(int port) => ServerProcess.WaitForServer(port, null, TimeSpan.FromSeconds(30));

    private static void Terminate(int pid) => Assert.Equal(0, Kill(pid, 15));

    [System.Runtime.InteropServices.LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    /// <summary>Pipelined puts until the server refuses one; returns how many were refused.</summary>
    private static int FillUntilRefused(RawClient c, Dictionary<ulong, byte[]> jobs, Random rng, ref long seq)
    {
        int refused = 0;
        while (refused == 0)
        {
            var batch = new List<byte[]>();
            var sb = new MemoryStream();
            for (int i = 0; i < 50; i++)
            {
                var body = JobLedger.MakeBody(0, seq++, rng.Next(10, 40), rng);
                batch.Add(body);
                sb.Write(Encoding.ASCII.GetBytes($"put 100 0 60 {body.Length}\r\n"));
                sb.Write(body);
                sb.Write("\r\n"u8);
            }
            c.Send(sb.ToArray());
            foreach (var body in batch)
            {
                var reply = c.ReadLine(TimeSpan.FromSeconds(30));
                if (reply.StartsWith("INSERTED ", StringComparison.Ordinal)) jobs[ulong.Parse(reply[9..^2], CultureInfo.InvariantCulture)] = body;
                else
                {
                    Assert.Equal("OUT_OF_MEMORY\r\n", reply);
                    refused++;
                }
            }
            Assert.True(jobs.Count < 200_000, "the disk never filled");
        }
        return refused;
    }

    private static void DeleteMany(RawClient c, Dictionary<ulong, byte[]> jobs, IEnumerable<ulong> ids)
    {
        foreach (var chunk in ids.Chunk(100))
        {
            c.Send(string.Concat(chunk.Select(id => $"delete {id}\r\n")));
            foreach (ulong id in chunk)
            {
                Assert.Equal("DELETED\r\n", c.ReadLine(TimeSpan.FromSeconds(30)));
                jobs.Remove(id);
            }
        }
    }

    [Fact]
    public void RealFullDisk_PutsRefused_DeletesWork_SpaceComesBack_CleanStop_Restart()
    {
        var dir = Path.Combine(Path.GetTempPath(), $"qs-tmpfs-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        try
        {
            int port1 = ServerProcess.FreePort(), port2 = ServerProcess.FreePort();
            using var shell = new Shell(dir, port1, port2);
            int pid1 = int.Parse(shell.WaitLine("pid ")[4..], CultureInfo.InvariantCulture);
            WaitUntilAnswering(port1);
            var jobs = new Dictionary<ulong, byte[]>();
            var rng = new Random(7);
            long seq = 0;
            using (var c = RawClient.Connect(port1))
            {
                Assert.True(FillUntilRefused(c, jobs, rng, ref seq) > 0);
                int full = jobs.Count;

                // Delete works on the full disk; with 80% gone, space has to come back. The
                // checkpoint that truncation waits for (81 bytes a job) no longer fits in what
                // the disk has left: it must have been kept room for.
                DeleteMany(c, jobs, jobs.Keys.Take(full * 8 / 10).ToList());
                string reply = "";
                for (int i = 0; i < 300; i++)
                {
                    var body = JobLedger.MakeBody(0, seq++, 30, rng);
                    c.Send($"put 100 0 60 {body.Length}\r\n");
                    c.Send(body);
                    c.Send("\r\n");
                    reply = c.ReadLine();
                    if (reply.StartsWith("INSERTED ", StringComparison.Ordinal))
                    {
                        jobs[ulong.Parse(reply[9..^2], CultureInfo.InvariantCulture)] = body;
                        break;
                    }
                    Assert.Equal("OUT_OF_MEMORY\r\n", reply);
                    Thread.Sleep(50);
                }
                Assert.StartsWith("INSERTED ", reply, StringComparison.Ordinal);

                // Full again, then a clean stop on the full disk.
                FillUntilRefused(c, jobs, rng, ref seq);
            }
            Terminate(pid1);
            Assert.Equal("first-exit 0", shell.WaitLine("first-exit"));

            // The restart on the same (full) tmpfs has every acknowledged job, nothing else.
            int pid2 = int.Parse(shell.WaitLine("pid ")[4..], CultureInfo.InvariantCulture);
            WaitUntilAnswering(port2);
            using (var c = RawClient.Connect(port2))
            {
                var ids = jobs.Keys.Order().ToList();
                foreach (var chunk in ids.Chunk(100))
                {
                    c.Send(string.Concat(chunk.Select(id => $"peek {id}\r\n")));
                    foreach (ulong id in chunk)
                    {
                        var reply = c.ReadReply(TimeSpan.FromSeconds(30));
                        Assert.StartsWith($"FOUND {id} ", reply, StringComparison.Ordinal);
                        Assert.Equal(Encoding.ASCII.GetString(jobs[id]), reply[(reply.IndexOf('\n') + 1)..^2]);
                    }
                }
                var stats = JobLedger.Stats(c);
                Assert.Equal(jobs.Count, stats["current-jobs-ready"]);
                DeleteMany(c, jobs, jobs.Keys.ToList());
            }
            Terminate(pid2);
            Assert.Equal("second-exit 0", shell.WaitLine("second-exit"));
            Assert.DoesNotContain("recovery:", shell.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("FATAL", shell.Stderr, StringComparison.Ordinal);
            Assert.DoesNotContain("Unhandled exception", shell.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
