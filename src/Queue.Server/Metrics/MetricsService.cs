using Microsoft.Extensions.Hosting;

namespace Queue.Server.Metrics;

/// <summary>
/// Ties the metrics endpoint to the host's lifetime. Registered before the queue service, so it
/// stops after it: while connections drain, /healthz still answers and /readyz says 503.
/// </summary>
internal sealed class MetricsService(MetricsServer server, IHostApplicationLifetime lifetime) : IHostedService
{
    private CancellationTokenRegistration _stopping;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _stopping = lifetime.ApplicationStopping.Register(server.MarkShuttingDown);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.DisposeAsync().ConfigureAwait(false);
        await server.StopAsync().ConfigureAwait(false);
    }
}
