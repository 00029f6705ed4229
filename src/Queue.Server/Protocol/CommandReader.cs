using System.Buffers;
using Queue.Storage;

namespace Queue.Server.Protocol;

/// <summary>
/// Framing state of one connection: turns the incoming byte stream into engine commands, with
/// beanstalkd's rules for over-long lines, put bodies, EXPECTED_CRLF and JOB_TOO_BIG. Pure: no I/O,
/// so tests can feed it any fragmentation of the input.
/// Deviation from 1.12 (docs/compatibility.md): a line ends at the first CRLF. 1.12 looks only at
/// the first CR, so a stray CR stalls the connection, and a 225-byte line swallows the next command.
/// </summary>
internal sealed class CommandReader
{
    private enum State : byte { Command, DiscardLine, Body, DiscardBody }

    private readonly long _maxJobSize;
    private readonly Func<ulong> _allocateId;
    private readonly TimeProvider _time;
    private State _state;
    private ParsedCommand _put;
    private byte[]? _body;
    private int _bodyFilled;
    private ulong _putId;
    private long _putCreatedAtMs;
    private long _discardLeft;

    public CommandReader(long maxJobSize, Func<ulong> allocateId, TimeProvider time)
    {
        _maxJobSize = maxJobSize;
        _allocateId = allocateId;
        _time = time;
    }

    /// <summary>Result of one <see cref="Read"/> call.</summary>
    public readonly record struct Outcome(SequencePosition Consumed, bool NeedMoreData, bool Quit);

    /// <summary>
    /// Parses commands from <paramref name="buffer"/> into <paramref name="batch"/> until the data
    /// runs out, the batch holds <paramref name="maxCommands"/>, a reserve (which may block) or
    /// a quit is read.
    /// </summary>
    public Outcome Read(in ReadOnlySequence<byte> buffer, CommandBatch batch, int maxCommands)
    {
        var reader = new SequenceReader<byte>(buffer);
        bool afterReserve = false;
        while (batch.Count < maxCommands)
        {
            switch (_state)
            {
                case State.Command:
                    if (!ReadCommand(ref reader, batch, ref afterReserve, out bool stop, out bool quit, out bool needMore))
                    {
                        if (needMore) return new(reader.Position, true, false);
                        continue;
                    }
                    if (quit) return new(reader.Position, false, true);
                    if (stop) return new(reader.Position, false, false);
                    break;
                case State.DiscardLine:
                    if (!DiscardLine(ref reader, batch)) return new(reader.Position, true, false);
                    break;
                case State.Body:
                    if (!ReadBody(ref reader, batch)) return new(reader.Position, true, false);
                    break;
                case State.DiscardBody:
                    if (!DiscardBody(ref reader, batch)) return new(reader.Position, true, false);
                    break;
            }
        }
        return new(reader.Position, false, false);
    }

    /// <summary>Reads one line. Returns false when more data is needed or the state changed without a command.</summary>
    /// <remarks>
    /// Commands after a reserve are parsed into the same batch (the engine stops at a reserve that
    /// blocks, and the connection resubmits the rest once it completes), except a put: its id is
    /// taken when its line is parsed, which beanstalkd does only after the reserve is done.
    /// </remarks>
    private bool ReadCommand(ref SequenceReader<byte> reader, CommandBatch batch, ref bool afterReserve, out bool stop, out bool quit, out bool needMore)
    {
        stop = quit = needMore = false;
        long available = reader.Remaining;
        if (available == 0)
        {
            needMore = true;
            return false;
        }
        int window = (int)Math.Min(available, ProtocolLimits.MaxLineLength);
        scoped ReadOnlySpan<byte> span = reader.UnreadSpan;
        Span<byte> copy = stackalloc byte[ProtocolLimits.MaxLineLength];
        if (span.Length < window)
        {
            reader.UnreadSequence.Slice(0, window).CopyTo(copy);
            span = copy[..window];
        }
        else
        {
            span = span[..window];
        }
        int crlf = span.IndexOf("\r\n"u8);
        if (crlf < 0)
        {
            if (window == ProtocolLimits.MaxLineLength) _state = State.DiscardLine;
            else needMore = true;
            return false;
        }
        var line = span[..crlf];
        if (afterReserve && line.StartsWith("put "u8))
        {
            stop = true;
            return true;
        }
        var parsed = CommandParser.Parse(line, _maxJobSize);
        reader.Advance(crlf + 2);
        if (parsed.Quit)
        {
            quit = true;
            return true;
        }
        if (parsed.Op == Operation.Put) return StartPut(parsed, batch);
        Emit(batch, parsed);
        if (parsed.Status == CommandStatus.Pending && parsed.Op is Operation.Reserve or Operation.ReserveWithTimeout) afterReserve = true;
        return true;
    }

    private bool StartPut(in ParsedCommand parsed, CommandBatch batch)
    {
        switch (parsed.Status)
        {
            case CommandStatus.JobTooBig:
                // Counted now; the reply comes only after bytes+2 more bytes have been thrown away.
                EmitPutHeader(batch, parsed.Status);
                _put = parsed;
                _discardLeft = (long)parsed.Bytes + 2;
                _state = State.DiscardBody;
                return true;
            case CommandStatus.Pending:
                EmitPutHeader(batch, parsed.Status);
                _put = parsed;
                _putId = _allocateId(); // beanstalkd consumes the id when the line parses
                _putCreatedAtMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
                _body = new byte[parsed.Bytes + 2];
                _bodyFilled = 0;
                _state = State.Body;
                return true;
            default:
                // BAD_FORMAT (counted): the body is not consumed; its bytes are read as commands.
                Emit(batch, parsed);
                return true;
        }
    }

    private bool ReadBody(ref SequenceReader<byte> reader, CommandBatch batch)
    {
        var body = _body!;
        int n = (int)Math.Min(reader.Remaining, body.Length - _bodyFilled);
        reader.UnreadSequence.Slice(0, n).CopyTo(body.AsSpan(_bodyFilled));
        reader.Advance(n);
        _bodyFilled += n;
        if (_bodyFilled < body.Length) return false;

        ref var c = ref batch.Add();
        c.Op = Operation.Put;
        c.Flags = CommandFlags.Counted;
        c.Id = _putId;
        c.Priority = _put.Priority;
        c.Delay = _put.Delay;
        c.Ttr = _put.Ttr;
        c.CreatedAtMs = _putCreatedAtMs;
        if (body[^2] == '\r' && body[^1] == '\n') c.Body = body;
        else c.Status = CommandStatus.ExpectedCrlf;
        _body = null;
        _state = State.Command;
        return true;
    }

    private bool DiscardBody(ref SequenceReader<byte> reader, CommandBatch batch)
    {
        long n = Math.Min(reader.Remaining, _discardLeft);
        reader.Advance(n);
        _discardLeft -= n;
        if (_discardLeft > 0) return false;
        batch.Add().Status = CommandStatus.JobTooBig;
        _state = State.Command;
        return true;
    }

    /// <summary>Throws input away up to and including the next CRLF, then answers BAD_FORMAT.</summary>
    private bool DiscardLine(ref SequenceReader<byte> reader, CommandBatch batch)
    {
        while (reader.TryAdvanceTo((byte)'\r', advancePastDelimiter: true))
        {
            if (!reader.TryPeek(out byte next))
            {
                reader.Rewind(1); // keep the CR: its LF may arrive with the next read
                return false;
            }
            if (next != '\n') continue;
            reader.Advance(1);
            batch.Add().Status = CommandStatus.BadFormat;
            _state = State.Command;
            return true;
        }
        reader.AdvanceToEnd();
        return false;
    }

    private static void EmitPutHeader(CommandBatch batch, CommandStatus status)
    {
        ref var c = ref batch.Add();
        c.Op = Operation.Put;
        c.Flags = CommandFlags.PutHeader;
        c.Status = status;
    }

    private static void Emit(CommandBatch batch, in ParsedCommand p)
    {
        ref var c = ref batch.Add();
        c.Op = p.Op;
        c.Status = p.Status;
        c.Id = p.Id;
        c.Priority = p.Priority;
        c.Delay = p.Delay;
        c.Ttr = p.Ttr;
        c.Number = p.Number;
        c.Tube = p.Tube;
    }
}
