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
        // The GC heap gets three quarters; the rest is the runtime, code, stacks and the log's native use.
        AppContext.SetData("GCHeapHardLimit", (ulong)(cap / 4 * 3));
        GC.RefreshMemoryLimit();
        if (options.Verbosity > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"memory cap {cap >> 20} MiB (cgroup limit: {MemoryLimit.CgroupLimit()?.ToString(CultureInfo.InvariantCulture) ?? "none"})"));
        }
    }
}
