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
        var r = await s.PutAsync(Durable.Body(next, bodyLength), 10);
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
}
