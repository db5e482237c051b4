# webrepl_server: MicroPython's WebREPL on modlwip, served the way
# MicroPython serves it: its C modules websocket (frames) and _webrepl
# (password prompt, login, file transfer), the REPL on os.dupterm.  This
# file does the rest: the listener, the HTTP upgrade, one session at a time.
#
#   micropython -i webrepl_server.py --tap tap0 --ip 192.0.2.2/24
#       --password-file FILE [--port 8266] [--root DIR]
#
# Run it with -i: the script sets up the listener and the terminal and
# returns, and MicroPython's REPL then reads from the terminal, which waits
# (servicing the link) until a logged-in client types.
import binascii
import hashlib
import io
import os
import socket
import tapnet
import _webrepl
import websocket
import netup

WS_GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

# the connections in their HTTP upgrade: conn -> head received so far, and
# their peers' addresses
upgrading = {}
peers = {}
# the logged-in (or logging-in) session: (conn, _webrepl object) or None
session = None


def accept_key(key):
    """Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455, 4.2.2)."""
    return binascii.b2a_base64(hashlib.sha1(key + WS_GUID).digest())[:-1]


def upgrade_response(key):
    return (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: " + accept_key(key) + b"\r\n\r\n")


def header(head, name):
    """The value of header name (lower case, with its colon) in head; one
    search over the head, as this runs on every connection's first request"""
    i = head.lower().find(b"\r\n" + name)
    if i < 0:
        return None
    i += 2 + len(name)
    return head[i:head.find(b"\r\n", i)].strip()


def start_session(conn, key):
    global session
    conn.write(upgrade_response(key))
    # _webrepl writes the "Password: " prompt and takes the login
    session = (conn, _webrepl._webrepl(websocket.websocket(conn, True)))
    conn.setsockopt(socket.SOL_SOCKET, netup.SO_CALLBACK, None)


def on_upgrade_data(conn):
    head = netup.request_head(conn, upgrading)
    if head is None:
        if conn not in upgrading:
            peers.pop(conn, None)  # closed before a whole head came
        return
    key = header(head, b"sec-websocket-key:")
    peer = peers.pop(conn, "?")
    if key is None:
        # not an upgrade: what MicroPython answers a plain HTTP request
        conn.write(b"HTTP/1.0 200 OK\r\n\r\nThis is a WebREPL server (MicroPython on lwIP).\r\n")
        conn.close()
    elif session is not None:
        # as MicroPython does: the upgrade completes, the connection closes,
        # the session is told
        conn.write(upgrade_response(key))
        conn.close()
        print("\nConcurrent WebREPL connection from", peer, "rejected")
    else:
        start_session(conn, key)


def on_connection(conn, addr):
    upgrading[conn] = b""
    peers[conn] = "%s:%d" % addr
    conn.setsockopt(socket.SOL_SOCKET, netup.SO_CALLBACK, on_upgrade_data)
    # what the client sent before accept() is there now (or comes later,
    # with a callback)
    on_upgrade_data(conn)


def end_session():
    global session
    session[0].close()
    session = None


class Terminal(io.IOBase):
    """The REPL's terminal (os.dupterm): the session's _webrepl stream.
    read() waits, servicing the link, until the session has input; between
    sessions it waits for the next one."""

    def read(self, n):
        while True:
            if session is not None:
                try:
                    data = session[1].read(n)
                except OSError:
                    data = b""
                if data:
                    return data
                if data is not None:
                    end_session()  # the client has gone
                    continue
            try:
                tapnet.wait()
            except SystemExit:
                # the server is stopped: the REPL's terminal ends (and the
                # REPL with it, on the standard input's end)
                os.dupterm(None)
                return b""

    def readinto(self, buf):
        data = self.read(len(buf))
        buf[: len(data)] = data
        return len(data)

    def write(self, buf):
        if session is None:
            return len(buf)
        try:
            return session[1].write(buf)
        except OSError:
            end_session()
            return len(buf)


def main():
    opts = netup.options({"tap": "tap0", "ip": "192.0.2.2/24", "port": "8266",
                          "password-file": "", "root": ""})
    if not opts["password-file"]:
        print("webrepl_server: --password-file FILE is required (no default password)")
        raise SystemExit(2)
    try:
        with open(opts["password-file"]) as f:
            password = f.readline().rstrip("\r\n")
    except OSError as e:
        print("webrepl_server: cannot read the password file:", opts["password-file"], e)
        raise SystemExit(2)
    try:
        _webrepl.password(password)
    except ValueError:
        print("webrepl_server: the password must be at most 9 characters (MicroPython's _webrepl)")
        raise SystemExit(2)
    if opts["root"]:
        os.chdir(opts["root"])
    netup.up(opts["ip"], opts["tap"])
    netup.listen(int(opts["port"]), lambda s: netup.accept_one(s, on_connection))
    print("webrepl_server: listening on", opts["ip"], "port", opts["port"])
    os.dupterm(Terminal())


main()
