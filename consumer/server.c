/* server: listener, deferred set-up, sessions, terminal (see server.h).
 *
 * The accept callback runs inside tcp_input(): it does no networking and no
 * session work.  In the default mode it installs tcp_recv_keep, so that what
 * the client sends meanwhile is kept, and a poll callback that does the
 * set-up.  With LWIP_TCP_ACCEPT_POLL (patched lwIP) that poll runs right
 * after the handshake and the kept data follows at once; on stock lwIP the
 * poll comes from the slow timer.
 */
#include "server.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "lwip/memp.h"
#include "lwip/stats.h"
#include "lwip/sys.h"
#include "lwip/timeouts.h"
#include "lwip/priv/tcp_priv.h" /* tcp_tw_pcbs, for the statistics only */

#include "compat.h"
#include "utf8.h"

/* the timeout0 variant's callbacks get the pcb as argument */
static struct server *server_instance;

unsigned
server_pending(const struct server *s)
{
  unsigned n = s->pending, i;

  for (i = 0; i < SERVER_MAX_CONN; i++) {
    const struct conn *c = &s->conns[i];
    if (c->phase == CONN_HTTP || (c->phase == CONN_WS && !c->logged_in)) {
      n++;
    }
  }
  return n;
}

/* ---- deferred set-up: the three variants ------------------------------ */

static void
server_pending_err(void *arg, err_t err)
{
  struct server *s = (struct server *)arg;
  LWIP_UNUSED_ARG(err);
  s->pending--;
}

static err_t
server_setup_poll(void *arg, struct tcp_pcb *pcb)
{
  struct server *s = (struct server *)arg;
  s->pending--;
  return conn_setup(s, pcb);
}

static void
server_t0_setup(void *arg)
{
  struct server *s = server_instance;
  s->pending--;
  s->t0_slots--;
  conn_setup(s, (struct tcp_pcb *)arg);
}

static void
server_t0_err(void *arg, err_t err)
{
  struct server *s = server_instance;
  LWIP_UNUSED_ARG(err);
  sys_untimeout(server_t0_setup, arg);
  s->pending--;
  s->t0_slots--;
}

static err_t
server_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
  struct server *s = (struct server *)arg;

  if (err != ERR_OK || newpcb == NULL) {
    return ERR_VAL;
  }
  if (server_pending(s) >= s->cfg.max_pending) {
    /* refused: lwIP aborts the new pcb (the client sees a RST at once) */
    s->refused++;
    return ERR_MEM;
  }
  s->accepted++;
  switch (s->cfg.defer) {
    case DEFER_INLINE:
      return conn_setup(s, newpcb);
    case DEFER_TIMEOUT0:
      s->pending++;
      tcp_arg(newpcb, newpcb);
      tcp_recv(newpcb, tcp_recv_keep);
      tcp_err(newpcb, server_t0_err);
      sys_timeout(0, server_t0_setup, newpcb);
      if (++s->t0_slots > s->t0_slots_max) {
        s->t0_slots_max = s->t0_slots;
      }
      return ERR_OK;
    case DEFER_POLL:
    default:
      s->pending++;
      tcp_arg(newpcb, s);
      tcp_recv(newpcb, tcp_recv_keep);
      tcp_err(newpcb, server_pending_err);
      tcp_poll(newpcb, server_setup_poll, 1);
      return ERR_OK;
  }
}

int
server_start(struct server *s, const struct server_config *cfg)
{
  struct tcp_pcb *pcb;
  int err;

  memset(s, 0, sizeof(*s));
  s->cfg = *cfg;
  if (s->cfg.handshake_ms == 0) {
    s->cfg.handshake_ms = SERVER_HANDSHAKE_MS;
  }
  if (s->cfg.login_ms == 0) {
    s->cfg.login_ms = SERVER_LOGIN_MS;
  }
  if (s->cfg.max_pending == 0 || s->cfg.max_pending >= SERVER_MAX_CONN) {
    s->cfg.max_pending = SERVER_MAX_PENDING;
  }
  s->term.fd = -1;
  server_instance = s;
  err = files_root_open(&s->root, cfg->root);
  if (err != 0) {
    fprintf(stderr, "webrepl-server: --root %s: %s\n", cfg->root, strerror(err));
    return err;
  }
  pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
  if (pcb == NULL) {
    return ENOMEM;
  }
  ip_set_option(pcb, SOF_REUSEADDR);
  if (tcp_bind(pcb, IP4_ADDR_ANY, cfg->port) != ERR_OK) {
    fprintf(stderr, "webrepl-server: cannot bind port %u\n", (unsigned)cfg->port);
    tcp_abort(pcb);
    return EADDRINUSE;
  }
  s->listener = tcp_listen_with_backlog(pcb, TCP_DEFAULT_LISTEN_BACKLOG);
  if (s->listener == NULL) {
    tcp_abort(pcb);
    return ENOMEM;
  }
  tcp_arg(s->listener, s);
  tcp_accept(s->listener, server_accept);
  return 0;
}

/* ---- sessions --------------------------------------------------------- */

static void
server_login_wake(void *arg)
{
  struct server *s = (struct server *)arg;
  unsigned i;

  s->login_timer = 0;
  for (i = 0; i < SERVER_MAX_CONN; i++) {
    struct conn *c = &s->conns[i];
    if (c->phase == CONN_WS && !c->logged_in && c->rx != NULL) {
      conn_resume(c);
    }
  }
}

void
server_wake_logins_at(struct server *s, uint32_t when)
{
  uint32_t now = sys_now();

  if (s->login_timer) {
    return;
  }
  s->login_timer = 1;
  sys_timeout((int32_t)(when - now) > 0 ? when - now : 0, server_login_wake, s);
}

void
server_login(struct server *s, struct conn *c, int ok)
{
  unsigned shift;

  if (!ok) {
    /* each failure doubles the wait before the next password is checked
       (by anyone): 100 ms, 200 ms, ... at most 6.4 s */
    s->login_fails++;
    shift = s->login_fails > 7 ? 6 : s->login_fails - 1;
    s->login_next = sys_now() + (100u << shift);
    c->denied = 1;
    c->close_req = 1;
    return;
  }
  s->login_fails = 0;
  s->logins++;
  if (s->active != NULL && s->active != c) {
    struct conn *old = s->active;
    conn_send_text(old, "\r\nWebREPL: another client logged in; this session is closed\r\n");
    conn_close(old);
  }
  s->active = c;
  c->logged_in = 1;
  term_drop_input(&s->term);
  if (!term_alive(&s->term)) {
    int err;
    s->term_hup = 0;
    err = term_start(&s->term, s->cfg.exec);
    if (err != 0) {
      fprintf(stderr, "webrepl-server: cannot start the terminal program: %s\n", strerror(err));
    }
  }
  if (s->cfg.verbose) {
    fprintf(stderr, "webrepl-server: session logged in\n");
  }
}

void
server_conn_closed(struct server *s, struct conn *c)
{
  if (s->active == c) {
    s->active = NULL;
    term_drop_input(&s->term);
  }
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

/* The terminal program exited or closed its terminal: acknowledge the input
   it will never read, tell the session, start a new program for it. */
static void
server_term_gone(struct server *s)
{
  struct conn *a = s->active;

  s->term_hup = 0;
  term_alive(&s->term);
  term_stop(&s->term);
  if (a != NULL) {
    conn_term_taken(a, a->term_unacked);
    conn_send_text(a, "\r\n[terminal program exited; restarted]\r\n");
    term_start(&s->term, s->cfg.exec);
    conn_resume(a);
  }
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
      server_term_gone(s);
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

/* ---- statistics ------------------------------------------------------- */

void
server_write_stats(const struct server *s, const char *path)
{
  char tmp[4096];
  FILE *f;
  unsigned tw = 0, i;
  struct tcp_pcb *pcb;

  snprintf(tmp, sizeof(tmp), "%s.tmp", path);
  f = fopen(tmp, "w");
  if (f == NULL) {
    return;
  }
  for (pcb = tcp_tw_pcbs; pcb != NULL; pcb = pcb->next) {
    tw++;
  }
  fprintf(f, "mem.used %lu\n", (unsigned long)lwip_stats.mem.used);
  for (i = 0; i < MEMP_MAX; i++) {
    fprintf(f, "memp.%u.used %lu\n", i, (unsigned long)lwip_stats.memp[i]->used);
  }
  fprintf(f, "memp.tcp_pcb.used %lu\n", (unsigned long)lwip_stats.memp[MEMP_TCP_PCB]->used);
  fprintf(f, "memp.pbuf_pool.used %lu\n", (unsigned long)lwip_stats.memp[MEMP_PBUF_POOL]->used);
  fprintf(f, "memp.sys_timeout.used %lu\n", (unsigned long)lwip_stats.memp[MEMP_SYS_TIMEOUT]->used);
  fprintf(f, "tcp.time_wait %u\n", tw);
  fprintf(f, "tcp.drop %lu\n", (unsigned long)lwip_stats.tcp.drop);
  fprintf(f, "tcp.memerr %lu\n", (unsigned long)lwip_stats.tcp.memerr);
  fprintf(f, "link.drop %lu\n", (unsigned long)lwip_stats.link.drop);
  fprintf(f, "server.accepted %lu\n", s->accepted);
  fprintf(f, "server.refused %lu\n", s->refused);
  fprintf(f, "server.setups %lu\n", s->setups);
  fprintf(f, "server.logins %lu\n", s->logins);
  fprintf(f, "server.pending %u\n", server_pending(s));
  fprintf(f, "server.timeout0_slots_max %u\n", s->t0_slots_max);
  fclose(f);
  rename(tmp, path);
}
