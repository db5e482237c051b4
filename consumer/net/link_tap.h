/* link_tap: an lwIP netif on a Linux TAP interface (/dev/net/tun). */
#ifndef WEBREPL_LINK_TAP_H
#define WEBREPL_LINK_TAP_H

#include "lwip/netif.h"

struct link_tap {
  int fd;                 /* the TAP file descriptor (non-blocking) */
  char name[16];          /* interface name, e.g. "tap0" */
  unsigned long rx_frames, tx_frames, rx_dropped;
};

/** Open (or attach to) the TAP interface 'name' and add it as lwIP's default
 *  netif with the given address.  Returns 0, or an errno value (the message
 *  is printed).  The interface must be brought up by whoever created it. */
int link_tap_open(struct link_tap *t, struct netif *netif, const char *name,
                  const ip4_addr_t *ip, const ip4_addr_t *mask, const ip4_addr_t *gw);

/** Read and hand to lwIP at most 'max' frames that are already queued.
 *  Returns the number of frames handled (0: none waiting), -1 on a fatal
 *  read error (the message is printed). */
int link_tap_input(struct link_tap *t, struct netif *netif, int max);

void link_tap_close(struct link_tap *t);

#endif
