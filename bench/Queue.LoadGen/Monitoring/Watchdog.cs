using Queue.LoadGen.Engine;

namespace Queue.LoadGen.Monitoring;

/// <summary>
/// Last line of defence: if a phase overruns its limit the process prints why and exits with
/// <see cref="ExitCodes.Watchdog"/>, whatever the connection threads are doing.
/// </summary>
internal sealed class Watchdog : IDisposable
{
    private readonly ManualResetEventSlim _disarmed = new();

    private Watchdog(TimeSpan limit, string phase)
    {
        var thread = new Thread(() => Watch(limit, phase)) { IsBackground = true, Name = "watchdog" };
        thread.Start();
    }

    public static Watchdog Arm(TimeSpan limit, string phase) => new(limit, phase);

    public void Dispose()
    {
        _disarmed.Set();
    }

    private void Watch(TimeSpan limit, string phase)
    {
        if (_disarmed.Wait(limit))
        {
            return;
        }

        Console.Error.WriteLine($"queue-loadgen: watchdog: {phase} exceeded {limit.TotalSeconds:0.#} s, exiting");
        Console.Error.Flush();
        Environment.Exit(ExitCodes.Watchdog);
    }
}
