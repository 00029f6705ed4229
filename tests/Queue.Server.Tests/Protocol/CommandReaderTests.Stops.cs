using System.Buffers;
using Queue.Server.Protocol;
using Queue.Storage;
using Microsoft.Extensions.Time.Testing;

namespace Queue.Server.Tests.Protocol;

// Where a Read stops: a reserve that may block, quit, and the batch limit.
public sealed partial class CommandReaderTests
{
    private static CommandReader NewReader(long maxJobSize = 65535)
    {
        ulong id = 0;
        return new CommandReader(maxJobSize, () => ++id, new FakeTimeProvider(FramingDriver.Epoch));
    }

    private static ReadOnlySequence<byte> Bytes(string s) => new(FramingDriver.Latin1(s));

    private static long Offset(in ReadOnlySequence<byte> buffer, SequencePosition p) => buffer.Slice(buffer.Start, p).Length;

    [Fact]
    public void Reserve_FollowedByCommands_SameBatch()
    {
        // The engine stops at a reserve that blocks; commands after it wait in the batch.
        var reader = NewReader();
        var batch = new CommandBatch();
        var buffer = Bytes("list-tubes\r\nreserve\r\nlist-tube-used\r\n");
        var outcome = reader.Read(buffer, batch, 16);
        Assert.True(outcome.NeedMoreData);
        Assert.False(outcome.Quit);
        Assert.Equal(buffer.Length, Offset(buffer, outcome.Consumed));
        Assert.Equal(
            [Operation.ListTubes, Operation.Reserve, Operation.ListTubeUsed],
            Enumerable.Range(0, batch.Count).Select(i => batch[i].Op).ToArray());
    }

    [Fact]
    public void Put_AfterReserveInSameRead_StopsBeforePutLine_IdNotTakenEarly()
    {
        // beanstalkd reads (and numbers) a put only after the reserve before it has completed.
        ulong ids = 0;
        var reader = new CommandReader(65535, () => ++ids, new FakeTimeProvider(FramingDriver.Epoch));
        var batch = new CommandBatch();
        var buffer = Bytes("reserve-with-timeout 0\r\nput 0 0 1 1\r\nX\r\n");
        var outcome = reader.Read(buffer, batch, 16);
        Assert.False(outcome.NeedMoreData);
        Assert.Equal(24, Offset(buffer, outcome.Consumed));
        Assert.Equal(Operation.ReserveWithTimeout, Assert.Single(Enumerable.Range(0, batch.Count).Select(i => batch[i].Op)));
        Assert.Equal(0UL, ids);

        batch.Clear();
        var rest = buffer.Slice(outcome.Consumed);
        outcome = reader.Read(rest, batch, 16);
        Assert.True(outcome.NeedMoreData);
        Assert.Equal(rest.Length, Offset(rest, outcome.Consumed));
        Assert.Equal(1UL, ids);
        Assert.Equal(Operation.Put, batch[batch.Count - 1].Op);
    }

    [Fact]
    public void Reserve_AllShapes_DoNotStopTheBatch() =>
        FramingAssert.AllShapes("reserve\r\nlist-tube-used\r\nreserve-with-timeout 5\r\nreserve-job 3\r\nreservex\r\nreserve-with-timeout 99999999999999999999\r\nlist-tubes\r\n",
            new FramingExpectation(["Reserve Pending", Using, "ReserveWithTimeout Pending n=5", "ReserveJob Pending id=3", BadFormat, BadFormat, "ListTubes Pending"])
            { Stops = [] });

    [Fact]
    public void Quit_FollowedByCommands_StopsAndLeavesRestUnconsumed()
    {
        var reader = NewReader();
        var batch = new CommandBatch();
        var buffer = Bytes("list-tube-used\r\nquit\r\nlist-tubes\r\n");
        var outcome = reader.Read(buffer, batch, 16);
        Assert.True(outcome.Quit);
        Assert.False(outcome.NeedMoreData);
        Assert.Equal(22, Offset(buffer, outcome.Consumed));
        Assert.Equal(1, batch.Count);
        Assert.Equal(Operation.ListTubeUsed, batch[0].Op);
    }

    [Fact]
    public void Quit_AllShapes_NothingAfterItParsed() =>
        FramingAssert.AllShapes("list-tube-used\r\nquitx\r\nlist-tubes\r\nput 0 0 1 1\r\nX\r\n",
            new FramingExpectation([Using]) { Quit = true, Consumed = 23 });

    [Fact]
    public void AnyVerb_MaxCommandsReached_StopsWithoutNeedingData()
    {
        var reader = NewReader();
        var batch = new CommandBatch();
        var buffer = Bytes("list-tubes\r\nlist-tubes\r\nlist-tubes\r\nlist-tubes\r\nlist-tubes\r\n");
        long total = 0;
        int[] counts = new int[3];
        bool[] needMore = new bool[3];
        for (int i = 0; i < 3; i++)
        {
            batch.Clear();
            var outcome = reader.Read(buffer, batch, 2);
            counts[i] = batch.Count;
            needMore[i] = outcome.NeedMoreData;
            total += Offset(buffer, outcome.Consumed);
            buffer = buffer.Slice(outcome.Consumed);
        }
        Assert.Equal([2, 2, 1], counts);
        Assert.Equal([false, false, true], needMore);
        Assert.Equal(60, total);
    }

    [Fact]
    public void Put_HeaderFillsBatch_BodyReadByNextCall()
    {
        var reader = NewReader();
        var batch = new CommandBatch();
        var buffer = Bytes("put 0 0 1 1\r\nX\r\n");
        var outcome = reader.Read(buffer, batch, 1);
        Assert.False(outcome.NeedMoreData);
        Assert.Equal(13, Offset(buffer, outcome.Consumed));
        Assert.Equal(CommandFlags.PutHeader, batch[0].Flags);

        batch.Clear();
        buffer = buffer.Slice(outcome.Consumed);
        outcome = reader.Read(buffer, batch, 1);
        Assert.Equal(3, Offset(buffer, outcome.Consumed));
        Assert.Equal(CommandFlags.Counted, batch[0].Flags);
        Assert.Equal("X\r\n"u8.ToArray(), batch[0].Body);
    }

    [Fact]
    public void AnyVerb_MaxCommandsOfOne_SameSlotsAsUnlimited()
    {
        string input = "use a\r\nput 0 0 1 1\r\nX\r\nreserve\r\n" + new string('x', 250) + "\r\nlist-tubes\r\n";
        var one = new FramingDriver(maxCommands: 1);
        one.Arrive(input);
        var many = new FramingDriver(maxCommands: 64);
        many.Arrive(input);
        Assert.Equal(many.Slots, one.Slots);
        Assert.Equal(6, one.Slots.Count);
        Assert.Equal(input.Length, one.Consumed);
    }
}
