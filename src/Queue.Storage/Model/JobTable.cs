using System.Runtime.CompilerServices;

namespace Queue.Storage.Model;

/// <summary>
/// Slab of <see cref="JobRecord"/> values in fixed-size chunks (no large copies on growth) plus an
/// open-addressing id index. Slots are reused through a free list.
/// Ensures: <see cref="Find"/> returns the slot of every live job and -1 for any other id.
/// </summary>
internal sealed class JobTable
{
    private const int ChunkBits = 12;
    private const int ChunkSize = 1 << ChunkBits;
    private const int ChunkMask = ChunkSize - 1;

    private JobRecord[][] _chunks = new JobRecord[4][];
    private int _chunkCount;
    // JobExtras by slot, in chunks parallel to the slab; a chunk exists once a job in its range had
    // a non-zero delay or counter.
    private JobExtras[]?[] _extras = new JobExtras[4][];
    private int _extraChunks;
    private int _highWater;          // slots ever handed out
    private int _freeHead = -1;      // free list threaded through JobRecord.Next
    private int _count;

    // Linear-probing index: stores slot + 1, 0 = empty. Deletion shifts back (no tombstones).
    private int[] _index = new int[1024];
    private int _indexMask = 1023;

    public int Count => _count;

    /// <summary>Slots ever handed out (live or free); slot numbers are below it.</summary>
    public int HighWater => _highWater;

    /// <summary>Bytes held by the slab and the index (for memory accounting).</summary>
    public long FootprintBytes =>
        (long)_chunkCount * ChunkSize * Unsafe.SizeOf<JobRecord>() + (long)_index.Length * sizeof(int) +
        (long)_extraChunks * ChunkSize * Unsafe.SizeOf<JobExtras>();

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref JobRecord Get(int slot) => ref _chunks[slot >> ChunkBits][slot & ChunkMask];

    /// <summary>Grows the index ahead of a bulk load of <paramref name="count"/> more jobs.</summary>
    public void EnsureCapacity(int count)
    {
        while ((long)(_count + count) * 4 > (long)_index.Length * 3) GrowIndex();
    }

    public int Allocate(ulong id)
    {
        int slot;
        if (_freeHead >= 0)
        {
            slot = _freeHead;
            _freeHead = Get(slot).Next;
        }
        else
        {
            slot = _highWater++;
            int chunk = slot >> ChunkBits;
            if (chunk == _chunkCount)
            {
                if (chunk == _chunks.Length) Array.Resize(ref _chunks, _chunks.Length * 2);
                _chunks[chunk] = new JobRecord[ChunkSize];
                _chunkCount++;
            }
        }
        ref var r = ref Get(slot);
        r = default;
        r.Id = id;
        r.HeapIndex = -1;
        r.TimerIndex = -1;
        r.Prev = -1;
        r.Next = -1;
        r.Owner = -1;
        _count++;
        if ((long)_count * 4 > (long)_index.Length * 3) GrowIndex();
        InsertIndex(id, slot);
        return slot;
    }

    /// <summary>A job's delay and counters, for writing (creates their chunk if needed).</summary>
    public ref JobExtras Extras(int slot)
    {
        int c = slot >> ChunkBits;
        if (c >= _extras.Length) Array.Resize(ref _extras, Math.Max(c + 1, _extras.Length * 2));
        if (_extras[c] is null)
        {
            _extras[c] = new JobExtras[ChunkSize];
            _extraChunks++;
        }
        return ref _extras[c]![slot & ChunkMask];
    }

    /// <summary>A job's delay and counters (all zero when none were ever set).</summary>
    public JobExtras ExtrasOf(int slot)
    {
        int c = slot >> ChunkBits;
        return c < _extras.Length && _extras[c] is { } chunk ? chunk[slot & ChunkMask] : default;
    }

    /// <summary>Sets a job's delay and counters; writes nothing for all-zero values where no chunk exists.</summary>
    public void SetExtras(int slot, in JobExtras value)
    {
        if (value.IsEmpty && ExtrasOf(slot).IsEmpty) return;
        Extras(slot) = value;
    }

    /// <summary>Sets a job's delay (no chunk is made for a zero delay).</summary>
    public void SetDelay(int slot, uint seconds)
    {
        if (seconds == 0 && ExtrasOf(slot).DelaySeconds == 0) return;
        Extras(slot).DelaySeconds = seconds;
    }

    /// <summary>Copies of the extras chunks (null where none exists), for a checkpoint taken on the loop.</summary>
    public JobExtras[]?[] CopyExtras()
    {
        var copy = new JobExtras[]?[_extras.Length];
        for (int c = 0; c < _extras.Length; c++)
        {
            if (_extras[c] is { } chunk) copy[c] = (JobExtras[])chunk.Clone();
        }
        return copy;
    }

    /// <summary>Reads a slot's extras from a copy made by <see cref="CopyExtras"/>.</summary>
    public static JobExtras ExtrasOf(JobExtras[]?[] copy, int slot)
    {
        int c = slot >> ChunkBits;
        return c < copy.Length && copy[c] is { } chunk ? chunk[slot & ChunkMask] : default;
    }

    public void Free(int slot)
    {
        ref var r = ref Get(slot);
        RemoveIndex(r.Id);
        int c = slot >> ChunkBits;
        if (c < _extras.Length && _extras[c] is { } extras) extras[slot & ChunkMask] = default;
        r = default;
        r.Next = _freeHead;
        _freeHead = slot;
        _count--;
    }

    /// <summary>
    /// Copies every slot below <see cref="HighWater"/> (live or free) into <paramref name="destination"/>,
    /// chunk by chunk: a plain memory copy, for a consistent picture taken on the loop and read elsewhere.
    /// </summary>
    public void CopySlab(Span<JobRecord> destination)
    {
        for (int start = 0; start < _highWater; start += ChunkSize)
        {
            int n = Math.Min(ChunkSize, _highWater - start);
            _chunks[start >> ChunkBits].AsSpan(0, n).CopyTo(destination.Slice(start, n));
        }
    }

    /// <summary>Calls <paramref name="action"/> for every live slot, in slot order.</summary>
    public void ForEachLive(Action<int> action)
    {
        for (int slot = 0; slot < _highWater; slot++)
        {
            if (Get(slot).State != JobState.Invalid) action(slot);
        }
    }

    public int Find(ulong id)
    {
        int i = Hash(id) & _indexMask;
        while (true)
        {
            int v = _index[i];
            if (v == 0) return -1;
            if (Get(v - 1).Id == id) return v - 1;
            i = (i + 1) & _indexMask;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Hash(ulong id)
    {
        // Fibonacci hashing spreads consecutive ids over the table. (An identity-like hash keeps
        // them together, but then a live range of ids is one long probe cluster and every delete's
        // backward shift walks all of it.)
        ulong h = id * 0x9E3779B97F4A7C15UL;
        return (int)(h >> 33);
    }

    private void InsertIndex(ulong id, int slot)
    {
        int i = Hash(id) & _indexMask;
        while (_index[i] != 0) i = (i + 1) & _indexMask;
        _index[i] = slot + 1;
    }

    private void RemoveIndex(ulong id)
    {
        int i = Hash(id) & _indexMask;
        while (true)
        {
            int v = _index[i];
            if (v == 0) return;
            if (Get(v - 1).Id == id) break;
            i = (i + 1) & _indexMask;
        }
        // Backward-shift deletion keeps probe chains intact without tombstones.
        int hole = i;
        int j = i;
        while (true)
        {
            j = (j + 1) & _indexMask;
            int v = _index[j];
            if (v == 0) break;
            int home = Hash(Get(v - 1).Id) & _indexMask;
            bool movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
            if (movable)
            {
                _index[hole] = v;
                hole = j;
            }
        }
        _index[hole] = 0;
    }

    private void GrowIndex()
    {
        var old = _index;
        _index = new int[old.Length * 2];
        _indexMask = _index.Length - 1;
        foreach (int v in old)
        {
            if (v != 0) InsertIndex(Get(v - 1).Id, v - 1);
        }
    }
}
