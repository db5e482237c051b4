/*
 * http_upgrade.c - incremental HTTP upgrade request parser and answers.
 * See http_upgrade.h for the contract.
 *
 * Each byte is checked as it arrives (control bytes, CR not followed by LF)
 * and stored; a line is examined once, when its LF arrives. line_start marks
 * the line being received, so a byte-at-a-time client costs linear time.
 */
#include "http_upgrade.h"

#include <string.h>

#include <mbedtls/base64.h>
#include <mbedtls/sha1.h>
#include <mbedtls/version.h>

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define SHA1_LEN 20
#define ACCEPT_LEN 28

static int is_ows(uint8_t c)
{
    return c == ' ' || c == '\t';
}

/* A byte that may never appear on a request line or header line. */
static int is_forbidden(uint8_t c)
{
    return (c < 0x20 && c != '\t' && c != '\r' && c != '\n') || c == 0x7f;
}

/* RFC 9110 tchar: the bytes of a method or a header name. */
static int is_tchar(uint8_t c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
        (c >= 'A' && c <= 'Z'))
        return 1;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static uint8_t to_lower(uint8_t c)
{
    return (c >= 'A' && c <= 'Z') ? (uint8_t)(c - 'A' + 'a') : c;
}

/* Case-insensitive equality of p[0..n) with a lower-case literal. */
static int equals_lower(const uint8_t *p, size_t n, const char *lower)
{
    size_t i;

    if (strlen(lower) != n)
        return 0;
    for (i = 0; i < n; i++) {
        if (to_lower(p[i]) != (uint8_t)lower[i])
            return 0;
    }
    return 1;
}

/* Does the comma-separated list p[0..n) hold token (case-insensitive)? */
static int list_has_token(const uint8_t *p, size_t n, const char *lower)
{
    size_t i = 0;

    while (i < n) {
        size_t start, end;

        while (i < n && (is_ows(p[i]) || p[i] == ','))
            i++;
        start = i;
        while (i < n && p[i] != ',')
            i++;
        end = i;
        while (end > start && is_ows(p[end - 1]))
            end--;
        if (end > start && equals_lower(p + start, end - start, lower))
            return 1;
    }
    return 0;
}

/* "METHOD SP TARGET SP HTTP/d.d", nothing else. */
static int request_line_ok(const uint8_t *p, size_t n)
{
    size_t i = 0, start;

    start = i;
    while (i < n && is_tchar(p[i]))
        i++;
    if (i == start || i == n || p[i] != ' ')
        return 0;
    i++;
    start = i;
    while (i < n && p[i] > ' ' && p[i] != 0x7f)
        i++;
    if (i == start || i == n || p[i] != ' ')
        return 0;
    i++;
    if (n - i != 8 || memcmp(p + i, "HTTP/", 5) != 0)
        return 0;
    return p[i + 5] >= '0' && p[i + 5] <= '9' && p[i + 6] == '.' &&
           p[i + 7] >= '0' && p[i + 7] <= '9';
}

/* One "name: value" line, without its line end. */
static enum http_result header_line(struct http_req *r, size_t start,
                                    size_t end)
{
    const uint8_t *p = r->buf;
    size_t colon = start, vs, ve;

    if (is_ows(p[start]))
        return HTTP_BAD; /* obsolete line folding */
    while (colon < end && is_tchar(p[colon]))
        colon++;
    if (colon == start || colon == end || p[colon] != ':')
        return HTTP_BAD; /* empty or invalid name, no colon, space before it */
    vs = colon + 1;
    ve = end;
    while (vs < ve && is_ows(p[vs]))
        vs++;
    while (ve > vs && is_ows(p[ve - 1]))
        ve--;

    if (equals_lower(p + start, colon - start, "sec-websocket-key")) {
        r->key_count++;
        r->key = (const char *)(p + vs);
        r->key_len = ve - vs;
    } else if (equals_lower(p + start, colon - start, "upgrade")) {
        if (list_has_token(p + vs, ve - vs, "websocket"))
            r->upgrade_websocket = 1;
    } else if (equals_lower(p + start, colon - start, "connection")) {
        if (list_has_token(p + vs, ve - vs, "upgrade"))
            r->connection_upgrade = 1;
    }
    return HTTP_INCOMPLETE;
}

/* The head is complete: decide what it was. */
static enum http_result head_done(const struct http_req *r)
{
    if (r->key_count > 1)
        return HTTP_BAD;
    if (r->key_count == 1 && r->key_len > 0 && r->upgrade_websocket &&
        r->connection_upgrade)
        return HTTP_UPGRADE;
    return HTTP_NOT_UPGRADE;
}

/* A line buf[start..end) has arrived (line end stripped). */
static enum http_result line_done(struct http_req *r, size_t start,
                                  size_t end)
{
    if (start == end) {
        if (r->lines == 0)
            return HTTP_INCOMPLETE; /* empty line before the request line */
        return head_done(r);
    }
    r->lines++;
    if (r->lines == 1)
        return request_line_ok(r->buf + start, end - start) ? HTTP_INCOMPLETE
                                                            : HTTP_BAD;
    return header_line(r, start, end);
}

void http_req_init(struct http_req *r)
{
    memset(r, 0, sizeof(*r));
    r->result = HTTP_INCOMPLETE;
    r->key = NULL;
}

enum http_result http_req_feed(struct http_req *r, const uint8_t *data,
                               size_t len, size_t *consumed)
{
    size_t i;
    enum http_result res = r->result;

    if (res != HTTP_INCOMPLETE) {
        if (consumed != NULL)
            *consumed = 0;
        return res;
    }
    for (i = 0; i < len && res == HTTP_INCOMPLETE; i++) {
        uint8_t c = data[i];
        int after_cr = r->len > r->line_start && r->buf[r->len - 1] == '\r';

        if (r->len == HTTP_REQ_MAX) {
            res = HTTP_TOO_LARGE;
            break;
        }
        r->buf[r->len++] = c;
        if (is_forbidden(c) || (after_cr && c != '\n')) {
            res = HTTP_BAD;
        } else if (c == '\n') {
            size_t end = r->len - 1;

            if (after_cr)
                end--;
            res = line_done(r, r->line_start, end);
            r->line_start = r->len;
        }
    }
    r->result = res;
    if (consumed != NULL)
        *consumed = i;
    return res;
}

/* Bounded writer used by the answers. */
struct out_buf {
    char *p;
    size_t cap;
    size_t len;
    int overflow;
};

static void put_bytes(struct out_buf *o, const char *s, size_t n)
{
    if (o->overflow || n > o->cap - o->len) {
        o->overflow = 1;
        return;
    }
    memcpy(o->p + o->len, s, n);
    o->len += n;
}

static void put_str(struct out_buf *o, const char *s)
{
    put_bytes(o, s, strlen(s));
}

static void put_dec(struct out_buf *o, size_t v)
{
    char tmp[24];
    size_t n = sizeof(tmp);

    do {
        tmp[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put_bytes(o, tmp + n, sizeof(tmp) - n);
}

static size_t put_done(const struct out_buf *o)
{
    return o->overflow ? 0 : o->len;
}

/* SHA-1 over key + GUID, across mbedTLS 2.x and 3.x names. */
static int accept_digest(const char *key, size_t key_len,
                         unsigned char digest[SHA1_LEN])
{
    mbedtls_sha1_context ctx;
    int rc;

    mbedtls_sha1_init(&ctx);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    rc = mbedtls_sha1_starts(&ctx);
    if (rc == 0)
        rc = mbedtls_sha1_update(&ctx, (const unsigned char *)key, key_len);
    if (rc == 0)
        rc = mbedtls_sha1_update(&ctx, (const unsigned char *)WS_GUID,
                                 sizeof(WS_GUID) - 1);
    if (rc == 0)
        rc = mbedtls_sha1_finish(&ctx, digest);
#else
    rc = mbedtls_sha1_starts_ret(&ctx);
    if (rc == 0)
        rc = mbedtls_sha1_update_ret(&ctx, (const unsigned char *)key,
                                     key_len);
    if (rc == 0)
        rc = mbedtls_sha1_update_ret(&ctx, (const unsigned char *)WS_GUID,
                                     sizeof(WS_GUID) - 1);
    if (rc == 0)
        rc = mbedtls_sha1_finish_ret(&ctx, digest);
#endif
    mbedtls_sha1_free(&ctx);
    return rc;
}

size_t http_upgrade_response(const char *key, size_t key_len, char *out,
                             size_t cap)
{
    unsigned char digest[SHA1_LEN];
    unsigned char accept[ACCEPT_LEN + 1]; /* mbedTLS adds a NUL */
    size_t accept_len = 0;
    struct out_buf o;

    if (key == NULL && key_len > 0)
        return 0;
    if (cap < HTTP_UPGRADE_RESPONSE_LEN)
        return 0;
    if (accept_digest(key != NULL ? key : "", key_len, digest) != 0)
        return 0;
    if (mbedtls_base64_encode(accept, sizeof(accept), &accept_len, digest,
                              sizeof(digest)) != 0 ||
        accept_len != ACCEPT_LEN)
        return 0;

    o.p = out;
    o.cap = cap;
    o.len = 0;
    o.overflow = 0;
    put_str(&o, "HTTP/1.1 101 Switching Protocols\r\n"
                "Upgrade: websocket\r\n"
                "Connection: Upgrade\r\n"
                "Sec-WebSocket-Accept: ");
    put_bytes(&o, (const char *)accept, ACCEPT_LEN);
    put_str(&o, "\r\n\r\n");
    return put_done(&o);
}

/* Status line, headers with Content-Length, blank line, body. */
static size_t simple_response(const char *status_line, const char *type,
                              const char *body, char *out, size_t cap)
{
    struct out_buf o;

    o.p = out;
    o.cap = cap;
    o.len = 0;
    o.overflow = 0;
    put_str(&o, status_line);
    put_str(&o, "\r\nContent-Type: ");
    put_str(&o, type);
    put_str(&o, "\r\nContent-Length: ");
    put_dec(&o, strlen(body));
    put_str(&o, "\r\nConnection: close\r\n\r\n");
    put_str(&o, body);
    return put_done(&o);
}

size_t http_plain_response(char *out, size_t cap)
{
    return simple_response(
        "HTTP/1.0 200 OK", "text/html; charset=utf-8",
        "<!DOCTYPE html>\n"
        "<html><head><title>WebREPL</title></head><body>\n"
        "<p>This is a WebREPL server. It speaks the WebREPL protocol over a "
        "websocket: connect with a WebREPL client (webrepl.html or "
        "webrepl_cli.py).</p>\n"
        "</body></html>\n",
        out, cap);
}

size_t http_busy_response(char *out, size_t cap)
{
    return simple_response("HTTP/1.1 503 Service Unavailable",
                           "text/plain; charset=utf-8",
                           "Busy: too many connections are waiting to log "
                           "in. Try again.\n",
                           out, cap);
}

size_t http_timeout_response(char *out, size_t cap)
{
    return simple_response("HTTP/1.1 408 Request Timeout",
                           "text/plain; charset=utf-8",
                           "Timeout: no websocket upgrade request came.\n",
                           out, cap);
}

size_t http_error_response(char *out, size_t cap)
{
    return simple_response("HTTP/1.0 400 Bad Request",
                           "text/plain; charset=utf-8",
                           "Bad request: expected a websocket upgrade for "
                           "WebREPL.\n",
                           out, cap);
}
