namespace Queue.Server.Hosting;

/// <summary>Settings from the command line (beanstalkd 1.12 flags plus long extension options).</summary>
internal sealed class ServerOptions
{
    public const string DefaultPort = "11300";
    public const long DefaultBinlogFileSize = 10485760;
    public const long DefaultFsyncMs = 50;

    /// <summary>-l: address, or unix:PATH; null means the wildcard address 0.0.0.0.</summary>
    public string? ListenAddress { get; set; }
    /// <summary>-p, kept as text as beanstalkd passes it to getaddrinfo.</summary>
    public string Port { get; set; } = DefaultPort;
    /// <summary>-b: binlog directory; null runs in memory.</summary>
    public string? BinlogDirectory { get; set; }
    /// <summary>-f: fsync at most every this many ms; 0 syncs before every reply.</summary>
    public long FsyncMs { get; set; } = DefaultFsyncMs;
    /// <summary>-F: never fsync (the last of -f/-F wins).</summary>
    public bool NeverFsync { get; set; }
    /// <summary>-s: binlog file (segment) size.</summary>
    public long BinlogFileSize { get; set; } = DefaultBinlogFileSize;
    /// <summary>-z: max job size, inclusive.</summary>
    public long MaxJobSize { get; set; } = Protocol.ProtocolLimits.DefaultMaxJobSize;
    /// <summary>-u: drop privileges to this user after binding.</summary>
    public string? User { get; set; }
    /// <summary>-V count.</summary>
    public int Verbosity { get; set; }

    /// <summary>--max-memory: the process memory cap in bytes; null derives it from the cgroup or physical memory.</summary>
    public long? MaxMemory { get; set; }

    /// <summary>--max-connections: further clients are refused with OUT_OF_MEMORY and closed; null: from the fd limit.</summary>
    public int? MaxConnections { get; set; }

    /// <summary>--put-wait-ms: how long a put may wait for memory to free up before OUT_OF_MEMORY (0: refuse at once).</summary>
    public int PutWaitMs { get; set; }

    /// <summary>--metrics-port: HTTP port for /metrics, /healthz, /readyz on the listen address (off when null).</summary>
    public int? MetricsPort { get; set; }

    /// <summary>--log-format: "console" (default) or "json".</summary>
    public string LogFormat { get; set; } = "console";
}
