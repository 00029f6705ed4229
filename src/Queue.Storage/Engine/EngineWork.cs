namespace Queue.Storage;

/// <summary>A unit of work run by the engine loop, in arrival order.</summary>
public abstract class EngineWork
{
    internal abstract void Run(QueueEngine engine);
}

/// <summary>Runs an action on the engine loop (session open/close, wait cancellation, drain).</summary>
internal sealed class ActionWork(Action<QueueEngine> action) : EngineWork
{
    internal override void Run(QueueEngine engine) => action(engine);
}
