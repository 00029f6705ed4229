using System.Threading.Tasks.Sources;
using Queue.Storage.Core;
using Queue.Storage.Model;

namespace Queue.Storage;

/// <summary>
/// One client of the engine: a used tube, a watch list and reserved jobs, exactly like a beanstalkd
/// connection. Disposing it returns its reserved jobs to ready. A session is used by one caller at
/// a time (like a connection): do not overlap calls.
/// </summary>
public sealed partial class QueueSession : IAsyncDisposable, IWaitCompletion
{
    private readonly QueueEngine _engine;
    private readonly CommandBatch _single = new(1);
    private readonly WaitSource _wait = new();
    private int _disposed;

    internal QueueSession(QueueEngine engine)
    {
        _engine = engine;
        _single.Session = this;
        // Opened on the loop; any later batch of this session is behind it in the inbox.
        engine.Post(new ActionWork(e =>
        {
            State = e.Core.OpenSession();
            State.Waiter = this;
        }));
    }

    internal SessionState State { get; private set; } = null!;

    public QueueEngine Engine => _engine;

    /// <summary>Submits a batch; completes when the engine has applied every command in it.</summary>
    public ValueTask ExecuteAsync(CommandBatch batch)
    {
        batch.Session = this;
        var task = batch.Start();
        _engine.Post(batch);
        return task;
    }

    /// <summary>Waits for the outcome of a reserve that came back <see cref="CommandStatus.Waiting"/>.</summary>
    public async ValueTask<ReserveOutcome> WaitReserveAsync()
    {
        await _wait.Task().ConfigureAwait(false);
        var outcome = new ReserveOutcome(_wait.Status, _wait.JobId, _wait.Body);
        _wait.Reset();
        return outcome;
    }

    /// <summary>Ends a blocked reserve early; it completes with TIMED_OUT (beanstalkd: client hang-up).</summary>
    public void CancelWait() => _engine.Post(new ActionWork(e => e.Core.CancelWait(State)));

    void IWaitCompletion.Complete(CommandStatus status, ulong jobId, byte[]? body) => _wait.SetResult(status, jobId, body);

    public ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _engine.Post(new ActionWork(e => e.Core.CloseSession(State)));
        }
        return ValueTask.CompletedTask;
    }

    private sealed class WaitSource : IValueTaskSource
    {
        private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };

        public CommandStatus Status;
        public ulong JobId;
        public byte[]? Body;

        public ValueTask Task() => new(this, _core.Version);

        public void SetResult(CommandStatus status, ulong jobId, byte[]? body)
        {
            Status = status;
            JobId = jobId;
            Body = body;
            _core.SetResult(true);
        }

        public void Reset()
        {
            Body = null;
            _core.Reset();
        }

        public void GetResult(short token) => _core.GetResult(token);

        public ValueTaskSourceStatus GetStatus(short token) => _core.GetStatus(token);

        public void OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}

/// <summary>How a blocked reserve ended: Ok with a job (body includes the trailing CRLF), TimedOut or DeadlineSoon.</summary>
public readonly record struct ReserveOutcome(CommandStatus Status, ulong JobId, byte[]? Body);
