using CsCheck;
using Queue.Storage.Model;
using Queue.Storage.Scheduling;

namespace Queue.Storage.Tests.Scheduling;

public class IndexedHeapTests
{
    private readonly JobTable _jobs = new();

    private int NewJob(ulong id, uint priority, long deadline = 0)
    {
        int slot = _jobs.Allocate(id);
        _jobs.Get(slot).Priority = priority;
        _jobs.Get(slot).DeadlineAt = deadline;
        return slot;
    }

    private static void AssertHeapInvariants<T>(IndexedHeap<T> heap, JobTable jobs, Func<int, int> indexOf)
        where T : struct, IHeapPolicy
    {
        for (int i = 0; i < heap.Count; i++)
        {
            Assert.Equal(i, indexOf(heap[i]));
            if (i > 0) Assert.False(T.Less(jobs, heap[i], heap[(i - 1) / 2]), $"heap order broken at {i}");
        }
    }

    private List<ulong> Drain(IndexedHeap<ReadyOrder> heap)
    {
        var ids = new List<ulong>();
        while (heap.Count > 0)
        {
            int top = heap.Peek();
            ids.Add(_jobs.Get(top).Id);
            heap.RemoveAt(0);
        }
        return ids;
    }

    [Fact]
    public void Peek_OnEmptyHeap_ReturnsMinusOne()
    {
        var heap = new IndexedHeap<ReadyOrder>(_jobs);
        Assert.Equal(-1, heap.Peek());
        Assert.Equal(0, heap.Count);
    }

    [Fact]
    public void ReadyOrder_PopsByPriorityThenId()
    {
        var heap = new IndexedHeap<ReadyOrder>(_jobs);
        foreach (var (id, pri) in new (ulong, uint)[] { (5, 10), (1, 10), (9, 0), (3, 4294967295), (2, 10), (7, 0) })
        {
            heap.Insert(NewJob(id, pri));
        }
        Assert.Equal(new ulong[] { 7, 9, 1, 2, 5, 3 }, Drain(heap));
    }

    [Fact]
    public void DelayOrder_PopsByDeadlineThenId()
    {
        var heap = new IndexedHeap<DelayOrder>(_jobs);
        heap.Insert(NewJob(4, 0, deadline: 300));
        heap.Insert(NewJob(2, 0, deadline: 300));
        heap.Insert(NewJob(8, 0, deadline: 100));
        heap.Insert(NewJob(1, 99, deadline: 200));
        var order = new List<ulong>();
        while (heap.Count > 0)
        {
            order.Add(_jobs.Get(heap.Peek()).Id);
            heap.RemoveAt(0);
        }
        Assert.Equal(new ulong[] { 8, 1, 2, 4 }, order);
    }

    [Fact]
    public void Insert_KeepsHeapIndexBackPointersInSync()
    {
        var heap = new IndexedHeap<ReadyOrder>(_jobs);
        for (uint i = 0; i < 50; i++) heap.Insert(NewJob(i + 1, (i * 7919) % 13));
        AssertHeapInvariants(heap, _jobs, s => _jobs.Get(s).HeapIndex);
    }

    [Fact]
    public void RemoveAt_MiddleElement_RemovesExactlyThatJobAndClearsItsIndex()
    {
        var heap = new IndexedHeap<ReadyOrder>(_jobs);
        var slots = new List<int>();
        for (uint i = 0; i < 20; i++)
        {
            int s = NewJob(i + 1, 20 - i);
            slots.Add(s);
            heap.Insert(s);
        }
        int victim = slots[7]; // id 8, priority 13
        heap.RemoveAt(_jobs.Get(victim).HeapIndex);

        Assert.Equal(-1, _jobs.Get(victim).HeapIndex);
        Assert.Equal(19, heap.Count);
        AssertHeapInvariants(heap, _jobs, s => _jobs.Get(s).HeapIndex);
        Assert.DoesNotContain(8UL, Drain(heap));
    }

    [Fact]
    public void RemoveAt_LastElement_LeavesOthersInPlace()
    {
        var heap = new IndexedHeap<ReadyOrder>(_jobs);
        int a = NewJob(1, 1), b = NewJob(2, 2);
        heap.Insert(a);
        heap.Insert(b);
        heap.RemoveAt(1);
        Assert.Equal(1, heap.Count);
        Assert.Equal(a, heap.Peek());
        Assert.Equal(0, _jobs.Get(a).HeapIndex);
        Assert.Equal(-1, _jobs.Get(b).HeapIndex);
    }

    [Fact]
    public void Update_AfterKeyDecrease_MovesJobToTop()
    {
        var heap = new IndexedHeap<ReadyOrder>(_jobs);
        var slots = Enumerable.Range(1, 10).Select(i => NewJob((ulong)i, 100 + (uint)i)).ToList();
        slots.ForEach(heap.Insert);
        int last = slots[^1];
        _jobs.Get(last).Priority = 1;
        heap.Update(_jobs.Get(last).HeapIndex);
        Assert.Equal(last, heap.Peek());
        AssertHeapInvariants(heap, _jobs, s => _jobs.Get(s).HeapIndex);
    }

    [Fact]
    public void Update_AfterKeyIncrease_SinksJob()
    {
        var heap = new IndexedHeap<ReadyOrder>(_jobs);
        var slots = Enumerable.Range(1, 10).Select(i => NewJob((ulong)i, (uint)i)).ToList();
        slots.ForEach(heap.Insert);
        _jobs.Get(slots[0]).Priority = 1000;
        heap.Update(0);
        Assert.Equal(slots[1], heap.Peek());
        Assert.Equal(new ulong[] { 2, 3, 4, 5, 6, 7, 8, 9, 10, 1 }, Drain(heap));
    }

    [Fact]
    public void TimerOrder_UsesTimerIndex_IndependentOfReadyHeap()
    {
        var ready = new IndexedHeap<ReadyOrder>(_jobs);
        var timers = new IndexedHeap<TimerOrder>(_jobs);
        int a = NewJob(1, priority: 5, deadline: 50);
        int b = NewJob(2, priority: 1, deadline: 10);
        ready.Insert(a);
        ready.Insert(b);
        timers.Insert(a);
        timers.Insert(b);

        Assert.Equal(b, ready.Peek());
        Assert.Equal(b, timers.Peek());
        timers.RemoveAt(_jobs.Get(b).TimerIndex);
        Assert.Equal(-1, _jobs.Get(b).TimerIndex);
        Assert.Equal(0, _jobs.Get(b).HeapIndex); // ready heap position untouched
        Assert.Equal(a, timers.Peek());
        Assert.Equal(2, ready.Count);
    }

    [Fact]
    public void GrowAndShrink_ThroughThousandsOfJobs_StaysConsistent()
    {
        var heap = new IndexedHeap<ReadyOrder>(_jobs);
        var rng = new Random(1234);
        var slots = new List<int>();
        for (int i = 0; i < 5000; i++)
        {
            int s = NewJob((ulong)i + 1, (uint)rng.Next(0, 50));
            slots.Add(s);
            heap.Insert(s);
        }
        // remove from arbitrary positions until only a few remain (the array shrinks on the way)
        while (heap.Count > 10)
        {
            heap.RemoveAt(rng.Next(heap.Count));
        }
        AssertHeapInvariants(heap, _jobs, s => _jobs.Get(s).HeapIndex);
        var rest = Drain(heap);
        Assert.Equal(10, rest.Count);
    }

    private enum HeapOp { Insert, RemoveRandom, PopMin, ChangePriority }

    [Fact]
    public void RandomOperations_MatchSortedSetModel()
    {
        var gen = Gen.Select(Gen.Enum<HeapOp>(), Gen.UInt[0, 20], Gen.Int[0, 1_000_000]).Array[1, 300];
        gen.Sample(ops =>
        {
            var jobs = new JobTable();
            var heap = new IndexedHeap<ReadyOrder>(jobs);
            var model = new SortedSet<(uint Pri, ulong Id)>();
            var live = new List<int>();
            ulong nextId = 1;
            foreach (var (op, pri, pick) in ops)
            {
                switch (op)
                {
                    case HeapOp.Insert:
                        int slot = jobs.Allocate(nextId);
                        jobs.Get(slot).Priority = pri;
                        heap.Insert(slot);
                        model.Add((pri, nextId));
                        live.Add(slot);
                        nextId++;
                        break;
                    case HeapOp.RemoveRandom when live.Count > 0:
                        int victim = live[pick % live.Count];
                        ref var v = ref jobs.Get(victim);
                        model.Remove((v.Priority, v.Id));
                        heap.RemoveAt(v.HeapIndex);
                        live.Remove(victim);
                        jobs.Free(victim);
                        break;
                    case HeapOp.PopMin when live.Count > 0:
                        int top = heap.Peek();
                        Assert.Equal(model.Min, (jobs.Get(top).Priority, jobs.Get(top).Id));
                        model.Remove(model.Min);
                        heap.RemoveAt(0);
                        live.Remove(top);
                        jobs.Free(top);
                        break;
                    case HeapOp.ChangePriority when live.Count > 0:
                        int changed = live[pick % live.Count];
                        ref var c = ref jobs.Get(changed);
                        model.Remove((c.Priority, c.Id));
                        c.Priority = pri;
                        model.Add((pri, c.Id));
                        heap.Update(c.HeapIndex);
                        break;
                }
                Assert.Equal(model.Count, heap.Count);
                if (model.Count > 0)
                {
                    Assert.Equal(model.Min, (jobs.Get(heap.Peek()).Priority, jobs.Get(heap.Peek()).Id));
                }
                AssertHeapInvariants(heap, jobs, s => jobs.Get(s).HeapIndex);
            }
        }, iter: 300);
    }
}
