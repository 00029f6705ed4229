using System.Numerics;

namespace Queue.LoadGen.Workloads.PubSub;

/// <summary>
/// Thread-safe record of which sequence numbers were acknowledged (INSERTED) and which were
/// delivered (RESERVED), as two lazily allocated bitmaps. Producers and consumers update it
/// concurrently; <see cref="Reconcile"/> runs once at the end.
/// </summary>
internal sealed class SequenceLedger
{
    private const int PageShift = 16;
    private const int WordsPerPage = (1 << PageShift) / 64;
    private const int MaxPages = 1 << 15;

    private readonly long[]?[] _acked = new long[]?[MaxPages];
    private readonly long[]?[] _delivered = new long[]?[MaxPages];
    private long _last = -1;
    private long _ackedCount;
    private long _deliveredUnique;
    private long _duplicates;

    public ulong Issued => (ulong)(Volatile.Read(ref _last) + 1);

    public long Acked => Volatile.Read(ref _ackedCount);

    public long DeliveredUnique => Volatile.Read(ref _deliveredUnique);

    public long Duplicates => Volatile.Read(ref _duplicates);

    public ulong Next()
    {
        ulong sequence = (ulong)Interlocked.Increment(ref _last);
        return sequence < (ulong)MaxPages << PageShift
            ? sequence
            : throw new InvalidOperationException("pubsub sequence space exhausted");
    }

    public void MarkAcked(ulong sequence)
    {
        SetBit(_acked, sequence);
        Interlocked.Increment(ref _ackedCount);
    }

    /// <summary>Returns false if the sequence had already been delivered (a duplicate).</summary>
    public bool MarkDelivered(ulong sequence)
    {
        if (!SetBit(_delivered, sequence))
        {
            Interlocked.Increment(ref _duplicates);
            return false;
        }

        Interlocked.Increment(ref _deliveredUnique);
        return true;
    }

    /// <summary>
    /// lost: acknowledged but never delivered. unacknowledged: delivered although its put never got INSERTED.
    /// </summary>
    public (long Lost, long DeliveredUnacknowledged) Reconcile()
    {
        long lost = 0;
        long unacknowledged = 0;
        for (int page = 0; page < MaxPages; page++)
        {
            long[]? acked = _acked[page];
            long[]? delivered = _delivered[page];
            for (int word = 0; word < WordsPerPage && (acked is not null || delivered is not null); word++)
            {
                long a = acked?[word] ?? 0;
                long d = delivered?[word] ?? 0;
                lost += BitOperations.PopCount((ulong)(a & ~d));
                unacknowledged += BitOperations.PopCount((ulong)(d & ~a));
            }
        }

        return (lost, unacknowledged);
    }

    private static bool SetBit(long[]?[] pages, ulong sequence)
    {
        int page = (int)(sequence >> PageShift);
        long[] words = Volatile.Read(ref pages[page]) ?? CreatePage(pages, page);
        int word = (int)((sequence & ((1UL << PageShift) - 1)) >> 6);
        long mask = 1L << (int)(sequence & 63);
        return (Interlocked.Or(ref words[word], mask) & mask) == 0;
    }

    private static long[] CreatePage(long[]?[] pages, int page)
    {
        var fresh = new long[WordsPerPage];
        return Interlocked.CompareExchange(ref pages[page], fresh, null) ?? fresh;
    }
}
