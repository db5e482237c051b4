/* server: the listener, deferred set-up, admission and the connection pool
 * (see server.h; the session and the terminal are in session.c).
 *
 * The accept callback runs inside tcp_input(): it does no networking and no
 * session work.  In the default mode it installs tcp_recv_keep, so that what
 * the client sends meanwhile is kept, and a poll callback that does the
 * set-up.  With LWIP_TCP_ACCEPT_POLL (patched lwIP) that poll runs right
 * after the handshake and the kept data follows at once; on stock lwIP the
 * poll comes from the slow timer.
 *
 * Admission: at most cfg.max_pending connections wait for their upgrade or
 * login, at most cfg.max_per_addr of them from one address.  A newcomer
 * beyond that makes room by evicting the waiting connection (of its own
 * address, if that is the limit it hit) that has been silent longest, at
 * least SERVER_SILENT_MS; only if none has, the newcomer itself is turned
 * away.  Either is told so: HTTP 503 before the upgrade, a close frame 1013
 * after it.  So silent connections cannot lock anyone out.
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

/* the timeout0 variant's callbacks get the pcb as argument */
static struct server *server_instance;

unsigned
server_pending(const struct server *s)
{
  unsigned n = s->pending, i;

  for (i = 0; i < SERVER_MAX_CONN; i++) {
    n += conn_pending(&s->conns[i]) ? 1u : 0u;
  }
  return n;
}

/* Is c waiting and silent: nothing received for SERVER_SILENT_MS?  A
   password whose check the login limit holds back is not silence. */
static int
server_silent(const struct conn *c, uint32_t now)
{
  return conn_pending(c) && now - c->t_rx >= SERVER_SILENT_MS &&
         !(c->phase == CONN_WS && webrepl_check_held(&c->wr));
}

/* Waiting connections that are silent, for the statistics. */
static unsigned
server_pending_silent(const struct server *s)
{
  uint32_t now = sys_now();
  unsigned n = 0, i;

  for (i = 0; i < SERVER_MAX_CONN; i++) {
    n += server_silent(&s->conns[i], now) ? 1u : 0u;
  }
  return n;
}

/* ---- admission ---------------------------------------------------------- */

/* The silent connection other than c silent longest, of c's address only
   if same_addr; NULL if none. */
static struct conn *
server_victim(struct server *s, const struct conn *c, int same_addr)
{
  struct conn *v = NULL;
  uint32_t now = sys_now();
  unsigned i;

  for (i = 0; i < SERVER_MAX_CONN; i++) {
    struct conn *o = &s->conns[i];
    if (o == c || !server_silent(o, now) || (same_addr && o->addr != c->addr)) {
      continue;
    }
    if (v == NULL || (int32_t)(o->t_rx - v->t_rx) < 0) {
      v = o;
    }
  }
  return v;
}

/* A new connection c: within the limits, or make room, or turn it away.
   Returns ERR_ABRT if c's pcb was aborted. */
static err_t
server_admit(struct server *s, struct conn *c)
{
  unsigned same = 0, i;
  int over_addr;
  struct conn *v;

  for (i = 0; i < SERVER_MAX_CONN; i++) {
    const struct conn *o = &s->conns[i];
    if (o != c && conn_pending(o) && o->addr == c->addr) {
      same++;
    }
  }
  over_addr = same >= s->cfg.max_per_addr;
  if (!over_addr && server_pending(s) - 1 < s->cfg.max_pending) {
    return ERR_OK;
  }
  v = server_victim(s, c, over_addr);
  if (v != NULL) {
    s->evicted++;
    conn_close(v, CONN_BYE_BUSY);
    if (s->cfg.verbose) {
      fprintf(stderr, "webrepl-server: too many waiting connections; the longest silent one evicted\n");
    }
    return ERR_OK;
  }
  s->refused++;
  if (s->cfg.verbose) {
    fprintf(stderr, "webrepl-server: too many waiting connections; a new one turned away\n");
  }
  return conn_close(c, CONN_BYE_BUSY);
}

/* Set up an accepted pcb in a free slot.  Returns ERR_ABRT if the pcb was
   aborted (no free slot, or turned away and aborted). */
static err_t
server_setup(struct server *s, struct tcp_pcb *pcb)
{
  unsigned i;

  for (i = 0; i < SERVER_MAX_CONN; i++) {
    if (s->conns[i].phase == CONN_FREE) {
      conn_setup(&s->conns[i], pcb, &s->owner, &s->conn_cfg);
      s->setups++;
      return server_admit(s, &s->conns[i]);
    }
  }
  s->refused++;
  tcp_err(pcb, NULL); /* the pending accounting is done by our caller */
  tcp_abort(pcb);
  return ERR_ABRT;
}

static void
server_released(void *ctx, struct conn *c, int aborted)
{
  struct server *s = (struct server *)ctx;

  LWIP_UNUSED_ARG(c);
  if (aborted) {
    s->close_aborts++;
    if (s->cfg.verbose) {
      fprintf(stderr, "webrepl-server: a client did not acknowledge the close within %lu ms; aborted\n",
              (unsigned long)s->cfg.close_ms);
    }
  }
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
  return server_setup(s, pcb);
}

static void
server_t0_setup(void *arg)
{
  struct server *s = server_instance;
  s->pending--;
  s->t0_slots--;
  server_setup(s, (struct tcp_pcb *)arg);
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
  if (server_pending(s) >= SERVER_MAX_CONN - 2 ||
      (s->cfg.defer == DEFER_TIMEOUT0 && s->pending >= s->cfg.max_pending)) {
    /* no slot could take it (lwIP's own pcb pool is as large), or (the
       timeout0 variant) each waiting set-up holds one of lwIP's few timers:
       lwIP aborts the new pcb.  Otherwise server_admit() decides, and
       tells. */
    s->refused++;
    return ERR_MEM;
  }
  s->accepted++;
  switch (s->cfg.defer) {
    case DEFER_INLINE:
      return server_setup(s, newpcb);
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
  if (s->cfg.max_per_addr == 0 || s->cfg.max_per_addr > s->cfg.max_pending) {
    s->cfg.max_per_addr = s->cfg.max_pending > 1 ? s->cfg.max_pending / 2 : 1;
  }
  if (s->cfg.close_ms == 0) {
    s->cfg.close_ms = SERVER_CLOSE_MS;
  }
  s->conn_cfg.password = s->cfg.password;
  s->conn_cfg.password_len = s->cfg.password_len;
  s->conn_cfg.root = &s->root;
  s->conn_cfg.handshake_ms = s->cfg.handshake_ms;
  s->conn_cfg.login_ms = s->cfg.login_ms;
  s->conn_cfg.close_ms = s->cfg.close_ms;
  s->owner.ctx = s;
  s->owner.released = server_released;
  session_owner_init(s);
  login_limit_init(&s->limit, sys_now());
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
  fprintf(f, "server.evicted %lu\n", s->evicted);
  fprintf(f, "server.password_checks %lu\n", s->password_checks);
  fprintf(f, "server.logins_held %u\n", session_logins_held(s));
  fprintf(f, "server.close_aborts %lu\n", s->close_aborts);
  fprintf(f, "server.pending %u\n", server_pending(s));
  fprintf(f, "server.pending_silent %u\n", server_pending_silent(s));
  fprintf(f, "term.restarts %lu\n", s->term_restarts);
  fprintf(f, "term.backoff_ms %lu\n", (unsigned long)s->term_backoff_ms);
  fprintf(f, "server.timeout0_slots_max %u\n", s->t0_slots_max);
  fclose(f);
  rename(tmp, path);
}
