namespace Queue.Storage.Model;

/// <summary>
/// All live tubes: lookup by name, by slot (the id stored in job records), and in beanstalkd's
/// global order (creation order, removal moves the last tube into the hole).
/// </summary>
internal sealed class TubeRegistry
{
    private readonly Dictionary<string, Tube> _byName = new(StringComparer.Ordinal);
    private readonly List<Tube?> _bySlot = new();
    private readonly Stack<int> _freeSlots = new();
    private readonly List<Tube> _order = new();
    private readonly JobTable _jobs;

    public TubeRegistry(JobTable jobs) => _jobs = jobs;

    public int Count => _order.Count;

    /// <summary>Tubes in list-tubes order.</summary>
    public IReadOnlyList<Tube> InOrder => _order;

    public Tube BySlot(int slot) => _bySlot[slot]!;

    public Tube? Find(string name) => _byName.GetValueOrDefault(name);

    public Tube FindOrCreate(string name)
    {
        if (_byName.TryGetValue(name, out var t)) return t;
        int slot;
        if (_freeSlots.Count > 0)
        {
            slot = _freeSlots.Pop();
        }
        else
        {
            slot = _bySlot.Count;
            _bySlot.Add(null);
        }
        t = new Tube(name, slot, _jobs) { OrderIndex = _order.Count };
        _bySlot[slot] = t;
        _order.Add(t);
        _byName.Add(name, t);
        return t;
    }

    public void Remove(Tube t)
    {
        _byName.Remove(t.Name);
        _bySlot[t.Slot] = null;
        _freeSlots.Push(t.Slot);
        int last = _order.Count - 1;
        var moved = _order[last];
        _order[t.OrderIndex] = moved;
        moved.OrderIndex = t.OrderIndex;
        _order.RemoveAt(last);
    }
}
