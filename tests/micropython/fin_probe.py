# fin_probe: MicroPython (on modlwip) side of the test of what a client sent
# before accept().  Port PORT-1 holds connections that nobody accepts yet; a
# client that has sent its bytes and FIN (and seen them acknowledged) asks on
# the control port PORT (default 9001) with b"accept\n", and gets two lines
# back:
#
#   at-once DATA EOF    what recv() gave right after accept(), without
#                       servicing the link in between
#   later DATA EOF      what it gave once lwIP's TCP timers had run (two slow
#                       ticks, so four fast ones: anything lwIP still keeps
#                       for the socket has been passed again by then)
#
# DATA is the bytes received (hex, "-" for none), EOF is "eof" if recv()
# returned b'' (the client's FIN reached the socket) or "no-eof".
#
#   micropython fin_probe.py --tap tap0 --ip 192.0.2.2/24 [--port 9001]
# (MICROPYPATH=micropython/app, for netup)
import binascii
import socket
import tapnet
import netup


def drain(conn, got):
    """What recv() has now: (bytes so far, eof?)"""
    while True:
        try:
            data = conn.recv(512)
        except OSError:
            return got, False
        if not data:
            return got, True
        got += data


def line(when, got, eof):
    return "%s %s %s\n" % (when, binascii.hexlify(got).decode() or "-", "eof" if eof else "no-eof")


def probe(ctl, held):
    conn, _ = held.accept()
    conn.setblocking(False)
    got, eof = drain(conn, b"")
    ctl.write(line("at-once", got, eof))
    start = tapnet.tcp_ticks()
    while not eof and tapnet.tcp_ticks() - start < 2:
        tapnet.wait()
        got, eof = drain(conn, got)
    ctl.write(line("later", got, eof))
    conn.close()


requests = {}  # control connection -> what it sent so far


def on_control_data(ctl, held):
    try:
        data = ctl.recv(64)
    except OSError:
        return  # nothing yet
    got = requests.get(ctl, b"") + data
    if data and b"\n" not in got:
        requests[ctl] = got
        return
    # a whole line, or the end (e.g. the readiness probe, whose FIN stock
    # lwIP may have lost: such a connection just stays, idle)
    requests.pop(ctl, None)
    ctl.setsockopt(socket.SOL_SOCKET, netup.SO_CALLBACK, None)
    if got == b"accept\n":
        probe(ctl, held)
    ctl.close()


def on_control(ctl, held):
    requests[ctl] = b""
    ctl.setsockopt(socket.SOL_SOCKET, netup.SO_CALLBACK, lambda c: on_control_data(c, held))
    on_control_data(ctl, held)


def main():
    opts = netup.options({"tap": "tap0", "ip": "192.0.2.2/24", "port": "9001"})
    port = int(opts["port"])
    netup.up(opts["ip"], opts["tap"])
    held = socket.socket()
    held.bind(("0.0.0.0", port - 1))
    held.listen(8)
    # the control port is the one the readiness probe (await-server) opens
    netup.listen(port, lambda s: netup.accept_one(s, lambda c, a: on_control(c, held)))
    print("fin_probe: listening on", opts["ip"], "ports", port - 1, port)
    netup.serve_forever()


main()
