using System.Collections.Concurrent;
using Queue.Storage.Core;
using Queue.Storage.Persistence;

namespace Queue.Storage;

/// <summary>
/// The embeddable queue: one dedicated loop thread owns all queue state and applies the work that
/// sessions post, in arrival order (beanstalkd's single event loop, without its sockets).
/// Sessions from any thread post batches; results come back through their completions. With a
/// data directory, every state change is logged and a batch is answered only after the log
/// commit (and, per <see cref="DurabilityMode"/>, the fsync) that covers it.
/// </summary>
public sealed partial class QueueEngine : IAsyncDisposable, IDisposable
{
    private const int MaxWorkPerRound = 512;
    private static readonly TimeSpan MaxTimerWait = TimeSpan.FromHours(1);
    private readonly ConcurrentQueue<EngineWork> _inbox = new();
    private readonly ITimer _timer;
    private int _running;
    private volatile bool _stopping;
    private bool _stopped;
    private long _armedDeadline = long.MaxValue;
    private int _timerFired;

    // Persistence (null in memory-only mode).
    private readonly DurableLog? _log;
    private readonly LogJournal? _journal;
    private readonly CommitPipeline? _pipeline;
    private LogMaintenance? _maintenance;
    private List<CommandBatch>? _pending;
    private LogBodyStore? _bodyCache;
    private Memory.MemoryGovernor? _memory;
    private long _committedAppends;

    private QueueEngine(QueueEngineOptions options, QueueCore core, DurableLog? log, LogJournal? journal)
    {
        Options = options;
        Core = core;
        _log = log;
        _journal = journal;
        if (log is not null && journal is { Ephemeral: false })
        {
            _pipeline = new CommitPipeline(log, options.Durability, options.SyncInterval) { Failed = ReportFatal };
            _pending = _pipeline.RentList();
        }
        _timer = options.TimeProvider.CreateTimer(static s => ((QueueEngine)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public QueueEngineOptions Options { get; }

    internal QueueCore Core { get; }

    /// <summary>Largest accepted job body in bytes.</summary>
    public long MaxJobSize => Core.MaxJobSize;

    /// <summary>What recovery found when the engine was opened on a data directory (null in memory mode).</summary>
    public RecoveryReport? Recovery { get; private set; }

    /// <summary>Creates and starts an in-memory engine, or opens one on <see cref="QueueEngineOptions.DataDirectory"/>.</summary>
    public static QueueEngine Start(QueueEngineOptions? options = null)
    {
        options ??= new QueueEngineOptions();
        if (options.DataDirectory is not null) return OpenLogged(options, spill: false);
        // With a memory cap, bodies go to a throw-away log on disk so RAM per job does not grow with body size.
        if (options.MaxMemory is not null) return OpenLogged(options, spill: true);
        var core = new QueueCore(options.TimeProvider, options.MaxJobSize);
        var engine = new QueueEngine(options, core, null, null);
        engine._bodyCheck.TrySetResult();
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
        Pump();
    }

    /// <summary>Runs an action on the loop (used by background maintenance to report back).</summary>
    internal void PostMaintenance(Action action)
    {
        _inbox.Enqueue(new ActionWork(_ => action()));
        Pump();
    }

    /// <summary>
    /// The engine loop, run by whichever thread finds it free ("combining"): that thread applies
    /// everything queued, from every session, in arrival order, then lets go. One owner at a time,
    /// so state needs no locks; and an idle engine answers a command on the caller's own thread,
    /// with no hand-off. A turn is bounded; whatever is left goes to a pool thread, so no caller
    /// is held hostage by others' work. Work enqueued while another thread owns the loop is seen
    /// by that owner: it checks the inbox again after letting go.
    /// </summary>
    private void Pump()
    {
        while (!_inbox.IsEmpty || Volatile.Read(ref _timerFired) == 1)
        {
            if (Interlocked.CompareExchange(ref _running, 1, 0) != 0) return;
            bool more;
            try
            {
                if (_stopped) return;
                more = Turn();
            }
            finally
            {
                Volatile.Write(ref _running, 0);
            }
            if (more)
            {
                ThreadPool.UnsafeQueueUserWorkItem(static e => e.Pump(), this, preferLocal: false);
                return;
            }
        }
    }

    /// <summary>One round: queued work, due timers, commit of what was logged. Returns whether work remains.</summary>
    private bool Turn()
    {
        int worked = 0;
        while (worked < MaxWorkPerRound && _inbox.TryDequeue(out var work))
        {
            // Like beanstalkd's prottick before every event: work sees the timers due at its arrival
            // (a touch after the TTR deadline finds the job already expired).
            Core.Refresh();
            Core.RunTimers();
            RunSafely(work);
            worked++;
        }
        Core.Refresh();
        Core.RunTimers();
        EndRound();
        ArmTimer();
        return worked == MaxWorkPerRound && !_inbox.IsEmpty;
    }

    internal void ReportInternalError(Exception ex) => Options.OnInternalError?.Invoke(ex);

    /// <summary>The log cannot be written: keep serving nothing that needs it, say so loudly.</summary>
    private void ReportFatal(Exception ex)
    {
        Options.OnInternalError?.Invoke(ex);
        Options.OnFatalError?.Invoke(ex);
    }

    internal void ExecuteBatch(CommandBatch batch)
    {
        var session = batch.Session!.State;
        long before = _journal?.Appended ?? 0;
        // Like beanstalkd's prottick before each event: whatever fell due (TTR expiry, delays,
        // pauses) happens before these commands see the state.
        Core.Refresh();
        Core.RunTimers();
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
            if (cmd.Status == CommandStatus.OutOfMemory && cmd.Op == Operation.Put && Options.PutWait > TimeSpan.Zero &&
                Core.Memory is { UnderPressure: true })
            {
                // Stop here so nothing after this put runs before it; the caller retries it.
                cmd.Status = CommandStatus.MemoryWait;
                break;
            }
        }
        if (_pipeline is not null && _journal!.Appended != before) _pending!.Add(batch);
        else batch.Complete();
    }

    /// <summary>Commits what this round logged and hands its batches to the commit pipeline.</summary>
    private void EndRound()
    {
        if (_journal is null) return;
        try
        {
            if (_pipeline is not null && _journal.Appended != _committedAppends)
            {
                _committedAppends = _journal.Appended;
                _log!.Log.Commit();
                if (_pending!.Count > 0)
                {
                    _pipeline!.Submit(_log.Log.TailAddress, _pending);
                    _pending = _pipeline.RentList();
                }
            }
            _maintenance?.AfterRound();
            _bodyCache?.Trim(Core.Jobs);
        }
        catch (Exception ex)
        {
            ReportFatal(ex);
            // Nothing of this round can be confirmed any more: answer it (INTERNAL_ERROR), never leave it waiting.
            if (_pending is { Count: > 0 })
            {
                foreach (var b in _pending) b.Fail();
                _pending.Clear();
            }
        }
    }

    private void Shutdown()
    {
        if (_log is null)
        {
            _memory?.Dispose();
            return;
        }
        try
        {
            _maintenance?.WaitIdle();
            _maintenance?.FinalCheckpoint();
            _pipeline?.Dispose();
            if (_pipeline is not null) _log.Sync();
        }
        finally
        {
            _pipeline?.Dispose(); // its thread must not touch the log once it is closed
            _log.Dispose();
            if (_journal is { Ephemeral: true }) DeleteSpillDirectory(_log.Directory);
            _memory?.Dispose();
        }
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

    private void OnTimer()
    {
        Volatile.Write(ref _timerFired, 1);
        Pump();
    }

    private void ArmTimer()
    {
        long next = Core.NextDeadline();
        bool fired = Interlocked.Exchange(ref _timerFired, 0) == 1;
        // A later deadline can wait: the armed timer fires early, finds nothing due and re-arms.
        // Moving the timer costs a lock and, when earlier, a wake-up of the timer thread.
        if (!fired && next >= _armedDeadline) return;
        _armedDeadline = next;
        // Never further than an hour ahead (timers have a ~49-day limit; beanstalkd caps its wait at 1 h too).
        var due = next == long.MaxValue ? Timeout.InfiniteTimeSpan : Core.Until(next) + TimeSpan.FromTicks(1);
        if (due > MaxTimerWait) due = MaxTimerWait;
        _timer.Change(due, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Applies what is queued, writes a final checkpoint and closes the log.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_stopping) return;
        _stopping = true;
        // Take the loop for good: wait for the current owner to let go.
        while (Interlocked.CompareExchange(ref _running, 1, 0) != 0) await Task.Delay(1).ConfigureAwait(false);
        try
        {
            while (Turn())
            {
            }
            _stopped = true;
            _disposed.Cancel();
            _timer.Dispose();
            Shutdown();
        }
        finally
        {
            Volatile.Write(ref _running, 0);
        }
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
