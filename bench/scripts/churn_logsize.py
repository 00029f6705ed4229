#!/usr/bin/env python3
"""Log size under steady churn: keeps LIVE jobs of SIZE bytes live (plus a few buried and
long-delayed jobs that never leave), puts and deletes for DURATION seconds, and reports the data
directory's size against the live data. beanstalkd 1.12 runs the same churn when --beanstalkd.

    churn_logsize.py BINARY [--live 20000] [--size 1000] [--duration 60] [--segment 1048576]
"""
import argparse, os, signal, socket, subprocess, tempfile, time, shutil


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p


def dir_size(d):
    total = 0
    for f in os.listdir(d):
        try:
            st = os.stat(os.path.join(d, f))
            total += st.st_blocks * 512  # allocated, not apparent, size
        except OSError:
            pass
    return total


def call(s, data, n):
    s.sendall(data)
    out, buf = [], b""
    while len(out) < n:
        buf += s.recv(1 << 20)
        *lines, buf = buf.split(b"\r\n")
        out.extend(l for l in lines)
    return out


def run(binary, a, label):
    d = tempfile.mkdtemp(prefix="qs-churn-")
    port = free_port()
    p = subprocess.Popen([binary, "-l", "127.0.0.1", "-p", str(port), "-b", d, "-s", str(a.segment), "-F"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(500):
            try:
                s = socket.create_connection(("127.0.0.1", port)); break
            except OSError:
                time.sleep(0.01)
        body = b"b" * a.size
        put = b"put 100 0 60 %d\r\n%s\r\n" % (a.size, body)
        # Long-lived jobs that pin old log space in 1.12: 10 buried, 10 delayed for a day.
        ids = [r.split()[1] for r in call(s, put * 10, 10)]
        call(s, b"".join(b"reserve-job " + i + b"\r\n" for i in ids), 20)
        call(s, b"".join(b"bury " + i + b" 0\r\n" for i in ids), 10)
        call(s, b"put 100 86400 60 %d\r\n%s\r\n" % (a.size, body) * 10, 10)
        live = [r.split()[1] for r in call(s, put * a.live, a.live)]
        t0 = time.time(); peak = 0; ops = 0; samples = []
        while time.time() - t0 < a.duration:
            victims, live = live[:1000], live[1000:]
            call(s, b"".join(b"delete " + i + b"\r\n" for i in victims), len(victims))
            live += [r.split()[1] for r in call(s, put * len(victims), len(victims))]
            ops += 2 * len(victims)
            size = dir_size(d); peak = max(peak, size)
            samples.append(size)
        live_bytes = (a.live + 20) * a.size
        final = dir_size(d)
        print(f"{label}: {a.live + 20:,} live jobs of {a.size} B ({live_bytes / 2**20:.1f} MiB live); churned {ops:,} commands in {a.duration} s; "
              f"data dir at end {final / 2**20:.1f} MiB = {final / live_bytes:.1f}x live (peak {peak / 2**20:.1f} MiB = {peak / live_bytes:.1f}x)", flush=True)
    finally:
        p.send_signal(signal.SIGKILL); p.wait()
        shutil.rmtree(d, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--live", type=int, default=20000)
    ap.add_argument("--size", type=int, default=1000)
    ap.add_argument("--duration", type=int, default=60)
    ap.add_argument("--segment", type=int, default=1048576)
    ap.add_argument("--beanstalkd", action="store_true")
    a = ap.parse_args()
    run(a.binary, a, "QueueServer")
    if a.beanstalkd and shutil.which("beanstalkd"):
        run(shutil.which("beanstalkd"), a, "beanstalkd 1.12")


if __name__ == "__main__":
    main()
