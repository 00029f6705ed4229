using Queue.LoadGen.Protocol;

namespace Queue.LoadGen.Engine;

/// <summary>
/// What one connection sends and how it reacts to replies. A workload never touches the socket:
/// it appends commands to the writer and the <see cref="ConnectionDriver"/> does the I/O.
/// </summary>
internal abstract class Workload
{
    protected Workload(ConnectionStats stats) => Stats = stats;

    public ConnectionStats Stats { get; }

    /// <summary>True once the workload will issue nothing more; the driver exits when nothing is in flight.</summary>
    public abstract bool IsFinished { get; }

    /// <summary>When pacing will next allow a command; <see cref="long.MaxValue"/> if not waiting on pacing.</summary>
    public virtual long NextDue => long.MaxValue;

    /// <summary>Appends the next command to <paramref name="writer"/>, or returns false if there is nothing to send now.</summary>
    public abstract bool TryWriteNext(CommandWriter writer, long now, out InFlight command);

    /// <summary>Handles the reply to <paramref name="command"/>; <paramref name="body"/> is the job data, if any.</summary>
    public abstract void OnReply(in InFlight command, in Reply reply, ReadOnlySpan<byte> body, long now, bool inWindow);
}
