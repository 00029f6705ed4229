using System.IO.Pipelines;
using Queue.Server.Protocol;
using Queue.Storage;

namespace Queue.Server.Connections;

/// <summary>
/// One client connection over an <see cref="IDuplexPipe"/>: read, frame and parse every complete
/// command, apply them in one engine batch, answer them with one write. A reserve that blocks
/// parks the connection: later pipelined commands wait unread (as in beanstalkd), and a hang-up
/// meanwhile ends the reserve with TIMED_OUT.
/// </summary>
internal sealed class ConnectionSession
{
    private readonly IDuplexPipe _pipe;
    private readonly ServerContext _ctx;
    private readonly QueueSession _session;
    private readonly CommandReader _reader;
    private readonly CommandBatch _batch;
    private readonly CancellationToken _peerClosed;
    private static long s_bufferedInput;
    private long _lastBuffered;

    /// <summary>Bytes read from clients and not yet parsed, over all connections (for the memory-* stats).</summary>
    public static long BufferedBytes() => Volatile.Read(ref s_bufferedInput);
    private bool _peerCompleted;

    /// <param name="peerClosed">Fires when the client half-closes; a blocked reserve then ends with TIMED_OUT.</param>
    public ConnectionSession(IDuplexPipe pipe, ServerContext ctx, CancellationToken peerClosed)
    {
        _pipe = pipe;
        _peerClosed = peerClosed;
        _ctx = ctx;
        _session = ctx.Engine.OpenSession();
        _reader = new CommandReader(ctx.Engine.MaxJobSize, ctx.Engine.AllocateJobId, ctx.Time);
        _batch = new CommandBatch(4);
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var input = _pipe.Input;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(cancellationToken).ConfigureAwait(false);
                var buffer = result.Buffer;
                CommandReader.Outcome outcome;
                try
                {
                    outcome = _reader.Read(buffer, _batch, _ctx.MaxCommandsPerBatch);
                }
                catch
                {
                    input.AdvanceTo(buffer.Start);
                    throw;
                }
                long left = buffer.Length - buffer.Slice(buffer.Start, outcome.Consumed).Length;
                Interlocked.Add(ref s_bufferedInput, left - _lastBuffered);
                _lastBuffered = left;
                input.AdvanceTo(outcome.Consumed, outcome.NeedMoreData ? buffer.End : outcome.Consumed);
                if (result.IsCompleted) _peerCompleted = true;

                if (_batch.Count > 0) await ExecuteAndReplyAsync().ConfigureAwait(false);
                if (outcome.Quit) break;
                if (_peerCompleted && outcome.NeedMoreData) break;
            }
        }
        finally
        {
            Interlocked.Add(ref s_bufferedInput, -_lastBuffered);
            await _session.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask ExecuteAndReplyAsync()
    {
        var output = _pipe.Output;
        while (_batch.Count > 0)
        {
            await _session.ExecuteAsync(_batch).ConfigureAwait(false);
            int waitingAt = -1;
            for (int i = 0; i < _batch.Count; i++)
            {
                ref var cmd = ref _batch[i];
                if (cmd.Status == CommandStatus.MemoryWait)
                {
                    await output.FlushAsync().ConfigureAwait(false);
                    await RetryPutAfterMemoryWaitAsync(i).ConfigureAwait(false);
                    break;
                }
                if (cmd.Status == CommandStatus.Waiting)
                {
                    waitingAt = i;
                    break;
                }
                if ((cmd.Flags & CommandFlags.PutHeader) != 0) continue;
                var body = ReplyWriter.WriteReply(output, cmd, _ctx.Stats);
                if (body is not null) await WriteBodyAsync(output, body).ConfigureAwait(false);
            }
            await output.FlushAsync().ConfigureAwait(false);
            if (_retryFrom < 0) _putWaitDeadline = 0;
            if (_retryFrom >= 0)
            {
                // A put waited for memory: resubmit it and what followed it.
                _batch.RemoveFirst(_retryFrom);
                _retryFrom = -1;
                continue;
            }
            if (waitingAt < 0)
            {
                _batch.Clear();
                return;
            }

            // A reserve blocked: answer it when it completes, then run what was read after it.
            var waitingOp = _batch[waitingAt].Op;
            var outcome = await WaitWatchingForHangUpAsync().ConfigureAwait(false);
            var done = new EngineCommand { Op = waitingOp, Status = outcome.Status, Id = outcome.JobId, Body = outcome.Body };
            var reserved = ReplyWriter.WriteReply(output, done, _ctx.Stats);
            if (reserved is not null) await WriteBodyAsync(output, reserved).ConfigureAwait(false);
            await output.FlushAsync().ConfigureAwait(false);
            _batch.RemoveFirst(waitingAt + 1);
        }
    }

    private int _retryFrom = -1;
    private long _putWaitDeadline;

    /// <summary>
    /// --put-wait-ms: the put at <paramref name="index"/> was refused by the memory cap. Wait a
    /// little and retry it (and what followed it); past the deadline it is answered OUT_OF_MEMORY.
    /// </summary>
    private async ValueTask RetryPutAfterMemoryWaitAsync(int index)
    {
        long now = Environment.TickCount64;
        if (_putWaitDeadline == 0) _putWaitDeadline = now + (long)_ctx.Engine.Options.PutWait.TotalMilliseconds;
        if (now >= _putWaitDeadline)
        {
            _putWaitDeadline = 0;
            _batch[index].Status = CommandStatus.OutOfMemory;
            ReplyWriter.WriteReply(_pipe.Output, _batch[index], _ctx.Stats);
            _retryFrom = index + 1;
            return;
        }
        await Task.Delay(10).ConfigureAwait(false);
        _batch[index].Status = CommandStatus.Pending;
        _retryFrom = index;
    }

    private async ValueTask WriteBodyAsync(PipeWriter output, byte[] body)
    {
        if (body.Length <= _ctx.LargeBodyThreshold)
        {
            ReplyWriter.Write(output, body);
            return;
        }
        for (int offset = 0; offset < body.Length; offset += _ctx.LargeBodyThreshold)
        {
            int n = Math.Min(_ctx.LargeBodyThreshold, body.Length - offset);
            ReplyWriter.Write(output, body.AsSpan(offset, n));
            await output.FlushAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Waits for a blocked reserve. Like beanstalkd, the connection reads nothing meanwhile (later
    /// pipelined commands stay in the pipe); it only watches for the client hanging up.
    /// </summary>
    private async ValueTask<ReserveOutcome> WaitWatchingForHangUpAsync()
    {
        var wait = _session.WaitReserveAsync();
        if (wait.IsCompleted) return wait.Result;
        using var hangUp = _peerClosed.Register(static s => ((QueueSession)s!).CancelWait(), _session);
        return await wait.ConfigureAwait(false);
    }
}
