using Queue.Storage.Core;

namespace Queue.Storage.Tests.Core;

public class JobIdSourceTests
{
    [Fact]
    public void Allocate_StartsAtOneAndIncreases()
    {
        var ids = new JobIdSource();
        Assert.Equal(0UL, ids.Last);
        Assert.Equal(1UL, ids.Allocate());
        Assert.Equal(2UL, ids.Allocate());
        Assert.Equal(2UL, ids.Last);
    }

    [Fact]
    public void EnsureAbove_OnlyMovesForward()
    {
        var ids = new JobIdSource();
        ids.EnsureAbove(41);
        Assert.Equal(42UL, ids.Allocate());
        ids.EnsureAbove(10);
        Assert.Equal(43UL, ids.Allocate());
    }

    [Fact]
    public async Task Allocate_FromManyThreads_NeverRepeats()
    {
        var ids = new JobIdSource();
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            var mine = new ulong[10_000];
            for (int i = 0; i < mine.Length; i++) mine[i] = ids.Allocate();
            return mine;
        })));

        var all = results.SelectMany(x => x).ToList();
        Assert.Equal(all.Count, all.Distinct().Count());
        Assert.Equal(80_000UL, all.Max());
    }
}
