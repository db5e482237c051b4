/* conn: one WebREPL connection on an lwIP pcb — the byte pipeline
 * TCP → HTTP upgrade → websocket frames → WebREPL demux, and the way back.
 *
 * A connection knows its owner (the server) only through struct conn_owner,
 * a callback table, so the layers point one way: server → conn → parsers.
 * conn.c holds the set-up, lwIP's callbacks and the input pipeline,
 * conn_ops.c the WebREPL demultiplexer's view of the connection, conn_send.c
 * what goes out (messages, terminal output, and what a client is told before
 * the server closes its connection), conn_close.c the ending.
 *
 * Whatever the server closes is told why first: an HTTP answer before the
 * upgrade (400, 408, 503), a close frame with a reason after it.  Closing
 * then waits until the client has acknowledged that message and the server's
 * FIN; a client that does not within cfg->close_ms (it vanished) is aborted,
 * so no pcb lingers in FIN_WAIT_1 for lwIP's 12 retransmissions. */
#ifndef WEBREPL_CONN_H
#define WEBREPL_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "lwip/tcp.h"

#include "host/file_store.h"
#include "host/files.h"
#include "proto/http_upgrade.h"
#include "proto/utf8.h"
#include "proto/webrepl.h"
#include "proto/ws_frame.h"

struct conn;

enum conn_phase {
  CONN_FREE = 0,
  CONN_HTTP,        /* reading the upgrade request */
  CONN_WS,          /* websocket: password, then terminal and files */
  CONN_CLOSING      /* told why; waiting for the client's ACK and FIN */
};

/* Why the server ends a connection: what the client is told first. */
enum conn_bye {
  CONN_BYE_NONE = 0,  /* nothing more (the client closed, or was answered) */
  CONN_BYE_BUSY,      /* 503 / close 1013: too many connections waiting */
  CONN_BYE_TIMEOUT,   /* 408 / "Login timeout" and close 1008 */
  CONN_BYE_TAKEOVER,  /* a notice and close 1000: another client logged in */
  CONN_BYE_DENIED,    /* close 1008 after "Access denied" */
  CONN_BYE_GONE       /* close 1001: the client closed before its check */
};

/* The owner, as a connection sees it. */
struct conn_owner {
  void *ctx;
  /* milliseconds until c's password may be checked (0: now) */
  uint32_t (*login_wait)(void *ctx, struct conn *c);
  /* c's password was checked: ok, or denied (c closes itself then) */
  void (*login)(void *ctx, struct conn *c, int ok);
  /* terminal input: room for c (0 unless c is the session), and write */
  size_t (*term_room)(void *ctx, struct conn *c);
  void (*term_write)(void *ctx, struct conn *c, const uint8_t *data, size_t len);
  /* c's session is over (c is closing or free now) */
  void (*ended)(void *ctx, struct conn *c);
  /* c's slot is free again; aborted: the client did not acknowledge the
     server's last message and FIN within close_ms */
  void (*released)(void *ctx, struct conn *c, int aborted);
};

struct conn_config {
  const uint8_t *password;
  size_t password_len;
  struct files_root *root;
  uint32_t handshake_ms;      /* close a connection without upgrade after this */
  uint32_t login_ms;          /* close a connection not logged in after this */
  uint32_t close_ms;          /* abort a closing client that does not ACK */
};

struct conn {
  enum conn_phase phase;
  const struct conn_owner *owner;
  const struct conn_config *cfg;
  struct tcp_pcb *pcb;
  uint32_t addr;            /* the client's IPv4 address, as lwIP keeps it */
  uint32_t t_setup;         /* sys_now() at set-up */
  uint32_t t_rx;            /* sys_now() when the last byte came */
  uint32_t t_close;         /* CLOSING: since when */
  int logged_in;
  int close_req;            /* close once the current callback is done */
  enum conn_bye bye;        /* with close_req: what to tell the client */
  int peer_closed;          /* FIN received; close when input is processed */
  int fin_sent;             /* CLOSING: our FIN is queued */
  int wake_armed;           /* a timer will retry a held password check */
  uint32_t term_pushed;     /* terminal bytes queued so far (accounting) */
  struct pbuf *rx;          /* input not processed yet (backpressure) */
  uint32_t term_unacked;    /* terminal bytes queued to the pty, not yet tcp_recved */
  struct http_req http;
  struct ws_parser ws;
  struct webrepl wr;
  struct webrepl_ops ops;
  struct file_store files;  /* the demux's file, below cfg->root */
  struct utf8_out u8;
};

/** Set up a free connection c on an accepted pcb: installs recv, sent, err
 *  and poll.  owner and cfg must outlive c. */
void conn_setup(struct conn *c, struct tcp_pcb *pcb, const struct conn_owner *owner,
                const struct conn_config *cfg);

/** Is c waiting for its upgrade or its login? */
int conn_pending(const struct conn *c);

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

/** End the session, telling the client why; the pcb is closed once the
 *  client acknowledged it (see above).  Returns ERR_ABRT if c's pcb had to
 *  be aborted (then a caller inside an lwIP callback of that pcb must return
 *  ERR_ABRT). */
err_t conn_close(struct conn *c, enum conn_bye why);

/* ---- between conn.c and conn_send.c ---------------------------------- */

/** Bytes of messages c can queue now (framing included). */
size_t conn_room(const struct conn *c);

/** Queue one unfragmented message; 0 on success. */
int conn_send_msg(struct conn *c, uint8_t opcode, const uint8_t *data, size_t len);

/** Queue a close frame (code 0: none) with a reason, if it fits. */
void conn_send_close(struct conn *c, uint16_t code, const char *reason);

/** Queue what the client is told before the server closes (see enum
 *  conn_bye), as fits its phase. */
void conn_send_bye(struct conn *c, enum conn_bye why);

/* ---- between conn.c, conn_ops.c and conn_close.c --------------------- */

/** Fill in c->ops, the demultiplexer's view of c (conn_ops.c). */
void conn_ops_init(struct conn *c);

/** Acknowledge n bytes of input to TCP (the window opens). */
void conn_recved(struct conn *c, uint32_t n);

/** The timer callback that retries a held password check. */
void conn_login_wake(void *arg);

/** The session is over: held input dropped, timer stopped, files closed,
 *  the owner told. */
void conn_end_session(struct conn *c);

/** CLOSING: send the FIN once everything was acknowledged, let the pcb go
 *  once the FIN was, abort it after close_ms.  ERR_ABRT: aborted. */
err_t conn_linger(struct conn *c);

/** Let the pcb go (tcp_close) and free the slot.  ERR_ABRT: it had to be
 *  aborted. */
err_t conn_finish(struct conn *c);

/** Detach from the pcb (callbacks cleared) and free the slot; aborted: see
 *  conn_owner.released. */
void conn_release(struct conn *c, int aborted);

#endif
