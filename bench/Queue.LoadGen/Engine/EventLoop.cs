using System.Net.Sockets;
using Queue.LoadGen.Net;

namespace Queue.LoadGen.Engine;

/// <summary>
/// One thread multiplexing a set of connections: send on every connection that has room in its
/// window, wait until some socket is readable (or pacing makes a command due), handle the
/// replies, repeat. One thread per loop keeps the generator's CPU use bounded, which matters when
/// it shares a small machine with the server. Readiness comes from epoll on Linux x86-64, else
/// from poll(2) (<see cref="Socket.Select"/>), whose cost grows with the number of connections.
/// </summary>
internal sealed class EventLoop(ConnectionDriver[] drivers, RunControl control)
{
    private static readonly long StallLimit = Ticks.FromSeconds(10);
    private static readonly long IdleRecheck = Ticks.FromSeconds(0.001);

    // Arrays and List<T> only: foreach over an interface would box an enumerator every iteration.
    private readonly List<Socket> _readable = new(drivers.Length);
    private readonly Dictionary<Socket, ConnectionDriver> _bySocket = drivers.ToDictionary(d => d.Socket.Raw);

    public void Run()
    {
        using Epoll? epoll = Epoll.IsSupported ? Epoll.Create(drivers.Length) : null;
        bool[] watched = new bool[drivers.Length];
        int[] ready = new int[drivers.Length];
        if (epoll is not null)
        {
            for (int i = 0; i < drivers.Length; i++)
            {
                epoll.Add(drivers[i].Socket.Raw.Handle, i);
                watched[i] = true;
            }
        }

        long lastProgress = Ticks.Now;
        while (!control.IsAborted)
        {
            long now = Ticks.Now;
            long wakeAt = long.MaxValue;
            bool anyActive = false;
            _readable.Clear();
            for (int i = 0; i < drivers.Length; i++)
            {
                ConnectionDriver driver = drivers[i];
                if (!driver.IsDone)
                {
                    driver.Pump(now);
                }

                if (driver.IsDone)
                {
                    if (watched[i])
                    {
                        // A finished connection must not keep a level-triggered wait awake (e.g. at end of input).
                        epoll!.Remove(driver.Socket.Raw.Handle);
                        watched[i] = false;
                    }

                    continue;
                }

                anyActive = true;
                if (driver.InFlightCount > 0)
                {
                    _readable.Add(driver.Socket.Raw);
                }
                else
                {
                    // Nothing in flight but not finished: waiting on pacing or on another connection.
                    wakeAt = Math.Min(wakeAt, now + IdleRecheck);
                }

                if (driver.CanSend)
                {
                    wakeAt = Math.Min(wakeAt, driver.Workload.NextDue);
                }
            }

            if (!anyActive)
            {
                return;
            }

            long timeout = wakeAt == long.MaxValue ? StallLimit : Math.Max(0, wakeAt - now);
            if (_readable.Count == 0)
            {
                Thread.Sleep(TimeSpan.FromMilliseconds(Math.Max(1, Ticks.ToMicros(timeout) / 1000)));
                lastProgress = Ticks.Now;
                continue;
            }

            // poll(2) and epoll take milliseconds: round up so a sub-millisecond wait does not become a busy loop.
            long millis = timeout == 0 ? 0 : Math.Min(int.MaxValue / 2000, (Ticks.ToMicros(timeout) + 999) / 1000);
            int readyCount;
            if (epoll is not null)
            {
                readyCount = epoll.Wait(ready, (int)millis);
            }
            else
            {
                Socket.Select(_readable, null, null, (int)(millis * 1000));
                readyCount = _readable.Count;
            }

            if (readyCount == 0)
            {
                if (Ticks.Now - lastProgress >= StallLimit)
                {
                    FailStalled();
                    return;
                }

                continue;
            }

            lastProgress = Ticks.Now;
            if (epoll is not null)
            {
                for (int i = 0; i < readyCount; i++)
                {
                    ConnectionDriver driver = drivers[ready[i]];
                    if (!driver.IsDone)
                    {
                        driver.OnReadable();
                    }
                }
            }
            else
            {
                foreach (Socket socket in _readable)
                {
                    _bySocket[socket].OnReadable();
                }
            }
        }
    }

    private void FailStalled()
    {
        foreach (ConnectionDriver driver in drivers)
        {
            if (!driver.IsDone && driver.InFlightCount > 0)
            {
                driver.Fail(new ProtocolViolationException($"no reply for {Ticks.ToSeconds(StallLimit):0} s with {driver.InFlightCount} commands in flight"));
            }
        }
    }
}
