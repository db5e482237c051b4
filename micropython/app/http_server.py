# http_server: a small HTTP request/response server in MicroPython on
# modlwip: every request gets a short 200 response, then the server closes.
# What a MicroPython user's HTTP server does on a connection's first request.
#
#   micropython http_server.py --tap tap0 --ip 192.0.2.2/24 [--port 80]
import socket
import netup

RESPONSE = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n"
MAX_REQUEST = 4096

requests = {}  # connection -> the request head received so far


def finish(conn):
    requests.pop(conn, None)
    conn.close()


def on_data(conn):
    if conn not in requests:
        return
    try:
        data = conn.recv(1024)
    except OSError:
        return  # nothing yet
    if not data:
        finish(conn)  # the client closed before a whole request
        return
    head = requests[conn] + data
    if b"\r\n\r\n" in head:
        conn.write(RESPONSE)
        finish(conn)
    elif len(head) > MAX_REQUEST:
        conn.write(b"HTTP/1.0 431 Request Header Fields Too Large\r\n\r\n")
        finish(conn)
    else:
        requests[conn] = head


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
