using System.Net;
using Queue.LoadGen.Cli;
using Queue.LoadGen.Engine;
using Queue.LoadGen.Net;

namespace Queue.LoadGen.Scenarios;

/// <summary>What every scenario needs: options, the server address, the abort flag and a log.</summary>
internal sealed class ScenarioContext(LoadGenOptions options, IPEndPoint endPoint)
{
    public LoadGenOptions Options { get; } = options;

    public RunControl Control { get; } = new();

    /// <summary>Progress notes go to stderr so that stdout stays clean for the summary.</summary>
    public static void Note(string message) => Console.Error.WriteLine("queue-loadgen: " + message);

    /// <summary>Opens <paramref name="count"/> connections, each attached to the tube.</summary>
    public List<BeanstalkSocket> Connect(int count)
    {
        var sockets = new List<BeanstalkSocket>(count);
        try
        {
            for (int i = 0; i < count; i++)
            {
                var socket = BeanstalkSocket.Connect(endPoint, Options.BodySize, Math.Max(Options.Pipeline, 64));
                sockets.Add(socket);
                Handshake.AttachToTube(socket, Options.Tube);
            }

            return sockets;
        }
        catch
        {
            sockets.ForEach(s => s.Dispose());
            throw;
        }
    }

    public DriverGroup Group(IReadOnlyList<ConnectionDriver> drivers, string name) => new(drivers, Options.Threads, Control, name);

    public ConnectionDriver Driver(int index, BeanstalkSocket socket, Workload workload, RunWindow window, int? pipeline = null)
        => new(index, socket, workload, pipeline ?? Options.Pipeline, Math.Min(pipeline ?? Options.Pipeline, Options.MinBatch), window, Control);
}
