# netup: what MicroPython's servers here share: the command line, the TAP
# link (tapnet), a listening socket whose accept handler runs as a socket
# callback (modlwip schedules it from lwIP's accept callback), and the
# main loop.
import socket
import sys
import tapnet

# modlwip's socket option for a callback run on every event of a socket
# (as MicroPython's own webrepl.py uses it)
SO_CALLBACK = 20


def options(defaults):
    """--name value pairs from sys.argv over the defaults (all strings)."""
    opts = dict(defaults)
    args = sys.argv[1:]
    i = 0
    while i < len(args):
        name = args[i][2:]
        if not args[i].startswith("--") or name not in opts or i + 1 >= len(args):
            print("usage:", sys.argv[0], " ".join("--%s %s" % (k, v or "VALUE") for k, v in defaults.items()))
            raise SystemExit(2)
        opts[name] = args[i + 1]
        i += 2
    return opts


def up(cidr, tap):
    """Start lwIP on the TAP interface tap with the address cidr (a.b.c.d/n)."""
    addr, _, bits = cidr.partition("/")
    bits = int(bits or "24")
    mask = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF
    tapnet.up(tap, addr, ".".join(str((mask >> s) & 0xFF) for s in (24, 16, 8, 0)))


def listen(port, on_accept, backlog=64):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(backlog)
    s.setblocking(False)
    s.setsockopt(socket.SOL_SOCKET, SO_CALLBACK, on_accept)
    return s


def accept_one(listener, handle):
    """Accept the connection this callback is for.  modlwip schedules the
    listener's callback once per connection (the variant's scheduler holds
    a burst's worth); a second accept() would find none, and modlwip's
    non-blocking accept() waits once for the link before it says so."""
    try:
        conn, addr = listener.accept()
    except OSError:
        return  # gone before it was accepted
    conn.setblocking(False)
    # no Nagle: a reply in two writes (a 101, then _webrepl's prompt) goes
    # out at once, not after the client's ACK of the first (as the
    # reference C server does it)
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    handle(conn, addr)


def request_head(conn, heads, limit=4096):
    """Read what conn has; once the whole HTTP request head has come, return
    it (and drop conn from heads, which holds each connection's head so far),
    else None.  A connection that closes first, or sends more than limit
    bytes without a whole head (answered 431), is closed and dropped."""
    if conn not in heads:
        return None
    try:
        data = conn.recv(1024)
    except OSError:
        return None  # nothing yet
    head = heads[conn] + data
    if b"\r\n\r\n" in head:
        del heads[conn]
        return head
    if data and len(head) <= limit:
        heads[conn] = head
        return None
    if data:
        conn.write(b"HTTP/1.0 431 Request Header Fields Too Large\r\n\r\n")
    del heads[conn]
    conn.close()
    return None


def serve_forever():
    """Sleep on the link; socket callbacks run as each wait returns."""
    while True:
        tapnet.wait()
