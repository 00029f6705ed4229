using Queue.Storage.Core;
using Queue.Storage.Model;

namespace Queue.Storage.Tests.Core;

public class SessionWakeHeapTests
{
    private static readonly Tube Default = new("default", 0, new JobTable());

    private static SessionState At(int id, long wakeAt) => new(id, Default) { WakeAt = wakeAt };

    [Fact]
    public void Peek_ReturnsTheEarliestWake_AndRemoveKeepsOrder()
    {
        var heap = new SessionWakeHeap();
        var sessions = new[] { At(0, 50), At(1, 10), At(2, 40), At(3, 30), At(4, 20) };
        foreach (var s in sessions) heap.Insert(s);

        heap.Remove(sessions[3]); // from the middle
        Assert.Equal(-1, sessions[3].WakeIndex);

        var order = new List<long>();
        while (heap.Peek() is { } s)
        {
            order.Add(s.WakeAt);
            heap.Remove(s);
        }
        Assert.Equal([10L, 20, 40, 50], order);
    }

    [Fact]
    public void Remove_OfASessionNotInTheHeap_IsHarmless()
    {
        var heap = new SessionWakeHeap();
        var inside = At(0, 5);
        heap.Insert(inside);

        heap.Remove(At(1, 1));

        Assert.Equal(1, heap.Count);
        Assert.Same(inside, heap.Peek());
    }

    [Fact]
    public void RandomInsertsAndRemovals_AlwaysPeekTheMinimum()
    {
        var rng = new Random(7);
        var heap = new SessionWakeHeap();
        var inside = new List<SessionState>();
        for (int step = 0; step < 5000; step++)
        {
            if (inside.Count == 0 || rng.Next(3) > 0)
            {
                var s = At(step, rng.Next(0, 1000));
                heap.Insert(s);
                inside.Add(s);
            }
            else
            {
                var s = inside[rng.Next(inside.Count)];
                heap.Remove(s);
                inside.Remove(s);
            }
            Assert.Equal(inside.Count, heap.Count);
            if (inside.Count > 0) Assert.Equal(inside.Min(x => x.WakeAt), heap.Peek()!.WakeAt);
            foreach (var s in inside) Assert.True(s.WakeIndex >= 0);
        }
    }
}
