using System.Collections.Concurrent;
using System.Text;
using Queue.Storage.Persistence;

namespace Queue.Storage.Tests.Persistence;

/// <summary>
/// Damage to a data directory, made by hand between runs: recovery either reports what it lost and
/// goes on with the rest, or refuses to start; it never comes up silently empty.
/// </summary>
public class LogDamageTests
{
    /// <summary>Puts a job whose body is derived from its id (ids are handed out in order).</summary>
    private static async Task<ulong> PutAsync(QueueSession s, QueueEngine e, int bodyLength = 120)
    {
        ulong next = e.Core.Ids.Last + 1;
        var r = await s.PutAsync(Durable.Body(next, bodyLength), 10, ttr: TimeSpan.FromSeconds(60));
        Assert.Equal(CommandStatus.Ok, r.Status);
        Assert.Equal(next, r.Id);
        return r.Id;
    }

    private static async Task AssertJobsAsync(QueueEngine e, IEnumerable<ulong> present, IEnumerable<ulong> absent, int bodyLength = 120)
    {
        await using var s = e.OpenSession();
        foreach (ulong id in present)
        {
            var job = await s.PeekAsync(id);
            Assert.True(job is not null, $"job {id} is missing");
            Assert.Equal(Durable.Text(Durable.Body(id, bodyLength)), Durable.Text(job!.Body));
        }
        foreach (ulong id in absent)
        {
            Assert.True(await s.PeekAsync(id) is null, $"job {id} should not exist");
        }
    }

    [Fact]
    public async Task TornTail_IsCutAtTheLastGoodRecord_AndJobsWrittenAfterwardsSurviveTheNextCrash()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        using var c = new TempDir();
        var errors = new ConcurrentQueue<Exception>();
        var clock = Durable.NewClock();
        var ids = new List<ulong>();
        await using (var e = Durable.Open(a.Path, clock, errors: errors))
        {
            await using var s = e.OpenSession();
            for (int i = 0; i < 200; i++) ids.Add(await PutAsync(s, e));
            await Durable.CrashCopyAsync(e, b.Path);
        }

        // The tail is torn in the middle of job #150's put record.
        var (segment, at) = Durable.FindInSegments(b.Path, $"job-{ids[149]:D8}:");
        long cut = at - 30;
        using (var f = new FileStream(segment, FileMode.Open, FileAccess.Write)) f.SetLength(cut);

        var later = new List<ulong>();
        await using (var e = Durable.Open(b.Path, clock, errors: errors))
        {
            Assert.NotEmpty(e.Recovery!.Problems);
            await AssertJobsAsync(e, ids.Take(149), ids.Skip(149));
            await using var s = e.OpenSession();
            // Ids continue above every surviving id (the lost tail's ids may come again, as in beanstalkd).
            for (int i = 0; i < 50; i++) later.Add(await PutAsync(s, e, bodyLength: 130));
            Assert.True(later[0] > ids[148]);
            await Durable.CrashCopyAsync(e, c.Path);
        }

        await using (var e = Durable.Open(c.Path, clock, errors: errors))
        {
            await AssertJobsAsync(e, ids.Take(149), ids.Skip(149).Except(later));
            await AssertJobsAsync(e, later, [], bodyLength: 130);
        }
        Assert.Empty(errors);
    }

    private static void FlipByte(string file, long offset)
    {
        using var f = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        f.Position = offset;
        int b = f.ReadByte();
        f.Position = offset;
        f.WriteByte((byte)(b ^ 0x20));
    }

    [Theory]
    [InlineData(false)] // the damaged record is in the replayed tail
    [InlineData(true)]  // a clean shutdown's checkpoint covers it: replay never reads it
    public async Task FlippedByteInAnOldBody_IsReportedWithTheJob_AndTheOtherJobsComeBack(bool cleanShutdown)
    {
        using var a = new TempDir();
        using var b = new TempDir();
        var errors = new ConcurrentQueue<Exception>();
        var clock = Durable.NewClock();
        var ids = new List<ulong>();
        string dir = cleanShutdown ? a.Path : b.Path;
        await using (var e = Durable.Open(a.Path, clock, errors: errors))
        {
            await using var s = e.OpenSession();
            for (int i = 0; i < 100; i++) ids.Add(await PutAsync(s, e));
            if (!cleanShutdown) await Durable.CrashCopyAsync(e, b.Path);
        }
        Assert.Equal(cleanShutdown, File.Exists(Path.Combine(dir, Checkpoint.FileName)));

        ulong victim = ids[20];
        var (segment, at) = Durable.FindInSegments(dir, $"job-{victim:D8}:");
        FlipByte(segment, at + 50);

        await using (var e = Durable.Open(dir, clock, errors: errors))
        {
            var report = e.Recovery!;
            // A record in the replayed tail is checked by the replay itself; one covered by the
            // checkpoint is not read at start-up (no disk check) but by the background body check.
            await e.BodyCheck;
            var problems = report.Problems.Concat(e.LostJobs).ToList();
            Assert.Contains(problems, p => p.Contains($"job {victim}", StringComparison.Ordinal) || p.Contains($"job id {victim}", StringComparison.Ordinal));
            if (!cleanShutdown)
            {
                Assert.True(report.BadRecords > 0);
                Assert.Equal(99, report.JobsRecovered);
            }
            await AssertJobsAsync(e, ids.Where(id => id != victim), [victim]);
            await using var s = e.OpenSession();
            for (int i = 0; i < 99; i++) Assert.NotNull((await s.ReserveAsync(TimeSpan.Zero)).Job);
            Assert.Equal(CommandStatus.TimedOut, (await s.ReserveAsync(TimeSpan.Zero)).Status);
        }
        Assert.Empty(errors);
    }

    /// <summary>A log with live jobs in at least three segments, closed without a final checkpoint.</summary>
    private static async Task<(List<ulong> Ids, string Dir)> ThreeSegmentLogAsync(TempDir a, TempDir b, Microsoft.Extensions.Time.Testing.FakeTimeProvider clock)
    {
        var ids = new List<ulong>();
        await using (var e = Durable.Open(a.Path, clock))
        {
            await using var s = e.OpenSession();
            while (Durable.Segments(a.Path).Length < 5 || e.Core.Jobs.Count < 3 * 1024) ids.Add(await PutAsync(s, e, bodyLength: 1000));
            await Durable.CrashCopyAsync(e, b.Path);
        }
        return (ids, b.Path);
    }

    [Theory]
    [InlineData("first")]
    [InlineData("middle")]
    [InlineData("last")] // the one recovery reads its last page from
    public async Task MissingSegment_RefusesToStart(string which)
    {
        using var a = new TempDir();
        using var b = new TempDir();
        var (ids, dir) = await ThreeSegmentLogAsync(a, b, Durable.NewClock());
        var withData = Durable.FindInSegments(dir, $"job-{ids[^1]:D8}:").File;
        var victim = which switch
        {
            "first" => Path.Combine(dir, DurableLog.SegmentPrefix + ".0"),
            "middle" => Path.Combine(dir, DurableLog.SegmentPrefix + ".1"),
            _ => withData,
        };
        File.Delete(victim);

        var ex = Assert.ThrowsAny<IOException>(() => Durable.Open(dir).Dispose());
        Assert.IsType<LogCorruptException>(ex);
        Assert.Contains(Path.GetFileName(victim), ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(victim), "refusing must not recreate the missing file");
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("empty")]
    [InlineData("garbled")]
    public async Task CommitFileMissingOrGarbled_WithSegmentsPresent_RefusesToStart(string damage)
    {
        using var a = new TempDir();
        using var b = new TempDir();
        var (_, dir) = await ThreeSegmentLogAsync(a, b, Durable.NewClock());
        var commit = Path.Combine(dir, DurableLog.CommitFileName);
        switch (damage)
        {
            case "missing": File.Delete(commit); break;
            case "empty": File.WriteAllBytes(commit, []); break;
            default:
                var bytes = File.ReadAllBytes(commit);
                for (int i = 0; i < bytes.Length; i += 7) bytes[i] ^= 0x5a;
                File.WriteAllBytes(commit, bytes);
                break;
        }

        Assert.Throws<LogCorruptException>(() => Durable.Open(dir).Dispose());
        // Refusing must not have changed anything: the segments are still there.
        Assert.True(Durable.Segments(dir).Length >= 3);
    }

    [Theory]
    [InlineData("missing")]
    [InlineData("garbled")]
    [InlineData("newer-version")]
    [InlineData("bigger-segments")]
    [InlineData("smaller-segments")]
    [InlineData("other-page-size")]
    public async Task FormatFileMissingOrChanged_RefusesToStart(string change)
    {
        using var a = new TempDir();
        using var b = new TempDir();
        var (_, dir) = await ThreeSegmentLogAsync(a, b, Durable.NewClock());
        var path = Path.Combine(dir, LogFormat.FileName);
        var format = LogFormat.Parse(File.ReadAllText(path));
        switch (change)
        {
            case "missing": File.Delete(path); break;
            case "garbled": File.WriteAllText(path, "queueserver-log-format x\npage-size\n"); break;
            case "newer-version": File.WriteAllText(path, (format with { Version = format.Version + 1 }).Serialize()); break;
            case "bigger-segments": File.WriteAllText(path, (format with { SegmentSize = format.SegmentSize * 2 }).Serialize()); break;
            case "smaller-segments": File.WriteAllText(path, (format with { SegmentSize = format.SegmentSize / 2 }).Serialize()); break;
            default: File.WriteAllText(path, (format with { PageSize = format.PageSize / 2 }).Serialize()); break;
        }

        Assert.Throws<LogCorruptException>(() => Durable.Open(dir).Dispose());
    }

    [Theory]
    [InlineData("flipped")]
    [InlineData("truncated")]
    [InlineData("empty")]
    [InlineData("address-beyond-log")]
    public async Task CorruptCheckpoint_RefusesToStart(string damage)
    {
        using var a = new TempDir();
        await using (var e = Durable.Open(a.Path))
        {
            await using var s = e.OpenSession();
            for (int i = 0; i < 50; i++) await PutAsync(s, e);
        }
        var path = a.File(Checkpoint.FileName);
        var bytes = File.ReadAllBytes(path);
        switch (damage)
        {
            case "flipped": bytes[bytes.Length / 2] ^= 1; File.WriteAllBytes(path, bytes); break;
            case "truncated": File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]); break;
            case "empty": File.WriteAllBytes(path, []); break;
            default:
                var ckpt = Checkpoint.Read(a.Path)!;
                new Checkpoint { Address = ckpt.Address + (1 << 22), LastId = ckpt.LastId, WrittenAtMs = ckpt.WrittenAtMs, Tubes = ckpt.Tubes, Jobs = ckpt.Jobs }.WriteTo(a.Path);
                break;
        }

        Assert.Throws<LogCorruptException>(() => Durable.Open(a.Path).Dispose());
    }

    [Fact]
    public async Task MissingCheckpoint_AfterTheLogWasTruncated_RefusesToStart()
    {
        using var a = new TempDir();
        var clock = Durable.NewClock();
        await using (var e = Durable.Open(a.Path, clock, configure: o => o.CheckpointLogBytes = 1 << 20))
        {
            await using var s = e.OpenSession();
            // Churn until compaction has truncated the first segment away.
            for (int i = 0; File.Exists(a.File(DurableLog.SegmentPrefix + ".0")) || i < 10; i++)
            {
                ulong id = await PutAsync(s, e, bodyLength: 2000);
                Assert.True(await s.DeleteAsync(id));
                if (i > 20000) throw new InvalidOperationException("the log was never truncated");
            }
        }
        Assert.False(File.Exists(a.File(DurableLog.SegmentPrefix + ".0")));
        File.Delete(a.File(Checkpoint.FileName));

        Assert.Throws<LogCorruptException>(() => Durable.Open(a.Path).Dispose());
    }

    [Fact]
    public async Task UnrelatedFilesInTheDirectory_AreIgnored()
    {
        using var a = new TempDir();
        foreach (var name in new[] { "README", "log.txt", "log.7.bak", "log.backup", "index.ckpt.old", "commit.old", "format.orig" })
        {
            File.WriteAllText(a.File(name), "not ours\n");
        }
        Directory.CreateDirectory(a.File("log.9"));
        var ids = new List<ulong>();
        var clock = Durable.NewClock();
        await using (var e = Durable.Open(a.Path, clock))
        {
            await using var s = e.OpenSession();
            for (int i = 0; i < 20; i++) ids.Add(await PutAsync(s, e));
        }
        File.WriteAllText(a.File("index.ckpt.tmp"), "half a checkpoint");
        await using (var e = Durable.Open(a.Path, clock))
        {
            Assert.Empty(e.Recovery!.Problems);
            await AssertJobsAsync(e, ids, []);
        }
        Assert.Equal("not ours\n", File.ReadAllText(a.File("log.txt")));
    }

    [Fact]
    public async Task SecondEngineOnTheSameDirectory_IsRefused_AndTheFirstKeepsWorking()
    {
        using var a = new TempDir();
        var clock = Durable.NewClock();
        var ids = new List<ulong>();
        await using (var e = Durable.Open(a.Path, clock))
        {
            await using var s = e.OpenSession();
            ids.Add(await PutAsync(s, e));
            Assert.Throws<LogLockedException>(() => Durable.Open(a.Path, clock).Dispose());
            ids.Add(await PutAsync(s, e));
            await AssertJobsAsync(e, ids, []);
        }
        await using (var e = Durable.Open(a.Path, clock))
        {
            await AssertJobsAsync(e, ids, []);
        }
    }

    [Fact]
    public async Task KilledBeforeTheFirstCommit_StartsAgainEmpty()
    {
        // A fresh directory whose server died before logging anything: segments are preallocated
        // (all zeros) but no commit was ever written. That is an empty log, not a damaged one.
        using var a = new TempDir();
        using var b = new TempDir();
        await using (var e = Durable.Open(a.Path))
        {
            await Durable.CrashCopyAsync(e, b.Path);
        }
        Assert.NotEmpty(Durable.Segments(b.Path));
        await using (var e = Durable.Open(b.Path))
        {
            Assert.Equal(0, e.Recovery!.JobsRecovered);
            await using var s = e.OpenSession();
            ulong id = await PutAsync(s, e);
            Assert.Equal(1ul, id);
        }
    }

    [Fact]
    public async Task EmptiedLog_KeepsTheIdCounter()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        var clock = Durable.NewClock();
        ulong last;
        await using (var e = Durable.Open(a.Path, clock))
        {
            await using var s = e.OpenSession();
            for (int i = 0; i < 10; i++) Assert.True(await s.DeleteAsync(await PutAsync(s, e)));
            last = e.Core.Ids.Last;
        }
        for (int round = 0; round < 2; round++)
        {
            await using var e = Durable.Open(a.Path, clock);
            await using var s = e.OpenSession();
            ulong id = await PutAsync(s, e);
            Assert.True(id > last, $"id {id} after {last}");
            Assert.True(await s.DeleteAsync(id));
            last = id;
            if (round == 1) await Durable.CrashCopyAsync(e, b.Path);
        }
        await using (var e = Durable.Open(b.Path, clock))
        {
            await using var s = e.OpenSession();
            Assert.True(await PutAsync(s, e) > last);
        }
    }
}
