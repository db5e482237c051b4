/* conn: one WebREPL connection on an lwIP pcb — the byte pipeline
 * TCP → HTTP upgrade → websocket frames → WebREPL demux, and the way back. */
#ifndef WEBREPL_CONN_H
#define WEBREPL_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "lwip/tcp.h"

#include "http_upgrade.h"
#include "utf8.h"
#include "webrepl.h"
#include "ws_frame.h"

struct server;

enum conn_phase {
  CONN_FREE = 0,
  CONN_HTTP,        /* reading the upgrade request */
  CONN_WS,          /* websocket: password, then terminal and files */
  CONN_CLOSING      /* close requested; waiting for nothing */
};

struct conn {
  enum conn_phase phase;
  struct server *srv;
  struct tcp_pcb *pcb;
  uint32_t t_setup;         /* sys_now() at set-up */
  int logged_in;
  int denied;
  int close_req;            /* close once the current callback is done */
  int peer_closed;          /* FIN received; close when input is processed */
  uint32_t term_pushed;     /* terminal bytes queued so far (accounting) */
  struct pbuf *rx;          /* input not processed yet (backpressure) */
  uint32_t term_unacked;    /* terminal bytes queued to the pty, not yet tcp_recved */
  struct http_req http;
  struct ws_parser ws;
  struct webrepl wr;
  struct webrepl_ops ops;
  struct utf8_out u8;
};

/** Set up a connection on an accepted pcb: installs recv/sent/err/poll.
 *  Returns ERR_OK, or ERR_ABRT if no slot was free (pcb aborted). */
err_t conn_setup(struct server *s, struct tcp_pcb *pcb);

/** Process held input again (room appeared: pty drained, data acked). */
void conn_resume(struct conn *c);

/** Tell the client something as terminal text (one text message). */
void conn_send_text(struct conn *c, const char *text);

/** Send terminal output as text frames (UTF-8 safe); returns bytes of
 *  input consumed. */
size_t conn_send_term(struct conn *c, const uint8_t *data, size_t len);

/** Bytes of text the connection can take now for terminal output. */
size_t conn_send_room(const struct conn *c);

/** The pty took n bytes of this connection's terminal input. */
void conn_term_taken(struct conn *c, size_t n);

/** Close the connection (graceful FIN).  Returns ERR_ABRT if the pcb had to
 *  be aborted instead (then a caller inside an lwIP callback must return
 *  ERR_ABRT). */
err_t conn_close(struct conn *c);

#endif
