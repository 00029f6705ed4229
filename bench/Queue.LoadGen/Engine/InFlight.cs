namespace Queue.LoadGen.Engine;

/// <summary>A command that has been written and awaits its reply.</summary>
/// <param name="Kind">What was sent.</param>
/// <param name="Tag">Workload data: the sequence number of a put, the job id of a delete.</param>
/// <param name="SentAt">Stopwatch timestamp taken just before the socket write.</param>
internal record struct InFlight(CommandKind Kind, ulong Tag, long SentAt);
