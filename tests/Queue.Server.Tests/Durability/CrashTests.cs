using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Queue.Server.Tests.TestKit;
using Xunit.Abstractions;

namespace Queue.Server.Tests.Durability;

/// <summary>
/// kill -9 under load, in every fsync mode: several connections put (bodies naming their writer,
/// with a CRC), delete, reserve-job, bury, release (with and without delay, new priority) and
/// kick-job their own jobs; the server is killed at a random moment, restarted on the same
/// directory, and every acknowledged outcome is checked. Several rounds on one directory, then a
/// clean stop and one more check.
/// </summary>
public sealed class CrashTests(ITestOutputHelper output)
{
    private const int Workers = 4;
    private const int Rounds = 4;

    [Theory]
    [InlineData("default")]
    [InlineData("-f0")]
    [InlineData("-F")]
    public void KillNine_UnderLoad_LosesNoAcknowledgedCommand(string mode)
    {
        using var dir = new LogDir();
        var args = new List<string> { "-s", "1048576" };
        if (mode != "default") args.Add(mode);
        var ledger = new JobLedger();
        var rng = new Random(mode.GetHashCode(StringComparison.Ordinal) ^ Environment.TickCount);
        for (int round = 1; round <= Rounds; round++)
        {
            using var server = LogServer.Start(dir.Path, [.. args]);
            if (round > 1) Check(server, ledger, $"{mode} round {round}");
            var errors = new List<Exception>();
            int killing = 0;
            using var stop = new CancellationTokenSource();
            var threads = Enumerable.Range(0, Workers).Select(w =>
            {
                int seed = rng.Next();
                var t = new Thread(() =>
                {
                    try
                    {
                        Work(server, ledger, w, seed, stop.Token);
                    }
                    catch (Exception ex) when (ex is not (IOException or SocketException) || Volatile.Read(ref killing) == 0)
                    {
                        lock (errors) errors.Add(ex);
                    }
                    catch (Exception)
                    {
                        // The server was killed under this connection.
                    }
                });
                t.Start();
                return t;
            }).ToList();
            Thread.Sleep(rng.Next(200, 700));
            Volatile.Write(ref killing, 1);
            server.KillHard();
            stop.Cancel();
            foreach (var t in threads) t.Join();
            Assert.Empty(errors);
            Assert.True(server.WaitForExit(TimeSpan.FromSeconds(10)));
            AssertCleanRecovery(server, $"{mode} round {round}");
        }

        using (var server = LogServer.Start(dir.Path, [.. args]))
        {
            Check(server, ledger, $"{mode} after the last kill");
            Assert.Equal(0, server.Stop());
            AssertCleanRecovery(server, $"{mode} after the last kill");
        }
        using (var server = LogServer.Start(dir.Path, [.. args]))
        {
            Check(server, ledger, $"{mode} after a clean stop");
            Assert.Equal(0, server.Stop());
            AssertCleanRecovery(server, $"{mode} after a clean stop");
            output.WriteLine(server.Stderr);
        }
        output.WriteLine($"{mode}: {Rounds} kills; acknowledged puts {ledger.Puts}, deletes {ledger.Deletes}, buries {ledger.Buries}, " +
                         $"releases {ledger.Releases}, kicks {ledger.Kicks}, reserves {ledger.Reserves}; {ledger.Jobs.Values.Count(j => !j.Deleted)} jobs live; " +
                         $"log {dir.Bytes} bytes in {Directory.GetFiles(dir.Path).Length} files");
        Assert.True(ledger.Puts > 100, "the load did too little to mean anything");
    }

    /// <summary>A kill -9 never damages the log: recovery reported no problem (read once the process is gone).</summary>
    private static void AssertCleanRecovery(LogServer server, string context)
    {
        Assert.Contains("recovered ", server.Stderr, StringComparison.Ordinal);
        Assert.False(server.Stderr.Contains("damaged", StringComparison.Ordinal) || server.Stderr.Contains("recovery:", StringComparison.Ordinal) ||
                     server.Stderr.Contains("FATAL", StringComparison.Ordinal), $"{context}: {server.Stderr}");
    }

    private static void Check(LogServer server, JobLedger ledger, string context)
    {
        using var c = server.Connect();
        ledger.Verify(c, context);
        // Ids continue above every id handed out before.
        var reply = c.Call("put 0 0 60 5\r\nprobe\r\n");
        Assert.StartsWith("INSERTED ", reply, StringComparison.Ordinal);
        ulong id = ulong.Parse(reply[9..^2], CultureInfo.InvariantCulture);
        Assert.True(id > ledger.MaxSeenId, $"{context}: id {id} after {ledger.MaxSeenId}");
        Assert.Equal("DELETED\r\n", c.Call($"delete {id}\r\n"));
        ledger.Add(new JobModel { Id = id, Body = "probe"u8.ToArray(), Owner = -1, Deleted = true });
    }

    private static void Work(LogServer server, JobLedger ledger, int worker, int seed, CancellationToken stop)
    {
        var rng = new Random(seed);
        using var c = server.Connect();
        var mine = ledger.OwnedBy(worker);
        var reserved = new List<JobModel>();
        long seq = 0;
        while (!stop.IsCancellationRequested)
        {
            int roll = rng.Next(100);
            if (roll < 40 || mine.Count < 8)
            {
                uint pri = (uint)rng.Next(0, 5000);
                bool delayed = rng.Next(8) == 0;
                int length = rng.Next(10) == 0 ? rng.Next(20_000, 60_000) : rng.Next(20, 3000);
                var body = JobLedger.MakeBody(worker, seq++, length, rng);
                var put = new InFlightPut(worker, body, pri, delayed, ledger.MaxSeenId);
                ledger.AddInFlight(put);
                c.Send($"put {pri} {(delayed ? 3600 : 0)} 600 {body.Length}\r\n");
                c.Send(body);
                c.Send("\r\n");
                var reply = c.ReadLine();
                Assert.StartsWith("INSERTED ", reply, StringComparison.Ordinal);
                var job = new JobModel { Id = ulong.Parse(reply[9..^2], CultureInfo.InvariantCulture), Body = body, Owner = worker };
                job.Logged(delayed ? "delayed" : "ready", pri);
                ledger.RemoveInFlight(put);
                ledger.Add(job);
                mine.Add(job);
                Interlocked.Increment(ref ledger.Puts);
            }
            else if (roll < 55)
            {
                var job = Pick(mine, rng, j => true);
                if (job is null) continue;
                job.InFlight = (true, "", 0);
                Assert.Equal("DELETED\r\n", c.Call($"delete {job.Id}\r\n"));
                job.Deleted = true;
                job.InFlight = null;
                mine.Remove(job);
                reserved.Remove(job);
                Interlocked.Increment(ref ledger.Deletes);
            }
            else if (roll < 72 && reserved.Count < 20)
            {
                var job = Pick(mine, rng, j => j.State != "reserved");
                if (job is null) continue;
                var reply = c.Call($"reserve-job {job.Id}\r\n");
                Assert.StartsWith($"RESERVED {job.Id} {job.Body.Length}\r\n", reply, StringComparison.Ordinal);
                Assert.True(Encoding.Latin1.GetBytes(reply[(reply.IndexOf('\n') + 1)..^2]).AsSpan().SequenceEqual(job.Body));
                job.State = "reserved";
                reserved.Add(job);
                Interlocked.Increment(ref ledger.Reserves);
            }
            else if (roll < 82 && reserved.Count > 0)
            {
                var job = reserved[rng.Next(reserved.Count)];
                uint pri = (uint)rng.Next(0, 5000);
                job.InFlight = (false, "buried", pri);
                Assert.Equal("BURIED\r\n", c.Call($"bury {job.Id} {pri}\r\n"));
                job.Logged("buried", pri);
                job.InFlight = null;
                reserved.Remove(job);
                Interlocked.Increment(ref ledger.Buries);
            }
            else if (roll < 94 && reserved.Count > 0)
            {
                var job = reserved[rng.Next(reserved.Count)];
                uint pri = (uint)rng.Next(0, 5000);
                bool delayed = rng.Next(3) == 0;
                job.InFlight = (false, delayed ? "delayed" : "ready", pri);
                Assert.Equal("RELEASED\r\n", c.Call($"release {job.Id} {pri} {(delayed ? 3600 : 0)}\r\n"));
                job.Logged(delayed ? "delayed" : "ready", pri);
                job.InFlight = null;
                reserved.Remove(job);
                Interlocked.Increment(ref ledger.Releases);
            }
            else
            {
                var candidates = mine.Where(j => j.State is "buried" or "delayed").ToList();
                if (candidates.Count == 0) continue;
                var job = candidates[rng.Next(candidates.Count)];
                job.InFlight = (false, "ready", job.Priority);
                Assert.Equal("KICKED\r\n", c.Call($"kick-job {job.Id}\r\n"));
                job.Logged("ready", job.Priority);
                job.InFlight = null;
                Interlocked.Increment(ref ledger.Kicks);
            }
        }
    }

    private static JobModel? Pick(List<JobModel> jobs, Random rng, Func<JobModel, bool> ok)
    {
        for (int i = 0; i < 20 && jobs.Count > 0; i++)
        {
            var j = jobs[rng.Next(jobs.Count)];
            if (ok(j)) return j;
        }
        return jobs.FirstOrDefault(ok);
    }
}
