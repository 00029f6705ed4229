namespace Queue.Storage;

/// <summary>Settings of an engine instance.</summary>
public sealed class QueueEngineOptions
{
    /// <summary>Largest accepted body in bytes (beanstalkd -z; inclusive; default 65535).</summary>
    public long MaxJobSize { get; set; } = 65535;

    /// <summary>Clock for TTR, delays, pauses and reserve timeouts; tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Called on the engine loop when a command failed with an unexpected exception.</summary>
    public Action<Exception>? OnInternalError { get; set; } = ex => Console.Error.WriteLine($"engine: internal error: {ex}");
}
