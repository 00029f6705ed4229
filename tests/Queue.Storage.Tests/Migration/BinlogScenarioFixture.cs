using System.Runtime.ExceptionServices;
using System.Text;

namespace Queue.Storage.Tests.Migration;

/// <summary>
/// Generates, once per test class, a real multi-file binlog with the installed beanstalkd 1.12
/// (<c>-s 4096</c>), covering every state and logged transition, and then kills it with SIGKILL.
/// If beanstalkd is missing, every test that uses the scenario fails with that message.
/// </summary>
public sealed class BinlogScenarioFixture : IDisposable
{
    private readonly Exception? _error;
    private readonly string _root;

    public BinlogScenarioFixture()
    {
        _root = Directory.CreateTempSubdirectory("qs-binlog-scenario-").FullName;
        Dir = Path.Combine(_root, "binlog");
        Directory.CreateDirectory(Dir);
        try
        {
            Generate();
        }
#pragma warning disable CA1031 // rethrown by every test that uses the scenario
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _error = ex;
        }
    }

    /// <summary>The binlog directory beanstalkd wrote (do not modify; copy first).</summary>
    public string Dir { get; }

    public long StartedMs { get; private set; }
    public long FinishedMs { get; private set; }

    public ulong Alpha { get; private set; }
    public ulong DelayedBeta { get; private set; }
    public ulong BuriedBeta { get; private set; }
    public ulong ReleasedGamma { get; private set; }
    public ulong DeletedGamma { get; private set; }
    public ulong KickedGamma { get; private set; }
    public ulong KickedDelayedDelta { get; private set; }
    public ulong ReservedDelta { get; private set; }
    public ulong ReleasedNoDelayDelta { get; private set; }
    public ulong Binary { get; private set; }
    public ulong Empty { get; private set; }
    public ulong Big { get; private set; }
    public ulong LongTube { get; private set; }
    public ulong Last { get; private set; }
    public long DelayedPutMs { get; private set; }
    public long ReleasedMs { get; private set; }
    public List<ulong> BulkKept { get; } = [];
    public List<ulong> BulkDeleted { get; } = [];
    public Dictionary<ulong, byte[]> BulkBodies { get; } = [];

    public static readonly byte[] BinaryBody = MakeBinaryBody();
    public static readonly byte[] BigBody = MakeBigBody();
    public static readonly string LongTubeName = "long-tube_" + new string('x', 190);

    /// <summary>Throws the generation failure (for example "beanstalkd is not installed").</summary>
    public void EnsureGenerated()
    {
        if (_error is not null) ExceptionDispatchInfo.Capture(_error).Throw();
    }

    public static byte[] BulkBody(int i) => Encoding.ASCII.GetBytes($"bulk {i:D3} " + new string((char)('a' + i % 26), 291));

    private void Generate()
    {
        StartedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var server = ReferenceBeanstalkd.Start(Dir, "-s", "4096");
        using var c = server.Connect();

        c.Expect("use alpha", "USING alpha");
        Alpha = c.Put(10, 0, 60, "hello");

        c.Expect("use beta", "USING beta");
        DelayedPutMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        DelayedBeta = c.Put(5, 3600, 120, "later");
        BuriedBeta = c.Put(100, 0, 1, "bury me");
        c.ReserveJob(BuriedBeta);
        WaitForTimeout(c, BuriedBeta); // TTR 1 s runs out: timeouts 1 (not logged)
        c.ReserveJob(BuriedBeta);
        c.Expect($"bury {BuriedBeta} 7", "BURIED"); // short record: buried, pri 7, reserves 2, timeouts 1, buries 1

        c.Expect("use gamma", "USING gamma");
        ReleasedGamma = c.Put(20, 0, 60, "release me");
        c.ReserveJob(ReleasedGamma);
        ReleasedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        c.Expect($"release {ReleasedGamma} 30 1800", "RELEASED");
        DeletedGamma = c.Put(1, 0, 60, "delete me");
        c.Expect($"delete {DeletedGamma}", "DELETED");
        KickedGamma = c.Put(40, 0, 60, "kick me");
        c.ReserveJob(KickedGamma);
        c.Expect($"bury {KickedGamma} 41", "BURIED");
        c.Expect($"kick-job {KickedGamma}", "KICKED");

        c.Expect("use delta", "USING delta");
        KickedDelayedDelta = c.Put(50, 3600, 60, "kick delayed");
        c.Expect("kick 1", "KICKED 1");
        ReservedDelta = c.Put(60, 0, 60, "reserved at kill");
        c.ReserveJob(ReservedDelta); // still reserved when the server dies
        ReleasedNoDelayDelta = c.Put(70, 0, 60, "release no delay");
        c.ReserveJob(ReleasedNoDelayDelta);
        c.Expect($"release {ReleasedNoDelayDelta} 1 0", "RELEASED"); // not logged (beanstalkd #597)

        c.Expect("use bin", "USING bin");
        Binary = c.Put(0, 0, 60, BinaryBody);
        Empty = c.Put(uint.MaxValue, 0, 60, []);
        c.Expect("use big", "USING big");
        Big = c.Put(1000, 0, 60, BigBody);
        c.Expect($"use {LongTubeName}", $"USING {LongTubeName}");
        LongTube = c.Put(5, 0, 60, "long tube");

        // Enough to spread over many 4 KiB files; deleting most of them makes beanstalkd compact
        // (migrate full records into the current file) and collect old files.
        c.Expect("use bulk", "USING bulk");
        for (int i = 0; i < 40; i++)
        {
            byte[] body = BulkBody(i);
            ulong id = c.Put((uint)(1000 + i), 0, 60, body);
            BulkBodies[id] = body;
            (i % 8 == 0 ? BulkKept : BulkDeleted).Add(id);
        }
        foreach (ulong id in BulkDeleted) c.Expect($"delete {id}", "DELETED");

        c.Expect("use default", "USING default");
        Last = c.Put(2, 0, 60, "after compaction");
        FinishedMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        server.Kill9(); // while ReservedDelta is still reserved by c
    }

    private static void WaitForTimeout(BeanstalkClient c, ulong id)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            Thread.Sleep(250);
            var s = c.StatsJob(id)!;
            if (s["state"] == "ready" && s["timeouts"] == "1") return;
        }
        throw new InvalidOperationException($"job {id} did not time out");
    }

    private static byte[] MakeBinaryBody()
    {
        var list = new List<byte>("\r\n\0\n\r\r\n\r\n"u8.ToArray());
        for (int b = 0; b < 256; b++) list.Add((byte)b);
        list.AddRange("put 1 0 1 1\r\nX\r\n\0"u8.ToArray());
        list.AddRange("\r\n"u8.ToArray());
        return [.. list];
    }

    private static byte[] MakeBigBody()
    {
        var body = new byte[60 * 1024];
        new Random(1234).NextBytes(body);
        return body;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
