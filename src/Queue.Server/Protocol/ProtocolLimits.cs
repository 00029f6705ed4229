namespace Queue.Server.Protocol;

/// <summary>Wire limits of beanstalkd 1.12, each with its derivation.</summary>
internal static class ProtocolLimits
{
    /// <summary>
    /// Longest command line including CRLF: beanstalkd LINE_BUF_SIZE = 11 ("pause-tube ") + 201
    /// (tube name + NUL) + 12 (" 4294967295\r\n"... the longest argument tail) = 224.
    /// </summary>
    public const int MaxLineLength = 224;

    /// <summary>Default -z: the largest body accepted, inclusive.</summary>
    public const long DefaultMaxJobSize = 65535;

    /// <summary>-z values above this are clamped, with a warning (beanstalkd JOB_DATA_SIZE_LIMIT_MAX).</summary>
    public const long MaxJobSizeLimit = 1073741824;

    /// <summary>Priorities below this count as urgent.</summary>
    public const uint UrgentThreshold = 1024;
}
