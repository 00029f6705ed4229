using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Engine;

/// <summary>Every cmd-* counter goes up once per command that reached the engine, failed or not.</summary>
public class CommandCounterTests
{
    public static TheoryData<Operation> CountedOperations() =>
        new(Enum.GetValues<Operation>().Where(op => op != Operation.None));

    [Theory]
    [MemberData(nameof(CountedOperations))]
    public async Task Command_IsCountedOnce_EvenWhenItFails(Operation op)
    {
        await using var h = new EngineHarness(maxJobSize: 4);
        await using var s = h.Open();
        if (op == Operation.Reserve) await s.PutTextAsync("job"); // so the plain reserve does not block
        var before = await h.PeekStatsAsync();

        await RunFailingVariant(s, op);

        var after = await h.PeekStatsAsync();
        foreach (var other in Enum.GetValues<Operation>())
        {
            ulong expected = before.Count(other) + (other == op ? 1UL : 0UL);
            Assert.True(expected == after.Count(other), $"{op}: counter {other} is {after.Count(other)}, expected {expected}");
        }
    }

    private static async Task RunFailingVariant(QueueSession s, Operation op)
    {
        switch (op)
        {
            case Operation.Put: Assert.Equal(CommandStatus.JobTooBig, (await s.PutAsync(new byte[5])).Status); break;
            case Operation.Use: await s.UseAsync("u"); break;
            case Operation.Reserve: Assert.Equal(CommandStatus.Ok, (await s.ReserveAsync()).Status); break;
            case Operation.ReserveWithTimeout: Assert.Equal(CommandStatus.TimedOut, (await s.ReserveAsync(TimeSpan.Zero)).Status); break;
            case Operation.ReserveJob: Assert.Null(await s.ReserveJobAsync(99)); break;
            case Operation.Delete: Assert.False(await s.DeleteAsync(99)); break;
            case Operation.Release: Assert.Equal(CommandStatus.NotFound, await s.ReleaseAsync(99, 0)); break;
            case Operation.Bury: Assert.False(await s.BuryAsync(99, 0)); break;
            case Operation.Touch: Assert.False(await s.TouchAsync(99)); break;
            case Operation.Watch: await s.WatchAsync("w"); break;
            case Operation.Ignore: Assert.Equal(-1, await s.IgnoreAsync("default")); break;
            case Operation.Peek: Assert.Null(await s.PeekAsync(99)); break;
            case Operation.PeekReady: Assert.Null(await s.PeekReadyAsync()); break;
            case Operation.PeekDelayed: Assert.Null(await s.PeekDelayedAsync()); break;
            case Operation.PeekBuried: Assert.Null(await s.PeekBuriedAsync()); break;
            case Operation.Kick: Assert.Equal(0, await s.KickAsync(10)); break;
            case Operation.KickJob: Assert.False(await s.KickJobAsync(99)); break;
            case Operation.StatsJob: Assert.Null(await s.StatsJobAsync(99)); break;
            case Operation.StatsTube: Assert.Null(await s.StatsTubeAsync("none")); break;
            case Operation.Stats: await s.StatsAsync(); break;
            case Operation.ListTubes: await s.ListTubesAsync(); break;
            case Operation.ListTubeUsed: await s.ListTubeUsedAsync(); break;
            case Operation.ListTubesWatched: await s.ListTubesWatchedAsync(); break;
            case Operation.PauseTube: Assert.False(await s.PauseTubeAsync("none", TimeSpan.FromSeconds(1))); break;
            default: throw new InvalidOperationException($"no case for {op}");
        }
    }

    [Fact]
    public async Task Stats_CountsTheCurrentCallItself()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();

        Assert.Equal(1UL, (await s.StatsAsync()).Count(Operation.Stats));
        Assert.Equal(2UL, (await s.StatsAsync()).Count(Operation.Stats));
    }

    [Fact]
    public async Task ReserveAndReserveWithTimeout_AreCountedSeparately()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await s.PutTextAsync("a");
        await s.PutTextAsync("b");

        await s.ReserveAsync();
        await s.ReserveAsync(TimeSpan.FromSeconds(1));
        await s.ReserveAsync(TimeSpan.Zero);

        var stats = await s.StatsAsync();
        Assert.Equal((1UL, 2UL), (stats.Count(Operation.Reserve), stats.Count(Operation.ReserveWithTimeout)));
    }

    [Fact]
    public async Task Counters_AddUpAcrossSessions()
    {
        await using var h = new EngineHarness();
        await using var a = h.Open();
        await using var b = h.Open();

        await a.PeekAsync(1);
        await b.PeekAsync(2);
        await b.PeekAsync(3);

        Assert.Equal(3UL, (await a.StatsAsync()).Count(Operation.Peek));
    }
}
