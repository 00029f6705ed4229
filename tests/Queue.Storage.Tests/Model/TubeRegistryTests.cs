using Queue.Storage.Model;

namespace Queue.Storage.Tests.Model;

public class TubeRegistryTests
{
    [Fact]
    public void FindOrCreate_ReturnsTheSameTubeForTheSameName()
    {
        var reg = new TubeRegistry(new JobTable());
        var a = reg.FindOrCreate("a");

        Assert.Same(a, reg.FindOrCreate("a"));
        Assert.Same(a, reg.Find("a"));
        Assert.Same(a, reg.BySlot(a.Slot));
        Assert.Null(reg.Find("A")); // case-sensitive
        Assert.Equal(1, reg.Count);
    }

    [Fact]
    public void Remove_MovesTheLastTubeIntoTheHole_AndUpdatesItsOrderIndex()
    {
        var reg = new TubeRegistry(new JobTable());
        var tubes = new[] { "a", "b", "c", "d" }.Select(reg.FindOrCreate).ToArray();

        reg.Remove(tubes[1]);

        Assert.Equal(["a", "d", "c"], reg.InOrder.Select(t => t.Name));
        for (int i = 0; i < reg.Count; i++) Assert.Equal(i, reg.InOrder[i].OrderIndex);
        Assert.Null(reg.Find("b"));
    }

    [Fact]
    public void Remove_FreesTheSlotForTheNextTube()
    {
        var reg = new TubeRegistry(new JobTable());
        var a = reg.FindOrCreate("a");
        reg.FindOrCreate("b");
        reg.Remove(a);

        var c = reg.FindOrCreate("c");

        Assert.Equal(a.Slot, c.Slot);
        Assert.Same(c, reg.BySlot(c.Slot));
        Assert.Equal(["b", "c"], reg.InOrder.Select(t => t.Name));
    }
}
