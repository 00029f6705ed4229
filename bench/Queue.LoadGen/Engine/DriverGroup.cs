namespace Queue.LoadGen.Engine;

/// <summary>A set of connection drivers spread round-robin over <c>--threads</c> event loops.</summary>
internal sealed class DriverGroup(IReadOnlyList<ConnectionDriver> drivers, int threads, RunControl control, string name)
{
    private readonly List<Thread> _threads = [];

    public IReadOnlyList<ConnectionDriver> Drivers => drivers;

    public void Start()
    {
        int loops = Math.Clamp(threads, 1, Math.Max(1, drivers.Count));
        for (int t = 0; t < loops; t++)
        {
            var share = new List<ConnectionDriver>();
            for (int i = t; i < drivers.Count; i += loops)
            {
                share.Add(drivers[i]);
            }

            var loop = new EventLoop([.. share], control);
            var thread = new Thread(loop.Run) { IsBackground = true, Name = $"{name}-{t}" };
            _threads.Add(thread);
            thread.Start();
        }
    }

    /// <summary>Waits for every loop until <paramref name="deadline"/> (a Stopwatch timestamp).</summary>
    public bool JoinUntil(long deadline)
    {
        foreach (Thread thread in _threads)
        {
            long remaining = deadline - Ticks.Now;
            if (remaining <= 0 || !thread.Join(TimeSpan.FromMilliseconds(Math.Min(int.MaxValue, (Ticks.ToMicros(remaining) / 1000) + 1))))
            {
                return false;
            }
        }

        return true;
    }

    public bool AllFinished => _threads.TrueForAll(t => !t.IsAlive);

    /// <summary>Waits until every driver in <paramref name="subset"/> is done (their loops may keep running others).</summary>
    public static bool WaitDone(IReadOnlyList<ConnectionDriver> subset, long deadline)
    {
        while (!subset.All(d => d.IsDone))
        {
            if (Ticks.Now >= deadline)
            {
                return false;
            }

            Thread.Sleep(1);
        }

        return true;
    }

    /// <summary>When the last driver stopped.</summary>
    public long LastFinishedAt()
    {
        long last = 0;
        foreach (ConnectionDriver driver in drivers)
        {
            last = Math.Max(last, driver.FinishedAt);
        }

        return last;
    }
}
