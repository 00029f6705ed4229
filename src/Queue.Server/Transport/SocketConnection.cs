using System.IO.Pipelines;
using System.Net.Sockets;

namespace Queue.Server.Transport;

/// <summary>
/// The portable transport (where <see cref="Epoll.EpollConnection"/> is not available): copies
/// bytes between a socket and a pair of pipes (Kestrel's SocketConnection shape). Idle
/// connections hold no receive buffer: a zero-byte receive waits for data before a buffer is
/// rented. Both pipes are bounded, so a client that floods input or never reads its replies
/// stalls on TCP back-pressure instead of growing the server's memory.
/// </summary>
internal sealed class SocketConnection : IDuplexPipe, ITransportConnection
{
    private const int MinReceiveBuffer = 4096;
    private const int MaxReceiveBuffer = 64 * 1024;
    private const int MaxBurstBytes = 128 * 1024;
    private static readonly PipeOptions s_inputOptions = new(
        pauseWriterThreshold: 256 * 1024, resumeWriterThreshold: 128 * 1024,
        readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false);
    private static readonly PipeOptions s_outputOptions = new(
        pauseWriterThreshold: 256 * 1024, resumeWriterThreshold: 64 * 1024,
        readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false);

    private readonly Socket _socket;
    private readonly Pipe _input = new(s_inputOptions);
    private readonly Pipe _output = new(s_outputOptions);
    private readonly CancellationTokenSource _receiveEnded = new();

    public SocketConnection(Socket socket) => _socket = socket;

    public PipeReader Input => _input.Reader;
    public PipeWriter Output => _output.Writer;

    /// <summary>Cancelled when the peer has closed its sending side (or the socket failed).</summary>
    public CancellationToken PeerClosed => _receiveEnded.Token;

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
    }

    /// <summary>Closes the socket at once.</summary>
    public void Abort()
    {
        try
        {
            _socket.Dispose();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Runs the transport loops around <paramref name="application"/> until both sides are done.</summary>
    public async Task RunAsync(Func<IDuplexPipe, Task> application)
    {
        var receive = ReceiveLoopAsync();
        var send = SendLoopAsync();
        try
        {
            await application(this).ConfigureAwait(false);
        }
        finally
        {
            await _output.Writer.CompleteAsync().ConfigureAwait(false);
            await _input.Reader.CompleteAsync().ConfigureAwait(false);
            await send.ConfigureAwait(false);
            try
            {
                _socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
                // The peer is already gone.
            }
            _socket.Dispose();
            await receive.ConfigureAwait(false);
        }
    }

    private async Task ReceiveLoopAsync()
    {
        var writer = _input.Writer;
        Exception? error = null;
        try
        {
            int size = MinReceiveBuffer;
            int burst = 0;
            while (true)
            {
                // Receives that find data complete synchronously, and completions run inline on the
                // socket engine's thread: a client that keeps its socket full would keep that thread
                // to itself and starve every other connection on it. After a burst, yield.
                if (burst >= MaxBurstBytes)
                {
                    burst = 0;
                    await Task.Yield();
                }
                var ready = _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None);
                if (!ready.IsCompleted) burst = 0;
                await ready.ConfigureAwait(false);
                var memory = writer.GetMemory(size);
                int n = await _socket.ReceiveAsync(memory, SocketFlags.None).ConfigureAwait(false);
                if (n == 0) break;
                writer.Advance(n);
                burst += n;
                // A full buffer means more is waiting: read bigger pieces while the client streams.
                size = n == memory.Length ? Math.Min(size * 2, MaxReceiveBuffer) : MinReceiveBuffer;
                var flush = await writer.FlushAsync().ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled) break;
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // Reset or local close: the connection simply ends.
            error = null;
        }
        catch (Exception ex)
        {
            error = ex;
        }
        await writer.CompleteAsync(error).ConfigureAwait(false);
        _receiveEnded.Cancel();
    }

    private async Task SendLoopAsync()
    {
        var reader = _output.Reader;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync().ConfigureAwait(false);
                var buffer = result.Buffer;
                foreach (var segment in buffer)
                {
                    var remaining = segment;
                    while (!remaining.IsEmpty)
                    {
                        int sent = await _socket.SendAsync(remaining, SocketFlags.None).ConfigureAwait(false);
                        remaining = remaining[sent..];
                    }
                }
                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted || result.IsCanceled) break;
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Peer gone; stop sending and let the application see a completed writer.
        }
        await reader.CompleteAsync().ConfigureAwait(false);
        // Wake the receive side too: nobody can be answered any more.
        try
        {
            _socket.Shutdown(SocketShutdown.Receive);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }
}
