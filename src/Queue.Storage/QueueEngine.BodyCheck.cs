using System.Collections.Concurrent;
using Queue.Storage.Model;
using Queue.Storage.Persistence;

namespace Queue.Storage;

// Damage to old bodies without a disk check at start-up: every body read is checksummed (a lost
// one is reported and its job removed when it is used), and after start a background pass reads
// every live body once, off the engine loop, and reports what was lost. The loop only copies a
// slice of job locations per turn, so serving is never held up by the check.
public sealed partial class QueueEngine
{
    private const int BodyCheckSlice = 1 << 14;
    private readonly ConcurrentQueue<string> _lost = new();
    private readonly CancellationTokenSource _disposed = new();
    private readonly TaskCompletionSource _bodyCheck = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Jobs found lost (unreadable body) since start: "job ID (tube T) is lost: why".</summary>
    public IReadOnlyCollection<string> LostJobs => _lost;

    /// <summary>Completes when the background check of every live body after start is done.</summary>
    public Task BodyCheck => _bodyCheck.Task;

    private readonly record struct BodyLocation(int Slot, ulong Id, long BodyRef, int BodyLength, int Tube);

    private long _bodyCheckLimit;

    private void StartBodyCheck(LogBodyStore store, long recoveredUntil)
    {
        // Only what recovery brought back: anything written after start was written (and checked) just now,
        // and may not even have reached the file yet.
        _bodyCheckLimit = recoveredUntil;
        Core.JobLost = message =>
        {
            _lost.Enqueue(message);
            Options.OnJobLost?.Invoke(message);
        };
        // A thread of its own: the check reads for seconds on a large log, and on a pool thread it
        // would leave connections and the engine loop waiting for the pool to grow.
        new Thread(() => CheckBodies(store)) { IsBackground = true, Name = "queue-body-check" }.Start();
    }

    private void CheckBodies(LogBodyStore store)
    {
        try
        {
            for (int from = 0; ; from += BodyCheckSlice)
            {
                var slice = new TaskCompletionSource<(List<BodyLocation>, string[], bool)>(TaskCreationOptions.RunContinuationsAsynchronously);
                PostMaintenance(() => slice.TrySetResult(Capture(from)));
                var (locations, tubeNames, more) = slice.Task.WaitAsync(_disposed.Token).GetAwaiter().GetResult();
                var lost = new List<(BodyLocation At, string Why)>();
                foreach (var at in locations)
                {
                    var probe = new JobRecord { Id = at.Id, BodyRef = at.BodyRef, BodyLength = at.BodyLength };
                    try
                    {
                        store.ReadFromLog(ref probe, tubeNames[at.Slot - from]);
                    }
                    catch (LogCorruptException ex)
                    {
                        lost.Add((at, ex.Message));
                    }
                    catch (Exception ex) when (ex is IOException or ObjectDisposedException)
                    {
                        // The segment went away (compaction moved the job meanwhile): not damage.
                    }
                }
                if (lost.Count > 0)
                {
                    var dropped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    PostMaintenance(() =>
                    {
                        DropIfUnchanged(lost);
                        dropped.TrySetResult();
                    });
                    dropped.Task.WaitAsync(_disposed.Token).GetAwaiter().GetResult();
                }
                if (!more || _stopping) break;
            }
        }
        catch (Exception ex) when (ex is ObjectDisposedException or OperationCanceledException)
        {
            // Engine stopped meanwhile.
        }
        _bodyCheck.TrySetResult();
    }

    /// <summary>Engine loop: where the bodies of jobs in slots [from, from + slice) are.</summary>
    private (List<BodyLocation>, string[], bool) Capture(int from)
    {
        var jobs = Core.Jobs;
        int to = Math.Min(jobs.HighWater, from + BodyCheckSlice);
        var list = new List<BodyLocation>(Math.Max(0, to - from));
        var names = new string[Math.Max(0, to - from)];
        for (int slot = from; slot < to; slot++)
        {
            ref var j = ref jobs.Get(slot);
            if (j.State == JobState.Invalid || j.BodyRef >= _bodyCheckLimit) continue;
            list.Add(new BodyLocation(slot, j.Id, j.BodyRef, j.BodyLength, j.Tube));
            names[slot - from] = Core.Tubes.BySlot(j.Tube).Name;
        }
        return (list, names, to < jobs.HighWater);
    }

    private void DropIfUnchanged(List<(BodyLocation At, string Why)> lost)
    {
        foreach (var (at, why) in lost)
        {
            ref var j = ref Core.Jobs.Get(at.Slot);
            // Still the same job at the same place in the log? Then it really is lost.
            if (j.State != JobState.Invalid && j.Id == at.Id && j.BodyRef == at.BodyRef) Core.DropLostJob(at.Slot, why);
        }
    }
}
