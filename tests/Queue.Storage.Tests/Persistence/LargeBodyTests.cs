using System.Collections.Concurrent;

namespace Queue.Storage.Tests.Persistence;

/// <summary>Bodies far larger than a log page (-z up to 1 GiB) are chunked across records and survive restarts.</summary>
public class LargeBodyTests
{
    private const long OneGiB = 1L << 30;

    [Theory]
    [InlineData(1L << 20)]     // 256 KiB pages: 64 KiB chunks, the 70 MiB body spans ~70 segments
    [InlineData(10485760L)]    // beanstalkd's default -s: 4 MiB pages, 1 MiB chunks
    public async Task FiveAndSeventyMiBBodies_RoundTrip_AndSurviveCrashAndCleanRestart(long segmentSize)
    {
        using var a = new TempDir();
        using var b = new TempDir();
        var clock = Durable.NewClock();
        var errors = new ConcurrentQueue<Exception>();
        var small = Durable.Body(1, 100);
        var five = Durable.Body(2, 5 << 20);
        var seventy = Durable.Body(3, 70 << 20);
        ulong smallId, fiveId, seventyId;
        await using (var e = Durable.Open(a.Path, clock, segmentSize, errors: errors, maxJobSize: OneGiB))
        {
            await using var s = e.OpenSession();
            smallId = (await s.PutAsync(small, 3, ttr: TimeSpan.FromSeconds(60))).Id;
            fiveId = (await s.PutAsync(five, 1, ttr: TimeSpan.FromSeconds(60))).Id;
            var put = await s.PutAsync(seventy, 2, ttr: TimeSpan.FromSeconds(60));
            Assert.Equal(CommandStatus.Ok, put.Status);
            seventyId = put.Id;

            var r = await s.ReserveAsync(TimeSpan.Zero);
            Assert.Equal(fiveId, r.Job!.Id);
            Assert.True(r.Job.Body.Span.SequenceEqual(five));
            r = await s.ReserveAsync(TimeSpan.Zero);
            Assert.Equal(seventyId, r.Job!.Id);
            Assert.True(r.Job.Body.Span.SequenceEqual(seventy));
            Assert.True(await s.BuryAsync(seventyId, 9));
            Assert.Equal(CommandStatus.Ok, await s.ReleaseAsync(fiveId, 1, TimeSpan.FromSeconds(3600)));
            Assert.True((await s.PeekAsync(seventyId))!.Body.Span.SequenceEqual(seventy));
            await Durable.CrashCopyAsync(e, b.Path);
        }

        // After a crash: bodies read back from their chunks.
        await using (var e = Durable.Open(b.Path, clock, segmentSize, errors: errors, maxJobSize: OneGiB))
        {
            Assert.Empty(e.Recovery!.Problems);
            await using var s = e.OpenSession();
            Assert.Equal(JobState.Buried, (await s.StatsJobAsync(seventyId))!.State);
            Assert.Equal(JobState.Delayed, (await s.StatsJobAsync(fiveId))!.State);
            Assert.True((await s.PeekAsync(seventyId))!.Body.Span.SequenceEqual(seventy));
            Assert.True((await s.PeekAsync(fiveId))!.Body.Span.SequenceEqual(five));
            Assert.True(await s.KickJobAsync(seventyId));
            var job = await s.ReserveJobAsync(seventyId);
            Assert.True(job!.Body.Span.SequenceEqual(seventy));
            Assert.True(await s.DeleteAsync(smallId));
        }

        // After a clean stop (checkpoint, nothing replayed), from the original directory.
        await using (var e = Durable.Open(a.Path, clock, segmentSize, errors: errors, maxJobSize: OneGiB))
        {
            Assert.Equal(0, e.Recovery!.RecordsReplayed);
            await using var s = e.OpenSession();
            Assert.True((await s.PeekAsync(seventyId))!.Body.Span.SequenceEqual(seventy));
            Assert.True((await s.PeekAsync(fiveId))!.Body.Span.SequenceEqual(five));
            Assert.True((await s.PeekAsync(smallId))!.Body.Span.SequenceEqual(small));
        }
        Assert.Empty(errors);
    }
}
