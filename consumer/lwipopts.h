/*
 * lwIP configuration of the reference WebREPL server: raw API only,
 * NO_SYS, IPv4 over an Ethernet (TAP) link.
 *
 * LWIP_TCP_ACCEPT_POLL is not set here: the build passes
 * -DLWIP_TCP_ACCEPT_POLL=1 when it builds against the patched tree, and the
 * stock tree does not know the option.
 */
#ifndef WEBREPL_LWIPOPTS_H
#define WEBREPL_LWIPOPTS_H

#define NO_SYS                      1
#define SYS_LIGHTWEIGHT_PROT        0
#define LWIP_SOCKET                 0
#define LWIP_NETCONN                0
#define LWIP_IPV4                   1
#define LWIP_IPV6                   0
#define LWIP_ARP                    1
#define LWIP_ETHERNET               1
#define LWIP_ICMP                   1
#define LWIP_UDP                    0
#define LWIP_DHCP                   0
#define LWIP_AUTOIP                 0
#define LWIP_IGMP                   0
#define LWIP_DNS                    0
#define LWIP_RAW                    0
#define LWIP_TCP                    1
#define LWIP_CALLBACK_API           1
#define LWIP_NETIF_LOOPBACK         0
#define LWIP_HAVE_LOOPIF            0

/* memory: bounded, sized for a few sessions and 1 MB transfers */
#define MEM_ALIGNMENT               8
#define MEM_SIZE                    (512 * 1024)
#define MEMP_NUM_PBUF               64
#define PBUF_POOL_SIZE              512
#define MEMP_NUM_TCP_PCB            64
#define MEMP_NUM_TCP_PCB_LISTEN     2
#define TCP_MSS                     1460
#define TCP_WND                     (32 * TCP_MSS)
#define TCP_SND_BUF                 (32 * TCP_MSS)
#define TCP_SND_QUEUELEN            (4 * TCP_SND_BUF / TCP_MSS)
#define MEMP_NUM_TCP_SEG            (2 * TCP_SND_QUEUELEN)
#define TCP_LISTEN_BACKLOG          1
#define TCP_DEFAULT_LISTEN_BACKLOG  64
#define TCP_OVERSIZE                TCP_MSS
/* the bench's timeout0 variant holds one timer per pending accept */
#define MEMP_NUM_SYS_TIMEOUT        (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 80)

/* TCP timers.  lwIP runs TCP on one timer every TCP_TMR_INTERVAL ms:
 * delayed ACKs on every tick; retransmission, persist, keepalive and the
 * poll callbacks on every second one (TCP_SLOW_INTERVAL).  Its
 * retransmission timeout is counted in those slow ticks, and on a LAN it
 * settles at 3 of them: the round trip measures 0 ticks and the variance
 * term stops shrinking at 3.  With lwIP's default of 250 ms that is 1-1.5 s
 * per lost segment, and webrepl_cli.py's GET (stop-and-wait, one segment in
 * flight: no duplicate ACKs, so no fast retransmit) pays it on every loss.
 * 25 ms makes it 100-150 ms (README, "Loss").
 * Timeouts given in ms keep their meaning: keepalive, TIME_WAIT, FIN_WAIT_2,
 * SYN_RCVD, and the server's own handshake and login timeouts (sys_now(),
 * sys_timeout()).  What counts in ticks gets ten times finer: tcp_poll()
 * intervals (code that wants a period in ms divides by TCP_SLOW_INTERVAL;
 * a poll that compares sys_now() with deadlines just runs more often), the
 * persist timer's backoff, and the time before TCP_MAXRTX unanswered
 * retransmissions end a connection (about 2 min, not 19).
 * The benchmarks build with lwIP's default (-DTCP_TMR_INTERVAL=250): the
 * timer the series is measured against. */
#ifndef TCP_TMR_INTERVAL
#define TCP_TMR_INTERVAL            25
#endif
/* RFC 6298's initial retransmission timeout, 1 s (lwIP's default is 3 s):
   what a lost SYN-ACK or first segment costs before the RTT is known */
#define LWIP_TCP_RTO_TIME           1000

/* Selective acknowledgements (RFC 2018) for what the server receives.
 * Without them a Linux sender of a bulk PUT sees only duplicate ACKs; under
 * loss it soon counts more of them than it has segments in flight, takes
 * that for reordering, stops retransmitting on duplicate ACKs and recovers
 * each further loss by its own, backed-off, timeout (a 4 MB PUT at 5% loss:
 * 3-30 s, now and then a stall of a minute; with SACK 0.2-0.9 s).  Costs
 * LWIP_TCP_MAX_SACK_NUM (4) ranges per pcb; out-of-order segments are
 * queued (TCP_QUEUE_OOSEQ, on by default) either way. */
#define LWIP_TCP_SACK_OUT           1

/* keepalive reaps half-open peers (values per pcb, set by the server) */
#define LWIP_TCP_KEEPALIVE          1

/* statistics: the leak test and the benchmark read them */
#define LWIP_STATS                  1
#define LWIP_STATS_DISPLAY          0
#define MEM_STATS                   1
#define MEMP_STATS                  1
#define TCP_STATS                   1
#define IP_STATS                    1
#define LINK_STATS                  1
#define ETHARP_STATS                1

#define LWIP_NETIF_STATUS_CALLBACK  0
#define LWIP_NETIF_LINK_CALLBACK    0

#endif /* WEBREPL_LWIPOPTS_H */
