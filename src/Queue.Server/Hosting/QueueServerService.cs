using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
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
    private readonly QueueEngine _engine;
    private readonly BeanstalkServer _server;
    private readonly ILogger<QueueServerService> _logger;
    private PosixSignalRegistration? _usr1;

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
        if (OperatingSystem.IsLinux())
        {
            _usr1 = PosixSignalRegistration.Create((PosixSignal)SigUsr1, c =>
            {
                c.Cancel = true;
                _logger.LogInformation("SIGUSR1: entering drain mode; puts are refused with DRAINING");
                _engine.EnterDrainMode();
            });
        }
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
        _usr1?.Dispose();
        await _server.DisposeAsync().ConfigureAwait(false);
    }
}
