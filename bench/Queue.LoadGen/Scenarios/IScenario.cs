using Queue.LoadGen.Cli;
using Queue.LoadGen.Reporting;

namespace Queue.LoadGen.Scenarios;

internal interface IScenario
{
    RunResult Run(ScenarioContext context);
}

internal static class Scenarios
{
    public static IScenario For(ScenarioKind kind) => kind switch
    {
        ScenarioKind.Put => new PutScenario(fill: false),
        ScenarioKind.Fill => new PutScenario(fill: true),
        ScenarioKind.ReserveDelete => new ReserveDeleteScenario(),
        ScenarioKind.PubSub => new PubSubScenario(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
