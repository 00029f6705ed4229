using Queue.LoadGen.Engine;
using Queue.LoadGen.Protocol;

namespace Queue.LoadGen.Workloads.PubSub;

/// <summary>Puts jobs stamped with a fresh sequence number and the put time; records acknowledgements.</summary>
internal sealed class PubSubProducer : Workload
{
    private readonly byte[] _header;
    private readonly byte[] _body;
    private readonly SequenceLedger _ledger;
    private readonly ulong _runTag;
    private readonly long _issueEnd;
    private readonly RunControl _control;
    private readonly Pacer? _pacer;
    private bool _stopped;

    public PubSubProducer(int bodySize, SequenceLedger ledger, ulong runTag, long issueEnd, RunControl control, ConnectionStats stats, Pacer? pacer)
        : base(stats)
    {
        _header = Commands.PutHeader(bodySize);
        _body = PubSubBody.Template(bodySize);
        _ledger = ledger;
        _runTag = runTag;
        _issueEnd = issueEnd;
        _control = control;
        _pacer = pacer;
    }

    public override bool IsFinished => _stopped;

    public override long NextDue => _stopped || _pacer is null ? long.MaxValue : _pacer.NextDue;

    public override bool TryWriteNext(CommandWriter writer, long now, out InFlight command)
    {
        command = default;
        if (_stopped || now >= _issueEnd || _control.IsAborted)
        {
            _stopped = true;
            return false;
        }

        if (_pacer is not null && !_pacer.TryTake(now))
        {
            return false;
        }

        ulong sequence = _ledger.Next();
        writer.Write(_header);
        PubSubBody.Stamp(writer.WriteAndGet(_body), sequence, Ticks.Now, _runTag);
        command = new InFlight(CommandKind.Put, sequence, 0);
        return true;
    }

    public override void OnReply(in InFlight command, in Reply reply, ReadOnlySpan<byte> body, long now, bool inWindow)
    {
        if (reply.Kind == ReplyKind.Inserted)
        {
            _ledger.MarkAcked(command.Tag);
        }
    }
}
