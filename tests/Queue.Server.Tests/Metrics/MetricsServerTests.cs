using System.Net;
using Queue.Server.Metrics;
using Queue.Storage;

namespace Queue.Server.Tests.Metrics;

/// <summary>The endpoint in process: readiness before the engine exists, while it serves, and once shutdown began.</summary>
public sealed class MetricsServerTests
{
    [Fact]
    public async Task Readiness_FollowsRecoveryAndShutdown()
    {
        await using var server = MetricsServer.Listen(new IPEndPoint(IPAddress.Loopback, 0), 0);
        server.Start();
        int port = ((IPEndPoint)server.LocalEndPoint!).Port;

        // Recovery still running: alive, not ready, no metrics yet.
        Assert.Equal(200, MetricsProcess.Http(port, "/healthz").Status);
        var notReady = MetricsProcess.Http(port, "/readyz");
        Assert.Equal(503, notReady.Status);
        Assert.Equal("recovering\n", notReady.Body);
        Assert.Equal(503, MetricsProcess.Http(port, "/metrics").Status);

        await using var engine = QueueEngine.Start();
        server.Engine = engine;
        Assert.Equal(200, MetricsProcess.Http(port, "/readyz").Status);
        var metrics = MetricsProcess.Http(port, "/metrics");
        Assert.Equal(200, metrics.Status);
        Assert.Contains("\nbeanstalkd_current_tubes 1\n", metrics.Body, StringComparison.Ordinal);

        server.MarkShuttingDown();
        var stopping = MetricsProcess.Http(port, "/readyz");
        Assert.Equal(503, stopping.Status);
        Assert.Equal("shutting down\n", stopping.Body);
        Assert.Equal(200, MetricsProcess.Http(port, "/healthz").Status);

        await server.StopAsync();
        Assert.ThrowsAny<System.Net.Sockets.SocketException>(() => MetricsProcess.Http(port, "/healthz"));
    }

    [Fact]
    public async Task OversizedRequestHead_Is431_GarbageIs400()
    {
        await using var server = MetricsServer.Listen(new IPEndPoint(IPAddress.Loopback, 0), 0);
        server.Start();
        int port = ((IPEndPoint)server.LocalEndPoint!).Port;
        Assert.Equal(431, MetricsProcess.Http(port, "/" + new string('x', 9000)).Status);
        Assert.Equal(400, MetricsProcess.Http(port, "/two words").Status);
    }
}
