using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Queue.Server.Connections;
using Queue.Server.Transport.Epoll;

namespace Queue.Server.Transport;

/// <summary>
/// Accepts connections on a listening socket and runs a <see cref="ConnectionSession"/> for each.
/// Stopping closes the listener, lets every connection finish the commands it has already read,
/// then closes them.
/// </summary>
internal sealed class BeanstalkServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly ServerContext _ctx;
    private volatile ILogger _logger;
    private readonly ConcurrentDictionary<ITransportConnection, Task> _connections = new();
    private readonly EpollLoop? _loop;
    private readonly CancellationTokenSource _stopping = new();
    private Task _acceptLoop = Task.CompletedTask;
    private int _stopped;

    public BeanstalkServer(Socket listener, ServerContext ctx, ILogger logger)
    {
        _listener = listener;
        _ctx = ctx;
        _logger = logger;
        if (ctx.UseEpoll) _loop = new EpollLoop(ex => _logger.LogError(ex, "connection failed"));
    }

    public EndPoint? LocalEndPoint => _listener.LocalEndPoint;

    /// <summary>The server starts serving before the host (and its logging) is built; the host sets this later.</summary>
    public ILogger Logger
    {
        get => _logger;
        set => _logger = value;
    }

    public int ConnectionCount => _connections.Count;

    public void Start() => _acceptLoop = AcceptLoopAsync();

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex) when (ex.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
            {
                // Out of file descriptors: say so, back off, and keep serving the open connections.
                _logger.LogError("accept failed: {Error}; backing off", ex.SocketErrorCode);
                await Task.Delay(100).ConfigureAwait(false);
                continue;
            }
            catch (SocketException ex)
            {
                _logger.LogWarning("accept failed: {Error}", ex.SocketErrorCode);
                continue;
            }
            if (_connections.Count >= _ctx.MaxConnections)
            {
                Refuse(socket);
                continue;
            }
            if (socket.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6) socket.NoDelay = true;
            ITransportConnection connection = _loop is not null ? new EpollConnection(socket, _loop) : new SocketConnection(socket);
            _connections[connection] = RunConnectionAsync(connection);
        }
    }

    private long _refused;

    /// <summary>Over the connection limit: say OUT_OF_MEMORY (the reply clients know for "server full") and close.</summary>
    private void Refuse(Socket socket)
    {
        try
        {
            socket.Blocking = false;
            socket.Send("OUT_OF_MEMORY\r\n"u8);
        }
        catch (SocketException)
        {
        }
        socket.Dispose();
        if (Interlocked.Increment(ref _refused) % 1000 == 1)
        {
            _logger.LogWarning("connection limit {Limit} reached: refusing clients ({Refused} so far)", _ctx.MaxConnections, _refused);
        }
    }

    private async Task RunConnectionAsync(ITransportConnection connection)
    {
        await Task.Yield();
        if (_ctx.Verbosity > 0) Console.WriteLine("accept");
        try
        {
            await connection.RunAsync(pipe => new ConnectionSession(pipe, _ctx, connection.PeerClosed).RunAsync(CancellationToken.None)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _logger.LogError(ex, "connection failed");
        }
        finally
        {
            _connections.TryRemove(connection, out _);
            if (_ctx.Verbosity > 0) Console.WriteLine("close");
        }
    }

    /// <summary>Stops accepting, ends every connection after its in-flight commands, waits for them.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        _stopping.Cancel();
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        foreach (var c in _connections.Keys) c.StopReceiving();
        var all = Task.WhenAll(_connections.Values);
        await Task.WhenAny(all, Task.Delay(grace)).ConfigureAwait(false);
        foreach (var c in _connections.Keys) c.Abort();
        await Task.WhenAny(all, Task.Delay(grace)).ConfigureAwait(false);
        if (all.IsCompleted) _loop?.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
}
