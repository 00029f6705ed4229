namespace Queue.Storage;

/// <summary>When the job log is fsynced (beanstalkd -f/-F). In every mode a command is answered
/// only after its records have been written to the log files, so a process crash (kill -9)
/// loses no acknowledged command.</summary>
public enum DurabilityMode
{
    /// <summary>-f MS (default 50): fsync at most every interval; a power cut can lose that much.</summary>
    Periodic,
    /// <summary>-f0: the reply leaves only after the fsync that covers it (group commit).</summary>
    Always,
    /// <summary>-F: never fsync (except at a clean shutdown); the OS decides.</summary>
    Never,
}
