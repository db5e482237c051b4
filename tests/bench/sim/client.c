/* bench-sim client: a scripted TCP peer on the other side of the simulated
 * link.  It builds IPv4+TCP segments itself (checksums computed here; the
 * server's lwIP checks them, CHECKSUM_CHECK_* stay on) and parses what the
 * server sends (checksums verified too).
 *
 * Per connection, like a Linux client running a WebREPL client:
 * - SYN (MSS 1460), retransmitted after 1 s, 2 s, ... if unanswered;
 * - on the SYN-ACK: the ACK, and right after it, as a separate segment, the
 *   HTTP upgrade request (both leave at the same virtual instant);
 * - every segment from the server with data or FIN is ACKed at once (no
 *   delayed ACK: Linux's quick-ACK mode at the start of a connection);
 * - unacknowledged data is retransmitted (one segment from snd_una) after an
 *   RTO of 200 ms (Linux's minimum), doubling per retry, reset by new ACKs;
 * - when the websocket text frame "Password: " has arrived, it sends a close
 *   frame (code 1000); when the server's FIN arrives it ACKs and sends its FIN
 *   (FIN|ACK); the connection is done when that FIN is ACKed;
 * - a RST ends the connection; before any answer it counts as refused, and
 *   so does an answer "HTTP/1.1 503" (the server's admission turned it away;
 *   its FIN is answered as above).
 */
#include "sim.h"

#include <stdio.h>
#include <string.h>

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_PSH 0x08
#define TH_ACK 0x10

struct sim_conn sim_conns[SIM_MAX_CONNS];
int sim_nconns;
uint32_t client_slot_ms;
unsigned client_postponed;
uint32_t client_req_delay_ms;

static const char client_request[] =
  "GET / HTTP/1.1\r\n"
  "Host: x\r\n"
  "Connection: Upgrade\r\n"
  "Upgrade: websocket\r\n"
  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
  "\r\n";

/* fixed-seed PRNG (xorshift32) for the initial sequence numbers */
static uint32_t client_rng = 0x2545f491u;

static uint32_t
client_rand(void)
{
  uint32_t x = client_rng;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  client_rng = x;
  return x;
}

/* ---- checksums -------------------------------------------------------- */

static uint32_t
csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
  size_t i;

  for (i = 0; i + 1 < len; i += 2) {
    sum += (uint32_t)((p[i] << 8) | p[i + 1]);
  }
  if (len & 1) {
    sum += (uint32_t)(p[len - 1] << 8);
  }
  return sum;
}

static uint16_t
csum_fold(uint32_t sum)
{
  while (sum >> 16) {
    sum = (sum & 0xffffu) + (sum >> 16);
  }
  return (uint16_t)~sum;
}

/* TCP checksum over the pseudo header and the segment (checksum field as is) */
static uint16_t
tcp_csum(const uint8_t *ip, const uint8_t *tcp, size_t tcp_len)
{
  uint32_t sum = 0;

  sum = csum_add(sum, ip + 12, 8);   /* source and destination address */
  sum += 6;                          /* protocol */
  sum += (uint32_t)tcp_len;
  sum = csum_add(sum, tcp, tcp_len);
  return csum_fold(sum);
}

static void
put16(uint8_t *p, uint16_t v)
{
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static uint16_t
get16(const uint8_t *p)
{
  return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* ---- sending ---------------------------------------------------------- */

static void
client_segment(struct sim_conn *c, uint8_t flags, uint32_t seq,
               const uint8_t *data, size_t len, int tag)
{
  uint8_t pkt[SIM_PKT_MAX];
  uint8_t *tcp = pkt + 20;
  size_t thl = (flags & TH_SYN) ? 24 : 20;
  size_t total = 20 + thl + len;

  memset(pkt, 0, 20 + thl);
  /* IPv4 header */
  pkt[0] = 0x45;
  put16(pkt + 2, (uint16_t)total);
  put16(pkt + 4, c->ip_id++);
  put16(pkt + 6, 0x4000);            /* DF */
  pkt[8] = 64;
  pkt[9] = 6;
  put32(pkt + 12, SIM_CLIENT_IP);
  put32(pkt + 16, SIM_SERVER_IP);
  put16(pkt + 10, csum_fold(csum_add(0, pkt, 20)));
  /* TCP header */
  put16(tcp + 0, c->port);
  put16(tcp + 2, SIM_PORT);
  put32(tcp + 4, seq);
  put32(tcp + 8, (flags & TH_ACK) ? c->rcv_nxt : 0);
  tcp[12] = (uint8_t)((thl / 4) << 4);
  tcp[13] = flags;
  put16(tcp + 14, 65535);
  if (flags & TH_SYN) {
    tcp[20] = 2;                     /* MSS 1460 */
    tcp[21] = 4;
    put16(tcp + 22, 1460);
  }
  if (len > 0) {
    memcpy(tcp + thl, data, len);
  }
  put16(tcp + 16, tcp_csum(pkt, tcp, thl + len));
  c->tx_segs++;
  link_send(TO_SERVER, pkt, total, tag, c->id);
}

static void
client_arm_rto(struct sim_conn *c, uint32_t now)
{
  c->rto_armed = 1;
  c->rto_at = now + c->rto;
}

/* send stream bytes [from, snd_len) and the FIN if sent, starting at seq from */
static void
client_send_from(struct sim_conn *c, uint32_t seq, int tag)
{
  size_t off = (size_t)(seq - (c->iss + 1));
  size_t len = off < c->snd_len ? c->snd_len - off : 0;
  uint8_t flags = TH_ACK;

  if (len > 0) {
    flags |= TH_PSH;
  }
  if (c->fin_sent && SEQ_LEQ(seq, c->snd_nxt - 1)) {
    flags |= TH_FIN;
  }
  client_segment(c, flags, seq, c->sndbuf + off, len, tag);
}

/* the application writes: queue and transmit at once */
static void
client_write(struct sim_conn *c, const void *data, size_t len, int tag)
{
  uint32_t seq = c->snd_nxt;

  memcpy(c->sndbuf + c->snd_len, data, len);
  c->snd_len += len;
  c->snd_nxt += (uint32_t)len;
  client_send_from(c, seq, tag);
  if (!c->rto_armed) {
    client_arm_rto(c, sim_now_ms);
  }
}

static void
client_send_fin(struct sim_conn *c)
{
  uint32_t seq = c->snd_nxt;

  c->fin_sent = 1;
  c->snd_nxt++;
  client_segment(c, TH_FIN | TH_ACK, seq, NULL, 0, TAG_NONE);
  if (!c->rto_armed) {
    client_arm_rto(c, sim_now_ms);
  }
}

static void
client_start(struct sim_conn *c)
{
  c->iss = client_rand();
  c->snd_una = c->iss;
  c->snd_nxt = c->iss + 1;
  c->state = C_SYN_SENT;
  c->t_syn = sim_now_ms;
  c->rto = SIM_SYN_RTO_MS;
  client_segment(c, TH_SYN, c->iss, NULL, 0, TAG_NONE);
  client_arm_rto(c, sim_now_ms);
}

/* ---- the application on top: request, 101, prompt, close ------------ */

static void
client_send_request(struct sim_conn *c)
{
  c->req_pending = 0;
  c->t_req = sim_now_ms;
  client_write(c, client_request, sizeof client_request - 1, TAG_REQ);
}

static void
client_mark(struct sim_conn *c, const struct sim_pkt *pkt, uint32_t *t,
            unsigned long *ticks, unsigned long *slow)
{
  *t = sim_now_ms - c->t_req;
  *ticks = c->req_delivered ? pkt->emit_ticks - c->req_ticks : 0;
  *slow = c->req_delivered ? pkt->emit_slow - c->req_slow : 0;
}

static void
client_app(struct sim_conn *c, const struct sim_pkt *pkt)
{
  static const char prompt[] = "Password: ";

  if (!c->got_101) {
    size_t i;
    for (i = 0; i + 3 < c->rcv_len; i++) {
      if (memcmp(c->rcvbuf + i, "\r\n\r\n", 4) == 0) {
        break;
      }
    }
    if (i + 3 >= c->rcv_len) {
      return;
    }
    if (memcmp(c->rcvbuf, "HTTP/1.1 503 ", 13) == 0) {
      c->refused = 1;       /* turned away, told so; the server's FIN follows */
      c->rcv_off = c->rcv_len;
      return;
    }
    if (memcmp(c->rcvbuf, "HTTP/1.1 101 ", 13) != 0) {
      c->bad_response = 1;
    }
    c->got_101 = 1;
    c->rcv_off = i + 4;
    c->call_101 = pkt->emit_call;
    client_mark(c, pkt, &c->t_101, &c->ticks_101, &c->slow_101);
  }
  /* server frames: unmasked, short */
  while (c->rcv_len - c->rcv_off >= 2) {
    const uint8_t *f = c->rcvbuf + c->rcv_off;
    size_t avail = c->rcv_len - c->rcv_off, hl = 2, plen = f[1] & 0x7f;
    uint8_t op = f[0] & 0x0f;

    if (f[1] & 0x80) {
      c->bad_response = 1;        /* a server must not mask */
    }
    if (plen == 126) {
      if (avail < 4) {
        break;
      }
      plen = get16(f + 2);
      hl = 4;
    } else if (plen == 127) {
      c->bad_response = 1;
      c->rcv_off = c->rcv_len;
      break;
    }
    if (avail < hl + plen) {
      break;
    }
    if (op == 1 && !c->got_prompt) {
      if (plen == sizeof prompt - 1 && memcmp(f + hl, prompt, plen) == 0) {
        c->got_prompt = 1;
        client_mark(c, pkt, &c->t_prompt, &c->ticks_prompt, &c->slow_prompt);
      } else {
        c->bad_response = 1;
      }
    } else if (op == 8) {
      c->got_close = 1;
    }
    c->rcv_off += hl + plen;
  }
  if (c->got_prompt && !c->close_sent && c->state == C_EST) {
    /* a masked close frame, code 1000 */
    uint8_t frame[8] = { 0x88, 0x82, 0x12, 0x34, 0x56, 0x78, 0, 0 };
    frame[6] = (uint8_t)(0x03 ^ frame[2]);
    frame[7] = (uint8_t)(0xe8 ^ frame[3]);
    c->close_sent = 1;
    client_write(c, frame, sizeof frame, TAG_NONE);
  }
}

/* ---- receiving ------------------------------------------------------- */

void
client_input(const struct sim_pkt *pkt)
{
  const uint8_t *ip = pkt->data, *tcp, *payload;
  size_t ihl, total, thl, len;
  uint16_t dport;
  uint32_t seq, ack;
  uint8_t flags;
  struct sim_conn *c;
  unsigned tx_before;
  int need_ack = 0;

  if (pkt->len < 20 || (ip[0] >> 4) != 4) {
    fprintf(stderr, "bench-sim: client: not IPv4\n");
    return;
  }
  ihl = (size_t)(ip[0] & 0x0f) * 4;
  total = get16(ip + 2);
  if (total > pkt->len || csum_fold(csum_add(0, ip, ihl)) != 0) {
    fprintf(stderr, "bench-sim: client: bad IPv4 header\n");
    return;
  }
  if (ip[9] != 6) {
    return;                          /* not TCP (ICMP): ignored */
  }
  tcp = ip + ihl;
  if (tcp_csum(ip, tcp, total - ihl) != 0) {
    fprintf(stderr, "bench-sim: client: bad TCP checksum\n");
    return;
  }
  dport = get16(tcp + 2);
  seq = get32(tcp + 4);
  ack = get32(tcp + 8);
  flags = tcp[13];
  thl = (size_t)(tcp[12] >> 4) * 4;
  payload = tcp + thl;
  len = total - ihl - thl;
  if (dport < SIM_CLIENT_PORT_BASE || dport >= SIM_CLIENT_PORT_BASE + sim_nconns) {
    return;
  }
  c = &sim_conns[dport - SIM_CLIENT_PORT_BASE];
  tx_before = c->tx_segs;

  if (c->state == C_IDLE || c->state == C_DONE || c->state == C_RESET) {
    return;                          /* late packets, e.g. a second RST */
  }
  if (flags & TH_RST) {
    c->state = C_RESET;
    c->rto_armed = 0;
    if (!c->got_101) {
      c->refused = 1;
    }
    return;
  }
  if (c->state == C_SYN_SENT) {
    if ((flags & (TH_SYN | TH_ACK)) != (TH_SYN | TH_ACK) || ack != c->iss + 1) {
      return;
    }
    c->rcv_nxt = seq + 1;
    c->snd_una = ack;
    c->state = C_EST;
    c->rto_armed = 0;
    c->rto = SIM_RTO_MS;
    /* the handshake's ACK, then the request as its own segment */
    client_segment(c, TH_ACK, c->snd_nxt, NULL, 0, TAG_HS_ACK);
    if (client_req_delay_ms == 0) {
      client_send_request(c);
    } else {
      c->req_pending = 1;
      c->req_at = sim_now_ms + client_req_delay_ms;
    }
    return;
  }

  /* ACK processing */
  if ((flags & TH_ACK) && SEQ_GT(ack, c->snd_una) && SEQ_LEQ(ack, c->snd_nxt)) {
    c->snd_una = ack;
    c->rto = SIM_RTO_MS;
    if (c->snd_una == c->snd_nxt) {
      c->rto_armed = 0;
    } else {
      client_arm_rto(c, sim_now_ms);
    }
  }
  /* data */
  if (len > 0) {
    need_ack = 1;
    if (SEQ_LEQ(seq, c->rcv_nxt) && SEQ_GT(seq + (uint32_t)len, c->rcv_nxt) && !c->peer_fin) {
      size_t skip = (size_t)(c->rcv_nxt - seq);
      size_t take = len - skip;
      if (skip > 0) {
        c->srv_dups++;
      }
      if (take > sizeof c->rcvbuf - c->rcv_len) {
        take = sizeof c->rcvbuf - c->rcv_len;
      }
      memcpy(c->rcvbuf + c->rcv_len, payload + skip, take);
      c->rcv_len += take;
      c->rcv_nxt += (uint32_t)take;
      client_app(c, pkt);
    } else {
      c->srv_dups++;
    }
  }
  if ((flags & TH_FIN) && !c->peer_fin && seq + (uint32_t)len == c->rcv_nxt) {
    c->rcv_nxt++;
    c->peer_fin = 1;
    need_ack = 1;
  }
  if (c->peer_fin && !c->fin_sent) {
    client_send_fin(c);
    c->state = C_FIN_SENT;
  }
  if (need_ack && c->tx_segs == tx_before) {
    /* nothing sent in response carried the ACK: a pure ACK */
    client_segment(c, TH_ACK, c->snd_nxt, NULL, 0, TAG_NONE);
  }
  if (c->state == C_FIN_SENT && c->snd_una == c->snd_nxt) {
    c->state = C_DONE;
    c->rto_armed = 0;
  }
}

/* ---- timers ---------------------------------------------------------- */

int
client_finished(const struct sim_conn *c)
{
  return c->state == C_DONE || c->state == C_RESET;
}

static int
client_group_clear(const struct sim_conn *c)
{
  int i;

  for (i = 0; i < sim_nconns; i++) {
    if (sim_conns[i].group < c->group && !client_finished(&sim_conns[i])) {
      return 0;
    }
  }
  return 1;
}

int
client_timers(uint32_t now)
{
  int i, sent = 0;

  for (i = 0; i < sim_nconns; i++) {
    struct sim_conn *c = &sim_conns[i];

    if (c->state == C_IDLE && TIME_DUE(c->start_at, now)) {
      if (!client_group_clear(c)) {
        /* the earlier connections are still running: next slot */
        c->start_at += client_slot_ms;
        client_postponed++;
        continue;
      }
      client_start(c);
      sent = 1;
      continue;
    }
    if (c->req_pending && c->state == C_EST && TIME_DUE(c->req_at, now)) {
      client_send_request(c);
      sent = 1;
    }
    if (c->rto_armed && TIME_DUE(c->rto_at, now)) {
      c->retrans++;
      if (c->state == C_SYN_SENT) {
        client_segment(c, TH_SYN, c->iss, NULL, 0, TAG_NONE);
      } else {
        client_send_from(c, c->snd_una, TAG_NONE);
      }
      c->rto *= 2;
      client_arm_rto(c, now);
      sent = 1;
    }
  }
  return sent;
}

uint32_t
client_next_timer(int *have)
{
  uint32_t best = 0;
  int i;

  *have = 0;
  for (i = 0; i < sim_nconns; i++) {
    const struct sim_conn *c = &sim_conns[i];
    uint32_t t;

    if (c->state == C_IDLE) {
      t = c->start_at;
    } else if (c->req_pending && c->state == C_EST) {
      t = c->req_at;
      if (c->rto_armed && SEQ_LT(c->rto_at, t)) {
        t = c->rto_at;
      }
    } else if (c->rto_armed) {
      t = c->rto_at;
    } else {
      continue;
    }
    if (!*have || SEQ_LT(t, best)) {
      best = t;
      *have = 1;
    }
  }
  return best;
}

void
client_init(int n)
{
  int i;

  memset(sim_conns, 0, sizeof sim_conns);
  sim_nconns = n;
  client_postponed = 0;
  for (i = 0; i < n; i++) {
    sim_conns[i].id = i;
    sim_conns[i].port = (uint16_t)(SIM_CLIENT_PORT_BASE + i);
    sim_conns[i].ip_id = (uint16_t)(i * 1000);
  }
}

void
client_consumed(uint16_t port, unsigned long n)
{
  if (port >= SIM_CLIENT_PORT_BASE && port < SIM_CLIENT_PORT_BASE + sim_nconns) {
    sim_conns[port - SIM_CLIENT_PORT_BASE].consumed += n;
  }
}

void
client_delivered(int conn, int tag)
{
  struct sim_conn *c;

  if (conn < 0 || conn >= sim_nconns) {
    return;
  }
  c = &sim_conns[conn];
  if (tag == TAG_HS_ACK) {
    c->ack_call = sim_input_call;
  } else if (tag == TAG_REQ && !c->req_delivered) {
    c->req_delivered = 1;
    c->req_call = sim_input_call;
    c->req_ticks = sim_ticks;
    c->req_slow = sim_slow_ticks;
  }
}
