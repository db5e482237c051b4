#!/usr/bin/env python3
"""End-to-end tests of the server's defences (issue 12) over a real TAP link.

Run inside the server's network namespace by consumer/netns-run (see
tests/e2e/run), like test_webrepl.py; same environment.  Clients that must
come from different addresses get extra addresses on the namespace's tap0
(192.0.2.0/24).  Every wait is for a signal from the server (its --stats
file, answers on the sockets), with a generous timeout only as a guard.
Prints one line per test and "e2e: N passed, N failed".
"""
import os
import select
import socket
import struct
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wrclient import CliLike, GUARD, Ws, SkipTest, recv_to_end, env_addr, run_tests, stats, PUT  # noqa: E402
from wrclient import wait_stats as wrclient_wait_stats  # noqa: E402

HOST, PORT = env_addr()
PASSWORD = os.environ["WEBREPL_PASSWORD"]
ROOT = os.environ["WEBREPL_ROOT"]
STATS = os.environ["WEBREPL_STATS"]
ONLY = os.environ.get("WEBREPL_TESTS", "")
notes = []


def add_address(ip):
    """Give the namespace's side of the link one more address."""
    subprocess.run(["ip", "addr", "replace", ip + "/24", "dev", "tap0"], check=True)


def del_address(ip):
    subprocess.run(["ip", "addr", "del", ip + "/24", "dev", "tap0"], check=True)


def wait_stats(pred, what):
    """Ask the server for statistics until pred(stats) holds."""
    return wrclient_wait_stats(STATS, pred, what)


def raw(source=None):
    return socket.create_connection((HOST, PORT), timeout=GUARD,
                                    source_address=(source, 0) if source else None)


def cli(source=None):
    return CliLike(HOST, PORT, source=source)


def logged_in_cli(source=None):
    c = cli(source)
    c.login(PASSWORD)
    got = c.text_until(b">>> ")
    assert b"WebREPL connected" in got, got
    return c


def fail_login(source):
    c = cli(source)
    c.login("not the password")
    assert b"Access denied" in c.text_until(b"Access denied")
    c.close()


def readable(sock):
    return bool(select.select([sock], [], [], 0)[0])


def close_frame(c):
    """The next close frame on a CliLike connection: (code, reason)."""
    while True:
        fl, data = c.frame()
        if fl == 0x88:
            return struct.unpack(">H", data[:2])[0], data[2:]


def masked_text(payload, key=b"\x12\x34\x56\x78"):
    """One masked text frame, as a browser sends it."""
    body = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
    return bytes([0x81, 0x80 | len(payload)]) + key + body


# ---------------------------------------------------------------- defect 1

def behind_two_failures():
    """Two failed logins from this address (its next check waits 200 ms),
    then a new connection at its prompt, sending a segment per send()."""
    for _ in range(2):
        fail_login(None)
    c = cli()
    c.text_until(b"Password: ")
    c.s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return c


def test_typing_password_after_failed_logins():
    # two failed logins from this address: the next check waits 200 ms; a
    # browser then sends the password one key per frame (here 2 ms apart):
    # every key must be taken, and the login must succeed
    c = behind_two_failures()
    for ch in (PASSWORD + "\r").encode():
        c.s.send(masked_text(bytes([ch])))
        time.sleep(0.002)   # the typing rhythm, not a readiness wait
    got = c.text_until(b">>> ")
    assert b"WebREPL connected" in got, got
    c.close()


def test_input_behind_held_check_kept():
    # what a client sends right behind its password while the check waits
    # (here 40 one-byte terminal frames) is kept, compacted, and reaches the
    # terminal after the login
    c = behind_two_failures()
    c.s.send(masked_text((PASSWORD + "\r").encode()))
    line = b"echo HELD$((6*7)) # ........................"
    assert len(line) >= 40
    for ch in line + b"\r":
        c.s.send(masked_text(bytes([ch])))
        time.sleep(0.002)   # one segment each, not a readiness wait
    got = c.text_until(b"HELD42")
    assert b"WebREPL connected" in got and b"HELD42" in got, got[-200:]
    c.close()


# ---------------------------------------------------------------- defect 2

def sole_503(socks):
    """Exactly one of socks was told 503 and closed (FIN); the rest nothing."""
    told = []
    for s in socks:
        if readable(s):
            data, how = recv_to_end(s)
            assert data.startswith(b"HTTP/1.1 503 ") and how == "FIN", (data[:40], how)
            told.append(s)
    assert len(told) == 1, "%d connections were told 503" % len(told)
    return told[0]


def test_silent_connections_do_not_lock_out():
    # 8 connections (two addresses, 4 each: the limit per address) that
    # never send their upgrade request fill the waiting slots; once they are
    # silent, a newcomer evicts the one silent longest (HTTP 503) and logs in
    for ip in ("192.0.2.11", "192.0.2.12"):
        add_address(ip)
    base = stats(STATS)
    silent = [raw(ip) for ip in ("192.0.2.11", "192.0.2.12") for _ in range(4)]
    wait_stats(lambda st: st["server.pending_silent"] >= 8, "8 silent connections")
    c = logged_in_cli()
    sole_503(silent)
    after = stats(STATS)
    assert after["server.evicted"] == base["server.evicted"] + 1, after
    c.close()
    for s in silent:
        s.close()


def test_silent_upgraded_connections_do_not_lock_out():
    # the same with 8 connections that upgraded and never send a password:
    # the evicted one gets a close frame 1013 with a reason
    for ip in ("192.0.2.11", "192.0.2.12"):
        add_address(ip)
    silent = []
    for ip in ("192.0.2.11", "192.0.2.12"):
        for _ in range(4):
            s = cli(ip)
            s.text_until(b"Password: ")
            silent.append(s)
    wait_stats(lambda st: st["server.pending_silent"] >= 8, "8 silent upgraded connections")
    c = logged_in_cli()
    told = [s for s in silent if readable(s.s)]
    assert len(told) == 1, "%d connections were told" % len(told)
    code, reason = close_frame(told[0])
    assert code == 1013 and b"busy" in reason, (code, reason)
    assert recv_to_end(told[0].s)[1] == "FIN"
    c.close()
    for s in silent:
        s.close()


def test_over_the_limit_per_address_told_503():
    # a fifth waiting connection from one address (limit 4): either it or
    # the oldest of the four (if already silent) is told 503, none gets a RST
    add_address("192.0.2.13")
    base = stats(STATS)
    socks = [raw("192.0.2.13") for _ in range(5)]
    wait_stats(lambda st: st["server.refused"] + st["server.evicted"]
               == base["server.refused"] + base["server.evicted"] + 1, "the fifth turned away")
    sole_503(socks)
    for s in socks:
        s.close()


# ---------------------------------------------------------------- defect 3

def test_login_delay_is_per_address():
    # an address that failed six times waits 3.2 s before its next check;
    # meanwhile another address logs in at once; a held password whose
    # client leaves is never checked
    attacker = "192.0.2.21"
    add_address(attacker)
    for _ in range(6):
        fail_login(attacker)
    x = cli(attacker)
    x.login("guess")
    wait_stats(lambda st: st["server.logins_held"] == 1, "the held check")
    checks = stats(STATS)["server.password_checks"]
    c = logged_in_cli()
    st = stats(STATS)
    assert st["server.password_checks"] == checks + 1, st
    assert st["server.logins_held"] == 1, "the other address waited for the attacker's delay"
    c.close()
    x.close()
    st = wait_stats(lambda st: st["server.logins_held"] == 0, "the held check dropped")
    assert st["server.password_checks"] == checks + 1, "a gone client's password was checked"


# ---------------------------------------------------------------- defect 4

def test_takeover_of_vanished_client_aborted():
    # a logged-in client vanishes without a FIN (its address is removed:
    # nothing answers for it any more); another logs in; the takeover notice
    # is never acknowledged, and the server aborts that connection after
    # --close-timeout instead of retransmitting for minutes
    ghost = "192.0.2.31"
    add_address(ghost)
    a = logged_in_cli(ghost)
    base = stats(STATS)
    del_address(ghost)
    b = logged_in_cli()
    st = wait_stats(lambda st: st["server.close_aborts"] > base["server.close_aborts"],
                    "the vanished client aborted")
    assert st["server.close_aborts"] == base["server.close_aborts"] + 1, st
    b.close()
    a.close()


# ---------------------------------------------------------------- defect 5

def test_terminal_restart_backoff():
    if os.environ.get("WEBREPL_EXEC_TRUE") != "1":
        raise SkipTest("needs the server with --exec true")
    w = Ws(HOST, PORT)
    w.login(PASSWORD)
    assert b"WebREPL connected" in w.text_until(b">>> ")
    st = wait_stats(lambda st: st["term.restarts"] >= 5, "five restarts")
    # everything sent before the pong has arrived with it
    w.ws.ping(b"barrier")
    text = b""
    while True:
        op, data = w.ws.recv_data(control_frame=True)
        if op == 0x1:
            text += data
        if op == 0xA and data == b"barrier":
            break
    told = text.count(b"[terminal program")
    assert 1 <= told <= 2, "told %d times: %r" % (told, text[-300:])
    assert st["term.backoff_ms"] >= 400, st
    notes.append("--exec true: %d restarts, told %d times, back-off %d ms"
                 % (st["term.restarts"], told, st["term.backoff_ms"]))
    w.close()


# ---------------------------------------------------------------- defect 6

def test_control_bytes_in_names_refused():
    c = logged_in_cli()
    for name in (b"\x01w.txt", b"esc\x1b[31m", b"two\nlines", b"del\x7f"):
        c.req(PUT, 1, name)
        assert c.resp() == 14, name   # FILES_CONTROL_CHAR, nothing to send
    names = os.listdir(ROOT)
    assert not [n for n in names if any(ord(ch) < 0x20 or ord(ch) == 0x7f for ch in n)], names
    assert len(c.get_ver()) == 3      # the session goes on
    assert c.put(b"plain.txt", b"ok") == 0
    c.close()


def main():
    tests = sorted(n for n, f in globals().items() if n.startswith("test_") and callable(f))
    return run_tests(globals(), tests, ONLY, notes)

if __name__ == "__main__":
    sys.exit(main())
