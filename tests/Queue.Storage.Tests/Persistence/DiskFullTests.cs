using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;
using Queue.Storage.Persistence;

namespace Queue.Storage.Tests.Persistence;

/// <summary>
/// A disk that holds a fixed number of segment files: reserving space for one more fails until
/// truncation deletes old ones (the engine's view of a full disk is a refused preallocation).
/// </summary>
internal sealed class SegmentBudget(string dir, int maxFiles)
{
    public int MaxFiles { get; set; } = maxFiles;
    public int Refusals;

    public bool Preallocate(string path, long size)
    {
        bool present = File.Exists(path);
        if (!present && Durable.Segments(dir).Length >= MaxFiles)
        {
            Interlocked.Increment(ref Refusals);
            return false;
        }
        return FileSpace.TryPreallocate(path, size);
    }
}

/// <summary>
/// Disk full: every state change that needs log space is refused (put OUT_OF_MEMORY, release
/// with delay OUT_OF_MEMORY, bury INTERNAL_ERROR, kick nothing) without leaving a phantom or an
/// orphaned job; delete always works; puts work again once space returns; a restart sees exactly
/// the acknowledged state.
/// </summary>
public class DiskFullTests
{
    private static QueueEngine Open(TempDir dir, SegmentBudget budget, FakeTimeProvider clock, ConcurrentQueue<Exception> errors) =>
        Durable.Open(dir.Path, clock, errors: errors, configure: o =>
        {
            o.PreallocateSegment = budget.Preallocate;
            o.CheckpointLogBytes = 256 << 10;
        });

    private static async Task<CommandStatus> PutAsync(QueueSession s, QueueEngine e, Dictionary<ulong, byte[]> bodies, int length = 4000, uint pri = 100)
    {
        ulong next = e.Core.Ids.Last + 1;
        var body = Durable.Body(next, length);
        var r = await s.PutAsync(body, pri, ttr: TimeSpan.FromSeconds(600));
        if (r.Status == CommandStatus.Ok)
        {
            Assert.Equal(next, r.Id);
            bodies[r.Id] = body;
        }
        return r.Status;
    }

    [Fact]
    public async Task DiskFull_RefusesWhatNeedsSpace_DeletesStillWork_NothingOrphaned_AndPutsComeBack()
    {
        using var dir = new TempDir();
        var budget = new SegmentBudget(dir.Path, maxFiles: 4);
        var clock = Durable.NewClock();
        var errors = new ConcurrentQueue<Exception>();
        var bodies = new Dictionary<ulong, byte[]>();
        ulong buried, delayed, refused;
        var reserved = new List<ulong>();
        await using (var e = Open(dir, budget, clock, errors))
        {
            await using var s = e.OpenSession();
            // Jobs in every state, before the disk fills.
            for (int i = 0; i < 40; i++)
            {
                Assert.Equal(CommandStatus.Ok, await PutAsync(s, e, bodies));
                reserved.Add(e.Core.Ids.Last);
            }
            Assert.Equal(CommandStatus.Ok, await PutAsync(s, e, bodies));
            buried = e.Core.Ids.Last;
            Assert.NotNull(await s.ReserveJobAsync(buried));
            Assert.True(await s.BuryAsync(buried, 5));
            var d = await s.PutAsync(Durable.Body(e.Core.Ids.Last + 1, 4000), 100, TimeSpan.FromSeconds(3600), TimeSpan.FromSeconds(600));
            Assert.Equal(CommandStatus.Ok, d.Status);
            delayed = d.Id;
            bodies[delayed] = Durable.Body(delayed, 4000);
            foreach (ulong id in reserved) Assert.NotNull(await s.ReserveJobAsync(id));

            // Fill the disk: big puts, then small ones, until even a tiny put is refused.
            int puts = 0;
            foreach (int length in new[] { 4000, 100, 1 })
            {
                CommandStatus filled;
                while ((filled = await PutAsync(s, e, bodies, length)) == CommandStatus.Ok)
                {
                    Assert.True(++puts < 10_000, "the disk never filled");
                }
                Assert.Equal(CommandStatus.OutOfMemory, filled);
            }
            Assert.True(budget.Refusals > 0);
            refused = e.Core.Ids.Last;

            // No phantom: the refused put left nothing behind.
            Assert.Null(await s.PeekAsync(refused));
            Assert.Null(await s.StatsJobAsync(refused));

            // The last bytes go to state changes until one is refused; that job stays reserved.
            ulong releaseMe = 0;
            foreach (ulong id in reserved.ToList())
            {
                var r = await s.ReleaseAsync(id, 1, TimeSpan.FromSeconds(10));
                if (r == CommandStatus.OutOfMemory)
                {
                    releaseMe = id;
                    break;
                }
                Assert.Equal(CommandStatus.Ok, r);
                reserved.Remove(id);
            }
            Assert.True(releaseMe != 0, "release with delay was never refused");
            Assert.Equal(JobState.Reserved, (await s.StatsJobAsync(releaseMe))!.State);
            Assert.True(reserved.Count >= 3);

            // Everything else that needs space is refused too, and each job stays where it was.
            ulong buryMe = reserved[^1], releaseNow = reserved[^2];
            Assert.False(await s.BuryAsync(buryMe, 1));
            Assert.Equal(JobState.Reserved, (await s.StatsJobAsync(buryMe))!.State);
            var releasedNow = await s.ReleaseAsync(releaseNow, 7);
            var afterRelease = (await s.StatsJobAsync(releaseNow))!;
            Assert.True(releasedNow == CommandStatus.OutOfMemory ? afterRelease.State == JobState.Reserved : afterRelease.State == JobState.Ready,
                $"release with delay 0 answered {releasedNow} and left the job {afterRelease.State}");
            if (releasedNow == CommandStatus.Ok) reserved.Remove(releaseNow);
            Assert.Equal(0, await s.KickAsync(10));
            Assert.False(await s.KickJobAsync(buried));
            Assert.Equal(JobState.Buried, (await s.StatsJobAsync(buried))!.State);
            Assert.False(await s.KickJobAsync(delayed));
            Assert.Equal(JobState.Delayed, (await s.StatsJobAsync(delayed))!.State);
            var stats = await s.StatsAsync();
            Assert.Equal(reserved.Count, stats.CurrentJobsReserved);
            Assert.Equal(1, stats.CurrentJobsBuried);

            // Delete always works: the refused jobs (reserved, buried, delayed) and all the rest.
            foreach (ulong id in bodies.Keys.ToList())
            {
                Assert.True(await s.DeleteAsync(id), $"delete {id} failed on a full disk");
                bodies.Remove(id);
            }
            Assert.Equal(0, e.Core.JobCount);

            // Space comes back (compaction truncates the dead segments); puts work again.
            int tries = 0;
            CommandStatus status;
            while ((status = await PutAsync(s, e, bodies, length: 10)) != CommandStatus.Ok)
            {
                Assert.Equal(CommandStatus.OutOfMemory, status);
                Assert.True(++tries < 500, "puts never worked again after the deletes");
                clock.Advance(TimeSpan.FromSeconds(1)); // the engine retries a refused reservation at most every 200 ms
                await Task.Delay(10);
            }
            for (int i = 0; i < 50; i++) Assert.Equal(CommandStatus.Ok, await PutAsync(s, e, bodies));
            await Durable.CrashCopyAsync(e, dir.Path + "-crash");
        }
        Assert.Empty(errors);

        try
        {
            // After the crash: exactly the acknowledged jobs, nothing refused.
            await using var e = Durable.Open(dir.Path + "-crash", clock, errors: errors);
            await using var s = e.OpenSession();
            Assert.Equal(bodies.Count, e.Core.JobCount);
            foreach (var (id, body) in bodies) Assert.Equal(Durable.Text(body), Durable.Text((await s.PeekAsync(id))!.Body));
            Assert.Null(await s.PeekAsync(refused));
            Assert.True((await s.PutAsync(new byte[1], 1)).Id > refused - 1);
        }
        finally
        {
            Directory.Delete(dir.Path + "-crash", recursive: true);
        }
        Assert.Empty(errors);
    }

    [Fact]
    public async Task FullDiskAtStart_RefusesPuts_ButServesAndDeletesTheRecoveredJobs()
    {
        using var dir = new TempDir();
        var clock = Durable.NewClock();
        var errors = new ConcurrentQueue<Exception>();
        var bodies = new Dictionary<ulong, byte[]>();
        var budget = new SegmentBudget(dir.Path, maxFiles: 4);
        await using (var e = Open(dir, budget, clock, errors))
        {
            await using var s = e.OpenSession();
            while (await PutAsync(s, e, bodies) == CommandStatus.Ok)
            {
            }
        }
        await using (var e = Open(dir, budget, clock, errors))
        {
            await using var s = e.OpenSession();
            Assert.Equal(bodies.Count, e.Recovery!.JobsRecovered);
            Assert.Equal(CommandStatus.OutOfMemory, await PutAsync(s, e, bodies));
            var job = await s.ReserveAsync(TimeSpan.Zero);
            Assert.Equal(CommandStatus.Ok, job.Status);
            Assert.Equal(Durable.Text(bodies[job.Job!.Id]), Durable.Text(job.Job.Body));
            foreach (ulong id in bodies.Keys) Assert.True(await s.DeleteAsync(id));
        }
        Assert.Empty(errors);
    }
}
