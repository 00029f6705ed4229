using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Queue.Storage.Core;

namespace Queue.Storage.Tests.Support;

/// <summary>
/// A started engine on a fake clock. Time only moves through <see cref="AdvanceAsync"/>, which also
/// waits until the engine loop has run everything that became due.
/// </summary>
internal sealed class EngineHarness : IAsyncDisposable
{
    /// <summary>Real-time safety net for awaits that must complete; never part of an assertion.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly ConcurrentQueue<Exception> _errors = new();

    public EngineHarness(long maxJobSize = 65535)
    {
        Engine = QueueEngine.Start(new QueueEngineOptions
        {
            TimeProvider = Time,
            MaxJobSize = maxJobSize,
            OnInternalError = _errors.Enqueue,
        });
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public QueueEngine Engine { get; }

    public QueueSession Open() => Engine.OpenSession();

    /// <summary>Completes once the engine loop has processed everything posted before this call.</summary>
    public Task SyncAsync() => OnLoopAsync(static _ => true);

    /// <summary>Runs <paramref name="read"/> on the engine loop (after all earlier work) and returns its result.</summary>
    public Task<T> OnLoopAsync<T>(Func<QueueCore, T> read)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        Engine.Post(new ActionWork(e =>
        {
            try
            {
                tcs.SetResult(read(e.Core));
            }
            catch (Exception ex)
            {
                tcs.SetException(ex);
            }
        }));
        return tcs.Task.WaitAsync(Patience);
    }

    /// <summary>Engine-wide stats read on the loop without counting a <c>stats</c> command.</summary>
    public Task<ServerStats> PeekStatsAsync() => OnLoopAsync(static c => c.Stats());

    /// <summary>
    /// Starts a reserve and returns once the engine has processed it (so later clock moves count
    /// from there); the returned task completes when the reserve does.
    /// </summary>
    public async Task<Task<ReserveResult>> StartReserveAsync(QueueSession s, TimeSpan? timeout = null, CancellationToken ct = default)
    {
        var pending = s.ReserveAsync(timeout, ct).AsTask();
        await SyncAsync();
        return pending;
    }

    public async Task AdvanceAsync(TimeSpan by)
    {
        Time.Advance(by);
        await SyncAsync();
    }

    public Task AdvanceSecondsAsync(double seconds) => AdvanceAsync(TimeSpan.FromSeconds(seconds));

    public async ValueTask DisposeAsync()
    {
        await Engine.DisposeAsync();
        Assert.Empty(_errors);
    }

    public static ReadOnlyMemory<byte> Bytes(string s) => Encoding.UTF8.GetBytes(s);

    public static string Text(Job? job) => job is null ? "<null>" : Encoding.UTF8.GetString(job.Body.Span);
}
