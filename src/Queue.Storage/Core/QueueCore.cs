using Queue.Storage.Model;
using Queue.Storage.Scheduling;

namespace Queue.Storage.Core;

/// <summary>
/// The queue state machine: tubes, jobs, reservations, timers and counters. Single-threaded by
/// contract: only the engine loop (or a test) calls it. No I/O, no wire text.
/// </summary>
internal sealed partial class QueueCore
{
    public const uint UrgentThreshold = 1024;
    public static readonly long TicksPerSecond = TimeSpan.TicksPerSecond;
    /// <summary>DEADLINE_SOON fires this long before a reserved job's TTR deadline (beanstalkd SAFETY_MARGIN).</summary>
    public static readonly long SafetyMargin = TimeSpan.TicksPerSecond;

    private readonly TimeProvider _time;
    private readonly long _startTimestamp;
    private readonly JobTable _jobs = new();
    private readonly TubeRegistry _tubes;
    private readonly IndexedHeap<TimerOrder> _timers;
    private readonly SessionWakeHeap _wakes = new();
    private readonly List<Tube> _paused = new();
    private readonly List<SessionState?> _sessions = new();
    private readonly Stack<int> _freeSessionIds = new();
    private IBodyStore _bodies;
    private IJobJournal _journal = NullJournal.Instance;
    private readonly Tube _defaultTube;
    private readonly ulong[] _cmdCounts = new ulong[32];

    private long _readyCount;
    private long _urgentCount;
    private long _reservedCount;
    private long _delayedCount;
    private long _buriedCount;
    private ulong _jobTimeouts;
    private ulong _totalJobs;
    private int _sessionCount;
    private int _producerCount;
    private int _workerCount;
    private int _waitingCount;
    private ulong _totalSessions;
    private long _now;

    public QueueCore(TimeProvider time, long maxJobSize, IBodyStore? bodies = null)
    {
        _time = time;
        _startTimestamp = time.GetTimestamp();
        MaxJobSize = maxJobSize;
        _bodies = bodies ?? new HeapBodyStore();
        _tubes = new TubeRegistry(_jobs);
        _timers = new IndexedHeap<TimerOrder>(_jobs, 64);
        _defaultTube = _tubes.FindOrCreate(TubeNames.Default);
        _defaultTube.Refs = 1; // permanent reference: default never goes away
    }

    public long MaxJobSize { get; }

    /// <summary>Seconds from put to reservation (observed at every reservation).</summary>
    public LatencyHistogram TimeInQueue { get; } = new();

    /// <summary>Seconds a worker held a job, from its reserve (or last touch) to its delete.</summary>
    public LatencyHistogram ReserveToDelete { get; } = new();

    /// <summary>The process memory cap, if any; put admission asks it first.</summary>
    public Memory.MemoryGovernor? Memory { get; set; }

    /// <summary>Memory a put may cost beyond its body before the body leaves the heap (record, index, heap slot).</summary>
    public const int EstimatedJobOverhead = 256;
    public bool Draining { get; set; }
    public int JobCount => _jobs.Count;
    internal JobTable Jobs => _jobs;
    internal TubeRegistry Tubes => _tubes;

    public IBodyStore Bodies
    {
        get => _bodies;
        set => _bodies = value;
    }

    public IJobJournal Journal
    {
        get => _journal;
        set => _journal = value;
    }

    /// <summary>Monotonic engine time in ticks (100 ns), refreshed by <see cref="Refresh"/>.</summary>
    public long Now => _now;

    public long Refresh() => _now = _time.GetElapsedTime(_startTimestamp).Ticks;

    public long WallClockMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    public long UptimeSeconds => _time.GetElapsedTime(_startTimestamp).Ticks / TicksPerSecond;

    public SessionState OpenSession()
    {
        int id;
        if (_freeSessionIds.Count > 0)
        {
            id = _freeSessionIds.Pop();
        }
        else
        {
            id = _sessions.Count;
            _sessions.Add(null);
        }
        var s = new SessionState(id, _defaultTube);
        _sessions[id] = s;
        _defaultTube.Refs++;
        _defaultTube.UsingCount++;
        WatchTube(s, _defaultTube);
        _sessionCount++;
        _totalSessions++;
        return s;
    }

    /// <summary>Applies one command for a session. Returns after filling in the command's outputs.</summary>
    public void Execute(SessionState s, ref EngineCommand cmd)
    {
        if (cmd.Op == Operation.None) return;
        if ((cmd.Flags & CommandFlags.Counted) == 0) _cmdCounts[(int)cmd.Op]++;
        if ((cmd.Flags & CommandFlags.PutHeader) != 0)
        {
            // A put line that parsed (JOB_TOO_BIG excepted) makes its client a producer at once.
            if (cmd.Status == CommandStatus.Pending) MarkProducer(s);
            return;
        }
        // Decided by the caller (JOB_TOO_BIG, BAD_FORMAT after counting, EXPECTED_CRLF): counted only.
        if (cmd.Status != CommandStatus.Pending) return;
        switch (cmd.Op)
        {
            case Operation.Put: Put(s, ref cmd); break;
            case Operation.Use: Use(s, ref cmd); break;
            case Operation.Reserve: Reserve(s, ref cmd, -1); break;
            case Operation.ReserveWithTimeout: Reserve(s, ref cmd, cmd.Number); break;
            case Operation.ReserveJob: ReserveJob(s, ref cmd); break;
            case Operation.Delete: Delete(s, ref cmd); break;
            case Operation.Release: Release(s, ref cmd); break;
            case Operation.Bury: Bury(s, ref cmd); break;
            case Operation.Touch: Touch(s, ref cmd); break;
            case Operation.Watch: Watch(s, ref cmd); break;
            case Operation.Ignore: Ignore(s, ref cmd); break;
            case Operation.Peek: Peek(ref cmd, cmd.Id == 0 ? -1 : _jobs.Find(cmd.Id)); break;
            case Operation.PeekReady: Peek(ref cmd, s.Use.Ready.Peek()); break;
            case Operation.PeekDelayed: Peek(ref cmd, s.Use.Delayed.Peek()); break;
            case Operation.PeekBuried: Peek(ref cmd, s.Use.BuriedHead); break;
            case Operation.Kick: Kick(s, ref cmd); break;
            case Operation.KickJob: KickJob(ref cmd); break;
            case Operation.StatsJob: StatsJob(ref cmd); break;
            case Operation.StatsTube: StatsTube(ref cmd); break;
            case Operation.Stats: cmd.Payload = Stats(); cmd.Status = CommandStatus.Ok; break;
            case Operation.ListTubes: ListTubes(ref cmd); break;
            case Operation.ListTubeUsed: cmd.TubeOut = s.Use.Name; cmd.Status = CommandStatus.Ok; break;
            case Operation.ListTubesWatched: ListWatched(s, ref cmd); break;
            case Operation.PauseTube: PauseTube(ref cmd); break;
            default: cmd.Status = CommandStatus.InternalError; break;
        }
    }

    /// <summary>Job ids; allocated by connections when a put line parses (beanstalkd behaviour).</summary>
    public JobIdSource Ids { get; } = new();
}
