using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Queue.Server.Connections;
using Queue.Server.Diagnostics;
using Queue.Server.Hosting;
using Queue.Server.Metrics;
using Queue.Server.Protocol;
using Queue.Server.Transport;
using Queue.Storage;
using Queue.Storage.Memory;
using Queue.Storage.Persistence;

namespace Queue.Server;

/// <summary>Entry point: parse beanstalkd's flags, bind first (clients may connect at once), then host.</summary>
public static class Program
{
    private const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";
    private const string SocketThreadsVariable = "DOTNET_SYSTEM_NET_SOCKETS_THREAD_COUNT";
    private const int SigUsr1 = 10;

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
        // One epoll thread per four cores (one on small machines): with inline completions, two
        // threads would contend for the engine and hand replies to the thread pool instead.
        if (Environment.GetEnvironmentVariable(SocketThreadsVariable) is null)
        {
            Environment.SetEnvironmentVariable(SocketThreadsVariable, Math.Max(1, Environment.ProcessorCount / 4).ToString(CultureInfo.InvariantCulture));
        }
        Name = ProgramName();
        if (args.Length > 0 && args[0] == HealthProbe.Flag) return HealthProbe.Run(args);
        var parsed = CommandLine.Parse(args, Name);
        if (parsed.Stdout is not null) Console.Out.Write(parsed.Stdout);
        if (parsed.Stderr is not null) Console.Error.Write(parsed.Stderr);
        if (parsed.Options is not { } options) return parsed.ExitCode;

        if (options.Verbosity > 0) Console.WriteLine($"pid {Environment.ProcessId}");
        // Lines due before the logger exists (recovery, import) wait here; the logger comes once clients are served.
        var log = new LogSink();
        // Signals first: the port answers before the host exists, so its handlers would come too late.
        using var signals = new SignalHandlers();
        // After SignalHandlers: handlers of a signal run newest first, and this one lets the next run.
        using var drainNote = NoteDrainSignal(log);
        Socket listener;
        bool inherited;
        try
        {
            var fromSystemd = ListenerFactory.FromSystemd();
            inherited = fromSystemd is not null;
            listener = fromSystemd ?? ListenerFactory.Listen(options.ListenAddress, options.Port);
        }
        catch (Exception ex) when (ex is SocketException or IOException or ArgumentException)
        {
            Console.Error.WriteLine($"{Name}: make_server_socket(): {ex.Message}");
            return 111;
        }
        MetricsServer? metrics = null;
        if (options.MetricsPort is { } metricsPort)
        {
            try
            {
                metrics = MetricsServer.Listen(listener.LocalEndPoint, metricsPort);
            }
            catch (SocketException ex)
            {
                Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{Name}: metrics port {metricsPort}: {ex.Message}"));
                listener.Dispose();
                return 111;
            }
            // Answers /healthz (and 503 on /readyz) while the engine recovers.
            metrics.Start();
        }
        if (options.User is not null)
        {
            int code = UserSwitch.Become(options.User);
            if (code != 0) return code;
        }

        bool capFromFlag = options.MaxMemory is not null;
        MemoryCap.Apply(options);
        log.Write(l => LogStarting(l, options, listener, inherited, capFromFlag));
        if (metrics is not null) log.Write(l => l.MetricsListening(metrics.LocalEndPoint?.ToString() ?? "?"));
        QueueEngine? started = null;
        QueueEngine engine;
        try
        {
            engine = QueueEngine.Start(EngineOptions.From(options, log, () => started?.MemoryGovernor));
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
        started = engine;
        // Serve at once; logging and the host (signals, lifetime) are built while clients are already served.
        var context = new ServerContext(engine, engine.Options.TimeProvider, options.Verbosity)
        {
            MaxConnections = options.MaxConnections ?? FileLimits.DefaultMaxConnections(),
        };
        var server = new BeanstalkServer(listener, context, NullLogger.Instance);
        server.Start();
        signals.Engine = engine;
        if (metrics is not null) metrics.Engine = engine;

        using var loggerFactory = CreateLoggerFactory(options);
        var logger = loggerFactory.CreateLogger(ServerLog.Category);
        log.Flush = loggerFactory.Dispose;
        log.Attach(logger);
        if (metrics is not null) metrics.Logger = logger;
        long shutdownBegun = 0;
        void BeginShutdown(string reason)
        {
            if (Interlocked.CompareExchange(ref shutdownBegun, Stopwatch.GetTimestamp(), 0) != 0) return;
            metrics?.MarkShuttingDown();
            logger.ShutdownBegun(log.FatalError ? "fatal error" : reason);
        }
        using var onSignal = signals.Stopping.Register(() => BeginShutdown("stop signal"));

        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        // The host logs through the factory made above (registered last, so it wins over the default one).
        builder.Services.AddSingleton(loggerFactory);
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(engine);
        builder.Services.AddSingleton(server);
        if (metrics is not null)
        {
            // Before the queue service, so it stops after it: probes answer while connections drain.
            builder.Services.AddSingleton(metrics);
            builder.Services.AddHostedService<MetricsService>();
        }
        builder.Services.AddHostedService<QueueServerService>();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(8));
        using var host = builder.Build();
        using var onStopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => BeginShutdown("stop signal"));
        try
        {
            host.RunAsync(signals.Stopping).GetAwaiter().GetResult();
        }
        catch (OperationCanceledException)
        {
            // Stopped by a signal while the host was still starting.
        }
        BeginShutdown("host stopped");
        // Idempotent: normally the hosted services have done these already.
        server.StopAsync(TimeSpan.FromSeconds(3)).GetAwaiter().GetResult();
        engine.DisposeAsync().AsTask().GetAwaiter().GetResult();
        metrics?.StopAsync().GetAwaiter().GetResult();
        logger.ShutdownFinished((long)Stopwatch.GetElapsedTime(Interlocked.Read(ref shutdownBegun)).TotalMilliseconds);
        return 0;
    }

    /// <summary>Console logging: single-line text (default) or one JSON object per line (--log-format=json), on stderr.</summary>
    private static ILoggerFactory CreateLoggerFactory(ServerOptions options) => LoggerFactory.Create(b =>
    {
        b.SetMinimumLevel(options.Verbosity > 0 ? LogLevel.Debug : LogLevel.Information);
        b.AddFilter("Microsoft", LogLevel.Warning);
        b.AddFilter("System", LogLevel.Warning);
        // Its information lines (listening, shutting down, stopped) are superseded by ServerLog's.
        b.AddFilter(typeof(QueueServerService).FullName, LogLevel.Warning);
        if (options.LogFormat == "json")
        {
            b.AddJsonConsole(o =>
            {
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                o.UseUtcTimestamp = true;
                // One object per line; log text is not HTML, so no \u002B for '+' and the like.
                o.JsonWriterOptions = new JsonWriterOptions { Indented = false, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
            });
        }
        else
        {
            b.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                o.UseUtcTimestamp = true;
            });
        }
        // Logs go to stderr (stdout keeps beanstalkd's -V lines).
        b.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
    });

    private static void LogStarting(ILogger logger, ServerOptions options, Socket listener, bool inherited, bool capFromFlag)
    {
        string address = listener.LocalEndPoint switch
        {
            UnixDomainSocketEndPoint unix => "unix:" + unix,
            { } ep => ep.ToString() ?? "?",
            null => "?",
        };
        if (inherited) address += " (socket from systemd)";
        var (mode, detail) = EngineOptions.DescribeDurability(options);
        var version = typeof(Program).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "?";
        long cap = options.MaxMemory ?? 0;
        logger.Starting(version, StatsFormatter.Version, Environment.ProcessId, address, mode, detail,
            options.BinlogDirectory ?? "none", cap >> 20, MemoryCapSource(capFromFlag));
    }

    private static string MemoryCapSource(bool capFromFlag)
    {
        if (capFromFlag) return "--max-memory";
        long physical = MemoryLimit.PhysicalMemory();
        return MemoryLimit.CgroupLimit() is { } cgroup && cgroup < physical
            ? string.Create(CultureInfo.InvariantCulture, $"the cgroup memory limit ({cgroup >> 20} MiB) less 10% (at least 16 MiB)")
            : string.Create(CultureInfo.InvariantCulture, $"physical memory ({physical >> 20} MiB) less 10% (at least 16 MiB)");
    }

    private static int s_drainLogged;

    /// <summary>
    /// Logs drain mode (SIGUSR1). <see cref="SignalHandlers"/> does the draining; this handler of
    /// the same signal only writes the line, and leaves the signal uncancelled so the next handler
    /// (SignalHandlers', registered earlier) still runs.
    /// </summary>
    private static PosixSignalRegistration? NoteDrainSignal(LogSink log)
    {
        if (!OperatingSystem.IsLinux()) return null;
        return PosixSignalRegistration.Create((PosixSignal)SigUsr1, _ =>
        {
            // Once: drain mode cannot be left.
            if (Interlocked.Exchange(ref s_drainLogged, 1) == 0) log.Write(l => l.DrainModeEntered("SIGUSR1"));
        });
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
