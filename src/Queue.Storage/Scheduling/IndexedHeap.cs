using Queue.Storage.Model;

namespace Queue.Storage.Scheduling;

/// <summary>
/// Binary min-heap of job slots whose elements know their own position, so any element can be
/// removed in O(log n) (beanstalkd heap.c with setpos). Ensures: for every i &gt; 0,
/// !Less(items[i], items[(i-1)/2]), and the policy's index of items[i] is i.
/// </summary>
internal sealed class IndexedHeap<TPolicy> where TPolicy : struct, IHeapPolicy
{
    private const int ShrinkAbove = 8192;

    private readonly JobTable _jobs;
    private int[] _items;
    private int _count;

    public IndexedHeap(JobTable jobs, int capacity = 4)
    {
        _jobs = jobs;
        _items = new int[capacity];
    }

    public int Count => _count;

    /// <summary>The minimum slot, or -1 when empty.</summary>
    public int Peek() => _count == 0 ? -1 : _items[0];

    public int this[int index] => _items[index];

    public void Insert(int slot)
    {
        if (_count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        _items[_count] = slot;
        TPolicy.SetIndex(_jobs, slot, _count);
        _count++;
        SiftUp(_count - 1);
    }

    /// <summary>
    /// Appends without ordering (bulk load); call <see cref="Heapify"/> before any other use.
    /// Building n elements this way is O(n) instead of O(n log n).
    /// </summary>
    public void AddUnordered(int slot)
    {
        if (_count == _items.Length) Array.Resize(ref _items, _items.Length * 2);
        _items[_count] = slot;
        TPolicy.SetIndex(_jobs, slot, _count);
        _count++;
    }

    /// <summary>Restores the heap property over everything added (Floyd's bottom-up construction).</summary>
    public void Heapify()
    {
        for (int i = (_count >> 1) - 1; i >= 0; i--) SiftDown(i);
    }

    public void RemoveAt(int index)
    {
        int removed = _items[index];
        _count--;
        if (index != _count)
        {
            _items[index] = _items[_count];
            TPolicy.SetIndex(_jobs, _items[index], index);
            if (!SiftUp(index)) SiftDown(index);
        }
        TPolicy.SetIndex(_jobs, removed, -1);
        // Give memory back after a large backlog drains, but never for small heaps, and only well
        // below the size that made it grow: a tube that fills and drains a few thousand jobs over
        // and over must not reallocate its heap every cycle (the hot path allocates nothing).
        if (_items.Length > ShrinkAbove && _count < _items.Length / 8) Array.Resize(ref _items, _items.Length / 2);
    }

    /// <summary>Restores order after the key of the element at <paramref name="index"/> changed.</summary>
    public void Update(int index)
    {
        if (!SiftUp(index)) SiftDown(index);
    }

    private bool SiftUp(int i)
    {
        int start = i;
        int item = _items[i];
        while (i > 0)
        {
            int parent = (i - 1) >> 1;
            int p = _items[parent];
            if (!TPolicy.Less(_jobs, item, p)) break;
            _items[i] = p;
            TPolicy.SetIndex(_jobs, p, i);
            i = parent;
        }
        _items[i] = item;
        TPolicy.SetIndex(_jobs, item, i);
        return i != start;
    }

    private void SiftDown(int i)
    {
        int item = _items[i];
        while (true)
        {
            int child = 2 * i + 1;
            if (child >= _count) break;
            if (child + 1 < _count && TPolicy.Less(_jobs, _items[child + 1], _items[child])) child++;
            if (!TPolicy.Less(_jobs, _items[child], item)) break;
            _items[i] = _items[child];
            TPolicy.SetIndex(_jobs, _items[i], i);
            i = child;
        }
        _items[i] = item;
        TPolicy.SetIndex(_jobs, item, i);
    }
}
