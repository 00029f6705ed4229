using Microsoft.Extensions.Logging;
using Queue.Server.Diagnostics;
using Queue.Server.Hosting;
using Queue.Storage.Persistence;

namespace Queue.Server.Tests.Metrics;

/// <summary>The lifecycle log lines: buffered until the logger exists, in order, with their fields.</summary>
public sealed class ServerLogTests
{
    private sealed class Capture : ILogger
    {
        public List<(LogLevel Level, int Id, string Message, IReadOnlyList<KeyValuePair<string, object?>> State)> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add((logLevel, eventId.Id, formatter(state, exception), state as IReadOnlyList<KeyValuePair<string, object?>> ?? []));
    }

    [Fact]
    public void LinesBeforeTheLogger_AreWrittenInOrder_OnceAttached()
    {
        var sink = new LogSink();
        var options = EngineOptions.From(new ServerOptions { BinlogDirectory = "/data", MaxMemory = 100L << 20 }, sink);
        options.OnRecovered!(new RecoveryReport(5, 3, 7, 2, 4096, TimeSpan.FromMilliseconds(12), ["record at address 1 failed its checksum", "job 9 is lost"]) { CheckpointLoadTime = TimeSpan.FromMilliseconds(4) });
        var capture = new Capture();
        Assert.Empty(capture.Lines);
        sink.Attach(capture);
        options.OnMemoryPressure!(true, 81L << 20);

        Assert.Equal([10, 11, 12, 12, 30], capture.Lines.Select(l => l.Id));
        Assert.Equal("recovered 5 jobs (3 from the checkpoint, 7 log records replayed, 2 records skipped, 4096 bytes of log) in 12 ms (4 ms of it loading the checkpoint)", capture.Lines[0].Message);
        Assert.Contains(capture.Lines[0].State, kv => kv.Key == "DamagedRecords" && (long)kv.Value! == 2);
        Assert.Equal(LogLevel.Warning, capture.Lines[1].Level);
        Assert.Equal("recovery: job 9 is lost", capture.Lines[3].Message);
        Assert.Equal("memory high watermark crossed: 81 MiB used of the 100 MiB cap (high watermark 80 MiB); puts are refused with OUT_OF_MEMORY until usage falls below the low watermark (65 MiB)", capture.Lines[4].Message);
    }

    [Fact]
    public void CleanRecovery_SaysNothingAboutDamage()
    {
        var sink = new LogSink();
        var capture = new Capture();
        sink.Attach(capture);
        EngineOptions.From(new ServerOptions { BinlogDirectory = "/data" }, sink).OnRecovered!(new RecoveryReport(1, 1, 0, 0, 0, TimeSpan.Zero, []));
        var line = Assert.Single(capture.Lines);
        Assert.DoesNotContain("damaged", line.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("recovery:", line.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WatermarkCrossings_ReportedOutOfOrder_AreLoggedInOrder()
    {
        var sink = new LogSink();
        var capture = new Capture();
        sink.Attach(capture);
        var options = EngineOptions.From(new ServerOptions { MaxMemory = 100L << 20 }, sink);
        // Two threads reported "up" and "down" at once; "down" got here first.
        options.OnMemoryPressure!(false, 20L << 20);
        Assert.Empty(capture.Lines);
        options.OnMemoryPressure!(true, 80L << 20);
        options.OnMemoryPressure!(true, 85L << 20);
        options.OnMemoryPressure!(false, 60L << 20);
        Assert.Equal([30, 31, 30, 31], capture.Lines.Select(l => l.Id));
        Assert.Contains("20 MiB used", capture.Lines[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DurabilityDescriptions()
    {
        Assert.Equal("none", EngineOptions.DescribeDurability(new ServerOptions()).Mode);
        Assert.Equal("periodic", EngineOptions.DescribeDurability(new ServerOptions { BinlogDirectory = "d" }).Mode);
        Assert.Equal("always", EngineOptions.DescribeDurability(new ServerOptions { BinlogDirectory = "d", FsyncMs = 0 }).Mode);
        Assert.Equal("never", EngineOptions.DescribeDurability(new ServerOptions { BinlogDirectory = "d", NeverFsync = true }).Mode);
    }
}
