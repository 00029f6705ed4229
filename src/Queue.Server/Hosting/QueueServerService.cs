using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Queue.Server.Transport;
using Queue.Storage;

namespace Queue.Server.Hosting;

/// <summary>
/// Ties the already-running engine and TCP server to the generic host's lifetime: stopping the
/// host finishes in-flight commands, closes connections and then stops the engine.
/// </summary>
internal sealed class QueueServerService : IHostedService, IAsyncDisposable
{
    private readonly QueueEngine _engine;
    private readonly BeanstalkServer _server;
    private readonly ILogger<QueueServerService> _logger;

    /// <param name="server">Already accepting: the port answers before the host is built.</param>
    public QueueServerService(QueueEngine engine, BeanstalkServer server, ILogger<QueueServerService> logger)
    {
        _engine = engine;
        _server = server;
        _logger = logger;
        server.Logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("listening on {Endpoint}", _server.LocalEndPoint);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("shutting down: finishing in-flight commands");
        await _server.StopAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        await _engine.DisposeAsync().ConfigureAwait(false);
        _logger.LogInformation("stopped");
    }

    public async ValueTask DisposeAsync()
    {
        await _server.DisposeAsync().ConfigureAwait(false);
    }
}
