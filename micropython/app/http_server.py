# http_server: a small HTTP request/response server in MicroPython on
# modlwip: every request gets a short 200 response (with its length), and
# the connection is closed once the client has closed it.  What a MicroPython
# user's HTTP server does on a connection's first request.  The client
# closes first so that lwIP keeps no TIME_WAIT pcb per request (2 minutes,
# during which a SYN from the same port is answered with an ACK, not taken).
#
#   micropython http_server.py --tap tap0 --ip 192.0.2.2/24 [--port 80]
import socket
import netup

RESPONSE = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n"

requests = {}  # connection -> the request head received so far
answered = set()  # connections answered, waiting for the client's close


def on_data(conn):
    if conn in answered:
        try:
            if conn.recv(512):
                return  # more from the client: not read
        except OSError:
            return  # nothing yet
        answered.discard(conn)
        conn.close()
    elif netup.request_head(conn, requests) is not None:
        conn.write(RESPONSE)
        answered.add(conn)


def on_connection(conn, addr):
    requests[conn] = b""
    conn.setsockopt(socket.SOL_SOCKET, netup.SO_CALLBACK, on_data)
    # what the client sent before accept() is there now (or comes later,
    # with a callback)
    on_data(conn)


def main():
    opts = netup.options({"tap": "tap0", "ip": "192.0.2.2/24", "port": "80"})
    netup.up(opts["ip"], opts["tap"])
    netup.listen(int(opts["port"]), lambda s: netup.accept_one(s, on_connection))
    print("http_server: listening on", opts["ip"], "port", opts["port"])
    netup.serve_forever()


main()
