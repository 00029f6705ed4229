using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using static Queue.Server.Transport.Epoll.EpollNative;

namespace Queue.Server.Transport.Epoll;

/// <summary>
/// One thread waiting on an epoll instance for every connection's socket (edge-triggered, each
/// registered once for input, output and hang-up) and an eventfd that other threads ring to hand
/// it work. Readiness is handed to the connection, which receives, sends and runs the protocol's
/// continuation right here: a command costs one receive and one send system call, with no
/// thread hand-off and no task per operation.
/// </summary>
internal sealed unsafe class EpollLoop : IDisposable
{
    private const int MaxEvents = 256;

    private readonly int _epoll;
    private readonly int _wake;
    private readonly Thread _thread;
    private readonly ConcurrentQueue<EpollConnection> _posted = new();
    private readonly Action<Exception> _onError;
    private readonly List<GCHandle> _toFree = [];
    private readonly Lock _fdLock = new(); // the eventfd is rung and closed under it, never after closing
    private int _wakePending;
    private volatile bool _stopping;
    private bool _fdsClosed;

    /// <param name="onError">Told about a connection that failed unexpectedly on the loop (it is then closed); the loop goes on.</param>
    public EpollLoop(Action<Exception> onError)
    {
        _onError = onError;
        _epoll = EpollCreate(EpollCloexec);
        if (_epoll < 0) throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        _wake = EventFd(0, EfdNonBlock | EfdCloexec);
        if (_wake < 0)
        {
            Close(_epoll);
            throw new InvalidOperationException($"eventfd failed: errno {Marshal.GetLastPInvokeError()}");
        }
        var ev = new EpollEvent { Events = EpollIn, Data = 0 };
        if (EpollCtl(_epoll, CtlAdd, _wake, &ev) != 0)
        {
            Close(_wake);
            Close(_epoll);
            throw new InvalidOperationException($"epoll_ctl failed: errno {Marshal.GetLastPInvokeError()}");
        }
        _thread = new Thread(Run) { IsBackground = true, Name = "queue-epoll" };
        _thread.Start();
    }

    /// <summary>Starts watching <paramref name="connection"/>'s socket; events come with a handle to it.</summary>
    public void Register(EpollConnection connection, int fd)
    {
        var handle = GCHandle.Alloc(connection);
        var ev = new EpollEvent { Events = EpollIn | EpollOut | EpollRdHup | EpollEt, Data = (ulong)GCHandle.ToIntPtr(handle) };
        if (EpollCtl(_epoll, CtlAdd, fd, &ev) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            handle.Free();
            throw new System.Net.Sockets.SocketException(errno);
        }
        connection.LoopHandle = handle;
    }

    /// <summary>Stops watching the socket (loop thread only; before the socket is closed). The handle is freed after this round's events.</summary>
    public void Unregister(EpollConnection connection, int fd)
    {
        if (!connection.LoopHandle.IsAllocated) return; // never registered: the fd may belong to someone else by now
        var ev = default(EpollEvent);
        EpollCtl(_epoll, CtlDel, fd, &ev);
        _toFree.Add(connection.LoopHandle);
        connection.LoopHandle = default;
    }

    /// <summary>Has <see cref="EpollConnection.OnPosted"/> run on the loop thread soon (from any thread).</summary>
    public void Post(EpollConnection connection)
    {
        _posted.Enqueue(connection);
        if (Interlocked.Exchange(ref _wakePending, 1) == 0) Ring();
    }

    private void Ring()
    {
        lock (_fdLock)
        {
            if (_fdsClosed) return;
            ulong one = 1;
            Write(_wake, &one, sizeof(ulong));
        }
    }

    public bool IsLoopThread => Environment.CurrentManagedThreadId == _thread.ManagedThreadId;

    private void Run()
    {
        try
        {
            Loop();
        }
        finally
        {
            lock (_fdLock)
            {
                _fdsClosed = true;
                Close(_wake);
                Close(_epoll);
            }
        }
    }

    private void Loop()
    {
        var events = stackalloc EpollEvent[MaxEvents];
        while (!_stopping)
        {
            int n = EpollWait(_epoll, events, MaxEvents, -1);
            if (n < 0)
            {
                if (Marshal.GetLastPInvokeError() == EIntr) continue;
                break;
            }
            for (int i = 0; i < n; i++)
            {
                if (events[i].Data == 0)
                {
                    ulong count;
                    Read(_wake, &count, sizeof(ulong));
                    Volatile.Write(ref _wakePending, 0);
                    RunPosted();
                    continue;
                }
                var connection = (EpollConnection?)GCHandle.FromIntPtr((nint)events[i].Data).Target;
                if (connection is null) continue;
                try
                {
                    connection.OnEvents(events[i].Events);
                }
                catch (Exception ex)
                {
                    Fail(connection, ex);
                }
            }
            if (_toFree.Count > 0)
            {
                foreach (var h in _toFree) h.Free();
                _toFree.Clear();
            }
        }
    }

    private void RunPosted()
    {
        // Only what was there when the bell rang: work posted meanwhile rings again.
        int count = _posted.Count;
        for (int i = 0; i < count && _posted.TryDequeue(out var connection); i++)
        {
            try
            {
                connection.OnPosted();
            }
            catch (Exception ex)
            {
                Fail(connection, ex);
            }
        }
    }

    /// <summary>A bug in one connection must not stop the loop that serves all the others.</summary>
    private void Fail(EpollConnection connection, Exception ex)
    {
        try
        {
            _onError(ex);
            connection.Abort();
        }
        catch (Exception)
        {
            // Nothing more can be done for this connection.
        }
    }

    /// <summary>Stops the loop; it closes its descriptors on the way out. May be called from the loop thread itself (a continuation it ran).</summary>
    public void Dispose()
    {
        _stopping = true;
        Ring();
        if (!IsLoopThread) _thread.Join(TimeSpan.FromSeconds(5));
    }
}
