/* session: the one logged-in session and the shared terminal (see
 * server.h).  The callbacks a connection sees its owner through: when its
 * password may be checked (login_limit: a delay per address that failed,
 * and a bound on checks a second), the verdict (a right password takes the
 * terminal over from the previous session, which is told and closed), and
 * terminal input.  The terminal program runs on a pty; pty output goes to the
 * session as lwIP can send it.  A program that exits is restarted: at once
 * the first time, then after a growing delay (100 ms, doubling, at most
 * SERVER_TERM_BACKOFF_MAX_MS) while it keeps exiting within
 * SERVER_TERM_STEADY_MS; the session is told once, not on every restart. */
#include "server.h"

#include <stdio.h>
#include <string.h>

#include "lwip/sys.h"
#include "lwip/timeouts.h"

#include "proto/utf8.h"

#define SESSION_TERM_BACKOFF_MS 100

/* ---- the owner's callbacks -------------------------------------------- */

static uint32_t
session_login_wait(void *ctx, struct conn *c)
{
  struct server *s = (struct server *)ctx;
  return login_limit_wait(&s->limit, c->addr, sys_now());
}

static void
session_term_start(struct server *s)
{
  int err;

  s->term_hup = 0;
  s->term_started = sys_now();
  err = term_start(&s->term, s->cfg.exec);
  if (err != 0) {
    fprintf(stderr, "webrepl-server: cannot start the terminal program: %s\n", strerror(err));
  }
}

static void
session_login(void *ctx, struct conn *c, int ok)
{
  struct server *s = (struct server *)ctx;

  s->password_checks++;
  login_limit_checked(&s->limit, c->addr, ok, sys_now());
  if (!ok) {
    return; /* c closes itself */
  }
  s->logins++;
  if (s->active != NULL && s->active != c) {
    conn_close(s->active, CONN_BYE_TAKEOVER);
  }
  s->active = c;
  term_drop_input(&s->term);
  if (!term_alive(&s->term) && !s->term_timer) {
    session_term_start(s);
  }
  if (s->cfg.verbose) {
    fprintf(stderr, "webrepl-server: session logged in\n");
  }
}

static size_t
session_term_room(void *ctx, struct conn *c)
{
  struct server *s = (struct server *)ctx;
  return s->active == c ? term_room(&s->term) : 0;
}

static void
session_term_write(void *ctx, struct conn *c, const uint8_t *data, size_t len)
{
  struct server *s = (struct server *)ctx;
  LWIP_UNUSED_ARG(c);
  term_push(&s->term, data, len);
}

void
session_ended(void *ctx, struct conn *c)
{
  struct server *s = (struct server *)ctx;

  if (s->active == c) {
    s->active = NULL;
    term_drop_input(&s->term);
  }
}

void
session_owner_init(struct server *s)
{
  s->owner.login_wait = session_login_wait;
  s->owner.login = session_login;
  s->owner.term_room = session_term_room;
  s->owner.term_write = session_term_write;
  s->owner.ended = session_ended;
}

unsigned
session_logins_held(const struct server *s)
{
  unsigned n = 0, i;

  for (i = 0; i < SERVER_MAX_CONN; i++) {
    const struct conn *c = &s->conns[i];
    if ((c->phase == CONN_WS) && webrepl_check_held(&c->wr)) {
      n++;
    }
  }
  return n;
}

/* ---- terminal --------------------------------------------------------- */

void
server_term_interest(struct server *s, int *fd, int *want_in, int *want_out)
{
  *fd = s->term.fd;
  *want_out = s->term.fd >= 0 && s->term.in_len > 0 && !s->term_hup;
  if (s->term.fd < 0) {
    *want_in = 0;
  } else if (s->active == NULL) {
    *want_in = 1; /* nobody logged in: output is read and discarded */
  } else {
    *want_in = conn_send_room(s->active) >= 64;
  }
}

static void
session_term_restart(void *arg)
{
  struct server *s = (struct server *)arg;

  s->term_timer = 0;
  if (s->active != NULL && !term_alive(&s->term)) {
    s->term_restarts++;
    session_term_start(s);
  }
}

/* The terminal program exited or closed its terminal: acknowledge the input
   it will never read, tell the session (once while it keeps exiting), start
   a new program for it (later and later while it keeps exiting). */
static void
session_term_gone(struct server *s)
{
  struct conn *a = s->active;

  s->term_hup = 0;
  term_alive(&s->term);
  term_stop(&s->term);
  if (a == NULL) {
    return; /* started again at the next login */
  }
  conn_term_taken(a, a->term_unacked);
  if (sys_now() - s->term_started >= SERVER_TERM_STEADY_MS) {
    s->term_quick = 0;
  }
  s->term_quick++;
  if (s->term_quick == 1) {
    s->term_backoff_ms = 0;
    conn_send_text(a, "\r\n[terminal program exited; restarted]\r\n");
    s->term_restarts++;
    session_term_start(s);
  } else if (!s->term_timer) {
    s->term_backoff_ms = s->term_backoff_ms == 0 ? SESSION_TERM_BACKOFF_MS : 2 * s->term_backoff_ms;
    if (s->term_backoff_ms > SERVER_TERM_BACKOFF_MAX_MS) {
      s->term_backoff_ms = SERVER_TERM_BACKOFF_MAX_MS;
    }
    if (s->term_quick == 2) {
      conn_send_text(a, "\r\n[terminal program keeps exiting; restarting it after a growing delay]\r\n");
    }
    s->term_timer = 1;
    sys_timeout(s->term_backoff_ms, session_term_restart, s);
  }
  conn_resume(a);
}

void
server_term_hangup(struct server *s)
{
  if (s->term.fd >= 0) {
    s->term_hup = 1;
  }
}

void
server_pump_term(struct server *s)
{
  uint8_t buf[4096];
  struct conn *a = s->active;
  size_t n;
  int sent = 0, rounds;

  if (s->term.fd < 0) {
    return;
  }
  n = term_flush(&s->term);
  if (n > 0 && a != NULL) {
    conn_term_taken(a, n);
    conn_resume(a); /* the pty made room: held input can go on */
    a = s->active;
  }
  for (rounds = 0; rounds < 16; rounds++) {
    long r;
    size_t cap = sizeof(buf);
    if (a != NULL) {
      size_t room = conn_send_room(a);
      if (room < 64) {
        break; /* resume when lwIP has sent some: output backpressure */
      }
      if (UTF8_SANITIZE_MAX(cap) + 8 > room) {
        /* worst case: every byte becomes U+FFFD */
        cap = (room - 8 - UTF8_REPLACEMENT_LEN) / UTF8_REPLACEMENT_LEN;
      }
    }
    r = term_read(&s->term, buf, cap);
    if (r == 0 && s->term_hup) {
      r = -1; /* hung up and drained */
    }
    if (r == 0) {
      break;
    }
    if (r < 0) {
      session_term_gone(s);
      return;
    }
    if (a != NULL) {
      conn_send_term(a, buf, (size_t)r);
      sent = 1;
    }
  }
  if (sent && a != NULL && a->pcb != NULL) {
    tcp_output(a->pcb);
  }
}
