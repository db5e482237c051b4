/* bench-sim: the simulation driver (replaces the consumer's main.c,
 * link_tap.c and clock.c).
 *
 * Clock: sys_now() returns sim_now_ms, a virtual millisecond counter that
 * only the loop below advances.  No wall clock, no randomness but a
 * fixed-seed PRNG (client ISNs; lwIP's LWIP_RAND() is random() seeded 1).
 *
 * Link: one lwIP netif for the server (192.0.2.2/24, no ARP: netif->output
 * queues the IPv4 packet), two FIFOs with a fixed one-way delay
 * (--delay, default 1 ms) and the scripted client (client.c) at 192.0.2.1.
 * lwIP's checksum checks stay on (the consumer's lwipopts.h is used as is);
 * the client computes correct IPv4 and TCP checksums.
 *
 * Loop (a NO_SYS loop like main.c's): at the current virtual time
 *   1. the client takes the packets that have arrived and runs its due
 *      timers (connection starts, retransmissions);
 *   2. one input call hands every packet queued for the server to
 *      netif->input (ip4_input);
 *   3. sys_check_timeouts();
 * repeated while anything moved; then the clock jumps to the next event:
 * the next packet arrival, the client's next timer, or lwIP's next timeout
 * (sys_timeouts_sleeptime()).  The client sends the handshake's ACK and the
 * request at the same instant, so both reach the server in the same input
 * call, before the timers run (--req-delay MS: the request MS later).
 *
 * Scenarios (each in a fresh process: fresh lwIP, clock at 0):
 *   single: 20 connections one after the other, SYN at 1000 + i*3037 ms, so
 *           the start phase against lwIP's 500 ms slow timer is i*37 mod 500
 *           (the TCP timer runs on: the server's TIME_WAIT pcbs keep it);
 *   burst:  5 rounds of 10 clients whose SYNs arrive together, round r at
 *           1000 + r*5113 ms (phase r*113 mod 500).
 * Every client closes with a websocket close frame once it has the prompt;
 * the server closes the TCP connection (and keeps TIME_WAIT).  Server config:
 * the variant's DEFER_*, password "sim", root ".", default timeouts; nobody
 * logs in, so the terminal never starts.
 *
 * Output per scenario: a table (min/p50/p90/max/mean of t_101, t_prompt and
 * their ticks), counters, and one "SIM variant=... scenario=..." line of
 * key=value pairs for tests/bench/sim/run.
 *
 * Ticks: every run of tcp_tmr() (wrapped with ld --wrap) is one tick; it
 * runs tcp_fasttmr(), and every second one (odd tcp_timer count, as in
 * tcp.c) also tcp_slowtmr(): a slow tick.  A connection's ticks are the
 * tcp_tmr() runs between the delivery of its request's first copy to the
 * server and the emission of the segment that completed the 101 (or the
 * prompt): the timer ticks the server needed to answer.
 *
 * Bytes consumed: what the consumer's HTTP and websocket parsers took
 * (http_req_feed() and ws_parse() called from conn.c, wrapped), per
 * connection; a connection loses bytes if the client sent more.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lwip/init.h"
#include "lwip/ip4.h"
#include "lwip/memp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/priv/tcp_priv.h"

#include "net/conn.h"
#include "net/server.h"
#include "sim.h"

#ifndef SIM_VARIANT
#error "SIM_VARIANT (stock, patched, inline, timeout0) is required"
#endif
#ifndef SIM_DEFER
#error "SIM_DEFER (DEFER_POLL, DEFER_INLINE, DEFER_TIMEOUT0) is required"
#endif
#ifndef SIM_TREE
#define SIM_TREE "?"
#endif
#define SIM_STR2(x) #x
#define SIM_STR(x) SIM_STR2(x)

#define SIM_T0          1000u   /* first SYN */
#define SIM_SINGLE_N    20
#define SIM_SINGLE_SLOT 3037u   /* = 37 mod 500: start phases i*37 */
#define SIM_BURST_ROUNDS 5
#define SIM_BURST_N     10
#define SIM_BURST_SLOT  5113u   /* = 113 mod 500 */
#define SIM_QUEUE       1024

uint32_t sim_now_ms;
unsigned long sim_ticks;
unsigned long sim_slow_ticks;
unsigned long sim_input_call;
int sim_in_input;

static uint32_t sim_delay_ms = 1;
static int sim_verbose;
static int sim_trace;
static int sim_flush;   /* what-if: flush every pcb's queued data after the timers */

/* -t: one line per packet on the link (when it is delivered) */
static void
sim_trace_pkt(const char *dir, const struct sim_pkt *pkt)
{
  const uint8_t *ip = pkt->data, *tcp;
  size_t ihl, thl, len;
  uint8_t f;

  if (!sim_trace || pkt->len < 40 || ip[9] != 6) {
    return;
  }
  ihl = (size_t)(ip[0] & 0x0f) * 4;
  tcp = ip + ihl;
  thl = (size_t)(tcp[12] >> 4) * 4;
  len = (size_t)((ip[2] << 8) | ip[3]) - ihl - thl;
  f = tcp[13];
  printf("      %6u %s %u>%u %s%s%s%s%s seq %u ack %u len %zu [ticks %lu slow %lu]\n",
         (unsigned)sim_now_ms, dir, (unsigned)((tcp[0] << 8) | tcp[1]),
         (unsigned)((tcp[2] << 8) | tcp[3]),
         (f & 0x02) ? "S" : "", (f & 0x01) ? "F" : "", (f & 0x04) ? "R" : "",
         (f & 0x08) ? "P" : "", (f & 0x10) ? "." : "",
         (unsigned)(((uint32_t)tcp[4] << 24) | ((uint32_t)tcp[5] << 16) | ((uint32_t)tcp[6] << 8) | tcp[7]),
         (unsigned)(((uint32_t)tcp[8] << 24) | ((uint32_t)tcp[9] << 16) | ((uint32_t)tcp[10] << 8) | tcp[11]),
         len, sim_ticks, sim_slow_ticks);
  if (len > 0 && sim_trace > 1) {
    const uint8_t *d = tcp + thl;
    size_t i;
    printf("             ");
    for (i = 0; i < len; i++) {
      if (d[i] >= 0x20 && d[i] < 0x7f) {
        putchar(d[i]);
      } else {
        printf("\\x%02x", d[i]);
      }
    }
    printf("\n");
  }
}

/* ---- clock ------------------------------------------------------------ */

u32_t
sys_now(void)
{
  return sim_now_ms;
}

/* ---- counting timer ticks and consumed bytes (ld --wrap) -------------- */

void __real_tcp_tmr(void);
void __wrap_tcp_tmr(void);
enum http_result __real_http_req_feed(struct http_req *r, const uint8_t *data,
                                      size_t len, size_t *consumed);
enum http_result __wrap_http_req_feed(struct http_req *r, const uint8_t *data,
                                      size_t len, size_t *consumed);
size_t __real_ws_parse(struct ws_parser *p, uint8_t *data, size_t len,
                       size_t max_payload, struct ws_event *ev);
size_t __wrap_ws_parse(struct ws_parser *p, uint8_t *data, size_t len,
                       size_t max_payload, struct ws_event *ev);

void
__wrap_tcp_tmr(void)
{
  /* tcp_tmr() increments its u8_t tcp_timer and runs tcp_slowtmr() when the
     result is odd; 256 is even, so our count has the same parity */
  sim_ticks++;
  if (sim_ticks & 1) {
    sim_slow_ticks++;
  }
  __real_tcp_tmr();
}

static void
sim_consumed(struct conn *c, size_t n)
{
  if (c->pcb != NULL && n > 0) {
    client_consumed(c->pcb->remote_port, (unsigned long)n);
  }
}

enum http_result
__wrap_http_req_feed(struct http_req *r, const uint8_t *data, size_t len, size_t *consumed)
{
  size_t used = 0;
  enum http_result res = __real_http_req_feed(r, data, len, &used);

  if (consumed != NULL) {
    *consumed = used;
  }
  sim_consumed((struct conn *)(void *)((char *)r - offsetof(struct conn, http)), used);
  return res;
}

size_t
__wrap_ws_parse(struct ws_parser *p, uint8_t *data, size_t len, size_t max_payload,
                struct ws_event *ev)
{
  size_t n = __real_ws_parse(p, data, len, max_payload, ev);

  sim_consumed((struct conn *)(void *)((char *)p - offsetof(struct conn, ws)), n);
  return n;
}

/* ---- the link --------------------------------------------------------- */

struct sim_queue {
  struct sim_pkt pkt[SIM_QUEUE];
  unsigned head, count;
};

static struct sim_queue sim_q[2];
static struct netif sim_netif;
static unsigned long sim_link_overflow;

void
link_send(enum sim_dir dir, const uint8_t *data, size_t len, int tag, int conn)
{
  struct sim_queue *q = &sim_q[dir];
  struct sim_pkt *p;

  if (q->count == SIM_QUEUE || len > SIM_PKT_MAX) {
    sim_link_overflow++;
    return;
  }
  p = &q->pkt[(q->head + q->count) % SIM_QUEUE];
  q->count++;
  p->arrive = sim_now_ms + sim_delay_ms;
  p->len = (uint16_t)len;
  p->tag = (uint8_t)tag;
  p->conn = conn;
  p->emit_call = sim_in_input ? sim_input_call : 0;
  p->emit_ticks = sim_ticks;
  p->emit_slow = sim_slow_ticks;
  memcpy(p->data, data, len);
}

static int
link_due(enum sim_dir dir)
{
  const struct sim_queue *q = &sim_q[dir];
  return q->count > 0 && TIME_DUE(q->pkt[q->head].arrive, sim_now_ms);
}

static struct sim_pkt *
link_pop(enum sim_dir dir)
{
  struct sim_queue *q = &sim_q[dir];
  struct sim_pkt *p = &q->pkt[q->head];

  q->head = (q->head + 1) % SIM_QUEUE;
  q->count--;
  return p;   /* valid until the slot is reused: SIM_QUEUE sends later */
}

static err_t
sim_netif_output(struct netif *netif, struct pbuf *p, const ip4_addr_t *ipaddr)
{
  uint8_t buf[SIM_PKT_MAX];
  u16_t len;

  LWIP_UNUSED_ARG(netif);
  LWIP_UNUSED_ARG(ipaddr);
  if (p->tot_len > sizeof(buf)) {
    LINK_STATS_INC(link.drop);
    return ERR_BUF;
  }
  len = pbuf_copy_partial(p, buf, p->tot_len, 0);
  link_send(TO_CLIENT, buf, len, TAG_NONE, -1);
  LINK_STATS_INC(link.xmit);
  return ERR_OK;
}

static err_t
sim_netif_linkoutput(struct netif *netif, struct pbuf *p)
{
  LWIP_UNUSED_ARG(netif);
  LWIP_UNUSED_ARG(p);
  return ERR_IF;   /* no link layer: everything goes through output */
}

static err_t
sim_netif_init(struct netif *netif)
{
  netif->name[0] = 's';
  netif->name[1] = 'm';
  netif->output = sim_netif_output;
  netif->linkoutput = sim_netif_linkoutput;
  netif->mtu = 1500;
  netif->flags = NETIF_FLAG_LINK_UP; /* no NETIF_FLAG_ETHARP: plain IPv4 */
  return ERR_OK;
}

/* one input call: every packet queued for the server by now */
static void
sim_server_input(void)
{
  sim_input_call++;
  sim_in_input = 1;
  while (link_due(TO_SERVER)) {
    struct sim_pkt *pkt = link_pop(TO_SERVER);
    struct pbuf *p = pbuf_alloc(PBUF_RAW, pkt->len, PBUF_POOL);

    LINK_STATS_INC(link.recv);
    if (p == NULL) {
      LINK_STATS_INC(link.memerr);
      continue;
    }
    pbuf_take(p, pkt->data, pkt->len);
    sim_trace_pkt("cli->srv", pkt);
    client_delivered(pkt->conn, pkt->tag);
    if (sim_netif.input(p, &sim_netif) != ERR_OK) {
      pbuf_free(p);
    }
  }
  sim_in_input = 0;
}

/* ---- the loop --------------------------------------------------------- */

static int
sim_active_pcbs(void)
{
  int n = 0;
  struct tcp_pcb *pcb;

  for (pcb = tcp_active_pcbs; pcb != NULL; pcb = pcb->next) {
    n++;
  }
  return n;
}

static int
sim_all_finished(void)
{
  int i;

  for (i = 0; i < sim_nconns; i++) {
    if (!client_finished(&sim_conns[i])) {
      return 0;
    }
  }
  return 1;
}

/* --flush (a what-if, not the consumer's behaviour): after the timers, send
   what any pcb has queued, as conn_recv_cb() would if it ended with
   tcp_output() (from tcp_fasttmr()'s re-offer of refused data nobody
   calls tcp_output()) */
static void
sim_flush_pcbs(void)
{
  struct tcp_pcb *pcb;

  for (pcb = tcp_active_pcbs; pcb != NULL; pcb = pcb->next) {
    if (pcb->unsent != NULL) {
      tcp_output(pcb);
    }
  }
}

/* Run until every client connection is over and the server has no active
   pcb left (TIME_WAIT may remain), or until the virtual time limit. */
static void
sim_run(uint32_t limit)
{
  for (;;) {
    uint32_t next, sleep;
    int progress, have;
    unsigned guard = 0;

    do {
      progress = 0;
      while (link_due(TO_CLIENT)) {
        struct sim_pkt *pkt = link_pop(TO_CLIENT);
        sim_trace_pkt("srv->cli", pkt);
        client_input(pkt);
        progress = 1;
      }
      if (client_timers(sim_now_ms)) {
        progress = 1;
      }
      if (link_due(TO_SERVER)) {
        sim_server_input();
        progress = 1;
      }
      sys_check_timeouts();
      if (sim_flush) {
        sim_flush_pcbs();
      }
      if (link_due(TO_CLIENT) || link_due(TO_SERVER)) {
        progress = 1;
      }
      if (++guard > 100000) {
        fprintf(stderr, "bench-sim: no progress at %u ms\n", (unsigned)sim_now_ms);
        exit(3);
      }
    } while (progress);

    if (sim_all_finished() && tcp_active_pcbs == NULL) {
      return;
    }
    next = client_next_timer(&have);
    if (sim_q[TO_CLIENT].count > 0) {
      uint32_t t = sim_q[TO_CLIENT].pkt[sim_q[TO_CLIENT].head].arrive;
      if (!have || SEQ_LT(t, next)) {
        next = t;
        have = 1;
      }
    }
    if (sim_q[TO_SERVER].count > 0) {
      uint32_t t = sim_q[TO_SERVER].pkt[sim_q[TO_SERVER].head].arrive;
      if (!have || SEQ_LT(t, next)) {
        next = t;
        have = 1;
      }
    }
    sleep = sys_timeouts_sleeptime();
    if (sleep != SYS_TIMEOUTS_SLEEPTIME_INFINITE) {
      uint32_t t = sim_now_ms + sleep;
      if (!have || SEQ_LT(t, next)) {
        next = t;
        have = 1;
      }
    }
    if (!have || SEQ_GT(next, limit)) {
      return;
    }
    if (SEQ_GT(next, sim_now_ms)) {
      sim_now_ms = next;
    }
  }
}

/* ---- statistics ------------------------------------------------------- */

struct sim_dist {
  unsigned long v[SIM_MAX_CONNS];
  int n;
};

static int
sim_cmp(const void *a, const void *b)
{
  unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
  return x < y ? -1 : x > y;
}

static void
dist_add(struct sim_dist *d, unsigned long v)
{
  d->v[d->n++] = v;
}

/* nearest rank: the smallest value with at least pct% of values <= it */
static unsigned long
dist_pct(struct sim_dist *d, int pct)
{
  int k;

  if (d->n == 0) {
    return 0;
  }
  qsort(d->v, (size_t)d->n, sizeof(d->v[0]), sim_cmp);
  k = (pct * d->n + 99) / 100;
  return d->v[k < 1 ? 0 : k - 1];
}

static unsigned long
dist_min(struct sim_dist *d)
{
  return d->n ? (qsort(d->v, (size_t)d->n, sizeof(d->v[0]), sim_cmp), d->v[0]) : 0;
}

/* mean times 100, rounded */
static unsigned long
dist_mean100(const struct sim_dist *d)
{
  unsigned long sum = 0;
  int i;

  if (d->n == 0) {
    return 0;
  }
  for (i = 0; i < d->n; i++) {
    sum += d->v[i];
  }
  return (sum * 100 + (unsigned long)d->n / 2) / (unsigned long)d->n;
}

static void
dist_row(const char *label, struct sim_dist *d)
{
  unsigned long m = dist_mean100(d);
  printf("  %-22s %7lu %7lu %7lu %7lu %5lu.%02lu\n", label, dist_min(d),
         dist_pct(d, 50), dist_pct(d, 90), dist_pct(d, 100), m / 100, m % 100);
}

/* ---- scenarios -------------------------------------------------------- */

enum sim_scenario { SC_SINGLE, SC_BURST };

static int
sim_scenario(enum sim_scenario sc)
{
  static struct server srv;
  struct server_config cfg;
  ip4_addr_t ip, mask, gw;
  struct sim_dist t101 = { {0}, 0 }, tprompt = { {0}, 0 }, ticks = { {0}, 0 };
  struct sim_dist slow = { {0}, 0 }, pticks = { {0}, 0 };
  const char *name = sc == SC_SINGLE ? "single" : "burst";
  unsigned long sent = 0, consumed = 0, lost = 0;
  unsigned retrans = 0, dups = 0;
  int i, n, ok = 0, refused = 0, reset = 0, unfinished = 0, bad = 0, same_call = 0;
  uint32_t last_start = 0;

  srandom(1);
  lwip_init();
  IP4_ADDR(&ip, 192, 0, 2, 2);
  IP4_ADDR(&mask, 255, 255, 255, 0);
  ip4_addr_set_zero(&gw);
  if (netif_add(&sim_netif, &ip, &mask, &gw, NULL, sim_netif_init, ip4_input) == NULL) {
    fprintf(stderr, "bench-sim: netif_add failed\n");
    return 1;
  }
  netif_set_default(&sim_netif);
  netif_set_up(&sim_netif);

  memset(&cfg, 0, sizeof(cfg));
  cfg.port = SIM_PORT;
  cfg.password = (const uint8_t *)"sim";
  cfg.password_len = 3;
  cfg.root = ".";
  cfg.exec = NULL;
  cfg.defer = SIM_DEFER;
  cfg.handshake_ms = SERVER_HANDSHAKE_MS;
  cfg.login_ms = SERVER_LOGIN_MS;
  /* one client address: the limit per address is the overall one here */
  cfg.max_pending = SERVER_MAX_PENDING;
  cfg.max_per_addr = SERVER_MAX_PENDING;
  if (server_start(&srv, &cfg) != 0) {
    return 1;
  }

  if (sc == SC_SINGLE) {
    n = SIM_SINGLE_N;
    client_init(n);
    client_slot_ms = SIM_SINGLE_SLOT;
    for (i = 0; i < n; i++) {
      sim_conns[i].group = i;
      sim_conns[i].start_at = SIM_T0 + (uint32_t)i * SIM_SINGLE_SLOT;
    }
    printf("scenario single: %d connections one at a time, SYN at %u + i*%u ms "
           "(start phase i*%u mod 500)\n", n, SIM_T0, SIM_SINGLE_SLOT, SIM_SINGLE_SLOT % 500);
  } else {
    n = SIM_BURST_ROUNDS * SIM_BURST_N;
    client_init(n);
    client_slot_ms = SIM_BURST_SLOT;
    for (i = 0; i < n; i++) {
      sim_conns[i].group = i / SIM_BURST_N;
      sim_conns[i].start_at = SIM_T0 + (uint32_t)(i / SIM_BURST_N) * SIM_BURST_SLOT;
    }
    printf("scenario burst: %d rounds of %d clients whose SYNs arrive together, round r at "
           "%u + r*%u ms (phase r*%u mod 500)\n", SIM_BURST_ROUNDS, SIM_BURST_N, SIM_T0,
           SIM_BURST_SLOT, SIM_BURST_SLOT % 500);
  }
  for (i = 0; i < n; i++) {
    if (SEQ_GT(sim_conns[i].start_at, last_start)) {
      last_start = sim_conns[i].start_at;
    }
  }
  sim_run(last_start + 120000u);

  for (i = 0; i < n; i++) {
    struct sim_conn *c = &sim_conns[i];

    retrans += c->retrans;
    dups += c->srv_dups;
    if (!client_finished(c)) {
      unfinished++;
    }
    if (c->bad_response) {
      bad++;
    }
    if (c->refused) {
      refused++;
      continue;                      /* turned away: nothing taken, nothing lost */
    }
    if (c->state == C_RESET) {
      reset++;
    }
    sent += c->snd_len;
    consumed += c->consumed;
    if (c->snd_len > c->consumed) {
      lost += c->snd_len - c->consumed;
    }
    if (c->got_101) {
      dist_add(&t101, c->t_101);
      dist_add(&ticks, c->ticks_101);
      dist_add(&slow, c->slow_101);
      if (c->call_101 != 0 && c->call_101 == c->ack_call) {
        same_call++;
      }
    }
    if (c->got_prompt) {
      ok++;
      dist_add(&tprompt, c->t_prompt);
      dist_add(&pticks, c->ticks_prompt);
    }
    if (sim_verbose) {
      printf("    conn %2d port %u syn %6u phase %3u: t_101 %5u ms ticks %lu slow %lu"
             " | prompt %5u ms ticks %lu | 101 in %s call | retrans %u | sent %zu consumed %lu%s\n",
             i, c->port, (unsigned)c->t_syn, (unsigned)((c->t_syn - SIM_T0) % 500),
             (unsigned)c->t_101, c->ticks_101, c->slow_101, (unsigned)c->t_prompt,
             c->ticks_prompt,
             c->call_101 == 0 ? "a timer" : (c->call_101 == c->ack_call ? "the handshake's" :
                                            (c->call_101 == c->req_call ? "the request's" : "a later")),
             c->retrans, c->snd_len, c->consumed,
             client_finished(c) ? "" : " UNFINISHED");
    }
  }

  printf("  %-22s %7s %7s %7s %7s %8s\n", "", "min", "p50", "p90", "max", "mean");
  dist_row("t_101 ms", &t101);
  dist_row("t_prompt ms", &tprompt);
  dist_row("t_101 ticks", &ticks);
  dist_row("t_101 slow ticks", &slow);
  dist_row("t_prompt ticks", &pticks);
  printf("  connections: %d, %d got the prompt, %d refused (RST), %d reset later, %d unfinished,"
         " %d bad answers; 101 sent in the handshake's input call: %d\n",
         n, ok, refused, reset, unfinished, bad, same_call);
  printf("  client: %u retransmissions, %u duplicate segments from the server;"
         " bytes sent %lu, consumed by the server %lu, lost %lu\n",
         retrans, dups, sent, consumed, lost);
  printf("  lwIP: tcp.drop %lu, tcp.chkerr %lu, ip.chkerr %lu; server: accepted %lu, refused %lu,"
         " set up %lu, timeout0 slots max %u; at the end: %d active pcbs, %u pending,"
         " %lu pbufs; %u starts postponed, link overflow %lu, virtual end %u ms\n",
         (unsigned long)lwip_stats.tcp.drop, (unsigned long)lwip_stats.tcp.chkerr,
         (unsigned long)lwip_stats.ip.chkerr, srv.accepted, srv.refused, srv.setups,
         srv.t0_slots_max, sim_active_pcbs(), server_pending(&srv),
         (unsigned long)lwip_stats.memp[MEMP_PBUF_POOL]->used, client_postponed,
         sim_link_overflow, (unsigned)sim_now_ms);
  printf("SIM variant=%s scenario=%s n=%d ok=%d refused=%d reset=%d unfinished=%d bad=%d"
         " t101_p50_ms=%lu t101_p90_ms=%lu t101_max_ms=%lu"
         " tprompt_p50_ms=%lu tprompt_p90_ms=%lu tprompt_max_ms=%lu"
         " ticks_min=%lu ticks_max=%lu ticks_mean_x100=%lu"
         " slow_min=%lu slow_max=%lu slow_mean_x100=%lu same_call=%d rtt_ms=%u"
         " retrans=%u sent=%lu consumed=%lu lost=%lu drops=%lu chkerr=%lu"
         " left_active=%d left_pending=%u postponed=%u req_delay_ms=%u flush=%d\n",
         SIM_STR(SIM_VARIANT), name, n, ok, refused, reset, unfinished, bad,
         dist_pct(&t101, 50), dist_pct(&t101, 90), dist_pct(&t101, 100),
         dist_pct(&tprompt, 50), dist_pct(&tprompt, 90), dist_pct(&tprompt, 100),
         dist_min(&ticks), dist_pct(&ticks, 100), dist_mean100(&ticks),
         dist_min(&slow), dist_pct(&slow, 100), dist_mean100(&slow), same_call,
         (unsigned)(2 * sim_delay_ms), retrans, sent, consumed, lost,
         (unsigned long)lwip_stats.tcp.drop,
         (unsigned long)(lwip_stats.tcp.chkerr + lwip_stats.ip.chkerr),
         sim_active_pcbs(), server_pending(&srv), client_postponed,
         (unsigned)client_req_delay_ms, sim_flush);
  fflush(stdout);
  return 0;
}

static void
sim_usage(FILE *f)
{
  fprintf(f, "usage: bench-sim [-v] [-t|-tt] [--delay MS] [--req-delay MS] [--flush] [single|burst]...\n"
             "  Simulates the WebREPL server's accept path on a virtual clock\n"
             "  (variant %s: %s, tree %s).  Without a scenario: single, then burst.\n"
             "  -v             one line per connection\n"
             "  -t, -tt        trace every packet (-tt: with payload)\n"
             "  --delay MS     one-way link delay (default 1)\n"
             "  --req-delay MS the client writes its request MS after the handshake's ACK\n"
             "                 (default 0: right after it)\n"
             "  --flush        what-if: after the timers, tcp_output() every pcb with queued\n"
             "                 data (as if conn_recv_cb ended with tcp_output)\n",
          SIM_STR(SIM_VARIANT), SIM_STR(SIM_DEFER), SIM_TREE);
}

int
main(int argc, char **argv)
{
  enum sim_scenario list[8];
  int nlist = 0, i, rc = 0;

  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-tt") == 0) {
      sim_trace = 2;
    } else if (strcmp(argv[i], "-v") == 0) {
      sim_verbose = 1;
    } else if (strcmp(argv[i], "-t") == 0) {
      sim_trace++;
    } else if (strcmp(argv[i], "--delay") == 0 && i + 1 < argc) {
      sim_delay_ms = (uint32_t)atoi(argv[++i]);
    } else if (strcmp(argv[i], "--req-delay") == 0 && i + 1 < argc) {
      client_req_delay_ms = (uint32_t)atoi(argv[++i]);
    } else if (strcmp(argv[i], "--flush") == 0) {
      sim_flush = 1;
    } else if (strcmp(argv[i], "single") == 0 && nlist < 8) {
      list[nlist++] = SC_SINGLE;
    } else if (strcmp(argv[i], "burst") == 0 && nlist < 8) {
      list[nlist++] = SC_BURST;
    } else if (strcmp(argv[i], "--help") == 0) {
      sim_usage(stdout);
      return 0;
    } else {
      sim_usage(stderr);
      return 2;
    }
  }
  if (nlist == 0) {
    list[nlist++] = SC_SINGLE;
    list[nlist++] = SC_BURST;
  }
  printf("== bench-sim variant=%s: lwIP %s (%s tree), set-up %s%s\n", SIM_STR(SIM_VARIANT),
         LWIP_VERSION_STRING, SIM_TREE, SIM_STR(SIM_DEFER),
#if defined(LWIP_TCP_ACCEPT_POLL) && LWIP_TCP_ACCEPT_POLL
         ", LWIP_TCP_ACCEPT_POLL 1"
#else
         ""
#endif
         );
  printf("   link: one-way delay %u ms (RTT %u ms); client RTO %u ms (SYN %u ms), no delayed ACK,"
         " request %u ms after the handshake's ACK;"
         " ticks = tcp_tmr() runs (250 ms), slow = those running tcp_slowtmr()\n",
         (unsigned)sim_delay_ms, (unsigned)(2 * sim_delay_ms), SIM_RTO_MS, SIM_SYN_RTO_MS,
         (unsigned)client_req_delay_ms);
  if (sim_flush) {
    printf("   WHAT-IF --flush: after the timers every pcb's queued data is sent"
           " (not the consumer's behaviour)\n");
  }
  for (i = 0; i < nlist; i++) {
    pid_t pid;
    int status;

    /* each scenario in a fresh process: a fresh lwIP, clock at 0 */
    fflush(stdout);
    pid = fork();
    if (pid < 0) {
      perror("bench-sim: fork");
      return 1;
    }
    if (pid == 0) {
      exit(sim_scenario(list[i]));
    }
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "bench-sim: scenario %s failed\n", list[i] == SC_SINGLE ? "single" : "burst");
      rc = 1;
    }
  }
  return rc;
}
