using Microsoft.Extensions.Time.Testing;
using Queue.Storage.Core;
using Queue.Storage.Model;

namespace Queue.Storage.Tests.Support;

/// <summary>Drives <see cref="QueueCore"/> synchronously, the way the engine loop does, on a fake clock.</summary>
internal sealed class CoreHarness
{
    public CoreHarness(long maxJobSize = 65535)
    {
        Core = new QueueCore(Time, maxJobSize);
        Core.Refresh();
    }

    public FakeTimeProvider Time { get; } = new();

    public QueueCore Core { get; }

    public (SessionState State, RecordingWaiter Waiter) Open()
    {
        var s = Core.OpenSession();
        var w = new RecordingWaiter();
        s.Waiter = w;
        return (s, w);
    }

    /// <summary>Executes one command at the current time, without running timers first.</summary>
    public EngineCommand Execute(SessionState s, EngineCommand cmd)
    {
        Core.Refresh();
        Core.Execute(s, ref cmd);
        return cmd;
    }

    public ulong Put(SessionState s, uint priority = 1024, uint delay = 0, uint ttr = 60, string body = "x")
    {
        var cmd = Execute(s, new EngineCommand
        {
            Op = Operation.Put,
            Id = Core.Ids.Allocate(),
            Priority = priority,
            Delay = delay,
            Ttr = ttr,
            Body = System.Text.Encoding.ASCII.GetBytes(body + "\r\n"),
        });
        Assert.Equal(CommandStatus.Ok, cmd.Status);
        return cmd.Id;
    }

    public EngineCommand Reserve(SessionState s, long timeoutSeconds = -1) =>
        Execute(s, timeoutSeconds < 0
            ? new EngineCommand { Op = Operation.Reserve }
            : new EngineCommand { Op = Operation.ReserveWithTimeout, Number = timeoutSeconds });

    /// <summary>Moves the clock and runs due timers, like one loop tick.</summary>
    public void Advance(TimeSpan by)
    {
        Time.Advance(by);
        Core.Refresh();
        Core.RunTimers();
    }
}

/// <summary>Records how blocked reserves ended.</summary>
internal sealed class RecordingWaiter : IWaitCompletion
{
    public List<(CommandStatus Status, ulong JobId)> Outcomes { get; } = new();

    public void Complete(CommandStatus status, ulong jobId, byte[]? body) => Outcomes.Add((status, jobId));
}
