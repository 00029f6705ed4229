namespace Queue.Storage.Migration;

/// <summary>
/// One live job recovered from a beanstalkd binlog, in the state beanstalkd 1.12 itself would
/// rebuild on restart (a job that was reserved when the server died comes back ready).
/// </summary>
public sealed class ImportedJob
{
    public required ulong Id { get; init; }
    public required string Tube { get; init; }
    public required uint Priority { get; init; }
    /// <summary><see cref="JobState.Ready"/>, <see cref="JobState.Delayed"/> or <see cref="JobState.Buried"/>.</summary>
    public required JobState State { get; init; }
    /// <summary>The job's delay as last logged (put delay, or the delay of a logged release).</summary>
    public required uint DelaySeconds { get; init; }
    public required uint TtrSeconds { get; init; }
    /// <summary>Wall-clock creation time, Unix milliseconds.</summary>
    public required long CreatedAtUnixMs { get; init; }
    /// <summary>
    /// Delayed jobs: absolute wall-clock time (Unix ms) at which the job becomes ready; it may be
    /// in the past, and then the job is due at once (beanstalkd makes it ready). 0 otherwise.
    /// </summary>
    public required long ReadyAtUnixMs { get; init; }
    public required uint Reserves { get; init; }
    public required uint Timeouts { get; init; }
    public required uint Releases { get; init; }
    public required uint Buries { get; init; }
    public required uint Kicks { get; init; }
    /// <summary>The job body, without beanstalkd's trailing CRLF.</summary>
#pragma warning disable CA1819 // an immutable import DTO; copying every body would double the import's memory
    public required byte[] Body { get; init; }
#pragma warning restore CA1819
}
