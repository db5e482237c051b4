/*
 * A program built against the liblwip-dev that `make deb` produced (its
 * headers, its shared library): a listener and a client on lwIP's own
 * loopback, in Debian's threaded configuration (tcpip thread, core
 * locking).  The accept callback installs tcp_recv_keep() and a poll
 * callback and does nothing else; the client sends its first bytes with the
 * handshake-completing ACK.  Checks:
 *   - the library was built with LWIP_TCP_ACCEPT_POLL 1 (lwipopts.h);
 *   - the first poll runs in the same tcp_ticks as the accept (right after
 *     it, not from the slow timer, which advances tcp_ticks first);
 *   - the early bytes were kept (pcb->refused_data) until that poll;
 *   - the recv callback the poll installs gets them, once and whole, in the
 *     same tick.
 * Prints "ok"/"FAIL" lines; exit 0 only if all hold.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lwip/init.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"
#include "lwip/tcpip.h"

#if !defined LWIP_TCP_ACCEPT_POLL || !LWIP_TCP_ACCEPT_POLL
#error "the packaged lwipopts.h does not enable LWIP_TCP_ACCEPT_POLL"
#endif

#define PORT 7777
static const char hello[] = "hello from the client";

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int ready, done;

static struct netif nif;
static int accepts, polls, kept_at_poll, recv_calls;
static u32_t accept_tick, poll_tick, recv_tick;
static char got[64];
static size_t got_len;

static void
signal_flag(int *flag)
{
  pthread_mutex_lock(&lock);
  *flag = 1;
  pthread_cond_broadcast(&cond);
  pthread_mutex_unlock(&lock);
}

/* waits for *flag; 0 on timeout (a failure guard, not a readiness signal) */
static int
wait_flag(int *flag)
{
  struct timespec until;
  int ok = 1;

  clock_gettime(CLOCK_REALTIME, &until);
  until.tv_sec += 20;
  pthread_mutex_lock(&lock);
  while (!*flag && ok) {
    ok = pthread_cond_timedwait(&cond, &lock, &until) == 0;
  }
  ok = *flag;
  pthread_mutex_unlock(&lock);
  return ok;
}

static err_t
nif_output(struct netif *netif, struct pbuf *p, const ip4_addr_t *addr)
{
  /* everything goes to our own address: lwIP loops it back itself */
  (void)netif;
  (void)p;
  (void)addr;
  return ERR_OK;
}

static err_t
nif_init(struct netif *netif)
{
  netif->name[0] = 'l';
  netif->name[1] = 'k';
  netif->mtu = 1500;
  netif->output = nif_output;
  return ERR_OK;
}

static err_t
srv_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
  (void)arg;
  (void)err;
  if (p == NULL) {
    tcp_close(pcb);
    return ERR_OK;
  }
  recv_calls++;
  if (recv_calls == 1) {
    recv_tick = tcp_ticks;
  }
  if (got_len + p->tot_len <= sizeof(got)) {
    got_len += pbuf_copy_partial(p, got + got_len, p->tot_len, 0);
  }
  tcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  if (got_len >= sizeof(hello) - 1) {
    signal_flag(&done);
  }
  return ERR_OK;
}

static err_t
srv_poll(void *arg, struct tcp_pcb *pcb)
{
  (void)arg;
  polls++;
  if (polls == 1) {
    poll_tick = tcp_ticks;
    kept_at_poll = pcb->refused_data != NULL;
    tcp_recv(pcb, srv_recv); /* the deferred set-up */
  }
  return ERR_OK;
}

static err_t
srv_accept(void *arg, struct tcp_pcb *newpcb, err_t err)
{
  (void)arg;
  if (err != ERR_OK || newpcb == NULL) {
    return ERR_VAL;
  }
  accepts++;
  accept_tick = tcp_ticks;
  tcp_recv(newpcb, tcp_recv_keep);
  tcp_poll(newpcb, srv_poll, 4);
  return ERR_OK;
}

static err_t
cli_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
  (void)arg;
  (void)err;
  /* queued now, sent with the ACK that completes the handshake */
  return tcp_write(pcb, hello, sizeof(hello) - 1, TCP_WRITE_FLAG_COPY);
}

static void
tcpip_ready(void *arg)
{
  (void)arg;
  signal_flag(&ready);
}

static int failures;

static void
check(int cond_ok, const char *what)
{
  printf("%s - %s\n", cond_ok ? "ok  " : "FAIL", what);
  failures += !cond_ok;
}

int
main(void)
{
  ip4_addr_t addr, mask, gw;
  ip_addr_t dest;
  struct tcp_pcb *listener, *client;

  tcpip_init(tcpip_ready, NULL);
  if (!wait_flag(&ready)) {
    printf("FAIL - tcpip thread did not start\n");
    return 1;
  }
  IP4_ADDR(&addr, 10, 0, 0, 1);
  IP4_ADDR(&mask, 255, 255, 255, 0);
  ip4_addr_set_zero(&gw);
  ip_addr_copy_from_ip4(dest, addr);

  LOCK_TCPIP_CORE();
  netif_add(&nif, &addr, &mask, &gw, NULL, nif_init, tcpip_input);
  netif_set_up(&nif);
  netif_set_link_up(&nif);
  listener = tcp_new();
  tcp_bind(listener, IP_ADDR_ANY, PORT);
  listener = tcp_listen(listener);
  tcp_accept(listener, srv_accept);
  client = tcp_new();
  tcp_connect(client, &dest, PORT, cli_connected);
  UNLOCK_TCPIP_CORE();

  check(wait_flag(&done), "the server received the client's first bytes");
  LOCK_TCPIP_CORE();
  printf("       lwIP %s; accept at tick %u, first poll at tick %u, data at tick %u\n",
         LWIP_VERSION_STRING, (unsigned)accept_tick, (unsigned)poll_tick, (unsigned)recv_tick);
  check(accepts == 1, "one connection accepted");
  check(polls >= 1 && poll_tick == accept_tick,
        "the first poll ran right after accept (same tcp_ticks), not from the slow timer");
  check(kept_at_poll, "tcp_recv_keep() kept the bytes that came with the handshake until then");
  check(recv_calls >= 1 && recv_tick == accept_tick,
        "the recv callback installed by the poll got them in the same tick");
  check(got_len == sizeof(hello) - 1 && memcmp(got, hello, got_len) == 0,
        "the bytes arrived whole and once");
  UNLOCK_TCPIP_CORE();
  return failures != 0;
}
