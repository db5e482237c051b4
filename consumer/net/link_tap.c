/* link_tap: an lwIP netif on a Linux TAP interface. */
#include "link_tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "netif/ethernet.h"

#define LINK_MTU 1500
#define LINK_FRAME_MAX (LINK_MTU + 18)

static err_t
link_output(struct netif *netif, struct pbuf *p)
{
  struct link_tap *t = (struct link_tap *)netif->state;
  unsigned char frame[LINK_FRAME_MAX];
  u16_t len;
  ssize_t n;

  if (p->tot_len > sizeof(frame)) {
    return ERR_BUF;
  }
  /* a TAP write takes one frame in one buffer: gather the chain */
  len = pbuf_copy_partial(p, frame, p->tot_len, 0);
  n = write(t->fd, frame, len);
  if (n != (ssize_t)len) {
    LINK_STATS_INC(link.drop);
    return ERR_IF;
  }
  t->tx_frames++;
  LINK_STATS_INC(link.xmit);
  return ERR_OK;
}

static err_t
link_netif_init(struct netif *netif)
{
  static const u8_t mac[6] = { 0x02, 0x00, 0x5e, 0x00, 0x02, 0x02 };

  netif->name[0] = 't';
  netif->name[1] = 'p';
  netif->output = etharp_output;
  netif->linkoutput = link_output;
  netif->mtu = LINK_MTU;
  netif->hwaddr_len = 6;
  memcpy(netif->hwaddr, mac, 6);
  netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
  return ERR_OK;
}

int
link_tap_open(struct link_tap *t, struct netif *netif, const char *name,
              const ip4_addr_t *ip, const ip4_addr_t *mask, const ip4_addr_t *gw)
{
  struct ifreq ifr;
  int err;

  memset(t, 0, sizeof(*t));
  t->fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (t->fd < 0) {
    err = errno;
    fprintf(stderr, "webrepl-server: /dev/net/tun: %s\n", strerror(err));
    return err;
  }
  memset(&ifr, 0, sizeof(ifr));
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
  if (ioctl(t->fd, TUNSETIFF, &ifr) < 0) {
    err = errno;
    fprintf(stderr, "webrepl-server: TAP interface %s: %s\n", name, strerror(err));
    close(t->fd);
    t->fd = -1;
    return err;
  }
  snprintf(t->name, sizeof(t->name), "%s", ifr.ifr_name);
  if (netif_add(netif, ip, mask, gw, t, link_netif_init, ethernet_input) == NULL) {
    fprintf(stderr, "webrepl-server: netif_add failed\n");
    close(t->fd);
    t->fd = -1;
    return EINVAL;
  }
  netif_set_default(netif);
  netif_set_up(netif);
  return 0;
}

int
link_tap_input(struct link_tap *t, struct netif *netif, int max)
{
  unsigned char frame[LINK_FRAME_MAX];
  int handled = 0;

  while (handled < max) {
    struct pbuf *p;
    ssize_t n = read(t->fd, frame, sizeof(frame));
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        break;
      }
      fprintf(stderr, "webrepl-server: read %s: %s\n", t->name, strerror(errno));
      return -1;
    }
    if (n == 0) {
      break;
    }
    handled++;
    t->rx_frames++;
    LINK_STATS_INC(link.recv);
    p = pbuf_alloc(PBUF_RAW, (u16_t)n, PBUF_POOL);
    if (p == NULL) {
      t->rx_dropped++;
      LINK_STATS_INC(link.memerr);
      continue;
    }
    pbuf_take(p, frame, (u16_t)n);
    if (netif->input(p, netif) != ERR_OK) {
      pbuf_free(p);
      t->rx_dropped++;
    }
  }
  return handled;
}

void
link_tap_close(struct link_tap *t)
{
  if (t->fd >= 0) {
    close(t->fd);
    t->fd = -1;
  }
}
