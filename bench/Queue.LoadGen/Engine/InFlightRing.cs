namespace Queue.LoadGen.Engine;

/// <summary>
/// Fixed-size FIFO of outstanding commands. Replies arrive in command order, so the head is
/// always the command the next reply answers.
/// </summary>
internal sealed class InFlightRing(int capacity)
{
    private readonly InFlight[] _items = new InFlight[capacity];
    private int _head;

    public int Count { get; private set; }

    public int Capacity => _items.Length;

    public void Push(in InFlight item)
    {
        if (Count == _items.Length)
        {
            throw new InvalidOperationException("pipeline window overflow");
        }

        _items[(_head + Count) % _items.Length] = item;
        Count++;
    }

    public InFlight Pop()
    {
        InFlight item = _items[_head];
        _head = (_head + 1) % _items.Length;
        Count--;
        return item;
    }

    /// <summary>Sets <see cref="InFlight.SentAt"/> on the newest <paramref name="count"/> entries.</summary>
    public void StampNewest(int count, long timestamp)
    {
        for (int i = Count - count; i < Count; i++)
        {
            _items[(_head + i) % _items.Length].SentAt = timestamp;
        }
    }
}
