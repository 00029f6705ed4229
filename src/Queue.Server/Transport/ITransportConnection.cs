using System.IO.Pipelines;

namespace Queue.Server.Transport;

/// <summary>One accepted client as the server sees it, whichever transport moves its bytes.</summary>
internal interface ITransportConnection
{
    /// <summary>Cancelled when the peer has closed its sending side (or the socket failed).</summary>
    CancellationToken PeerClosed { get; }

    /// <summary>Runs <paramref name="application"/> over the connection's pipes, then sends what is left and closes.</summary>
    Task RunAsync(Func<IDuplexPipe, Task> application);

    /// <summary>Half-closes the receive side: the application sees end-of-input after what it has.</summary>
    void StopReceiving();

    /// <summary>Closes the socket at once.</summary>
    void Abort();
}
