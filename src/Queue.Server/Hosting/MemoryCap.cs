using System.Globalization;
using Queue.Storage.Memory;

namespace Queue.Server.Hosting;

/// <summary>
/// Settles the process memory cap (--max-memory, else the cgroup limit or physical memory less
/// headroom) and bounds the .NET heap below it, so the runtime itself cannot outgrow the cap.
/// </summary>
internal static class MemoryCap
{
    public static void Apply(ServerOptions options)
    {
        long cap = options.MaxMemory ?? MemoryLimit.DefaultCap();
        options.MaxMemory = cap;
        // The GC heap may use up to 85 % of the cap, above the put watermark (80 % of all anonymous
        // memory): puts stop before the heap could reach its limit, so allocations never fail.
        AppContext.SetData("GCHeapHardLimit", (ulong)(cap / 100 * 85));
        GC.RefreshMemoryLimit();
        if (options.Verbosity > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"memory cap {cap >> 20} MiB (cgroup limit: {MemoryLimit.CgroupLimit()?.ToString(CultureInfo.InvariantCulture) ?? "none"})"));
        }
    }
}
