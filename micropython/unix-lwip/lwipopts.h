/* lwIP configuration of MicroPython's unix port on a TAP link (modlwip,
   NO_SYS: lwIP runs in MicroPython's one thread, serviced from its event
   hook).  What modlwip needs (TCP, UDP, DNS) and no more; the TCP timer and
   the pool sizes are lwIP's defaults or the reference consumer's, so the
   benchmark compares MicroPython with the C server on the same stack.
   LWIP_TCP_ACCEPT_POLL is given by micropython/build for the series' builds. */
#ifndef TAPNET_LWIPOPTS_H
#define TAPNET_LWIPOPTS_H

#define NO_SYS                      1
#define SYS_LIGHTWEIGHT_PROT        1   /* modlwip supplies sys_arch_protect() */
#define LWIP_SOCKET                 0
#define LWIP_NETCONN                0
#define LWIP_IPV4                   1
#define LWIP_IPV6                   0
#define LWIP_ARP                    1
#define LWIP_ETHERNET               1
#define LWIP_ICMP                   1
#define LWIP_UDP                    1
#define LWIP_DNS                    1
#define LWIP_RAW                    0
#define LWIP_DHCP                   0
#define LWIP_AUTOIP                 0
#define LWIP_IGMP                   1
#define LWIP_TCP                    1
#define LWIP_CALLBACK_API           1
#define SO_REUSE                    1
#define LWIP_NETIF_LOOPBACK         0

/* memory: a few sessions and file transfers at a time */
#define MEM_ALIGNMENT               8
#define MEM_SIZE                    (256 * 1024)
#define MEMP_NUM_PBUF               64
#define PBUF_POOL_SIZE              256
#define MEMP_NUM_TCP_PCB            64
#define MEMP_NUM_TCP_PCB_LISTEN     4
#define MEMP_NUM_UDP_PCB            4
#define TCP_MSS                     1460
#define TCP_WND                     (16 * TCP_MSS)
#define TCP_SND_BUF                 (16 * TCP_MSS)
#define TCP_SND_QUEUELEN            (4 * TCP_SND_BUF / TCP_MSS)
#define MEMP_NUM_TCP_SEG            (2 * TCP_SND_QUEUELEN)
#define TCP_LISTEN_BACKLOG          1
#define TCP_OVERSIZE                TCP_MSS
/* RFC 6298's initial retransmission timeout, as in the reference consumer */
#define LWIP_TCP_RTO_TIME           1000

/* statistics: tapnet.stats() reports lwIP's memory for the leak tests */
#define LWIP_STATS                  1
#define LWIP_STATS_DISPLAY          0
#define MEM_STATS                   1
#define MEMP_STATS                  1
#define LINK_STATS                  1

#endif /* TAPNET_LWIPOPTS_H */
