using System.Globalization;
using System.IO.Hashing;
using System.Text;
using Queue.Server.Tests.TestKit;

namespace Queue.Server.Tests.Durability;

/// <summary>What a client knows about one of its jobs: the last acknowledged state, and the command in flight.</summary>
internal sealed class JobModel
{
    public required ulong Id { get; init; }
    public required byte[] Body { get; init; }
    public required int Owner { get; set; }
    public string State { get; set; } = "ready";
    public uint Priority { get; set; }
    /// <summary>State and priority of the last logged change (a reserved job comes back as this, or ready).</summary>
    public string LoggedState { get; set; } = "ready";
    public uint LoggedPriority { get; set; }
    public bool Deleted { get; set; }
    /// <summary>A command sent but not answered when the server died: its outcome may or may not be there.</summary>
    public (bool Delete, string State, uint Priority)? InFlight { get; set; }

    public void Logged(string state, uint priority)
    {
        State = LoggedState = state;
        Priority = LoggedPriority = priority;
    }

    /// <summary>(state, priority) pairs a restart may show; "gone" for a deleted job.</summary>
    public IEnumerable<(string State, uint Priority)> AcceptableAfterRestart()
    {
        foreach (var o in Outcomes(Deleted, State, Priority)) yield return o;
        if (InFlight is { } f)
        {
            foreach (var o in Outcomes(f.Delete, f.State, f.Priority)) yield return o;
        }
    }

    private IEnumerable<(string, uint)> Outcomes(bool deleted, string state, uint priority)
    {
        if (deleted)
        {
            yield return ("gone", 0);
        }
        else if (state == "reserved")
        {
            // Reserving is not logged: the job is back as ready, or as its last logged state.
            yield return ("ready", priority);
            yield return (LoggedState, LoggedPriority);
        }
        else
        {
            yield return (state, priority);
        }
    }
}

/// <summary>A put whose reply never came.</summary>
internal sealed record InFlightPut(int Owner, byte[] Body, uint Priority, bool Delayed, ulong IdsSeenBefore);

/// <summary>
/// Every acknowledged outcome of a crash test, checked against a restarted server: each acknowledged
/// put present with its exact body unless acknowledged-deleted, each acknowledged delete absent,
/// each acknowledged bury buried, priorities as last logged, no job nobody put, ids above all seen.
/// </summary>
internal sealed class JobLedger
{
    private readonly object _gate = new();
    private long _maxSeenId;

    public Dictionary<ulong, JobModel> Jobs { get; } = new();
    public List<InFlightPut> InFlightPuts { get; } = new();
    public ulong MaxSeenId => (ulong)Interlocked.Read(ref _maxSeenId);
    public int Puts, Deletes, Buries, Releases, Kicks, Reserves;

    public void Add(JobModel job)
    {
        lock (_gate) Jobs.Add(job.Id, job);
        long v;
        while ((v = Interlocked.Read(ref _maxSeenId)) < (long)job.Id && Interlocked.CompareExchange(ref _maxSeenId, (long)job.Id, v) != v)
        {
        }
    }

    public void AddInFlight(InFlightPut put)
    {
        lock (_gate) InFlightPuts.Add(put);
    }

    public void RemoveInFlight(InFlightPut put)
    {
        lock (_gate) InFlightPuts.Remove(put);
    }

    public List<JobModel> OwnedBy(int worker)
    {
        lock (_gate) return Jobs.Values.Where(j => j.Owner == worker && !j.Deleted).ToList();
    }

    /// <summary>A body that names its writer and carries a CRC of itself, so a mangled body is recognisable.</summary>
    public static byte[] MakeBody(int worker, long seq, int length, Random rng)
    {
        var head = Encoding.ASCII.GetBytes($"w{worker}-s{seq}:");
        length = Math.Max(length, head.Length + 9);
        var body = new byte[length];
        head.CopyTo(body, 0);
        for (int i = head.Length; i < length - 9; i++) body[i] = (byte)('a' + rng.Next(26));
        body[length - 9] = (byte)':';
        var crc = Crc32.HashToUInt32(body.AsSpan(0, length - 9));
        Encoding.ASCII.GetBytes(crc.ToString("x8", CultureInfo.InvariantCulture)).CopyTo(body, length - 8);
        return body;
    }

    public static bool BodyIsIntact(ReadOnlySpan<byte> body)
    {
        if (body.Length < 9 || body[^9] != ':') return false;
        var crc = Crc32.HashToUInt32(body[..^9]);
        return Encoding.ASCII.GetString(body[^8..]) == crc.ToString("x8", CultureInfo.InvariantCulture);
    }

    /// <summary>stats-job fields (state, pri, time-left), or null for NOT_FOUND.</summary>
    public static Dictionary<string, string>? StatsJob(RawClient c, ulong id) => ParseStatsJob(c.Call($"stats-job {id}\r\n"));

    private static Dictionary<string, string>? ParseStatsJob(string reply)
    {
        if (reply == "NOT_FOUND\r\n") return null;
        Assert.StartsWith("OK ", reply, StringComparison.Ordinal);
        var fields = new Dictionary<string, string>();
        foreach (var line in reply.Split('\n'))
        {
            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon > 0) fields[line[..colon]] = line[(colon + 2)..].TrimEnd('\r');
        }
        return fields;
    }

    /// <summary>Body from peek, or null for NOT_FOUND.</summary>
    public static byte[]? Peek(RawClient c, ulong id) => ParsePeek(c.Call($"peek {id}\r\n"), id);

    private static byte[]? ParsePeek(string reply, ulong id)
    {
        if (reply == "NOT_FOUND\r\n") return null;
        int eol = reply.IndexOf("\r\n", StringComparison.Ordinal);
        Assert.StartsWith($"FOUND {id} ", reply, StringComparison.Ordinal);
        return Encoding.Latin1.GetBytes(reply[(eol + 2)..^2]);
    }

    /// <summary>stats-job and peek of many jobs, pipelined in batches (one round trip per batch).</summary>
    public static Dictionary<ulong, (Dictionary<string, string>? Stats, byte[]? Body)> Inspect(RawClient c, IReadOnlyList<ulong> ids)
    {
        var result = new Dictionary<ulong, (Dictionary<string, string>?, byte[]?)>();
        for (int start = 0; start < ids.Count; start += 100)
        {
            var batch = ids.Skip(start).Take(100).ToList();
            var sb = new StringBuilder();
            foreach (ulong id in batch) sb.Append(CultureInfo.InvariantCulture, $"stats-job {id}\r\npeek {id}\r\n");
            c.Send(sb.ToString());
            foreach (ulong id in batch)
            {
                var stats = ParseStatsJob(c.ReadReply());
                var body = ParsePeek(c.ReadReply(), id);
                result[id] = (stats, body);
            }
        }
        return result;
    }

    public static Dictionary<string, long> Stats(RawClient c)
    {
        var reply = c.Call("stats\r\n");
        var result = new Dictionary<string, long>();
        foreach (var line in reply.Split('\n'))
        {
            int colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon > 0 && long.TryParse(line[(colon + 2)..].TrimEnd('\r'), CultureInfo.InvariantCulture, out long v)) result[line[..colon]] = v;
        }
        return result;
    }

    /// <summary>
    /// Checks a restarted server against everything acknowledged, then adopts what it shows as the
    /// new known state (reserved jobs are back, in-flight commands resolved).
    /// </summary>
    public void Verify(RawClient c, string context)
    {
        int live = 0;
        var seenNow = Inspect(c, Jobs.Keys.Order().ToList());
        foreach (var job in Jobs.Values.OrderBy(j => j.Id))
        {
            var acceptable = job.AcceptableAfterRestart().ToList();
            var (stats, body) = seenNow[job.Id];
            if (stats is null)
            {
                Assert.True(acceptable.Contains(("gone", 0)),
                    $"{context}: job {job.Id} is missing; expected {string.Join(" or ", acceptable)} (in flight: {job.InFlight})");
                Assert.Null(body);
                job.Deleted = true;
                job.InFlight = null;
                continue;
            }
            var seen = (stats["state"], uint.Parse(stats["pri"], CultureInfo.InvariantCulture));
            Assert.True(acceptable.Contains(seen),
                $"{context}: job {job.Id} is {seen}; expected {string.Join(" or ", acceptable)} (in flight: {job.InFlight})");
            if (seen.Item1 == "delayed")
            {
                long left = long.Parse(stats["time-left"], CultureInfo.InvariantCulture);
                Assert.InRange(left, 1, 3600);
            }
            Assert.True(body is not null && body.AsSpan().SequenceEqual(job.Body), $"{context}: job {job.Id} has a different body");
            job.Logged(seen.Item1, seen.Item2);
            job.Deleted = false;
            job.InFlight = null;
            live++;
        }

        // Puts whose reply never came may or may not be there; anything else is a phantom.
        if (InFlightPuts.Count > 0)
        {
            ulong from = InFlightPuts.Min(p => p.IdsSeenBefore) + 1;
            ulong to = MaxSeenId + (ulong)InFlightPuts.Count + 64;
            for (ulong id = from; id <= to; id++)
            {
                if (Jobs.ContainsKey(id)) continue;
                var body = Peek(c, id);
                if (body is null) continue;
                var put = InFlightPuts.FirstOrDefault(p => p.Body.AsSpan().SequenceEqual(body));
                Assert.True(put is not null, $"{context}: job {id} was never put (body {Encoding.ASCII.GetString(body[..Math.Min(40, body.Length)])}...)");
                InFlightPuts.Remove(put);
                var stats = StatsJob(c, id)!;
                var job = new JobModel { Id = id, Body = put.Body, Owner = put.Owner };
                job.Logged(stats["state"], uint.Parse(stats["pri"], CultureInfo.InvariantCulture));
                Assert.Equal((put.Delayed ? "delayed" : "ready", put.Priority), (job.State, job.Priority));
                Add(job);
                live++;
            }
            InFlightPuts.Clear();
        }

        var totals = Stats(c);
        Assert.Equal(0, totals["current-jobs-reserved"]);
        Assert.Equal(live, totals["current-jobs-ready"] + totals["current-jobs-delayed"] + totals["current-jobs-buried"]);
        Assert.Equal(Jobs.Values.Count(j => !j.Deleted && j.State == "buried"), totals["current-jobs-buried"]);
        Assert.Equal(Jobs.Values.Count(j => !j.Deleted && j.State == "delayed"), totals["current-jobs-delayed"]);
    }
}
