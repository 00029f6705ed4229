using System.Collections.Concurrent;
using Queue.Storage.Core;

namespace Queue.Storage;

/// <summary>
/// The embeddable queue: one dedicated loop thread owns all queue state and applies the work that
/// sessions post, in arrival order (beanstalkd's single event loop, without its sockets).
/// Sessions from any thread post batches; results come back through their completions.
/// </summary>
public sealed class QueueEngine : IAsyncDisposable, IDisposable
{
    private readonly ConcurrentQueue<EngineWork> _inbox = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Thread _thread;
    private readonly ITimer _timer;
    private readonly TaskCompletionSource _stopped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _idle;
    private volatile bool _stopping;
    private long _armedDeadline = long.MaxValue;
    private int _timerFired;
    private static readonly TimeSpan MaxTimerWait = TimeSpan.FromHours(1);

    private QueueEngine(QueueEngineOptions options, QueueCore core)
    {
        Options = options;
        Core = core;
        _timer = options.TimeProvider.CreateTimer(static s => ((QueueEngine)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _thread = new Thread(Loop) { IsBackground = true, Name = "queue-engine" };
    }

    public QueueEngineOptions Options { get; }

    internal QueueCore Core { get; }

    /// <summary>Largest accepted job body in bytes.</summary>
    public long MaxJobSize => Core.MaxJobSize;

    /// <summary>Creates and starts an in-memory engine.</summary>
    public static QueueEngine Start(QueueEngineOptions? options = null)
    {
        options ??= new QueueEngineOptions();
        var core = new QueueCore(options.TimeProvider, options.MaxJobSize);
        var engine = new QueueEngine(options, core);
        engine._thread.Start();
        return engine;
    }

    /// <summary>Opens a client session (a connection's use tube, watch list and reservations).</summary>
    public QueueSession OpenSession() => new(this);

    /// <summary>Allocates a job id now, as beanstalkd does when a put line is parsed.</summary>
    public ulong AllocateJobId() => Core.Ids.Allocate();

    /// <summary>Refuses further puts with DRAINING (beanstalkd SIGUSR1). Cannot be undone.</summary>
    public void EnterDrainMode() => Post(new ActionWork(static e => e.Core.Draining = true));

    internal void Post(EngineWork work)
    {
        if (_stopping) throw new ObjectDisposedException(nameof(QueueEngine));
        _inbox.Enqueue(work);
        Wake();
    }

    private void Wake()
    {
        if (Interlocked.CompareExchange(ref _idle, 0, 1) == 1) _wake.Release();
    }

    internal void ExecuteBatch(CommandBatch batch)
    {
        var session = batch.Session!.State;
        for (int i = 0; i < batch.Count; i++)
        {
            ref var cmd = ref batch[i];
            try
            {
                Core.Refresh();
                Core.Execute(session, ref cmd);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A bug must not take the whole server down: this command answers INTERNAL_ERROR.
                cmd.Status = CommandStatus.InternalError;
                Options.OnInternalError?.Invoke(ex);
            }
            if (cmd.Status == CommandStatus.Waiting) break;
        }
        batch.Complete();
    }

    private void Loop()
    {
        try
        {
            while (true)
            {
                Core.Refresh();
                bool worked = false;
                while (_inbox.TryDequeue(out var work))
                {
                    // Like beanstalkd's prottick before every event: work sees the timers due at its arrival.
                    Core.Refresh();
                    Core.RunTimers();
                    RunSafely(work);
                    worked = true;
                }
                if (_stopping && _inbox.IsEmpty) break;
                Core.Refresh();
                Core.RunTimers();
                ArmTimer();
                if (worked) continue;

                Volatile.Write(ref _idle, 1);
                Interlocked.MemoryBarrier();
                if (!_inbox.IsEmpty || _stopping)
                {
                    if (Interlocked.CompareExchange(ref _idle, 0, 1) == 1) continue;
                }
                _wake.Wait();
            }
            _stopped.TrySetResult();
        }
        catch (Exception ex)
        {
            _stopped.TrySetException(ex);
            throw;
        }
    }

    private void OnTimer()
    {
        Volatile.Write(ref _timerFired, 1);
        Wake();
    }

    private void RunSafely(EngineWork work)
    {
        try
        {
            work.Run(this);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Options.OnInternalError?.Invoke(ex);
        }
    }

    private void ArmTimer()
    {
        long next = Core.NextDeadline();
        bool fired = Interlocked.Exchange(ref _timerFired, 0) == 1;
        if (next == _armedDeadline && !fired) return;
        _armedDeadline = next;
        // Never further than an hour ahead (timers have a ~49-day limit; beanstalkd caps its wait at 1 h too).
        var due = next == long.MaxValue ? Timeout.InfiniteTimeSpan : Core.Until(next) + TimeSpan.FromTicks(1);
        if (due > MaxTimerWait) due = MaxTimerWait;
        _timer.Change(due, Timeout.InfiniteTimeSpan);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping) return;
        _stopping = true;
        if (Interlocked.CompareExchange(ref _idle, 0, 1) == 1) _wake.Release();
        await _stopped.Task.ConfigureAwait(false);
        _timer.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
