/*
 * ws_frame.h - resumable websocket (RFC 6455) frame parser and the few
 * server-to-client frame writers a WebREPL server needs.
 *
 * Pure C99: no I/O, no allocation, no globals. The parser is fed: the caller
 * passes whatever bytes arrived, the parser takes some of them and reports at
 * most one event per call. Data payload is unmasked in place and handed back
 * as chunks pointing into the caller's buffer, never copied or buffered
 * whole; only a control frame's payload (at most 125 bytes) is collected in
 * the parser, so it can be reported whole even when it arrives in pieces or
 * between the fragments of a data message.
 *
 * Policy: masked and unmasked client frames are both accepted (webrepl_cli.py
 * sends unmasked ones); 7-bit and 16-bit lengths are accepted, non-minimal
 * 16-bit encodings included; a 64-bit length is always refused (1009), since
 * nothing this server receives is that big. Extensions are never negotiated,
 * so any reserved bit is an error.
 */
#ifndef CONSUMER_WS_FRAME_H
#define CONSUMER_WS_FRAME_H

#include <stddef.h>
#include <stdint.h>

/** Largest control frame payload (RFC 6455 section 5.5). */
#define WS_CONTROL_MAX 125

/** Frame opcodes. */
enum ws_opcode {
    WS_OP_CONTINUATION = 0x0,
    WS_OP_TEXT = 0x1,
    WS_OP_BINARY = 0x2,
    WS_OP_CLOSE = 0x8,
    WS_OP_PING = 0x9,
    WS_OP_PONG = 0xA
};

/** Close status codes used by this module (RFC 6455 section 7.4.1). */
enum ws_close_code {
    WS_CLOSE_NORMAL = 1000,
    WS_CLOSE_GOING_AWAY = 1001,
    WS_CLOSE_PROTOCOL_ERROR = 1002,
    WS_CLOSE_NO_STATUS = 1005, /**< reported for a CLOSE without payload */
    WS_CLOSE_POLICY = 1008,    /**< login refused or timed out */
    WS_CLOSE_TOO_BIG = 1009,
    WS_CLOSE_TRY_LATER = 1013  /**< the server is busy */
};

/** What one ws_parse() call produced: the module's result. */
enum ws_event_kind {
    /** No event: more bytes are needed, or max_payload was 0 at payload. */
    WS_EV_NONE = 0,
    /** A chunk of a text or binary message's payload. */
    WS_EV_DATA,
    /** A whole CLOSE, PING or PONG frame. */
    WS_EV_CONTROL,
    /** A protocol violation: the parser is stopped for good. */
    WS_EV_ERROR
};

/** Why the stream was refused (WS_EV_ERROR). */
enum ws_error {
    WS_ERR_NONE = 0,
    /** RSV1, RSV2 or RSV3 set: no extension was negotiated. (1002) */
    WS_ERR_RESERVED_BITS,
    /** Opcode 3-7 or 11-15. (1002) */
    WS_ERR_UNKNOWN_OPCODE,
    /** A control frame without FIN. (1002) */
    WS_ERR_CONTROL_FRAGMENTED,
    /** A control frame longer than 125 bytes. (1002) */
    WS_ERR_CONTROL_TOO_LONG,
    /** A data frame with a 64-bit length. (1009) */
    WS_ERR_LENGTH_64BIT,
    /** A continuation frame while no message is open. (1002) */
    WS_ERR_UNEXPECTED_CONTINUATION,
    /** A text or binary frame while a fragmented message is open. (1002) */
    WS_ERR_EXPECTED_CONTINUATION,
    /** A CLOSE frame with a 1-byte payload. (1002) */
    WS_ERR_CLOSE_LENGTH_1,
    /** A CLOSE code that may not be sent (below 1000, 1004-1006, 1015,
     *  1016-2999 or above 4999). (1002) */
    WS_ERR_CLOSE_CODE
};

/** Internal: where the parser is inside the current frame. */
enum ws_parser_state {
    WS_ST_HEADER1 = 0, /**< FIN, RSV, opcode byte */
    WS_ST_HEADER2,     /**< MASK bit and 7-bit length byte */
    WS_ST_EXT_LENGTH,  /**< 16-bit extended length */
    WS_ST_MASK_KEY,    /**< 4-byte masking key */
    WS_ST_PAYLOAD,     /**< payload bytes */
    WS_ST_ERROR        /**< stopped after an error */
};

/**
 * Parser state. Owned by the caller, initialised with ws_parser_init(); all
 * fields are internal.
 */
struct ws_parser {
    enum ws_parser_state state;
    size_t need;           /**< bytes still needed in this header state */
    uint8_t opcode;        /**< current frame's opcode */
    uint8_t fin;           /**< current frame's FIN bit */
    uint8_t masked;        /**< current frame's MASK bit */
    uint8_t mask[4];       /**< current frame's masking key */
    size_t payload_len;    /**< current frame's payload length */
    size_t payload_off;    /**< payload bytes of the frame already taken */
    uint8_t msg_opcode;    /**< open data message's opcode, 0 if none */
    enum ws_error error;   /**< the error, in WS_ST_ERROR */
    uint8_t ctrl[WS_CONTROL_MAX]; /**< a control frame's payload */
};

/** One ws_parse() result. */
struct ws_event {
    enum ws_event_kind kind;
    /** DATA: WS_OP_TEXT or WS_OP_BINARY (the message's opcode, also for
     *  continuation frames). CONTROL: WS_OP_CLOSE, WS_OP_PING, WS_OP_PONG. */
    uint8_t opcode;
    /** DATA: 1 on the last chunk of the message's last frame. CONTROL: 1. */
    uint8_t fin;
    /** DATA: the unmasked chunk, inside the caller's buffer. CONTROL: the
     *  whole unmasked payload in the parser, valid until the next
     *  ws_parse() or ws_parser_init(). NULL when len is 0. */
    const uint8_t *data;
    size_t len;
    /** CONTROL with CLOSE: the peer's code, or 1005 if it sent none.
     *  ERROR: the code to close with (1002, or 1009). Otherwise 0. */
    uint16_t close_code;
    /** ERROR: why. Otherwise WS_ERR_NONE. */
    enum ws_error error;
};

/** Prepare p for a new connection. Cannot fail. */
void ws_parser_init(struct ws_parser *p);

/**
 * Take bytes of the client's stream from data[0..len) and report at most one
 * event in *ev. Returns how many bytes were taken; the caller passes the
 * rest (and any later bytes) to the next call.
 *
 * Payload of a data frame is unmasked in place in data (which must be
 * writable) and reported as ev->kind WS_EV_DATA with ev->data/ev->len inside
 * data. A chunk is never longer than max_payload: the caller says how much it
 * can accept now. With max_payload 0 the parser may still take header bytes,
 * but returns with WS_EV_NONE at the first payload byte of a data frame;
 * call again when there is room. An empty data frame yields one WS_EV_DATA
 * with len 0, so its FIN is seen. Control frames are not limited by
 * max_payload: they are collected whole and reported as WS_EV_CONTROL.
 *
 * When the first frame of a new text or binary message begins during a call,
 * the call returns after that frame's header, before its first payload byte,
 * with WS_EV_NONE: the caller chose max_payload before it could know the
 * message's type, so it asks ws_parser_msg_binary() and calls again with the
 * room for that type. (One extra call per message; continuation frames keep
 * the type and do not stop.)
 *
 * WS_EV_NONE means more bytes are needed (every byte was taken), max_payload
 * was 0 at a data payload (only header bytes before it were taken), or a new
 * message's header was just taken (see above). WS_EV_ERROR means the stream
 * broke the protocol: ev->error says how, ev->close_code what to close with;
 * the bytes up to and including the offending header byte were taken. After
 * an error every call takes nothing and reports the same error again: send a
 * close frame with ev->close_code and end the connection.
 *
 * So the caller loops while bytes remain and the last call took some bytes
 * or reported an event; a call that takes nothing and reports nothing means
 * "no room": call again when max_payload can be larger.
 *
 * A CLOSE is reported whole like any control frame; what to answer and
 * whether to read on is the caller's choice (the parser would go on).
 * data may be NULL when len is 0.
 */
size_t ws_parse(struct ws_parser *p, uint8_t *data, size_t len,
                size_t max_payload, struct ws_event *ev);

/**
 * Returns 1 if the data message being received is binary, 0 if it is text
 * or no message is open (between messages the type of the next one is not
 * known yet; see ws_parse() on how it stops once it is). Use it to choose
 * max_payload for the next ws_parse() call.
 */
int ws_parser_msg_binary(const struct ws_parser *p);

/**
 * Returns 1 if part of a frame has been taken and the rest is still to
 * come (inside a header, or payload left), 0 between frames or after an
 * error. A caller may use it to acknowledge at once a TCP segment that ends
 * mid-frame, since the peer is probably waiting on it.
 */
int ws_parser_mid_frame(const struct ws_parser *p);

/**
 * Write a server-to-client frame header: FIN set, no mask, 7-bit or 16-bit
 * length. The caller sends len payload bytes right after it.
 *
 * Returns the header length (2 or 4), or 0 if len > 65535, if opcode is not
 * one of enum ws_opcode, or if a control frame's len exceeds 125.
 */
size_t ws_frame_header(uint8_t out[4], uint8_t opcode, size_t len);

/**
 * Write a whole CLOSE frame into out: with code 0 an empty payload
 * (88 00), otherwise the 2-byte code in network order (88 02 hi lo).
 *
 * Returns the frame length (2 or 4), or 0 if cap is too small.
 */
size_t ws_close_frame(uint8_t *out, size_t cap, uint16_t code);

/**
 * Like ws_close_frame(), with a reason after the code: reason[0..reason_len)
 * (UTF-8, at most 123 bytes), ignored when code is 0.
 *
 * Returns the frame length (4 + reason_len, or 2), or 0 if cap is too small
 * or the reason too long.
 */
size_t ws_close_frame_reason(uint8_t *out, size_t cap, uint16_t code,
                             const char *reason, size_t reason_len);

#endif /* CONSUMER_WS_FRAME_H */
