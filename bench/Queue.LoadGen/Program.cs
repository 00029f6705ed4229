using System.Net.Sockets;
using Queue.LoadGen.Cli;
using Queue.LoadGen.Engine;
using Queue.LoadGen.Net;
using Queue.LoadGen.Reporting;
using Queue.LoadGen.Scenarios;

namespace Queue.LoadGen;

internal static class Program
{
    public static int Main(string[] args)
    {
        LoadGenOptions options;
        try
        {
            options = OptionsParser.Parse(args);
        }
        catch (UsageException ex)
        {
            if (ex.Message.Length == 0)
            {
                Console.Out.WriteLine(OptionsParser.Usage);
                return ExitCodes.Ok;
            }

            Console.Error.WriteLine("queue-loadgen: " + ex.Message);
            Console.Error.WriteLine(OptionsParser.Usage);
            return ExitCodes.Usage;
        }

        RunResult result;
        try
        {
            var context = new ScenarioContext(options, Endpoints.Resolve(options.Host, options.Port));
            result = Scenarios.Scenarios.For(options.Scenario).Run(context);
        }
        catch (SocketException ex)
        {
            Console.Error.WriteLine($"queue-loadgen: cannot reach or talk to {options.Host}:{options.Port}: {ex.Message}");
            return ExitCodes.ConnectionFailed;
        }
        catch (ProtocolViolationException ex)
        {
            Console.Error.WriteLine("queue-loadgen: protocol violation: " + ex.Message);
            return ExitCodes.ProtocolViolation;
        }

        Console.Out.Write(options.Json ? JsonReport.Format(result) + "\n" : TextReport.Format(result));
        Console.Out.Flush();
        if (result.Failure is not null)
        {
            Console.Error.WriteLine("queue-loadgen: " + result.Failure);
        }

        return result.ExitCode;
    }
}
