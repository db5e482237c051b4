/*
 * test_utf8.c - Check tests of consumer/proto/utf8.[ch].
 *
 * Expected outputs of the invalid cases follow the Unicode "maximal
 * subpart" practice; they were cross-checked with Python 3's
 * bytes.decode("utf-8", "replace"), which follows it too. A decoder written
 * here independently (by code point, not by byte ranges) checks that every
 * call's output is valid UTF-8 on its own.
 */
#include <check.h>

#include "testutil.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "proto/utf8.h"

#define FFFD "\xef\xbf\xbd"

/* ---- helpers ---------------------------------------------------------- */

/* Independent check: s[0..n) decodes to well-formed scalar values. */
static int valid_utf8(const uint8_t *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint32_t cp, min;
        size_t len, k;
        uint8_t b = s[i];

        if (b < 0x80) {
            i++;
            continue;
        }
        if ((b & 0xE0) == 0xC0) {
            len = 2;
            cp = b & 0x1Fu;
            min = 0x80;
        } else if ((b & 0xF0) == 0xE0) {
            len = 3;
            cp = b & 0x0Fu;
            min = 0x800;
        } else if ((b & 0xF8) == 0xF0) {
            len = 4;
            cp = b & 0x07u;
            min = 0x10000;
        } else {
            return 0;
        }
        if (len > n - i)
            return 0;
        for (k = 1; k < len; k++) {
            if ((s[i + k] & 0xC0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return 0;
        i += len;
    }
    return 1;
}

static size_t encode(uint32_t cp, uint8_t *out)
{
    if (cp < 0x80) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (uint8_t)(0xC0 | (cp >> 6));
        out[1] = (uint8_t)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (uint8_t)(0xE0 | (cp >> 12));
        out[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (uint8_t)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (uint8_t)(0xF0 | (cp >> 18));
    out[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (uint8_t)(0x80 | (cp & 0x3F));
    return 4;
}

/* xorshift32 */

/*
 * Result of running a stream through the sanitizer; bad counts broken
 * invariants (a call's output not valid on its own, no progress with
 * enough room, all input not taken with UTF8_SANITIZE_MAX room).
 */
struct run {
    uint8_t out[16384];
    size_t len;
    int bad;
};

/*
 * Sanitize in[0..n) cut at the given split points (ascending; n_splits may
 * be 0), with out_cap per call (0 = UTF8_SANITIZE_MAX of the piece), then
 * flush. Each call's output is checked on its own.
 */
static void run_split(const uint8_t *in, size_t n, const size_t *splits,
                      size_t n_splits, size_t out_cap, struct run *r)
{
    struct utf8_out s;
    size_t start = 0, k;

    utf8_out_init(&s);
    r->len = 0;
    r->bad = 0;
    for (k = 0; k <= n_splits; k++) {
        size_t end = k < n_splits ? splits[k] : n;

        while (start < end) {
            size_t cap = out_cap, used = 0, w;

            if (cap == 0)
                cap = UTF8_SANITIZE_MAX(end - start);

            if (cap > sizeof(r->out) - r->len) {
                r->bad++;
                return;
            }
            w = utf8_sanitize(&s, in + start, end - start, r->out + r->len,
                              cap, &used);
            if (w > cap || used > end - start ||
                !valid_utf8(r->out + r->len, w))
                r->bad++;
            if (cap >= UTF8_SANITIZE_MAX(end - start) && used != end - start)
                r->bad++;
            r->len += w;
            start += used;
            if (used == 0 && w == 0) {
                if (cap >= UTF8_OUT_MIN)
                    r->bad++; /* no progress despite enough room */
                return;
            }
        }
    }
    r->len += utf8_flush(&s, r->out + r->len, sizeof(r->out) - r->len);
    if (utf8_held(&s) != 0)
        r->bad++;
}

static void run_whole(const uint8_t *in, size_t n, struct run *r)
{
    run_split(in, n, NULL, 0, 0, r);
}

/* Text with 1- to 4-byte characters and the boundary code points. */
static const uint8_t mixed[] =
    "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"
    "b\xc2\x80\xdf\xbf\xe0\xa0\x80\xef\xbf\xbf\xed\x9f\xbf\xee\x80\x80"
    "\xf0\x90\x80\x80\xf4\x8f\xbf\xbf!";
#define MIXED_LEN (sizeof(mixed) - 1)

/* ---- valid input ------------------------------------------------------ */

/** ASCII (terminal output) passes through unchanged, all taken. */
START_TEST(test_ascii)
{
    static const char text[] = "Hello, world!\r\n>>> \x01\x7f\t";
    uint8_t out[64];
    struct utf8_out s;
    size_t used = 0, n;

    utf8_out_init(&s);
    n = utf8_sanitize(&s, (const uint8_t *)text, sizeof(text) - 1, out,
                      sizeof(out), &used);
    ck_assert_uint_eq(n, sizeof(text) - 1);
    ck_assert_uint_eq(used, sizeof(text) - 1);
    ck_assert_mem_eq(out, text, n);
    ck_assert_uint_eq(utf8_flush(&s, out, sizeof(out)), 0);
}
END_TEST

/** 2-, 3- and 4-byte characters and every boundary code point (U+0080,
 *  U+07FF, U+0800, U+D7FF, U+E000, U+FFFF, U+10000, U+10FFFF) pass. */
START_TEST(test_valid_multibyte)
{
    struct run r;

    ck_assert(valid_utf8(mixed, MIXED_LEN));
    run_whole(mixed, MIXED_LEN, &r);
    ck_assert_int_eq(r.bad, 0);
    ck_assert_uint_eq(r.len, MIXED_LEN);
    ck_assert_mem_eq(r.out, mixed, MIXED_LEN);
}
END_TEST

/** Split in two at every position: output equals input and each call's
 *  output is valid on its own (no character split across frames). */
START_TEST(test_split_every_position)
{
    size_t k;

    for (k = 0; k <= MIXED_LEN; k++) {
        struct run r;

        run_split(mixed, MIXED_LEN, &k, 1, 0, &r);
        ck_assert_int_eq(r.bad, 0);
        ck_assert_uint_eq(r.len, MIXED_LEN);
        ck_assert_mem_eq(r.out, mixed, MIXED_LEN);
    }
}
END_TEST

/** Split in three at every pair of positions. */
START_TEST(test_split_every_pair)
{
    size_t a, b;

    for (a = 0; a <= MIXED_LEN; a++) {
        for (b = a; b <= MIXED_LEN; b++) {
            size_t splits[2];
            struct run r;

            splits[0] = a;
            splits[1] = b;
            run_split(mixed, MIXED_LEN, splits, 2, 0, &r);
            if (r.bad != 0 || r.len != MIXED_LEN ||
                memcmp(r.out, mixed, MIXED_LEN) != 0)
                ck_abort_msg("split at %zu and %zu", a, b);
        }
    }
}
END_TEST

/** A byte per call: a character comes out whole with its last byte. */
START_TEST(test_byte_by_byte)
{
    struct utf8_out s;
    uint8_t out[8];
    size_t i, total = 0;

    utf8_out_init(&s);
    for (i = 0; i < MIXED_LEN; i++) {
        size_t used = 0;
        size_t n = utf8_sanitize(&s, mixed + i, 1, out, sizeof(out), &used);

        ck_assert_uint_eq(used, 1);
        ck_assert(valid_utf8(out, n));
        ck_assert_mem_eq(out, mixed + total, n);
        total += n;
        ck_assert_uint_eq(total + utf8_held(&s), i + 1);
    }
    ck_assert_uint_eq(total, MIXED_LEN);
}
END_TEST

/** Random valid text, random pieces and random out_cap >= 4: unchanged. */
START_TEST(test_random_valid_text)
{
    uint32_t rng = 0xC0FFEEu + (uint32_t)_i;
    uint8_t text[4096];
    int round;

    for (round = 0; round < 50; round++) {
        size_t n = 0, splits[16], k;
        struct run r;

        while (n < sizeof(text) - 4) {
            uint32_t cp;

            switch (rng_next(&rng) % 4) {
            case 0: cp = rng_next(&rng) % 0x80; break;
            case 1: cp = 0x80 + rng_next(&rng) % (0x800 - 0x80); break;
            case 2: cp = 0x800 + rng_next(&rng) % (0x10000 - 0x800); break;
            default: cp = 0x10000 + rng_next(&rng) % 0x100000; break;
            }
            if (cp >= 0xD800 && cp <= 0xDFFF)
                continue;
            n += encode(cp, text + n);
        }
        for (k = 0; k < 16; k++)
            splits[k] = rng_next(&rng) % (n + 1);
        for (k = 1; k < 16; k++) { /* insertion sort */
            size_t v = splits[k], j = k;

            while (j > 0 && splits[j - 1] > v) {
                splits[j] = splits[j - 1];
                j--;
            }
            splits[j] = v;
        }
        run_split(text, n, splits, 16, 4 + rng_next(&rng) % 12, &r);
        ck_assert_int_eq(r.bad, 0);
        ck_assert_uint_eq(r.len, n);
        ck_assert_mem_eq(r.out, text, n);
    }
}
END_TEST

/* ---- invalid input ---------------------------------------------------- */

struct bad_case {
    const char *what;
    const char *in;
    size_t in_len;
    const char *out;
    size_t out_len;
};

#define U(what, in, out) {what, in, sizeof(in) - 1, out, sizeof(out) - 1}

static const struct bad_case bad_cases[] = {
    U("stray continuation 80", "\x80", FFFD),
    U("stray continuation BF between ASCII", "a\xbf" "b", "a" FFFD "b"),
    U("two stray continuations", "\x80\x80", FFFD FFFD),
    U("overlong C0 80", "\xc0\x80", FFFD FFFD),
    U("overlong C1 BF", "\xc1\xbf", FFFD FFFD),
    U("overlong 3-byte E0 80 80", "\xe0\x80\x80", FFFD FFFD FFFD),
    U("overlong 3-byte E0 9F BF", "\xe0\x9f\xbf", FFFD FFFD FFFD),
    U("overlong 4-byte F0 80 80 80", "\xf0\x80\x80\x80",
      FFFD FFFD FFFD FFFD),
    U("overlong 4-byte F0 8F BF BF", "\xf0\x8f\xbf\xbf",
      FFFD FFFD FFFD FFFD),
    U("surrogate ED A0 80", "\xed\xa0\x80", FFFD FFFD FFFD),
    U("surrogate ED BF BF", "\xed\xbf\xbf", FFFD FFFD FFFD),
    U("surrogate pair", "\xed\xa0\xbd\xed\xb8\x80",
      FFFD FFFD FFFD FFFD FFFD FFFD),
    U("above U+10FFFF F4 90 80 80", "\xf4\x90\x80\x80",
      FFFD FFFD FFFD FFFD),
    U("lead F5", "\xf5\x80\x80\x80", FFFD FFFD FFFD FFFD),
    U("lead F7", "\xf7\xbf\xbf\xbf", FFFD FFFD FFFD FFFD),
    U("5-byte form F8", "\xf8\x88\x80\x80\x80", FFFD FFFD FFFD FFFD FFFD),
    U("FE FF", "\xfe\xff", FFFD FFFD),
    U("truncated 2-byte then ASCII", "\xc3" "A", FFFD "A"),
    U("truncated 3-byte (1 of 3) then ASCII", "\xe2" "A", FFFD "A"),
    U("truncated 3-byte (2 of 3) then ASCII", "\xe2\x82" "A", FFFD "A"),
    U("truncated 4-byte (3 of 4) then ASCII", "\xf0\x9f\x98" "A", FFFD "A"),
    U("truncated 2-byte then valid 2-byte", "\xc3\xc3\xa9", FFFD "\xc3\xa9"),
    U("truncated 3-byte then valid 3-byte", "\xe2\x82\xe2\x82\xac",
      FFFD "\xe2\x82\xac"),
    U("truncated 4-byte then invalid lead", "\xf0\x9f\xff", FFFD FFFD),
    U("valid between invalid", "\xff\xc3\xa9\xff", FFFD "\xc3\xa9" FFFD),
    U("truncated at end of stream (flush)", "ok\xf0\x9f\x98", "ok" FFFD),
};
#define N_BAD (sizeof(bad_cases) / sizeof(bad_cases[0]))

/** Each invalid class becomes U+FFFD, fed whole and a byte per call. */
START_TEST(test_invalid_class)
{
    const struct bad_case *c = &bad_cases[_i];
    const uint8_t *in = (const uint8_t *)c->in;
    size_t splits[8], k;
    struct run r;

    run_whole(in, c->in_len, &r);
    ck_assert_msg(r.bad == 0 && r.len == c->out_len &&
                      memcmp(r.out, c->out, c->out_len) == 0,
                  "%s (whole)", c->what);
    ck_assert_uint_le(c->in_len, 8);
    for (k = 0; k < c->in_len; k++)
        splits[k] = k;
    run_split(in, c->in_len, splits, c->in_len, 0, &r);
    ck_assert_msg(r.bad == 0 && r.len == c->out_len &&
                      memcmp(r.out, c->out, c->out_len) == 0,
                  "%s (byte by byte)", c->what);
}
END_TEST

/** Random bytes: every call's output is valid, pieces and out_cap never
 *  change the result, and output stays within 3 bytes per input byte. */
START_TEST(test_random_bytes)
{
    uint32_t rng = 0xBADC0DEu + (uint32_t)_i;
    uint8_t in[2048];
    static struct run whole, r;
    int round;

    for (round = 0; round < 50; round++) {
        size_t i, splits[8], k;

        for (i = 0; i < sizeof(in); i++) {
            uint32_t x = rng_next(&rng);

            /* Mostly bytes of the interesting high half. */
            in[i] = (uint8_t)((x & 3) == 0 ? x >> 8 : 0x80 | (x >> 8));
        }
        run_whole(in, sizeof(in), &whole);
        ck_assert_int_eq(whole.bad, 0);
        ck_assert(valid_utf8(whole.out, whole.len));
        ck_assert_uint_le(whole.len, 3 * sizeof(in));
        for (k = 0; k < 8; k++)
            splits[k] = (k + 1) * (sizeof(in) / 9) + rng_next(&rng) % 17;
        run_split(in, sizeof(in), splits, 8, 4 + rng_next(&rng) % 9, &r);
        ck_assert_int_eq(r.bad, 0);
        ck_assert_uint_eq(r.len, whole.len);
        ck_assert_mem_eq(r.out, whole.out, r.len);
    }
}
END_TEST

/* ---- output room ------------------------------------------------------ */

/** Too little room never splits a character: the call stops before it. */
START_TEST(test_small_out_cap)
{
    static const uint8_t smile[] = {0xf0, 0x9f, 0x98, 0x80};
    static const uint8_t euro_a[] = {0xe2, 0x82, 0xac, 'a'};
    struct utf8_out s;
    uint8_t out[8];
    size_t used, n;

    /* 3 bytes of room for a 4-byte character: its first 3 bytes are held,
     * the 4th is not taken, nothing is written. */
    utf8_out_init(&s);
    n = utf8_sanitize(&s, smile, 4, out, 3, &used);
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(used, 3);
    ck_assert_uint_eq(utf8_held(&s), 3);
    n = utf8_sanitize(&s, smile + 3, 1, out, 3, &used);
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(used, 0);
    n = utf8_sanitize(&s, smile + 3, 1, out, 4, &used);
    ck_assert_uint_eq(n, 4);
    ck_assert_uint_eq(used, 1);
    ck_assert_mem_eq(out, smile, 4);

    /* Room for "€" but not "€a". */
    utf8_out_init(&s);
    n = utf8_sanitize(&s, euro_a, 4, out, 3, &used);
    ck_assert_uint_eq(n, 3);
    ck_assert_uint_eq(used, 3);
    /* "a€" with room 3: "a" only; the 2 held bytes wait. */
    utf8_out_init(&s);
    n = utf8_sanitize(&s, (const uint8_t *)"a\xe2\x82\xac", 4, out, 3, &used);
    ck_assert_uint_eq(n, 1);
    ck_assert_uint_eq(used, 3);

    /* U+FFFD needs 3 bytes: with 2 the invalid byte is not taken. */
    utf8_out_init(&s);
    n = utf8_sanitize(&s, (const uint8_t *)"\x80", 1, out, 2, &used);
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(used, 0);
    /* Nor is the byte that ends a truncated character. */
    utf8_out_init(&s);
    n = utf8_sanitize(&s, (const uint8_t *)"\xc3" "A", 2, out, 2, &used);
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(used, 1);
    n = utf8_sanitize(&s, (const uint8_t *)"A", 1, out, 4, &used);
    ck_assert_uint_eq(n, 4);
    ck_assert_mem_eq(out, FFFD "A", 4);

    /* No room at all: a lead byte may be held, nothing else. */
    utf8_out_init(&s);
    n = utf8_sanitize(&s, (const uint8_t *)"\xc3\xa9", 2, NULL, 0, &used);
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(used, 1);
    n = utf8_sanitize(&s, (const uint8_t *)"x", 1, NULL, 0, &used);
    ck_assert_uint_eq(used, 0);
}
END_TEST

/** Every out_cap from 4 up gives the same output, each call valid. */
START_TEST(test_every_out_cap)
{
    static uint8_t in[MIXED_LEN + 16];
    size_t n, cap;
    struct run whole, r;

    memcpy(in, mixed, MIXED_LEN);
    memcpy(in + MIXED_LEN, "\xff\xc3" "A\xed\xa0\x80\xe2\x82\xf0\x9f\x98", 11);
    n = MIXED_LEN + 11;
    run_whole(in, n, &whole);
    ck_assert_int_eq(whole.bad, 0);
    for (cap = UTF8_OUT_MIN; cap <= whole.len + 3; cap++) {
        run_split(in, n, NULL, 0, cap, &r);
        ck_assert_int_eq(r.bad, 0);
        ck_assert_uint_eq(r.len, whole.len);
        ck_assert_mem_eq(r.out, whole.out, r.len);
    }
}
END_TEST

/** The documented worst case is reached and is enough: held bytes plus
 *  invalid bytes give 3 * n + 3 output bytes for n input bytes. */
START_TEST(test_worst_case_growth)
{
    uint8_t in[100], out[UTF8_SANITIZE_MAX(100)];
    struct utf8_out s;
    size_t used = 0, n, i;

    memset(in, 0xff, sizeof(in));
    utf8_out_init(&s);
    n = utf8_sanitize(&s, (const uint8_t *)"\xe2\x82", 2, out, sizeof(out),
                      &used);
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(used, 2);
    n = utf8_sanitize(&s, in, sizeof(in), out, sizeof(out), &used);
    ck_assert_uint_eq(used, sizeof(in));
    ck_assert_uint_eq(n, UTF8_SANITIZE_MAX(sizeof(in)));
    for (i = 0; i < n; i += 3)
        ck_assert_mem_eq(out + i, FFFD, 3);
}
END_TEST

/* ---- end of stream ---------------------------------------------------- */

/** flush writes U+FFFD for held bytes once; without room it keeps them;
 *  afterwards the stream starts afresh. */
START_TEST(test_flush)
{
    struct utf8_out s;
    uint8_t out[8];
    size_t used = 0, n;

    utf8_out_init(&s);
    ck_assert_uint_eq(utf8_flush(&s, out, sizeof(out)), 0);
    n = utf8_sanitize(&s, (const uint8_t *)"\xe2\x82", 2, out, sizeof(out),
                      &used);
    ck_assert_uint_eq(n, 0);
    ck_assert_uint_eq(used, 2);
    ck_assert_uint_eq(utf8_held(&s), 2);
    ck_assert_uint_eq(utf8_flush(&s, out, 2), 0);
    ck_assert_uint_eq(utf8_held(&s), 2);
    ck_assert_uint_eq(utf8_flush(&s, out, 3), 3);
    ck_assert_mem_eq(out, FFFD, 3);
    ck_assert_uint_eq(utf8_held(&s), 0);
    ck_assert_uint_eq(utf8_flush(&s, out, sizeof(out)), 0);
    /* The continuation byte that would have completed it is now stray. */
    n = utf8_sanitize(&s, (const uint8_t *)"\xac", 1, out, sizeof(out),
                      &used);
    ck_assert_uint_eq(n, 3);
    ck_assert_mem_eq(out, FFFD, 3);
}
END_TEST

/** Empty input writes nothing and keeps the held bytes. */
START_TEST(test_empty_input)
{
    struct utf8_out s;
    uint8_t out[8];
    size_t used = 99;

    utf8_out_init(&s);
    ck_assert_uint_eq(utf8_sanitize(&s, NULL, 0, out, sizeof(out), &used), 0);
    ck_assert_uint_eq(used, 0);
    utf8_sanitize(&s, (const uint8_t *)"\xc3", 1, out, sizeof(out), &used);
    ck_assert_uint_eq(utf8_sanitize(&s, NULL, 0, out, sizeof(out), &used), 0);
    ck_assert_uint_eq(utf8_held(&s), 1);
    ck_assert_uint_eq(utf8_sanitize(&s, (const uint8_t *)"\xa9", 1, out,
                                    sizeof(out), &used),
                      2);
    ck_assert_mem_eq(out, "\xc3\xa9", 2);
}
END_TEST

static Suite *utf8_suite(void)
{
    Suite *s = suite_create("utf8");
    TCase *tc;

    tc = tcase_create("valid");
    tcase_add_test(tc, test_ascii);
    tcase_add_test(tc, test_valid_multibyte);
    tcase_add_test(tc, test_split_every_position);
    tcase_add_test(tc, test_split_every_pair);
    tcase_add_test(tc, test_byte_by_byte);
    tcase_add_loop_test(tc, test_random_valid_text, 0, 4);
    suite_add_tcase(s, tc);

    tc = tcase_create("invalid");
    tcase_add_loop_test(tc, test_invalid_class, 0, (int)N_BAD);
    tcase_add_loop_test(tc, test_random_bytes, 0, 4);
    suite_add_tcase(s, tc);

    tc = tcase_create("room");
    tcase_add_test(tc, test_small_out_cap);
    tcase_add_test(tc, test_every_out_cap);
    tcase_add_test(tc, test_worst_case_growth);
    suite_add_tcase(s, tc);

    tc = tcase_create("end");
    tcase_add_test(tc, test_flush);
    tcase_add_test(tc, test_empty_input);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(utf8_suite());
}
