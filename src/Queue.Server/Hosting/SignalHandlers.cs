using System.Runtime.InteropServices;
using Queue.Storage;

namespace Queue.Server.Hosting;

/// <summary>
/// SIGTERM/SIGINT/SIGQUIT request a graceful stop (exit code 0, also as PID 1 in a container);
/// SIGUSR1 enters drain mode (beanstalkd 1.12), even if it arrives before the engine exists.
/// </summary>
internal sealed class SignalHandlers : IDisposable
{
    private const int SigUsr1 = 10;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<PosixSignalRegistration> _registrations = new();
    private QueueEngine? _engine;
    private volatile bool _drainRequested;

    public SignalHandlers()
    {
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGQUIT })
        {
            _registrations.Add(PosixSignalRegistration.Create(signal, c =>
            {
                c.Cancel = true;
                _stopping.Cancel();
            }));
        }
        if (OperatingSystem.IsLinux())
        {
            _registrations.Add(PosixSignalRegistration.Create((PosixSignal)SigUsr1, c =>
            {
                c.Cancel = true;
                _drainRequested = true;
                _engine?.EnterDrainMode();
            }));
        }
    }

    /// <summary>Cancelled by SIGTERM, SIGINT or SIGQUIT.</summary>
    public CancellationToken Stopping => _stopping.Token;

    public QueueEngine? Engine
    {
        get => _engine;
        set
        {
            _engine = value;
            if (_drainRequested) value?.EnterDrainMode();
        }
    }

    public void Dispose()
    {
        foreach (var r in _registrations) r.Dispose();
        _stopping.Dispose();
    }
}
