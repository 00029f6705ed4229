using System.Collections.Concurrent;
using Queue.Storage.Persistence;

namespace Queue.Storage.Tests.Persistence;

/// <summary>
/// Bounded space: under steady put/delete churn the log stays within about twice the live data
/// plus a few segments, even though some jobs stay buried or delayed "forever" (compaction copies
/// them forward so their old segments can go), and those jobs survive restarts intact.
/// </summary>
public class CompactionTests
{
    private const long Segment = 1 << 20;

    [Fact]
    public async Task Churn_WithJobsBuriedAndDelayedForever_KeepsTheLogWithinTwiceLiveData()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        var clock = Durable.NewClock();
        var errors = new ConcurrentQueue<Exception>();
        var longLived = new Dictionary<ulong, (byte[] Body, JobState State, uint Pri)>();
        long maxSeen = 0, migrated, written;
        await using (var e = Durable.Open(a.Path, clock, Segment, errors: errors, configure: o => o.CheckpointLogBytes = 2 * Segment))
        {
            await using var s = e.OpenSession();
            await s.UseAsync("keep");
            for (int i = 0; i < 6; i++)
            {
                ulong next = e.Core.Ids.Last + 1;
                var body = Durable.Body(next, 3000 + i);
                if (i % 2 == 0)
                {
                    var id = (await s.PutAsync(body, (uint)(10 + i), ttr: TimeSpan.FromSeconds(60))).Id;
                    Assert.NotNull(await s.ReserveJobAsync(id));
                    Assert.True(await s.BuryAsync(id, (uint)(20 + i)));
                    longLived[id] = (body, JobState.Buried, (uint)(20 + i));
                }
                else
                {
                    var id = (await s.PutAsync(body, (uint)(10 + i), TimeSpan.FromDays(30), TimeSpan.FromSeconds(60))).Id;
                    longLived[id] = (body, JobState.Delayed, (uint)(10 + i));
                }
            }

            await s.UseAsync("churn");
            var window = new Queue<ulong>();
            var rng = new Random(11);
            for (int i = 0; i < 12_000; i++)
            {
                var r = await s.PutAsync(Durable.Body((ulong)i, rng.Next(500, 2500)), 100, ttr: TimeSpan.FromSeconds(60));
                Assert.Equal(CommandStatus.Ok, r.Status);
                window.Enqueue(r.Id);
                if (window.Count > 40) Assert.True(await s.DeleteAsync(window.Dequeue()));
                if (i % 250 == 0)
                {
                    long live = await Durable.OnLoopAsync(e, en => en.Core.Journal is LogJournal j ? j.LiveBytes : -1);
                    long log = Durable.Segments(a.Path).Sum(f => new FileInfo(f).Length);
                    maxSeen = Math.Max(maxSeen, log);
                    Assert.True(log <= 2 * live + 6 * Segment, $"after {i} puts the log holds {log} bytes for {live} live bytes");
                }
            }
            var final = await s.StatsAsync();
            migrated = final.BinlogRecordsMigrated;
            written = final.BinlogRecordsWritten;
            Assert.True(migrated > 0, "compaction never moved the long-lived jobs");
            Assert.False(File.Exists(a.File(DurableLog.SegmentPrefix + ".0")), "the first segment was never truncated");
            while (window.Count > 0) Assert.True(await s.DeleteAsync(window.Dequeue()));
            await Durable.CrashCopyAsync(e, b.Path);
        }

        // Both after the crash and after the clean stop, 100 s later: the long-lived jobs, intact.
        clock.Advance(TimeSpan.FromSeconds(100));
        foreach (var dir in new[] { b.Path, a.Path })
        {
            await using var e = Durable.Open(dir, clock, Segment, errors: errors);
            Assert.Empty(e.Recovery!.Problems);
            Assert.Equal(longLived.Count, e.Recovery.JobsRecovered);
            // Restart work follows the checkpoint interval, not the history: after the crash only
            // the tail since the last checkpoint is replayed; after the clean stop nothing.
            if (dir == a.Path) Assert.Equal(0, e.Recovery.RecordsReplayed);
            else Assert.True(e.Recovery.RecordsReplayed < written / 4, $"{e.Recovery.RecordsReplayed} of {written} records replayed");
            await using var s = e.OpenSession();
            foreach (var (id, (body, state, pri)) in longLived)
            {
                var stats = (await s.StatsJobAsync(id))!;
                Assert.Equal(("keep", state, pri), (stats.Tube, stats.State, stats.Priority));
                if (state == JobState.Delayed) Assert.InRange(stats.TimeLeftSeconds, 30 * 86400 - 101, 30 * 86400 - 99);
                Assert.True((await s.PeekAsync(id))!.Body.Span.SequenceEqual(body), $"job {id}'s body changed");
            }
        }
        Assert.Empty(errors);
    }

    [Fact]
    public async Task JobsReleasedWithDelayOverAndOver_DoNotPinTheLog()
    {
        // beanstalkd #622: state records of jobs that never finish keep old files alive for ever.
        using var a = new TempDir();
        var clock = Durable.NewClock();
        var errors = new ConcurrentQueue<Exception>();
        var jobs = new Dictionary<ulong, byte[]>();
        await using (var e = Durable.Open(a.Path, clock, Segment, errors: errors, configure: o => o.CheckpointLogBytes = 2 * Segment))
        {
            await using var s = e.OpenSession();
            for (int i = 0; i < 20; i++)
            {
                var body = Durable.Body(e.Core.Ids.Last + 1, 2000);
                jobs[(await s.PutAsync(body, 5, ttr: TimeSpan.FromSeconds(60))).Id] = body;
            }
            var ids = jobs.Keys.ToArray();
            for (int i = 0; i < 30_000; i++)
            {
                ulong id = ids[i % ids.Length];
                if (i >= ids.Length) Assert.True(await s.KickJobAsync(id));
                Assert.NotNull(await s.ReserveJobAsync(id));
                Assert.Equal(CommandStatus.Ok, await s.ReleaseAsync(id, (uint)(i % 7), TimeSpan.FromSeconds(3600)));
                if (i % 1000 == 0)
                {
                    long log = Durable.Segments(a.Path).Sum(f => new FileInfo(f).Length);
                    Assert.True(log <= 6 * Segment, $"after {i} releases the log holds {log} bytes for 20 jobs");
                }
            }
            Assert.False(File.Exists(a.File(DurableLog.SegmentPrefix + ".0")), "the first segment was never truncated");
        }
        await using (var e = Durable.Open(a.Path, clock, Segment, errors: errors))
        {
            await using var s = e.OpenSession();
            foreach (var (id, body) in jobs)
            {
                var stats = (await s.StatsJobAsync(id))!;
                Assert.Equal(JobState.Delayed, stats.State);
                Assert.Equal(1500u, stats.Releases);
                Assert.True((await s.PeekAsync(id))!.Body.Span.SequenceEqual(body));
            }
        }
        Assert.Empty(errors);
    }
}
