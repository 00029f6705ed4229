using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;

namespace Queue.Server.Transport.Epoll;

internal sealed partial class EpollConnection
{
    private const int MinReceiveBuffer = 4096;
    private const int MaxReceiveBuffer = 256 * 1024;
    // Receives done inside ReadAsync in a row before the connection lets the loop serve others.
    private const int MaxBurstBytes = 128 * 1024;

    private byte[]? _in;
    private int _inStart;
    private int _inEnd;
    private int _examined;
    private int _receiveSize = MinReceiveBuffer;
    private int _burst;
    private bool _maybeReadable = true;
    private bool _eof;
    private bool _readerHolding;
    private bool _readerCompleted;
    private bool _readWaiting;
    private bool _readCancelRequested;

    private bool HasUnexaminedLocked => _inEnd > _examined;

    /// <summary>Whether a read can be answered now; receives first if the socket may have data and <paramref name="mayReceive"/>.</summary>
    private bool CanAnswerReadLocked(bool mayReceive)
    {
        if (_readCancelRequested || HasUnexaminedLocked || _eof) return true;
        if (mayReceive && _maybeReadable && !_readerHolding) ReceiveLocked();
        return HasUnexaminedLocked || _eof;
    }

    private ReadResult TakeReadResultLocked()
    {
        bool canceled = _readCancelRequested;
        _readCancelRequested = false;
        _readerHolding = true;
        var buffer = _in is null ? ReadOnlySequence<byte>.Empty : new ReadOnlySequence<byte>(_in, _inStart, _inEnd - _inStart);
        return new ReadResult(buffer, canceled, _eof && !canceled);
    }

    /// <summary>Receives until the socket has no more, the buffer is full or the peer closed (caller holds the lock, the reader holds no buffer).</summary>
    private unsafe void ReceiveLocked()
    {
        while (true)
        {
            if (_in is null)
            {
                _in = ArrayPool<byte>.Shared.Rent(_receiveSize);
                _inStart = _inEnd = _examined = 0;
            }
            if (_inEnd == _in.Length && !MakeReceiveRoomLocked()) return; // full: back-pressure until the reader consumes
            int room = _in.Length - _inEnd;
            nint n;
            fixed (byte* p = &_in[_inEnd])
            {
                n = EpollNative.Recv(_fd, p, (nuint)room, EpollNative.MsgDontWait);
            }
            if (n > 0)
            {
                _inEnd += (int)n;
                _burst += (int)n;
                if (n < room)
                {
                    // A short read drained the socket; new data brings a new edge.
                    _maybeReadable = false;
                    _receiveSize = MinReceiveBuffer;
                    return;
                }
                _receiveSize = Math.Min(_receiveSize * 2, MaxReceiveBuffer);
                continue;
            }
            if (n == 0)
            {
                _eof = true;
                _maybeReadable = false;
            }
            else
            {
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EpollNative.EIntr) continue;
                _maybeReadable = false;
                if (errno != EpollNative.EAgain) _eof = true; // reset or error: the input simply ends
                else _burst = 0;
            }
            if (_inStart == _inEnd) ReleaseInputBufferLocked();
            return;
        }
    }

    private bool MakeReceiveRoomLocked()
    {
        var buffer = _in!;
        int pending = _inEnd - _inStart;
        if (_inStart > 0 && buffer.Length - pending >= Math.Min(buffer.Length / 2, MinReceiveBuffer))
        {
            Buffer.BlockCopy(buffer, _inStart, buffer, 0, pending);
        }
        else if (buffer.Length < MaxReceiveBuffer)
        {
            var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(buffer.Length * 2, MaxReceiveBuffer));
            Buffer.BlockCopy(buffer, _inStart, bigger, 0, pending);
            ArrayPool<byte>.Shared.Return(buffer);
            _in = bigger;
        }
        else
        {
            return false;
        }
        _examined -= _inStart;
        _inEnd = pending;
        _inStart = 0;
        return true;
    }

    private void ReleaseInputBufferLocked()
    {
        if (_in is null || _readerHolding) return;
        var buffer = _in;
        _in = null;
        _inStart = _inEnd = _examined = 0;
        ArrayPool<byte>.Shared.Return(buffer);
    }

    private ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            if (_readerCompleted) throw new InvalidOperationException("The reader was completed.");
            if (_readWaiting || _readerHolding) throw new InvalidOperationException("A read is already in progress.");
            if (CanAnswerReadLocked(mayReceive: _burst < MaxBurstBytes)) return new ValueTask<ReadResult>(TakeReadResultLocked());
            _readWaiting = true;
            _input.Core.Reset();
            // An idle connection holds no buffers (the session writes nothing while it waits to read).
            if (_inStart == _inEnd) ReleaseInputBufferLocked();
            if (_outStart == _outEnd) ReleaseOutputBufferLocked();
            if (_maybeReadable) _loop.Post(this); // held back for fairness: the loop resumes it after others
        }
        if (cancellationToken.CanBeCanceled) _input.WatchCancellation(cancellationToken);
        return new ValueTask<ReadResult>(_input, _input.Core.Version);
    }

    private void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        lock (_sync)
        {
            if (!_readerHolding) throw new InvalidOperationException("No read to advance.");
            _readerHolding = false;
            if (_in is null) return;
            if (consumed.GetObject() is { } c && !ReferenceEquals(c, _in)) throw new InvalidOperationException("Position from another buffer.");
            int consumedAt = consumed.GetObject() is null ? _inStart : consumed.GetInteger();
            int examinedAt = examined.GetObject() is null ? consumedAt : examined.GetInteger();
            if (consumedAt < _inStart || consumedAt > _inEnd || examinedAt < consumedAt || examinedAt > _inEnd) throw new InvalidOperationException("Position outside the buffer.");
            _inStart = consumedAt;
            _examined = examinedAt;
            if (_inStart == _inEnd) _inStart = _inEnd = _examined = 0;
        }
    }

    private void CancelPendingRead()
    {
        lock (_sync) _readCancelRequested = true;
        CompleteWaiters();
    }

    private void CompleteReader()
    {
        lock (_sync)
        {
            _readerCompleted = true;
            _readerHolding = false;
            ReleaseInputBufferLocked();
        }
    }

    /// <summary>The connection's <see cref="PipeReader"/>: a view of its receive buffer.</summary>
    private sealed class InputReader(EpollConnection connection) : PipeReader, IValueTaskSource<ReadResult>
    {
        public ManualResetValueTaskSourceCore<ReadResult> Core = new() { RunContinuationsAsynchronously = false };
        private CancellationTokenRegistration _cancellation;

        public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default) => connection.ReadAsync(cancellationToken);

        public override bool TryRead(out ReadResult result)
        {
            lock (connection._sync)
            {
                if (connection._readWaiting || connection._readerHolding || connection._readerCompleted || !connection.CanAnswerReadLocked(mayReceive: true))
                {
                    result = default;
                    return false;
                }
                result = connection.TakeReadResultLocked();
                return true;
            }
        }

        public override void AdvanceTo(SequencePosition consumed) => connection.AdvanceTo(consumed, consumed);

        public override void AdvanceTo(SequencePosition consumed, SequencePosition examined) => connection.AdvanceTo(consumed, examined);

        public override void CancelPendingRead() => connection.CancelPendingRead();

        public override void Complete(Exception? exception = null) => connection.CompleteReader();

        public void WatchCancellation(CancellationToken token) =>
            _cancellation = token.UnsafeRegister(static s => ((EpollConnection)s!).CancelPendingRead(), connection);

        public void SetResult(ReadResult result)
        {
            _cancellation.Dispose();
            _cancellation = default;
            Core.SetResult(result);
        }

        ReadResult IValueTaskSource<ReadResult>.GetResult(short token) => Core.GetResult(token);

        ValueTaskSourceStatus IValueTaskSource<ReadResult>.GetStatus(short token) => Core.GetStatus(token);

        void IValueTaskSource<ReadResult>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            Core.OnCompleted(continuation, state, token, flags);
    }
}
