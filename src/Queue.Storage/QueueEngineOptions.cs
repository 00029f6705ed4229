namespace Queue.Storage;

/// <summary>Settings of an engine instance.</summary>
public sealed class QueueEngineOptions
{
    /// <summary>Largest accepted body in bytes (beanstalkd -z; inclusive; default 65535).</summary>
    public long MaxJobSize { get; set; } = 65535;

    /// <summary>
    /// Memory cap for the whole process in bytes: past its high watermark puts are refused
    /// (OUT_OF_MEMORY) until usage falls below the low watermark. Null: no cap.
    /// </summary>
    public long? MaxMemory { get; set; }

    /// <summary>Bytes held in connection input/output buffers (the host reports it for the memory-* stats).</summary>
    public Func<long>? ConnectionBufferBytes { get; set; }

    /// <summary>
    /// How long a put refused by the memory cap may wait for memory to free up before it is answered
    /// OUT_OF_MEMORY (0: refuse at once). Commands after it on the same connection wait too.
    /// </summary>
    public TimeSpan PutWait { get; set; }

    /// <summary>Test seam: how memory use is measured (default: the process's anonymous resident memory).</summary>
    internal Func<long>? MemorySampler { get; set; }

    /// <summary>Called on every watermark crossing (true: puts now refused), with the usage that crossed it.</summary>
    public Action<bool, long>? OnMemoryPressure { get; set; }

    /// <summary>Directory of the durable job log (beanstalkd -b); null keeps jobs in memory only.</summary>
    public string? DataDirectory { get; set; }

    /// <summary>When the log is fsynced (-f/-F).</summary>
    public DurabilityMode Durability { get; set; } = DurabilityMode.Periodic;

    /// <summary>fsync interval for <see cref="DurabilityMode.Periodic"/> (-f MS).</summary>
    public TimeSpan SyncInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Log segment size request (-s); rounded up to a power of two, at least four log pages.</summary>
    public long SegmentSize { get; set; } = 10485760;

    /// <summary>Write an index checkpoint after this much log (at least the size of the previous checkpoint, so writing checkpoints never costs more than writing the log; a small index is checkpointed often and replay after a crash stays short).</summary>
    public long CheckpointLogBytes { get; set; } = 4L << 20;

    /// <summary>Write an index checkpoint at least this often while the log changes.</summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Called after jobs were imported from beanstalkd 1.12 binlog files found in the data directory.</summary>
    public Action<Migration.BinlogImport>? OnImported { get; set; }

    /// <summary>Called for every job found lost because its body no longer reads back intact (log it).</summary>
    public Action<string>? OnJobLost { get; set; }

    /// <summary>Called once with what recovery found (log it).</summary>
    public Action<Persistence.RecoveryReport>? OnRecovered { get; set; }

    /// <summary>Clock for TTR, delays, pauses and reserve timeouts; tests pass a fake one.</summary>
    public TimeProvider TimeProvider { get; set; } = TimeProvider.System;

    /// <summary>Called on the engine loop when a command failed with an unexpected exception.</summary>
    public Action<Exception>? OnInternalError { get; set; }

    /// <summary>
    /// Test seam for "disk full": reserves disk space for a log segment (path, bytes) and returns
    /// false when there is no room. Null uses posix_fallocate.
    /// </summary>
    internal Func<string, long, bool>? PreallocateSegment { get; set; }

    /// <summary>Called when the log can no longer be written; the host should stop loudly.</summary>
    public Action<Exception>? OnFatalError { get; set; } = ex => Console.Error.WriteLine($"engine: internal error: {ex}");
}
