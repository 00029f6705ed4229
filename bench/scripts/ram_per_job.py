#!/usr/bin/env python3
"""RAM per queued job: anonymous resident memory of the server (RssAnon) before and after putting
N jobs of SIZE bytes, divided by N; ours and beanstalkd 1.12 (both in memory, no -b).

    ram_per_job.py OURS_BINARY [--jobs 1000000] [--size 100] [--ours-args "--max-memory=1G"]

Without a cap our server sizes its body cache from physical memory (a quarter of the cap on a
large machine), so on a big machine every body may still be cached: pass --max-memory (or -b DIR)
in --ours-args to measure the index alone, which is what a long queue costs per job.
"""
import argparse, shutil, signal, socket, subprocess, sys, time


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def rss_anon(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) * 1024
    return 0


def fill(port, n, size, batch=1000):
    s = socket.create_connection(("127.0.0.1", port))
    put = b"put 0 0 60 %d\r\n%s\r\n" % (size, b"x" * size)
    done = 0
    while done < n:
        k = min(batch, n - done)
        s.sendall(put * k)
        got, buf = 0, b""
        while got < k:
            buf += s.recv(1 << 20)
            *lines, buf = buf.split(b"\r\n")
            for l in lines:
                assert l.startswith(b"INSERTED"), l
            got += len(lines)
        done += k
    s.close()


def measure(label, binary, n, size, extra=()):
    port = free_port()
    p = subprocess.Popen([binary, "-l", "127.0.0.1", "-p", str(port), *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(500):
            try:
                socket.create_connection(("127.0.0.1", port)).close(); break
            except OSError:
                time.sleep(0.01)
        fill(port, 1000, size)  # warm up code paths and pools
        time.sleep(1)
        before = rss_anon(p.pid)
        fill(port, n, size)
        time.sleep(3)  # let the server settle (cache trimming, GC)
        after = rss_anon(p.pid)
        print(f"{label}{' ' + ' '.join(extra) if extra else ''}: {n:,} jobs of {size} B: RssAnon {before / 2**20:.1f} -> {after / 2**20:.1f} MiB = "
              f"{(after - before) / n:,.0f} B per queued job", flush=True)
    finally:
        p.send_signal(signal.SIGKILL); p.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ours")
    ap.add_argument("--jobs", type=int, default=1_000_000)
    ap.add_argument("--size", type=int, default=100)
    ap.add_argument("--ours-args", default="", help="extra arguments for our server, e.g. --max-memory=1G")
    ap.add_argument("--skip-beanstalkd", action="store_true")
    a = ap.parse_args()
    measure("QueueServer", a.ours, a.jobs, a.size, a.ours_args.split())
    if shutil.which("beanstalkd") and not a.skip_beanstalkd:
        measure("beanstalkd 1.12", shutil.which("beanstalkd"), a.jobs, a.size)


if __name__ == "__main__":
    main()
