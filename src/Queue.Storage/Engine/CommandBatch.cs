using System.Threading.Tasks.Sources;

namespace Queue.Storage;

/// <summary>
/// Commands of one session applied by the engine loop in one go, answered by one completion.
/// A connection reuses one batch: fill, <see cref="QueueSession.ExecuteAsync"/>, read results, reset.
/// </summary>
public sealed class CommandBatch : EngineWork, IValueTaskSource
{
    private ManualResetValueTaskSourceCore<bool> _core = new() { RunContinuationsAsynchronously = true };
    private EngineCommand[] _commands;

    public CommandBatch(int capacity = 16) => _commands = new EngineCommand[capacity];

    public int Count { get; private set; }

    internal QueueSession? Session { get; set; }

    public ref EngineCommand this[int index] => ref _commands[index];

    /// <summary>Appends a cleared slot and returns it for filling.</summary>
    public ref EngineCommand Add()
    {
        if (Count == _commands.Length) Array.Resize(ref _commands, _commands.Length * 2);
        ref var c = ref _commands[Count++];
        c.Clear();
        return ref c;
    }

    /// <summary>Clears the batch for reuse (drops references to bodies and payloads).</summary>
    public void Clear()
    {
        for (int i = 0; i < Count; i++) _commands[i].Clear();
        Count = 0;
    }

    /// <summary>Drops the first <paramref name="n"/> commands, keeping the rest in order.</summary>
    public void RemoveFirst(int n)
    {
        for (int i = 0; i < n; i++) _commands[i].Clear();
        Array.Copy(_commands, n, _commands, 0, Count - n);
        for (int i = Count - n; i < Count; i++) _commands[i].Clear();
        Count -= n;
    }

    internal ValueTask Start()
    {
        _core.Reset();
        return new ValueTask(this, _core.Version);
    }

    internal void Complete() => _core.SetResult(true);

    /// <summary>The log could not make this batch durable: every logged command answers INTERNAL_ERROR.</summary>
    internal void Fail()
    {
        for (int i = 0; i < Count; i++)
        {
            if (_commands[i].Status is CommandStatus.Ok or CommandStatus.Buried) _commands[i].Status = CommandStatus.InternalError;
        }
        _core.SetResult(true);
    }

    internal override void Run(QueueEngine engine) => engine.ExecuteBatch(this);

    void IValueTaskSource.GetResult(short token) => _core.GetResult(token);

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);
}
