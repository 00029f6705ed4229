using System.Collections.Concurrent;
using System.Globalization;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace Queue.Storage.Tests.Persistence;

/// <summary>
/// Model-based: random command histories (put with random tubes, priorities, delays and bodies;
/// reserve, reserve-job, delete, release with and without delay, bury, kick, kick-job, touch, use,
/// and clock moves that expire TTRs and delays) on a durable engine, each ended by a clean close or
/// by a crash (the directory copied after the last acknowledged command), then reopened. The model
/// follows the engine's acknowledged answers and knows which changes are logged (put, delete,
/// release, bury, kick) and which are not (reserve, touch, TTR expiry, delay expiry); every
/// recovered job must match it: tube, state (reserved comes back ready or as last logged; delayed
/// keeps its absolute deadline), priority, body and counters.
/// </summary>
public class RecoveryModelTests
{
    private static readonly string[] TubeNames = ["default", "t1", "t2"];

    /// <summary>One job as stats-job shows it; the delay deadline is absolute (clock seconds).</summary>
    private sealed record Image(string Tube, JobState State, uint Pri, long Deadline, uint Reserves, uint Timeouts, uint Releases, uint Buries, uint Kicks)
    {
        public override string ToString() =>
            string.Create(CultureInfo.InvariantCulture, $"{Tube}/{State}/pri {Pri}/deadline {Deadline}/r{Reserves} t{Timeouts} rel{Releases} b{Buries} k{Kicks}");
    }

    private sealed class Model
    {
        public readonly Dictionary<ulong, Image> Live = new();
        public readonly Dictionary<ulong, Image> Logged = new();
        public readonly Dictionary<ulong, byte[]> Bodies = new();
        public ulong MaxPutId;
    }

    private static long Now(FakeTimeProvider clock) => clock.GetUtcNow().ToUnixTimeSeconds();

    private static async Task<Image?> ObserveAsync(QueueSession s, FakeTimeProvider clock, ulong id)
    {
        var j = await s.StatsJobAsync(id);
        if (j is null) return null;
        long deadline = j.State == JobState.Delayed ? Now(clock) + j.TimeLeftSeconds : 0;
        return new Image(j.Tube, j.State, j.Priority, deadline, j.Reserves, j.Timeouts, j.Releases, j.Buries, j.Kicks);
    }

    private static async Task RefreshAsync(QueueSession s, FakeTimeProvider clock, Model m, IEnumerable<ulong> ids)
    {
        foreach (ulong id in ids.ToList())
        {
            var img = await ObserveAsync(s, clock, id);
            Assert.True(img is not null, $"job {id} vanished without a delete");
            m.Live[id] = img!;
        }
    }

    private static QueueEngine Open(string dir, FakeTimeProvider clock, bool checkpoints, ConcurrentQueue<Exception> errors) =>
        Durable.Open(dir, clock, checkpoints ? 1 << 20 : 4 << 20, errors: errors, configure: o =>
        {
            // Without checkpoints a crash recovers exactly the logged history; with frequent ones
            // (and compaction on small segments) also images that include unlogged changes.
            o.CheckpointLogBytes = checkpoints ? 4096 : long.MaxValue / 4;
            o.CheckpointInterval = checkpoints ? TimeSpan.FromMilliseconds(1) : TimeSpan.FromDays(1);
        });

    private static async Task<QueueSession> SessionAsync(QueueEngine e)
    {
        var s = e.OpenSession();
        await s.WatchAsync("t1");
        await s.WatchAsync("t2");
        return s;
    }

    /// <summary>Applies one generated command and updates the model from the engine's answer.</summary>
    private static async Task StepAsync(QueueEngine e, QueueSession s, FakeTimeProvider clock, Model m, (int Kind, int A, int B, int C) op)
    {
        var ids = m.Live.Keys.Order().ToList();
        ulong Pick() => ids[op.A % ids.Count];
        var reserved = ids.Where(id => m.Live[id].State == JobState.Reserved).ToList();
        switch (op.Kind)
        {
            case 0 or 1 or 2:
            {
                uint pri = (uint)(op.B % 3000);
                int delay = op.C < 70 ? 0 : (op.C - 69) * 10;
                int length = (op.A * 7919 + op.B) % 10 == 0 ? 65535 - op.C % 50 : (op.A * 31 + op.C * 17) % 3000;
                ulong next = e.Core.Ids.Last + 1;
                var body = Durable.Body(next, length);
                var r = await s.PutAsync(body, pri, TimeSpan.FromSeconds(delay), TimeSpan.FromSeconds(5 + op.C % 30));
                Assert.Equal(CommandStatus.Ok, r.Status);
                m.Bodies[r.Id] = body;
                m.MaxPutId = Math.Max(m.MaxPutId, r.Id);
                await RefreshAsync(s, clock, m, [r.Id]);
                m.Logged[r.Id] = m.Live[r.Id];
                break;
            }
            case 3:
                await s.UseAsync(TubeNames[op.A % 3]);
                break;
            case 4:
            {
                var r = await s.ReserveAsync(TimeSpan.Zero);
                if (r.Status == CommandStatus.Ok)
                {
                    Assert.True(r.Job!.Body.Span.SequenceEqual(m.Bodies[r.Job.Id]), $"reserve: job {r.Job.Id} body");
                    await RefreshAsync(s, clock, m, [r.Job.Id]);
                }
                break;
            }
            case 5 when ids.Count > 0:
            {
                ulong id = Pick();
                var job = await s.ReserveJobAsync(id);
                if (job is not null) Assert.True(job.Body.Span.SequenceEqual(m.Bodies[id]), $"reserve-job {id} body");
                await RefreshAsync(s, clock, m, [id]);
                break;
            }
            case 6 when ids.Count > 0:
            {
                ulong id = Pick();
                Assert.True(await s.DeleteAsync(id), $"delete {id} ({m.Live[id]}) failed"); // own reservations or not reserved at all: always ours to delete
                m.Live.Remove(id);
                m.Logged.Remove(id);
                Assert.Null(await s.StatsJobAsync(id));
                break;
            }
            case 7 when reserved.Count > 0:
            {
                ulong id = reserved[op.A % reserved.Count];
                int delay = op.C < 60 ? 0 : op.C - 50;
                Assert.Equal(CommandStatus.Ok, await s.ReleaseAsync(id, (uint)op.B, TimeSpan.FromSeconds(delay)));
                await RefreshAsync(s, clock, m, [id]);
                m.Logged[id] = m.Live[id];
                break;
            }
            case 8 when reserved.Count > 0:
            {
                ulong id = reserved[op.A % reserved.Count];
                Assert.True(await s.BuryAsync(id, (uint)op.B), $"bury {id} ({m.Live[id]}) failed");
                await RefreshAsync(s, clock, m, [id]);
                m.Logged[id] = m.Live[id];
                break;
            }
            case 9:
            {
                var before = new Dictionary<ulong, Image>(m.Live);
                await s.KickAsync((uint)(op.A % 4 + 1));
                await RefreshAsync(s, clock, m, ids);
                foreach (ulong id in ids)
                {
                    if (before[id].State is JobState.Buried or JobState.Delayed && m.Live[id].State == JobState.Ready) m.Logged[id] = m.Live[id];
                }
                break;
            }
            case 10 when ids.Count > 0:
            {
                ulong id = Pick();
                bool kicked = await s.KickJobAsync(id);
                Assert.Equal(m.Live[id].State is JobState.Buried or JobState.Delayed, kicked);
                await RefreshAsync(s, clock, m, [id]);
                if (kicked) m.Logged[id] = m.Live[id];
                break;
            }
            case 11 when reserved.Count > 0:
            {
                ulong id = reserved[op.A % reserved.Count];
                Assert.True(await s.TouchAsync(id), $"touch {id} ({m.Live[id]}) failed");
                break;
            }
            case 12:
                // TTR expiries and delay expiries: state changes that are not logged.
                clock.Advance(TimeSpan.FromSeconds(op.C % 120));
                await Durable.OnLoopAsync(e, _ => true);
                await RefreshAsync(s, clock, m, ids);
                break;
        }
    }

    /// <summary>
    /// What an image becomes after a restart at the current clock time. Deadlines are known to the
    /// second, so one that falls due within a second of now may show either way: it takes the
    /// form the recovered job has.
    /// </summary>
    private static Image Restarted(Image img, FakeTimeProvider clock, Image got) => img.State switch
    {
        JobState.Reserved => img with { State = JobState.Ready },
        JobState.Delayed when img.Deadline < Now(clock) - 1 || (img.Deadline <= Now(clock) + 1 && got.State == JobState.Ready) =>
            img with { State = JobState.Ready, Deadline = 0 },
        _ => img,
    };

    private static void AssertRecovered(ulong id, Image got, Model m, FakeTimeProvider clock, string ending)
    {
        var logged = Restarted(m.Logged[id], clock, got);
        var live = Restarted(m.Live[id], clock, got);
        string context = $"job {id} after {ending}: got {got}; logged {m.Logged[id]}, live {m.Live[id]}";
        Assert.True(got.Tube == live.Tube && got.Pri == live.Pri && got.Pri == logged.Pri, context);
        switch (ending)
        {
            case "clean close":
                // The final checkpoint holds the live state (reserved -> ready).
                Assert.True(Same(got, live), context);
                break;
            case "crash":
                // Only the log: exactly the last logged image.
                Assert.True(Same(got, logged), context);
                break;
            default:
                // A checkpoint may hold unlogged changes since: between the logged and the live image.
                Assert.True(got.State == logged.State || got.State == live.State || got.State == JobState.Ready, context);
                Assert.True(Between(got.Reserves, logged.Reserves, live.Reserves) && Between(got.Timeouts, logged.Timeouts, live.Timeouts) &&
                            Between(got.Releases, logged.Releases, live.Releases) && Between(got.Buries, logged.Buries, live.Buries) &&
                            Between(got.Kicks, logged.Kicks, live.Kicks), context);
                if (got.State == JobState.Delayed) Assert.True(Math.Abs(got.Deadline - logged.Deadline) <= 1, context);
                break;
        }
    }

    private static bool Between(uint v, uint lo, uint hi) => lo <= v && v <= hi;

    private static bool Same(Image a, Image b) =>
        a with { Deadline = 0 } == b with { Deadline = 0 } && Math.Abs(a.Deadline - b.Deadline) <= 1;

    private static async Task RunAsync((int Kind, int A, int B, int C)[][] generations, int[] endings, bool checkpoints)
    {
        using var dir = new TempDir("qs-model");
        var clock = Durable.NewClock();
        var errors = new ConcurrentQueue<Exception>();
        var m = new Model();
        string path = dir.Path;
        var copies = new List<string>();
        try
        {
            for (int g = 0; g < generations.Length; g++)
            {
                string ending = endings[g] switch { 0 => "clean close", _ => checkpoints ? "crash with checkpoints" : "crash" };
                await using (var e = Open(path, clock, checkpoints, errors))
                {
                    // Recovered state first: everything the model says, nothing else.
                    var s = await SessionAsync(e);
                    Assert.Equal(m.Live.Count, e.Core.JobCount);
                    if (m.MaxPutId > 0) Assert.True(e.Core.Ids.Last >= m.MaxPutId, $"id counter {e.Core.Ids.Last} went below {m.MaxPutId}");
                    foreach (var op in generations[g]) await StepAsync(e, s, clock, m, op);

                    if (endings[g] == 0)
                    {
                        await s.DisposeAsync();
                    }
                    else
                    {
                        var copy = path + "-crash" + g.ToString(CultureInfo.InvariantCulture);
                        copies.Add(copy);
                        await Durable.CrashCopyAsync(e, copy);
                        path = copy;
                    }
                }

                // Reopen and compare every job with the model, then continue from what came back.
                clock.Advance(TimeSpan.FromSeconds(endings[g] * 7));
                await using (var e = Open(path, clock, checkpoints, errors))
                {
                    Assert.Empty(e.Recovery!.Problems);
                    await using var s = await SessionAsync(e);
                    var stats = await s.StatsAsync();
                    Assert.Equal(0, stats.CurrentJobsReserved);
                    Assert.Equal(m.Live.Count, e.Core.JobCount);
                    foreach (ulong id in m.Live.Keys.ToList())
                    {
                        var got = await ObserveAsync(s, clock, id);
                        Assert.True(got is not null, $"job {id} is missing after {ending}");
                        AssertRecovered(id, got!, m, clock, ending);
                        Assert.True((await s.PeekAsync(id))!.Body.Span.SequenceEqual(m.Bodies[id]), $"job {id} body after {ending}");
                        m.Live[id] = got!;
                        m.Logged[id] = got!;
                    }
                    var probe = await s.PutAsync(new byte[1], 1);
                    Assert.True(probe.Id > m.MaxPutId, $"id {probe.Id} after {ending}; ids up to {m.MaxPutId} were handed out");
                    Assert.True(await s.DeleteAsync(probe.Id), $"delete of probe {probe.Id} ({probe.Status}) failed");
                    m.MaxPutId = probe.Id;
                }
            }
            Assert.Empty(errors);
        }
        finally
        {
            foreach (var c in copies)
            {
                if (Directory.Exists(c)) Directory.Delete(c, recursive: true);
            }
        }
    }

    private static readonly Gen<(int, int, int, int)> Op = Gen.Select(Gen.Int[0, 12], Gen.Int[0, 1000], Gen.Int[0, 4000], Gen.Int[0, 100]);

    [Fact]
    public async Task RandomHistories_RecoverTheLoggedState_AfterCleanCloseAndCrash()
    {
        await Gen.Select(Op.Array[10, 60].Array[3], Gen.Int[0, 1].Array[3])
            .SampleAsync((gens, endings) => RunAsync(gens, endings, checkpoints: false), iter: 40, threads: 1);
    }

    [Fact]
    public async Task RandomHistories_WithCheckpointsAndCompaction_RecoverBetweenLoggedAndLive()
    {
        await Gen.Select(Op.Array[10, 60].Array[3], Gen.Int[0, 1].Array[3])
            .SampleAsync((gens, endings) => RunAsync(gens, endings, checkpoints: true), iter: 40, threads: 1);
    }
}
