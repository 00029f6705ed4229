using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Queue.Server.Diagnostics;
using Queue.Storage;

namespace Queue.Server.Metrics;

/// <summary>
/// A deliberately tiny HTTP/1.1 server for monitoring (--metrics-port): <c>GET /metrics</c>
/// (Prometheus text format), <c>/healthz</c> (200 while the process serves), <c>/readyz</c> (200
/// once recovery is done and until shutdown begins, else 503); anything else 404. One request per
/// connection (<c>Connection: close</c>). It starts before the engine so probes get answers while a
/// large log is being recovered.
/// </summary>
internal sealed class MetricsServer : IAsyncDisposable
{
    private const int MaxRequestHead = 8192;
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(10);
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Socket, byte> _requests = new();
    private Task _acceptLoop = Task.CompletedTask;
    private volatile QueueEngine? _engine;
    private volatile MetricsCollector? _collector;
    private volatile bool _shuttingDown;
    private volatile ILogger _logger = NullLogger.Instance;
    private int _stopped;

    private MetricsServer(Socket listener) => _listener = listener;

    /// <summary>
    /// Binds PORT on the address the beanstalkd listener uses (loopback when that is a UNIX socket).
    /// Throws <see cref="SocketException"/> when the port cannot be bound.
    /// </summary>
    public static MetricsServer Listen(EndPoint? beanstalkdEndpoint, int port)
    {
        var address = beanstalkdEndpoint is IPEndPoint ip ? ip.Address : IPAddress.Loopback;
        var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
            socket.Bind(new IPEndPoint(address, port));
            socket.Listen(64);
            return new MetricsServer(socket);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    public EndPoint? LocalEndPoint => _listener.LocalEndPoint;

    /// <summary>Set by the host once it exists.</summary>
    public ILogger Logger
    {
        get => _logger;
        set => _logger = value;
    }

    /// <summary>The engine once recovery is done; null until then (/readyz answers 503, /metrics 503).</summary>
    public QueueEngine? Engine
    {
        get => _engine;
        set
        {
            _collector = value is null ? null : new MetricsCollector(value);
            _engine = value;
        }
    }

    /// <summary>Recovery done, engine serving, no shutdown begun.</summary>
    public bool IsReady => _engine is { IsReady: true } && !_shuttingDown;

    /// <summary>Shutdown has begun: /readyz answers 503 from now on; /healthz and /metrics keep answering.</summary>
    public void MarkShuttingDown() => _shuttingDown = true;

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
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException)
            {
                break;
            }
            catch (SocketException ex)
            {
                _logger.MetricsRequestFailed("?", ex.SocketErrorCode.ToString());
                if (ex.SocketErrorCode is SocketError.TooManyOpenSockets or SocketError.NoBufferSpaceAvailable)
                {
                    await Task.Delay(100).ConfigureAwait(false);
                }
                continue;
            }
            _requests[socket] = 0;
            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        await Task.Yield();
        string remote = socket.RemoteEndPoint?.ToString() ?? "?";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(RequestTimeout);
        try
        {
            var buffer = new byte[MaxRequestHead];
            int n = 0;
            int lineEnd;
            while (true)
            {
                int headEnd = buffer.AsSpan(0, n).IndexOf("\r\n\r\n"u8);
                if (headEnd >= 0)
                {
                    lineEnd = buffer.AsSpan(0, n).IndexOf("\r\n"u8);
                    break;
                }
                if (n == buffer.Length)
                {
                    await SendAsync(socket, new Response(431, "request header too large\n"), head: false, timeout.Token).ConfigureAwait(false);
                    return;
                }
                int r = await socket.ReceiveAsync(buffer.AsMemory(n), SocketFlags.None, timeout.Token).ConfigureAwait(false);
                if (r == 0) return;
                n += r;
            }
            var requestLine = Encoding.ASCII.GetString(buffer, 0, lineEnd).Split(' ');
            if (requestLine.Length != 3 || !requestLine[2].StartsWith("HTTP/1.", StringComparison.Ordinal))
            {
                await SendAsync(socket, new Response(400, "bad request\n"), head: false, timeout.Token).ConfigureAwait(false);
                return;
            }
            string method = requestLine[0];
            var response = await HandleAsync(method, requestLine[1], timeout.Token).ConfigureAwait(false);
            await SendAsync(socket, response, head: method == "HEAD", timeout.Token).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Timeouts, resets, shutdown: nothing to answer any more.
            _logger.MetricsRequestFailed(remote, ex.Message);
        }
        finally
        {
            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
            }
            socket.Dispose();
            _requests.TryRemove(socket, out _);
        }
    }

    /// <summary>An HTTP response: status, body text, content type, extra header lines.</summary>
    internal readonly record struct Response(int Status, string Body, string ContentType = "text/plain; charset=utf-8", string? ExtraHeaders = null);

    /// <summary>Routes one request (target may carry a query string, which is ignored).</summary>
    internal async Task<Response> HandleAsync(string method, string target, CancellationToken cancellationToken)
    {
        int query = target.IndexOf('?', StringComparison.Ordinal);
        string path = query >= 0 ? target[..query] : target;
        if (path is not ("/metrics" or "/healthz" or "/readyz")) return new Response(404, "not found\n");
        if (method is not ("GET" or "HEAD")) return new Response(405, "method not allowed\n", ExtraHeaders: "Allow: GET, HEAD\r\n");
        switch (path)
        {
            case "/healthz":
                return new Response(200, "ok\n");
            case "/readyz":
                if (IsReady) return new Response(200, "ready\n");
                return new Response(503, _shuttingDown ? "shutting down\n" : _engine is null ? "recovering\n" : "stopped\n");
            default:
                var collector = _collector;
                if (collector is null || _engine is not { IsReady: true }) return new Response(503, "not ready\n");
                try
                {
                    var snapshot = await collector.SnapshotAsync(cancellationToken).ConfigureAwait(false);
                    return new Response(200, MetricsCollector.Format(snapshot), PrometheusWriter.ContentType);
                }
                catch (ObjectDisposedException)
                {
                    return new Response(503, "stopped\n");
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !_stopping.IsCancellationRequested)
                {
                    _logger.MetricsScrapeFailed(ex, ex.Message);
                    return new Response(503, "stats unavailable\n");
                }
        }
    }

    private static async Task SendAsync(Socket socket, Response response, bool head, CancellationToken cancellationToken)
    {
        var body = Encoding.UTF8.GetBytes(response.Body);
        var header = string.Create(CultureInfo.InvariantCulture,
            $"HTTP/1.1 {response.Status} {Reason(response.Status)}\r\nContent-Type: {response.ContentType}\r\nContent-Length: {body.Length}\r\n{response.ExtraHeaders}Connection: close\r\n\r\n");
        var bytes = Encoding.ASCII.GetBytes(header);
        if (!head)
        {
            var all = new byte[bytes.Length + body.Length];
            bytes.CopyTo(all, 0);
            body.CopyTo(all, bytes.Length);
            bytes = all;
        }
        int sent = 0;
        while (sent < bytes.Length)
        {
            sent += await socket.SendAsync(bytes.AsMemory(sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Unknown",
    };

    /// <summary>Stops accepting and waits (briefly) for requests in progress. Idempotent.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1) return;
        _shuttingDown = true;
        _stopping.Cancel();
        _listener.Dispose();
        await _acceptLoop.ConfigureAwait(false);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(2);
        while (!_requests.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(10).ConfigureAwait(false);
        foreach (var socket in _requests.Keys) socket.Dispose();
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
