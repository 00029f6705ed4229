using System.Globalization;

namespace Queue.Storage.Memory;

/// <summary>
/// Where the process memory ceiling comes from: the memory cgroup (v1 memory.limit_in_bytes or
/// v2 memory.max, the tightest along the path to the root), else physical memory.
/// </summary>
public static class MemoryLimit
{
    /// <summary>The cgroup limit in bytes, or null when there is none (or no cgroup filesystem).</summary>
    public static long? CgroupLimit(string procSelfCgroup = "/proc/self/cgroup", string cgroupRoot = "/sys/fs/cgroup")
    {
        if (!File.Exists(procSelfCgroup)) return null;
        long? best = null;
        foreach (var line in File.ReadAllLines(procSelfCgroup))
        {
            var parts = line.Split(':', 3);
            if (parts.Length != 3) continue;
            string path = parts[2].TrimStart('/');
            if (parts[1].Split(',').Contains("memory"))
            {
                best = Min(best, WalkUp(Path.Combine(cgroupRoot, "memory"), path, "memory.limit_in_bytes"));
            }
            else if (parts[0] == "0" && parts[1].Length == 0)
            {
                // v2: either the unified root itself or the hybrid mount at /sys/fs/cgroup/unified.
                best = Min(best, WalkUp(cgroupRoot, path, "memory.max"));
                best = Min(best, WalkUp(Path.Combine(cgroupRoot, "unified"), path, "memory.max"));
            }
        }
        return best;
    }

    /// <summary>Physical memory from /proc/meminfo (or the runtime's view elsewhere).</summary>
    public static long PhysicalMemory()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (!line.StartsWith("MemTotal:", StringComparison.Ordinal)) continue;
                var kb = line[9..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
        }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }

    /// <summary>
    /// The default cap: the cgroup limit (or physical memory), less headroom for the runtime and
    /// the kernel's own accounting: 10 %, at least 16 MiB.
    /// </summary>
    public static long DefaultCap()
    {
        long ceiling = Math.Min(CgroupLimit() ?? long.MaxValue, PhysicalMemory());
        return ceiling - Math.Max(16L << 20, ceiling / 10);
    }

    /// <summary>Parses SIZE with an optional K/M/G/T suffix (powers of 1024); null when malformed.</summary>
    public static long? ParseSize(string text)
    {
        text = text.Trim();
        if (text.Length == 0) return null;
        long multiplier = 1;
        char last = char.ToUpperInvariant(text[^1]);
        if (last == 'B' && text.Length > 1)
        {
            text = text[..^1];
            last = char.ToUpperInvariant(text[^1]);
        }
        switch (last)
        {
            case 'K': multiplier = 1L << 10; break;
            case 'M': multiplier = 1L << 20; break;
            case 'G': multiplier = 1L << 30; break;
            case 'T': multiplier = 1L << 40; break;
        }
        if (multiplier > 1) text = text[..^1];
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value <= 0) return null;
        return value > long.MaxValue / multiplier ? null : value * multiplier;
    }

    private static long? WalkUp(string root, string relative, string file)
    {
        long? best = null;
        string dir = Path.Combine(root, relative);
        while (dir.Length >= root.Length)
        {
            var limitFile = Path.Combine(dir, file);
            if (File.Exists(limitFile))
            {
                var text = File.ReadAllText(limitFile).Trim();
                // v1 "unlimited" is a huge number near 2^63; v2 says "max".
                if (text != "max" && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long v) && v < (1L << 62))
                {
                    best = Min(best, v);
                }
            }
            if (string.Equals(dir.TrimEnd('/'), root.TrimEnd('/'), StringComparison.Ordinal)) break;
            var parent = Path.GetDirectoryName(dir);
            if (parent is null || parent.Length < root.Length) break;
            dir = parent;
        }
        return best;
    }

    private static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}
