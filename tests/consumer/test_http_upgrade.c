/*
 * test_http_upgrade.c - Check tests of consumer/proto/http_upgrade.[ch].
 *
 * Every request is copied to the end of a readable page followed by a
 * PROT_NONE page before it is fed, so a read past the bytes handed to the
 * parser faults even without sanitizers.
 */
#include <check.h>

#include "testutil.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "proto/http_upgrade.h"

/* ---- helpers ---------------------------------------------------------- */

/* n bytes placed so that the byte after them is in a PROT_NONE page. */
struct guarded {
    uint8_t *map;
    size_t map_len;
    uint8_t *data;
    size_t len;
};

static struct guarded guard_copy(const void *src, size_t n)
{
    struct guarded g;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t pages = (n + page - 1) / page + 1;
    void *m;

    m = mmap(NULL, pages * page, PROT_READ | PROT_WRITE,
             MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert_msg(m != MAP_FAILED, "mmap failed");
    g.map = m;
    g.map_len = pages * page;
    ck_assert_int_eq(mprotect(g.map + (pages - 1) * page, page, PROT_NONE), 0);
    g.data = g.map + (pages - 1) * page - n;
    g.len = n;
    if (n > 0)
        memcpy(g.data, src, n);
    return g;
}

static void guard_free(struct guarded *g)
{
    munmap(g->map, g->map_len);
}

/* Feed s (NUL-terminated) in one call, through a guard page. */
static enum http_result feed_str(struct http_req *r, const char *s,
                                 size_t *consumed)
{
    struct guarded g = guard_copy(s, strlen(s));
    enum http_result res = http_req_feed(r, g.data, g.len, consumed);

    guard_free(&g);
    return res;
}

static enum http_result parse_str(struct http_req *r, const char *s)
{
    size_t consumed = 0;

    http_req_init(r);
    return feed_str(r, s, &consumed);
}

/* Small deterministic PRNG (xorshift32) for chunk sizes. */

/*
 * Feed s in chunks (each chunk its own guard-page copy): chunk sizes are 1
 * when step is 1, random 1..max_chunk when rng is given. Returns the final
 * result and the total consumed.
 */
static enum http_result feed_chunked(struct http_req *r, const char *s,
                                     uint32_t *rng, size_t max_chunk,
                                     size_t *total)
{
    size_t len = strlen(s), off = 0;
    enum http_result res = HTTP_INCOMPLETE;

    http_req_init(r);
    *total = 0;
    while (off < len) {
        size_t n = rng != NULL ? 1 + rng_next(rng) % max_chunk : 1;
        size_t consumed = 0;
        struct guarded g;

        if (n > len - off)
            n = len - off;
        g = guard_copy(s + off, n);
        res = http_req_feed(r, g.data, g.len, &consumed);
        guard_free(&g);
        *total += consumed;
        if (res != HTTP_INCOMPLETE)
            return res;
        ck_assert_uint_eq(consumed, n);
        off += n;
    }
    return res;
}

static void assert_key(const struct http_req *r, const char *key)
{
    ck_assert_ptr_nonnull(r->key);
    ck_assert_uint_eq(r->key_len, strlen(key));
    ck_assert_mem_eq(r->key, key, r->key_len);
}

/* ---- requests --------------------------------------------------------- */

static const char cli_request[] =
    "GET / HTTP/1.1\r\n"
    "Host: echo.websocket.org\r\n"
    "Connection: Upgrade\r\n"
    "Upgrade: websocket\r\n"
    "Sec-WebSocket-Key: foo\r\n"
    "\r\n";

static const char chrome_request[] =
    "GET / HTTP/1.1\r\n"
    "Host: 192.168.4.1:8266\r\n"
    "Connection: Upgrade\r\n"
    "Pragma: no-cache\r\n"
    "Cache-Control: no-cache\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, "
    "like Gecko) Chrome/120.0.0.0 Safari/537.36\r\n"
    "Upgrade: websocket\r\n"
    "Origin: http://micropython.org\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Accept-Encoding: gzip, deflate, br\r\n"
    "Accept-Language: en-US,en;q=0.9,de;q=0.8\r\n"
    "Sec-WebSocket-Key: x3JJHMbDL1EzLkh9GBhXDw==\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
    "\r\n";

static const char firefox_request[] =
    "GET /ws HTTP/1.1\r\n"
    "Host: 10.0.0.2:8266\r\n"
    "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 "
    "Firefox/121.0\r\n"
    "Accept: */*\r\n"
    "Sec-WebSocket-Version: 13\r\n"
    "Origin: null\r\n"
    "Sec-WebSocket-Extensions: permessage-deflate\r\n"
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
    "Connection: keep-alive, Upgrade\r\n"
    "Upgrade: websocket\r\n"
    "\r\n";

static const char plain_request[] =
    "GET /index.html HTTP/1.1\r\n"
    "Host: 10.0.0.2:8266\r\n"
    "Accept: text/html\r\n"
    "\r\n";

static const char *const sample_requests[] = {
    cli_request, chrome_request, firefox_request, plain_request};
static const enum http_result sample_results[] = {
    HTTP_UPGRADE, HTTP_UPGRADE, HTTP_UPGRADE, HTTP_NOT_UPGRADE};
#define N_SAMPLES (sizeof(sample_requests) / sizeof(sample_requests[0]))

/* ---- the 101 answer --------------------------------------------------- */

/** RFC 6455 section 1.3 vector, and the exact bytes of the whole answer. */
START_TEST(test_accept_rfc6455_vector)
{
    static const char expect[] =
        "HTTP/1.1 101 Switching Protocols\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
        "\r\n";
    char out[256];
    const char *key = "dGhlIHNhbXBsZSBub25jZQ==";
    size_t n = http_upgrade_response(key, strlen(key), out, sizeof(out));

    ck_assert_uint_eq(n, sizeof(expect) - 1);
    ck_assert_uint_eq(n, HTTP_UPGRADE_RESPONSE_LEN);
    ck_assert_mem_eq(out, expect, n);
}
END_TEST

/** webrepl_cli.py's literal key "foo" (checked with python3 hashlib). */
START_TEST(test_accept_cli_key_foo)
{
    static const char expect[] =
        "Sec-WebSocket-Accept: BM0S0+ghftShuFVHQATK/DBiJq8=\r\n\r\n";
    char out[HTTP_UPGRADE_RESPONSE_LEN];
    size_t n = http_upgrade_response("foo", 3, out, sizeof(out));

    ck_assert_uint_eq(n, HTTP_UPGRADE_RESPONSE_LEN);
    ck_assert_mem_eq(out + n - (sizeof(expect) - 1), expect,
                     sizeof(expect) - 1);
}
END_TEST

/** The key is exactly key_len bytes: later bytes do not count. */
START_TEST(test_accept_uses_key_len)
{
    char a[HTTP_UPGRADE_RESPONSE_LEN], b[HTTP_UPGRADE_RESPONSE_LEN];

    ck_assert_uint_eq(http_upgrade_response("foobar", 3, a, sizeof(a)),
                      HTTP_UPGRADE_RESPONSE_LEN);
    ck_assert_uint_eq(http_upgrade_response("foo", 3, b, sizeof(b)),
                      HTTP_UPGRADE_RESPONSE_LEN);
    ck_assert_mem_eq(a, b, sizeof(a));
}
END_TEST

/** cap one short gives 0; NULL key with a length gives 0; never an
 *  extension or protocol header. */
START_TEST(test_accept_cap_and_no_extension)
{
    char out[512];
    size_t n;

    ck_assert_uint_eq(http_upgrade_response("foo", 3, out,
                                            HTTP_UPGRADE_RESPONSE_LEN - 1),
                      0);
    ck_assert_uint_eq(http_upgrade_response(NULL, 3, out, sizeof(out)), 0);
    n = http_upgrade_response("x3JJHMbDL1EzLkh9GBhXDw==", 24, out,
                              sizeof(out) - 1);
    ck_assert_uint_eq(n, HTTP_UPGRADE_RESPONSE_LEN);
    out[n] = '\0';
    ck_assert_ptr_null(strstr(out, "Extensions"));
    ck_assert_ptr_null(strstr(out, "deflate"));
    ck_assert_ptr_null(strstr(out, "Protocol:"));
    ck_assert_ptr_nonnull(
        strstr(out, "Sec-WebSocket-Accept: HSmrc0sMlYUkAGmm5OPpG2HaGWk=\r\n"));
}
END_TEST

/* ---- whole requests --------------------------------------------------- */

/** webrepl_cli.py's request: an upgrade with key "foo", all consumed. */
START_TEST(test_request_webrepl_cli)
{
    struct http_req r;
    size_t consumed = 0;

    http_req_init(&r);
    ck_assert_int_eq(feed_str(&r, cli_request, &consumed), HTTP_UPGRADE);
    ck_assert_uint_eq(consumed, strlen(cli_request));
    assert_key(&r, "foo");
}
END_TEST

/** A Chrome request offering permessage-deflate is an upgrade. */
START_TEST(test_request_chrome)
{
    struct http_req r;
    size_t consumed = 0;

    http_req_init(&r);
    ck_assert_int_eq(feed_str(&r, chrome_request, &consumed), HTTP_UPGRADE);
    ck_assert_uint_eq(consumed, strlen(chrome_request));
    assert_key(&r, "x3JJHMbDL1EzLkh9GBhXDw==");
}
END_TEST

/** Firefox's "Connection: keep-alive, Upgrade" is an upgrade. */
START_TEST(test_request_firefox_connection_list)
{
    struct http_req r;

    ck_assert_int_eq(parse_str(&r, firefox_request), HTTP_UPGRADE);
    assert_key(&r, "dGhlIHNhbXBsZSBub25jZQ==");
}
END_TEST

/** Header names and the Upgrade/Connection tokens ignore case. */
START_TEST(test_request_case_insensitive)
{
    struct http_req r;

    ck_assert_int_eq(parse_str(&r, "GET / HTTP/1.1\r\n"
                                   "UPGRADE: WebSocket\r\n"
                                   "connection: UPGRADE\r\n"
                                   "sec-websocket-key: abc\r\n\r\n"),
                     HTTP_UPGRADE);
    assert_key(&r, "abc");
    ck_assert_int_eq(parse_str(&r, "GET / HTTP/1.1\r\n"
                                   "uPgRaDe: websocket\r\n"
                                   "CONNECTION: keep-alive, upgrade\r\n"
                                   "SEC-WEBSOCKET-KEY: abc\r\n\r\n"),
                     HTTP_UPGRADE);
}
END_TEST

/** Connection is a comma list: the token may be anywhere, with or without
 *  white space; a longer word containing it does not count. */
START_TEST(test_request_connection_tokens)
{
    static const char *const yes[] = {
        "Upgrade", "keep-alive, Upgrade", "keep-alive,upgrade",
        "Upgrade , keep-alive", ",, upgrade ,", "close,\tupgrade\t"};
    static const char *const no[] = {"keep-alive", "upgraded", "up grade",
                                     "keep-alive upgrade", ""};
    char req[256];
    struct http_req r;
    size_t i;

    for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        snprintf(req, sizeof(req),
                 "GET / HTTP/1.1\r\nUpgrade: websocket\r\n"
                 "Connection: %s\r\nSec-WebSocket-Key: k\r\n\r\n",
                 yes[i]);
        ck_assert_msg(parse_str(&r, req) == HTTP_UPGRADE, "'%s'", yes[i]);
    }
    for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
        snprintf(req, sizeof(req),
                 "GET / HTTP/1.1\r\nUpgrade: websocket\r\n"
                 "Connection: %s\r\nSec-WebSocket-Key: k\r\n\r\n",
                 no[i]);
        ck_assert_msg(parse_str(&r, req) == HTTP_NOT_UPGRADE, "'%s'", no[i]);
    }
    /* Two Connection headers: either may hold the token. */
    ck_assert_int_eq(parse_str(&r, "GET / HTTP/1.1\r\nConnection: keep-alive"
                                   "\r\nUpgrade: websocket\r\nConnection: "
                                   "Upgrade\r\nSec-WebSocket-Key: k\r\n\r\n"),
                     HTTP_UPGRADE);
}
END_TEST

/** Upgrade must name websocket; Upgrade may be a list too. */
START_TEST(test_request_upgrade_tokens)
{
    struct http_req r;

    ck_assert_int_eq(parse_str(&r, "GET / HTTP/1.1\r\nUpgrade: h2c\r\n"
                                   "Connection: Upgrade\r\n"
                                   "Sec-WebSocket-Key: k\r\n\r\n"),
                     HTTP_NOT_UPGRADE);
    ck_assert_int_eq(parse_str(&r, "GET / HTTP/1.1\r\nUpgrade: h2c, "
                                   "WEBSOCKET\r\nConnection: Upgrade\r\n"
                                   "Sec-WebSocket-Key: k\r\n\r\n"),
                     HTTP_UPGRADE);
    ck_assert_int_eq(parse_str(&r, "GET / HTTP/1.1\r\nUpgrade: websockets\r\n"
                                   "Connection: Upgrade\r\n"
                                   "Sec-WebSocket-Key: k\r\n\r\n"),
                     HTTP_NOT_UPGRADE);
}
END_TEST

/** Without key, Upgrade or Connection, or with an empty key: not an
 *  upgrade. A plain browser GET is not an upgrade. */
START_TEST(test_request_not_upgrade)
{
    struct http_req r;

    ck_assert_int_eq(parse_str(&r, plain_request), HTTP_NOT_UPGRADE);
    ck_assert_ptr_null(r.key);
    ck_assert_int_eq(parse_str(&r, "GET / HTTP/1.1\r\nUpgrade: websocket\r\n"
                                   "Connection: Upgrade\r\n\r\n"),
                     HTTP_NOT_UPGRADE);
    ck_assert_int_eq(parse_str(&r, "GET / HTTP/1.1\r\nConnection: Upgrade\r\n"
                                   "Sec-WebSocket-Key: k\r\n\r\n"),
                     HTTP_NOT_UPGRADE);
    ck_assert_int_eq(parse_str(&r, "GET / HTTP/1.1\r\nUpgrade: websocket\r\n"
                                   "Sec-WebSocket-Key: k\r\n\r\n"),
                     HTTP_NOT_UPGRADE);
    ck_assert_int_eq(parse_str(&r, "GET / HTTP/1.1\r\nUpgrade: websocket\r\n"
                                   "Connection: Upgrade\r\n"
                                   "Sec-WebSocket-Key:   \r\n\r\n"),
                     HTTP_NOT_UPGRADE);
    ck_assert_int_eq(parse_str(&r, "GET / HTTP/1.1\r\n\r\n"),
                     HTTP_NOT_UPGRADE);
}
END_TEST

/** The key's surrounding white space is trimmed; inner bytes are kept. */
START_TEST(test_request_key_trimmed)
{
    struct http_req r;

    ck_assert_int_eq(parse_str(&r, "GET / HTTP/1.1\r\nUpgrade: websocket\r\n"
                                   "Connection: Upgrade\r\n"
                                   "Sec-WebSocket-Key: \t a b= \t\r\n\r\n"),
                     HTTP_UPGRADE);
    assert_key(&r, "a b=");
    ck_assert_int_eq(parse_str(&r, "GET / HTTP/1.1\r\nUpgrade: websocket\r\n"
                                   "Connection: Upgrade\r\n"
                                   "Sec-WebSocket-Key:nospace\r\n\r\n"),
                     HTTP_UPGRADE);
    assert_key(&r, "nospace");
}
END_TEST

/** Bare LF line ends, and a mix of CRLF and LF, are accepted. */
START_TEST(test_request_bare_lf)
{
    struct http_req r;
    size_t consumed = 0;
    const char *req = "GET / HTTP/1.1\nUpgrade: websocket\r\n"
                      "Connection: Upgrade\nSec-WebSocket-Key: foo\n\n";

    http_req_init(&r);
    ck_assert_int_eq(feed_str(&r, req, &consumed), HTTP_UPGRADE);
    ck_assert_uint_eq(consumed, strlen(req));
    assert_key(&r, "foo");
    ck_assert_int_eq(parse_str(&r, "GET / HTTP/1.1\n\n"), HTTP_NOT_UPGRADE);
}
END_TEST

/** Empty lines before the request line are skipped (RFC 9112 2.2). */
START_TEST(test_request_leading_empty_lines)
{
    struct http_req r;
    char req[512];

    snprintf(req, sizeof(req), "\r\n\n%s", cli_request);
    ck_assert_int_eq(parse_str(&r, req), HTTP_UPGRADE);
    assert_key(&r, "foo");
    http_req_init(&r);
    ck_assert_int_eq(feed_str(&r, "\r\n\r\n", NULL), HTTP_INCOMPLETE);
}
END_TEST

/* ---- incremental feeding ---------------------------------------------- */

/** Every proper prefix of each sample is INCOMPLETE and fully consumed;
 *  the rest then completes it with the same result. */
START_TEST(test_every_prefix_incomplete)
{
    const char *req = sample_requests[_i];
    size_t len = strlen(req), n;

    for (n = 0; n < len; n++) {
        struct http_req r;
        size_t consumed = 99999;
        struct guarded g = guard_copy(req, n);

        http_req_init(&r);
        ck_assert_msg(http_req_feed(&r, g.data, g.len, &consumed) ==
                          HTTP_INCOMPLETE,
                      "prefix %zu of sample %d", n, _i);
        ck_assert_uint_eq(consumed, n);
        guard_free(&g);
        g = guard_copy(req + n, len - n);
        ck_assert_int_eq(http_req_feed(&r, g.data, g.len, &consumed),
                         sample_results[_i]);
        ck_assert_uint_eq(consumed, len - n);
        guard_free(&g);
    }
}
END_TEST

/** A byte per call gives the same result and key as one call. */
START_TEST(test_byte_by_byte)
{
    const char *req = sample_requests[_i];
    struct http_req whole, bytes;
    size_t total = 0;

    ck_assert_int_eq(parse_str(&whole, req), sample_results[_i]);
    ck_assert_int_eq(feed_chunked(&bytes, req, NULL, 1, &total),
                     sample_results[_i]);
    ck_assert_uint_eq(total, strlen(req));
    ck_assert_uint_eq(whole.key_len, bytes.key_len);
    if (whole.key != NULL)
        ck_assert_mem_eq(whole.key, bytes.key, whole.key_len);
    else
        ck_assert_ptr_null(bytes.key);
}
END_TEST

/** Random chunk sizes (seeded) give the same result and key. */
START_TEST(test_random_chunks)
{
    uint32_t rng = 0x9e3779b9u + (uint32_t)_i;
    int round;

    for (round = 0; round < 300; round++) {
        size_t s = rng_next(&rng) % N_SAMPLES, total = 0;
        size_t max_chunk = 1 + rng_next(&rng) % 64;
        struct http_req whole, r;

        ck_assert_int_eq(parse_str(&whole, sample_requests[s]),
                         sample_results[s]);
        ck_assert_int_eq(
            feed_chunked(&r, sample_requests[s], &rng, max_chunk, &total),
            sample_results[s]);
        ck_assert_uint_eq(total, strlen(sample_requests[s]));
        ck_assert_uint_eq(whole.key_len, r.key_len);
        if (whole.key != NULL)
            ck_assert_mem_eq(whole.key, r.key, r.key_len);
    }
}
END_TEST

/** Bytes after the blank line (pipelined frames) are not consumed, whether
 *  they come in the same call or the blank line ends mid-chunk. */
START_TEST(test_pipelined_bytes_left)
{
    static const uint8_t frame[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                                    0x7f, 0x9f, 0x4d, 0x51, 0x58};
    size_t head = strlen(cli_request), split;
    uint8_t all[512];

    memcpy(all, cli_request, head);
    memcpy(all + head, frame, sizeof(frame));
    for (split = 0; split <= head + sizeof(frame); split++) {
        struct http_req r;
        size_t consumed = 0, total = 0;
        enum http_result res;
        struct guarded g = guard_copy(all, split);

        http_req_init(&r);
        res = http_req_feed(&r, g.data, g.len, &consumed);
        guard_free(&g);
        total += consumed;
        if (res == HTTP_INCOMPLETE) {
            g = guard_copy(all + split, head + sizeof(frame) - split);
            res = http_req_feed(&r, g.data, g.len, &consumed);
            guard_free(&g);
            total += consumed;
        }
        ck_assert_int_eq(res, HTTP_UPGRADE);
        ck_assert_uint_eq(total, head);
    }
}
END_TEST

/** After a final result, later calls take nothing and repeat it. */
START_TEST(test_final_result_sticks)
{
    struct http_req r;
    size_t consumed = 7;

    ck_assert_int_eq(parse_str(&r, cli_request), HTTP_UPGRADE);
    ck_assert_int_eq(feed_str(&r, "more", &consumed), HTTP_UPGRADE);
    ck_assert_uint_eq(consumed, 0);
    ck_assert_int_eq(parse_str(&r, "GET / HTTP/1.1\r\nbad\r\n"), HTTP_BAD);
    ck_assert_int_eq(feed_str(&r, "\r\n", &consumed), HTTP_BAD);
    ck_assert_uint_eq(consumed, 0);
    http_req_init(&r);
    ck_assert_int_eq(feed_str(&r, cli_request, &consumed), HTTP_UPGRADE);
}
END_TEST

/* ---- size limit ------------------------------------------------------- */

/* A request of exactly total bytes: a filler header pads it. */
static char *sized_request(size_t total)
{
    static const char start[] = "GET / HTTP/1.1\r\nX-Pad: ";
    static const char end[] = "\r\nUpgrade: websocket\r\nConnection: "
                              "Upgrade\r\nSec-WebSocket-Key: foo\r\n\r\n";
    size_t fixed = sizeof(start) - 1 + sizeof(end) - 1;
    char *s = malloc(total + 1);

    ck_assert_ptr_nonnull(s);
    ck_assert_uint_ge(total, fixed);
    memcpy(s, start, sizeof(start) - 1);
    memset(s + sizeof(start) - 1, 'a', total - fixed);
    memcpy(s + total - (sizeof(end) - 1), end, sizeof(end));
    return s;
}

/** A head of exactly HTTP_REQ_MAX bytes fits; one byte more does not,
 *  whether it arrives whole or byte by byte. */
START_TEST(test_too_large)
{
    struct http_req r;
    char *fits = sized_request(HTTP_REQ_MAX);
    char *over = sized_request(HTTP_REQ_MAX + 1);
    size_t consumed = 0, total = 0;

    ck_assert_uint_eq(strlen(fits), HTTP_REQ_MAX);
    http_req_init(&r);
    ck_assert_int_eq(feed_str(&r, fits, &consumed), HTTP_UPGRADE);
    ck_assert_uint_eq(consumed, HTTP_REQ_MAX);
    assert_key(&r, "foo");
    http_req_init(&r);
    ck_assert_int_eq(feed_str(&r, over, &consumed), HTTP_TOO_LARGE);
    ck_assert_uint_eq(consumed, HTTP_REQ_MAX);
    ck_assert_int_eq(feed_chunked(&r, over, NULL, 1, &total), HTTP_TOO_LARGE);
    ck_assert_uint_eq(total, HTTP_REQ_MAX);
    free(fits);
    free(over);
}
END_TEST

/** A client that never sends a line end runs into the limit. */
START_TEST(test_too_large_no_line_end)
{
    struct http_req r;
    char *s = malloc(3 * HTTP_REQ_MAX + 1);

    ck_assert_ptr_nonnull(s);
    memset(s, 'a', 3 * HTTP_REQ_MAX);
    s[3 * HTTP_REQ_MAX] = '\0';
    ck_assert_int_eq(parse_str(&r, s), HTTP_TOO_LARGE);
    free(s);
}
END_TEST

/* ---- malformed requests ----------------------------------------------- */

struct bad_case {
    const char *what;
    const char *req;
    size_t len; /* NUL bytes may be inside req */
};

#define BAD(what, lit) {what, lit, sizeof(lit) - 1}

#define PRE "GET / HTTP/1.1\r\n"

static const struct bad_case bad_cases[] = {
    BAD("NUL in header value", PRE "Host: a\0b\r\n\r\n"),
    BAD("NUL in request line", "GET /\0 HTTP/1.1\r\n\r\n"),
    BAD("control byte in value", PRE "Host: a\x01" "b\r\n\r\n"),
    BAD("escape in header name", PRE "Ho\x1bst: a\r\n\r\n"),
    BAD("DEL in value", PRE "Host: a\x7f\r\n\r\n"),
    BAD("CR inside a line", PRE "Host: a\rb\r\n\r\n"),
    BAD("CR CR LF", PRE "Host: a\r\r\n\r\n"),
    BAD("header line without colon", PRE "Host a\r\n\r\n"),
    BAD("empty header name", PRE ": a\r\n\r\n"),
    BAD("space before colon", PRE "Host : a\r\n\r\n"),
    BAD("tab before colon", PRE "Host\t: a\r\n\r\n"),
    BAD("space inside name", PRE "Ho st: a\r\n\r\n"),
    BAD("separator in name", PRE "Ho(st): a\r\n\r\n"),
    BAD("obsolete folding (space)", PRE "X-A: a\r\n b\r\n\r\n"),
    BAD("obsolete folding (tab)", PRE "X-A: a\r\n\tb\r\n\r\n"),
    BAD("folding on first header", PRE " X-A: a\r\n\r\n"),
    BAD("request line without version", "GET /\r\n\r\n"),
    BAD("request line without target", "GET HTTP/1.1\r\n\r\n"),
    BAD("request line double space", "GET  / HTTP/1.1\r\n\r\n"),
    BAD("request line trailing space", "GET / HTTP/1.1 \r\n\r\n"),
    BAD("request line leading space", " GET / HTTP/1.1\r\n\r\n"),
    BAD("request line lower-case version", "GET / http/1.1\r\n\r\n"),
    BAD("request line bad version", "GET / HTTP/1\r\n\r\n"),
    BAD("request line version letters", "GET / HTTP/a.b\r\n\r\n"),
    BAD("request line tab separator", "GET\t/ HTTP/1.1\r\n\r\n"),
    BAD("request line is a header", "Host: x\r\n\r\n"),
    BAD("request line only a word", "hello\r\n\r\n"),
    BAD("duplicate Sec-WebSocket-Key",
        PRE "Upgrade: websocket\r\nConnection: Upgrade\r\n"
            "Sec-WebSocket-Key: a\r\nsec-websocket-key: b\r\n\r\n"),
};
#define N_BAD (sizeof(bad_cases) / sizeof(bad_cases[0]))

/** Each malformed class is HTTP_BAD, fed whole and byte by byte. */
START_TEST(test_malformed)
{
    const struct bad_case *c = &bad_cases[_i];
    size_t len = c->len, i;
    struct http_req r;
    struct guarded g = guard_copy(c->req, len);
    size_t consumed = 0;

    http_req_init(&r);
    ck_assert_msg(http_req_feed(&r, g.data, g.len, &consumed) == HTTP_BAD,
                  "%s: not HTTP_BAD", c->what);
    ck_assert_uint_le(consumed, len);
    guard_free(&g);

    http_req_init(&r);
    for (i = 0; i < len; i++) {
        enum http_result res;

        g = guard_copy(c->req + i, 1);
        res = http_req_feed(&r, g.data, 1, &consumed);
        guard_free(&g);
        if (res != HTTP_INCOMPLETE) {
            ck_assert_msg(res == HTTP_BAD, "%s: byte by byte gave %d",
                          c->what, (int)res);
            break;
        }
    }
    ck_assert_msg(i < len, "%s: byte by byte never failed", c->what);
}
END_TEST

/** A bad byte is refused when it arrives, not only at the line end. */
START_TEST(test_malformed_detected_early)
{
    struct http_req r;
    size_t consumed = 0;
    static const char req[] = "GET / HTTP/1.1\r\nHost: a\0";
    struct guarded g = guard_copy(req, sizeof(req) - 1);

    http_req_init(&r);
    ck_assert_int_eq(http_req_feed(&r, g.data, g.len, &consumed), HTTP_BAD);
    ck_assert_uint_eq(consumed, sizeof(req) - 1);
    guard_free(&g);
}
END_TEST

/* ---- the other answers ------------------------------------------------ */

/* Check status line, Content-Length against the body, Connection: close. */
static void check_simple_response(const char *out, size_t n,
                                  const char *status)
{
    char buf[1024];
    const char *cl, *body;
    unsigned long declared;

    ck_assert_uint_gt(n, 0);
    ck_assert_uint_lt(n, sizeof(buf));
    memcpy(buf, out, n);
    buf[n] = '\0';
    ck_assert_uint_eq(strncmp(buf, status, strlen(status)), 0);
    ck_assert_ptr_nonnull(strstr(buf, "\r\nConnection: close\r\n"));
    cl = strstr(buf, "\r\nContent-Length: ");
    ck_assert_ptr_nonnull(cl);
    declared = strtoul(cl + 18, NULL, 10);
    body = strstr(buf, "\r\n\r\n");
    ck_assert_ptr_nonnull(body);
    body += 4;
    ck_assert_uint_eq(declared, n - (size_t)(body - buf));
}

/** The 200 page: HTTP/1.0, text/html, tells the user to use a client. */
START_TEST(test_plain_response)
{
    char out[1024];
    size_t n = http_plain_response(out, sizeof(out));

    check_simple_response(out, n, "HTTP/1.0 200 OK\r\n");
    out[n] = '\0';
    ck_assert_ptr_nonnull(strstr(out, "Content-Type: text/html"));
    ck_assert_ptr_nonnull(strstr(out, "WebREPL server"));
    ck_assert_ptr_nonnull(strstr(out, "WebREPL client"));
    ck_assert_uint_eq(http_plain_response(out, n), n);
    ck_assert_uint_eq(http_plain_response(out, n - 1), 0);
    ck_assert_uint_eq(http_plain_response(out, 0), 0);
}
END_TEST

/** The 400 answer. */
START_TEST(test_error_response)
{
    char out[1024];
    size_t n = http_error_response(out, sizeof(out));

    check_simple_response(out, n, "HTTP/1.0 400 Bad Request\r\n");
    ck_assert_uint_eq(http_error_response(out, n), n);
    ck_assert_uint_eq(http_error_response(out, n - 1), 0);
}
END_TEST

/** The 503 and 408 answers. */
START_TEST(test_busy_and_timeout_responses)
{
    char out[1024];
    size_t n = http_busy_response(out, sizeof(out));

    check_simple_response(out, n, "HTTP/1.1 503 Service Unavailable\r\n");
    ck_assert_uint_eq(http_busy_response(out, n - 1), 0);
    n = http_timeout_response(out, sizeof(out));
    check_simple_response(out, n, "HTTP/1.1 408 Request Timeout\r\n");
    ck_assert_uint_eq(http_timeout_response(out, n - 1), 0);
}
END_TEST

static Suite *http_suite(void)
{
    Suite *s = suite_create("http_upgrade");
    TCase *tc;

    tc = tcase_create("accept");
    tcase_add_test(tc, test_accept_rfc6455_vector);
    tcase_add_test(tc, test_accept_cli_key_foo);
    tcase_add_test(tc, test_accept_uses_key_len);
    tcase_add_test(tc, test_accept_cap_and_no_extension);
    suite_add_tcase(s, tc);

    tc = tcase_create("requests");
    tcase_add_test(tc, test_request_webrepl_cli);
    tcase_add_test(tc, test_request_chrome);
    tcase_add_test(tc, test_request_firefox_connection_list);
    tcase_add_test(tc, test_request_case_insensitive);
    tcase_add_test(tc, test_request_connection_tokens);
    tcase_add_test(tc, test_request_upgrade_tokens);
    tcase_add_test(tc, test_request_not_upgrade);
    tcase_add_test(tc, test_request_key_trimmed);
    tcase_add_test(tc, test_request_bare_lf);
    tcase_add_test(tc, test_request_leading_empty_lines);
    suite_add_tcase(s, tc);

    tc = tcase_create("incremental");
    tcase_add_loop_test(tc, test_every_prefix_incomplete, 0, (int)N_SAMPLES);
    tcase_add_loop_test(tc, test_byte_by_byte, 0, (int)N_SAMPLES);
    tcase_add_loop_test(tc, test_random_chunks, 0, 4);
    tcase_add_test(tc, test_pipelined_bytes_left);
    tcase_add_test(tc, test_final_result_sticks);
    suite_add_tcase(s, tc);

    tc = tcase_create("limits");
    tcase_add_test(tc, test_too_large);
    tcase_add_test(tc, test_too_large_no_line_end);
    tcase_add_loop_test(tc, test_malformed, 0, (int)N_BAD);
    tcase_add_test(tc, test_malformed_detected_early);
    suite_add_tcase(s, tc);

    tc = tcase_create("answers");
    tcase_add_test(tc, test_plain_response);
    tcase_add_test(tc, test_error_response);
    tcase_add_test(tc, test_busy_and_timeout_responses);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(http_suite());
}
