using System.Diagnostics;
using System.Globalization;

namespace Queue.Server.Tests.Memory;

/// <summary>
/// A child memory cgroup of the test process's own group (v1 memory controller, or v2), into which
/// a server is started: `sh -c 'echo $$ > cgroup.procs; exec server'` joins it before exec, so
/// every page the server touches is charged to it. Removed on dispose.
/// </summary>
internal sealed class CgroupSandbox : IDisposable
{
    private CgroupSandbox(string path, bool v2)
    {
        Path = path;
        IsV2 = v2;
    }

    public string Path { get; }
    public bool IsV2 { get; }

    /// <summary>Creates the group or fails the test loudly (never a silent pass).</summary>
    public static CgroupSandbox Create(long limitBytes)
    {
        string name = $"qs-test-{Environment.ProcessId}-{Guid.NewGuid():N}"[..28];
        foreach (var line in File.ReadAllLines("/proc/self/cgroup"))
        {
            var parts = line.Split(':', 3);
            if (parts.Length == 3 && parts[1].Split(',').Contains("memory"))
            {
                var dir = System.IO.Path.Combine("/sys/fs/cgroup/memory" + parts[2], name);
                if (TryCreate(dir, "memory.limit_in_bytes", limitBytes)) return new CgroupSandbox(dir, false);
            }
        }
        foreach (var line in File.ReadAllLines("/proc/self/cgroup"))
        {
            var parts = line.Split(':', 3);
            if (parts.Length == 3 && parts[0] == "0" && parts[1].Length == 0)
            {
                foreach (var root in new[] { "/sys/fs/cgroup", "/sys/fs/cgroup/unified" })
                {
                    var dir = System.IO.Path.Combine(root + parts[2], name);
                    if (File.Exists(System.IO.Path.Combine(root + parts[2], "cgroup.controllers")) &&
                        TryCreate(dir, "memory.max", limitBytes)) return new CgroupSandbox(dir, true);
                }
            }
        }
        Assert.Fail("cannot create a memory cgroup here (needs root and a writable cgroup v1 memory controller or cgroup v2 with the memory controller); this test cannot run without one");
        return null!;
    }

    private static bool TryCreate(string dir, string limitFile, long limit)
    {
        try
        {
            Directory.CreateDirectory(dir);
            File.WriteAllText(System.IO.Path.Combine(dir, limitFile), limit.ToString(CultureInfo.InvariantCulture));
            if (File.Exists(System.IO.Path.Combine(dir, "memory.swappiness"))) File.WriteAllText(System.IO.Path.Combine(dir, "memory.swappiness"), "0");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            try
            {
                if (Directory.Exists(dir)) Directory.Delete(dir);
            }
            catch (IOException)
            {
            }
            return false;
        }
    }

    /// <summary>Starts <paramref name="executable"/> inside the group.</summary>
    public Process Start(string executable, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add("echo $$ > \"$0\"/cgroup.procs && exec \"$@\"");
        psi.ArgumentList.Add(Path);
        psi.ArgumentList.Add(executable);
        foreach (var a in args) psi.ArgumentList.Add(a);
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (Log) Log.Add(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    /// <summary>What the server wrote to stderr.</summary>
    public List<string> Log { get; } = new();

    /// <summary>OOM kills the group has seen (memory.oom_control v1, memory.events v2).</summary>
    public long OomKills()
    {
        var file = System.IO.Path.Combine(Path, IsV2 ? "memory.events" : "memory.oom_control");
        foreach (var line in File.ReadLines(file))
        {
            var parts = line.Split(' ');
            if (parts.Length == 2 && parts[0] == "oom_kill") return long.Parse(parts[1], CultureInfo.InvariantCulture);
        }
        return 0;
    }

    /// <summary>Peak memory charged to the group (v1 max_usage_in_bytes, v2 memory.peak when present).</summary>
    public long PeakBytes()
    {
        var file = System.IO.Path.Combine(Path, IsV2 ? "memory.peak" : "memory.max_usage_in_bytes");
        return File.Exists(file) ? long.Parse(File.ReadAllText(file).Trim(), CultureInfo.InvariantCulture) : -1;
    }

    public void Dispose()
    {
        for (int i = 0; i < 50; i++)
        {
            try
            {
                Directory.Delete(Path);
                return;
            }
            catch (IOException)
            {
                Thread.Sleep(100); // processes still leaving the group
            }
        }
    }
}
