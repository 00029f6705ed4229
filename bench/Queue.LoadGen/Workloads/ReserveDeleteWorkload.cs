using Queue.LoadGen.Engine;
using Queue.LoadGen.Protocol;

namespace Queue.LoadGen.Workloads;

/// <summary>
/// Reserve a job, delete it, repeat; deletes go out before new reserves. A TIMED_OUT means the
/// tube ran dry, so the connection stops reserving. Also used, with <c>reserve-with-timeout 0</c>,
/// to purge leftovers before a pubsub run.
/// </summary>
internal sealed class ReserveDeleteWorkload : Workload
{
    private readonly IdQueue _toDelete;
    private readonly byte[] _reserve;
    private readonly long _issueEnd;
    private readonly RunControl _control;
    private readonly Pacer? _pacer;
    private bool _stopped;

    public ReserveDeleteWorkload(int pipeline, ReadOnlySpan<byte> reserveCommand, long issueEnd, RunControl control, ConnectionStats stats, Pacer? pacer = null)
        : base(stats)
    {
        _toDelete = new IdQueue(pipeline);
        _reserve = reserveCommand.ToArray();
        _issueEnd = issueEnd;
        _control = control;
        _pacer = pacer;
    }

    /// <summary>The connection saw TIMED_OUT: no ready job was left.</summary>
    public bool RanDry { get; private set; }

    /// <summary>DELETED replies over the whole run.</summary>
    public long Deleted { get; private set; }

    public override bool IsFinished => _stopped && _toDelete.Count == 0;

    public override long NextDue => _stopped || _pacer is null ? long.MaxValue : _pacer.NextDue;

    public override bool TryWriteNext(CommandWriter writer, long now, out InFlight command)
    {
        if (_toDelete.Count > 0)
        {
            ulong id = _toDelete.Dequeue();
            writer.WriteDelete(id);
            command = new InFlight(CommandKind.Delete, id, 0);
            return true;
        }

        command = default;
        if (_stopped || RanDry || now >= _issueEnd || _control.IsAborted)
        {
            _stopped = true;
            return false;
        }

        if (_pacer is not null && !_pacer.TryTake(now))
        {
            return false;
        }

        writer.Write(_reserve);
        command = new InFlight(CommandKind.Reserve, 0, 0);
        return true;
    }

    public override void OnReply(in InFlight command, in Reply reply, ReadOnlySpan<byte> body, long now, bool inWindow)
    {
        switch (reply.Kind)
        {
            case ReplyKind.Reserved:
                _toDelete.Enqueue(reply.Value);
                break;
            case ReplyKind.TimedOut:
                RanDry = true;
                break;
            case ReplyKind.Deleted:
                Deleted++;
                if (inWindow)
                {
                    Stats.Jobs++;
                }

                break;
        }
    }
}
