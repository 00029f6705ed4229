using Queue.LoadGen.Engine;
using Queue.LoadGen.Protocol;

namespace Queue.LoadGen.Workloads;

/// <summary>
/// Puts the same body over and over. Used by <c>put</c>, <c>fill</c> (stops at the first refusal)
/// and the reserve-delete prefill (stops when the shared budget is spent).
/// </summary>
internal sealed class PutWorkload : Workload
{
    private readonly byte[] _header;
    private readonly byte[] _body;
    private readonly long _issueEnd;
    private readonly RunControl _control;
    private readonly Pacer? _pacer;
    private readonly PutBudget? _budget;
    private readonly FillState? _fill;
    private bool _stopped;

    public PutWorkload(int bodySize, long issueEnd, RunControl control, ConnectionStats stats, Pacer? pacer = null, PutBudget? budget = null, FillState? fill = null)
        : base(stats)
    {
        _header = Commands.PutHeader(bodySize);
        _body = Commands.BodyWithCrlf(bodySize);
        _issueEnd = issueEnd;
        _control = control;
        _pacer = pacer;
        _budget = budget;
        _fill = fill;
    }

    /// <summary>INSERTED replies over the whole run.</summary>
    public long Inserted { get; private set; }

    /// <summary>fill: INSERTED replies that arrived before any connection saw a refusal.</summary>
    public long AcceptedBeforeRefusal { get; private set; }

    public override bool IsFinished => _stopped;

    public override long NextDue => _stopped || _pacer is null ? long.MaxValue : _pacer.NextDue;

    public override bool TryWriteNext(CommandWriter writer, long now, out InFlight command)
    {
        command = default;
        if (_stopped || ShouldStop(now))
        {
            _stopped = true;
            return false;
        }

        if (_pacer is not null && !_pacer.TryTake(now))
        {
            return false;
        }

        if (_budget is not null && !_budget.TryTake())
        {
            _stopped = true;
            return false;
        }

        writer.Write(_header);
        writer.Write(_body);
        command = new InFlight(CommandKind.Put, 0, 0);
        return true;
    }

    public override void OnReply(in InFlight command, in Reply reply, ReadOnlySpan<byte> body, long now, bool inWindow)
    {
        if (reply.Kind == ReplyKind.Inserted)
        {
            Inserted++;
            if (inWindow)
            {
                Stats.Jobs++;
            }

            if (_fill is { Refused: false })
            {
                AcceptedBeforeRefusal++;
            }
        }
        else if (reply.Kind == ReplyKind.OutOfMemory)
        {
            _fill?.MarkRefused();
        }
    }

    private bool ShouldStop(long now) => now >= _issueEnd || _control.IsAborted || _fill is { Refused: true };
}
