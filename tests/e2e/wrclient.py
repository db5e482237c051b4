"""WebREPL clients for the end-to-end tests.

CliLike speaks the protocol over a plain socket exactly the way MicroPython's
webrepl_cli.py does on the wire: unmasked binary frames, each frame's header
and payload written with two separate send() calls, Nagle left on, GET
stop-and-wait with one 1-byte request per chunk.  (Written for these tests;
the behaviour was read off webrepl_cli.py, no code was taken from it.)

Ws wraps python3-websocket (Debian's websocket-client) for a standard,
masking client.

Every connection of a run comes from its own source port (connect()): lwIP
keeps a connection it closed first in TIME_WAIT for 2 MSL (2 minutes) and
answers a new SYN on the same four-tuple with an ACK instead of accepting
it, so a reused port would hang that connect (see README, "connection
churn").  Every wait has GUARD seconds as its failure guard, never as the
expected time.
"""
import os
import socket
import struct
import time
import traceback

import websocket

GUARD = 120.0  # seconds: failure guard of every wait; far above any real wait

REQ = "<2sBBQLH64s"
PUT, GET, VER = 1, 2, 3


def _first_source_port():
    """The first port of this run's range: below the kernel's ephemeral range
    (which the netns-run readiness probe and Chromium use)."""
    with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
        low = int(f.read().split()[0])
    if low < 12000:
        raise RuntimeError("ephemeral ports start at %d: no room for the test's own" % low)
    return 10000


_next_port = [None]


def connect(host, port, timeout=GUARD, source=None):
    """A TCP connection from a source port that no other connection of this
    process has used (one process per server run), from address source if
    given."""
    if _next_port[0] is None:
        _next_port[0] = _first_source_port()
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(timeout)
    s.bind((source or "0.0.0.0", _next_port[0]))
    _next_port[0] += 1
    s.connect((host, port))
    return s


class CliLike:
    def __init__(self, host, port, timeout=GUARD, source=None):
        self.s = connect(host, port, timeout, source)
        self.buf = b""
        self.s.sendall(b"GET / HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\n"
                       b"Upgrade: websocket\r\nSec-WebSocket-Key: foo\r\n\r\n" % host.encode())
        head = b""
        while b"\r\n\r\n" not in head:
            d = self.s.recv(1)
            if not d:
                raise ConnectionError("closed during handshake")
            head += d
        if not head.startswith(b"HTTP/1.1 101"):
            raise ConnectionError("no 101: %r" % head)

    # --- frames, the webrepl_cli.py way ---
    def write(self, data):
        n = len(data)
        hdr = struct.pack(">BB", 0x82, n) if n < 126 else struct.pack(">BBH", 0x82, 126, n)
        self.s.send(hdr)
        self.s.send(data)

    def _exactly(self, n):
        out = b""
        while len(out) < n:
            d = self.s.recv(n - len(out))
            if not d:
                raise ConnectionError("closed")
            out += d
        return out

    def frame(self):
        """Next frame: (opcode byte, payload)."""
        fl, n = struct.unpack(">BB", self._exactly(2))
        if n == 126:
            (n,) = struct.unpack(">H", self._exactly(2))
        elif n == 127:
            (n,) = struct.unpack(">Q", self._exactly(8))
        return fl, self._exactly(n)

    def read(self, size, text_ok=False):
        while not self.buf:
            fl, data = self.frame()
            if fl == 0x82 or (text_ok and fl == 0x81):
                self.buf = data
        d, self.buf = self.buf[:size], self.buf[size:]
        return d

    def text_until(self, marker, limit=65536):
        got = b""
        while marker not in got:
            fl, data = self.frame()
            if fl == 0x81:
                got += data
            if len(got) > limit:
                break
        return got

    # --- WebREPL ---
    def login(self, password):
        prompt = self.text_until(b"Password: ")
        assert prompt.endswith(b"Password: "), prompt
        self.write(password.encode() + b"\r")

    def resp(self):
        sig, code = struct.unpack("<2sH", self.read(4))
        assert sig == b"WB", sig
        return code

    def req(self, op, size=0, name=b"", split=True):
        rec = struct.pack(REQ, b"WA", op, 0, 0, size, len(name), name)
        if split:
            self.write(rec[:10])
            self.write(rec[10:])
        else:
            self.write(rec)

    def get_ver(self):
        self.req(VER, split=False)
        return struct.unpack("<BBB", self.read(3))

    def put(self, name, data):
        self.req(PUT, len(data), name)
        code = self.resp()
        if code != 0:
            return code
        for i in range(0, len(data), 1024):
            self.write(data[i:i + 1024])
        return self.resp()

    def get(self, name):
        self.req(GET, 0, name, split=False)
        code = self.resp()
        if code != 0:
            return code, None
        out = bytearray()
        while True:
            self.write(b"\0")
            (n,) = struct.unpack("<H", self.read(2))
            if n == 0:
                break
            out += self.read(n)
        return self.resp(), bytes(out)

    def close(self):
        self.s.close()


class Ws:
    """A masking client (python3-websocket)."""

    def __init__(self, host, port, timeout=GUARD):
        self.ws = websocket.create_connection("ws://%s:%d/" % (host, port), timeout=timeout,
                                              socket=connect(host, port, timeout))

    def text_until(self, marker, limit=1 << 20):
        got = b""
        while marker not in got and len(got) < limit:
            op, data = self.ws.recv_data(control_frame=False)
            if op == websocket.ABNF.OPCODE_TEXT:
                got += data
        return got

    def login(self, password):
        assert self.text_until(b"Password: ").endswith(b"Password: ")
        self.ws.send(password + "\r")

    def send_text(self, s):
        self.ws.send(s)

    def close(self):
        self.ws.close()


def env_addr():
    return os.environ.get("WEBREPL_HOST", "192.0.2.2"), int(os.environ.get("WEBREPL_PORT", "8266"))


def stats(path):
    """Ask the server for a statistics snapshot and read it.  The server
    writes the file by rename, so its appearance is the signal."""
    pid = int(os.environ["WEBREPL_SERVER_PID"])
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
    os.kill(pid, 10)  # SIGUSR1
    deadline = time.monotonic() + GUARD
    while not os.path.exists(path):
        if time.monotonic() > deadline:
            raise AssertionError("no statistics from the server in %.0f s" % GUARD)
        time.sleep(0.01)
    out = {}
    with open(path) as f:
        for line in f:
            k, v = line.split()
            out[k] = int(v)
    return out


def wait_stats(path, pred, what):
    """Snapshots until pred(snapshot) holds; the last one.  Fails after
    GUARD seconds with `what` and the last snapshot."""
    deadline = time.monotonic() + GUARD
    while True:
        st = stats(path)
        if pred(st):
            return st
        if time.monotonic() > deadline:
            raise AssertionError("%s: not reached in %.0f s (last %r)" % (what, GUARD, st))
        time.sleep(0.02)


class SkipTest(Exception):
    """A test that cannot run against this server (says why)."""


def run_tests(namespace, order, only, notes):
    """Run the test functions named in order (from namespace), those in only
    (a comma-separated list) if it is set; print a line per test, the notes,
    and "e2e: N passed, N failed".  Returns the exit status."""
    passed = failed = 0
    for name in order:
        if only and name not in only.split(","):
            continue
        t0 = time.time()
        try:
            namespace[name]()
            passed += 1
            print("ok   - %s (%.2fs)" % (name, time.time() - t0), flush=True)
        except SkipTest as e:
            print("skip - %s: %s" % (name, e), flush=True)
        except Exception as e:  # noqa: BLE001
            failed += 1
            print("FAIL - %s: %s" % (name, e), flush=True)
            traceback.print_exc(limit=3)
    for n in notes:
        print("note - " + n)
    print("e2e: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


def recv_to_end(sock):
    """Read until the peer closes; (data, how): how is FIN, RST or timeout."""
    out = b""
    try:
        while True:
            d = sock.recv(4096)
            if not d:
                return out, "FIN"
            out += d
    except ConnectionResetError:
        return out, "RST"
    except socket.timeout:
        return out, "timeout"
