"""What a client sends before MicroPython accept()s its connection: the
client side of tests/micropython/fin_probe.py (run in the namespace of
consumer/netns-run, WEBREPL_HOST/WEBREPL_PORT: the probe's control port).

FIN_EXPECT says what this build must show, "at-once", "later" or "lost":
at-once  data and FIN are there right after accept() (the series + the
         patched modlwip: tcp_recv_keep keeps them, tcp_pass_kept passes them)
later    they come after lwIP's fast timer (the series with stock modlwip:
         the refused FIN is kept, passed again by the timer)
lost     data comes later, a FIN without data never (stock lwIP: a refused
         FIN is dropped)
Each wait waits for the other side (the kernel's TCP state of the client
socket: our FIN acknowledged; the probe's answer), GUARD only as the guard.
"""
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "e2e"))
from wrclient import GUARD, connect, run_tests  # noqa: E402

HOST = os.environ["WEBREPL_HOST"]
CTL = int(os.environ["WEBREPL_PORT"])
EXPECT = os.environ["FIN_EXPECT"]
TCP_FIN_WAIT2 = 5


def fin_acked(s):
    """until the peer (lwIP) has acknowledged our FIN"""
    deadline = time.monotonic() + GUARD
    while True:
        info = s.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
        if info[0] == TCP_FIN_WAIT2:
            return
        if time.monotonic() > deadline:
            raise AssertionError("our FIN was not acknowledged (TCP state %d)" % info[0])
        time.sleep(0.001)


def sent_before_accept(data):
    """connect, send data and FIN, have the probe accept: its two lines"""
    s = connect(HOST, CTL - 1)
    if data:
        # data and FIN in one segment: lwIP drops a segment that follows
        # data it keeps, so a FIN of its own would wait for accept()
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
        s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    fin_acked(s)
    c = connect(HOST, CTL)
    c.sendall(b"accept\n")
    out = b""
    while out.count(b"\n") < 2:
        d = c.recv(512)
        if not d:
            break
        out += d
    c.close()
    s.close()
    lines = out.decode().split("\n")
    assert len(lines) >= 2 and lines[0].startswith("at-once ") and lines[1].startswith("later "), out
    return lines[0].split()[1:], lines[1].split()[1:]


def test_fin_before_accept():
    now, later = sent_before_accept(b"")
    if EXPECT == "at-once":
        assert now == ["-", "eof"], now
    elif EXPECT == "later":
        assert now == ["-", "no-eof"] and later == ["-", "eof"], (now, later)
    else:
        assert now == ["-", "no-eof"] and later == ["-", "no-eof"], (now, later)


def test_data_and_fin_before_accept():
    hexdata = b"GET / HTTP/1.0\r\n\r\n".hex()
    now, later = sent_before_accept(bytes.fromhex(hexdata))
    if EXPECT == "at-once":
        assert now == [hexdata, "eof"], now
    else:
        # a FIN after refused data rides on that data in every build
        assert now == ["-", "no-eof"] and later == [hexdata, "eof"], (now, later)


if __name__ == "__main__":
    sys.exit(run_tests(globals(), ["test_fin_before_accept", "test_data_and_fin_before_accept"],
              os.environ.get("WEBREPL_TESTS"), []))
