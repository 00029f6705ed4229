namespace Queue.LoadGen.Engine;

/// <summary>Process exit codes.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int InternalError = 1;
    public const int Usage = 2;
    public const int ConnectionFailed = 3;
    public const int ProtocolViolation = 4;
    public const int Watchdog = 5;
    public const int LostOrDuplicated = 6;
}

/// <summary>Run-wide abort flag: the first failure wins and every driver stops at its next step.</summary>
internal sealed class RunControl
{
    private volatile bool _aborted;
    private int _exitCode;
    private string? _reason;

    public bool IsAborted => _aborted;

    public int ExitCode => _exitCode;

    public string? Reason => _reason;

    public void Fail(int exitCode, string reason)
    {
        if (Interlocked.CompareExchange(ref _exitCode, exitCode, 0) == 0)
        {
            _reason = reason;
        }

        _aborted = true;
    }
}
