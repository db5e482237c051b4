/*
 * ws_frame.c - resumable websocket frame parser and frame writers.
 * See ws_frame.h for the contract.
 *
 * The parser walks a state per header part with a count of bytes still
 * needed, so it resumes at any byte. Unmasking indexes the key by the
 * payload offset within the frame, so chunk edges never matter.
 */
#include "ws_frame.h"

#include <string.h>

static int is_control(uint8_t opcode)
{
    return (opcode & 0x8) != 0;
}

static void event_clear(struct ws_event *ev)
{
    ev->kind = WS_EV_NONE;
    ev->opcode = 0;
    ev->fin = 0;
    ev->data = NULL;
    ev->len = 0;
    ev->close_code = 0;
    ev->error = WS_ERR_NONE;
}

static uint16_t error_close_code(enum ws_error e)
{
    return e == WS_ERR_LENGTH_64BIT ? WS_CLOSE_TOO_BIG
                                    : WS_CLOSE_PROTOCOL_ERROR;
}

/* Stop the parser for good and report why. */
static void fail(struct ws_parser *p, enum ws_error e, struct ws_event *ev)
{
    p->state = WS_ST_ERROR;
    p->error = e;
    ev->kind = WS_EV_ERROR;
    ev->error = e;
    ev->close_code = error_close_code(e);
}

/* May a peer send this close code (RFC 6455 7.4, IANA registry)? */
static int close_code_ok(uint16_t code)
{
    if (code >= 1000 && code <= 1003)
        return 1;
    if (code >= 1007 && code <= 1014)
        return 1;
    return code >= 3000 && code <= 4999;
}

/* First header byte: FIN, RSV1-3, opcode. */
static void header1(struct ws_parser *p, uint8_t b, struct ws_event *ev)
{
    uint8_t op = b & 0x0f;

    if ((b & 0x70) != 0) {
        fail(p, WS_ERR_RESERVED_BITS, ev);
        return;
    }
    if (op != WS_OP_CONTINUATION && op != WS_OP_TEXT && op != WS_OP_BINARY &&
        op != WS_OP_CLOSE && op != WS_OP_PING && op != WS_OP_PONG) {
        fail(p, WS_ERR_UNKNOWN_OPCODE, ev);
        return;
    }
    p->fin = (uint8_t)(b >> 7);
    p->opcode = op;
    if (is_control(op)) {
        if (!p->fin) {
            fail(p, WS_ERR_CONTROL_FRAGMENTED, ev);
            return;
        }
    } else if (op == WS_OP_CONTINUATION) {
        if (p->msg_opcode == 0) {
            fail(p, WS_ERR_UNEXPECTED_CONTINUATION, ev);
            return;
        }
    } else {
        if (p->msg_opcode != 0) {
            fail(p, WS_ERR_EXPECTED_CONTINUATION, ev);
            return;
        }
        p->msg_opcode = op;
    }
    p->state = WS_ST_HEADER2;
}

/* Header complete: set up for the payload. */
static void payload_start(struct ws_parser *p)
{
    p->payload_off = 0;
    p->state = WS_ST_PAYLOAD;
}

/* Second header byte: MASK bit, 7-bit length. */
static void header2(struct ws_parser *p, uint8_t b, struct ws_event *ev)
{
    uint8_t len7 = b & 0x7f;

    p->masked = (uint8_t)(b >> 7);
    if (is_control(p->opcode)) {
        if (len7 > WS_CONTROL_MAX) {
            fail(p, WS_ERR_CONTROL_TOO_LONG, ev);
            return;
        }
        if (p->opcode == WS_OP_CLOSE && len7 == 1) {
            fail(p, WS_ERR_CLOSE_LENGTH_1, ev);
            return;
        }
    }
    if (len7 == 127) {
        fail(p, WS_ERR_LENGTH_64BIT, ev);
        return;
    }
    p->payload_len = 0;
    if (len7 == 126) {
        p->state = WS_ST_EXT_LENGTH;
        p->need = 2;
        return;
    }
    p->payload_len = len7;
    if (p->masked) {
        p->state = WS_ST_MASK_KEY;
        p->need = 4;
    } else {
        payload_start(p);
    }
}

/* The whole control payload is in p->ctrl: report it. */
static void control_done(struct ws_parser *p, struct ws_event *ev)
{
    p->state = WS_ST_HEADER1;
    if (p->opcode == WS_OP_CLOSE) {
        uint16_t code = WS_CLOSE_NO_STATUS;

        if (p->payload_len >= 2) {
            code = (uint16_t)((p->ctrl[0] << 8) | p->ctrl[1]);
            if (!close_code_ok(code)) {
                fail(p, WS_ERR_CLOSE_CODE, ev);
                return;
            }
        }
        ev->close_code = code;
    }
    ev->kind = WS_EV_CONTROL;
    ev->opcode = p->opcode;
    ev->fin = 1;
    ev->data = p->payload_len > 0 ? p->ctrl : NULL;
    ev->len = p->payload_len;
}

/* Copy and unmask up to n payload bytes of a control frame. */
static size_t control_take(struct ws_parser *p, const uint8_t *in, size_t n)
{
    size_t k, left = p->payload_len - p->payload_off;

    if (n > left)
        n = left;
    for (k = 0; k < n; k++) {
        size_t off = p->payload_off + k;
        uint8_t b = in[k];

        if (p->masked)
            b ^= p->mask[off & 3];
        p->ctrl[off] = b;
    }
    p->payload_off += n;
    return n;
}

/* Unmask up to n payload bytes of a data frame in place; report them. */
static size_t data_take(struct ws_parser *p, uint8_t *in, size_t n,
                        struct ws_event *ev)
{
    size_t k, left = p->payload_len - p->payload_off;

    if (n > left)
        n = left;
    if (p->masked) {
        for (k = 0; k < n; k++)
            in[k] ^= p->mask[(p->payload_off + k) & 3];
    }
    p->payload_off += n;
    ev->kind = WS_EV_DATA;
    ev->opcode = p->msg_opcode;
    ev->data = n > 0 ? in : NULL;
    ev->len = n;
    if (p->payload_off == p->payload_len) {
        p->state = WS_ST_HEADER1;
        if (p->fin) {
            ev->fin = 1;
            p->msg_opcode = 0;
        }
    }
    return n;
}

void ws_parser_init(struct ws_parser *p)
{
    memset(p, 0, sizeof(*p));
    p->state = WS_ST_HEADER1;
    p->error = WS_ERR_NONE;
}

size_t ws_parse(struct ws_parser *p, uint8_t *data, size_t len,
                size_t max_payload, struct ws_event *ev)
{
    size_t i = 0;
    int new_message = 0; /* a message's first header byte taken this call */

    event_clear(ev);
    if (p->state == WS_ST_ERROR) {
        fail(p, p->error, ev);
        return 0;
    }
    while (ev->kind == WS_EV_NONE) {
        if (p->state == WS_ST_PAYLOAD) {
            if (is_control(p->opcode)) {
                if (i < len)
                    i += control_take(p, data + i, len - i);
                if (p->payload_off == p->payload_len)
                    control_done(p, ev);
                break;
            }
            if (p->payload_len == 0) {
                data_take(p, NULL, 0, ev); /* empty frame: report FIN */
                break;
            }
            /* A new message may be of the other type than the caller
             * assumed when it chose max_payload: let it choose again. */
            if (new_message || max_payload == 0 || i == len)
                break;
            i += data_take(p, data + i,
                           len - i < max_payload ? len - i : max_payload, ev);
            break;
        }
        if (i == len)
            break;
        switch (p->state) {
        case WS_ST_HEADER1:
            header1(p, data[i++], ev);
            if (ev->kind == WS_EV_NONE && !is_control(p->opcode) &&
                p->opcode != WS_OP_CONTINUATION)
                new_message = 1;
            break;
        case WS_ST_HEADER2:
            header2(p, data[i++], ev);
            break;
        case WS_ST_EXT_LENGTH:
            p->payload_len = (p->payload_len << 8) | data[i++];
            if (--p->need == 0) {
                if (p->masked) {
                    p->state = WS_ST_MASK_KEY;
                    p->need = 4;
                } else {
                    payload_start(p);
                }
            }
            break;
        case WS_ST_MASK_KEY:
            p->mask[4 - p->need] = data[i++];
            if (--p->need == 0)
                payload_start(p);
            break;
        case WS_ST_PAYLOAD:
        case WS_ST_ERROR:
            break; /* handled above */
        }
    }
    return i;
}

int ws_parser_msg_binary(const struct ws_parser *p)
{
    return p->msg_opcode == WS_OP_BINARY;
}

int ws_parser_mid_frame(const struct ws_parser *p)
{
    return p->state != WS_ST_HEADER1 && p->state != WS_ST_ERROR;
}

size_t ws_frame_header(uint8_t out[4], uint8_t opcode, size_t len)
{
    if (opcode != WS_OP_CONTINUATION && opcode != WS_OP_TEXT &&
        opcode != WS_OP_BINARY && opcode != WS_OP_CLOSE &&
        opcode != WS_OP_PING && opcode != WS_OP_PONG)
        return 0;
    if (is_control(opcode) && len > WS_CONTROL_MAX)
        return 0;
    out[0] = (uint8_t)(0x80 | opcode);
    if (len <= 125) {
        out[1] = (uint8_t)len;
        return 2;
    }
    if (len <= 0xffff) {
        out[1] = 126;
        out[2] = (uint8_t)(len >> 8);
        out[3] = (uint8_t)(len & 0xff);
        return 4;
    }
    return 0;
}

size_t ws_close_frame(uint8_t *out, size_t cap, uint16_t code)
{
    return ws_close_frame_reason(out, cap, code, NULL, 0);
}

size_t ws_close_frame_reason(uint8_t *out, size_t cap, uint16_t code,
                             const char *reason, size_t reason_len)
{
    size_t n;

    if (code == 0 || reason == NULL)
        reason_len = 0;
    if (reason_len > WS_CONTROL_MAX - 2)
        return 0;
    n = code == 0 ? 2 : 4 + reason_len;
    if (out == NULL || cap < n)
        return 0;
    out[0] = 0x80 | WS_OP_CLOSE;
    out[1] = (uint8_t)(n - 2);
    if (code != 0) {
        out[2] = (uint8_t)(code >> 8);
        out[3] = (uint8_t)(code & 0xff);
        if (reason_len > 0)
            memcpy(out + 4, reason, reason_len);
    }
    return n;
}
