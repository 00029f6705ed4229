namespace Queue.LoadGen.Workloads;

/// <summary>A shared count of puts still allowed (prefill by count).</summary>
internal sealed class PutBudget(long total)
{
    private long _remaining = total;

    public bool TryTake() => Interlocked.Decrement(ref _remaining) >= 0;
}
