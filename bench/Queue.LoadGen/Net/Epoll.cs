using System.Runtime.InteropServices;

namespace Queue.LoadGen.Net;

/// <summary>
/// Readiness of a fixed set of sockets through a Linux epoll instance (level-triggered EPOLLIN).
/// Each wait costs in proportion to the sockets that are ready, not to all of them as with
/// poll(2): with 50 connections and one command in flight each, poll's per-call scan of every
/// socket was a sixth of the generator's CPU.
/// </summary>
internal sealed class Epoll : IDisposable
{
    private const int EpollCtlAdd = 1;
    private const int EpollCtlDel = 2;
    private const uint EpollIn = 0x001;
    private const int EIntr = 4;

    private readonly int _fd;
    private readonly EpollEvent[] _events;

    private Epoll(int fd, int capacity)
    {
        _fd = fd;
        _events = new EpollEvent[capacity];
    }

    /// <summary>epoll needs Linux; the 12-byte event layout below is x86-64's (arm64 pads it to 16).</summary>
    public static bool IsSupported => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    public static Epoll Create(int capacity)
    {
        int fd = epoll_create1(0);
        if (fd < 0)
        {
            throw new InvalidOperationException($"epoll_create1 failed: errno {Marshal.GetLastPInvokeError()}");
        }

        return new Epoll(fd, Math.Max(1, capacity));
    }

    /// <summary>Watches <paramref name="socketHandle"/> for input; waits report <paramref name="token"/> for it.</summary>
    public void Add(nint socketHandle, int token)
    {
        var ev = new EpollEvent { Events = EpollIn, Data = (ulong)token };
        if (epoll_ctl(_fd, EpollCtlAdd, (int)socketHandle, ref ev) != 0)
        {
            throw new InvalidOperationException($"epoll_ctl(ADD) failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Stops watching <paramref name="socketHandle"/> (a closed socket leaves the set by itself).</summary>
    public void Remove(nint socketHandle)
    {
        var ev = default(EpollEvent);
        epoll_ctl(_fd, EpollCtlDel, (int)socketHandle, ref ev);
    }

    /// <summary>Waits up to <paramref name="timeoutMs"/> (0 = just look) and returns how many tokens were written to <paramref name="ready"/>.</summary>
    public int Wait(Span<int> ready, int timeoutMs)
    {
        int n;
        do
        {
            n = epoll_wait(_fd, _events, Math.Min(_events.Length, ready.Length), timeoutMs);
        }
        while (n < 0 && Marshal.GetLastPInvokeError() == EIntr);
        if (n < 0)
        {
            throw new InvalidOperationException($"epoll_wait failed: errno {Marshal.GetLastPInvokeError()}");
        }

        for (int i = 0; i < n; i++)
        {
            ready[i] = (int)_events[i].Data;
        }

        return n;
    }

    public void Dispose() => close(_fd);

    [StructLayout(LayoutKind.Sequential, Pack = 4)]
    private struct EpollEvent
    {
        public uint Events;
        public ulong Data;
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_create1(int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_ctl(int epfd, int op, int fd, ref EpollEvent ev);

    [DllImport("libc", SetLastError = true)]
    private static extern int epoll_wait(int epfd, [Out] EpollEvent[] events, int maxevents, int timeout);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
}
