namespace Queue.LoadGen.Cli;

/// <summary>Bad command line; the message is shown to the user together with the usage text.</summary>
internal sealed class UsageException(string message) : Exception(message);
