"""MicroPython's own WebREPL (micropython/app/webrepl_server.py: its C
websocket and _webrepl modules, the REPL on os.dupterm) on lwIP, against the
end-to-end suite's clients (tests/e2e/wrclient.py): the webrepl_cli.py-like
client and python3-websocket.  Run in the namespace of consumer/netns-run
(WEBREPL_HOST, WEBREPL_PORT), with WEBREPL_PASSWORD and WEBREPL_ROOT (the
server's directory).  With WEBREPL_CLI=/path/to/webrepl_cli.py (MicroPython's
official client, which stays out of this repository) it also logs in, runs a
command, PUTs and GETs a file with that client.

Every wait is for the other side (a marker MicroPython's REPL prints, the
server's lwIP statistics read through the REPL); GUARD is only the guard.
"""
import os
import pty
import socket
import select
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from wrclient import GUARD, CliLike, SkipTest, Ws, env_addr, recv_to_end, run_tests  # noqa: E402

HOST, PORT = env_addr()
PASSWORD = os.environ["WEBREPL_PASSWORD"]
ROOT = os.environ["WEBREPL_ROOT"]
notes = []


def text(c, s):
    """type s on the REPL (a text frame, as the clients send keystrokes)"""
    data = s.encode()
    c.s.sendall(bytes([0x81, len(data)]) + data)


def end(sock):
    """close a session and wait until the server has closed it too: the
    server takes one session at a time, and rejects a client that comes
    while the previous one is still open"""
    sock.shutdown(socket.SHUT_WR)
    _, how = recv_to_end(sock)
    assert how in ("FIN", "RST"), how
    sock.close()


def session():
    c = CliLike(HOST, PORT)
    c.login(PASSWORD)
    out = c.text_until(b">>> ")
    assert b"WebREPL connected" in out, out
    return c


def repl(c, line, marker):
    """run a line on MicroPython's REPL; what it printed up to marker"""
    text(c, line + "\r")
    out = c.text_until(marker.encode())
    assert marker.encode() in out, out[-300:]
    c.text_until(b">>> ")
    return out


def lwip_stats(c):
    # the markers are computed: their echo does not match
    out = repl(c, "print('S'+'T:', *tapnet.stats(), 'E'+'ND')", "END")
    fields = out[out.rindex(b"ST: ") + 4:out.rindex(b" END")].split()
    return tuple(int(x) for x in fields)


def test_login_and_command():
    c = session()
    # computed, so the echo of the typed line does not match the marker
    repl(c, "print('R%d' % (6*7))", "R42")
    end(c.s)


def test_login_python3_websocket():
    w = Ws(HOST, PORT)
    w.login(PASSWORD)
    assert b"WebREPL connected" in w.text_until(b">>> ")
    w.send_text("print('W%d' % (6*7))\r")
    assert b"W42" in w.text_until(b"W42")
    end(w.ws.sock)


def test_get_ver():
    c = session()
    ver = c.get_ver()
    assert ver[:2] == (1, 26), ver
    end(c.s)


def test_put_get_identical():
    # small: each frame of the client (header and payload in two sends, Nagle
    # on, as webrepl_cli.py does) waits for lwIP's delayed ACK, i.e. for
    # lwIP's fast timer (250 ms, as MicroPython's ports have it)
    data = os.urandom(8 * 1024 + 7)
    c = session()
    t0 = time.time()
    assert c.put(b"mp.bin", data) == 0
    t1 = time.time()
    code, back = c.get(b"mp.bin")
    t2 = time.time()
    assert code == 0 and back == data, (code, len(back or b""))
    with open(os.path.join(ROOT, "mp.bin"), "rb") as f:
        assert f.read() == data
    notes.append("MicroPython speed (8 KB): PUT %.0f KB/s, GET %.0f KB/s"
                 % (len(data) / 1024 / (t1 - t0), len(data) / 1024 / (t2 - t1)))
    end(c.s)


def test_bad_password_then_good():
    c = CliLike(HOST, PORT)
    c.login(PASSWORD + "x")
    out = c.text_until(b"denied")
    assert b"Access denied" in out, out
    # MicroPython closes the session; the next client logs in
    assert recv_to_end(c.s)[1] == "FIN"
    c.close()
    end(session().s)


def test_concurrent_connection_rejected():
    a = session()
    b = CliLike(HOST, PORT)  # gets its 101 ...
    assert recv_to_end(b.s)[1] == "FIN"  # ... and is closed
    b.close()
    # the session goes on, and was told
    out = repl(a, "print('A%d' % (6*7))", "A42")
    assert b"Concurrent" in out, out
    end(a.s)


def test_no_leak_after_100_cycles():
    c = session()
    base = lwip_stats(c)
    end(c.s)
    for _ in range(100):
        c = CliLike(HOST, PORT)
        c.login(PASSWORD)
        c.text_until(b">>> ")
        end(c.s)
    c = session()
    # the last cycles' pcbs close as their FINs are answered: until then
    deadline = time.time() + GUARD
    now = lwip_stats(c)
    while now != base and time.time() < deadline:
        now = lwip_stats(c)
    assert now == base, (base, now)
    end(c.s)


def until_free():
    """until the server has ended the last session: it prompts again (a
    client that comes before is rejected after its 101)"""
    deadline = time.time() + GUARD
    while True:
        c = CliLike(HOST, PORT)
        try:
            if c.text_until(b"Password: ").endswith(b"Password: "):
                end(c.s)
                return
        except ConnectionError:
            pass
        c.close()
        assert time.time() < deadline, "the server keeps its last session"


def cli(*args):
    """run the official webrepl_cli.py for a file transfer (it closes its
    connection and exits: the server may not have seen that yet)"""
    cmd = [sys.executable, os.environ["WEBREPL_CLI"], "-p", PASSWORD] + list(args)
    r = subprocess.run(cmd, capture_output=True, timeout=GUARD)
    until_free()
    return r


def cli_repl(line, marker):
    """the official client's REPL mode (it wants a terminal: a pty): type
    line once its shell is there, leave with Ctrl-] once marker came"""
    env = dict(os.environ)
    env.pop("PYTHONUNBUFFERED", None)  # its REPL mode fails with it
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(sys.executable, [sys.executable, os.environ["WEBREPL_CLI"], "-p", PASSWORD, HOST], env)
    out = b""
    deadline = time.time() + GUARD
    try:
        # its login takes the first prompt; its shell says when it is there
        for want, send in ((b"Ctrl-]", line.encode() + b"\r"), (marker.encode(), b"\x1d")):
            while want not in out:
                if time.time() > deadline or not select.select([fd], [], [], GUARD)[0]:
                    raise AssertionError("webrepl_cli.py: no %r in %r" % (want, out[-300:]))
                out += os.read(fd, 4096)
            os.write(fd, send)
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(fd)
    return out, status


def test_official_webrepl_cli():
    if not os.environ.get("WEBREPL_CLI"):
        raise SkipTest("WEBREPL_CLI is not set (MicroPython's webrepl_cli.py, not in this repository)")
    data = os.urandom(4000)  # small: GET runs at about 1 KB/s (test_put_get_identical)
    src = os.path.join(ROOT, "..", "cli-src.bin")
    dst = os.path.join(ROOT, "..", "cli-dst.bin")
    with open(src, "wb") as f:
        f.write(data)
    r = cli(src, "%s:cli.bin" % HOST)
    assert r.returncode == 0, r.stdout[-300:] + r.stderr[-300:]
    r = cli("%s:cli.bin" % HOST, dst)
    assert r.returncode == 0, r.stdout[-300:] + r.stderr[-300:]
    with open(dst, "rb") as f:
        assert f.read() == data
    out, status = cli_repl("print('C%d' % (6*7))", "C42")
    assert status == 0, (status, out[-300:])


ORDER = ["test_login_and_command", "test_login_python3_websocket", "test_get_ver",
         "test_put_get_identical", "test_bad_password_then_good",
         "test_concurrent_connection_rejected", "test_no_leak_after_100_cycles",
         "test_official_webrepl_cli"]

if __name__ == "__main__":
    sys.exit(run_tests(globals(), ORDER, os.environ.get("WEBREPL_TESTS"), notes))
