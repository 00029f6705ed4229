using System.Security.Cryptography;
using Queue.LoadGen.Engine;
using Queue.LoadGen.Monitoring;
using Queue.LoadGen.Net;
using Queue.LoadGen.Protocol;
using Queue.LoadGen.Reporting;
using Queue.LoadGen.Workloads;
using Queue.LoadGen.Workloads.PubSub;

namespace Queue.LoadGen.Scenarios;

/// <summary>
/// pubsub: half the connections put sequence-numbered jobs while the other half reserve and delete
/// them. After the window the producers stop, the consumers drain (see <see cref="DrainCoordinator"/>),
/// and the ledger reports jobs that were acknowledged but never delivered (lost) or delivered twice.
/// </summary>
internal sealed class PubSubScenario : IScenario
{
    private static readonly long ProducerGrace = Ticks.FromSeconds(10);
    private static readonly long DrainTime = Ticks.FromSeconds(20);

    public RunResult Run(ScenarioContext context)
    {
        var o = context.Options;
        int producerCount = o.Connections / 2;
        List<BeanstalkSocket> sockets;
        using (Watchdog.Arm(TimeSpan.FromSeconds(180), "connect + purge"))
        {
            sockets = context.Connect(o.Connections);
            PurgeLeftovers(context, sockets[producerCount..]);
        }

        try
        {
            using var watchdog = Watchdog.Arm(o.WatchdogLimit, "load phase");
            var ledger = new SequenceLedger();
            var drain = new DrainCoordinator(ledger);
            ulong runTag = BitConverter.ToUInt64(RandomNumberGenerator.GetBytes(8));
            var window = RunWindow.Begin(o.WarmupSec, o.DurationSec);

            var producers = Enumerable.Range(0, producerCount).Select(_ => new PubSubProducer(
                o.BodySize, ledger, runTag, window.MeasureEnd, context.Control, new ConnectionStats(),
                Pacer.Create(o.Rate, producerCount, window.Start))).ToList();
            var consumers = sockets.Skip(producerCount).Select(_ => new PubSubConsumer(
                o.Pipeline, o.BodySize, ledger, drain, runTag, context.Control, new ConnectionStats())).ToList();
            var producerDrivers = producers.Select((w, i) => context.Driver(i, sockets[i], w, window)).ToList();
            var consumerDrivers = consumers.Select((w, i) => context.Driver(producerCount + i, sockets[producerCount + i], w, window)).ToList();
            var group = context.Group(Interleave(producerDrivers, consumerDrivers), "pubsub");

            group.Start();
            Measurement measurement = Measurement.Follow(window, () => group.AllFinished, group.LastFinishedAt, o.ServerPid);

            if (!DriverGroup.WaitDone(producerDrivers, window.MeasureEnd + ProducerGrace))
            {
                context.Control.Fail(ExitCodes.ProtocolViolation, "producers still waiting for INSERTED after the deadline");
            }

            long drainDeadline = Math.Min(Ticks.Now + DrainTime, window.MeasureEnd + LoadPhase.DrainGrace);
            WakeQueuedReserves(context, drain, consumers, sockets[0], runTag, drainDeadline);
            LoadPhase.Join(context, group, drainDeadline + Ticks.FromSeconds(3));

            (long lost, long unacknowledged) = ledger.Reconcile();
            if ((lost > 0 || ledger.Duplicates > 0) && !context.Control.IsAborted)
            {
                string missing = drain.AllAccountedFor || !drain.PastDeadline(Ticks.Now)
                    ? $"{lost} jobs lost"
                    : $"{lost} acknowledged jobs not delivered before the drain deadline (drain incomplete)";
                context.Control.Fail(ExitCodes.LostOrDuplicated, $"{missing}, {ledger.Duplicates} delivered twice");
            }

            var stats = MergedStats.From(producers.Select(p => p.Stats).Concat(consumers.Select(c => c.Stats)));
            return LoadPhase.Result(context, measurement, stats) with
            {
                EndToEnd = stats.EndToEnd,
                Lost = lost,
                Duplicates = ledger.Duplicates,
                DeliveredUnacknowledged = unacknowledged,
                ForeignJobs = consumers.Sum(c => c.ForeignJobs),
                DrainComplete = drain.AllAccountedFor,
            };
        }
        finally
        {
            sockets.ForEach(s => s.Dispose());
        }
    }

    /// <summary>Alternates producers and consumers so that every event loop gets both kinds.</summary>
    private static List<ConnectionDriver> Interleave(List<ConnectionDriver> producers, List<ConnectionDriver> consumers)
    {
        var all = new List<ConnectionDriver>(producers.Count + consumers.Count);
        for (int i = 0; i < Math.Max(producers.Count, consumers.Count); i++)
        {
            if (i < producers.Count)
            {
                all.Add(producers[i]);
            }

            if (i < consumers.Count)
            {
                all.Add(consumers[i]);
            }
        }

        return all;
    }

    /// <summary>Stops new reserves, then puts one sentinel per reserve still queued on the server.</summary>
    private static void WakeQueuedReserves(ScenarioContext context, DrainCoordinator drain, List<PubSubConsumer> consumers, BeanstalkSocket idleProducer, ulong runTag, long deadline)
    {
        drain.RequestDrain(deadline);
        long queued = consumers.Sum(c => (long)c.ReservesInFlightAfterDrainRequest());
        long sentinels = 0;
        if (queued > 0 && !context.Control.IsAborted)
        {
            try
            {
                sentinels = SentinelWriter.Put(idleProducer, queued, context.Options.BodySize, runTag);
            }
            catch (ProtocolViolationException ex)
            {
                context.Control.Fail(ExitCodes.ProtocolViolation, ex.Message);
            }
        }

        drain.MarkSentinelsPut(sentinels);
    }

    /// <summary>pubsub needs an empty tube: delete ready leftovers of earlier runs first.</summary>
    private static void PurgeLeftovers(ScenarioContext context, List<BeanstalkSocket> sockets)
    {
        long ready = Handshake.QueryReadyJobs(sockets[0], context.Options.Tube);
        if (ready == 0)
        {
            return;
        }

        ScenarioContext.Note($"tube '{context.Options.Tube}' holds {ready} ready jobs; deleting them before the pubsub run");
        var window = RunWindow.Unmeasured(long.MaxValue);
        var workloads = sockets.Select(_ => new ReserveDeleteWorkload(
            context.Options.Pipeline, Commands.ReserveWithTimeout0, long.MaxValue, context.Control, new ConnectionStats())).ToList();
        var group = context.Group([.. workloads.Select((w, i) => context.Driver(i, sockets[i], w, window, Math.Max(context.Options.Pipeline, 64)))], "purge");
        LoadPhase.RunUnmeasured(context, group, long.MaxValue);
        ScenarioContext.Note($"purged {workloads.Sum(w => w.Deleted)} jobs");
    }
}
