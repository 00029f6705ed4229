using Queue.Storage.Model;

namespace Queue.Storage.Core;

/// <summary>Min-heap of blocked sessions by <see cref="SessionState.WakeAt"/> (beanstalkd srv->conns).</summary>
internal sealed class SessionWakeHeap
{
    private readonly List<SessionState> _items = new();

    public int Count => _items.Count;

    public SessionState? Peek() => _items.Count == 0 ? null : _items[0];

    public void Insert(SessionState s)
    {
        _items.Add(s);
        s.WakeIndex = _items.Count - 1;
        Up(s.WakeIndex);
    }

    public void Remove(SessionState s)
    {
        int i = s.WakeIndex;
        if (i < 0) return;
        int last = _items.Count - 1;
        if (i != last)
        {
            _items[i] = _items[last];
            _items[i].WakeIndex = i;
        }
        _items.RemoveAt(last);
        s.WakeIndex = -1;
        if (i < _items.Count)
        {
            Up(i);
            Down(i);
        }
    }

    private void Up(int i)
    {
        while (i > 0)
        {
            int p = (i - 1) >> 1;
            if (_items[i].WakeAt >= _items[p].WakeAt) break;
            Swap(i, p);
            i = p;
        }
    }

    private void Down(int i)
    {
        while (true)
        {
            int c = 2 * i + 1;
            if (c >= _items.Count) break;
            if (c + 1 < _items.Count && _items[c + 1].WakeAt < _items[c].WakeAt) c++;
            if (_items[c].WakeAt >= _items[i].WakeAt) break;
            Swap(i, c);
            i = c;
        }
    }

    private void Swap(int a, int b)
    {
        (_items[a], _items[b]) = (_items[b], _items[a]);
        _items[a].WakeIndex = a;
        _items[b].WakeIndex = b;
    }
}
