using Queue.Storage.Model;

namespace Queue.Storage.Core;

/// <summary>
/// Where the engine records the state changes that must survive a restart (the durable log).
/// Calls happen on the engine loop, after the in-memory change. Admission checks come first:
/// a change that could not be logged is refused before anything is changed.
/// </summary>
internal interface IJobJournal
{
    /// <summary>Whether a new job of this size can be admitted (space for its record and its delete).</summary>
    bool CanAdmit(int bodyLength);
    /// <summary>Whether one more state record can be written.</summary>
    bool CanUpdate();
    /// <summary>Logs a new job; sets <see cref="JobRecord.BodyRef"/>.</summary>
    void Put(ref JobRecord job, in JobExtras extras, string tube, byte[] bodyWithCrlf);
    /// <summary>Logs a job's new state (bury, kick, release).</summary>
    void Update(ref JobRecord job, in JobExtras extras);
    void Delete(ref JobRecord job, string tube);
    /// <summary>Records written so far (the engine compares it around a batch).</summary>
    long Appended { get; }
}

/// <summary>Memory-only mode: nothing is recorded.</summary>
internal sealed class NullJournal : IJobJournal
{
    public static readonly NullJournal Instance = new();
    public bool CanAdmit(int bodyLength) => true;
    public bool CanUpdate() => true;
    public void Put(ref JobRecord job, in JobExtras extras, string tube, byte[] bodyWithCrlf) { }
    public void Update(ref JobRecord job, in JobExtras extras) { }
    public void Delete(ref JobRecord job, string tube) { }
    public long Appended => 0;
}
