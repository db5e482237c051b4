/*
 * test_ws_frame.c - Check tests of consumer/proto/ws_frame.[ch].
 *
 * A driver feeds a byte stream to the parser in chunks chosen by the test
 * (whole, a byte at a time, split at given points, random sizes) and
 * records what came out: the bytes of each data message, each control
 * frame, the error. Chunk size and max_payload must never change the record.
 */
#include <check.h>

#include "testutil.h"
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/ws_frame.h"

/* ---- recorder --------------------------------------------------------- */

#define REC_DATA_MAX (3 * 65536)
#define REC_TRACE_MAX 4096

/* What a stream produced, independent of how it was chunked. */
struct record {
    uint8_t data[REC_DATA_MAX]; /* every data byte, in order */
    size_t data_len;
    char trace[REC_TRACE_MAX];  /* one entry per message / control / error */
    size_t trace_len;
    size_t msg_len;             /* bytes of the open message so far */
    uint8_t msg_opcode;         /* opcode of the open message, 0 if none */
    int errors;                 /* broken invariants (see expect()) */
    enum ws_error error;
    uint16_t error_code;
};

/*
 * Count a broken invariant. The driver's hot path uses this instead of
 * ck_assert (which costs a message to Check's parent per call); every test
 * asserts errors == 0 at the end.
 */
static void expect(struct record *r, int ok)
{
    if (!ok)
        r->errors++;
}

static void trace_add(struct record *r, const char *fmt, ...)
{
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(r->trace + r->trace_len, REC_TRACE_MAX - r->trace_len, fmt,
                  ap);
    va_end(ap);

    expect(r, n > 0 && r->trace_len + (size_t)n < REC_TRACE_MAX);
    if (n > 0 && r->trace_len + (size_t)n < REC_TRACE_MAX)
        r->trace_len += (size_t)n;
}

static void record_init(struct record *r)
{
    /* Not a memset of the whole struct: it is large and reset often. */
    r->data_len = 0;
    r->trace[0] = '\0';
    r->trace_len = 0;
    r->msg_len = 0;
    r->msg_opcode = 0;
    r->errors = 0;
    r->error = WS_ERR_NONE;
    r->error_code = 0;
}

static void record_event(struct record *r, const struct ws_event *ev,
                         size_t max_text, size_t max_binary)
{
    size_t i;

    switch (ev->kind) {
    case WS_EV_NONE:
        break;
    case WS_EV_DATA:
        expect(r, ev->opcode == WS_OP_TEXT || ev->opcode == WS_OP_BINARY);
        /* Within the limit given for this message's type. */
        expect(r, ev->len <= (ev->opcode == WS_OP_BINARY ? max_binary
                                                          : max_text));
        if (r->msg_opcode == 0)
            r->msg_opcode = ev->opcode;
        else
            expect(r, r->msg_opcode == ev->opcode);
        if (r->data_len + ev->len > REC_DATA_MAX) {
            r->errors++;
            break;
        }
        if (ev->len > 0)
            memcpy(r->data + r->data_len, ev->data, ev->len);
        r->data_len += ev->len;
        r->msg_len += ev->len;
        if (ev->fin) {
            trace_add(r, "D%u:%u;", (unsigned)ev->opcode,
                      (unsigned)r->msg_len);
            r->msg_len = 0;
            r->msg_opcode = 0;
        }
        break;
    case WS_EV_CONTROL:
        expect(r, ev->len <= WS_CONTROL_MAX && ev->fin == 1);
        trace_add(r, "C%u:%u:", (unsigned)ev->opcode, (unsigned)ev->len);
        for (i = 0; i < ev->len; i++)
            trace_add(r, "%02x", (unsigned)ev->data[i]);
        trace_add(r, ":%u;", (unsigned)ev->close_code);
        break;
    case WS_EV_ERROR:
        r->error = ev->error;
        r->error_code = ev->close_code;
        trace_add(r, "E%u:%u;", (unsigned)ev->error,
                  (unsigned)ev->close_code);
        break;
    }
}

/* xorshift32 */

/* How the driver cuts the stream and limits chunks. */
struct feed_plan {
    const size_t *splits; /* split offsets, ascending; or NULL */
    size_t n_splits;
    size_t fixed;         /* fixed chunk size if > 0 */
    uint32_t *rng;        /* random chunk sizes 1..rng_max if non-NULL */
    size_t rng_max;
    size_t max_payload;   /* limit for text messages; 0 = SIZE_MAX */
    size_t max_binary;    /* limit for binary messages; 0 = max_payload */
    int rng_payload;      /* random limits 1..limit per call */
};

/*
 * Feed a copy of in[0..len) according to plan into a fresh parser,
 * recording into r. Each chunk is its own heap copy, so reading past it is
 * caught by ASan. Returns the bytes consumed in total.
 */
static size_t drive(const uint8_t *in, size_t len, const struct feed_plan *pl,
                    struct record *r)
{
    struct ws_parser p;
    size_t off = 0, split = 0, total = 0;

    ws_parser_init(&p);
    record_init(r);
    while (off < len) {
        size_t n, pos = 0;
        uint8_t *chunk;

        if (pl->splits != NULL)
            n = (split < pl->n_splits ? pl->splits[split++] : len) - off;
        else if (pl->rng != NULL)
            n = 1 + rng_next(pl->rng) % pl->rng_max;
        else if (pl->fixed > 0)
            n = pl->fixed;
        else
            n = len - off;
        if (n > len - off)
            n = len - off;
        chunk = malloc(n > 0 ? n : 1);
        if (chunk == NULL)
            ck_abort_msg("out of memory");
        memcpy(chunk, in + off, n);
        for (;;) {
            struct ws_event ev;
            size_t max_text = pl->max_payload, max_binary = pl->max_binary;
            size_t maxp, used;

            if (max_text == 0)
                max_text = SIZE_MAX;
            if (max_binary == 0)
                max_binary = max_text;

            if (pl->rng_payload && pl->rng != NULL) {
                max_text = 1 + rng_next(pl->rng) % max_text;
                max_binary = 1 + rng_next(pl->rng) % max_binary;
            }
            /* As a caller does: the limit of the open message's type. */
            maxp = ws_parser_msg_binary(&p) ? max_binary : max_text;
            used = ws_parse(&p, chunk + pos, n - pos, maxp, &ev);
            expect(r, used <= n - pos);
            if (ev.kind == WS_EV_DATA && ev.len > 0) {
                /* The chunk lies inside the bytes consumed by this call. */
                expect(r, ev.data >= chunk + pos &&
                              ev.data + ev.len <= chunk + pos + used);
            }
            pos += used;
            total += used;
            record_event(r, &ev, max_text, max_binary);
            if (ev.kind == WS_EV_ERROR) {
                /* It sticks and takes nothing. */
                ck_assert_uint_eq(ws_parse(&p, chunk + pos, n - pos, maxp,
                                           &ev),
                                  0);
                ck_assert_int_eq(ev.kind, WS_EV_ERROR);
                ck_assert_int_eq(ev.error, r->error);
                ck_assert_uint_eq(ev.close_code, r->error_code);
                break;
            }
            if (ev.kind == WS_EV_NONE && used == 0) {
                expect(r, pos == n); /* limits > 0: stops only when starved */
                break;
            }
        }
        free(chunk);
        off += n;
        if (r->error_code != 0)
            break;
    }
    return total;
}

static size_t drive_whole(const uint8_t *in, size_t len, struct record *r)
{
    struct feed_plan pl;

    memset(&pl, 0, sizeof(pl));
    return drive(in, len, &pl, r);
}

static void assert_same_record(const struct record *a, const struct record *b)
{
    ck_assert_str_eq(a->trace, b->trace);
    ck_assert_uint_eq(a->data_len, b->data_len);
    ck_assert_mem_eq(a->data, b->data, a->data_len);
    ck_assert_int_eq(a->errors, 0);
    ck_assert_int_eq(b->errors, 0);
}

/*
 * Call ws_parse() until it reports an event or takes nothing (as a caller
 * loops); *used is the total taken.
 */
static struct ws_event parse_one(struct ws_parser *p, uint8_t *buf,
                                 size_t len, size_t max_payload,
                                 size_t *used)
{
    struct ws_event ev;
    size_t n;

    *used = 0;
    do {
        n = ws_parse(p, buf != NULL ? buf + *used : NULL, len - *used,
                     max_payload, &ev);
        *used += n;
    } while (ev.kind == WS_EV_NONE && n > 0);
    return ev;
}

/* Append a frame (client side, masked if mask != NULL) to a buffer. */
static size_t build_frame(uint8_t *out, uint8_t b0, const uint8_t *mask,
                          const uint8_t *payload, size_t len)
{
    size_t n = 0, i;

    out[n++] = b0;
    if (len <= 125) {
        out[n++] = (uint8_t)((mask != NULL ? 0x80 : 0) | len);
    } else {
        out[n++] = (uint8_t)((mask != NULL ? 0x80 : 0) | 126);
        out[n++] = (uint8_t)(len >> 8);
        out[n++] = (uint8_t)len;
    }
    if (mask != NULL) {
        memcpy(out + n, mask, 4);
        n += 4;
    }
    for (i = 0; i < len; i++)
        out[n + i] = (uint8_t)(payload[i] ^ (mask != NULL ? mask[i & 3] : 0));
    return n + len;
}

static const uint8_t key_a[4] = {0x37, 0xfa, 0x21, 0x3d};
static const uint8_t key_b[4] = {0xde, 0xad, 0xbe, 0xef};

/* ---- RFC 6455 section 5.7 vectors ------------------------------------- */

/** Masked "Hello" (RFC 6455 5.7): one text chunk, FIN, unmasked in place. */
START_TEST(test_rfc_masked_hello)
{
    uint8_t buf[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                     0x7f, 0x9f, 0x4d, 0x51, 0x58};
    struct ws_parser p;
    size_t used;
    struct ws_event ev;

    ws_parser_init(&p);
    ev = parse_one(&p, buf, sizeof(buf), SIZE_MAX, &used);
    ck_assert_uint_eq(used, sizeof(buf));
    ck_assert_int_eq(ev.kind, WS_EV_DATA);
    ck_assert_int_eq(ev.opcode, WS_OP_TEXT);
    ck_assert_int_eq(ev.fin, 1);
    ck_assert_uint_eq(ev.len, 5);
    ck_assert(ev.data == buf + 6);
    ck_assert_mem_eq(ev.data, "Hello", 5);
}
END_TEST

/** Unmasked "Hello" (as webrepl_cli.py sends): accepted. */
START_TEST(test_rfc_unmasked_hello)
{
    uint8_t buf[] = {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    struct ws_parser p;
    size_t used;
    struct ws_event ev;

    ws_parser_init(&p);
    ev = parse_one(&p, buf, sizeof(buf), SIZE_MAX, &used);
    ck_assert_uint_eq(used, sizeof(buf));
    ck_assert_int_eq(ev.kind, WS_EV_DATA);
    ck_assert_int_eq(ev.opcode, WS_OP_TEXT);
    ck_assert_int_eq(ev.fin, 1);
    ck_assert_uint_eq(ev.len, 5);
    ck_assert_mem_eq(ev.data, "Hello", 5);
}
END_TEST

/** Fragmented unmasked "Hel" + "lo" (RFC 6455 5.7). */
START_TEST(test_rfc_fragmented)
{
    uint8_t buf[] = {0x01, 0x03, 0x48, 0x65, 0x6c, 0x80, 0x02, 0x6c, 0x6f};
    struct ws_parser p;
    size_t used;
    struct ws_event ev;

    ws_parser_init(&p);
    ev = parse_one(&p, buf, sizeof(buf), SIZE_MAX, &used);
    ck_assert_uint_eq(used, 5);
    ck_assert_int_eq(ev.kind, WS_EV_DATA);
    ck_assert_int_eq(ev.opcode, WS_OP_TEXT);
    ck_assert_int_eq(ev.fin, 0);
    ck_assert_mem_eq(ev.data, "Hel", 3);
    ev = parse_one(&p, buf + 5, sizeof(buf) - 5, SIZE_MAX, &used);
    ck_assert_uint_eq(used, 4);
    ck_assert_int_eq(ev.kind, WS_EV_DATA);
    ck_assert_int_eq(ev.opcode, WS_OP_TEXT);
    ck_assert_int_eq(ev.fin, 1);
    ck_assert_mem_eq(ev.data, "lo", 2);
}
END_TEST

/** Unmasked ping and masked pong "Hello" (RFC 6455 5.7). */
START_TEST(test_rfc_ping_pong)
{
    uint8_t ping[] = {0x89, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    uint8_t pong[] = {0x8a, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                      0x7f, 0x9f, 0x4d, 0x51, 0x58};
    struct ws_parser p;
    size_t used;
    struct ws_event ev;

    ws_parser_init(&p);
    ev = parse_one(&p, ping, sizeof(ping), SIZE_MAX, &used);
    ck_assert_uint_eq(used, sizeof(ping));
    ck_assert_int_eq(ev.kind, WS_EV_CONTROL);
    ck_assert_int_eq(ev.opcode, WS_OP_PING);
    ck_assert_uint_eq(ev.len, 5);
    ck_assert_mem_eq(ev.data, "Hello", 5);
    ck_assert(ev.data < ping || ev.data >= ping + sizeof(ping));
    ev = parse_one(&p, pong, sizeof(pong), SIZE_MAX, &used);
    ck_assert_uint_eq(used, sizeof(pong));
    ck_assert_int_eq(ev.kind, WS_EV_CONTROL);
    ck_assert_int_eq(ev.opcode, WS_OP_PONG);
    ck_assert_mem_eq(ev.data, "Hello", 5);
    ck_assert_mem_eq(pong + 6, "\x7f\x9f\x4d\x51\x58", 5); /* not touched */
}
END_TEST

/** 256 bytes and 64 KiB binary with 16-bit lengths (RFC 6455 5.7). */
START_TEST(test_rfc_16bit_lengths)
{
    static uint8_t payload[65535], buf[65535 + 8];
    size_t sizes[] = {256, 65535}, k, i;

    for (i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)(i * 7 + 3);
    for (k = 0; k < 2; k++) {
        struct ws_parser p;
        size_t used, n = build_frame(buf, 0x82, key_b, payload, sizes[k]);
        struct ws_event ev;

        ck_assert_uint_eq(buf[1], 0xfe);
        ws_parser_init(&p);
        ev = parse_one(&p, buf, n, SIZE_MAX, &used);
        ck_assert_uint_eq(used, n);
        ck_assert_int_eq(ev.kind, WS_EV_DATA);
        ck_assert_int_eq(ev.opcode, WS_OP_BINARY);
        ck_assert_int_eq(ev.fin, 1);
        ck_assert_uint_eq(ev.len, sizes[k]);
        ck_assert_mem_eq(ev.data, payload, sizes[k]);
    }
}
END_TEST

/* ---- lengths ---------------------------------------------------------- */

/** Lengths 0, 1, 125 (7-bit) and 126, 65535 (16-bit), masked and not. */
START_TEST(test_lengths)
{
    static uint8_t payload[65535], buf[65535 + 8];
    static const size_t sizes[] = {0, 1, 125, 126, 127, 65535};
    size_t i, k;

    for (i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)(i ^ (i >> 8));
    for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        int masked;

        for (masked = 0; masked < 2; masked++) {
            struct ws_parser p;
            size_t n = build_frame(buf, 0x82, masked ? key_a : NULL, payload,
                                   sizes[k]);
            size_t hdr = (sizes[k] <= 125 ? 2 : 4) + (masked ? 4 : 0), used;
            struct ws_event ev;

            ck_assert_uint_eq(n, hdr + sizes[k]);
            ws_parser_init(&p);
            ev = parse_one(&p, buf, n, SIZE_MAX, &used);
            ck_assert_uint_eq(used, n);
            ck_assert_int_eq(ev.kind, WS_EV_DATA);
            ck_assert_int_eq(ev.fin, 1);
            ck_assert_uint_eq(ev.len, sizes[k]);
            if (sizes[k] > 0) {
                ck_assert(ev.data == buf + hdr);
                ck_assert_mem_eq(ev.data, payload, sizes[k]);
            }
        }
    }
}
END_TEST

/** A 16-bit length below 126 (non-minimal) is accepted. */
START_TEST(test_nonminimal_16bit_length)
{
    uint8_t buf[] = {0x81, 0x7e, 0x00, 0x05, 'H', 'e', 'l', 'l', 'o'};
    uint8_t empty[] = {0x82, 0x7e, 0x00, 0x00};
    struct ws_parser p;
    size_t used;
    struct ws_event ev;

    ws_parser_init(&p);
    ev = parse_one(&p, buf, sizeof(buf), SIZE_MAX, &used);
    ck_assert_uint_eq(used, sizeof(buf));
    ck_assert_int_eq(ev.kind, WS_EV_DATA);
    ck_assert_mem_eq(ev.data, "Hello", 5);
    ev = parse_one(&p, empty, sizeof(empty), SIZE_MAX, &used);
    ck_assert_uint_eq(used, sizeof(empty));
    ck_assert_int_eq(ev.kind, WS_EV_DATA);
    ck_assert_uint_eq(ev.len, 0);
    ck_assert_int_eq(ev.fin, 1);
}
END_TEST

/** Empty data frames report a DATA event of length 0 with FIN. */
START_TEST(test_empty_frames)
{
    uint8_t buf[] = {0x01, 0x00,                         /* text, no FIN */
                     0x00, 0x80, 1, 2, 3, 4,             /* masked cont */
                     0x80, 0x00,                         /* final cont */
                     0x82, 0x80, 9, 9, 9, 9};            /* binary, masked */
    struct ws_parser p;
    size_t used, off = 0;
    struct ws_event ev;
    static const struct {
        size_t used;
        uint8_t opcode, fin;
    } expect[] = {{2, WS_OP_TEXT, 0},
                  {6, WS_OP_TEXT, 0},
                  {2, WS_OP_TEXT, 1},
                  {6, WS_OP_BINARY, 1}};
    size_t k;

    ws_parser_init(&p);
    for (k = 0; k < 4; k++) {
        ev = parse_one(&p, buf + off, sizeof(buf) - off, SIZE_MAX, &used);
        ck_assert_uint_eq(used, expect[k].used);
        ck_assert_int_eq(ev.kind, WS_EV_DATA);
        ck_assert_uint_eq(ev.len, 0);
        ck_assert_int_eq(ev.opcode, expect[k].opcode);
        ck_assert_int_eq(ev.fin, expect[k].fin);
        off += used;
    }
    ck_assert_uint_eq(off, sizeof(buf));
}
END_TEST

/* ---- errors, one test per rule ---------------------------------------- */

/* The stream must fail with e/code after exactly `at` bytes. */
static void expect_error(const uint8_t *in, size_t len, size_t at,
                         enum ws_error e, uint16_t code)
{
    struct record r;
    struct feed_plan pl;
    size_t used;

    used = drive_whole(in, len, &r);
    ck_assert_int_eq(r.error, e);
    ck_assert_uint_eq(r.error_code, code);
    ck_assert_uint_eq(used, at);
    ck_assert_int_eq(r.errors, 0);
    /* Byte by byte: same outcome. */
    memset(&pl, 0, sizeof(pl));
    pl.fixed = 1;
    used = drive(in, len, &pl, &r);
    ck_assert_int_eq(r.error, e);
    ck_assert_uint_eq(used, at);
}

/** RSV1, RSV2, RSV3 each refused (no extension negotiated). */
START_TEST(test_error_reserved_bits)
{
    uint8_t rsv1[] = {0xc1, 0x00};
    uint8_t rsv2[] = {0xa1, 0x00};
    uint8_t rsv3[] = {0x91, 0x00};
    uint8_t ctrl[] = {0xc9, 0x00};

    expect_error(rsv1, 2, 1, WS_ERR_RESERVED_BITS, 1002);
    expect_error(rsv2, 2, 1, WS_ERR_RESERVED_BITS, 1002);
    expect_error(rsv3, 2, 1, WS_ERR_RESERVED_BITS, 1002);
    expect_error(ctrl, 2, 1, WS_ERR_RESERVED_BITS, 1002);
}
END_TEST

/** Opcodes 3-7 and 11-15 refused. */
START_TEST(test_error_unknown_opcode)
{
    uint8_t op;

    for (op = 3; op < 16; op++) {
        uint8_t buf[2];

        if (op >= 8 && op <= 10)
            continue;
        buf[0] = (uint8_t)(0x80 | op);
        buf[1] = 0;
        expect_error(buf, 2, 1, WS_ERR_UNKNOWN_OPCODE, 1002);
    }
}
END_TEST

/** A control frame without FIN. */
START_TEST(test_error_control_fragmented)
{
    uint8_t ping[] = {0x09, 0x00};
    uint8_t close_[] = {0x08, 0x00};
    uint8_t pong[] = {0x0a, 0x00};

    expect_error(ping, 2, 1, WS_ERR_CONTROL_FRAGMENTED, 1002);
    expect_error(close_, 2, 1, WS_ERR_CONTROL_FRAGMENTED, 1002);
    expect_error(pong, 2, 1, WS_ERR_CONTROL_FRAGMENTED, 1002);
}
END_TEST

/** A control frame longer than 125 (16-bit or 64-bit length). */
START_TEST(test_error_control_too_long)
{
    uint8_t ping126[] = {0x89, 0x7e, 0x00, 0x7e};
    uint8_t ping127[] = {0x89, 0xff, 0, 0, 0, 0, 0, 0, 0, 0x7e};
    uint8_t close126[] = {0x88, 0x7e, 0x00, 0x7e};

    expect_error(ping126, sizeof(ping126), 2, WS_ERR_CONTROL_TOO_LONG, 1002);
    expect_error(ping127, sizeof(ping127), 2, WS_ERR_CONTROL_TOO_LONG, 1002);
    expect_error(close126, sizeof(close126), 2, WS_ERR_CONTROL_TOO_LONG,
                 1002);
}
END_TEST

/** A 64-bit length is always refused with 1009, even a small value. */
START_TEST(test_error_length_64bit)
{
    uint8_t small[] = {0x82, 0x7f, 0, 0, 0, 0, 0, 0, 0, 5, 1, 2, 3, 4, 5};
    uint8_t huge[] = {0x81, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0};
    uint8_t cont[] = {0x02, 0x01, 'a', 0x80, 0x7f, 0, 0, 0, 0, 0, 1, 0, 0};

    expect_error(small, sizeof(small), 2, WS_ERR_LENGTH_64BIT, 1009);
    expect_error(huge, sizeof(huge), 2, WS_ERR_LENGTH_64BIT, 1009);
    expect_error(cont, sizeof(cont), 5, WS_ERR_LENGTH_64BIT, 1009);
}
END_TEST

/** A continuation frame with no message open: at the start, and after a
 *  finished message. */
START_TEST(test_error_unexpected_continuation)
{
    uint8_t first[] = {0x80, 0x00};
    uint8_t after[] = {0x81, 0x01, 'a', 0x00, 0x01, 'b'};

    expect_error(first, 2, 1, WS_ERR_UNEXPECTED_CONTINUATION, 1002);
    expect_error(after, sizeof(after), 4, WS_ERR_UNEXPECTED_CONTINUATION,
                 1002);
}
END_TEST

/** A new text or binary frame while a fragmented message is open, also
 *  after a control frame in between. */
START_TEST(test_error_expected_continuation)
{
    uint8_t text[] = {0x01, 0x01, 'a', 0x81, 0x01, 'b'};
    uint8_t binary[] = {0x02, 0x00, 0x82, 0x00};
    uint8_t after_ping[] = {0x01, 0x01, 'a', 0x89, 0x00, 0x02, 0x00};

    expect_error(text, sizeof(text), 4, WS_ERR_EXPECTED_CONTINUATION, 1002);
    expect_error(binary, sizeof(binary), 3, WS_ERR_EXPECTED_CONTINUATION,
                 1002);
    expect_error(after_ping, sizeof(after_ping), 6,
                 WS_ERR_EXPECTED_CONTINUATION, 1002);
}
END_TEST

/** A CLOSE with a 1-byte payload, masked or not. */
START_TEST(test_error_close_length_1)
{
    uint8_t plain[] = {0x88, 0x01, 0x03};
    uint8_t masked[] = {0x88, 0x81, 1, 2, 3, 4, 0x03};

    expect_error(plain, sizeof(plain), 2, WS_ERR_CLOSE_LENGTH_1, 1002);
    expect_error(masked, sizeof(masked), 2, WS_ERR_CLOSE_LENGTH_1, 1002);
}
END_TEST

/** CLOSE codes that may not be sent are refused; registered and
 *  application codes are reported. */
START_TEST(test_error_close_code)
{
    static const uint16_t bad[] = {0,    999,  1004, 1005, 1006, 1015,
                                   1016, 1100, 2000, 2999, 5000, 65535};
    static const uint16_t good[] = {1000, 1001, 1002, 1003, 1007, 1008,
                                    1009, 1010, 1011, 1012, 1013, 1014,
                                    3000, 3999, 4000, 4999};
    size_t i;

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        uint8_t buf[] = {0x88, 0x02, (uint8_t)(bad[i] >> 8), (uint8_t)bad[i]};

        expect_error(buf, sizeof(buf), 4, WS_ERR_CLOSE_CODE, 1002);
    }
    for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        uint8_t buf[] = {0x88, 0x02, (uint8_t)(good[i] >> 8),
                         (uint8_t)good[i]};
        struct ws_parser p;
        size_t used;
        struct ws_event ev;

        ws_parser_init(&p);
        ev = parse_one(&p, buf, sizeof(buf), SIZE_MAX, &used);
        ck_assert_int_eq(ev.kind, WS_EV_CONTROL);
        ck_assert_uint_eq(ev.close_code, good[i]);
    }
}
END_TEST

/** After an error nothing more is consumed, whatever is fed. */
START_TEST(test_error_sticks)
{
    uint8_t bad[] = {0xc1, 0x00};
    uint8_t good[] = {0x81, 0x01, 'a'};
    struct ws_parser p;
    size_t used;
    struct ws_event ev;

    ws_parser_init(&p);
    ev = parse_one(&p, bad, sizeof(bad), SIZE_MAX, &used);
    ck_assert_int_eq(ev.kind, WS_EV_ERROR);
    ck_assert_uint_eq(used, 1);
    ev = parse_one(&p, good, sizeof(good), SIZE_MAX, &used);
    ck_assert_uint_eq(used, 0);
    ck_assert_int_eq(ev.kind, WS_EV_ERROR);
    ck_assert_int_eq(ev.error, WS_ERR_RESERVED_BITS);
    ev = parse_one(&p, NULL, 0, SIZE_MAX, &used);
    ck_assert_uint_eq(used, 0);
    ck_assert_int_eq(ev.kind, WS_EV_ERROR);
    ws_parser_init(&p);
    ev = parse_one(&p, good, sizeof(good), SIZE_MAX, &used);
    ck_assert_int_eq(ev.kind, WS_EV_DATA);
}
END_TEST

/* ---- control frames --------------------------------------------------- */

/** Empty CLOSE reports 1005; a code and reason are reported, unmasked. */
START_TEST(test_close_code_parsing)
{
    uint8_t empty[] = {0x88, 0x00};
    uint8_t masked_empty[] = {0x88, 0x80, 1, 2, 3, 4};
    uint8_t normal[] = {0x88, 0x02, 0x03, 0xe8};
    uint8_t reason[4 + 2 + 2 + 3];
    static const uint8_t payload[] = {0x03, 0xe9, 'b', 'y', 'e'};
    struct ws_parser p;
    size_t used, n;
    struct ws_event ev;

    ws_parser_init(&p);
    ev = parse_one(&p, empty, sizeof(empty), SIZE_MAX, &used);
    ck_assert_int_eq(ev.kind, WS_EV_CONTROL);
    ck_assert_int_eq(ev.opcode, WS_OP_CLOSE);
    ck_assert_uint_eq(ev.close_code, 1005);
    ck_assert_uint_eq(ev.len, 0);
    ev = parse_one(&p, masked_empty, sizeof(masked_empty), SIZE_MAX, &used);
    ck_assert_uint_eq(used, sizeof(masked_empty));
    ck_assert_uint_eq(ev.close_code, 1005);
    ev = parse_one(&p, normal, sizeof(normal), SIZE_MAX, &used);
    ck_assert_uint_eq(ev.close_code, 1000);
    ck_assert_uint_eq(ev.len, 2);
    n = build_frame(reason, 0x88, key_a, payload, sizeof(payload));
    ck_assert_uint_eq(n, sizeof(reason));
    ev = parse_one(&p, reason, n, SIZE_MAX, &used);
    ck_assert_uint_eq(used, n);
    ck_assert_int_eq(ev.kind, WS_EV_CONTROL);
    ck_assert_uint_eq(ev.close_code, 1001);
    ck_assert_uint_eq(ev.len, 5);
    ck_assert_mem_eq(ev.data, payload, 5);
}
END_TEST

/** A masked 125-byte PING split across feeds (in the header, mask and
 *  payload) is reported once, whole, from the parser's own buffer. */
START_TEST(test_control_split_across_feeds)
{
    uint8_t payload[WS_CONTROL_MAX], buf[WS_CONTROL_MAX + 6];
    size_t n, split;

    for (split = 0; split < WS_CONTROL_MAX; split++)
        payload[split] = (uint8_t)(split * 13);
    n = build_frame(buf, 0x89, key_b, payload, sizeof(payload));
    for (split = 1; split < n; split++) {
        struct ws_parser p;
        uint8_t copy[sizeof(buf)];
        size_t used;
        struct ws_event ev;

        memcpy(copy, buf, n);
        ws_parser_init(&p);
        ev = parse_one(&p, copy, split, SIZE_MAX, &used);
        ck_assert_uint_eq(used, split);
        ck_assert_int_eq(ev.kind, WS_EV_NONE);
        memset(copy, 0xaa, split); /* the parser must not need them again */
        ev = parse_one(&p, copy + split, n - split, SIZE_MAX, &used);
        ck_assert_uint_eq(used, n - split);
        ck_assert_int_eq(ev.kind, WS_EV_CONTROL);
        ck_assert_int_eq(ev.opcode, WS_OP_PING);
        ck_assert_uint_eq(ev.len, WS_CONTROL_MAX);
        ck_assert_mem_eq(ev.data, payload, WS_CONTROL_MAX);
        ck_assert(ev.data < copy || ev.data >= copy + sizeof(copy));
    }
}
END_TEST

/** Control frames are not limited by max_payload (even 0). */
START_TEST(test_control_ignores_max_payload)
{
    uint8_t buf[] = {0x89, 0x83, 1, 2, 3, 4, 'a' ^ 1, 'b' ^ 2, 'c' ^ 3};
    struct ws_parser p;
    size_t used;
    struct ws_event ev;

    ws_parser_init(&p);
    ev = parse_one(&p, buf, sizeof(buf), 0, &used);
    ck_assert_uint_eq(used, sizeof(buf));
    ck_assert_int_eq(ev.kind, WS_EV_CONTROL);
    ck_assert_mem_eq(ev.data, "abc", 3);
}
END_TEST

/* A fragmented text message with a PING in between, then a fragmented
 * binary message with a PONG and a CLOSE at the end. */
static size_t build_mixed_stream(uint8_t *buf)
{
    size_t n = 0;

    n += build_frame(buf + n, 0x01, key_a, (const uint8_t *)"Hel", 3);
    n += build_frame(buf + n, 0x89, key_b, (const uint8_t *)"ping!", 5);
    n += build_frame(buf + n, 0x00, key_b, (const uint8_t *)"lo, ", 4);
    n += build_frame(buf + n, 0x80, NULL, (const uint8_t *)"world", 5);
    n += build_frame(buf + n, 0x02, key_a, (const uint8_t *)"\x01\x02", 2);
    n += build_frame(buf + n, 0x8a, NULL, (const uint8_t *)"", 0);
    n += build_frame(buf + n, 0x80, key_b, (const uint8_t *)"\x03", 1);
    n += build_frame(buf + n, 0x88, key_a, (const uint8_t *)"\x03\xe8", 2);
    return n;
}

/** Fragments keep the message opcode; a control frame between fragments
 *  is reported whole, in order, and its payload stays out of the data. */
START_TEST(test_fragmented_with_ping)
{
    uint8_t buf[256];
    size_t n = build_mixed_stream(buf);
    struct record r;

    ck_assert_uint_eq(drive_whole(buf, n, &r), n);
    ck_assert_str_eq(r.trace, "C9:5:70696e6721:0;D1:12;C10:0::0;D2:3;"
                              "C8:2:03e8:1000;");
    ck_assert_uint_eq(r.data_len, 15);
    ck_assert_mem_eq(r.data, "Hello, world\x01\x02\x03", 15);
    ck_assert_int_eq(r.errors, 0);
}
END_TEST

/* ---- chunking --------------------------------------------------------- */

/* A stream exercising every header shape: masked 16-bit, 7-bit, unmasked,
 * fragments, controls. */
static size_t build_long_stream(uint8_t *buf, uint8_t *payload, size_t cap)
{
    size_t n = build_mixed_stream(buf), i;

    for (i = 0; i < 300; i++)
        payload[i] = (uint8_t)(i * 31 + 7);
    n += build_frame(buf + n, 0x82, key_b, payload, 300);
    n += build_frame(buf + n, 0x81, NULL, payload, 126);
    n += build_frame(buf + n, 0x01, key_a, payload + 1, 125);
    n += build_frame(buf + n, 0x89, NULL, payload, 0);
    n += build_frame(buf + n, 0x80, key_a, payload + 2, 7);
    ck_assert_uint_le(n, cap);
    return n;
}

/** The stream split in two at every byte position gives the same record
 *  as one feed. */
START_TEST(test_split_every_position)
{
    uint8_t buf[1024], payload[300];
    size_t n = build_long_stream(buf, payload, sizeof(buf)), split;
    struct record *whole = malloc(sizeof(*whole));
    struct record *r = malloc(sizeof(*r));

    ck_assert_ptr_nonnull(whole);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(drive_whole(buf, n, whole), n);
    for (split = 0; split <= n; split++) {
        struct feed_plan pl;

        memset(&pl, 0, sizeof(pl));
        pl.splits = &split;
        pl.n_splits = 1;
        ck_assert_uint_eq(drive(buf, n, &pl, r), n);
        assert_same_record(whole, r);
    }
    free(whole);
    free(r);
}
END_TEST

/** The header of a masked 16-bit frame split at every pair of positions. */
START_TEST(test_split_header_every_pair)
{
    uint8_t buf[512], payload[200];
    size_t n, a, b, i;
    struct record *whole = malloc(sizeof(*whole));
    struct record *r = malloc(sizeof(*r));

    ck_assert_ptr_nonnull(whole);
    ck_assert_ptr_nonnull(r);
    for (i = 0; i < sizeof(payload); i++)
        payload[i] = (uint8_t)i;
    n = build_frame(buf, 0x82, key_a, payload, sizeof(payload));
    n += build_frame(buf + n, 0x89, key_b, payload, 4);
    ck_assert_uint_eq(drive_whole(buf, n, whole), n);
    for (a = 0; a <= 12; a++) {
        for (b = a; b <= 12; b++) {
            size_t splits[2];
            struct feed_plan pl;

            splits[0] = a;
            splits[1] = b;
            memset(&pl, 0, sizeof(pl));
            pl.splits = splits;
            pl.n_splits = 2;
            ck_assert_uint_eq(drive(buf, n, &pl, r), n);
            assert_same_record(whole, r);
        }
    }
    free(whole);
    free(r);
}
END_TEST

/** A byte per feed gives the same record. */
START_TEST(test_byte_by_byte)
{
    uint8_t buf[1024], payload[300];
    size_t n = build_long_stream(buf, payload, sizeof(buf));
    struct record *whole = malloc(sizeof(*whole));
    struct record *r = malloc(sizeof(*r));
    struct feed_plan pl;

    ck_assert_ptr_nonnull(whole);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(drive_whole(buf, n, whole), n);
    memset(&pl, 0, sizeof(pl));
    pl.fixed = 1;
    ck_assert_uint_eq(drive(buf, n, &pl, r), n);
    assert_same_record(whole, r);
    free(whole);
    free(r);
}
END_TEST

/** Random chunk sizes and random max_payload (seeded) give the same
 *  record. */
START_TEST(test_random_chunks)
{
    uint8_t buf[1024], payload[300];
    size_t n = build_long_stream(buf, payload, sizeof(buf));
    struct record *whole = malloc(sizeof(*whole));
    struct record *r = malloc(sizeof(*r));
    uint32_t rng = 0x12345678u + (uint32_t)_i * 7919u;
    int round;

    ck_assert_ptr_nonnull(whole);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(drive_whole(buf, n, whole), n);
    for (round = 0; round < 200; round++) {
        struct feed_plan pl;

        memset(&pl, 0, sizeof(pl));
        pl.rng = &rng;
        pl.rng_max = 1 + rng_next(&rng) % 40;
        pl.max_payload = 1 + rng_next(&rng) % 16;
        pl.max_binary = 1 + rng_next(&rng) % 64;
        pl.rng_payload = (int)(rng_next(&rng) & 1);
        ck_assert_uint_eq(drive(buf, n, &pl, r), n);
        assert_same_record(whole, r);
    }
    free(whole);
    free(r);
}
END_TEST

/* ---- max_payload ------------------------------------------------------ */

/** max_payload 0 takes the header but no payload and reports nothing;
 *  small values give chunks no longer than asked, unmasked correctly. */
START_TEST(test_max_payload_zero_and_small)
{
    uint8_t buf[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                     0x7f, 0x9f, 0x4d, 0x51, 0x58};
    struct ws_parser p;
    size_t used, off;
    struct ws_event ev;

    ws_parser_init(&p);
    ev = parse_one(&p, buf, sizeof(buf), 0, &used);
    ck_assert_uint_eq(used, 6);
    ck_assert_int_eq(ev.kind, WS_EV_NONE);
    ev = parse_one(&p, buf + 6, 5, 0, &used);
    ck_assert_uint_eq(used, 0);
    ck_assert_int_eq(ev.kind, WS_EV_NONE);
    ck_assert_mem_eq(buf + 6, "\x7f\x9f\x4d\x51\x58", 5); /* untouched */
    off = 6;
    ev = parse_one(&p, buf + off, sizeof(buf) - off, 2, &used);
    ck_assert_uint_eq(used, 2);
    ck_assert_int_eq(ev.kind, WS_EV_DATA);
    ck_assert_int_eq(ev.fin, 0);
    ck_assert_mem_eq(ev.data, "He", 2);
    off += used;
    ev = parse_one(&p, buf + off, sizeof(buf) - off, 0, &used);
    ck_assert_uint_eq(used, 0);
    ev = parse_one(&p, buf + off, sizeof(buf) - off, 2, &used);
    ck_assert_mem_eq(ev.data, "ll", 2);
    ck_assert_int_eq(ev.fin, 0);
    off += used;
    ev = parse_one(&p, buf + off, sizeof(buf) - off, 2, &used);
    ck_assert_uint_eq(used, 1);
    ck_assert_mem_eq(ev.data, "o", 1);
    ck_assert_int_eq(ev.opcode, WS_OP_TEXT);
    ck_assert_int_eq(ev.fin, 1);
}
END_TEST

/** Every max_payload from 1 to 6 yields the same bytes, chunks within
 *  the limit (the driver checks each). */
START_TEST(test_max_payload_each_value)
{
    uint8_t buf[1024], payload[300];
    size_t n = build_long_stream(buf, payload, sizeof(buf));
    struct record *whole = malloc(sizeof(*whole));
    struct record *r = malloc(sizeof(*r));
    size_t maxp;

    ck_assert_ptr_nonnull(whole);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(drive_whole(buf, n, whole), n);
    for (maxp = 1; maxp <= 6; maxp++) {
        struct feed_plan pl;

        memset(&pl, 0, sizeof(pl));
        pl.max_payload = maxp;
        ck_assert_uint_eq(drive(buf, n, &pl, r), n);
        assert_same_record(whole, r);
    }
    free(whole);
    free(r);
}
END_TEST

/** An empty data frame is reported even with max_payload 0. */
START_TEST(test_max_payload_zero_empty_frame)
{
    uint8_t buf[] = {0x82, 0x00};
    struct ws_parser p;
    size_t used;
    struct ws_event ev;

    ws_parser_init(&p);
    ev = parse_one(&p, buf, sizeof(buf), 0, &used);
    ck_assert_uint_eq(used, 2);
    ck_assert_int_eq(ev.kind, WS_EV_DATA);
    ck_assert_uint_eq(ev.len, 0);
    ck_assert_int_eq(ev.fin, 1);
}
END_TEST

/** One event per call: two frames in one buffer take two calls. */
START_TEST(test_one_event_per_call)
{
    uint8_t buf[] = {0x81, 0x01, 'a', 0x82, 0x01, 'b'};
    struct ws_parser p;
    size_t used;
    struct ws_event ev;

    ws_parser_init(&p);
    ev = parse_one(&p, buf, sizeof(buf), SIZE_MAX, &used);
    ck_assert_uint_eq(used, 3);
    ck_assert_int_eq(ev.opcode, WS_OP_TEXT);
    ev = parse_one(&p, buf + 3, 3, SIZE_MAX, &used);
    ck_assert_uint_eq(used, 3);
    ck_assert_int_eq(ev.opcode, WS_OP_BINARY);
    ev = parse_one(&p, NULL, 0, SIZE_MAX, &used);
    ck_assert_uint_eq(used, 0);
    ck_assert_int_eq(ev.kind, WS_EV_NONE);
}
END_TEST

/* ---- message type and frame position ---------------------------------- */

/** A new message stops the call after its first header, so the caller can
 *  pick the limit for its type; continuation frames do not stop. */
START_TEST(test_new_message_stops_after_header)
{
    uint8_t hello[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d,
                       0x7f, 0x9f, 0x4d, 0x51, 0x58};
    uint8_t bin[] = {0x02, 0x01, 0xaa, 0x80, 0x02, 0xbb, 0xcc};
    struct ws_parser p;
    struct ws_event ev;
    size_t used;

    ws_parser_init(&p);
    ck_assert_int_eq(ws_parser_msg_binary(&p), 0);
    used = ws_parse(&p, hello, sizeof(hello), SIZE_MAX, &ev);
    ck_assert_uint_eq(used, 6);
    ck_assert_int_eq(ev.kind, WS_EV_NONE);
    ck_assert_int_eq(ws_parser_msg_binary(&p), 0);
    used = ws_parse(&p, hello + 6, 5, SIZE_MAX, &ev);
    ck_assert_uint_eq(used, 5);
    ck_assert_int_eq(ev.kind, WS_EV_DATA);
    ck_assert_mem_eq(ev.data, "Hello", 5);

    used = ws_parse(&p, bin, sizeof(bin), 1, &ev);
    ck_assert_uint_eq(used, 2);
    ck_assert_int_eq(ev.kind, WS_EV_NONE);
    ck_assert_int_eq(ws_parser_msg_binary(&p), 1);
    used = ws_parse(&p, bin + 2, sizeof(bin) - 2, 1, &ev);
    ck_assert_uint_eq(used, 1);
    ck_assert_int_eq(ev.kind, WS_EV_DATA);
    ck_assert_int_eq(ev.fin, 0);
    /* The continuation's header and first payload byte in one call. */
    used = ws_parse(&p, bin + 3, sizeof(bin) - 3, 1, &ev);
    ck_assert_uint_eq(used, 3);
    ck_assert_int_eq(ev.kind, WS_EV_DATA);
    ck_assert_int_eq(ev.opcode, WS_OP_BINARY);
    ck_assert_int_eq(ev.data[0], 0xbb);
    ck_assert_int_eq(ws_parser_msg_binary(&p), 1);
    used = ws_parse(&p, bin + 6, 1, 1, &ev);
    ck_assert_uint_eq(used, 1);
    ck_assert_int_eq(ev.fin, 1);
    ck_assert_int_eq(ws_parser_msg_binary(&p), 0); /* message over */
}
END_TEST

/** Text and binary messages with different limits: each chunk stays
 *  within the limit of its own message's type, at any chunking. */
START_TEST(test_limits_per_message_type)
{
    uint8_t buf[1024], payload[300];
    size_t n = build_long_stream(buf, payload, sizeof(buf));
    struct record *whole = malloc(sizeof(*whole));
    struct record *r = malloc(sizeof(*r));
    size_t t, b, fixed;

    ck_assert_ptr_nonnull(whole);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(drive_whole(buf, n, whole), n);
    for (t = 1; t <= 5; t += 2) {
        for (b = 1; b <= 300; b = b * 4 + 1) {
            for (fixed = 1; fixed <= 64; fixed *= 8) {
                struct feed_plan pl;

                memset(&pl, 0, sizeof(pl));
                pl.fixed = fixed;
                pl.max_payload = t;
                pl.max_binary = b;
                ck_assert_uint_eq(drive(buf, n, &pl, r), n);
                assert_same_record(whole, r);
            }
        }
    }
    free(whole);
    free(r);
}
END_TEST

/** ws_parser_mid_frame: 0 between frames and after an error, 1 inside a
 *  header or with payload still to come. */
START_TEST(test_mid_frame)
{
    uint8_t buf[] = {0x82, 0x83, 1, 2, 3, 4, 5, 6, 7, 0xc1};
    struct ws_parser p;
    struct ws_event ev;
    size_t i;

    ws_parser_init(&p);
    ck_assert_int_eq(ws_parser_mid_frame(&p), 0);
    for (i = 0; i < 8; i++) {
        ws_parse(&p, buf + i, 1, SIZE_MAX, &ev);
        ck_assert_int_eq(ws_parser_mid_frame(&p), 1);
    }
    ws_parse(&p, buf + 8, 1, SIZE_MAX, &ev);
    ck_assert_int_eq(ev.kind, WS_EV_DATA);
    ck_assert_int_eq(ev.fin, 1);
    ck_assert_int_eq(ws_parser_mid_frame(&p), 0);
    ws_parse(&p, buf + 9, 1, SIZE_MAX, &ev);
    ck_assert_int_eq(ev.kind, WS_EV_ERROR);
    ck_assert_int_eq(ws_parser_mid_frame(&p), 0);
}
END_TEST

/* ---- writers ---------------------------------------------------------- */

/** Header bytes for lengths 0, 125, 126, 65535; 65536 refused. */
START_TEST(test_writer_header)
{
    uint8_t h[4];

    ck_assert_uint_eq(ws_frame_header(h, WS_OP_TEXT, 0), 2);
    ck_assert_mem_eq(h, "\x81\x00", 2);
    ck_assert_uint_eq(ws_frame_header(h, WS_OP_TEXT, 125), 2);
    ck_assert_mem_eq(h, "\x81\x7d", 2);
    ck_assert_uint_eq(ws_frame_header(h, WS_OP_BINARY, 126), 4);
    ck_assert_mem_eq(h, "\x82\x7e\x00\x7e", 4);
    ck_assert_uint_eq(ws_frame_header(h, WS_OP_BINARY, 65535), 4);
    ck_assert_mem_eq(h, "\x82\x7e\xff\xff", 4);
    ck_assert_uint_eq(ws_frame_header(h, WS_OP_BINARY, 65536), 0);
    ck_assert_uint_eq(ws_frame_header(h, WS_OP_TEXT, 10), 2);
    ck_assert_mem_eq(h, "\x81\x0a", 2); /* the "Password: " frame */
}
END_TEST

/** Control headers: PONG up to 125; longer, or unknown opcodes, refused. */
START_TEST(test_writer_header_control)
{
    uint8_t h[4];

    ck_assert_uint_eq(ws_frame_header(h, WS_OP_PONG, 5), 2);
    ck_assert_mem_eq(h, "\x8a\x05", 2);
    ck_assert_uint_eq(ws_frame_header(h, WS_OP_PONG, 125), 2);
    ck_assert_uint_eq(ws_frame_header(h, WS_OP_PONG, 126), 0);
    ck_assert_uint_eq(ws_frame_header(h, WS_OP_PING, 0), 2);
    ck_assert_mem_eq(h, "\x89\x00", 2);
    ck_assert_uint_eq(ws_frame_header(h, 3, 1), 0);
    ck_assert_uint_eq(ws_frame_header(h, 0x81, 1), 0);
}
END_TEST

/** Close frames: empty for code 0, 2-byte code otherwise; cap checked. */
START_TEST(test_writer_close)
{
    uint8_t out[4];

    ck_assert_uint_eq(ws_close_frame(out, sizeof(out), 0), 2);
    ck_assert_mem_eq(out, "\x88\x00", 2);
    ck_assert_uint_eq(ws_close_frame(out, sizeof(out), 1000), 4);
    ck_assert_mem_eq(out, "\x88\x02\x03\xe8", 4);
    ck_assert_uint_eq(ws_close_frame(out, sizeof(out), 1009), 4);
    ck_assert_mem_eq(out, "\x88\x02\x03\xf1", 4);
    ck_assert_uint_eq(ws_close_frame(out, 3, 1000), 0);
    ck_assert_uint_eq(ws_close_frame(out, 2, 0), 2);
    ck_assert_uint_eq(ws_close_frame(out, 1, 0), 0);
}
END_TEST

/** Close frames with a reason: code, then the reason's bytes; limits. */
START_TEST(test_writer_close_reason)
{
    uint8_t out[128];
    char long_reason[124];

    ck_assert_uint_eq(ws_close_frame_reason(out, sizeof(out), 1013, "busy", 4), 8);
    ck_assert_mem_eq(out, "\x88\x06\x03\xf5" "busy", 8);
    ck_assert_uint_eq(ws_close_frame_reason(out, 7, 1013, "busy", 4), 0);
    /* code 0: no payload, the reason is dropped */
    ck_assert_uint_eq(ws_close_frame_reason(out, sizeof(out), 0, "x", 1), 2);
    ck_assert_mem_eq(out, "\x88\x00", 2);
    ck_assert_uint_eq(ws_close_frame_reason(out, sizeof(out), 1000, NULL, 5), 4);
    memset(long_reason, 'r', sizeof(long_reason));
    ck_assert_uint_eq(ws_close_frame_reason(out, sizeof(out), 1000, long_reason, 123), 127);
    ck_assert_uint_eq(ws_close_frame_reason(out, sizeof(out), 1000, long_reason, 124), 0);
}
END_TEST

/** What the writers produce, the parser reads back (unmasked frames). */
START_TEST(test_writer_round_trip)
{
    static uint8_t buf[65535 + 4];
    static const size_t sizes[] = {0, 125, 126, 65535};
    size_t k, i;

    for (k = 0; k < 4; k++) {
        struct ws_parser p;
        size_t h = ws_frame_header(buf, WS_OP_BINARY, sizes[k]), used;
        struct ws_event ev;

        for (i = 0; i < sizes[k]; i++)
            buf[h + i] = (uint8_t)i;
        ws_parser_init(&p);
        ev = parse_one(&p, buf, h + sizes[k], SIZE_MAX, &used);
        ck_assert_uint_eq(used, h + sizes[k]);
        ck_assert_int_eq(ev.kind, WS_EV_DATA);
        ck_assert_uint_eq(ev.len, sizes[k]);
        ck_assert_int_eq(ev.fin, 1);
    }
    {
        struct ws_parser p;
        size_t n = ws_close_frame(buf, 4, 1001), used;
        struct ws_event ev;

        ws_parser_init(&p);
        ev = parse_one(&p, buf, n, SIZE_MAX, &used);
        ck_assert_int_eq(ev.kind, WS_EV_CONTROL);
        ck_assert_uint_eq(ev.close_code, 1001);
    }
}
END_TEST

static Suite *ws_suite(void)
{
    Suite *s = suite_create("ws_frame");
    TCase *tc;

    tc = tcase_create("rfc6455");
    tcase_add_test(tc, test_rfc_masked_hello);
    tcase_add_test(tc, test_rfc_unmasked_hello);
    tcase_add_test(tc, test_rfc_fragmented);
    tcase_add_test(tc, test_rfc_ping_pong);
    tcase_add_test(tc, test_rfc_16bit_lengths);
    suite_add_tcase(s, tc);

    tc = tcase_create("lengths");
    tcase_add_test(tc, test_lengths);
    tcase_add_test(tc, test_nonminimal_16bit_length);
    tcase_add_test(tc, test_empty_frames);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_test(tc, test_error_reserved_bits);
    tcase_add_test(tc, test_error_unknown_opcode);
    tcase_add_test(tc, test_error_control_fragmented);
    tcase_add_test(tc, test_error_control_too_long);
    tcase_add_test(tc, test_error_length_64bit);
    tcase_add_test(tc, test_error_unexpected_continuation);
    tcase_add_test(tc, test_error_expected_continuation);
    tcase_add_test(tc, test_error_close_length_1);
    tcase_add_test(tc, test_error_close_code);
    tcase_add_test(tc, test_error_sticks);
    suite_add_tcase(s, tc);

    tc = tcase_create("control");
    tcase_add_test(tc, test_close_code_parsing);
    tcase_add_test(tc, test_control_split_across_feeds);
    tcase_add_test(tc, test_control_ignores_max_payload);
    tcase_add_test(tc, test_fragmented_with_ping);
    suite_add_tcase(s, tc);

    tc = tcase_create("chunking");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_split_every_position);
    tcase_add_test(tc, test_split_header_every_pair);
    tcase_add_test(tc, test_byte_by_byte);
    tcase_add_loop_test(tc, test_random_chunks, 0, 4);
    suite_add_tcase(s, tc);

    tc = tcase_create("max_payload");
    tcase_add_test(tc, test_max_payload_zero_and_small);
    tcase_add_test(tc, test_max_payload_each_value);
    tcase_add_test(tc, test_max_payload_zero_empty_frame);
    tcase_add_test(tc, test_one_event_per_call);
    suite_add_tcase(s, tc);

    tc = tcase_create("message type");
    tcase_add_test(tc, test_new_message_stops_after_header);
    tcase_add_test(tc, test_limits_per_message_type);
    tcase_add_test(tc, test_mid_frame);
    suite_add_tcase(s, tc);

    tc = tcase_create("writer");
    tcase_add_test(tc, test_writer_header);
    tcase_add_test(tc, test_writer_header_control);
    tcase_add_test(tc, test_writer_close);
    tcase_add_test(tc, test_writer_close_reason);
    tcase_add_test(tc, test_writer_round_trip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(ws_suite());
}
