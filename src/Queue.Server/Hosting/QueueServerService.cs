using System.Net.Sockets;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Queue.Server.Connections;
using Queue.Server.Transport;
using Queue.Storage;

namespace Queue.Server.Hosting;

/// <summary>
/// Runs the engine and the TCP server inside the generic host: SIGUSR1 enters drain mode;
/// SIGTERM/SIGINT (through the host's console lifetime) stop it gracefully.
/// </summary>
internal sealed class QueueServerService : IHostedService, IAsyncDisposable
{
    private const int SigUsr1 = 10;
    private readonly ServerOptions _options;
    private readonly Socket _listener;
    private readonly QueueEngine _engine;
    private readonly ILogger<QueueServerService> _logger;
    private BeanstalkServer? _server;
    private PosixSignalRegistration? _usr1;

    public QueueServerService(ServerOptions options, Socket listener, QueueEngine engine, ILogger<QueueServerService> logger)
    {
        _options = options;
        _listener = listener;
        _engine = engine;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        var ctx = new ServerContext(_engine, _engine.Options.TimeProvider, _options.Verbosity);
        _server = new BeanstalkServer(_listener, ctx, _logger);
        _server.Start();
        if (OperatingSystem.IsLinux())
        {
            _usr1 = PosixSignalRegistration.Create((PosixSignal)SigUsr1, c =>
            {
                c.Cancel = true;
                _logger.LogInformation("SIGUSR1: entering drain mode; puts are refused with DRAINING");
                _engine.EnterDrainMode();
            });
        }
        _logger.LogInformation("listening on {Endpoint}", _listener.LocalEndPoint);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _logger.LogInformation("shutting down: finishing in-flight commands");
        if (_server is not null) await _server.StopAsync(TimeSpan.FromSeconds(3)).ConfigureAwait(false);
        await _engine.DisposeAsync().ConfigureAwait(false);
        _logger.LogInformation("stopped");
    }

    public async ValueTask DisposeAsync()
    {
        _usr1?.Dispose();
        if (_server is not null) await _server.DisposeAsync().ConfigureAwait(false);
    }
}
