/*
 * A small lwIP configuration for compiling a tree's TCP/IP core alone
 * (lwip/check-tree, for trees without test/unit): NO_SYS, raw API, IPv4
 * and IPv6, otherwise lwIP's defaults (no window scaling, listen backlog or
 * timestamps, so tcpflags_t stays as narrow as the tree makes it).
 * Written for this project.
 */
#ifndef LWIP_SERIES_CORE_LWIPOPTS_H
#define LWIP_SERIES_CORE_LWIPOPTS_H

#define NO_SYS                  1
#define SYS_LIGHTWEIGHT_PROT    0
#define LWIP_NETCONN            0
#define LWIP_SOCKET             0
#define LWIP_IPV4               1
#define LWIP_IPV6               1
#define LWIP_TCP                1

/* esp-lwip's opt.h reads these ESP-IDF settings: off outside ESP-IDF */
#ifndef ESP_LWIP
#define ESP_LWIP                                0
#endif
#define ESP_LWIP_IGMP_TIMERS_ONDEMAND           0
#define ESP_LWIP_MLD6_TIMERS_ONDEMAND           0
#define ESP_LWIP_DHCP_FINE_TIMERS_ONDEMAND      0
#define ESP_LWIP_DNS_TIMERS_ONDEMAND            0
#define ESP_LWIP_IP4_REASSEMBLY_TIMERS_ONDEMAND 0
#define ESP_LWIP_IP6_REASSEMBLY_TIMERS_ONDEMAND 0

#endif /* LWIP_SERIES_CORE_LWIPOPTS_H */
