/*
 * http_upgrade.h - incremental, bounded parser of a client's HTTP/1.1
 * websocket upgrade request, and the server's answers (101, 200, 400,
 * 408, 503).
 *
 * Pure C99: no I/O, no allocation, no globals. The request head is copied
 * into the caller-owned struct http_req, so the caller may feed whatever its
 * transport delivers (a pbuf at a time, a byte at a time) and drop its own
 * buffers after each call. Each byte is looked at a bounded number of times,
 * so feeding byte by byte costs linear time.
 *
 * What is checked: the request line has the shape "METHOD SP TARGET SP
 * HTTP/d.d" (nothing of it is interpreted); every header line is
 * "name: value" with a non-empty token name, no white space before the colon,
 * and no control bytes; obsolete line folding is refused. Lines may end in
 * CRLF or a bare LF. Empty lines before the request line are skipped
 * (RFC 9112 section 2.2). Header names are compared case-insensitively.
 *
 * Only three headers matter: Upgrade (a comma-separated list that must hold
 * the token "websocket"), Connection (a comma-separated list that must hold
 * the token "upgrade") and Sec-WebSocket-Key (taken as is, any length: the
 * webrepl_cli.py client sends the literal "foo"). Sec-WebSocket-Version,
 * Sec-WebSocket-Extensions and Sec-WebSocket-Protocol are ignored: the
 * answer never offers an extension or a subprotocol.
 */
#ifndef CONSUMER_HTTP_UPGRADE_H
#define CONSUMER_HTTP_UPGRADE_H

#include <stddef.h>
#include <stdint.h>

/** Most bytes of a request head, request line to blank line inclusive. */
#define HTTP_REQ_MAX 4096

/** Exact length of the 101 answer written by http_upgrade_response(). */
#define HTTP_UPGRADE_RESPONSE_LEN 129

/** Outcome of http_req_feed(). */
enum http_result {
    /** Every byte was taken; the blank line has not been seen yet. */
    HTTP_INCOMPLETE = 0,
    /** Complete and a websocket upgrade: answer with the 101. */
    HTTP_UPGRADE,
    /** Complete and well formed, but not a websocket upgrade. */
    HTTP_NOT_UPGRADE,
    /** Malformed request: answer 400 and close. */
    HTTP_BAD,
    /** The head does not fit HTTP_REQ_MAX bytes: answer 400 and close. */
    HTTP_TOO_LARGE
};

/**
 * Parser state and results. Owned by the caller; initialise with
 * http_req_init(). key points into buf, so the struct must not be copied or
 * moved while key is in use.
 */
struct http_req {
    uint8_t buf[HTTP_REQ_MAX]; /**< copy of the head bytes received so far */
    size_t len;                /**< bytes used in buf */
    size_t line_start;         /**< offset in buf of the line being received */
    size_t lines;              /**< complete non-empty lines so far */
    enum http_result result;   /**< HTTP_INCOMPLETE until final */
    const char *key;           /**< Sec-WebSocket-Key value, or NULL */
    size_t key_len;            /**< its length (may be 0 if sent empty) */
    unsigned key_count;        /**< Sec-WebSocket-Key headers seen */
    int upgrade_websocket;     /**< an Upgrade header held "websocket" */
    int connection_upgrade;    /**< a Connection header held "upgrade" */
};

/** Prepare r for a new request. Cannot fail. */
void http_req_init(struct http_req *r);

/**
 * Append len bytes of the request.
 *
 * Returns HTTP_INCOMPLETE when all len bytes were taken and the blank line
 * that ends the head is still to come: call again with the next bytes.
 * Returns HTTP_UPGRADE when the head is complete and holds a non-empty
 * Sec-WebSocket-Key, Upgrade: websocket and a Connection list with
 * "upgrade": r->key and r->key_len then give the key for
 * http_upgrade_response(). Returns HTTP_NOT_UPGRADE for any other complete,
 * well formed request: answer http_plain_response() and close.
 * Returns HTTP_BAD for a malformed head (a control or NUL byte, a CR not
 * followed by LF, a header line without a colon, an empty or invalid header
 * name, white space before the colon, a folded continuation line, a bad
 * request line, or Sec-WebSocket-Key sent more than once), and
 * HTTP_TOO_LARGE when the head would need more than HTTP_REQ_MAX bytes: in
 * both cases answer http_error_response() and close.
 *
 * *consumed (may be NULL only if the caller never needs it) is set to the
 * number of bytes of this call that were taken. On HTTP_INCOMPLETE that is
 * len. On a complete request it runs up to and including the LF of the blank
 * line: bytes after it are websocket frames the client pipelined and stay
 * with the caller. On an error it is how far parsing got.
 *
 * Once a result other than HTTP_INCOMPLETE has been returned, later calls
 * take no bytes and return the same result until http_req_init().
 * data may be NULL when len is 0.
 */
enum http_result http_req_feed(struct http_req *r, const uint8_t *data,
                               size_t len, size_t *consumed);

/**
 * Write the "101 Switching Protocols" answer for a request's key:
 * "HTTP/1.1 101 Switching Protocols", "Upgrade: websocket",
 * "Connection: Upgrade", "Sec-WebSocket-Accept: " + base64(SHA-1(key +
 * the RFC 6455 GUID)), each line ending in CRLF, then an empty line.
 * No extension or subprotocol is ever offered.
 *
 * Returns the number of bytes written (HTTP_UPGRADE_RESPONSE_LEN), or 0 if
 * cap is smaller than that, key is NULL with key_len > 0, or the digest
 * fails; then nothing useful is in out. No NUL terminator is written.
 */
size_t http_upgrade_response(const char *key, size_t key_len, char *out,
                             size_t cap);

/**
 * Write an "HTTP/1.0 200 OK" text/html answer for a request that is not an
 * upgrade: a short page saying this is a WebREPL server to be used with a
 * WebREPL client, with Content-Length and "Connection: close". Send it and
 * close the connection.
 *
 * Returns the number of bytes written, or 0 if cap is too small (nothing
 * useful is in out then). No NUL terminator is written.
 */
size_t http_plain_response(char *out, size_t cap);

/**
 * Write an "HTTP/1.0 400 Bad Request" answer with a short text body,
 * Content-Length and "Connection: close", for HTTP_BAD and HTTP_TOO_LARGE.
 * Send it and close the connection.
 *
 * Returns the number of bytes written, or 0 if cap is too small.
 * No NUL terminator is written.
 */
size_t http_error_response(char *out, size_t cap);

/**
 * Write an "HTTP/1.1 503 Service Unavailable" answer (too many connections
 * are waiting; try again), with a short text body, Content-Length and
 * "Connection: close": for a connection the server turns away, whether its
 * request came or not. Returns the bytes written, or 0 if cap is too small.
 */
size_t http_busy_response(char *out, size_t cap);

/**
 * Write an "HTTP/1.1 408 Request Timeout" answer, like http_busy_response():
 * for a connection whose upgrade request did not come in time.
 */
size_t http_timeout_response(char *out, size_t cap);

#endif /* CONSUMER_HTTP_UPGRADE_H */
