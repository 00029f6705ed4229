using Queue.LoadGen.Engine;
using Queue.LoadGen.Protocol;

namespace Queue.LoadGen.Workloads.PubSub;

/// <summary>
/// Reserves (<c>reserve-with-timeout 1</c>), records every delivered sequence number and the
/// put-to-reserve latency, and deletes each job. See <see cref="DrainCoordinator"/> for how it stops.
/// </summary>
internal sealed class PubSubConsumer : Workload
{
    /// <summary><see cref="InFlight.Tag"/> of a reserve sent during the final drain.</summary>
    private const ulong DrainReserve = 1;

    private readonly object _gate = new();
    private readonly IdQueue _toDelete;
    private readonly SequenceLedger _ledger;
    private readonly DrainCoordinator _drain;
    private readonly ulong _runTag;
    private readonly int _bodySize;
    private readonly RunControl _control;
    private int _reservesInFlight;
    private bool _drainTimedOut;
    private bool _drainStarted;
    private bool _done;

    public PubSubConsumer(int pipeline, int bodySize, SequenceLedger ledger, DrainCoordinator drain, ulong runTag, RunControl control, ConnectionStats stats)
        : base(stats)
    {
        _toDelete = new IdQueue(pipeline);
        _bodySize = bodySize;
        _ledger = ledger;
        _drain = drain;
        _runTag = runTag;
        _control = control;
    }

    /// <summary>Jobs without this run's tag (leftovers from other runs or clients); deleted, not counted.</summary>
    public long ForeignJobs { get; private set; }

    public override bool IsFinished => _done && _toDelete.Count == 0;

    /// <summary>Reserves queued on the server; taken under the issue lock so the count cannot grow after a drain request.</summary>
    public int ReservesInFlightAfterDrainRequest()
    {
        lock (_gate)
        {
            return Volatile.Read(ref _reservesInFlight);
        }
    }

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
        if (_done || _control.IsAborted)
        {
            _done = true;
            return false;
        }

        if (!_drain.DrainRequested && TryWriteSteadyReserve(writer, out command))
        {
            return true;
        }

        return TryWriteDrainReserve(writer, now, out command);
    }

    public override void OnReply(in InFlight command, in Reply reply, ReadOnlySpan<byte> body, long now, bool inWindow)
    {
        if (command.Kind != CommandKind.Reserve)
        {
            return;
        }

        Volatile.Write(ref _reservesInFlight, _reservesInFlight - 1);
        if (reply.Kind == ReplyKind.Reserved)
        {
            _toDelete.Enqueue(reply.Value);
            Account(body, now, inWindow);
        }
        else if (reply.Kind == ReplyKind.TimedOut && command.Tag == DrainReserve)
        {
            _drainTimedOut = true;
        }
    }

    private bool TryWriteSteadyReserve(CommandWriter writer, out InFlight command)
    {
        lock (_gate)
        {
            command = default;
            if (_drain.DrainRequested)
            {
                return false;
            }

            writer.Write(Commands.ReserveWithTimeout1);
            Volatile.Write(ref _reservesInFlight, _reservesInFlight + 1);
            command = new InFlight(CommandKind.Reserve, 0, 0);
            return true;
        }
    }

    private bool TryWriteDrainReserve(CommandWriter writer, long now, out InFlight command)
    {
        command = default;
        if (_drain.PastDeadline(now))
        {
            _done = true;
            return false;
        }

        if (!_drainStarted)
        {
            // The drain starts once every steady reserve has come back (the sentinels see to that).
            if (!_drain.SentinelsPut || _reservesInFlight > 0)
            {
                return false;
            }

            _drainStarted = true;
        }

        if (_drainTimedOut || _drain.AllAccountedFor)
        {
            _done = true;
            return false;
        }

        // Production is over and every put was acknowledged, so an empty answer means an empty
        // tube: reserves with timeout 0 can fill the window, and the drain is not one job per
        // round trip (per fsync, with -f0).
        writer.Write(Commands.ReserveWithTimeout0);
        Volatile.Write(ref _reservesInFlight, _reservesInFlight + 1);
        command = new InFlight(CommandKind.Reserve, DrainReserve, 0);
        return true;
    }

    private void Account(ReadOnlySpan<byte> body, long now, bool inWindow)
    {
        if (!PubSubBody.TryRead(body, _runTag, out ulong sequence, out long putAt))
        {
            ForeignJobs++;
            return;
        }

        if (sequence == PubSubBody.SentinelSequence)
        {
            _drain.SentinelReceived();
            return;
        }

        if (sequence >= _ledger.Issued || body.Length != _bodySize)
        {
            throw new ProtocolViolationException($"corrupt job body (sequence {sequence}, {body.Length} bytes)");
        }

        _ledger.MarkDelivered(sequence);
        if (inWindow)
        {
            Stats.Jobs++;
            Stats.RecordEndToEnd(now - putAt);
        }
    }
}
