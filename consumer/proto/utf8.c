/*
 * utf8.c - UTF-8 sanitizer for text frames. See utf8.h for the contract.
 *
 * Validation is by ranges (RFC 3629 section 4): the lead byte fixes the
 * length, and only the first continuation byte has a narrower range, which
 * is what rules out overlong forms (E0, F0), surrogates (ED) and code points
 * above U+10FFFF (F4).
 */
#include "utf8.h"

#include <string.h>

static const uint8_t replacement[UTF8_REPLACEMENT_LEN] = {0xEF, 0xBF, 0xBD};

/* Length of the character a lead byte starts, or 0 if it cannot start one
 * (ASCII is handled by the caller). */
static uint8_t sequence_length(uint8_t b)
{
    if (b >= 0xC2 && b <= 0xDF)
        return 2;
    if (b >= 0xE0 && b <= 0xEF)
        return 3;
    if (b >= 0xF0 && b <= 0xF4)
        return 4;
    return 0; /* 80-BF continuation, C0/C1 overlong, F5-FF out of range */
}

/* May b follow lead at position pos (1 = first continuation byte)? */
static int continuation_ok(uint8_t lead, size_t pos, uint8_t b)
{
    uint8_t lo = 0x80, hi = 0xBF;

    if (pos == 1) {
        switch (lead) {
        case 0xE0: lo = 0xA0; break; /* overlong 3-byte */
        case 0xED: hi = 0x9F; break; /* surrogates */
        case 0xF0: lo = 0x90; break; /* overlong 4-byte */
        case 0xF4: hi = 0x8F; break; /* above U+10FFFF */
        default: break;
        }
    }
    return b >= lo && b <= hi;
}

void utf8_out_init(struct utf8_out *s)
{
    memset(s, 0, sizeof(*s));
}

size_t utf8_sanitize(struct utf8_out *s, const uint8_t *in, size_t in_len,
                     uint8_t *out, size_t out_cap, size_t *in_used)
{
    size_t i = 0, o = 0;

    while (i < in_len) {
        uint8_t b = in[i];

        if (s->held_len > 0) {
            if (!continuation_ok(s->held[0], s->held_len, b)) {
                /* The held prefix ends here: one U+FFFD, then b afresh. */
                if (out_cap - o < UTF8_REPLACEMENT_LEN)
                    break;
                memcpy(out + o, replacement, UTF8_REPLACEMENT_LEN);
                o += UTF8_REPLACEMENT_LEN;
                s->held_len = 0;
                continue;
            }
            if ((size_t)s->held_len + 1 < s->seq_len) {
                s->held[s->held_len++] = b;
                i++;
                continue;
            }
            if (out_cap - o < s->seq_len)
                break;
            memcpy(out + o, s->held, s->held_len);
            o += s->held_len;
            out[o++] = b;
            s->held_len = 0;
            i++;
            continue;
        }
        if (b < 0x80) {
            if (o == out_cap)
                break;
            out[o++] = b;
            i++;
            continue;
        }
        if (sequence_length(b) == 0) {
            if (out_cap - o < UTF8_REPLACEMENT_LEN)
                break;
            memcpy(out + o, replacement, UTF8_REPLACEMENT_LEN);
            o += UTF8_REPLACEMENT_LEN;
            i++;
            continue;
        }
        s->held[0] = b;
        s->held_len = 1;
        s->seq_len = sequence_length(b);
        i++;
    }
    if (in_used != NULL)
        *in_used = i;
    return o;
}

size_t utf8_flush(struct utf8_out *s, uint8_t *out, size_t cap)
{
    if (s->held_len == 0 || cap < UTF8_REPLACEMENT_LEN)
        return 0;
    memcpy(out, replacement, UTF8_REPLACEMENT_LEN);
    s->held_len = 0;
    return UTF8_REPLACEMENT_LEN;
}

size_t utf8_held(const struct utf8_out *s)
{
    return s->held_len;
}
