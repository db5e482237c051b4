/* bench-sim: a deterministic simulation of the WebREPL server's accept path.
 *
 * The consumer's real server/conn modules and a real lwIP (NO_SYS) run on a
 * virtual clock; one netif for the server, a simulated link (two FIFOs with a
 * fixed one-way delay) and a scripted TCP client that builds its IPv4+TCP
 * segments itself.  See sim.c for the loop and the definitions of the
 * measurements, client.c for the client.
 */
#ifndef BENCH_SIM_H
#define BENCH_SIM_H

#include <stddef.h>
#include <stdint.h>

#define SIM_PKT_MAX 1600

#define SIM_CLIENT_IP  0xc0000201u   /* 192.0.2.1 */
#define SIM_SERVER_IP  0xc0000202u   /* 192.0.2.2 */
#define SIM_PORT       8266
#define SIM_CLIENT_PORT_BASE 40000
#define SIM_MAX_CONNS  64

#define SIM_RTO_MS     200u          /* Linux's minimum RTO */
#define SIM_SYN_RTO_MS 1000u         /* Linux's initial RTO (SYN) */

#define SEQ_LT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b)  ((int32_t)((uint32_t)(a) - (uint32_t)(b)) > 0)
#define TIME_DUE(t, now) ((int32_t)((uint32_t)(now) - (uint32_t)(t)) >= 0)

enum sim_dir { TO_SERVER = 0, TO_CLIENT = 1 };

/* what a client packet carries, for the measurements on delivery */
enum sim_tag { TAG_NONE = 0, TAG_HS_ACK, TAG_REQ };

struct sim_pkt {
  uint32_t arrive;            /* virtual ms at which it is due */
  uint16_t len;
  uint8_t tag;                /* TO_SERVER: enum sim_tag */
  int conn;                   /* TO_SERVER: client connection index */
  /* TO_CLIENT: where the server emitted it */
  unsigned long emit_call;    /* input call number, 0 if emitted from the timers */
  unsigned long emit_ticks;   /* tcp_tmr() runs before it was emitted */
  unsigned long emit_slow;    /* of which ran tcp_slowtmr() */
  uint8_t data[SIM_PKT_MAX];
};

/* ---- the simulation (sim.c) ---- */
extern uint32_t sim_now_ms;
extern unsigned long sim_ticks;       /* tcp_tmr() runs so far */
extern unsigned long sim_slow_ticks;  /* of which ran tcp_slowtmr() */
extern unsigned long sim_input_call;  /* number of the current/last input call */
extern int sim_in_input;              /* 1 while an input call delivers packets */

void link_send(enum sim_dir dir, const uint8_t *data, size_t len, int tag, int conn);

/* ---- the scripted client (client.c) ---- */
enum cstate {
  C_IDLE = 0,      /* not started */
  C_SYN_SENT,
  C_EST,           /* established: request sent, reading 101 and prompt */
  C_FIN_SENT,      /* got the server's FIN, sent ours */
  C_DONE,          /* closed cleanly */
  C_RESET          /* got a RST */
};

struct sim_conn {
  int id;
  int group;                  /* single: = id; burst: the round */
  uint16_t port;
  enum cstate state;
  uint32_t start_at;          /* scheduled SYN time */
  /* TCP state */
  uint32_t iss, snd_una, snd_nxt;
  uint32_t rcv_nxt;
  uint8_t sndbuf[512];
  size_t snd_len;             /* stream bytes written (sent at least once) */
  int fin_sent, peer_fin;
  uint32_t rto, rto_at;       /* rto_at valid if rto_armed */
  int rto_armed;
  uint16_t ip_id;
  unsigned tx_segs;           /* segments sent so far */
  uint8_t rcvbuf[2048];
  size_t rcv_len, rcv_off;
  /* application */
  int req_pending;            /* the request waits for req_at (--req-delay) */
  uint32_t req_at;
  int got_101, got_prompt, got_close, close_sent, bad_response;
  /* measurements */
  uint32_t t_syn, t_req;      /* virtual ms: SYN sent, request sent */
  uint32_t t_101, t_prompt;   /* ms after t_req */
  int req_delivered;          /* the request's first copy reached the server */
  unsigned long req_ticks, req_slow; /* counters when it was delivered */
  unsigned long ticks_101, slow_101, ticks_prompt, slow_prompt;
  unsigned long ack_call;     /* input call that delivered the handshake ACK */
  unsigned long req_call;     /* input call that delivered the request */
  unsigned long call_101;     /* input call that emitted the 101's last byte (0: timers) */
  unsigned retrans;           /* client retransmissions (SYN or data/FIN) */
  unsigned srv_dups;          /* server segments with data already received */
  unsigned long consumed;     /* bytes the server's HTTP/websocket parsers took */
  int refused;                /* RST before any answer: the server refused it */
};

extern struct sim_conn sim_conns[SIM_MAX_CONNS];
extern int sim_nconns;
/* a connection whose start comes while an earlier group is still running
   waits for the next start slot (client_slot_ms later); counted here */
extern uint32_t client_slot_ms;
extern unsigned client_postponed;
/* the client application writes its request this long after the handshake's
   ACK (default 0: right after it, in the same virtual instant) */
extern uint32_t client_req_delay_ms;

void client_init(int n);
/** Deliver a packet from the server to the client. */
void client_input(const struct sim_pkt *pkt);
/** Run due client timers (start, retransmission); returns 1 if it sent. */
int client_timers(uint32_t now);
/** Earliest pending client timer; 0 if none (*have set to 0). */
uint32_t client_next_timer(int *have);
/** A connection is over (done or reset). */
int client_finished(const struct sim_conn *c);
/** Server-side accounting: the server's pipeline took n bytes of the
 *  connection from client port `port`. */
void client_consumed(uint16_t port, unsigned long n);
/** Server-side accounting: a tagged client packet was delivered. */
void client_delivered(int conn, int tag);

#endif
