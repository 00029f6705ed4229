using Queue.Storage.Persistence;

namespace Queue.Storage.Tests.Persistence;

/// <summary>
/// Without -b but with a memory cap, bodies go to a throw-away spill log only when memory needs
/// them gone: a queue that fits in memory writes nothing to disk, and a spilled body reads back
/// byte for byte.
/// </summary>
public class SpillLogTests
{
    private static QueueEngine OpenSpill(long usedBytes = 1 << 20) => QueueEngine.Start(new QueueEngineOptions
    {
        MaxMemory = 64L << 20,
        MemorySampler = () => usedBytes,
        TimeProvider = Durable.NewClock(),
    });

    [Fact]
    public async Task BodiesWithinTheCacheBudget_AreNeverWrittenToTheSpillLog()
    {
        await using var e = OpenSpill();
        await using var s = e.OpenSession();
        for (ulong i = 0; i < 200; i++) Assert.Equal(CommandStatus.Ok, (await s.PutAsync(Durable.Body(i, 1000), 1, ttr: TimeSpan.FromSeconds(60))).Status);

        var (spilled, appended, cached, tail) = await Durable.OnLoopAsync(e, x => (x.BodyCache!.Spilled, x.Journal!.Appended, x.BodyCache.CachedBytes, x.Journal.Log.Log.TailAddress));
        Assert.Equal(0, spilled);
        Assert.Equal(0, appended);
        Assert.Equal(200 * 1002, cached);
        Assert.Equal(await Durable.OnLoopAsync(e, x => x.Journal!.Log.Log.BeginAddress), tail);
    }

    [Fact]
    public async Task BodiesPastTheBudget_AreSpilledEvicted_AndReadBackExactly()
    {
        await using var e = OpenSpill();
        await using var s = e.OpenSession();
        var ids = new List<ulong>();
        for (ulong i = 0; i < 300; i++) ids.Add((await s.PutAsync(Durable.Body(i, 3000), 1, ttr: TimeSpan.FromSeconds(60))).Id);
        Assert.True(await s.DeleteAsync(ids[5])); // deleted before any spill: nothing of it is ever written

        await Durable.OnLoopAsync(e, x =>
        {
            x.BodyCache!.Budget = 0;
            x.BodyCache.Trim(x.Core.Jobs);
            return true;
        });
        // The spill commit is asynchronous: trim again until every body has left memory.
        long cached = -1;
        for (int attempt = 0; attempt < 200 && cached != 0; attempt++)
        {
            cached = await Durable.OnLoopAsync(e, x =>
            {
                x.BodyCache!.Trim(x.Core.Jobs);
                return x.BodyCache.CachedBytes;
            });
            if (cached != 0) await Task.Delay(10);
        }
        Assert.Equal(0, cached);
        Assert.Equal(299, await Durable.OnLoopAsync(e, x => x.BodyCache!.Spilled));
        Assert.Equal(299, await Durable.OnLoopAsync(e, x => x.BodyCache!.Evictions));

        // Jobs whose bodies are only in the spill file behave as before: peek, reserve, stats-job, delete.
        Assert.Equal(0, (await s.StatsJobAsync(ids[0]))!.File);
        for (int i = 0; i < ids.Count; i++)
        {
            if (i == 5) continue;
            var r = await s.ReserveAsync(TimeSpan.Zero);
            Assert.Equal(ids[i], r.Job!.Id);
            Assert.True(r.Job.Body.Span.SequenceEqual(Durable.Body((ulong)i, 3000)));
            Assert.True(await s.DeleteAsync(ids[i]));
        }
        Assert.Equal(0, await Durable.OnLoopAsync(e, x => x.Journal!.LiveJobs));
    }

    [Fact]
    public async Task ASpillLog_IsNotABinlog_StatsReadAsWithoutB()
    {
        await using var e = OpenSpill();
        await using var s = e.OpenSession();
        var put = await s.PutAsync(Durable.Body(1, 10), 1, ttr: TimeSpan.FromSeconds(60));
        var stats = await s.StatsAsync();
        Assert.Equal(0, stats.BinlogOldestIndex);
        Assert.Equal(0, stats.BinlogCurrentIndex);
        Assert.Equal(0, stats.BinlogRecordsWritten);
        Assert.Equal(0, (await s.StatsJobAsync(put.Id))!.File);
    }

    [Fact]
    public void SpillDirectoriesOfDeadServers_AreRemoved_LiveAndFreshOnesKept()
    {
        string Make(string name, TimeSpan age)
        {
            var dir = Path.Combine(Path.GetTempPath(), $"queueserver-spill-{name}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(dir);
            File.WriteAllBytes(Path.Combine(dir, "log.0"), new byte[4096]);
            Directory.SetLastWriteTimeUtc(dir, DateTime.UtcNow - age);
            return dir;
        }
        var abandoned = Make("test-dead", TimeSpan.FromMinutes(10));
        var live = Make("test-live", TimeSpan.FromMinutes(10));
        var fresh = Make("test-fresh", TimeSpan.Zero);
        try
        {
            using (var held = new FileStream(Path.Combine(live, "lock"), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
            {
                Directory.SetLastWriteTimeUtc(live, DateTime.UtcNow - TimeSpan.FromMinutes(10));
                QueueEngine.RemoveAbandonedSpillDirectories();
                Assert.False(Directory.Exists(abandoned));
                Assert.True(File.Exists(Path.Combine(live, "log.0")));
                Assert.True(File.Exists(Path.Combine(fresh, "log.0")));
            }
        }
        finally
        {
            foreach (var d in new[] { abandoned, live, fresh })
            {
                if (Directory.Exists(d)) Directory.Delete(d, recursive: true);
            }
        }
    }
}
