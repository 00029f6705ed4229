#!/usr/bin/env python3
"""Restart time against job count and log history, ours vs beanstalkd 1.12 (both with -b).

    restart_time.py OURS_BINARY [--live 1000000] [--history 10000000] [--skip-beanstalkd]

Scenario 1 (live): put LIVE jobs of 100 bytes, kill -9 the server (no clean shutdown), restart on
the same directory, time exec -> first reply to `stats` that shows all jobs back.
Scenario 2 (history): put and delete HISTORY jobs (nothing stays live), kill -9, time the restart.
Every server is started here and stopped by PID; only 127.0.0.1.
"""
import argparse, os, shutil, signal, socket, subprocess, sys, tempfile, time

BODY = b"x" * 100


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def start(binary, port, d):
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "-l", "127.0.0.1", "-p", str(port), "-b", d, "-F"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return p, t0


def first_stats(port, t0, want_ready, deadline=300):
    while time.perf_counter() - t0 < deadline:
        try:
            s = socket.create_connection(("127.0.0.1", port), timeout=60)
            s.sendall(b"stats\r\n")
            data = b""
            while not data.endswith(b"\r\n") or b"---" not in data or not data.rstrip().endswith(b"\n\r\n".strip()):
                chunk = s.recv(65536)
                if not chunk: break
                data += chunk
                if data.count(b"\r\n") >= 2: break
            elapsed = time.perf_counter() - t0
            s.close()
            for line in data.decode().split("\n"):
                if line.startswith("current-jobs-ready:"):
                    ready = int(line.split(":")[1])
                    if ready != want_ready:
                        raise RuntimeError(f"{ready} jobs ready after restart, expected {want_ready}")
                    return elapsed
        except (ConnectionRefusedError, ConnectionResetError):
            time.sleep(0.001)
    raise RuntimeError("no reply")


def pipeline(port, commands_iter, batch=2000):
    s = socket.create_connection(("127.0.0.1", port))
    buf = b""
    replies = []
    pending = []
    for cmd in commands_iter:
        pending.append(cmd)
        if len(pending) >= batch:
            replies.extend(flush(s, pending, buf)); pending = []
    if pending:
        replies.extend(flush(s, pending, buf))
    s.close()
    return replies


def flush(s, pending, _):
    s.sendall(b"".join(pending))
    out = []
    data = b""
    while len(out) < len(pending):
        data += s.recv(1 << 20)
        *lines, data = data.split(b"\r\n")
        out.extend(lines)
    return out


def fill_live(port, n):
    put = b"put 0 0 60 100\r\n" + BODY + b"\r\n"
    replies = pipeline(port, (put for _ in range(n)))
    assert all(r.startswith(b"INSERTED") for r in replies), replies[:3]


def churn(port, n, batch=2000):
    s = socket.create_connection(("127.0.0.1", port))
    put = b"put 0 0 60 100\r\n" + BODY + b"\r\n"
    done = 0
    while done < n:
        k = min(batch, n - done)
        ids = [r.split()[1] for r in flush(s, [put] * k, None)]
        dels = flush(s, [b"delete " + i + b"\r\n" for i in ids], None)
        assert all(d == b"DELETED" for d in dels)
        done += k
    s.close()


def measure(binary, label, live, history):
    d = tempfile.mkdtemp(prefix="qs-restart-")
    try:
        port = free_port()
        p, t0 = start(binary, port, d)
        first_stats(port, t0, 0)
        t = time.time()
        if live:
            fill_live(port, live)
        if history:
            churn(port, history)
        load_s = time.time() - t
        os.kill(p.pid, signal.SIGKILL); p.wait()
        size = sum(os.path.getsize(os.path.join(d, f)) for f in os.listdir(d))
        times = []
        for _ in range(3):
            port = free_port()
            p, t0 = start(binary, port, d)
            times.append(first_stats(port, t0, live))
            os.kill(p.pid, signal.SIGKILL); p.wait()
        what = f"{live:,} live jobs" if live else f"{history:,} puts+deletes, nothing live"
        print(f"{label}: {what}: restart (exec -> stats with every job back) median {sorted(times)[1] * 1000:.0f} ms "
              f"(runs in order: first after the kill -9 under load {times[0] * 1000:.0f} ms, then {', '.join(f'{x * 1000:.0f}' for x in times[1:])} ms); "
              f"data dir {size / 2**20:.0f} MiB; load took {load_s:.0f} s", flush=True)
    finally:
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ours")
    ap.add_argument("--live", type=int, default=1_000_000)
    ap.add_argument("--history", type=int, default=10_000_000)
    ap.add_argument("--skip-beanstalkd", action="store_true")
    a = ap.parse_args()
    servers = [("QueueServer", a.ours)]
    if not a.skip_beanstalkd and shutil.which("beanstalkd"):
        servers.append(("beanstalkd 1.12", shutil.which("beanstalkd")))
    for label, binary in servers:
        if a.live:
            measure(binary, label, a.live, 0)
        if a.history:
            measure(binary, label, 0, a.history)


if __name__ == "__main__":
    main()
