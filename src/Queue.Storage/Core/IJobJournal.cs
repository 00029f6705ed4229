using Queue.Storage.Model;

namespace Queue.Storage.Core;

/// <summary>
/// Where the engine records the state changes that must survive a restart (the durable log).
/// Calls happen on the engine loop, after the in-memory change. A false return means the change
/// could not be made durable (no space); the engine then rolls the change back where it can.
/// </summary>
internal interface IJobJournal
{
    /// <summary>Whether a new job of this size can be admitted (space for its record and its delete).</summary>
    bool CanAdmit(int bodyLength);
    /// <summary>Whether one more state record can be written.</summary>
    bool CanUpdate();
    void Put(ref JobRecord job, string tube, byte[] bodyWithCrlf);
    void Update(ref JobRecord job);
    void Delete(ulong id);
}

/// <summary>Memory-only mode: nothing is recorded.</summary>
internal sealed class NullJournal : IJobJournal
{
    public static readonly NullJournal Instance = new();
    public bool CanAdmit(int bodyLength) => true;
    public bool CanUpdate() => true;
    public void Put(ref JobRecord job, string tube, byte[] bodyWithCrlf) { }
    public void Update(ref JobRecord job) { }
    public void Delete(ulong id) { }
}
