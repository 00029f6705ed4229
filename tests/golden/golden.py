#!/usr/bin/env python3
"""Record and verify golden beanstalkd protocol conversations.

Usage:
    python3 tests/golden/golden.py record [--server PATH] [-j N] [files...]
    python3 tests/golden/golden.py verify [--server PATH] [-j N] [files...]

`record` starts a fresh server per file (127.0.0.1, free port), replays the
non-recv steps and rewrites the file with freshly recorded `recv`/`eof` lines.
`verify` does the same in memory and compares against the committed lines
after normalisation; it prints PASS/FAIL per file and exits 1 on any failure.

Standard library only. See README.md in this directory for the file format.
"""

import argparse
import atexit
import concurrent.futures
import difflib
import errno
import os
import re
import select
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CONV_DIR = os.path.join(HERE, "conversations")

# a collection ends after this much silence (override for robustness tests only)
QUIET_MS = int(os.environ.get("GOLDEN_QUIET_MS", "150"))
# verify only: how much longer a step may wait for a committed reply that has
# not (fully) arrived yet; never changes what is compared
GUIDED_MAX_MS = 3000
SENDBYTES_GAP_MS = 2    # pause between single-byte writes of `sendbytes`
RUN_LENGTH_MIN = 16     # writer: runs of >= this many identical bytes use "c"*N
MAX_SLEEP_TOTAL_MS = 3000

# --------------------------------------------------------------------------
# String expressions:  "abc\r\n" + "x"*223 + "\r\n"
# --------------------------------------------------------------------------

_SIMPLE_ESC = {"r": 13, "n": 10, "t": 9, "\\": 92, '"': 34, "0": 0}
_ESC_OUT = {13: "\\r", 10: "\\n", 9: "\\t", 92: "\\\\", 34: '\\"', 0: "\\0"}


class ParseError(Exception):
    pass


def parse_expr(text):
    """Parse a string expression; returns bytes. Raises ParseError."""
    out = bytearray()
    i, n = 0, len(text)

    def skip_ws(i):
        while i < n and text[i] in " \t":
            i += 1
        return i

    i = skip_ws(i)
    if i >= n:
        raise ParseError("missing string")
    while True:
        if i >= n or text[i] != '"':
            raise ParseError("expected '\"' at column %d" % (i + 1))
        i += 1
        lit = bytearray()
        while True:
            if i >= n:
                raise ParseError("unterminated string")
            ch = text[i]
            if ch == '"':
                i += 1
                break
            if ch == "\\":
                if i + 1 >= n:
                    raise ParseError("dangling backslash")
                e = text[i + 1]
                if e in _SIMPLE_ESC:
                    lit.append(_SIMPLE_ESC[e])
                    i += 2
                elif e == "x":
                    h = text[i + 2:i + 4]
                    if len(h) != 2 or not re.fullmatch(r"[0-9A-Fa-f]{2}", h):
                        raise ParseError("bad \\x escape")
                    lit.append(int(h, 16))
                    i += 4
                else:
                    raise ParseError("unknown escape \\%s" % e)
            else:
                o = ord(ch)
                if o < 0x20 or o >= 0x7F:
                    raise ParseError("raw control/non-ASCII char in string; use an escape")
                lit.append(o)
                i += 1
        i = skip_ws(i)
        count = 1
        if i < n and text[i] == "*":
            i = skip_ws(i + 1)
            m = re.match(r"[0-9]+", text[i:])
            if not m:
                raise ParseError("expected repeat count after '*'")
            count = int(m.group(0))
            i = skip_ws(i + len(m.group(0)))
        out += bytes(lit) * count
        if i >= n:
            return bytes(out)
        if text[i] != "+":
            raise ParseError("expected '+' or end of line at column %d" % (i + 1))
        i = skip_ws(i + 1)


def _quote(chunk):
    s = ['"']
    for b in chunk:
        if b in _ESC_OUT:
            s.append(_ESC_OUT[b])
        elif b < 0x20 or b >= 0x7F:
            s.append("\\x%02x" % b)
        else:
            s.append(chr(b))
    s.append('"')
    return "".join(s)


def format_expr(data):
    """Render bytes as a string expression (runs >= 16 as "c"*N)."""
    if not data:
        return '""'
    parts = []
    lit = bytearray()
    i, n = 0, len(data)
    while i < n:
        j = i
        while j < n and data[j] == data[i]:
            j += 1
        run = j - i
        if run >= RUN_LENGTH_MIN:
            if lit:
                parts.append(_quote(lit))
                lit = bytearray()
            parts.append("%s*%d" % (_quote(data[i:i + 1]), run))
        else:
            lit += data[i:j]
        i = j
    if lit:
        parts.append(_quote(lit))
    return " + ".join(parts)


# --------------------------------------------------------------------------
# Conversation files
# --------------------------------------------------------------------------

class Step:
    __slots__ = ("kind", "conn", "data", "ms", "raw", "lineno")

    def __init__(self, kind, raw, lineno, conn=None, data=None, ms=None):
        self.kind, self.raw, self.lineno = kind, raw, lineno
        self.conn, self.data, self.ms = conn, data, ms


COLLECTING = ("send", "sendbytes", "shutdown", "sleep")
_CONN_RE = r"([A-Z])"


def parse_conv(text, path="<conv>"):
    """Returns (args list, list of Step). Non-step lines are Step(kind='text')."""
    steps = []
    args = []
    seen_step = False
    for lineno, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r")
        s = line.strip()
        where = "%s:%d" % (path, lineno)
        if not s or s.startswith("#"):
            steps.append(Step("text", line, lineno))
            continue
        # Documented deviations of QueueServer (docs/compatibility.md): `deviation:` explains,
        # `ours X "..."` gives our bytes in place of the recv before it. Kept verbatim, never run.
        if re.fullmatch(r"deviation:.*", s) or re.fullmatch(r"ours\s+" + _CONN_RE + r"\s+.*", s):
            steps.append(Step("text", line, lineno))
            continue
        m = re.fullmatch(r"args:(.*)", s)
        if m:
            if seen_step:
                raise ParseError("%s: args: must come before the first step" % where)
            args = m.group(1).split()
            for a in args:
                if a.startswith(("-l", "-p", "-b")):
                    raise ParseError("%s: -l/-p/-b are not allowed in args:" % where)
            steps.append(Step("args", line, lineno))
            continue
        seen_step = True
        m = re.fullmatch(r"(connect|shutdown|close|eof)\s+" + _CONN_RE, s)
        if m:
            steps.append(Step(m.group(1), line, lineno, conn=m.group(2)))
            continue
        m = re.fullmatch(r"(send|sendbytes|recv)\s+" + _CONN_RE + r"\s+(.*)", s)
        if m:
            try:
                data = parse_expr(m.group(3))
            except ParseError as e:
                raise ParseError("%s: %s" % (where, e))
            if m.group(1) != "recv" and not data:
                raise ParseError("%s: empty %s" % (where, m.group(1)))
            steps.append(Step(m.group(1), line, lineno, conn=m.group(2), data=data))
            continue
        m = re.fullmatch(r"sleep\s+([0-9]+)", s)
        if m:
            steps.append(Step("sleep", line, lineno, ms=int(m.group(1))))
            continue
        raise ParseError("%s: cannot parse line: %r" % (where, line))
    # validate connection usage
    live = set()
    known = set()
    for st in steps:
        if st.kind == "connect":
            if st.conn in live:
                raise ParseError("%s:%d: %s already connected" % (path, st.lineno, st.conn))
            live.add(st.conn)
            known.add(st.conn)
        elif st.kind in ("send", "sendbytes", "shutdown", "close", "recv", "eof"):
            if st.conn not in known:
                raise ParseError("%s:%d: unknown connection %s" % (path, st.lineno, st.conn))
            if st.kind == "close":
                live.discard(st.conn)
    total_sleep = sum(st.ms for st in steps if st.kind == "sleep")
    if total_sleep > MAX_SLEEP_TOTAL_MS:
        raise ParseError("%s: total sleep %d ms exceeds %d ms" % (path, total_sleep, MAX_SLEEP_TOTAL_MS))
    return args, steps


# --------------------------------------------------------------------------
# Server management
# --------------------------------------------------------------------------

_port_lock = threading.Lock()
_ports_used = set()
_live_servers = set()   # Server objects not yet killed (killed at exit too)


def _kill_live_servers():
    for srv in list(_live_servers):
        srv.kill()


atexit.register(_kill_live_servers)


def _free_port():
    with _port_lock:
        for _ in range(100):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
            s.close()
            if port not in _ports_used:
                _ports_used.add(port)
                return port
    raise RuntimeError("no free port")


def _listening_inode(port):
    """Inode of a LISTEN socket on 127.0.0.1:port, from /proc/net/tcp."""
    want = "0100007F:%04X" % port
    try:
        with open("/proc/net/tcp") as f:
            next(f)
            for line in f:
                parts = line.split()
                if parts[1] == want and parts[3] == "0A":
                    return parts[9]
    except OSError:
        return None
    return None


def _pid_has_inode(pid, inode):
    try:
        for fd in os.listdir("/proc/%d/fd" % pid):
            try:
                if os.readlink("/proc/%d/fd/%s" % (pid, fd)) == "socket:[%s]" % inode:
                    return True
            except OSError:
                pass
    except OSError:
        return False
    return False


class Server:
    """A beanstalkd child process that we started and will kill by PID."""

    def __init__(self, binary, args):
        last_err = None
        for _attempt in range(5):
            self.port = _free_port()
            cmd = [binary, "-l", "127.0.0.1", "-p", str(self.port)] + list(args)
            try:
                self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                             stdout=subprocess.DEVNULL,
                                             stderr=subprocess.DEVNULL)
            except OSError as e:
                raise RuntimeError("cannot start %s: %s" % (binary, e))
            _live_servers.add(self)
            if self._wait_listening():
                return
            last_err = "server did not come up on port %d" % self.port
            self.kill()
        raise RuntimeError(last_err)

    def _wait_listening(self, timeout=5.0):
        deadline = time.monotonic() + timeout
        proc_ok = os.path.isdir("/proc/%d" % self.proc.pid)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if proc_ok:
                inode = _listening_inode(self.port)
                if inode and _pid_has_inode(self.proc.pid, inode):
                    return True
            else:  # no /proc: give it a moment (connect step retries anyway)
                time.sleep(0.3)
                return self.proc.poll() is None
            time.sleep(0.005)
        return False

    def kill(self):
        _live_servers.discard(self)
        if self.proc.poll() is None:
            try:
                os.kill(self.proc.pid, 9)
            except ProcessLookupError:
                pass
        self.proc.wait()


# --------------------------------------------------------------------------
# Recording
# --------------------------------------------------------------------------

class Conn:
    def __init__(self, name, sock):
        self.name = name
        self.sock = sock
        self.readable = True     # until the server's EOF / reset
        self.client_closed = False
        self.buf = bytearray()   # bytes received during the current step
        self.eof_now = False     # the server closed it during the current step
        self.reset = False


def _connect(port, timeout=5.0):
    deadline = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            s.connect(("127.0.0.1", port))
            s.setblocking(False)
            return s
        except ConnectionRefusedError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.01)


class Recorder:
    def __init__(self, port):
        self.port = port
        self.conns = {}      # name -> Conn (insertion order = first connect order)
        self.order = []      # names in order of their first connect

    def _open(self):
        return [c for c in self.conns.values() if c.readable and not c.client_closed]

    def _drain_once(self, timeout):
        """Wait up to timeout seconds for input; returns True if any byte/eof arrived."""
        conns = self._open()
        if not conns:
            if timeout > 0:
                time.sleep(timeout)
            return False
        r, _, _ = select.select([c.sock for c in conns], [], [], max(0.0, timeout))
        got = False
        for c in conns:
            if c.sock not in r:
                continue
            try:
                data = c.sock.recv(65536)
            except BlockingIOError:
                continue
            except ConnectionResetError:
                data = b""
                c.reset = True
            if data:
                c.buf += data
            else:
                c.readable = False
                c.eof_now = True
            got = True
        return got

    def collect(self, min_ms, expect=None):
        """Collect input until min_ms have passed and QUIET_MS of silence.

        With `expect` (verify mode: {conn: (bytes, eof_expected)} from the
        committed file) the collection also keeps going, up to GUIDED_MAX_MS
        longer, while an expected reply has not fully arrived, so that a
        briefly stalled server (loaded machine) does not cause a false FAIL.
        """
        start = time.monotonic()
        min_end = start + min_ms / 1000.0
        hard_end = min_end + GUIDED_MAX_MS / 1000.0
        last = start
        while True:
            now = time.monotonic()
            end = max(min_end, last + QUIET_MS / 1000.0)
            if now >= end:
                if not expect or now >= hard_end or self._satisfied(expect):
                    return
                wait = min(0.02, hard_end - now)
            else:
                wait = end - now
            if self._drain_once(wait):
                last = time.monotonic()

    def _satisfied(self, expect):
        for name, (data, want_eof) in expect.items():
            c = self.conns.get(name)
            if c is None:
                continue
            got = bytes(c.buf)
            if data and normalize(got) != normalize(data) and len(got) < len(data) + 16:
                return False  # still (possibly) arriving
            if want_eof and not c.eof_now and c.readable and not c.client_closed:
                return False
        return True

    def take_output(self):
        lines = []
        for name in self.order:
            c = self.conns[name]
            if c.buf:
                lines.append("recv %s %s" % (name, format_expr(bytes(c.buf))))
                c.buf = bytearray()
            if c.eof_now:
                lines.append("eof %s" % name)
                c.eof_now = False
        return lines

    def _send(self, c, data):
        c.sock.setblocking(True)
        c.sock.settimeout(10)
        try:
            c.sock.sendall(data)
        finally:
            c.sock.setblocking(False)

    def run_step(self, st, expect=None):
        """Execute one step. Returns list of recorded lines for collecting steps."""
        k = st.kind
        if k == "connect":
            if st.conn not in self.conns:
                self.order.append(st.conn)
            self.conns[st.conn] = Conn(st.conn, _connect(self.port))
            return []
        c = self.conns.get(st.conn) if st.conn else None
        if k == "send":
            self._send(c, st.data)
            self.collect(0, expect)
        elif k == "sendbytes":
            for i in range(len(st.data)):
                self._send(c, st.data[i:i + 1])
                gap_end = time.monotonic() + SENDBYTES_GAP_MS / 1000.0
                while True:
                    left = gap_end - time.monotonic()
                    if left <= 0:
                        break
                    self._drain_once(left)
            self.collect(0, expect)
        elif k == "shutdown":
            c.sock.shutdown(socket.SHUT_WR)
            self.collect(0, expect)
        elif k == "sleep":
            self.collect(st.ms, expect)
        elif k == "close":
            try:
                c.sock.close()
            finally:
                c.client_closed = True
            return []
        else:
            raise RuntimeError("not an action step: %s" % k)
        return self.take_output()

    def close_all(self):
        for c in self.conns.values():
            if not c.client_closed:
                try:
                    c.sock.close()
                except OSError:
                    pass
                c.client_closed = True


def _expectations(steps):
    """For each action step index: {conn: (expected bytes, eof expected)} from
    the recv/eof lines that follow it in the committed file."""
    out = {}
    for i, st in enumerate(steps):
        if st.kind not in COLLECTING:
            continue
        exp = {}
        for nxt in steps[i + 1:]:
            if nxt.kind == "text":
                continue
            if nxt.kind == "recv":
                data, eof = exp.get(nxt.conn, (b"", False))
                exp[nxt.conn] = (data + nxt.data, eof)
            elif nxt.kind == "eof":
                data, _ = exp.get(nxt.conn, (b"", False))
                exp[nxt.conn] = (data, True)
            else:
                break
        out[i] = exp
    return out


def record_file(path, binary, guided=False):
    """Returns (new_text, warnings). guided=True: use the file's committed
    recv/eof lines only to decide how long to wait (verify mode)."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    args, steps = parse_conv(text, path)
    expectations = _expectations(steps) if guided else {}
    warnings = []
    out = []
    server = Server(binary, args)
    try:
        rec = Recorder(server.port)
        for i, st in enumerate(steps):
            if st.kind in ("recv", "eof"):
                continue  # recorded output: regenerated
            out.append(st.raw)
            if st.kind in ("text", "args"):
                continue
            out.extend(rec.run_step(st, expectations.get(i)))
        # anything still pending at the end of the file?
        rec.collect(0)
        tail = rec.take_output()
        if tail:
            warnings.append("output arrived after the last step; add a sleep step")
            out.extend(tail)
        rec.close_all()
    finally:
        server.kill()
    # keep trailing blank lines tidy: exactly one final newline
    while out and out[-1].strip() == "":
        out.pop()
    return "\n".join(out) + "\n", warnings


# --------------------------------------------------------------------------
# Normalisation and comparison
# --------------------------------------------------------------------------

VOLATILE_ALWAYS = {"pid", "version", "rusage-utime", "rusage-stime", "uptime",
                   "hostname", "os", "platform"}
# `id` is the random instance id only in the global `stats` payload (which is
# recognised by its `pid:` key); in stats-job it is the job id and is compared.
_YAML_RE = re.compile(rb"OK ([0-9]+)\r\n(---\n[^\r]*)\r\n")


def _norm_payload(payload):
    lines = payload.split(b"\n")
    keys = {ln.split(b":", 1)[0] for ln in lines if b":" in ln}
    volatile = {k.encode() for k in VOLATILE_ALWAYS}
    if b"pid" in keys:
        volatile.add(b"id")
    changed = False
    out = []
    for ln in lines:
        k = ln.split(b":", 1)[0] if b": " in ln else None
        if k is not None and k in volatile:
            out.append(k + b": *")
            changed = True
        else:
            out.append(ln)
    return b"\n".join(out), changed


def normalize(data):
    def sub(m):
        payload, changed = _norm_payload(m.group(2))
        n = b"*" if changed else m.group(1)
        return b"OK " + n + b"\r\n" + payload + b"\r\n"
    return _YAML_RE.sub(sub, data)


def _comparable(text, path):
    """Lines of a conversation with recv strings normalised."""
    _args, steps = parse_conv(text, path)
    out = []
    for st in steps:
        if st.kind == "text":
            continue  # comments / blank lines are not compared
        if st.kind == "recv":
            out.append("recv %s %s" % (st.conn, format_expr(normalize(st.data))))
        else:
            out.append(st.raw.strip())
    return out


def verify_file(path, binary):
    with open(path, encoding="utf-8") as f:
        old = f.read()
    new, warnings = record_file(path, binary, guided=True)
    a = _comparable(old, path)
    b = _comparable(new, path)
    if a == b:
        return True, "", warnings
    diff = "\n".join(difflib.unified_diff(a, b, "committed", "recorded", lineterm="", n=2))
    return False, diff, warnings


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------

def _files(given):
    if given:
        return given
    return sorted(os.path.join(CONV_DIR, f) for f in os.listdir(CONV_DIR)
                  if f.endswith(".conv"))


def main(argv=None):
    ap = argparse.ArgumentParser(description="record/verify golden beanstalkd conversations")
    ap.add_argument("mode", choices=["record", "verify"])
    ap.add_argument("files", nargs="*", help="conversation files (default: all)")
    ap.add_argument("--server", "-b", default="beanstalkd", help="server binary (default: beanstalkd)")
    ap.add_argument("-j", "--jobs", type=int, default=8, help="files run in parallel (default 8)")
    ap.add_argument("-q", "--quiet", action="store_true", help="only print failures and the summary")
    opts = ap.parse_intermixed_args(argv)

    files = _files(opts.files)
    if not files:
        print("no conversation files found", file=sys.stderr)
        return 2
    t0 = time.monotonic()
    failures = 0
    lock = threading.Lock()

    def work(path):
        name = os.path.relpath(path)
        try:
            if opts.mode == "record":
                new, warnings = record_file(path, opts.server)
                with open(path, "w", encoding="utf-8") as f:
                    f.write(new)
                return name, True, "", warnings
            ok, diff, warnings = verify_file(path, opts.server)
            return name, ok, diff, warnings
        except Exception as e:  # report and keep going
            return name, False, "ERROR: %s: %s" % (type(e).__name__, e), []

    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, opts.jobs)) as ex:
        for name, ok, diff, warnings in ex.map(work, files):
            with lock:
                tag = ("RECORDED" if ok else "ERROR") if opts.mode == "record" else ("PASS" if ok else "FAIL")
                if not ok:
                    failures += 1
                if not ok or not opts.quiet:
                    print("%-8s %s" % (tag, name))
                for w in warnings:
                    print("  warning: %s" % w)
                if diff:
                    print("\n".join("    " + ln for ln in diff.split("\n")))
    dt = time.monotonic() - t0
    print("%s: %d file(s), %d failed, %.1f s" % (opts.mode, len(files), failures, dt))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
