using System.Collections.Concurrent;

namespace Queue.Storage.Tests.Persistence;

/// <summary>
/// An unrecoverable write error (the next segment is /dev/full: every write fails with ENOSPC)
/// is fatal and reported, nothing written after it is acknowledged, and what was acknowledged
/// before it is all there on the next start.
/// </summary>
public class WriteFailureTests
{
    [Fact]
    public async Task WriteError_IsFatal_NothingAfterItIsAcknowledged_EverythingBeforeItSurvives()
    {
        using var dir = new TempDir();
        var clock = Durable.NewClock();
        var errors = new ConcurrentQueue<Exception>();
        var fatal = new ConcurrentQueue<Exception>();
        var acked = new Dictionary<ulong, byte[]>();
        var e = Durable.Open(dir.Path, clock, 1 << 20, errors: errors, configure: o => o.OnFatalError = fatal.Enqueue);
        try
        {
            var next = dir.File("log.1");
            Assert.True(File.Exists(next), "the second segment should be reserved ahead");
            File.Delete(next);
            File.CreateSymbolicLink(next, "/dev/full");

            await using var s = e.OpenSession();
            int failed = 0;
            for (int i = 0; i < 2000 && failed < 5; i++)
            {
                var body = Durable.Body(e.Core.Ids.Last + 1, 1500);
                // Patience, not a timing assertion: a put must be answered (it once hung for ever here).
                var r = await s.PutAsync(body, 1, ttr: TimeSpan.FromSeconds(60)).AsTask().WaitAsync(TimeSpan.FromSeconds(30));
                if (r.Status == CommandStatus.Ok)
                {
                    Assert.True(failed == 0, "a put was acknowledged after the log failed");
                    acked[r.Id] = body;
                }
                else
                {
                    Assert.Equal(CommandStatus.InternalError, r.Status);
                    failed++;
                }
            }
            Assert.True(failed > 0, "the write error never surfaced");
            Assert.NotEmpty(fatal);
        }
        finally
        {
            try
            {
                await e.DisposeAsync();
            }
            catch (Exception ex) when (ex is IOException or FASTER.core.FasterException or AggregateException or ObjectDisposedException)
            {
                // A failed log may refuse its final checkpoint.
            }
            File.Delete(dir.File("log.1"));
        }

        await using (var again = Durable.Open(dir.Path, clock, 1 << 20))
        {
            await using var s = again.OpenSession();
            Assert.True(acked.Count > 100);
            foreach (var (id, body) in acked) Assert.True((await s.PeekAsync(id))?.Body.Span.SequenceEqual(body), $"acknowledged job {id} is missing");
        }
    }
}
