#!/usr/bin/env python3
"""Memory per idle connection: RSS of a server before and after N idle clients (each has sent one
command and read its reply, then sits idle). Usage: idle_connections.py BINARY [N] [extra args]"""
import resource, socket, subprocess, sys, time

def rss(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return -1

def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close(); return p

def main():
    binary = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    extra = sys.argv[3:]
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    port = free_port()
    p = subprocess.Popen([binary, "-l", "127.0.0.1", "-p", str(port), *extra], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(500):
            try:
                socket.create_connection(("127.0.0.1", port)).close(); break
            except OSError:
                time.sleep(0.01)
        # warm up the code paths once, then measure the baseline
        warm = [socket.create_connection(("127.0.0.1", port)) for _ in range(100)]
        for s in warm:
            s.sendall(b"list-tube-used\r\n"); s.recv(64)
        for s in warm: s.close()
        time.sleep(1.0)
        base = rss(p.pid)
        conns = []
        for i in range(n):
            s = socket.create_connection(("127.0.0.1", port))
            s.sendall(b"list-tube-used\r\n")
            conns.append(s)
        for s in conns:
            assert s.recv(64) == b"USING default\r\n"
        time.sleep(2.0)
        after = rss(p.pid)
        per = (after - base) / n
        print(f"{binary}: {n} idle connections: RSS {base/2**20:.1f} MiB -> {after/2**20:.1f} MiB, "
              f"{per:.0f} bytes per idle connection")
        for s in conns: s.close()
    finally:
        p.kill(); p.wait()

if __name__ == "__main__":
    main()
