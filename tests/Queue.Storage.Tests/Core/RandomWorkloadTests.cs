using Queue.Storage.Model;
using Queue.Storage.Tests.Support;

namespace Queue.Storage.Tests.Core;

/// <summary>
/// Seeded random command streams against QueueCore. After every step the counters, per-tube figures,
/// per-job states and tube list must agree with each other and with a small ownership model, and each
/// command's outcome must follow the beanstalkd rules for the state it found.
/// </summary>
public class RandomWorkloadTests
{
    private static readonly string[] TubeNames = ["default", "a", "b"];

    private sealed class Client(SessionState state, RecordingWaiter waiter)
    {
        public SessionState State = state;
        public RecordingWaiter Waiter = waiter;
        public bool Waiting;
        public int SeenOutcomes;
    }

    private sealed record JobView(ulong Id, JobState State, uint Priority, string Tube);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void RandomCommands_KeepAllViewsConsistent(int seed)
    {
        var rng = new Random(seed);
        var h = new CoreHarness();
        var (observer, _) = h.Open();
        var clients = Enumerable.Range(0, 4).Select(_ => NewClient(h)).ToList();
        var live = new SortedSet<ulong>();
        var owner = new Dictionary<ulong, Client>();
        var pausedUntil = new Dictionary<string, long>();

        for (int step = 0; step < 1500; step++)
        {
            var c = clients[rng.Next(clients.Count)];
            var before = Snapshot(h, observer, live);
            string context = $"seed {seed} step {step}";

            if (c.Waiting)
            {
                // a blocked client can only be cancelled (its connection hung up)
                if (rng.Next(4) == 0) h.Core.CancelWait(c.State);
            }
            else
            {
                Step(h, rng, c, clients, before, live, owner, pausedUntil, context);
            }
            if (rng.Next(6) == 0)
            {
                h.Advance(TimeSpan.FromMilliseconds(rng.Next(100, 2500)));
            }
            if (rng.Next(40) == 0 && !c.Waiting)
            {
                h.Core.CloseSession(c.State);
                foreach (var id in owner.Where(kv => kv.Value == c).Select(kv => kv.Key).ToList()) owner.Remove(id);
                clients[clients.IndexOf(c)] = NewClient(h);
            }

            CollectWaitOutcomes(clients, owner, context);
            var after = Snapshot(h, observer, live);
            foreach (var (id, view) in after)
            {
                if (view.State != JobState.Reserved) owner.Remove(id); // TTR expiry, release, close...
                else Assert.True(owner.ContainsKey(id), $"{context}: job {id} reserved by nobody we know");
            }
            CheckInvariants(h, observer, clients, after, context);
        }
    }

    private static Client NewClient(CoreHarness h)
    {
        var (s, w) = h.Open();
        return new Client(s, w);
    }

    private static void Step(CoreHarness h, Random rng, Client c, List<Client> clients, Dictionary<ulong, JobView> jobs,
        SortedSet<ulong> live, Dictionary<ulong, Client> owner, Dictionary<string, long> pausedUntil, string context)
    {
        var s = c.State;
        ulong RandomId() => live.Count == 0 || rng.Next(10) == 0 ? (ulong)rng.Next(1, 5000) : live.ElementAt(rng.Next(live.Count));
        string RandomTube() => TubeNames[rng.Next(TubeNames.Length)];
        bool OwnedByMe(ulong id) => owner.TryGetValue(id, out var o) && o == c;
        JobState StateOf(ulong id) => jobs.TryGetValue(id, out var v) ? v.State : JobState.Invalid;

        switch (rng.Next(14))
        {
            case 0:
            case 1:
            {
                uint[] pris = [0, 500, 1023, 1024, 2000];
                ulong id = h.Put(s, pris[rng.Next(pris.Length)], delay: (uint)(rng.Next(3) == 0 ? rng.Next(1, 4) : 0), ttr: (uint)rng.Next(1, 6));
                live.Add(id);
                break;
            }
            case 2:
            case 3:
            {
                bool block = rng.Next(3) == 0;
                var eligible = jobs.Values
                    .Where(j => j.State == JobState.Ready && s.Watch.Any(t => t.Name == j.Tube) && !IsPaused(h, pausedUntil, j.Tube))
                    .OrderBy(j => j.Priority).ThenBy(j => j.Id).ToList();
                var r = h.Reserve(s, block ? rng.Next(1, 4) : 0);
                switch (r.Status)
                {
                    case CommandStatus.Ok:
                        Assert.True(eligible.Count > 0 && eligible[0].Id == r.Id, $"{context}: reserve gave {r.Id}, best was {(eligible.Count > 0 ? eligible[0].Id : 0)}");
                        owner[r.Id] = c;
                        break;
                    case CommandStatus.Waiting:
                        Assert.True(block && eligible.Count == 0, $"{context}: waited although {eligible.Count} jobs were eligible");
                        c.Waiting = true;
                        break;
                    case CommandStatus.TimedOut:
                        Assert.True(!block && eligible.Count == 0, $"{context}: timed out with eligible jobs");
                        break;
                    case CommandStatus.DeadlineSoon:
                        Assert.True(s.ReservedCount > 0, $"{context}: DEADLINE_SOON without a reserved job");
                        Assert.True(eligible.Count == 0, $"{context}: DEADLINE_SOON although a job was ready");
                        break;
                    default:
                        Assert.Fail($"{context}: reserve returned {r.Status}");
                        break;
                }
                break;
            }
            case 4:
            {
                ulong id = RandomId();
                var r = h.Execute(s, new EngineCommand { Op = Operation.ReserveJob, Id = id });
                bool expectOk = StateOf(id) is JobState.Ready or JobState.Delayed or JobState.Buried;
                Assert.True(expectOk == (r.Status == CommandStatus.Ok), $"{context}: reserve-job {id} in {StateOf(id)} gave {r.Status}");
                if (expectOk) owner[id] = c;
                break;
            }
            case 5:
            {
                ulong id = RandomId();
                var r = h.Execute(s, new EngineCommand { Op = Operation.Delete, Id = id });
                var state = StateOf(id);
                bool expectOk = state != JobState.Invalid && (state != JobState.Reserved || OwnedByMe(id));
                Assert.True(expectOk == (r.Status == CommandStatus.Ok), $"{context}: delete {id} in {state} gave {r.Status}");
                if (expectOk)
                {
                    live.Remove(id);
                    owner.Remove(id);
                }
                break;
            }
            case 6:
            case 7:
            case 8:
            {
                ulong id = RandomId();
                if (rng.Next(3) > 0 && owner.FirstOrDefault(kv => kv.Value == c).Key is var mine and > 0) id = mine;
                var op = (Operation[])[Operation.Release, Operation.Bury, Operation.Touch];
                var cmd = new EngineCommand { Op = op[rng.Next(3)], Id = id, Priority = (uint)rng.Next(0, 2048), Delay = (uint)rng.Next(0, 3) };
                var r = h.Execute(s, cmd);
                bool expectOk = StateOf(id) == JobState.Reserved && OwnedByMe(id);
                Assert.True(expectOk == (r.Status == CommandStatus.Ok), $"{context}: {cmd.Op} {id} gave {r.Status}");
                break;
            }
            case 9:
            {
                uint bound = (uint)rng.Next(0, 4);
                string used = s.Use.Name;
                int buried = jobs.Values.Count(j => j.Tube == used && j.State == JobState.Buried);
                int delayed = jobs.Values.Count(j => j.Tube == used && j.State == JobState.Delayed);
                var r = h.Execute(s, new EngineCommand { Op = Operation.Kick, Number = bound });
                long expected = Math.Min(bound, buried > 0 ? buried : delayed);
                Assert.True(expected == r.Count, $"{context}: kick {bound} gave {r.Count}, expected {expected}");
                break;
            }
            case 10:
            {
                ulong id = RandomId();
                var r = h.Execute(s, new EngineCommand { Op = Operation.KickJob, Id = id });
                bool expectOk = StateOf(id) is JobState.Buried or JobState.Delayed;
                Assert.True(expectOk == (r.Status == CommandStatus.Ok), $"{context}: kick-job {id} in {StateOf(id)} gave {r.Status}");
                break;
            }
            case 11:
                h.Execute(s, new EngineCommand { Op = Operation.Use, Tube = RandomTube() });
                break;
            case 12:
            {
                var op = rng.Next(2) == 0 ? Operation.Watch : Operation.Ignore;
                string tube = RandomTube();
                bool wasLast = s.Watch.Count == 1 && s.Watch[0].Name == tube;
                var r = h.Execute(s, new EngineCommand { Op = op, Tube = tube });
                Assert.Equal(op == Operation.Ignore && wasLast ? CommandStatus.NotIgnored : CommandStatus.Ok, r.Status);
                Assert.Equal(s.Watch.Select(t => t.Name).Distinct().Count(), s.Watch.Count);
                break;
            }
            default:
            {
                string tube = RandomTube();
                bool exists = h.Core.Tubes.Find(tube) is not null;
                uint delay = (uint)rng.Next(1, 4);
                var r = h.Execute(s, new EngineCommand { Op = Operation.PauseTube, Tube = tube, Delay = delay });
                Assert.Equal(exists ? CommandStatus.Ok : CommandStatus.NotFound, r.Status);
                if (exists) pausedUntil[tube] = h.Core.Now + delay * TimeSpan.TicksPerSecond;
                break;
            }
        }
    }

    private static bool IsPaused(CoreHarness h, Dictionary<string, long> pausedUntil, string tube) =>
        pausedUntil.TryGetValue(tube, out long until) && until > h.Core.Now && h.Core.Tubes.Find(tube) is { IsPaused: true };

    private static void CollectWaitOutcomes(List<Client> clients, Dictionary<ulong, Client> owner, string context)
    {
        foreach (var c in clients)
        {
            while (c.SeenOutcomes < c.Waiter.Outcomes.Count)
            {
                var (status, id) = c.Waiter.Outcomes[c.SeenOutcomes++];
                Assert.True(c.Waiting, $"{context}: outcome {status} for a client that was not waiting");
                c.Waiting = false;
                if (status == CommandStatus.Ok) owner[id] = c;
                else Assert.True(status is CommandStatus.TimedOut or CommandStatus.DeadlineSoon, $"{context}: wait ended with {status}");
            }
        }
    }

    private static Dictionary<ulong, JobView> Snapshot(CoreHarness h, SessionState observer, SortedSet<ulong> live)
    {
        var views = new Dictionary<ulong, JobView>();
        foreach (ulong id in live)
        {
            var r = h.Execute(observer, new EngineCommand { Op = Operation.StatsJob, Id = id });
            Assert.Equal(CommandStatus.Ok, r.Status);
            var j = (JobStats)r.Payload!;
            views[id] = new JobView(id, j.State, j.Priority, j.Tube);
        }
        return views;
    }

    private static void CheckInvariants(CoreHarness h, SessionState observer, List<Client> clients, Dictionary<ulong, JobView> jobs, string context)
    {
        var stats = h.Core.Stats();
        long Count(JobState st) => jobs.Values.Count(j => j.State == st);
        Assert.True(
            (Count(JobState.Ready), Count(JobState.Reserved), Count(JobState.Delayed), Count(JobState.Buried)) ==
            (stats.CurrentJobsReady, stats.CurrentJobsReserved, stats.CurrentJobsDelayed, stats.CurrentJobsBuried),
            $"{context}: global job counts disagree with the jobs");
        Assert.Equal(jobs.Values.Count(j => j.State == JobState.Ready && j.Priority < 1024), stats.CurrentJobsUrgent);
        Assert.Equal(jobs.Count, h.Core.JobCount);
        Assert.Equal(clients.Count(c => c.Waiting), stats.CurrentWaiting);

        var expectedTubes = new HashSet<string> { "default" };
        foreach (var c in clients)
        {
            expectedTubes.Add(c.State.Use.Name);
            foreach (var t in c.State.Watch) expectedTubes.Add(t.Name);
        }
        foreach (var j in jobs.Values) expectedTubes.Add(j.Tube);
        var list = (string[])h.Execute(observer, new EngineCommand { Op = Operation.ListTubes }).Payload!;
        Assert.True(expectedTubes.SetEquals(list), $"{context}: tubes [{string.Join(",", list)}], expected [{string.Join(",", expectedTubes)}]");
        Assert.Equal(list.Length, list.Distinct().Count());

        foreach (string name in list)
        {
            var t = (TubeStats)h.Execute(observer, new EngineCommand { Op = Operation.StatsTube, Tube = name }).Payload!;
            var mine = jobs.Values.Where(j => j.Tube == name).ToList();
            Assert.True(
                (mine.Count(j => j.State == JobState.Ready), mine.Count(j => j.State == JobState.Reserved),
                 mine.Count(j => j.State == JobState.Delayed), mine.Count(j => j.State == JobState.Buried),
                 mine.Count(j => j.State == JobState.Ready && j.Priority < 1024)) ==
                (t.CurrentJobsReady, t.CurrentJobsReserved, t.CurrentJobsDelayed, t.CurrentJobsBuried, t.CurrentJobsUrgent),
                $"{context}: tube {name} counts disagree");
            Assert.Equal(clients.Count(c => c.Waiting && c.State.Watch.Any(w => w.Name == name)), t.CurrentWaiting);
            bool paused = h.Core.Tubes.Find(name) is { IsPaused: true } p && p.UnpauseAt > h.Core.Now;
            Assert.False(t.CurrentWaiting > 0 && t.CurrentJobsReady > 0 && !paused, $"{context}: tube {name} has waiters and ready jobs");
            var tube = h.Core.Tubes.Find(name)!;
            int best = tube.Ready.Peek();
            var expectedBest = mine.Where(j => j.State == JobState.Ready).OrderBy(j => j.Priority).ThenBy(j => j.Id).FirstOrDefault();
            Assert.Equal(expectedBest?.Id ?? 0, best < 0 ? 0 : h.Core.Jobs.Get(best).Id);
        }
    }
}
