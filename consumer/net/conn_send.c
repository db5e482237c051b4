/* conn_send: what a connection sends — websocket messages within the room
 * lwIP's send buffer and queue leave, terminal output as UTF-8-safe text
 * frames, close frames, and what a client is told before the server closes
 * its connection (an HTTP answer before the upgrade, a close frame with a
 * reason after it).  See conn.h. */
#include "conn.h"

#include <string.h>

#include "lwip/tcp.h"

#define CONN_TERM_CHUNK   4096    /* terminal output read per text frame */

size_t
conn_room(const struct conn *c)
{
  size_t room, queued, by_queue;

  if (c->pcb == NULL || c->phase == CONN_CLOSING || c->phase == CONN_FREE || c->close_req) {
    return 0;
  }
  /* a message is at most two tcp_write calls; n bytes need about n / mss
     entries of the send queue, and 4 more are kept for the headers */
  queued = tcp_sndqueuelen(c->pcb);
  if (queued + 4 > TCP_SND_QUEUELEN) {
    return 0;
  }
  by_queue = (TCP_SND_QUEUELEN - 4 - queued) * (size_t)tcp_mss(c->pcb);
  room = tcp_sndbuf(c->pcb);
  if (room > by_queue) {
    room = by_queue;
  }
  return room > 8 ? room - 8 : 0;
}

size_t
conn_send_room(const struct conn *c)
{
  return (c->phase == CONN_WS && c->logged_in) ? conn_room(c) : 0;
}

/* Send one unfragmented message; 0 on success.  On a failure after part of
   it was queued the stream is broken: the connection is marked for close. */
int
conn_send_msg(struct conn *c, uint8_t opcode, const uint8_t *data, size_t len)
{
  uint8_t small[4 + 512];
  uint8_t hdr[4];
  size_t hl;
  err_t err;

  hl = ws_frame_header(hdr, opcode, len);
  if (hl == 0 || conn_room(c) < len) {
    return -1;
  }
  if (hl + len <= sizeof(small)) {
    /* one write: header and payload in one segment */
    memcpy(small, hdr, hl);
    if (len > 0) {
      memcpy(small + hl, data, len);
    }
    err = tcp_write(c->pcb, small, (u16_t)(hl + len), TCP_WRITE_FLAG_COPY);
    return err == ERR_OK ? 0 : -1;
  }
  err = tcp_write(c->pcb, hdr, (u16_t)hl, TCP_WRITE_FLAG_COPY | TCP_WRITE_FLAG_MORE);
  if (err != ERR_OK) {
    return -1;
  }
  err = tcp_write(c->pcb, data, (u16_t)len, TCP_WRITE_FLAG_COPY);
  if (err != ERR_OK) {
    c->close_req = 1;
    return -1;
  }
  return 0;
}

void
conn_send_text(struct conn *c, const char *text)
{
  if (conn_send_msg(c, WS_OP_TEXT, (const uint8_t *)text, strlen(text)) == 0 && c->pcb != NULL) {
    tcp_output(c->pcb);
  }
}

size_t
conn_send_term(struct conn *c, const uint8_t *data, size_t len)
{
  uint8_t out[UTF8_SANITIZE_MAX(CONN_TERM_CHUNK)];
  size_t used = 0, n;

  if (len > CONN_TERM_CHUNK) {
    len = CONN_TERM_CHUNK;
  }
  n = utf8_sanitize(&c->u8, data, len, out, sizeof(out), &used);
  if (n > 0 && conn_send_msg(c, WS_OP_TEXT, out, n) != 0) {
    return 0;
  }
  return used;
}

void
conn_send_close(struct conn *c, uint16_t code, const char *reason)
{
  uint8_t frame[2 + WS_CONTROL_MAX];
  size_t n = ws_close_frame_reason(frame, sizeof(frame), code, reason,
                                   reason != NULL ? strlen(reason) : 0);

  if (n > 0 && c->pcb != NULL && tcp_sndbuf(c->pcb) >= n) {
    tcp_write(c->pcb, frame, (u16_t)n, TCP_WRITE_FLAG_COPY);
  }
}

/* Before the upgrade: an HTTP answer. */
static void
conn_send_http_bye(struct conn *c, enum conn_bye why)
{
  char out[512];
  size_t n = 0;

  if (why == CONN_BYE_BUSY) {
    n = http_busy_response(out, sizeof(out));
  } else if (why == CONN_BYE_TIMEOUT) {
    n = http_timeout_response(out, sizeof(out));
  }
  if (n > 0 && tcp_sndbuf(c->pcb) >= n) {
    tcp_write(c->pcb, out, (u16_t)n, TCP_WRITE_FLAG_COPY);
  }
}

void
conn_send_bye(struct conn *c, enum conn_bye why)
{
  if (c->pcb == NULL || why == CONN_BYE_NONE) {
    return;
  }
  if (c->phase == CONN_HTTP) {
    conn_send_http_bye(c, why);
    return;
  }
  switch (why) {
    case CONN_BYE_BUSY:
      conn_send_close(c, WS_CLOSE_TRY_LATER, "server busy: too many connections waiting to log in");
      break;
    case CONN_BYE_TIMEOUT:
      conn_send_text(c, "\r\nLogin timeout\r\n");
      conn_send_close(c, WS_CLOSE_POLICY, "login timeout");
      break;
    case CONN_BYE_TAKEOVER:
      conn_send_text(c, "\r\nWebREPL: another client logged in; this session is closed\r\n");
      conn_send_close(c, WS_CLOSE_NORMAL, "another client logged in");
      break;
    case CONN_BYE_DENIED:
      conn_send_close(c, WS_CLOSE_POLICY, "access denied");
      break;
    case CONN_BYE_GONE:
    default:
      conn_send_close(c, WS_CLOSE_GOING_AWAY, "closed before the password was checked");
      break;
  }
}
