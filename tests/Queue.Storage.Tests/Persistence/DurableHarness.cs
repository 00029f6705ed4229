using System.Collections.Concurrent;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Queue.Storage.Persistence;

namespace Queue.Storage.Tests.Persistence;

/// <summary>A temporary data directory, deleted on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir(string tag = "qs-durable")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"{tag}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // Best effort; the OS cleans /tmp eventually.
        }
    }
}

/// <summary>
/// Opening engines on data directories, and simulating a crash: the directory is copied on the
/// engine loop (so no commit, truncation or checkpoint rename of the loop runs meanwhile) after the
/// last acknowledged command, and the copy is opened instead. kill -9 leaves exactly that on disk:
/// every write was a pwrite into the page cache.
/// </summary>
internal static class Durable
{
    public static readonly DateTimeOffset Epoch = new(2024, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public static FakeTimeProvider NewClock() => new(Epoch);

    public static QueueEngine Open(
        string dir,
        TimeProvider? time = null,
        long segmentSize = 1 << 20,
        DurabilityMode mode = DurabilityMode.Periodic,
        ConcurrentQueue<Exception>? errors = null,
        long maxJobSize = 65535,
        Action<QueueEngineOptions>? configure = null)
    {
        var options = new QueueEngineOptions
        {
            DataDirectory = dir,
            TimeProvider = time ?? NewClock(),
            SegmentSize = segmentSize,
            Durability = mode,
            MaxJobSize = maxJobSize,
            OnInternalError = ex => errors?.Enqueue(ex),
            OnFatalError = ex => errors?.Enqueue(ex),
        };
        configure?.Invoke(options);
        return QueueEngine.Start(options);
    }

    /// <summary>Runs <paramref name="action"/> on the engine loop, after everything posted before.</summary>
    public static Task<T> OnLoopAsync<T>(QueueEngine engine, Func<QueueEngine, T> action)
    {
        var tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        engine.Post(new ActionWork(e =>
        {
            try
            {
                tcs.SetResult(action(e));
            }
            catch (Exception ex)
            {
                tcs.SetException(ex);
            }
        }));
        return tcs.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>
    /// The state a kill -9 would leave now, copied to <paramref name="target"/>: checkpoint first,
    /// then segments, then the commit file (so the copy's commit covers whatever the copied
    /// checkpoint refers to, as on a real disk).
    /// </summary>
    public static Task CrashCopyAsync(QueueEngine engine, string target) => OnLoopAsync(engine, e =>
    {
        string source = e.Options.DataDirectory!;
        Directory.CreateDirectory(target);
        var files = Directory.GetFiles(source).Select(Path.GetFileName).ToList();
        int Order(string? name) => name switch
        {
            Checkpoint.FileName => 0,
            DurableLog.CommitFileName => 3,
            _ when name!.StartsWith(DurableLog.SegmentPrefix + ".", StringComparison.Ordinal) => 2,
            _ => 1,
        };
        foreach (var name in files.OrderBy(Order))
        {
            if (name is null || name == "lock" || name.EndsWith(".tmp", StringComparison.Ordinal)) continue;
            try
            {
                File.Copy(Path.Combine(source, name), Path.Combine(target, name), overwrite: true);
            }
            catch (FileNotFoundException)
            {
                // A background checkpoint renamed it meanwhile; the other name was copied.
            }
        }
        return true;
    });

    public static string[] Segments(string dir) =>
        Directory.GetFiles(dir, DurableLog.SegmentPrefix + ".*")
            .Where(f => int.TryParse(Path.GetFileName(f).AsSpan(DurableLog.SegmentPrefix.Length + 1), out _))
            .OrderBy(f => int.Parse(Path.GetFileName(f).AsSpan(DurableLog.SegmentPrefix.Length + 1), System.Globalization.CultureInfo.InvariantCulture))
            .ToArray();

    /// <summary>Offset of <paramref name="marker"/> in a file, or -1.</summary>
    public static long Find(string file, string marker)
    {
        var bytes = File.ReadAllBytes(file);
        return bytes.AsSpan().IndexOf(Encoding.ASCII.GetBytes(marker));
    }

    /// <summary>The segment file holding <paramref name="marker"/>, and its offset there.</summary>
    public static (string File, long Offset) FindInSegments(string dir, string marker)
    {
        foreach (var segment in Segments(dir))
        {
            long at = Find(segment, marker);
            if (at >= 0) return (segment, at);
        }
        throw new InvalidOperationException($"{marker} is in no segment of {dir}");
    }

    /// <summary>Total bytes of the files in a directory.</summary>
    public static long DirectoryBytes(string dir) => Directory.GetFiles(dir).Sum(f => new FileInfo(f).Length);

    public static byte[] Body(ulong tag, int length)
    {
        var body = new byte[length];
        var prefix = Encoding.ASCII.GetBytes($"job-{tag:D8}:");
        prefix.AsSpan(0, Math.Min(prefix.Length, length)).CopyTo(body);
        var rng = new Random((int)tag);
        for (int i = prefix.Length; i < length; i++) body[i] = (byte)('a' + rng.Next(26));
        return body;
    }

    public static string Text(ReadOnlyMemory<byte> body) => Encoding.ASCII.GetString(body.Span);
}
