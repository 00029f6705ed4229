using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Engine;

/// <summary>The batch API a protocol connection uses: several parsed commands, one round trip.</summary>
public class CommandBatchTests
{
    private static void AddPut(CommandBatch batch, QueueEngine engine, string body, uint priority)
    {
        ref var put = ref batch.Add();
        put.Op = Operation.Put;
        put.Priority = priority;
        put.Ttr = 60;
        put.Id = engine.AllocateJobId();
        put.Body = System.Text.Encoding.ASCII.GetBytes(body + "\r\n");
    }

    [Fact]
    public async Task ExecuteAsync_AppliesAllCommandsInOrder()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        var batch = new CommandBatch(2); // grows past its initial capacity
        batch.Add() = new EngineCommand { Op = Operation.Use, Tube = "t" };
        AddPut(batch, h.Engine, "one", 5);
        AddPut(batch, h.Engine, "two", 1);
        batch.Add() = new EngineCommand { Op = Operation.PeekReady };

        await s.ExecuteAsync(batch);

        Assert.Equal(4, batch.Count);
        Assert.Equal("t", batch[0].TubeOut);
        Assert.Equal((CommandStatus.Ok, CommandStatus.Ok), (batch[1].Status, batch[2].Status));
        Assert.Equal(batch[2].Id, batch[3].Id); // the peek saw both puts: pri 1 wins
        Assert.Equal("two\r\n"u8.ToArray(), batch[3].Body);
    }

    [Fact]
    public async Task ExecuteAsync_StopsAtABlockingReserve_LeavingLaterCommandsPending()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        await using var producer = h.Open();
        var batch = new CommandBatch();
        batch.Add() = new EngineCommand { Op = Operation.Reserve };
        batch.Add() = new EngineCommand { Op = Operation.ListTubeUsed };

        await s.ExecuteAsync(batch);

        Assert.Equal(CommandStatus.Waiting, batch[0].Status);
        Assert.Equal(CommandStatus.Pending, batch[1].Status);
        ulong id = await producer.PutTextAsync("x");
        var outcome = await s.WaitReserveAsync().AsTask().WaitAsync(EngineHarness.Patience);
        Assert.Equal((CommandStatus.Ok, id), (outcome.Status, outcome.JobId));
        Assert.Equal("x\r\n"u8.ToArray(), outcome.Body);
    }

    [Fact]
    public async Task Clear_EmptiesTheBatchForReuse()
    {
        await using var h = new EngineHarness();
        await using var s = h.Open();
        var batch = new CommandBatch();
        batch.Add() = new EngineCommand { Op = Operation.ListTubes };
        await s.ExecuteAsync(batch);

        batch.Clear();
        batch.Add() = new EngineCommand { Op = Operation.ListTubeUsed };
        await s.ExecuteAsync(batch);

        Assert.Equal(1, batch.Count);
        Assert.Equal("default", batch[0].TubeOut);
        Assert.Null(batch[0].Payload);
    }
}
