using Queue.Server.Tests.TestKit;

namespace Queue.Server.Tests.Memory;

/// <summary>--put-wait-ms: a put refused by the memory cap waits for memory before OUT_OF_MEMORY.</summary>
public sealed class PutWaitTests
{
    private const long Cap = 100L << 20;

    private static TestServer Start(Func<long> sampler, TimeSpan putWait) =>
        TestServer.Start(configure: o =>
        {
            o.MaxMemory = Cap;
            o.MemorySampler = sampler;
            o.PutWait = putWait;
        });

    private static async Task UntilAsync(Func<string> probe, string expected)
    {
        for (int i = 0; i < 200; i++)
        {
            if (probe().Contains(expected, StringComparison.Ordinal)) return;
            await Task.Delay(10);
        }
        Assert.Fail($"never saw {expected}");
    }

    [Fact]
    public async Task Put_UnderPressure_WaitsAndIsInsertedWhenMemoryFreesUp_LaterCommandsKeepTheirOrder()
    {
        long used = 10L << 20;
        await using var server = Start(() => Interlocked.Read(ref used), TimeSpan.FromSeconds(30));
        using var client = server.Connect();
        Assert.Equal("INSERTED 1\r\n", client.Call("put 0 0 10 1\r\na\r\n"));
        Interlocked.Exchange(ref used, 95L << 20);
        await UntilAsync(() => client.Call("stats\r\n"), "\nmemory-pressure: 1\n");

        client.Send("put 0 0 10 1\r\nb\r\nlist-tube-used\r\n");
        Assert.Empty(client.Drain(TimeSpan.FromMilliseconds(200))); // the put waits, and what follows it too
        Interlocked.Exchange(ref used, 10L << 20);
        Assert.Equal("INSERTED 2\r\n", client.ReadLine());
        Assert.Equal("USING default\r\n", client.ReadLine());
    }

    [Fact]
    public async Task Put_UnderPressure_PastTheWait_RepliesOutOfMemory_ThenTheRestRuns()
    {
        long used = 95L << 20;
        await using var server = Start(() => Interlocked.Read(ref used), TimeSpan.FromMilliseconds(150));
        using var client = server.Connect();
        await UntilAsync(() => client.Call("stats\r\n"), "\nmemory-pressure: 1\n");
        client.Send("put 0 0 10 1\r\nb\r\nlist-tube-used\r\n");
        Assert.Equal("OUT_OF_MEMORY\r\n", client.ReadLine());
        Assert.Equal("USING default\r\n", client.ReadLine());
        Assert.Contains("\ncurrent-jobs-ready: 0\n", client.Call("stats\r\n"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_UnderPressure_NoWaitConfigured_RefusedAtOnce_OtherCommandsWork()
    {
        long used = 95L << 20;
        await using var server = Start(() => Interlocked.Read(ref used), TimeSpan.Zero);
        using var client = server.Connect();
        await UntilAsync(() => client.Call("stats\r\n"), "\nmemory-pressure: 1\n");
        Assert.Equal("OUT_OF_MEMORY\r\n", client.Call("put 0 0 10 1\r\nb\r\n"));
        Assert.Equal("USING default\r\n", client.Call("list-tube-used\r\n"));
        Assert.Equal("NOT_FOUND\r\n", client.Call("delete 1\r\n"));
    }
}
