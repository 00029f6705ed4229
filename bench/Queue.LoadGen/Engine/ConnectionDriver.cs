using System.Net.Sockets;
using Queue.LoadGen.Net;
using Queue.LoadGen.Protocol;

namespace Queue.LoadGen.Engine;

/// <summary>
/// Drives one connection from an <see cref="EventLoop"/>: <see cref="Pump"/> tops the pipeline
/// window up to <c>--pipeline</c> commands and sends them in one write; <see cref="OnReadable"/>
/// reads once and handles every complete reply in the buffer. Nothing on this path allocates.
/// Failures are reported to <see cref="RunControl"/> and end the run.
/// </summary>
internal sealed class ConnectionDriver(
    int index,
    BeanstalkSocket socket,
    Workload workload,
    int pipeline,
    int minBatch,
    RunWindow window,
    RunControl control)
{
    private readonly InFlightRing _inFlight = new(pipeline);
    private int _inFlightCount;
    private volatile bool _done;

    public int Index => index;

    public BeanstalkSocket Socket => socket;

    public Workload Workload => workload;

    /// <summary>Nothing in flight and nothing more to send (or the connection failed).</summary>
    public bool IsDone => _done;

    /// <summary>Stopwatch timestamp at which the driver became done.</summary>
    public long FinishedAt { get; private set; }

    /// <summary>Commands awaiting replies (read by coordinators on other threads).</summary>
    public int InFlightCount => Volatile.Read(ref _inFlightCount);

    /// <summary>The window has room for a batch (or is empty), so <see cref="Pump"/> may send.</summary>
    public bool CanSend => _inFlight.Count == 0 || _inFlight.Capacity - _inFlight.Count >= minBatch;

    /// <summary>Sends whatever the workload wants to send now; marks the driver done when it is finished.</summary>
    public void Pump(long now)
    {
        try
        {
            if (!CanSend)
            {
                return;
            }

            int added = 0;
            while (_inFlight.Count < _inFlight.Capacity && workload.TryWriteNext(socket.Out, now, out InFlight command))
            {
                _inFlight.Push(command);
                added++;
            }

            if (added > 0)
            {
                _inFlight.StampNewest(added, Ticks.Now);
                Volatile.Write(ref _inFlightCount, _inFlight.Count);
                socket.Flush();
            }
            else if (_inFlight.Count == 0 && workload.IsFinished)
            {
                Finish();
            }
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    /// <summary>Reads what the server sent (the caller knows the socket is readable) and handles it.</summary>
    public void OnReadable()
    {
        try
        {
            socket.ReceiveMore();
            DrainReplies(Ticks.Now);
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    public void Fail(Exception ex)
    {
        string where = $"connection {index}";
        switch (ex)
        {
            case ProtocolViolationException:
                control.Fail(ExitCodes.ProtocolViolation, $"{where}: protocol violation: {ex.Message}");
                break;
            case SocketException or ObjectDisposedException:
                if (!control.IsAborted)
                {
                    control.Fail(ExitCodes.ConnectionFailed, $"{where}: {ex.Message}");
                }

                break;
            default:
                control.Fail(ExitCodes.InternalError, $"{where}: {ex}");
                break;
        }

        Finish();
    }

    private void Finish()
    {
        if (!_done)
        {
            FinishedAt = Ticks.Now;
            _done = true;
        }
    }

    private void DrainReplies(long receivedAt)
    {
        bool inWindow = window.Contains(receivedAt);
        while (true)
        {
            ReadOnlySpan<byte> buffered = socket.Buffered;
            ParseStatus status = ReplyParser.TryParse(buffered, out Reply reply);
            if (status == ParseStatus.Incomplete)
            {
                break;
            }

            if (status == ParseStatus.Invalid)
            {
                throw new ProtocolViolationException("unparsable reply: " + ProtocolViolationException.Excerpt(buffered));
            }

            if (_inFlight.Count == 0)
            {
                throw new ProtocolViolationException("reply without a command: " + ProtocolViolationException.Excerpt(buffered));
            }

            InFlight command = _inFlight.Pop();
            if (!ReplyRules.IsAllowed(command.Kind, reply.Kind))
            {
                throw new ProtocolViolationException($"{command.Kind.Name()} answered {reply.Kind.Token()}: " + ProtocolViolationException.Excerpt(buffered));
            }

            workload.Stats.Record(command.Kind, reply.Kind, receivedAt - command.SentAt, inWindow);
            workload.OnReply(command, reply, buffered.Slice(reply.BodyOffset, reply.BodyLength), receivedAt, inWindow);
            socket.Consume(reply.Consumed);
        }

        Volatile.Write(ref _inFlightCount, _inFlight.Count);
    }
}
