using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Engine;

public class PutAndReadyOrderTests
{
    [Fact]
    public async Task Put_AssignsIncreasingIds_AndReserveReturnsTheBody()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();

        ulong a = await s.PutTextAsync("first");
        ulong b = await s.PutTextAsync("second");

        Assert.True(b > a);
        var job = await s.ReserveNowAsync();
        Assert.Equal(a, job.Id);
        Assert.Equal("first", EngineHarness.Text(job));
    }

    [Fact]
    public async Task Put_EmptyBody_IsStoredAndReservedAsEmpty()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();

        var put = await s.PutAsync(ReadOnlyMemory<byte>.Empty);
        var job = await s.ReserveNowAsync();

        Assert.Equal(CommandStatus.Ok, put.Status);
        Assert.Equal(put.Id, job.Id);
        Assert.Equal(0, job.Body.Length);
    }

    [Fact]
    public async Task Put_BodyOfExactlyMaxJobSize_IsAccepted()
    {
        await using var h = new EngineHarness(maxJobSize: 10);
        await using var s = h.Open();

        var put = await s.PutAsync(new byte[10]);

        Assert.Equal(CommandStatus.Ok, put.Status);
        Assert.Equal(10, (await s.PeekAsync(put.Id))!.Body.Length);
    }

    [Fact]
    public async Task Put_BodyOverMaxJobSize_IsJobTooBig_AndConsumesNoId()
    {
        await using var h = new EngineHarness(maxJobSize: 10);
        await using var s = h.Open();

        var tooBig = await s.PutAsync(new byte[11]);
        var next = await s.PutAsync(new byte[1]);

        Assert.Equal(CommandStatus.JobTooBig, tooBig.Status);
        Assert.Equal(0UL, tooBig.Id);
        Assert.Equal(1UL, next.Id);
        Assert.Equal(1UL, (await s.StatsAsync()).TotalJobs);
    }

    [Fact]
    public async Task Reserve_TakesLowestPriorityValueFirst_ThenLowestId()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong p5a = await s.PutTextAsync("p5a", priority: 5);
        ulong p1a = await s.PutTextAsync("p1a", priority: 1);
        ulong p5b = await s.PutTextAsync("p5b", priority: 5);
        ulong p1b = await s.PutTextAsync("p1b", priority: 1);
        ulong p0 = await s.PutTextAsync("p0", priority: 0);

        var order = new List<ulong>();
        for (int i = 0; i < 5; i++) order.Add((await s.ReserveNowAsync()).Id);

        Assert.Equal(new[] { p0, p1a, p1b, p5a, p5b }, order);
    }

    [Fact]
    public async Task Reserve_MaxPriorityValue_ComesLast()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong low = await s.PutTextAsync("low", priority: uint.MaxValue);
        ulong mid = await s.PutTextAsync("mid", priority: 1024);

        Assert.Equal(mid, (await s.ReserveNowAsync()).Id);
        Assert.Equal(low, (await s.ReserveNowAsync()).Id);
    }

    [Fact]
    public async Task Release_KeepsOriginalId_SoTheJobOutranksNewerEqualPriorityJobs()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong old = await s.PutTextAsync("old", priority: 10);
        Assert.Equal(old, (await s.ReserveNowAsync()).Id);
        ulong newer = await s.PutTextAsync("newer", priority: 10);

        Assert.Equal(CommandStatus.Ok, await s.ReleaseAsync(old, 10));

        var next = await s.ReserveNowAsync();
        Assert.Equal(old, next.Id);
        Assert.Equal("old", EngineHarness.Text(next));
        Assert.Equal(newer, (await s.ReserveNowAsync()).Id);
    }

    [Fact]
    public async Task Release_WithNewPriority_ReordersTheJob()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        ulong a = await s.PutTextAsync("a", priority: 1);
        ulong b = await s.PutTextAsync("b", priority: 5);
        Assert.Equal(a, (await s.ReserveNowAsync()).Id);

        await s.ReleaseAsync(a, 9);

        Assert.Equal(b, (await s.ReserveNowAsync()).Id);
        Assert.Equal(a, (await s.ReserveNowAsync()).Id);
        Assert.Equal(9u, (await s.StatsJobAsync(a))!.Priority);
    }

    [Fact]
    public async Task Reserve_OnlyConsidersWatchedTubes()
    {
        await using var h = new EngineHarness();
        await using var producer = h.Open();
        await using var worker = h.Open();
        await producer.UseAsync("other");
        await producer.PutTextAsync("elsewhere", priority: 0);
        await producer.UseAsync("default");
        ulong here = await producer.PutTextAsync("here", priority: 100);

        Assert.Equal(here, (await worker.ReserveNowAsync()).Id);
        Assert.Equal(CommandStatus.TimedOut, (await worker.ReserveAsync(TimeSpan.Zero)).Status);
    }

    [Fact]
    public async Task Reserve_AcrossWatchedTubes_PicksGloballyBestJob()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.UseAsync("a");
        ulong inA = await s.PutTextAsync("a", priority: 100);
        await s.UseAsync("b");
        ulong inB = await s.PutTextAsync("b", priority: 5);
        await s.WatchAsync("a");
        await s.WatchAsync("b");

        Assert.Equal(inB, (await s.ReserveNowAsync()).Id);
        Assert.Equal(inA, (await s.ReserveNowAsync()).Id);
    }
}
