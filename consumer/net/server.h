/* server: the WebREPL listener on lwIP's raw API — accept, deferred
 * connection set-up, admission of connections waiting for their upgrade or
 * login, the connection pool (server.c); the one logged-in session, the
 * failed-login limit and the shared terminal (session.c).  A connection
 * reaches the server only through the callback table server.owner. */
#ifndef WEBREPL_SERVER_H
#define WEBREPL_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "lwip/tcp.h"

#include "conn.h"
#include "login_limit.h"
#include "host/files.h"
#include "host/term.h"

#define SERVER_MAX_CONN      64   /* connections with a session slot */
#define SERVER_MAX_PENDING   8    /* default: in handshake or login at once */
#define SERVER_HANDSHAKE_MS  10000   /* default: upgrade request within 10 s */
#define SERVER_LOGIN_MS      30000   /* default: logged in within 30 s */
#define SERVER_CLOSE_MS      5000    /* default: a closing client ACKs within 5 s */
#define SERVER_SILENT_MS     2000    /* a waiting connection silent this long may be evicted */
#define SERVER_TERM_STEADY_MS 2000   /* a terminal program that ran this long exited normally */
#define SERVER_TERM_BACKOFF_MAX_MS 10000  /* longest wait before restarting it */

/* Where the accept callback's deferred work runs (the benchmark's variants) */
enum server_defer {
  DEFER_POLL = 0,   /* accept: tcp_recv_keep + tcp_poll; set-up in the poll callback */
  DEFER_INLINE,     /* set-up inside the accept callback (unsafe for a VM) */
  DEFER_TIMEOUT0    /* accept: tcp_recv_keep + sys_timeout(0, ...) */
};

struct server_config {
  uint16_t port;
  const uint8_t *password;
  size_t password_len;
  const char *root;           /* directory of the file protocol */
  const char *exec;           /* terminal program, NULL: /bin/sh -i */
  enum server_defer defer;
  uint32_t handshake_ms;      /* close a connection without upgrade after this */
  uint32_t login_ms;          /* close a connection not logged in after this */
  uint32_t close_ms;          /* abort a closing client that does not ACK (0: default) */
  unsigned max_pending;       /* connections in handshake/login at once (< SERVER_MAX_CONN) */
  unsigned max_per_addr;      /* of them from one address (0: max_pending / 2) */
  int verbose;
};

struct server {
  struct server_config cfg;
  struct conn_config conn_cfg;
  struct conn_owner owner;    /* what a connection may ask of the server */
  struct tcp_pcb *listener;
  struct conn conns[SERVER_MAX_CONN];
  struct conn *active;        /* the logged-in session, or NULL */
  struct term term;
  struct files_root root;
  struct login_limit limit;   /* failed logins, per address */
  unsigned pending;           /* accepted, not yet set up */
  int term_hup;               /* the pty hung up: drain it, then restart */
  uint32_t term_started;      /* sys_now() when the program was started */
  unsigned term_quick;        /* quick exits in a row */
  int term_timer;             /* a delayed restart is armed */
  uint32_t term_backoff_ms;   /* its delay */
  /* counters for the benchmark, the leak test and the e2e tests */
  unsigned long accepted, refused, evicted, setups, logins, password_checks;
  unsigned long close_aborts, term_restarts;
  unsigned t0_slots, t0_slots_max;
};

/** Start listening.  Returns 0 or an errno-style value (message printed). */
int server_start(struct server *s, const struct server_config *cfg);

/** Move terminal bytes: input to the pty, pty output to the session (only as
 *  much as lwIP can send), and discard output when nobody is logged in. */
void server_pump_term(struct server *s);

/** The terminal's pty reported a hang-up (poll: POLLHUP/POLLERR): what is
 *  left of its output is still read (as the session can take it), then a new
 *  program is started; meanwhile the pty is not polled, so a hang-up never
 *  makes the loop spin. */
void server_term_hangup(struct server *s);

/** poll(2) interest for the terminal: *want_in if output may be read now,
 *  *want_out if queued input waits for the pty. */
void server_term_interest(struct server *s, int *fd, int *want_in, int *want_out);

/** Number of connections in handshake or login (incl. not yet set up). */
unsigned server_pending(const struct server *s);

/** Write a statistics snapshot (lwIP memory pools, drops, counters). */
void server_write_stats(const struct server *s, const char *path);

/* ---- between server.c and session.c ---------------------------------- */

/** Fill in s->owner's session callbacks (session.c). */
void session_owner_init(struct server *s);

/** A connection's session ended (the owner's "ended" callback). */
void session_ended(void *ctx, struct conn *c);

/** Connections whose password waits for its check. */
unsigned session_logins_held(const struct server *s);

#endif
