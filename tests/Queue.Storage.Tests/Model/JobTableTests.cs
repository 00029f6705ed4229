using CsCheck;
using Queue.Storage.Model;

namespace Queue.Storage.Tests.Model;

public class JobTableTests
{
    [Fact]
    public void Allocate_ThenFind_ReturnsTheSlot()
    {
        var table = new JobTable();
        int a = table.Allocate(42);
        int b = table.Allocate(7);
        Assert.NotEqual(a, b);
        Assert.Equal(a, table.Find(42));
        Assert.Equal(b, table.Find(7));
        Assert.Equal(2, table.Count);
        Assert.Equal(42UL, table.Get(a).Id);
    }

    [Fact]
    public void Find_UnknownId_ReturnsMinusOne()
    {
        var table = new JobTable();
        table.Allocate(1);
        Assert.Equal(-1, table.Find(2));
        Assert.Equal(-1, table.Find(ulong.MaxValue));
    }

    [Fact]
    public void Allocate_InitialisesLinksAndIndexesToMinusOne()
    {
        var table = new JobTable();
        int slot = table.Allocate(3);
        ref var r = ref table.Get(slot);
        Assert.Equal((-1, -1, -1, -1, -1), (r.HeapIndex, r.TimerIndex, r.Prev, r.Next, r.Owner));
        Assert.Equal(JobState.Invalid, r.State);
    }

    [Fact]
    public void Free_RemovesIdAndRecyclesSlotWithCleanRecord()
    {
        var table = new JobTable();
        int slot = table.Allocate(10);
        table.Get(slot).Priority = 99;
        table.Extras(slot).Reserves = 5;
        table.Extras(slot).DelaySeconds = 30;
        table.Free(slot);

        Assert.Equal(-1, table.Find(10));
        Assert.Equal(0, table.Count);

        int again = table.Allocate(11);
        Assert.Equal(slot, again);
        Assert.Equal(0u, table.Get(again).Priority);
        Assert.True(table.ExtrasOf(again).IsEmpty);
        Assert.Equal(again, table.Find(11));
        Assert.Equal(-1, table.Find(10));
    }

    [Fact]
    public void JobRecord_Is64Bytes()
    {
        Assert.Equal(64, System.Runtime.CompilerServices.Unsafe.SizeOf<JobRecord>());
    }

    [Fact]
    public void TubeAndState_ShareAWord_WithoutDisturbingEachOther()
    {
        var r = default(JobRecord);
        r.Tube = JobRecord.MaxTubeSlots - 1;
        r.State = JobState.Buried;
        Assert.Equal((JobRecord.MaxTubeSlots - 1, JobState.Buried), (r.Tube, r.State));
        r.Tube = 7;
        Assert.Equal((7, JobState.Buried), (r.Tube, r.State));
        r.State = JobState.Reserved;
        Assert.Equal((7, JobState.Reserved), (r.Tube, r.State));
        Assert.Throws<InvalidOperationException>(() => { var x = r; x.Tube = JobRecord.MaxTubeSlots; });
    }

    [Fact]
    public void Extras_AreMadeOnlyForJobsThatNeedThem()
    {
        var table = new JobTable();
        for (ulong id = 1; id <= 10_000; id++)
        {
            int slot = table.Allocate(id);
            table.SetDelay(slot, 0);
            table.SetExtras(slot, default);
        }
        long plain = table.FootprintBytes;

        int delayed = table.Find(9_000);
        table.SetDelay(delayed, 60);
        table.Extras(table.Find(5)).Kicks = 70_000; // saturates at 16 bits

        Assert.True(table.FootprintBytes > plain, "a chunk of extras appears once a job needs one");
        Assert.Equal(60u, table.ExtrasOf(delayed).DelaySeconds);
        Assert.Equal(65535u, table.ExtrasOf(table.Find(5)).Kicks);
        Assert.True(table.ExtrasOf(table.Find(6)).IsEmpty);
        Assert.True(table.ExtrasOf(table.Find(4_000)).IsEmpty);

        var copy = table.CopyExtras();
        table.Extras(delayed).DelaySeconds = 1;
        Assert.Equal(60u, JobTable.ExtrasOf(copy, delayed).DelaySeconds);
        Assert.True(JobTable.ExtrasOf(copy, table.Find(1)).IsEmpty);
    }

    [Fact]
    public void ManyInsertsAndDeletes_AcrossChunksAndIndexGrowth_FindStaysExact()
    {
        var table = new JobTable();
        const int n = 20_000; // > several 4096-slot chunks, index grows many times
        var slots = new int[n + 1];
        for (int id = 1; id <= n; id++) slots[id] = table.Allocate((ulong)id);
        for (int id = 1; id <= n; id += 3) table.Free(slots[id]);
        for (int id = 1; id <= n; id++)
        {
            int expected = id % 3 == 1 ? -1 : slots[id];
            Assert.Equal(expected, table.Find((ulong)id));
        }
        Assert.Equal(n - (n + 2) / 3, table.Count);
    }

    [Fact]
    public void SeededRandomWorkload_MatchesDictionary()
    {
        var rng = new Random(20240601);
        var table = new JobTable();
        var model = new Dictionary<ulong, int>();
        var ids = new List<ulong>();
        for (int step = 0; step < 200_000; step++)
        {
            if (ids.Count == 0 || rng.Next(100) < 55)
            {
                // sparse, clustered and huge ids all mixed together
                ulong id = rng.Next(3) switch
                {
                    0 => (ulong)rng.NextInt64(1, 5000),
                    1 => (ulong)rng.NextInt64() | 1UL << 63,
                    _ => (ulong)step * 1024 + 1,
                };
                if (model.ContainsKey(id)) continue;
                model[id] = table.Allocate(id);
                ids.Add(id);
            }
            else
            {
                int k = rng.Next(ids.Count);
                ulong id = ids[k];
                ids[k] = ids[^1];
                ids.RemoveAt(ids.Count - 1);
                table.Free(model[id]);
                model.Remove(id);
            }
            if (step % 1000 == 0)
            {
                foreach (var (id, slot) in model) Assert.Equal(slot, table.Find(id));
            }
        }
        Assert.Equal(model.Count, table.Count);
        foreach (var (id, slot) in model) Assert.Equal(slot, table.Find(id));
    }

    [Fact]
    public void RandomOperationSequences_FindAgreesWithDictionary()
    {
        // id space kept small so that inserts, deletes and re-inserts of the same ids collide often
        var gen = Gen.Select(Gen.Bool, Gen.ULong[1, 3000]).Array[1, 2000];
        gen.Sample(ops =>
        {
            var table = new JobTable();
            var model = new Dictionary<ulong, int>();
            foreach (var (insert, id) in ops)
            {
                if (insert && !model.ContainsKey(id)) model[id] = table.Allocate(id);
                else if (!insert && model.Remove(id, out int slot)) table.Free(slot);
            }
            Assert.Equal(model.Count, table.Count);
            for (ulong id = 1; id <= 3000; id++)
            {
                Assert.Equal(model.TryGetValue(id, out int s) ? s : -1, table.Find(id));
            }
        }, iter: 100);
    }
}
