using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Queue.Server.Connections;
using Queue.Server.Transport;
using Queue.Storage;

namespace Queue.Server.Tests.TestKit;

/// <summary>An in-process server on 127.0.0.1 with an ephemeral port; one per test.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly BeanstalkServer _server;

    private TestServer(QueueEngine engine, BeanstalkServer server)
    {
        Engine = engine;
        _server = server;
        Port = ((IPEndPoint)server.LocalEndPoint!).Port;
    }

    public QueueEngine Engine { get; }
    public int Port { get; }

    /// <param name="useEpoll">null: the platform's default transport; false: .NET sockets and pipes (the transport off Linux x86-64).</param>
    public static TestServer Start(long maxJobSize = 65535, TimeProvider? time = null, Action<QueueEngineOptions>? configure = null, bool? useEpoll = null)
    {
        var options = new QueueEngineOptions { MaxJobSize = maxJobSize, TimeProvider = time ?? TimeProvider.System };
        configure?.Invoke(options);
        var engine = QueueEngine.Start(options);
        var listener = ListenerFactory.Listen("127.0.0.1", "0");
        var ctx = useEpoll is { } epoll ? new ServerContext(engine, options.TimeProvider) { UseEpoll = epoll } : new ServerContext(engine, options.TimeProvider);
        var server = new BeanstalkServer(listener, ctx, NullLogger.Instance);
        server.Start();
        return new TestServer(engine, server);
    }

    public RawClient Connect() => RawClient.Connect(Port);

    public async ValueTask DisposeAsync()
    {
        await _server.StopAsync(TimeSpan.FromSeconds(2));
        await Engine.DisposeAsync();
    }
}
