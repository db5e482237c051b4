/* conn: one WebREPL connection on an lwIP pcb: its life cycle and the input
 * pipeline (see conn.h).
 *
 * Input is processed straight from lwIP's pbufs.  What cannot be taken now
 * (the pty is full, a GET chunk does not fit the send buffer, input pipelined
 * behind a password whose check waits) stays in c->rx, and only bytes that
 * were taken are acknowledged to TCP with tcp_recved(): the receive window is
 * the backpressure.  Terminal input is acknowledged only once the pty took
 * it.  Held input that came in many small segments is compacted, so it pins
 * one buffer, not one per segment; password bytes are always taken as they
 * come (only the check waits), so typing is never held.
 */
#include "conn.h"

#include <string.h>

#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
/* tcp_ack_now(): lwIP has no public call to send an ACK right away; see
   conn_ack_if_mid_frame() */
#include "lwip/priv/tcp_priv.h"


#define CONN_KEEPIDLE_MS  30000
#define CONN_KEEPINTVL_MS 5000
#define CONN_KEEPCNT      4
#define CONN_POLL_TICKS   2       /* conn_poll every 2 slow-timer ticks (2 * TCP_SLOW_INTERVAL) */
#define CONN_RX_PBUFS     16      /* pbufs of held input before compacting */

static err_t conn_recv_cb(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err);
static err_t conn_sent_cb(void *arg, struct tcp_pcb *pcb, u16_t len);
static void conn_err_cb(void *arg, err_t err);
static err_t conn_poll_cb(void *arg, struct tcp_pcb *pcb);

/* ---- acknowledging input -------------------------------------------- */

void
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

static void
conn_control(struct conn *c, const struct ws_event *ev)
{
  switch (ev->opcode) {
    case WS_OP_PING:
      /* answered here: control payloads never reach terminal or files */
      conn_send_msg(c, WS_OP_PONG, ev->data, ev->len);
      break;
    case WS_OP_CLOSE:
      conn_send_close(c, ev->close_code == WS_CLOSE_NO_STATUS ? 0 : ev->close_code, NULL);
      c->close_req = 1;
      break;
    default:
      break; /* PONG: nothing to do */
  }
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
        conn_send_close(c, ev.close_code, NULL);
        c->close_req = 1;
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
   delays that ACK until its next fast timer tick (up to TCP_TMR_INTERVAL) — per
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
  if (c->rx == NULL && c->peer_closed && !c->close_req) {
    c->close_req = 1;
    /* the client left while its password waited: it is not checked */
    c->bye = webrepl_check_held(&c->wr) ? CONN_BYE_GONE : CONN_BYE_NONE;
  }
}

/* Process held input, then close if that was asked for.  Returns
   conn_close()'s result (ERR_ABRT: the pcb was aborted). */
static err_t
conn_run(struct conn *c)
{
  if (c->phase == CONN_WS && !c->close_req) {
    if (!c->peer_closed) {
      webrepl_retry(&c->wr); /* a held password check, if now allowed */
    } else if (webrepl_check_held(&c->wr)) {
      c->close_req = 1;      /* the client left: its password is not checked */
      c->bye = CONN_BYE_GONE;
    }
  }
  conn_process(c);
  return c->close_req ? conn_close(c, c->bye) : ERR_OK;
}

void
conn_resume(struct conn *c)
{
  if (c->phase != CONN_HTTP && c->phase != CONN_WS) {
    return;
  }
  conn_run(c);
  if (c->pcb != NULL && (c->phase == CONN_HTTP || c->phase == CONN_WS)) {
    tcp_output(c->pcb);
  }
}

/* ---- life cycle ------------------------------------------------------- */

int
conn_pending(const struct conn *c)
{
  return c->phase == CONN_HTTP || (c->phase == CONN_WS && !c->logged_in);
}

void
conn_setup(struct conn *c, struct tcp_pcb *pcb, const struct conn_owner *owner,
           const struct conn_config *cfg)
{
  memset(c, 0, sizeof(*c));
  c->owner = owner;
  c->cfg = cfg;
  c->pcb = pcb;
  c->addr = ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip));
  c->phase = CONN_HTTP;
  c->t_setup = c->t_rx = sys_now();
  http_req_init(&c->http);
  ws_parser_init(&c->ws);
  conn_ops_init(c);
  if (cfg->root != NULL) {
    struct webrepl_files files;
    file_store_init(&c->files, cfg->root, &files);
    webrepl_init(&c->wr, &c->ops, cfg->password, cfg->password_len, &files);
  } else {
    webrepl_init(&c->wr, &c->ops, cfg->password, cfg->password_len, NULL);
  }

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
}

/* Keep input that cannot be processed now.  Many small segments (a password
   typed one key per frame, behind a check that waits) would each pin a pool
   buffer: past CONN_RX_PBUFS they are copied into one. */
static void
conn_hold(struct conn *c, struct pbuf *p)
{
  if (c->rx == NULL) {
    c->rx = p;
    return;
  }
  pbuf_cat(c->rx, p);
  if (pbuf_clen(c->rx) > CONN_RX_PBUFS) {
    c->rx = pbuf_coalesce(c->rx, PBUF_RAW); /* kept as is if out of memory */
  }
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
    } else if (c != NULL && c->phase == CONN_CLOSING) {
      return conn_finish(c);    /* the client closed too */
    }
    return ERR_OK;
  }
  c->t_rx = sys_now();
  if (p == NULL) {
    /* the peer closed: finish what it sent, then close */
    c->peer_closed = 1;
  } else {
    conn_hold(c, p);
  }
  ret = conn_run(c);
  if (ret != ERR_OK || c->phase == CONN_FREE || c->phase == CONN_CLOSING) {
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
  if (c == NULL) {
    return ERR_OK;
  }
  if (c->phase == CONN_CLOSING) {
    return conn_linger(c);
  }
  /* room in the send buffer: held GET requests can go on */
  return (c->phase == CONN_WS && c->rx != NULL) ? conn_run(c) : ERR_OK;
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
  if (c->phase != CONN_CLOSING) {
    conn_end_session(c);
  }
  conn_release(c, 0);
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
  if (c->phase == CONN_CLOSING) {
    return conn_linger(c);
  }
  age = sys_now() - c->t_setup;
  if ((c->phase == CONN_HTTP && age > c->cfg->handshake_ms) ||
      (c->phase == CONN_WS && !c->logged_in && age > c->cfg->login_ms)) {
    return conn_close(c, CONN_BYE_TIMEOUT);
  }
  if (c->rx == NULL && !c->close_req) {
    return ERR_OK;
  }
  return conn_run(c);
}
