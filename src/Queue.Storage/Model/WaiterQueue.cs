namespace Queue.Storage.Model;

/// <summary>
/// First-come-first-served queue of sessions blocked in reserve on one tube. Entries are removed
/// lazily: an entry is live only while its session is still in the same wait (same serial).
/// Ensures: stale entries never exceed live entries by more than a constant factor (compaction).
/// </summary>
internal sealed class WaiterQueue
{
    private readonly Queue<(SessionState Session, long Serial)> _entries = new();

    public int RawCount => _entries.Count;

    public void Enqueue(SessionState session) => _entries.Enqueue((session, session.WaitSerial));

    /// <summary>Removes and returns the oldest live waiter, or null.</summary>
    public SessionState? DequeueLive()
    {
        while (_entries.TryDequeue(out var e))
        {
            if (e.Session.IsWaiting && e.Session.WaitSerial == e.Serial) return e.Session;
        }
        return null;
    }

    /// <summary>Drops stale entries when they dominate (called after a waiter leaves without a job).</summary>
    public void Compact(int liveCount)
    {
        if (_entries.Count <= 16 || _entries.Count <= liveCount * 2) return;
        int n = _entries.Count;
        for (int i = 0; i < n; i++)
        {
            var e = _entries.Dequeue();
            if (e.Session.IsWaiting && e.Session.WaitSerial == e.Serial) _entries.Enqueue(e);
        }
    }
}
