using System.Buffers;
using System.Text;
using Queue.Server.Diagnostics;
using Queue.Server.Protocol;
using Queue.Storage;

namespace Queue.Server.Tests.Protocol;

/// <summary><see cref="ReplyWriter"/>: the exact bytes for every (operation, status) the server produces.</summary>
public sealed class ReplyWriterTests
{
    private static readonly StatsFormatter s_stats = new(new ProcessInfo());

    private static (string Line, byte[]? Body) Write(EngineCommand cmd)
    {
        var w = new ArrayBufferWriter<byte>();
        var body = ReplyWriter.WriteReply(w, cmd, s_stats);
        return (Encoding.Latin1.GetString(w.WrittenSpan), body);
    }

    private static string Line(Operation op, CommandStatus status, ulong id = 0, long count = 0, string? tubeOut = null) =>
        Write(new EngineCommand { Op = op, Status = status, Id = id, Count = count, TubeOut = tubeOut }).Line;

    [Theory]
    [InlineData(Operation.Put, CommandStatus.Ok, 5ul, "INSERTED 5\r\n")]
    [InlineData(Operation.Put, CommandStatus.Ok, 18446744073709551615ul, "INSERTED 18446744073709551615\r\n")]
    [InlineData(Operation.Put, CommandStatus.Buried, 7ul, "BURIED 7\r\n")]
    [InlineData(Operation.Put, CommandStatus.Draining, 7ul, "DRAINING\r\n")]
    [InlineData(Operation.Put, CommandStatus.OutOfMemory, 7ul, "OUT_OF_MEMORY\r\n")]
    [InlineData(Operation.Put, CommandStatus.ExpectedCrlf, 7ul, "EXPECTED_CRLF\r\n")]
    [InlineData(Operation.Put, CommandStatus.BadFormat, 0ul, "BAD_FORMAT\r\n")]
    [InlineData(Operation.Put, CommandStatus.JobTooBig, 0ul, "JOB_TOO_BIG\r\n")]
    [InlineData(Operation.Put, CommandStatus.InternalError, 7ul, "INTERNAL_ERROR\r\n")]
    public void Put_EachOutcome_ExactReply(Operation op, CommandStatus status, ulong id, string expected) =>
        Assert.Equal(expected, Line(op, status, id));

    [Theory]
    [InlineData(CommandStatus.BadFormat, "BAD_FORMAT\r\n")]
    [InlineData(CommandStatus.UnknownCommand, "UNKNOWN_COMMAND\r\n")]
    [InlineData(CommandStatus.JobTooBig, "JOB_TOO_BIG\r\n")]
    public void None_ReaderDecidedError_ExactReply(CommandStatus status, string expected) =>
        Assert.Equal(expected, Line(Operation.None, status));

    [Theory]
    [InlineData(Operation.Reserve)]
    [InlineData(Operation.ReserveWithTimeout)]
    [InlineData(Operation.ReserveJob)]
    public void Reserve_Ok_ReservedLineAndBodyReturnedToStream(Operation op)
    {
        var body = "abc\r\n"u8.ToArray();
        var (line, returned) = Write(new EngineCommand { Op = op, Status = CommandStatus.Ok, Id = 42, Body = body });
        Assert.Equal("RESERVED 42 3\r\n", line);
        Assert.Same(body, returned);
    }

    [Fact]
    public void Reserve_EmptyBodyAndLargestId_ReservedZeroBytes()
    {
        var (line, returned) = Write(new EngineCommand { Op = Operation.Reserve, Status = CommandStatus.Ok, Id = ulong.MaxValue, Body = "\r\n"u8.ToArray() });
        Assert.Equal("RESERVED 18446744073709551615 0\r\n", line);
        Assert.Equal("\r\n"u8.ToArray(), returned);
    }

    [Theory]
    [InlineData(Operation.Reserve, CommandStatus.TimedOut, "TIMED_OUT\r\n")]
    [InlineData(Operation.Reserve, CommandStatus.DeadlineSoon, "DEADLINE_SOON\r\n")]
    [InlineData(Operation.ReserveWithTimeout, CommandStatus.TimedOut, "TIMED_OUT\r\n")]
    [InlineData(Operation.ReserveWithTimeout, CommandStatus.DeadlineSoon, "DEADLINE_SOON\r\n")]
    [InlineData(Operation.ReserveJob, CommandStatus.NotFound, "NOT_FOUND\r\n")]
    public void Reserve_NoJob_ExactReply(Operation op, CommandStatus status, string expected)
    {
        var (line, body) = Write(new EngineCommand { Op = op, Status = status });
        Assert.Equal(expected, line);
        Assert.Null(body);
    }

    [Theory]
    [InlineData(Operation.Peek)]
    [InlineData(Operation.PeekReady)]
    [InlineData(Operation.PeekDelayed)]
    [InlineData(Operation.PeekBuried)]
    public void Peek_FoundOrNot_ExactReply(Operation op)
    {
        var body = "hello\r\n"u8.ToArray();
        var (line, returned) = Write(new EngineCommand { Op = op, Status = CommandStatus.Ok, Id = 3, Body = body });
        Assert.Equal("FOUND 3 5\r\n", line);
        Assert.Same(body, returned);
        Assert.Equal("NOT_FOUND\r\n", Line(op, CommandStatus.NotFound));
    }

    [Theory]
    [InlineData(Operation.Delete, CommandStatus.Ok, "DELETED\r\n")]
    [InlineData(Operation.Delete, CommandStatus.NotFound, "NOT_FOUND\r\n")]
    [InlineData(Operation.Delete, CommandStatus.InternalError, "INTERNAL_ERROR\r\n")]
    [InlineData(Operation.Release, CommandStatus.Ok, "RELEASED\r\n")]
    [InlineData(Operation.Release, CommandStatus.Buried, "BURIED\r\n")]
    [InlineData(Operation.Release, CommandStatus.NotFound, "NOT_FOUND\r\n")]
    [InlineData(Operation.Release, CommandStatus.OutOfMemory, "OUT_OF_MEMORY\r\n")]
    [InlineData(Operation.Bury, CommandStatus.Ok, "BURIED\r\n")]
    [InlineData(Operation.Bury, CommandStatus.NotFound, "NOT_FOUND\r\n")]
    [InlineData(Operation.Bury, CommandStatus.InternalError, "INTERNAL_ERROR\r\n")]
    [InlineData(Operation.Touch, CommandStatus.Ok, "TOUCHED\r\n")]
    [InlineData(Operation.Touch, CommandStatus.NotFound, "NOT_FOUND\r\n")]
    [InlineData(Operation.KickJob, CommandStatus.Ok, "KICKED\r\n")]
    [InlineData(Operation.KickJob, CommandStatus.NotFound, "NOT_FOUND\r\n")]
    [InlineData(Operation.PauseTube, CommandStatus.Ok, "PAUSED\r\n")]
    [InlineData(Operation.PauseTube, CommandStatus.NotFound, "NOT_FOUND\r\n")]
    [InlineData(Operation.PauseTube, CommandStatus.BadFormat, "BAD_FORMAT\r\n")]
    [InlineData(Operation.Ignore, CommandStatus.NotIgnored, "NOT_IGNORED\r\n")]
    [InlineData(Operation.Watch, CommandStatus.OutOfMemory, "OUT_OF_MEMORY\r\n")]
    [InlineData(Operation.Use, CommandStatus.OutOfMemory, "OUT_OF_MEMORY\r\n")]
    [InlineData(Operation.StatsJob, CommandStatus.NotFound, "NOT_FOUND\r\n")]
    [InlineData(Operation.StatsTube, CommandStatus.NotFound, "NOT_FOUND\r\n")]
    public void JobAndTubeVerb_EachOutcome_ExactReply(Operation op, CommandStatus status, string expected) =>
        Assert.Equal(expected, Line(op, status));

    [Theory]
    [InlineData(0L, "KICKED 0\r\n")]
    [InlineData(3L, "KICKED 3\r\n")]
    [InlineData(4294967295L, "KICKED 4294967295\r\n")]
    public void Kick_Ok_KickedCount(long count, string expected) => Assert.Equal(expected, Line(Operation.Kick, CommandStatus.Ok, count: count));

    [Theory]
    [InlineData(Operation.Watch, 1L, "WATCHING 1\r\n")]
    [InlineData(Operation.Watch, 12L, "WATCHING 12\r\n")]
    [InlineData(Operation.Ignore, 2L, "WATCHING 2\r\n")]
    public void WatchIgnore_Ok_WatchingCount(Operation op, long count, string expected) => Assert.Equal(expected, Line(op, CommandStatus.Ok, count: count));

    [Theory]
    [InlineData(Operation.Use, "default")]
    [InlineData(Operation.ListTubeUsed, "default")]
    [InlineData(Operation.Use, "A-Za-z09+/;.$_()")]
    public void Use_Ok_UsingTube(Operation op, string tube) => Assert.Equal($"USING {tube}\r\n", Line(op, CommandStatus.Ok, tubeOut: tube));

    [Fact]
    public void Use_200CharacterTube_UsingWholeName()
    {
        string tube = new('u', 200);
        Assert.Equal($"USING {tube}\r\n", Line(Operation.Use, CommandStatus.Ok, tubeOut: tube));
    }

    [Fact]
    public void ListTubes_Ok_OkPayloadWithoutBodyToStream()
    {
        var (line, body) = Write(new EngineCommand { Op = Operation.ListTubes, Status = CommandStatus.Ok, Payload = new[] { "default", "foo" } });
        Assert.Equal("OK 20\r\n---\n- default\n- foo\n\r\n", line);
        Assert.Null(body);
    }

    public static TheoryData<Operation, object, string> OkPayloads => new()
    {
        { Operation.Stats, new ServerStats { CommandCounts = new ulong[32] }, "---\ncurrent-jobs-urgent: 0\n" },
        { Operation.StatsJob, new JobStats { Id = 9, Tube = "default" }, "---\nid: 9\ntube: default\n" },
        { Operation.StatsTube, new TubeStats { Name = "foo" }, "---\nname: foo\n" },
        { Operation.ListTubes, new[] { "a" }, "---\n- a\n" },
        { Operation.ListTubesWatched, new[] { "b" }, "---\n- b\n" },
    };

    [Theory, MemberData(nameof(OkPayloads))]
    public void StatsAndLists_Ok_OkLineCountingYamlThenCrlf(Operation op, object payload, string yamlStart)
    {
        var (line, body) = Write(new EngineCommand { Op = op, Status = CommandStatus.Ok, Payload = payload });
        Assert.Null(body);
        int header = line.IndexOf("\r\n", StringComparison.Ordinal);
        int n = int.Parse(line.AsSpan(3, header - 3), System.Globalization.CultureInfo.InvariantCulture);
        Assert.StartsWith("OK ", line, StringComparison.Ordinal);
        Assert.Equal(header + 2 + n + 2, line.Length);
        Assert.StartsWith(yamlStart, line[(header + 2)..], StringComparison.Ordinal);
        Assert.EndsWith("\n\r\n", line, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(CommandStatus.Pending)]
    [InlineData(CommandStatus.Waiting)]
    [InlineData(CommandStatus.InternalError)]
    public void AnyVerb_NoReplyableStatus_InternalError(CommandStatus status) =>
        Assert.Equal("INTERNAL_ERROR\r\n", Line(Operation.Delete, status));

    [Fact]
    public void None_Ok_InternalError() => Assert.Equal("INTERNAL_ERROR\r\n", Line(Operation.None, CommandStatus.Ok));

    [Fact]
    public void AnyVerb_SeveralReplies_AppendedInOrder()
    {
        var w = new ArrayBufferWriter<byte>();
        ReplyWriter.WriteReply(w, new EngineCommand { Op = Operation.Put, Status = CommandStatus.Ok, Id = 1 }, s_stats);
        ReplyWriter.WriteReply(w, new EngineCommand { Op = Operation.Delete, Status = CommandStatus.Ok }, s_stats);
        ReplyWriter.WriteReply(w, new EngineCommand { Op = Operation.None, Status = CommandStatus.UnknownCommand }, s_stats);
        Assert.Equal("INSERTED 1\r\nDELETED\r\nUNKNOWN_COMMAND\r\n", Encoding.Latin1.GetString(w.WrittenSpan));
    }
}
