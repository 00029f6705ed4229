using System.Reflection;
using Queue.Storage.Persistence;

namespace Queue.Storage.Tests.Persistence;

/// <summary>
/// -f0 answers a logged command only after an fsync that covers it (group commit); -f MS and -F
/// answer once the records are written (they survive kill -9 at once, see the crash tests) and
/// fsync later or never.
/// </summary>
public class FsyncPolicyTests
{
    private static long Syncs(QueueEngine e)
    {
        var field = typeof(QueueEngine).GetField("_pipeline", BindingFlags.NonPublic | BindingFlags.Instance);
        Assert.True(field is not null, "QueueEngine._pipeline is gone: update this test's probe");
        return ((CommitPipeline)field!.GetValue(e)!).Syncs;
    }

    [Fact]
    public async Task AlwaysMode_EveryAcknowledgedChange_FollowsAnFsync()
    {
        using var dir = new TempDir();
        await using var e = Durable.Open(dir.Path, mode: DurabilityMode.Always);
        await using var s = e.OpenSession();
        for (int i = 0; i < 20; i++)
        {
            long before = Syncs(e);
            var r = await s.PutAsync(Durable.Body((ulong)i, 100), 5, ttr: TimeSpan.FromSeconds(60));
            Assert.True(Syncs(e) > before, $"put {i} was answered before an fsync");

            before = Syncs(e);
            Assert.NotNull(await s.ReserveJobAsync(r.Id));
            Assert.Equal(before, Syncs(e)); // nothing logged, nothing to wait for

            before = Syncs(e);
            Assert.True(i % 2 == 0 ? await s.BuryAsync(r.Id, 1) : await s.ReleaseAsync(r.Id, 2) == CommandStatus.Ok);
            Assert.True(Syncs(e) > before, $"bury/release {i} was answered before an fsync");

            before = Syncs(e);
            Assert.True(await s.DeleteAsync(r.Id));
            Assert.True(Syncs(e) > before, $"delete {i} was answered before an fsync");
        }
    }

    [Theory]
    [InlineData(DurabilityMode.Periodic)]
    [InlineData(DurabilityMode.Never)]
    public async Task PeriodicAndNever_AnswerWithoutWaitingForAnFsync(DurabilityMode mode)
    {
        using var dir = new TempDir();
        await using var e = Durable.Open(dir.Path, mode: mode, configure: o => o.SyncInterval = TimeSpan.FromHours(1));
        await using var s = e.OpenSession();
        for (int i = 0; i < 20; i++) Assert.Equal(CommandStatus.Ok, (await s.PutAsync(Durable.Body((ulong)i, 100), 5)).Status);
        Assert.Equal(0, Syncs(e));
    }
}
