/* compat: what the consumer needs from lwIP that only the patched tree has.
 *
 * tcp_recv_keep() is declared by the patched tree's lwip/tcp.h; this
 * identical declaration lets the same sources build against the stock tree,
 * where compat_stock.c (linked only into the stock build) defines it. */
#ifndef WEBREPL_COMPAT_H
#define WEBREPL_COMPAT_H

#include "lwip/tcp.h"

err_t tcp_recv_keep(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err);

#endif
