namespace Queue.Storage.Migration;

/// <summary>What <see cref="BeanstalkdBinlogReader.Read"/> recovered from a beanstalkd binlog directory.</summary>
public sealed class BinlogImport
{
    /// <summary>Live jobs, sorted by id.</summary>
    public required IReadOnlyList<ImportedJob> Jobs { get; init; }

    /// <summary>
    /// Highest job id in any record read (including deleted jobs and short records whose full
    /// record was already collected); 0 if none. New ids should start at <c>MaxJobId + 1</c>,
    /// so no id a client may still hold is handed out again. (beanstalkd 1.12 only counts the
    /// jobs it recreates, so after compaction it can reuse ids; this is deliberately stricter.)
    /// </summary>
    public required ulong MaxJobId { get; init; }

    /// <summary>Problems found (missing files, truncated or corrupt records); empty for a clean log.</summary>
    public required IReadOnlyList<string> Warnings { get; init; }

    /// <summary>Paths of the binlog files that were opened, in replay order.</summary>
    public required IReadOnlyList<string> Files { get; init; }
}
