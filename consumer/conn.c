/* conn: one WebREPL connection on an lwIP pcb (see conn.h).
 *
 * Input is processed straight from lwIP's pbufs.  What cannot be taken now
 * (the pty is full, a GET chunk does not fit the send buffer, a password
 * check is held back) stays in c->rx, and only bytes that were taken are
 * acknowledged to TCP with tcp_recved(): the receive window is the
 * backpressure.  Terminal input is acknowledged only once the pty took it.
 */
#include "conn.h"

#include <string.h>

#include "lwip/sys.h"
#include "lwip/tcp.h"
/* tcp_ack_now(): lwIP has no public call to send an ACK right away; see
   conn_ack_if_mid_frame() */
#include "lwip/priv/tcp_priv.h"

#include "compat.h"
#include "server.h"

#define CONN_KEEPIDLE_MS  30000
#define CONN_KEEPINTVL_MS 5000
#define CONN_KEEPCNT      4
#define CONN_POLL_TICKS   2       /* conn_poll every 2 slow-timer ticks: 1 s */
#define CONN_TERM_CHUNK   4096    /* terminal output read per text frame */
#define CONN_RX_PBUFS     16      /* pbufs of held input before compacting */

static err_t conn_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err);
static err_t conn_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len);
static void conn_err_cb(void *arg, err_t err);
static err_t conn_poll_cb(void *arg, struct tcp_pcb *pcb);

/* ---- acknowledging input -------------------------------------------- */

static void
conn_recved(struct conn *c, uint32_t n)
{
  while (c->pcb != NULL && n > 0) {
    u16_t k = (u16_t)(n > 0xffffu ? 0xffffu : n);
    tcp_recved(c->pcb, k);
    n -= k;
  }
}

void
conn_term_taken(struct conn *c, size_t n)
{
  if (n > c->term_unacked) {
    n = c->term_unacked;
  }
  c->term_unacked -= (uint32_t)n;
  conn_recved(c, (uint32_t)n);
}

/* ---- sending ---------------------------------------------------------- */

static size_t
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
static int
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

/* ---- the WebREPL demux's view of this connection ------------------------ */

static size_t
ops_send_room(void *ctx)
{
  return conn_room((struct conn *)ctx);
}

static int
ops_send(void *ctx, int binary, const uint8_t *data, size_t len)
{
  struct conn *c = (struct conn *)ctx;
  int r = conn_send_msg(c, binary ? WS_OP_BINARY : WS_OP_TEXT, data, len);

  if (r != 0) {
    c->close_req = 1; /* the demux stops after a failed send: end the session */
  }
  return r;
}

static size_t
ops_term_room(void *ctx)
{
  struct conn *c = (struct conn *)ctx;
  if (!c->logged_in || c->srv->active != c) {
    return 0;
  }
  return term_room(&c->srv->term);
}

static void
ops_term_write(void *ctx, const uint8_t *data, size_t len)
{
  struct conn *c = (struct conn *)ctx;
  term_push(&c->srv->term, data, len);
  c->term_unacked += (uint32_t)len;
  c->term_pushed += (uint32_t)len;
}

static void
ops_login(void *ctx, int ok)
{
  struct conn *c = (struct conn *)ctx;
  server_login(c->srv, c, ok);
}

/* ---- input pipeline --------------------------------------------------- */

/* The HTTP upgrade request; returns bytes used of data. */
static size_t
conn_process_http(struct conn *c, const uint8_t *data, size_t len)
{
  char out[512];
  size_t used = 0, n;
  enum http_result r = http_req_feed(&c->http, data, len, &used);

  switch (r) {
    case HTTP_INCOMPLETE:
      return used;
    case HTTP_UPGRADE:
      n = http_upgrade_response(c->http.key, c->http.key_len, out, sizeof(out));
      if (n == 0 || tcp_write(c->pcb, out, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK) {
        c->close_req = 1;
        return len;
      }
      c->phase = CONN_WS;
      if (webrepl_start(&c->wr) != 0) {
        c->close_req = 1;
      }
      return used;
    case HTTP_NOT_UPGRADE:
      n = http_plain_response(out, sizeof(out));
      break;
    default:
      n = http_error_response(out, sizeof(out));
      break;
  }
  if (n > 0) {
    tcp_write(c->pcb, out, (u16_t)n, TCP_WRITE_FLAG_COPY);
  }
  c->close_req = 1;
  return len;
}

/* Answer with a close frame (code 0: none) if it fits, then close. */
static void
conn_send_close(struct conn *c, uint16_t code)
{
  uint8_t frame[8];
  size_t n = ws_close_frame(frame, sizeof(frame), code);

  if (n > 0 && conn_room(c) >= n) {
    tcp_write(c->pcb, frame, (u16_t)n, TCP_WRITE_FLAG_COPY);
  }
  c->close_req = 1;
}

static void
conn_control(struct conn *c, const struct ws_event *ev)
{
  switch (ev->opcode) {
    case WS_OP_PING:
      /* answered here: control payloads never reach terminal or files */
      conn_send_msg(c, WS_OP_PONG, ev->data, ev->len);
      break;
    case WS_OP_CLOSE:
      conn_send_close(c, ev->close_code == WS_CLOSE_NO_STATUS ? 0 : ev->close_code);
      break;
    default:
      break; /* PONG: nothing to do */
  }
}

/* Password input is held while failed logins are being rate-limited. */
static int
conn_login_held(struct conn *c)
{
  struct server *s = c->srv;
  uint32_t wait;
  if (c->logged_in || c->denied || !webrepl_password_pending(&c->wr)) {
    return 0;
  }
  /* login_next means something only after a failure, and only for the
     next 6.4 s at most (the clock wraps every 49.7 days) */
  wait = s->login_next - sys_now();
  if (s->login_fails == 0 || (int32_t)wait <= 0 || wait > 6400) {
    return 0;
  }
  server_wake_logins_at(s, s->login_next);
  return 1;
}

/* Websocket input; returns bytes used of data, sets *blocked if it had to
   stop before the end. */
static size_t
conn_process_ws(struct conn *c, uint8_t *data, size_t len, int *blocked)
{
  size_t off = 0;

  while (off < len && !c->close_req) {
    struct ws_event ev;
    size_t room, n;

    if (conn_login_held(c)) {
      *blocked = 1;
      break;
    }
    room = webrepl_room(&c->wr, ws_parser_msg_binary(&c->ws));
    n = ws_parse(&c->ws, data + off, len - off, room, &ev);
    off += n;
    switch (ev.kind) {
      case WS_EV_DATA:
        if (ev.len > 0) {
          webrepl_input(&c->wr, ev.opcode == WS_OP_BINARY, ev.data, ev.len);
        }
        break;
      case WS_EV_CONTROL:
        conn_control(c, &ev);
        break;
      case WS_EV_ERROR:
        conn_send_close(c, ev.close_code);
        break;
      default:
        if (n == 0) {
          *blocked = 1; /* no room for this message's payload now */
          return off;
        }
        break;
    }
  }
  return off;
}

/* webrepl_cli.py writes a frame's header and payload with two send() calls
   and Nagle on: the payload waits for the ACK of the header, and lwIP
   delays that ACK until its next fast timer tick (up to 250 ms) — per
   frame.  When a segment leaves us in the middle of a frame, the peer is
   probably waiting for us: acknowledge at once. */
static void
conn_ack_if_mid_frame(struct conn *c)
{
  if (c->pcb != NULL && c->phase == CONN_WS && ws_parser_mid_frame(&c->ws)) {
    tcp_ack_now(c->pcb);
  }
}

static void
conn_drop_first_pbuf(struct conn *c)
{
  struct pbuf *next = c->rx->next;
  if (next != NULL) {
    pbuf_ref(next);
  }
  pbuf_free(c->rx);
  c->rx = next;
}

static void
conn_process(struct conn *c)
{
  while (c->rx != NULL && !c->close_req &&
         (c->phase == CONN_HTTP || c->phase == CONN_WS)) {
    uint32_t pushed = c->term_pushed;
    size_t used;
    int blocked = 0;

    if (c->rx->len == 0) {
      conn_drop_first_pbuf(c);
      continue;
    }
    if (c->phase == CONN_HTTP) {
      used = conn_process_http(c, (const uint8_t *)c->rx->payload, c->rx->len);
    } else {
      used = conn_process_ws(c, (uint8_t *)c->rx->payload, c->rx->len, &blocked);
    }
    /* acknowledge what was taken, except terminal input still in our buffer */
    conn_recved(c, (uint32_t)used - (c->term_pushed - pushed));
    if (used > 0) {
      c->rx = pbuf_free_header(c->rx, (u16_t)used);
    }
    if (blocked) {
      break;
    }
  }
  if (c->rx == NULL) {
    conn_ack_if_mid_frame(c);
  }
  if (c->rx == NULL && c->peer_closed) {
    c->close_req = 1;
  }
}

/* Process held input, then close if that was asked for.  Returns
   conn_close()'s result (ERR_ABRT: the pcb was aborted). */
static err_t
conn_run(struct conn *c)
{
  conn_process(c);
  return c->close_req ? conn_close(c) : ERR_OK;
}

void
conn_resume(struct conn *c)
{
  if (c->phase == CONN_FREE || c->pcb == NULL) {
    return;
  }
  conn_run(c);
  if (c->pcb != NULL && c->phase != CONN_FREE) {
    tcp_output(c->pcb);
  }
}

/* ---- lifecycle -------------------------------------------------------- */

static void
conn_release(struct conn *c)
{
  if (c->rx != NULL) {
    pbuf_free(c->rx);
    c->rx = NULL;
  }
  webrepl_close(&c->wr);
  server_conn_closed(c->srv, c);
  c->phase = CONN_FREE;
  c->pcb = NULL;
}

err_t
conn_close(struct conn *c)
{
  struct tcp_pcb *pcb = c->pcb;
  err_t ret = ERR_OK;

  if (c->phase == CONN_FREE) {
    return ERR_OK;
  }
  c->phase = CONN_CLOSING;
  if (pcb != NULL) {
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    tcp_poll(pcb, NULL, 0);
    /* open the window fully, so that closing sends a FIN after the queued
       data instead of a RST: for held input, terminal input the pty did not
       take, and a FIN that came with the data being processed (lwIP counts
       it back into rcv_wnd only after this callback returns) */
    conn_recved(c, TCP_WND_MAX(pcb) - pcb->rcv_wnd);
    c->term_unacked = 0;
    if (tcp_close(pcb) != ERR_OK) {
      tcp_abort(pcb);
      ret = ERR_ABRT;
    }
  }
  conn_release(c);
  return ret;
}

err_t
conn_setup(struct server *s, struct tcp_pcb *pcb)
{
  struct conn *c = NULL;
  unsigned i;

  for (i = 0; i < SERVER_MAX_CONN; i++) {
    if (s->conns[i].phase == CONN_FREE) {
      c = &s->conns[i];
      break;
    }
  }
  if (c == NULL) {
    s->refused++;
    tcp_err(pcb, NULL); /* the pending accounting is done by our caller */
    tcp_abort(pcb);
    return ERR_ABRT;
  }
  memset(c, 0, sizeof(*c));
  c->srv = s;
  c->pcb = pcb;
  c->phase = CONN_HTTP;
  c->t_setup = sys_now();
  http_req_init(&c->http);
  ws_parser_init(&c->ws);
  c->ops.ctx = c;
  c->ops.send_room = ops_send_room;
  c->ops.send = ops_send;
  c->ops.term_room = ops_term_room;
  c->ops.term_write = ops_term_write;
  c->ops.login = ops_login;
  webrepl_init(&c->wr, &c->ops, s->cfg.password, s->cfg.password_len, &s->root);

  tcp_arg(pcb, c);
  tcp_recv(pcb, conn_recv_cb);
  tcp_sent(pcb, conn_sent_cb);
  tcp_err(pcb, conn_err_cb);
  tcp_poll(pcb, conn_poll_cb, CONN_POLL_TICKS);
  tcp_nagle_disable(pcb);
  ip_set_option(pcb, SOF_KEEPALIVE);
  pcb->keep_idle = CONN_KEEPIDLE_MS;
  pcb->keep_intvl = CONN_KEEPINTVL_MS;
  pcb->keep_cnt = CONN_KEEPCNT;
  s->setups++;
  return ERR_OK;
}

static err_t
conn_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
  struct conn *c = (struct conn *)arg;
  err_t ret;

  LWIP_UNUSED_ARG(err);
  if (c == NULL || c->phase == CONN_FREE || c->phase == CONN_CLOSING) {
    if (p != NULL) {
      tcp_recved(pcb, p->tot_len);
      pbuf_free(p);
    }
    return ERR_OK;
  }
  if (p == NULL) {
    /* the peer closed: finish what it sent, then close */
    c->peer_closed = 1;
    if (c->rx == NULL) {
      c->close_req = 1;
    }
  } else if (c->rx == NULL) {
    c->rx = p;
  } else {
    pbuf_cat(c->rx, p);
    /* held input: each small segment pins a PBUF_POOL buffer */
    if (pbuf_clen(c->rx) > CONN_RX_PBUFS) {
      if (!c->logged_in) {
        c->close_req = 1;         /* nothing before login needs that much */
      } else {
        c->rx = pbuf_coalesce(c->rx, PBUF_RAW);
      }
    }
  }
  ret = conn_run(c);
  if (ret != ERR_OK || c->phase == CONN_FREE) {
    return ret;
  }
  /* Inside tcp_input() this does nothing (lwIP sends after the callbacks);
     but kept data can also be handed back by the fast timer, and then our
     reply must go out now, not at the next poll. */
  tcp_output(pcb);
  return ERR_OK;
}

static err_t
conn_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len)
{
  struct conn *c = (struct conn *)arg;

  LWIP_UNUSED_ARG(pcb);
  LWIP_UNUSED_ARG(len);
  if (c == NULL || c->phase != CONN_WS) {
    return ERR_OK;
  }
  /* room in the send buffer: held GET requests can go on */
  return c->rx != NULL ? conn_run(c) : ERR_OK;
}

static void
conn_err_cb(void *arg, err_t err)
{
  struct conn *c = (struct conn *)arg;

  LWIP_UNUSED_ARG(err);
  if (c == NULL || c->phase == CONN_FREE) {
    return;
  }
  c->pcb = NULL; /* already freed by lwIP */
  conn_release(c);
}

static err_t
conn_poll_cb(void *arg, struct tcp_pcb *pcb)
{
  struct conn *c = (struct conn *)arg;
  uint32_t age;

  LWIP_UNUSED_ARG(pcb);
  if (c == NULL || c->phase == CONN_FREE) {
    return ERR_OK;
  }
  age = sys_now() - c->t_setup;
  if ((c->phase == CONN_HTTP && age > c->srv->cfg.handshake_ms) ||
      (c->phase == CONN_WS && !c->logged_in && age > c->srv->cfg.login_ms)) {
    if (c->phase == CONN_WS) {
      conn_send_text(c, "\r\nLogin timeout\r\n");
    }
    return conn_close(c);
  }
  if (c->rx == NULL && !c->close_req) {
    return ERR_OK;
  }
  return conn_run(c);
}
