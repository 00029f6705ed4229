namespace Queue.LoadGen.Engine;

/// <summary>
/// Open-loop pacing for <c>--rate</c>: one token every interval, measured from the phase start.
/// If the connection falls behind, due tokens accumulate and are spent as soon as the window allows.
/// </summary>
internal sealed class Pacer
{
    private readonly double _intervalTicks;
    private double _next;

    public Pacer(double opsPerSecond, long start)
    {
        _intervalTicks = Ticks.FromSeconds(1) / opsPerSecond;
        _next = start;
    }

    /// <summary>When the next token becomes available.</summary>
    public long NextDue => (long)_next;

    public static Pacer? Create(double totalRate, int share, long start)
        => totalRate > 0 && share > 0 ? new Pacer(totalRate / share, start) : null;

    public bool TryTake(long now)
    {
        if (now < _next)
        {
            return false;
        }

        _next += _intervalTicks;
        return true;
    }
}
