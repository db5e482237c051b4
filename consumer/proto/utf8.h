/*
 * utf8.h - make a byte stream safe to send as websocket text frames.
 *
 * A browser fails the connection (1002) when a text message is not valid
 * UTF-8 on its own, so terminal output must never split a character across
 * two frames and must never carry an invalid byte. utf8_sanitize() copies
 * valid UTF-8 (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF), replaces each ill-formed part with U+FFFD (EF BF BD), and holds
 * back an incomplete character at the end of its input until the next call
 * completes it. Its output always ends on a character boundary, so every
 * call's output can be sent as a text frame by itself.
 *
 * Replacement follows the Unicode "maximal subpart" practice: a lead byte
 * and the valid continuation bytes after it that do not complete a
 * character become one U+FFFD; any other invalid byte (a stray continuation
 * byte, C0, C1, F5-FF) becomes one U+FFFD each.
 *
 * Pure C99: no I/O, no allocation, no globals.
 */
#ifndef CONSUMER_UTF8_H
#define CONSUMER_UTF8_H

#include <stddef.h>
#include <stdint.h>

/** Bytes of U+FFFD in UTF-8. */
#define UTF8_REPLACEMENT_LEN 3

/**
 * Output room with which utf8_sanitize() always makes progress on non-empty
 * input (the longest thing it writes at once is a 4-byte character).
 */
#define UTF8_OUT_MIN 4

/**
 * Output room with which one utf8_sanitize() call takes all of in_len input
 * bytes: each input byte may become 3 output bytes (an invalid byte becomes
 * U+FFFD), and bytes held back by an earlier call may add one more U+FFFD.
 * Over a whole stream the output is at most 3 times the input.
 */
#define UTF8_SANITIZE_MAX(in_len) (3 * (size_t)(in_len) + 3)

/**
 * State carried from one call to the next: the start of a character whose
 * remaining bytes have not arrived yet. Owned by the caller; initialise with
 * utf8_out_init(). Fields are internal.
 */
struct utf8_out {
    uint8_t held[3];  /**< lead byte and continuation bytes so far */
    uint8_t held_len; /**< how many of held are in use (0 = none) */
    uint8_t seq_len;  /**< length of the character held[] begins */
};

/** Prepare s for a new stream. Cannot fail. */
void utf8_out_init(struct utf8_out *s);

/**
 * Convert as much of in[0..in_len) as fits into out[0..out_cap).
 *
 * Returns the number of bytes written to out: complete, valid UTF-8 that may
 * be sent as a text frame on its own (it is never cut inside a character).
 * *in_used is set to the number of input bytes taken, including bytes of an
 * incomplete character now held in s (they come out with the call that
 * completes them, or as U+FFFD from a later call or utf8_flush()). The caller
 * passes in + *in_used again once it has room; bytes not taken were left
 * because out was full. out_cap >= UTF8_OUT_MIN guarantees progress, and
 * out_cap >= UTF8_SANITIZE_MAX(in_len) guarantees *in_used == in_len.
 * in and out may be NULL when their length is 0.
 */
size_t utf8_sanitize(struct utf8_out *s, const uint8_t *in, size_t in_len,
                     uint8_t *out, size_t out_cap, size_t *in_used);

/**
 * End of stream: write U+FFFD for an incomplete character still held in s
 * and forget it.
 *
 * Returns the bytes written: 3, or 0 if nothing was held (or cap < 3, in
 * which case the held bytes stay; check with utf8_held()).
 */
size_t utf8_flush(struct utf8_out *s, uint8_t *out, size_t cap);

/** Returns how many input bytes s holds back (0 to 3). */
size_t utf8_held(const struct utf8_out *s);

#endif /* CONSUMER_UTF8_H */
