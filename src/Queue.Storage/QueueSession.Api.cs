using Queue.Storage.Model;

namespace Queue.Storage;

/// <summary>A job handed out by reserve or peek. <see cref="Body"/> excludes the protocol's CRLF.</summary>
public sealed record Job(ulong Id, ReadOnlyMemory<byte> Body);

/// <summary>Outcome of a put: Ok (inserted), Buried, Draining, OutOfMemory or JobTooBig.</summary>
public readonly record struct PutResult(CommandStatus Status, ulong Id);

/// <summary>Outcome of a reserve: Ok with <see cref="Job"/>, TimedOut or DeadlineSoon.</summary>
public readonly record struct ReserveResult(CommandStatus Status, Job? Job);

// The in-process API: one awaitable method per beanstalkd command, no wire text involved.
public sealed partial class QueueSession
{
    /// <summary>Stores a job in the used tube (beanstalkd put).</summary>
    public async ValueTask<PutResult> PutAsync(ReadOnlyMemory<byte> body, uint priority = 1024, TimeSpan delay = default, TimeSpan ttr = default)
    {
        var cmd = new EngineCommand { Op = Operation.Put, Priority = priority, Delay = Seconds(delay), Ttr = Seconds(ttr) };
        if (body.Length > _engine.MaxJobSize)
        {
            cmd.Status = CommandStatus.JobTooBig;
        }
        else
        {
            var copy = new byte[body.Length + 2];
            body.Span.CopyTo(copy);
            copy[^2] = (byte)'\r';
            copy[^1] = (byte)'\n';
            cmd.Body = copy;
            cmd.Id = _engine.AllocateJobId();
            cmd.CreatedAtMs = _engine.Options.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        }
        var r = await RunAsync(cmd).ConfigureAwait(false);
        return new PutResult(r.Status, r.Status is CommandStatus.Ok or CommandStatus.Buried ? cmd.Id : 0);
    }

    /// <summary>Reserves a job from the watched tubes; null timeout waits for ever.</summary>
    public async ValueTask<ReserveResult> ReserveAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var cmd = timeout is { } t
            ? new EngineCommand { Op = Operation.ReserveWithTimeout, Number = (long)Math.Ceiling(Math.Max(0, t.TotalSeconds)) }
            : new EngineCommand { Op = Operation.Reserve };
        var r = await RunAsync(cmd).ConfigureAwait(false);
        if (r.Status == CommandStatus.Waiting)
        {
            using (cancellationToken.Register(static s => ((QueueSession)s!).CancelWait(), this))
            {
                var outcome = await WaitReserveAsync().ConfigureAwait(false);
                r.Status = outcome.Status;
                r.Id = outcome.JobId;
                r.Body = outcome.Body;
            }
        }
        return new ReserveResult(r.Status, r.Status == CommandStatus.Ok ? ToJob(r) : null);
    }

    /// <summary>Reserves a specific ready, delayed or buried job (beanstalkd reserve-job).</summary>
    public async ValueTask<Job?> ReserveJobAsync(ulong id)
    {
        var r = await RunAsync(new EngineCommand { Op = Operation.ReserveJob, Id = id }).ConfigureAwait(false);
        return r.Status == CommandStatus.Ok ? ToJob(r) : null;
    }

    public async ValueTask<bool> DeleteAsync(ulong id) =>
        (await RunAsync(new EngineCommand { Op = Operation.Delete, Id = id }).ConfigureAwait(false)).Status == CommandStatus.Ok;

    /// <summary>Returns a reserved job to ready (or delayed); Ok, Buried, NotFound or OutOfMemory.</summary>
    public async ValueTask<CommandStatus> ReleaseAsync(ulong id, uint priority, TimeSpan delay = default) =>
        (await RunAsync(new EngineCommand { Op = Operation.Release, Id = id, Priority = priority, Delay = Seconds(delay) }).ConfigureAwait(false)).Status;

    public async ValueTask<bool> BuryAsync(ulong id, uint priority) =>
        (await RunAsync(new EngineCommand { Op = Operation.Bury, Id = id, Priority = priority }).ConfigureAwait(false)).Status == CommandStatus.Ok;

    public async ValueTask<bool> TouchAsync(ulong id) =>
        (await RunAsync(new EngineCommand { Op = Operation.Touch, Id = id }).ConfigureAwait(false)).Status == CommandStatus.Ok;

    /// <summary>Kicks up to <paramref name="bound"/> buried (or, if none, delayed) jobs of the used tube.</summary>
    public async ValueTask<long> KickAsync(uint bound) =>
        (await RunAsync(new EngineCommand { Op = Operation.Kick, Number = bound }).ConfigureAwait(false)).Count;

    public async ValueTask<bool> KickJobAsync(ulong id) =>
        (await RunAsync(new EngineCommand { Op = Operation.KickJob, Id = id }).ConfigureAwait(false)).Status == CommandStatus.Ok;

    public async ValueTask<string> UseAsync(string tube) =>
        (await RunAsync(new EngineCommand { Op = Operation.Use, Tube = CheckTube(tube) }).ConfigureAwait(false)).TubeOut!;

    /// <summary>Adds a tube to the watch list; returns the number of watched tubes.</summary>
    public async ValueTask<long> WatchAsync(string tube) =>
        (await RunAsync(new EngineCommand { Op = Operation.Watch, Tube = CheckTube(tube) }).ConfigureAwait(false)).Count;

    /// <summary>Removes a tube from the watch list; returns the count, or -1 when it was the last one.</summary>
    public async ValueTask<long> IgnoreAsync(string tube)
    {
        var r = await RunAsync(new EngineCommand { Op = Operation.Ignore, Tube = CheckTube(tube) }).ConfigureAwait(false);
        return r.Status == CommandStatus.NotIgnored ? -1 : r.Count;
    }

    public async ValueTask<Job?> PeekAsync(ulong id) => ToJobOrNull(await RunAsync(new EngineCommand { Op = Operation.Peek, Id = id }).ConfigureAwait(false));

    public async ValueTask<Job?> PeekReadyAsync() => ToJobOrNull(await RunAsync(new EngineCommand { Op = Operation.PeekReady }).ConfigureAwait(false));

    public async ValueTask<Job?> PeekDelayedAsync() => ToJobOrNull(await RunAsync(new EngineCommand { Op = Operation.PeekDelayed }).ConfigureAwait(false));

    public async ValueTask<Job?> PeekBuriedAsync() => ToJobOrNull(await RunAsync(new EngineCommand { Op = Operation.PeekBuried }).ConfigureAwait(false));

    public async ValueTask<ServerStats> StatsAsync() =>
        (ServerStats)(await RunAsync(new EngineCommand { Op = Operation.Stats }).ConfigureAwait(false)).Payload!;

    public async ValueTask<TubeStats?> StatsTubeAsync(string tube) =>
        (TubeStats?)(await RunAsync(new EngineCommand { Op = Operation.StatsTube, Tube = CheckTube(tube) }).ConfigureAwait(false)).Payload;

    public async ValueTask<JobStats?> StatsJobAsync(ulong id) =>
        (JobStats?)(await RunAsync(new EngineCommand { Op = Operation.StatsJob, Id = id }).ConfigureAwait(false)).Payload;

    public async ValueTask<string[]> ListTubesAsync() =>
        (string[])(await RunAsync(new EngineCommand { Op = Operation.ListTubes }).ConfigureAwait(false)).Payload!;

    public async ValueTask<string[]> ListTubesWatchedAsync() =>
        (string[])(await RunAsync(new EngineCommand { Op = Operation.ListTubesWatched }).ConfigureAwait(false)).Payload!;

    public async ValueTask<string> ListTubeUsedAsync() =>
        (await RunAsync(new EngineCommand { Op = Operation.ListTubeUsed }).ConfigureAwait(false)).TubeOut!;

    /// <summary>Pauses reserves from a tube; false when the tube does not exist.</summary>
    public async ValueTask<bool> PauseTubeAsync(string tube, TimeSpan delay) =>
        (await RunAsync(new EngineCommand { Op = Operation.PauseTube, Tube = CheckTube(tube), Delay = Seconds(delay) }).ConfigureAwait(false)).Status == CommandStatus.Ok;

    private async ValueTask<EngineCommand> RunAsync(EngineCommand cmd)
    {
        _single.Clear();
        _single.Add() = cmd;
        await ExecuteAsync(_single).ConfigureAwait(false);
        var result = _single[0];
        _single.Clear();
        return result;
    }

    private static Job ToJob(in EngineCommand r) => new(r.Id, r.Body.AsMemory(0, r.Body!.Length - 2));

    private static Job? ToJobOrNull(in EngineCommand r) => r.Status == CommandStatus.Ok ? ToJob(r) : null;

    private static uint Seconds(TimeSpan t) => (uint)Math.Clamp(Math.Ceiling(t.TotalSeconds), 0, uint.MaxValue);

    private static string CheckTube(string tube) =>
        TubeNames.IsValid(tube) ? tube : throw new ArgumentException($"invalid tube name '{tube}'", nameof(tube));
}
