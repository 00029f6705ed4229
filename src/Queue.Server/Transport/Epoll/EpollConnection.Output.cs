using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace Queue.Server.Transport.Epoll;

internal sealed partial class EpollConnection
{
    private const int MinSendBuffer = 4096;
    // A flush waits while this much is unsent (the client does not read), and resumes below the second.
    private const int PauseOutputBytes = 256 * 1024;
    private const int ResumeOutputBytes = 64 * 1024;

    private byte[]? _out;
    private int _outStart;
    private int _outEnd;
    private bool _writable = true;
    private bool _outputFailed;
    private bool _writerCompleted;
    private bool _flushWaiting;
    private bool _flushCancelRequested;
    private TaskCompletionSource? _drain;

    /// <summary>Sends what is buffered until it is all gone or the socket is full; returns the bytes still unsent.</summary>
    /// <remarks>Runs on either side, so it only moves <see cref="_outStart"/>: the writer may hold a span past <see cref="_outEnd"/>.</remarks>
    private unsafe int SendLocked()
    {
        while (_outStart < _outEnd && _writable && !_outputFailed)
        {
            nint n;
            fixed (byte* p = &_out![_outStart])
            {
                n = EpollNative.Send(_fd, p, (nuint)(_outEnd - _outStart), EpollNative.MsgDontWait | EpollNative.MsgNoSignal);
            }
            if (n > 0)
            {
                _outStart += (int)n;
                continue;
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno == EpollNative.EIntr) continue;
            if (errno == EpollNative.EAgain)
            {
                _writable = false; // the next EPOLLOUT edge says there is room again
                break;
            }
            // The peer is gone: nobody can be answered any more, and nothing more is read.
            _outputFailed = true;
            _eof = true;
        }
        if (_outputFailed) _outStart = _outEnd;
        return _outEnd - _outStart;
    }

    private Memory<byte> GetMemory(int sizeHint)
    {
        if (sizeHint < 1) sizeHint = 1;
        lock (_sync)
        {
            if (_writerCompleted) throw new InvalidOperationException("The writer was completed.");
            if (_out is null)
            {
                _out = ArrayPool<byte>.Shared.Rent(Math.Max(MinSendBuffer, sizeHint));
                _outStart = _outEnd = 0;
            }
            else if (_outStart == _outEnd)
            {
                _outStart = _outEnd = 0;
            }
            if (_out.Length - _outEnd < sizeHint)
            {
                int pending = _outEnd - _outStart;
                if (_out.Length - pending >= sizeHint)
                {
                    Buffer.BlockCopy(_out, _outStart, _out, 0, pending);
                }
                else
                {
                    var bigger = ArrayPool<byte>.Shared.Rent(Math.Max(_out.Length * 2, pending + sizeHint));
                    Buffer.BlockCopy(_out, _outStart, bigger, 0, pending);
                    ArrayPool<byte>.Shared.Return(_out);
                    _out = bigger;
                }
                _outStart = 0;
                _outEnd = pending;
            }
            return _out.AsMemory(_outEnd);
        }
    }

    private void Advance(int bytes)
    {
        lock (_sync)
        {
            if (_out is null || bytes < 0 || _outEnd + bytes > _out.Length) throw new InvalidOperationException("Advanced past the buffer.");
            _outEnd += bytes;
        }
    }

    private ValueTask<FlushResult> FlushAsync()
    {
        lock (_sync)
        {
            if (_flushCancelRequested)
            {
                _flushCancelRequested = false;
                return new ValueTask<FlushResult>(new FlushResult(isCanceled: true, isCompleted: false));
            }
            int pending = SendLocked();
            if (_outputFailed) return new ValueTask<FlushResult>(new FlushResult(isCanceled: false, isCompleted: true));
            if (pending == 0) return default; // the buffer is kept while the client keeps talking; a read that waits gives it back
            if (pending < PauseOutputBytes) return default; // the loop sends the rest when the socket has room
            _flushWaiting = true;
            _output.Core.Reset();
        }
        return new ValueTask<FlushResult>(_output, _output.Core.Version);
    }

    /// <summary>Whether a waiting flush may go on: enough was sent, or the peer is gone, or it was cancelled.</summary>
    private bool CanReleaseFlushLocked()
    {
        if (_flushCancelRequested || _outputFailed) return true;
        return SendLocked() <= ResumeOutputBytes;
    }

    private FlushResult TakeFlushResultLocked()
    {
        bool canceled = _flushCancelRequested;
        _flushCancelRequested = false;
        _flushWaiting = false;
        return new FlushResult(canceled, _outputFailed && !canceled);
    }

    private void CancelPendingFlush()
    {
        lock (_sync) _flushCancelRequested = true;
        CompleteWaiters();
    }

    private void CompleteWriter()
    {
        lock (_sync) _writerCompleted = true;
    }

    /// <summary>After the session: waits until every reply has been sent (or the peer is gone).</summary>
    private Task DrainOutputAsync()
    {
        lock (_sync)
        {
            if (_outputFailed || SendLocked() == 0)
            {
                ReleaseOutputBufferLocked();
                return Task.CompletedTask;
            }
            _drain = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _drain.Task;
        }
    }

    private void ReleaseOutputBufferLocked()
    {
        if (_out is null || _outStart != _outEnd) return;
        var buffer = _out;
        _out = null;
        _outStart = _outEnd = 0;
        ArrayPool<byte>.Shared.Return(buffer);
    }

    /// <summary>The connection's <see cref="PipeWriter"/>: appends to its send buffer; a flush sends.</summary>
    private sealed class OutputWriter(EpollConnection connection) : PipeWriter, IValueTaskSource<FlushResult>
    {
        public ManualResetValueTaskSourceCore<FlushResult> Core = new() { RunContinuationsAsynchronously = false };

        public override void Advance(int bytes) => connection.Advance(bytes);

        public override Memory<byte> GetMemory(int sizeHint = 0) => connection.GetMemory(sizeHint);

        public override Span<byte> GetSpan(int sizeHint = 0) => connection.GetMemory(sizeHint).Span;

        public override ValueTask<FlushResult> FlushAsync(CancellationToken cancellationToken = default) => connection.FlushAsync();

        public override void CancelPendingFlush() => connection.CancelPendingFlush();

        public override void Complete(Exception? exception = null) => connection.CompleteWriter();

        FlushResult IValueTaskSource<FlushResult>.GetResult(short token) => Core.GetResult(token);

        ValueTaskSourceStatus IValueTaskSource<FlushResult>.GetStatus(short token) => Core.GetStatus(token);

        void IValueTaskSource<FlushResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            Core.OnCompleted(continuation, state, token, flags);
    }
}
