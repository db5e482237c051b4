/* server: the WebREPL listener on lwIP's raw API — accept, deferred
 * connection set-up, the connection pool, the one logged-in session and the
 * shared terminal. */
#ifndef WEBREPL_SERVER_H
#define WEBREPL_SERVER_H

#include <stddef.h>
#include <stdint.h>

#include "lwip/tcp.h"

#include "conn.h"
#include "files.h"
#include "term.h"

#define SERVER_MAX_CONN      64   /* connections with a session slot */
#define SERVER_MAX_PENDING   8    /* default: in handshake or login at once */
#define SERVER_HANDSHAKE_MS  10000   /* default: upgrade request within 10 s */
#define SERVER_LOGIN_MS      30000   /* default: logged in within 30 s */

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
  unsigned max_pending;       /* connections in handshake/login at once (< SERVER_MAX_CONN) */
  int verbose;
};

struct server {
  struct server_config cfg;
  struct tcp_pcb *listener;
  struct conn conns[SERVER_MAX_CONN];
  struct conn *active;        /* the logged-in session, or NULL */
  struct term term;
  struct files_root root;
  unsigned pending;           /* accepted, not yet set up */
  unsigned login_fails;       /* consecutive failed logins */
  uint32_t login_next;        /* sys_now() before which no password is checked */
  int login_timer;            /* a wake-up timer for held logins is armed */
  int term_hup;               /* the pty hung up: drain it, then restart */
  /* counters for the benchmark and the leak test */
  unsigned long accepted, refused, setups, logins;
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

/** Called by a connection: login verdict, close notification. */
void server_login(struct server *s, struct conn *c, int ok);
void server_conn_closed(struct server *s, struct conn *c);

/** Number of connections in handshake or login (incl. not yet set up). */
unsigned server_pending(const struct server *s);

/** Arm a wake-up for connections whose password check is held back. */
void server_wake_logins_at(struct server *s, uint32_t when);

/** Write a statistics snapshot (lwIP memory pools, drops, counters). */
void server_write_stats(const struct server *s, const char *path);

#endif
