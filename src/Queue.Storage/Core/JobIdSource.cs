namespace Queue.Storage.Core;

/// <summary>
/// Thread-safe monotonic job id counter. beanstalkd assigns the id when the put line is parsed,
/// before the body arrives, so connections allocate ids themselves; everything else about the job
/// happens on the engine loop. Ensures: ids are never reused and never go backwards.
/// </summary>
public sealed class JobIdSource
{
    private long _last;

    public ulong Allocate() => (ulong)Interlocked.Increment(ref _last);

    /// <summary>The highest id handed out so far (0 if none).</summary>
    public ulong Last => (ulong)Volatile.Read(ref _last);

    /// <summary>Makes sure later ids are greater than <paramref name="id"/> (used by recovery).</summary>
    public void EnsureAbove(ulong id)
    {
        long v;
        do
        {
            v = Volatile.Read(ref _last);
            if ((ulong)v >= id) return;
        }
        while (Interlocked.CompareExchange(ref _last, (long)id, v) != v);
    }
}
