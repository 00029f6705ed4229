using Queue.Storage.Model;

namespace Queue.Storage.Tests.Model;

public class WaiterQueueTests
{
    private static readonly Tube Default = new("default", 0, new JobTable());

    private static SessionState Waiting(int id)
    {
        var s = new SessionState(id, Default) { IsWaiting = true, WaitSerial = 1 };
        return s;
    }

    [Fact]
    public void DequeueLive_ReturnsWaitersInArrivalOrder()
    {
        var q = new WaiterQueue();
        var a = Waiting(1);
        var b = Waiting(2);
        q.Enqueue(a);
        q.Enqueue(b);

        Assert.Same(a, q.DequeueLive());
        Assert.Same(b, q.DequeueLive());
        Assert.Null(q.DequeueLive());
    }

    [Fact]
    public void DequeueLive_SkipsSessionsThatStoppedWaiting()
    {
        var q = new WaiterQueue();
        var gone = Waiting(1);
        var live = Waiting(2);
        q.Enqueue(gone);
        q.Enqueue(live);
        gone.IsWaiting = false;

        Assert.Same(live, q.DequeueLive());
        Assert.Equal(0, q.RawCount);
    }

    [Fact]
    public void DequeueLive_SkipsEntriesFromAnEarlierWaitOfTheSameSession()
    {
        var q = new WaiterQueue();
        var s = Waiting(1);
        var other = Waiting(2);
        q.Enqueue(s);          // first wait, then cancelled...
        q.Enqueue(other);
        s.WaitSerial++;        // ...and waiting again: it queues behind 'other' now
        q.Enqueue(s);

        Assert.Same(other, q.DequeueLive());
        Assert.Same(s, q.DequeueLive());
        Assert.Null(q.DequeueLive());
    }

    [Fact]
    public void Compact_DropsStaleEntries_OnceTheyDominate_KeepingLiveOrder()
    {
        var q = new WaiterQueue();
        var sessions = Enumerable.Range(0, 40).Select(Waiting).ToList();
        sessions.ForEach(q.Enqueue);
        for (int i = 0; i < 40; i++)
        {
            if (i % 10 != 0) sessions[i].IsWaiting = false;
        }

        q.Compact(liveCount: 4);

        Assert.Equal(4, q.RawCount);
        Assert.Equal([sessions[0], sessions[10], sessions[20], sessions[30]], [q.DequeueLive()!, q.DequeueLive()!, q.DequeueLive()!, q.DequeueLive()!]);
    }

    [Fact]
    public void Compact_LeavesSmallQueuesAlone()
    {
        var q = new WaiterQueue();
        for (int i = 0; i < 10; i++)
        {
            var s = Waiting(i);
            q.Enqueue(s);
            s.IsWaiting = false;
        }

        q.Compact(liveCount: 0);

        Assert.Equal(10, q.RawCount);
        Assert.Null(q.DequeueLive());
    }
}
