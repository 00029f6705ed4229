using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Queue.Storage.Migration;

namespace Queue.Storage.Tests.Migration;

/// <summary>
/// Imports binlogs written by the real beanstalkd 1.12 and checks the result twice: against what
/// the scenario did, and against what beanstalkd itself recovers when restarted on a copy.
/// </summary>
public sealed class BeanstalkdBinlogReaderTests(BinlogScenarioFixture scenario) : IClassFixture<BinlogScenarioFixture>
{
    private const long MaxJobSize = 65535;
    private const long ToleranceMs = 2500;

    [Fact]
    public void Import_reflects_every_logged_transition()
    {
        scenario.EnsureGenerated();
        var import = BeanstalkdBinlogReader.Read(scenario.Dir, MaxJobSize);

        Assert.Empty(import.Warnings);
        Assert.True(import.Files.Count >= 3, $"expected a multi-file log, read {import.Files.Count} file(s)");
        Assert.Equal(scenario.Last, import.MaxJobId);
        var jobs = import.Jobs.ToDictionary(j => j.Id);
        Assert.Equal(import.Jobs.Select(j => j.Id).Order(), import.Jobs.Select(j => j.Id));

        AssertJob(jobs[scenario.Alpha], "alpha", JobState.Ready, pri: 10, delay: 0, ttr: 60, body: "hello");
        var delayed = jobs[scenario.DelayedBeta];
        AssertJob(delayed, "beta", JobState.Delayed, pri: 5, delay: 3600, ttr: 120, body: "later");
        AssertNear(scenario.DelayedPutMs + 3_600_000, delayed.ReadyAtUnixMs, "delayed job's ready-at");
        AssertJob(jobs[scenario.BuriedBeta], "beta", JobState.Buried, pri: 7, delay: 0, ttr: 1, body: "bury me",
            reserves: 2, timeouts: 1, buries: 1);
        var released = jobs[scenario.ReleasedGamma];
        AssertJob(released, "gamma", JobState.Delayed, pri: 30, delay: 1800, ttr: 60, body: "release me",
            reserves: 1, releases: 1);
        AssertNear(scenario.ReleasedMs + 1_800_000, released.ReadyAtUnixMs, "released job's ready-at");
        Assert.False(jobs.ContainsKey(scenario.DeletedGamma), "deleted job was imported");
        AssertJob(jobs[scenario.KickedGamma], "gamma", JobState.Ready, pri: 41, delay: 0, ttr: 60, body: "kick me",
            reserves: 1, buries: 1, kicks: 1);
        AssertJob(jobs[scenario.KickedDelayedDelta], "delta", JobState.Ready, pri: 50, delay: 3600, ttr: 60,
            body: "kick delayed", kicks: 1);
        // Reserving is not logged: a job reserved when beanstalkd died comes back ready, as put.
        AssertJob(jobs[scenario.ReservedDelta], "delta", JobState.Ready, pri: 60, delay: 0, ttr: 60, body: "reserved at kill");
        // Neither is a release without delay (beanstalkd #597): the new priority is lost.
        AssertJob(jobs[scenario.ReleasedNoDelayDelta], "delta", JobState.Ready, pri: 70, delay: 0, ttr: 60,
            body: "release no delay");
        AssertJob(jobs[scenario.Binary], "bin", JobState.Ready, pri: 0, delay: 0, ttr: 60, body: BinlogScenarioFixture.BinaryBody);
        AssertJob(jobs[scenario.Empty], "bin", JobState.Ready, pri: uint.MaxValue, delay: 0, ttr: 60, body: []);
        AssertJob(jobs[scenario.Big], "big", JobState.Ready, pri: 1000, delay: 0, ttr: 60, body: BinlogScenarioFixture.BigBody);
        AssertJob(jobs[scenario.LongTube], BinlogScenarioFixture.LongTubeName, JobState.Ready, pri: 5, delay: 0, ttr: 60,
            body: "long tube");
        foreach (ulong id in scenario.BulkKept)
        {
            AssertJob(jobs[id], "bulk", JobState.Ready, pri: (uint)(1000 + (int)(id - scenario.BulkKept[0])), delay: 0, ttr: 60,
                body: scenario.BulkBodies[id]);
        }
        foreach (ulong id in scenario.BulkDeleted) Assert.False(jobs.ContainsKey(id), $"deleted bulk job {id} was imported");
        AssertJob(jobs[scenario.Last], "default", JobState.Ready, pri: 2, delay: 0, ttr: 60, body: "after compaction");

        Assert.Equal(13 + scenario.BulkKept.Count, import.Jobs.Count);
        foreach (var j in import.Jobs)
        {
            Assert.InRange(j.CreatedAtUnixMs, scenario.StartedMs - ToleranceMs, scenario.FinishedMs + ToleranceMs);
            if (j.State != JobState.Delayed) Assert.Equal(0, j.ReadyAtUnixMs);
        }
    }

    [Fact]
    public void Import_equals_beanstalkd_own_recovery()
    {
        scenario.EnsureGenerated();
        var import = BeanstalkdBinlogReader.Read(scenario.Dir, MaxJobSize);
        AssertSameAsBeanstalkdRecovery(scenario.Dir, import);
    }

    [Fact]
    public void Reading_leaves_the_directory_byte_identical()
    {
        scenario.EnsureGenerated();
        var before = Snapshot(scenario.Dir);
        BeanstalkdBinlogReader.Read(scenario.Dir, MaxJobSize);
        BeanstalkdBinlogReader.Read(scenario.Dir, 10); // with errors (too-big jobs) as well
        var after = Snapshot(scenario.Dir);
        Assert.Equal(before, after);
    }

    [Fact]
    public void Compacted_log_with_collected_files_is_replayed_like_beanstalkd()
    {
        ReferenceBeanstalkd.Executable();
        using var tmp = new TempDir();
        string dir = tmp.Sub("log");
        ulong k1, k2, lastFiller;
        string migrated;
        using (var server = ReferenceBeanstalkd.Start(dir, "-s", "4096"))
        {
            using var c = server.Connect();
            c.Expect("use keep", "USING keep");
            k1 = c.Put(1, 0, 60, "keeper one");
            var fillers = Enumerable.Range(0, 20).Select(_ => c.Put(100, 0, 60, new string('f', 250))).ToList();
            c.ReserveJob(k1);
            c.Expect($"bury {k1} 2", "BURIED");
            k2 = c.Put(3, 0, 60, "keeper two");
            fillers.AddRange(Enumerable.Range(0, 20).Select(_ => c.Put(100, 0, 60, new string('g', 250))));
            c.ReserveJob(k2);
            c.Expect($"release {k2} 4 3600", "RELEASED");
            foreach (ulong id in fillers) c.Expect($"delete {id}", "DELETED");
            c.Expect($"kick-job {k1}", "KICKED");
            lastFiller = fillers[^1];
            migrated = c.Stats()["binlog-records-migrated"];
            server.Kill9();
        }
        Assert.NotEqual("0", migrated); // beanstalkd moved full records forward ...
        Assert.False(File.Exists(Path.Combine(dir, "binlog.1")), "beanstalkd should have collected binlog.1"); // ... and dropped old files

        var import = BeanstalkdBinlogReader.Read(dir, MaxJobSize);

        Assert.Empty(import.Warnings);
        Assert.Equal([k1, k2], import.Jobs.Select(j => j.Id));
        AssertJob(import.Jobs[0], "keep", JobState.Ready, pri: 2, delay: 0, ttr: 60, body: "keeper one", reserves: 1, buries: 1, kicks: 1);
        AssertJob(import.Jobs[1], "keep", JobState.Delayed, pri: 4, delay: 3600, ttr: 60, body: "keeper two", reserves: 1, releases: 1);
        Assert.Equal(lastFiller, import.MaxJobId); // ids of deleted jobs are not handed out again
        AssertSameAsBeanstalkdRecovery(dir, import);
    }

    [Fact]
    public void Truncated_record_keeps_the_earlier_jobs_and_warns()
    {
        ReferenceBeanstalkd.Executable();
        using var tmp = new TempDir();
        string dir = tmp.Sub("log");
        string[] bodies = ["one", "two two", "three three three", "four", "five five five five five"];
        using (var server = ReferenceBeanstalkd.Start(dir, "-s", "65536"))
        {
            using var c = server.Connect();
            c.Expect("use t", "USING t");
            foreach (string b in bodies) c.Put(1, 0, 60, b);
            server.Kill9();
        }

        // binlog.1: 4-byte version, then one full record per job: 4 + "t" + 80 + body + CRLF.
        long fifth = 4 + bodies.Take(4).Sum(b => 4 + 1 + 80 + b.Length + 2);
        string copy = CopyDir(dir, tmp.Sub("truncated"));
        string file = Path.Combine(copy, "binlog.1");
        using (var f = new FileStream(file, FileMode.Open, FileAccess.Write)) f.SetLength(fifth + 4 + 1 + 80 + 6);

        var import = BeanstalkdBinlogReader.Read(copy, MaxJobSize);

        Assert.Equal([1UL, 2, 3, 4], import.Jobs.Select(j => j.Id));
        Assert.Equal(bodies.Take(4), import.Jobs.Select(j => Encoding.ASCII.GetString(j.Body)));
        Assert.Contains(import.Warnings, w => w.Contains(file, StringComparison.Ordinal) && w.Contains("EOF", StringComparison.Ordinal));
        Assert.Equal(5UL, import.MaxJobId); // beanstalkd allocates the id before reading the body
        AssertSameAsBeanstalkdRecovery(copy, import);
    }

    [Fact]
    public void Truncating_the_last_written_file_of_a_multi_file_log_loses_only_its_last_record()
    {
        scenario.EnsureGenerated();
        using var tmp = new TempDir();
        var full = BeanstalkdBinlogReader.Read(scenario.Dir, MaxJobSize);
        string copy = CopyDir(scenario.Dir, tmp.Sub("copy"));

        // The newest file with records in it (beanstalkd preallocates empty files ahead).
        var (file, lastNonZero) = BinlogFiles(copy)
            .Select(f => (f, Array.FindLastIndex(File.ReadAllBytes(f), b => b != 0)))
            .Last(x => x.Item2 >= 4);
        using (var f = new FileStream(file, FileMode.Open, FileAccess.Write)) f.SetLength(lastNonZero);

        var import = BeanstalkdBinlogReader.Read(copy, MaxJobSize);

        Assert.Contains(import.Warnings, w => w.Contains(file, StringComparison.Ordinal));
        var same = import.Jobs.Count(j => full.Jobs.Any(k => SameJob(j, k)));
        Assert.True(same >= full.Jobs.Count - 1, $"{full.Jobs.Count - same} jobs changed; at most the last record's job may");
        Assert.True(import.Files.Count >= 3);
        AssertSameAsBeanstalkdRecovery(copy, import);
    }

    [Fact]
    public void Garbage_in_one_file_ends_that_file_and_the_next_files_are_read()
    {
        scenario.EnsureGenerated();
        using var tmp = new TempDir();
        string copy = CopyDir(scenario.Dir, tmp.Sub("copy"));
        string first = BinlogFiles(copy).First();
        using (var f = new FileStream(first, FileMode.Open, FileAccess.Write))
        {
            f.Position = 4; // the first record's name length
            f.Write(BitConverter.GetBytes(int.MaxValue));
        }

        var import = BeanstalkdBinlogReader.Read(copy, MaxJobSize);

        Assert.Contains(import.Warnings, w => w.Contains(first, StringComparison.Ordinal) && w.Contains("namelen", StringComparison.Ordinal));
        Assert.Contains(import.Jobs, j => j.Id == scenario.Last); // written to the newest file
        AssertSameAsBeanstalkdRecovery(copy, import);
    }

    [Fact]
    public void A_missing_file_in_the_sequence_is_skipped_with_a_warning()
    {
        scenario.EnsureGenerated();
        using var tmp = new TempDir();
        string copy = CopyDir(scenario.Dir, tmp.Sub("copy"));
        var files = BinlogFiles(copy);
        Assert.True(files.Count >= 3, "scenario should have at least three files");
        string gone = files[files.Count / 2];
        File.Delete(gone);

        var import = BeanstalkdBinlogReader.Read(copy, MaxJobSize);

        Assert.Contains(import.Warnings, w => w.Contains(Path.GetFileName(gone), StringComparison.Ordinal) && w.Contains("missing", StringComparison.Ordinal));
        Assert.DoesNotContain(gone, import.Files);
        AssertSameAsBeanstalkdRecovery(copy, import);
    }

    [Fact]
    public void A_job_over_the_size_limit_ends_its_file_like_a_smaller_z()
    {
        scenario.EnsureGenerated();
        var import = BeanstalkdBinlogReader.Read(scenario.Dir, 1000);

        Assert.DoesNotContain(import.Jobs, j => j.Id == scenario.Big);
        Assert.Contains(import.Warnings, w => w.Contains($"job {scenario.Big} is too big", StringComparison.Ordinal));
        // beanstalkd compares the size including CRLF with -z, so -z 1002 is our limit of 1000.
        AssertSameAsBeanstalkdRecovery(scenario.Dir, import, "-z", "1002");
    }

    [Fact]
    public void Version_5_files_are_read()
    {
        using var tmp = new TempDir();
        string dir = tmp.Sub("v5");
        long nowUs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() * 1000;
        using (var f = File.Create(Path.Combine(dir, "binlog.1")))
        {
            f.Write(BitConverter.GetBytes(5));
            WriteV5(f, "v5tube", Rec5(1, pri: 3, delayUs: 0, ttrUs: 60_000_000, bodySize: 9, createdUs: nowUs - 5_000_000, deadlineUs: 0, state: 1), "v5 body\r\n"u8);
            WriteV5(f, "other", Rec5(2, pri: 4, delayUs: 600_000_000, ttrUs: 30_000_000, bodySize: 2, createdUs: nowUs, deadlineUs: nowUs + 600_000_000, state: 4), "\r\n"u8);
            WriteV5(f, null, Rec5(1, pri: 9, delayUs: 0, ttrUs: 60_000_000, bodySize: 9, createdUs: nowUs - 5_000_000, deadlineUs: 0, state: 3, reserves: 1, buries: 1), []);
            WriteV5(f, "v5tube", Rec5(3, pri: 1, delayUs: 0, ttrUs: 1_000_000, bodySize: 3, createdUs: nowUs, deadlineUs: 0, state: 1), "x\r\n"u8);
            WriteV5(f, null, Rec5(3, pri: 1, delayUs: 0, ttrUs: 1_000_000, bodySize: 3, createdUs: nowUs, deadlineUs: 0, state: 0), []);
            WriteV5(f, null, Rec5(99, pri: 1, delayUs: 0, ttrUs: 1_000_000, bodySize: 3, createdUs: nowUs, deadlineUs: 0, state: 3), []);
            f.Write(new byte[300]); // preallocated zeros
        }

        var import = BeanstalkdBinlogReader.Read(dir, MaxJobSize);

        Assert.Empty(import.Warnings);
        Assert.Equal(99UL, import.MaxJobId); // the ignored short record for job 99 still counts
        Assert.Equal([1UL, 2], import.Jobs.Select(j => j.Id));
        AssertJob(import.Jobs[0], "v5tube", JobState.Buried, pri: 9, delay: 0, ttr: 60, body: "v5 body", reserves: 1, buries: 1);
        Assert.Equal(nowUs / 1000 - 5000, import.Jobs[0].CreatedAtUnixMs);
        AssertJob(import.Jobs[1], "other", JobState.Delayed, pri: 4, delay: 600, ttr: 30, body: "");
        Assert.Equal(nowUs / 1000 + 600_000, import.Jobs[1].ReadyAtUnixMs);
        AssertSameAsBeanstalkdRecovery(dir, import);
    }

    [Fact]
    public void A_beanstalkd_still_running_on_the_directory_is_detected()
    {
        ReferenceBeanstalkd.Executable();
        using var tmp = new TempDir();
        string dir = tmp.Sub("live");
        using (var server = ReferenceBeanstalkd.Start(dir))
        {
            using (var c = server.Connect()) c.Put(1, 0, 60, "live");
            Assert.Equal(server.Pid, BeanstalkdBinlogReader.FindRunningBeanstalkd(dir));
            var import = BeanstalkdBinlogReader.Read(dir, MaxJobSize);
            Assert.Contains(import.Warnings, w => w.Contains($"locked by process {server.Pid}", StringComparison.Ordinal));
            Assert.Single(import.Jobs); // still imported: the caller decides whether to go on
            server.Kill9();
        }
        Assert.Null(BeanstalkdBinlogReader.FindRunningBeanstalkd(dir));
        Assert.Empty(BeanstalkdBinlogReader.Read(dir, MaxJobSize).Warnings);
    }

    [Fact]
    public void A_directory_without_binlog_files_imports_nothing()
    {
        using var tmp = new TempDir();
        string dir = tmp.Sub("empty");
        File.WriteAllText(Path.Combine(dir, "binlog."), "x");
        File.WriteAllText(Path.Combine(dir, "binlog.1a"), "x");
        File.WriteAllText(Path.Combine(dir, "lock"), "");

        var import = BeanstalkdBinlogReader.Read(dir, MaxJobSize);

        Assert.Empty(import.Jobs);
        Assert.Empty(import.Warnings);
        Assert.Empty(import.Files);
        Assert.Equal(0UL, import.MaxJobId);
    }

    // ---- oracle: beanstalkd 1.12 restarted on a copy of the directory ----

    private static void AssertSameAsBeanstalkdRecovery(string dir, BinlogImport import, params string[] extraArgs)
    {
        using var tmp = new TempDir();
        string copy = CopyDir(dir, tmp.Sub("oracle"));
        using var server = ReferenceBeanstalkd.Start(copy, extraArgs);
        using var c = server.Connect();
        long nowMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var imported = import.Jobs.ToDictionary(j => j.Id);
        ulong probeTo = Math.Max(import.MaxJobId, imported.Keys.DefaultIfEmpty().Max()) + 3;
        int recovered = 0;
        for (ulong id = 1; id <= probeTo; id++)
        {
            var s = c.StatsJob(id);
            if (s is null)
            {
                Assert.False(imported.ContainsKey(id), $"job {id} was imported but beanstalkd did not recover it\n{server.Stderr}");
                continue;
            }
            recovered++;
            Assert.True(imported.TryGetValue(id, out var j), $"beanstalkd recovered job {id} ({s["tube"]}) but it was not imported\n{server.Stderr}");
            string expectedState = j.State == JobState.Delayed && j.ReadyAtUnixMs <= nowMs ? "ready" : StateName(j.State);
            Assert.Equal((id, s["tube"], s["state"]), (id, j.Tube, expectedState));
            // beanstalkd's recovery re-buries buried jobs through bury_job(), which counts one
            // more bury on every restart; the import keeps the logged count.
            uint buriesAfterRestart = j.Buries + (j.State == JobState.Buried ? 1u : 0u);
            Assert.Equal(
                (id, s["pri"], s["delay"], s["ttr"], s["reserves"], s["timeouts"], s["releases"], s["buries"], s["kicks"]),
                (id, Str(j.Priority), Str(j.DelaySeconds), Str(j.TtrSeconds), Str(j.Reserves), Str(j.Timeouts), Str(j.Releases), Str(buriesAfterRestart), Str(j.Kicks)));
            AssertNear(long.Parse(s["age"], CultureInfo.InvariantCulture) * 1000, nowMs - j.CreatedAtUnixMs, $"job {id} age");
            if (expectedState == "delayed")
            {
                AssertNear(long.Parse(s["time-left"], CultureInfo.InvariantCulture) * 1000, j.ReadyAtUnixMs - nowMs, $"job {id} time-left");
            }
            Assert.True(c.Peek(id)!.AsSpan().SequenceEqual(j.Body), $"job {id} body differs");
        }
        Assert.Equal(import.Jobs.Count, recovered);
        // beanstalkd continues after the highest id it recreated; the import never goes below that.
        ulong next = c.Put(0, 0, 60, "next");
        Assert.InRange(next, imported.Keys.DefaultIfEmpty().Max() + 1, import.MaxJobId + 1);
    }

    // ---- helpers ----

    private static void AssertJob(ImportedJob j, string tube, JobState state, uint pri, uint delay, uint ttr, string body,
        uint reserves = 0, uint timeouts = 0, uint releases = 0, uint buries = 0, uint kicks = 0) =>
        AssertJob(j, tube, state, pri, delay, ttr, Encoding.ASCII.GetBytes(body), reserves, timeouts, releases, buries, kicks);

    private static void AssertJob(ImportedJob j, string tube, JobState state, uint pri, uint delay, uint ttr, byte[] body,
        uint reserves = 0, uint timeouts = 0, uint releases = 0, uint buries = 0, uint kicks = 0)
    {
        Assert.Equal((j.Id, tube, state, pri, delay, ttr), (j.Id, j.Tube, j.State, j.Priority, j.DelaySeconds, j.TtrSeconds));
        Assert.Equal((j.Id, reserves, timeouts, releases, buries, kicks), (j.Id, j.Reserves, j.Timeouts, j.Releases, j.Buries, j.Kicks));
        Assert.True(body.AsSpan().SequenceEqual(j.Body), $"job {j.Id}: body differs ({j.Body.Length} bytes, expected {body.Length})");
    }

    private static bool SameJob(ImportedJob a, ImportedJob b) =>
        a.Id == b.Id && a.Tube == b.Tube && a.State == b.State && a.Priority == b.Priority && a.DelaySeconds == b.DelaySeconds &&
        a.TtrSeconds == b.TtrSeconds && a.CreatedAtUnixMs == b.CreatedAtUnixMs && a.ReadyAtUnixMs == b.ReadyAtUnixMs &&
        a.Reserves == b.Reserves && a.Timeouts == b.Timeouts && a.Releases == b.Releases && a.Buries == b.Buries &&
        a.Kicks == b.Kicks && a.Body.AsSpan().SequenceEqual(b.Body);

    private static void AssertNear(long expected, long actual, string what) =>
        Assert.True(Math.Abs(expected - actual) <= ToleranceMs, $"{what}: {actual}, expected {expected} ± {ToleranceMs}");

    private static string StateName(JobState s) => s.ToString().ToLowerInvariant();

    private static string Str(uint v) => v.ToString(CultureInfo.InvariantCulture);

    private static List<string> BinlogFiles(string dir) =>
        [.. Directory.GetFiles(dir, "binlog.*")
            .Where(f => Path.GetFileName(f)["binlog.".Length..].All(char.IsAsciiDigit))
            .OrderBy(f => int.Parse(Path.GetFileName(f)["binlog.".Length..], CultureInfo.InvariantCulture))];

    /// <summary>Copies the files of <paramref name="from"/> into <paramref name="to"/>, writable by the owner.</summary>
    private static string CopyDir(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string f in Directory.GetFiles(from))
        {
            string target = Path.Combine(to, Path.GetFileName(f));
            File.Copy(f, target);
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return to;
    }

    private static SortedDictionary<string, string> Snapshot(string dir)
    {
        var result = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (string f in Directory.GetFileSystemEntries(dir))
        {
            var info = new FileInfo(f);
            result[Path.GetFileName(f)] = FormattableString.Invariant(
                $"{info.Length} {info.UnixFileMode} {info.LastWriteTimeUtc.Ticks} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))}");
        }
        return result;
    }

    private static byte[] Rec5(ulong id, uint pri, long delayUs, long ttrUs, int bodySize, long createdUs, long deadlineUs, byte state,
        uint reserves = 0, uint buries = 0)
    {
        var r = new byte[77];
        BinaryPrimitives.WriteUInt64LittleEndian(r, id);
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(8), pri);
        BinaryPrimitives.WriteInt64LittleEndian(r.AsSpan(16), delayUs);
        BinaryPrimitives.WriteInt64LittleEndian(r.AsSpan(24), ttrUs);
        BinaryPrimitives.WriteInt32LittleEndian(r.AsSpan(32), bodySize);
        BinaryPrimitives.WriteInt64LittleEndian(r.AsSpan(40), createdUs);
        BinaryPrimitives.WriteInt64LittleEndian(r.AsSpan(48), deadlineUs);
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(56), reserves);
        BinaryPrimitives.WriteUInt32LittleEndian(r.AsSpan(68), buries);
        r[76] = state;
        return r;
    }

    private static void WriteV5(Stream f, string? tube, byte[] rec, ReadOnlySpan<byte> body)
    {
        f.Write(BitConverter.GetBytes((ulong)(tube?.Length ?? 0))); // size_t name length
        if (tube is not null) f.Write(Encoding.ASCII.GetBytes(tube));
        f.Write(rec);
        f.Write(body);
    }

    private sealed class TempDir : IDisposable
    {
        private readonly string _path = Directory.CreateTempSubdirectory("qs-binlog-test-").FullName;

        public string Sub(string name) => Directory.CreateDirectory(Path.Combine(_path, name)).FullName;

        public void Dispose()
        {
            try
            {
                Directory.Delete(_path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
