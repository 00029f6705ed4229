using System.Diagnostics;

namespace Queue.Storage.Persistence;

/// <summary>
/// Group commit. After each engine round that logged something, the loop asks FasterLog to commit
/// (pwrite of the tail page and the commit slot) and hands the round's batches here; this thread
/// waits until the commit covers them, fsyncs when the policy says so, and releases their replies.
/// One commit or fsync covers every round that arrived meanwhile, from all connections.
/// </summary>
internal sealed class CommitPipeline : IDisposable
{
    private readonly DurableLog _log;
    private readonly DurabilityMode _mode;
    private readonly long _intervalTicks;
    private readonly Queue<(long Tail, List<CommandBatch> Batches)> _rounds = new();
    private readonly Stack<List<CommandBatch>> _pool = new();
    private readonly object _gate = new();
    private readonly Thread _thread;
    private readonly SemaphoreSlim _signal = new(0);
    private volatile bool _stopping;
    private long _lastSync = Stopwatch.GetTimestamp();
    private bool _dirty;

    public CommitPipeline(DurableLog log, DurabilityMode mode, TimeSpan interval)
    {
        _log = log;
        _mode = mode;
        _intervalTicks = (long)(interval.TotalSeconds * Stopwatch.Frequency);
        _thread = new Thread(Run) { IsBackground = true, Name = "queue-commit" };
        _thread.Start();
    }

    /// <summary>Number of fsyncs done (for benchmarks and tests).</summary>
    public long Syncs { get; private set; }

    /// <summary>Raised (on this thread) when the log cannot be written: the server must stop.</summary>
    public Action<Exception>? Failed { get; set; }

    public List<CommandBatch> RentList()
    {
        lock (_gate) return _pool.Count > 0 ? _pool.Pop() : new List<CommandBatch>();
    }

    /// <summary>Engine loop: the log has been asked to commit up to <paramref name="tail"/>.</summary>
    public void Submit(long tail, List<CommandBatch> batches)
    {
        lock (_gate) _rounds.Enqueue((tail, batches));
        _signal.Release();
    }

    private void Run()
    {
        var ready = new List<(long Tail, List<CommandBatch> Batches)>();
        while (true)
        {
            bool signalled = _signal.Wait(_mode == DurabilityMode.Periodic && _dirty ? RemainingUntilSync() : Timeout.Infinite);
            ready.Clear();
            lock (_gate)
            {
                while (_rounds.Count > 0) ready.Add(_rounds.Dequeue());
            }
            if (ready.Count > 0) Drain(ready);
            else if (!signalled && _dirty && SyncDue()) PeriodicSync();
            if (_stopping)
            {
                lock (_gate)
                {
                    if (_rounds.Count == 0) break;
                }
            }
        }
    }

    private void Drain(List<(long Tail, List<CommandBatch> Batches)> ready)
    {
        // Extra signals for the rounds taken here are harmless: the next wake finds nothing.
        long tail = ready[^1].Tail;
        try
        {
            _log.Log.WaitForCommitAsync(tail).AsTask().GetAwaiter().GetResult();
            _dirty = true;
            if (_mode == DurabilityMode.Always || (_mode == DurabilityMode.Periodic && SyncDue())) SyncNow();
        }
        catch (Exception ex)
        {
            Failed?.Invoke(ex);
            foreach (var (_, batches) in ready)
            {
                foreach (var b in batches) b.Fail();
            }
            return;
        }
        foreach (var (_, batches) in ready)
        {
            foreach (var b in batches) b.Complete();
            batches.Clear();
            lock (_gate) _pool.Push(batches);
        }
    }

    /// <summary>The timed fsync of -f MS: a failure is fatal like any other write error, not a crash of this thread.</summary>
    private void PeriodicSync()
    {
        try
        {
            SyncNow();
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            _dirty = false;
            Failed?.Invoke(ex);
        }
    }

    private bool SyncDue() => Stopwatch.GetTimestamp() - _lastSync >= _intervalTicks;

    private int RemainingUntilSync()
    {
        long left = _intervalTicks - (Stopwatch.GetTimestamp() - _lastSync);
        return left <= 0 ? 0 : (int)Math.Max(1, left * 1000 / Stopwatch.Frequency);
    }

    private void SyncNow()
    {
        _log.Sync();
        _dirty = false;
        _lastSync = Stopwatch.GetTimestamp();
        Syncs++;
    }

    /// <summary>Finishes pending rounds and stops (the engine makes its final commit itself).</summary>
    public void Dispose()
    {
        _stopping = true;
        _signal.Release();
        _thread.Join();
    }
}
