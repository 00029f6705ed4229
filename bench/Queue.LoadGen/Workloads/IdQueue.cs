namespace Queue.LoadGen.Workloads;

/// <summary>FIFO of job ids waiting to be deleted; grows if needed but normally stays within the pipeline size.</summary>
internal sealed class IdQueue(int capacity)
{
    private ulong[] _items = new ulong[Math.Max(4, capacity)];
    private int _head;

    public int Count { get; private set; }

    public void Enqueue(ulong id)
    {
        if (Count == _items.Length)
        {
            var bigger = new ulong[_items.Length * 2];
            for (int i = 0; i < Count; i++)
            {
                bigger[i] = _items[(_head + i) % _items.Length];
            }

            _items = bigger;
            _head = 0;
        }

        _items[(_head + Count) % _items.Length] = id;
        Count++;
    }

    public ulong Dequeue()
    {
        ulong id = _items[_head];
        _head = (_head + 1) % _items.Length;
        Count--;
        return id;
    }
}
