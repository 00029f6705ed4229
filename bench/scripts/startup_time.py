#!/usr/bin/env python3
"""Time from exec of a server binary to its first reply on loopback (client test suites connect
~100 ms after spawning the server). Usage: startup_time.py BINARY [runs] [extra args...]"""
import os, socket, statistics, subprocess, sys, time

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def one(binary, extra):
    port = free_port()
    t0 = time.perf_counter()
    p = subprocess.Popen([binary, "-l", "127.0.0.1", "-p", str(port), *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        connected = None
        while time.perf_counter() - t0 < 10:
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                connected = time.perf_counter() - t0
                break
            except OSError:
                time.sleep(0.0005)
        s.sendall(b"list-tube-used\r\n")
        data = b""
        while not data.endswith(b"\r\n"):
            data += s.recv(100)
        replied = time.perf_counter() - t0
        s.close()
        assert data == b"USING default\r\n", data
        return connected * 1000, replied * 1000
    finally:
        p.kill(); p.wait()

def main():
    binary = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    extra = sys.argv[3:]
    results = [one(binary, extra) for _ in range(runs)]
    conn = [r[0] for r in results]; rep = [r[1] for r in results]
    print(f"{binary}: connect median {statistics.median(conn):.1f} ms; first reply median {statistics.median(rep):.1f} ms "
          f"(min {min(rep):.1f}, max {max(rep):.1f}, n={runs})")

if __name__ == "__main__":
    main()
