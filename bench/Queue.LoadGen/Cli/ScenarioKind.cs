namespace Queue.LoadGen.Cli;

/// <summary>The workload shapes the generator can drive.</summary>
internal enum ScenarioKind
{
    Put,
    ReserveDelete,
    PubSub,
    Fill,
}

internal static class ScenarioKindNames
{
    public static string ToWireName(this ScenarioKind kind) => kind switch
    {
        ScenarioKind.Put => "put",
        ScenarioKind.ReserveDelete => "reserve-delete",
        ScenarioKind.PubSub => "pubsub",
        ScenarioKind.Fill => "fill",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };

    public static bool TryParse(string text, out ScenarioKind kind)
    {
        foreach (ScenarioKind candidate in Enum.GetValues<ScenarioKind>())
        {
            if (candidate.ToWireName() == text)
            {
                kind = candidate;
                return true;
            }
        }

        kind = default;
        return false;
    }
}
