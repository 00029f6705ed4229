using System.IO.Pipelines;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Queue.Server.Transport.Epoll;

/// <summary>
/// A connection served by an <see cref="EpollLoop"/>: its own receive and send buffers behind a
/// <see cref="PipeReader"/> and <see cref="PipeWriter"/> that the protocol session uses as it
/// would a pipe. Reading receives straight from the socket when the buffer has nothing new, and
/// flushing sends straight to it; only when the socket has nothing to give (or no room) does
/// the connection wait for the loop's next readiness event. The state is guarded by one lock,
/// since the session may run on a pool thread (after an engine or commit wait) while the loop
/// reports readiness. Bounded on both sides like the pipe transport: a client that floods input
/// or never reads its replies stalls on TCP back-pressure instead of growing the server.
/// </summary>
internal sealed partial class EpollConnection : IDuplexPipe, ITransportConnection
{
    private readonly Socket _socket;
    private readonly int _fd;
    private readonly EpollLoop _loop;
    private readonly Lock _sync = new();
    private readonly CancellationTokenSource _peerClosedSource = new();
    private readonly InputReader _input;
    private readonly OutputWriter _output;
    private bool _closeRequested;
    private bool _closed;

    public EpollConnection(Socket socket, EpollLoop loop)
    {
        _socket = socket;
        _fd = (int)socket.SafeHandle.DangerousGetHandle();
        _loop = loop;
        _input = new InputReader(this);
        _output = new OutputWriter(this);
    }

    internal GCHandle LoopHandle { get; set; }

    public PipeReader Input => _input;
    public PipeWriter Output => _output;
    public CancellationToken PeerClosed => _peerClosedSource.Token;

    public async Task RunAsync(Func<IDuplexPipe, Task> application)
    {
        lock (_sync)
        {
            // Registration and closing exclude each other: a connection aborted before it ran is never registered.
            if (_closeRequested) return;
            try
            {
                _loop.Register(this, _fd);
            }
            catch
            {
                _socket.Dispose();
                throw;
            }
        }
        try
        {
            await application(this).ConfigureAwait(false);
        }
        finally
        {
            await _output.CompleteAsync().ConfigureAwait(false);
            await _input.CompleteAsync().ConfigureAwait(false);
            await DrainOutputAsync().ConfigureAwait(false);
            try
            {
                _socket.Shutdown(SocketShutdown.Both);
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
                // The peer is already gone.
            }
            RequestClose();
        }
    }

    /// <summary>Half-closes the receive side: the application sees end-of-input after what it has.</summary>
    public void StopReceiving()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Receive);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
        lock (_sync)
        {
            _maybeReadable = true;
        }
        _loop.Post(this);
    }

    /// <summary>Closes the socket at once; waiting reads and flushes end.</summary>
    public void Abort()
    {
        lock (_sync)
        {
            _eof = true;
            _outputFailed = true;
        }
        CompleteWaiters(); // ends waiting reads and flushes and, at end of input, fires PeerClosed
        RequestClose();
    }

    /// <summary>Readiness from the loop (loop thread).</summary>
    internal void OnEvents(uint events)
    {
        if (_closed) return;
        bool hangUp = (events & (EpollNative.EpollRdHup | EpollNative.EpollHup | EpollNative.EpollErr)) != 0;
        lock (_sync)
        {
            if ((events & (EpollNative.EpollIn | EpollNative.EpollRdHup | EpollNative.EpollHup | EpollNative.EpollErr)) != 0) _maybeReadable = true;
            if ((events & (EpollNative.EpollOut | EpollNative.EpollHup | EpollNative.EpollErr)) != 0) _writable = true;
        }
        if (hangUp) SignalPeerClosed();
        CompleteWaiters();
    }

    /// <summary>Work handed to the loop thread: resume a read held back for fairness, finish a stop, close.</summary>
    internal void OnPosted()
    {
        if (_closed) return;
        bool close;
        lock (_sync)
        {
            _burst = 0;
            close = _closeRequested;
        }
        if (close)
        {
            CloseOnLoop();
            return;
        }
        CompleteWaiters();
    }

    /// <summary>Moves data and completes whatever waits (a read, a flush, the final drain); continuations run after the lock is let go.</summary>
    private void CompleteWaiters()
    {
        bool read = false, flush = false, eof;
        ReadResult readResult = default;
        FlushResult flushResult = default;
        TaskCompletionSource? drain = null;
        lock (_sync)
        {
            if (_outEnd > _outStart && _writable) SendLocked();
            if (_readWaiting && CanAnswerReadLocked(mayReceive: true))
            {
                _readWaiting = false;
                readResult = TakeReadResultLocked();
                read = true;
            }
            if (_flushWaiting && CanReleaseFlushLocked())
            {
                flushResult = TakeFlushResultLocked();
                flush = true;
            }
            if (_drain is not null && (_outputFailed || SendLocked() == 0))
            {
                drain = _drain;
                _drain = null;
            }
            eof = _eof;
        }
        if (eof) SignalPeerClosed();
        if (read) _input.SetResult(readResult);
        if (flush) _output.Core.SetResult(flushResult);
        drain?.TrySetResult();
    }

    private void SignalPeerClosed()
    {
        // Cancel is idempotent and thread-safe: a second caller finds it done and returns.
        if (_peerClosedSource.IsCancellationRequested) return;
        try
        {
            _peerClosedSource.Cancel();
        }
        catch (AggregateException)
        {
            // A callback failed; the connection ends anyway.
        }
    }

    private void RequestClose()
    {
        lock (_sync)
        {
            if (_closeRequested) return;
            _closeRequested = true;
        }
        _loop.Post(this);
    }

    private void CloseOnLoop()
    {
        lock (_sync)
        {
            _closed = true;
            _loop.Unregister(this, _fd);
            _socket.Dispose();
            _eof = true;
            _outputFailed = true;
            // Buffers go back to the pool only when their side is done with them (the session may still be writing).
            if (_readerCompleted) ReleaseInputBufferLocked();
            if (_writerCompleted) ReleaseOutputBufferLocked();
        }
        CompleteWaiters();
    }
}
