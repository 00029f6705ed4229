using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Queue.Server.Connections;
using Queue.Server.Hosting;
using Queue.Server.Transport;
using Queue.Storage;
using Queue.Storage.Persistence;

namespace Queue.Server;

/// <summary>Entry point: parse beanstalkd's flags, bind first (clients may connect at once), then host.</summary>
public static class Program
{
    private const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>argv[0] as typed, used in usage and warning lines like beanstalkd's progname.</summary>
    public static string Name { get; private set; } = "beanstalkd";

    public static int Main(string[] args)
    {
        // Socket completions run on the epoll thread instead of hopping to the thread pool: with the
        // engine applying a command on the calling thread when it is free, a request is read,
        // applied and answered without a context switch (beanstalkd's one-thread loop, in effect).
        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }
        Name = ProgramName();
        if (args.Length > 0 && args[0] == HealthProbe.Flag) return HealthProbe.Run(args);
        var parsed = CommandLine.Parse(args, Name);
        if (parsed.Stdout is not null) Console.Out.Write(parsed.Stdout);
        if (parsed.Stderr is not null) Console.Error.Write(parsed.Stderr);
        if (parsed.Options is not { } options) return parsed.ExitCode;

        if (options.Verbosity > 0) Console.WriteLine($"pid {Environment.ProcessId}");
        // Signals first: the port answers before the host exists, so its handlers would come too late.
        using var signals = new SignalHandlers();
        Socket listener;
        try
        {
            listener = ListenerFactory.FromSystemd() ?? ListenerFactory.Listen(options.ListenAddress, options.Port);
        }
        catch (Exception ex) when (ex is SocketException or IOException or ArgumentException)
        {
            Console.Error.WriteLine($"{Name}: make_server_socket(): {ex.Message}");
            return 111;
        }
        if (options.User is not null)
        {
            int code = UserSwitch.Become(options.User);
            if (code != 0) return code;
        }

        MemoryCap.Apply(options);
        QueueEngine engine;
        try
        {
            engine = QueueEngine.Start(EngineOptions.From(options));
        }
        catch (LogLockedException ex)
        {
            Console.Error.WriteLine($"{Name}: {ex.Message}");
            return 10;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.Error.WriteLine($"{Name}: cannot open the binlog directory: {ex.Message}");
            return 1;
        }
        if (engine.Recovery is { } recovered) Console.Error.WriteLine(EngineOptions.Describe(recovered));
        // Serve at once; the host (logging, signals, lifetime) is built while clients are already served.
        var context = new ServerContext(engine, engine.Options.TimeProvider, options.Verbosity)
        {
            MaxConnections = options.MaxConnections ?? FileLimits.DefaultMaxConnections(),
        };
        var server = new BeanstalkServer(listener, context, NullLogger.Instance);
        server.Start();
        signals.Engine = engine;

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(options.Verbosity > 0 ? LogLevel.Information : LogLevel.Warning);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(engine);
        builder.Services.AddSingleton(server);
        builder.Services.AddHostedService<QueueServerService>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(8));
        using var host = builder.Build();
        try
        {
            host.RunAsync(signals.Stopping).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // Stopped by a signal while the host was still starting.
        }
        // Idempotent: normally the hosted service has done both already.
        server.StopAsync(TimeSpan.FromSeconds(3)).GetAwaiter().GetResult();
        engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
        return 0;
    }

    private static string ProgramName()
    {
        try
        {
            var cmdline = File.ReadAllBytes("/proc/self/cmdline");
            int end = Array.IndexOf(cmdline, (byte)0);
            var first = System.Text.Encoding.UTF8.GetString(cmdline, 0, end < 0 ? cmdline.Length : end);
            return first.Length > 0 ? first : "beanstalkd";
        }
        catch (IOException)
        {
            return "beanstalkd";
        }
    }
}
