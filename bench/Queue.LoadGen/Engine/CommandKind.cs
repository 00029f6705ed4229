namespace Queue.LoadGen.Engine;

/// <summary>Commands the generator issues on the hot path.</summary>
internal enum CommandKind : byte
{
    Put,
    Reserve,
    Delete,
}

internal static class CommandKinds
{
    public const int Count = (int)CommandKind.Delete + 1;

    public static string Name(this CommandKind kind) => kind switch
    {
        CommandKind.Put => "put",
        CommandKind.Reserve => "reserve",
        CommandKind.Delete => "delete",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
