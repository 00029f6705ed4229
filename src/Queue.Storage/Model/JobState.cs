namespace Queue.Storage;

/// <summary>Where a job is in its life cycle; the names are the ones <c>stats-job</c> reports.</summary>
public enum JobState : byte
{
    /// <summary>Deleted, or a slot that holds no job.</summary>
    Invalid = 0,
    Ready = 1,
    Reserved = 2,
    Buried = 3,
    Delayed = 4,
}
