/* relay: a user-space impairment relay for the end-to-end tests (this
 * kernel has no netem).
 *
 * It forwards Ethernet frames between two links:
 *   - the client side: a TAP interface it attaches to (--tap), whose kernel
 *     end carries the clients' address;
 *   - the server side: an interface in another network namespace
 *     (--peer-netns, --peer-if), read and written with a packet socket;
 *     there it is the TAP the server attached to, and that namespace has no
 *     address of its own, so its kernel stays out of the conversation.
 *
 * Per direction, every IPv4 frame takes one draw of a seeded PRNG
 * (splitmix64, one stream per direction): with probability LOSS it is
 * dropped; with probability REORDER it is held back and sent right after
 * the next frame that goes the same way.  Other frames (ARP) pass
 * unimpaired.  So for one seed the n-th IPv4 frame of each direction gets
 * the same fate on every run; only which frame is the n-th depends on the
 * peers' timing.
 *
 *   relay --tap NAME --peer-netns PATH --peer-if NAME [--seed N]
 *         [--loss PCT[,PCT]] [--reorder PCT[,PCT]]
 *
 * A pair of percentages is (toward the server, toward the client); one
 * value sets both.  Prints "relay: ready" on stdout once both sides are
 * open; on SIGTERM or SIGINT it prints its counters on stderr and exits 0.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/if.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <net/ethernet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#define RELAY_FRAME_MAX 2048

enum { TO_SERVER, TO_CLIENT };

struct relay_dir {
  const char *name;
  uint64_t rng;
  double loss, reorder;         /* probabilities, 0..1 */
  unsigned char held[RELAY_FRAME_MAX];
  size_t held_len;
  unsigned long frames, dropped, reordered, passed;
};

struct relay {
  int tap_fd, pkt_fd;
  struct sockaddr_ll peer;
  struct relay_dir dir[2];
};

static volatile sig_atomic_t relay_stop;

static void
relay_on_signal(int sig)
{
  (void)sig;
  relay_stop = 1;
}

/* splitmix64: small, seedable, good enough for loss decisions */
static double
relay_draw(struct relay_dir *d)
{
  uint64_t z = (d->rng += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  z ^= z >> 31;
  return (double)(z >> 11) / 9007199254740992.0; /* [0, 1) */
}

static int
relay_is_ipv4(const unsigned char *f, size_t n)
{
  return n >= ETH_HLEN && f[12] == 0x08 && f[13] == 0x00;
}

static void
relay_out(struct relay *r, int to, const unsigned char *f, size_t n)
{
  ssize_t k;

  if (to == TO_CLIENT) {
    k = write(r->tap_fd, f, n);
  } else {
    k = sendto(r->pkt_fd, f, n, 0, (const struct sockaddr *)&r->peer, sizeof(r->peer));
  }
  if (k != (ssize_t)n) {
    fprintf(stderr, "relay: %s: send: %s\n", r->dir[to].name, k < 0 ? strerror(errno) : "short");
    return;
  }
  r->dir[to].passed++;
}

/* One frame going one way: drop, hold back, or send (then what was held). */
static void
relay_frame(struct relay *r, int to, const unsigned char *f, size_t n)
{
  struct relay_dir *d = &r->dir[to];

  if (relay_is_ipv4(f, n)) {
    double x = relay_draw(d);
    d->frames++;
    if (x < d->loss) {
      d->dropped++;
      return;
    }
    if (x < d->loss + d->reorder && d->held_len == 0) {
      memcpy(d->held, f, n);
      d->held_len = n;
      d->reordered++;
      return;
    }
  }
  relay_out(r, to, f, n);
  if (d->held_len > 0) {
    relay_out(r, to, d->held, d->held_len);
    d->held_len = 0;
  }
}

static int
relay_open_tap(struct relay *r, const char *name)
{
  struct ifreq ifr;

  r->tap_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
  if (r->tap_fd < 0) {
    fprintf(stderr, "relay: /dev/net/tun: %s\n", strerror(errno));
    return -1;
  }
  memset(&ifr, 0, sizeof(ifr));
  ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
  snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
  if (ioctl(r->tap_fd, TUNSETIFF, &ifr) < 0) {
    fprintf(stderr, "relay: TAP interface %s: %s\n", name, strerror(errno));
    return -1;
  }
  return 0;
}

/* Enter the peer's namespace and open a packet socket on its interface. */
static int
relay_open_peer(struct relay *r, const char *netns, const char *ifname)
{
  int fd = open(netns, O_RDONLY | O_CLOEXEC);
  struct ifreq ifr;

  if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
    fprintf(stderr, "relay: network namespace %s: %s\n", netns, strerror(errno));
    if (fd >= 0) {
      close(fd);
    }
    return -1;
  }
  close(fd);
  r->pkt_fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
  if (r->pkt_fd < 0) {
    fprintf(stderr, "relay: packet socket: %s\n", strerror(errno));
    return -1;
  }
  memset(&ifr, 0, sizeof(ifr));
  snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
  if (ioctl(r->pkt_fd, SIOCGIFINDEX, &ifr) < 0) {
    fprintf(stderr, "relay: interface %s in %s: %s\n", ifname, netns, strerror(errno));
    return -1;
  }
  memset(&r->peer, 0, sizeof(r->peer));
  r->peer.sll_family = AF_PACKET;
  r->peer.sll_protocol = htons(ETH_P_ALL);
  r->peer.sll_ifindex = ifr.ifr_ifindex;
  if (bind(r->pkt_fd, (const struct sockaddr *)&r->peer, sizeof(r->peer)) < 0) {
    fprintf(stderr, "relay: bind to %s: %s\n", ifname, strerror(errno));
    return -1;
  }
  return 0;
}

/* "PCT" or "PCT,PCT" (toward the server, toward the client), 0..100 */
static int
relay_parse_pair(const char *arg, double *to_server, double *to_client)
{
  char *end;
  double a = strtod(arg, &end), b = a;

  if (end == arg) {
    return -1;
  }
  if (*end == ',') {
    const char *s = end + 1;
    b = strtod(s, &end);
    if (end == s) {
      return -1;
    }
  }
  if (*end != '\0' || a < 0 || a > 100 || b < 0 || b > 100) {
    return -1;
  }
  *to_server = a / 100;
  *to_client = b / 100;
  return 0;
}

static void
relay_usage(FILE *f)
{
  fprintf(f, "usage: relay --tap NAME --peer-netns PATH --peer-if NAME [--seed N]\n"
             "             [--loss PCT[,PCT]] [--reorder PCT[,PCT]]\n"
             "  a pair of percentages is (toward the server, toward the client)\n");
}

/* Drain one side: every frame it has now goes the other way. */
static int
relay_drain(struct relay *r, int from_tap)
{
  unsigned char f[RELAY_FRAME_MAX];

  for (;;) {
    struct sockaddr_ll from;
    socklen_t fl = sizeof(from);
    ssize_t n;

    if (from_tap) {
      n = read(r->tap_fd, f, sizeof(f));
    } else {
      n = recvfrom(r->pkt_fd, f, sizeof(f), MSG_TRUNC, (struct sockaddr *)&from, &fl);
    }
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        return 0;
      }
      fprintf(stderr, "relay: read: %s\n", strerror(errno));
      return -1;
    }
    if ((size_t)n > sizeof(f)) {
      continue; /* larger than any frame of the link: not ours */
    }
    if (from_tap) {
      relay_frame(r, TO_SERVER, f, (size_t)n);
    } else if (from.sll_pkttype != PACKET_OUTGOING) { /* not our own sends */
      relay_frame(r, TO_CLIENT, f, (size_t)n);
    }
  }
}

int
main(int argc, char **argv)
{
  static const struct option opts[] = {
    { "tap", required_argument, NULL, 't' },
    { "peer-netns", required_argument, NULL, 'n' },
    { "peer-if", required_argument, NULL, 'i' },
    { "seed", required_argument, NULL, 's' },
    { "loss", required_argument, NULL, 'l' },
    { "reorder", required_argument, NULL, 'r' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  static struct relay r;
  const char *tap = NULL, *netns = NULL, *peer_if = NULL;
  unsigned long long seed = 1;
  struct sigaction sa;
  int opt, i;

  r.tap_fd = r.pkt_fd = -1;
  r.dir[TO_SERVER].name = "to-server";
  r.dir[TO_CLIENT].name = "to-client";
  while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (opt) {
      case 't': tap = optarg; break;
      case 'n': netns = optarg; break;
      case 'i': peer_if = optarg; break;
      case 's': seed = strtoull(optarg, NULL, 0); break;
      case 'l':
      case 'r':
        if (relay_parse_pair(optarg, opt == 'l' ? &r.dir[TO_SERVER].loss : &r.dir[TO_SERVER].reorder,
                             opt == 'l' ? &r.dir[TO_CLIENT].loss : &r.dir[TO_CLIENT].reorder) != 0) {
          fprintf(stderr, "relay: bad --%s %s (want PCT or PCT,PCT, 0..100)\n",
                  opt == 'l' ? "loss" : "reorder", optarg);
          return 2;
        }
        break;
      case 'h': relay_usage(stdout); return 0;
      default: relay_usage(stderr); return 2;
    }
  }
  if (tap == NULL || netns == NULL || peer_if == NULL || optind != argc) {
    relay_usage(stderr);
    return 2;
  }
  for (i = 0; i < 2; i++) {
    if (r.dir[i].loss + r.dir[i].reorder > 1) {
      fprintf(stderr, "relay: %s: loss + reorder above 100%%\n", r.dir[i].name);
      return 2;
    }
    r.dir[i].rng = seed * 2 + (uint64_t)i;
  }

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = relay_on_signal; /* no SA_RESTART: poll() returns */
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);

  /* the TAP in this namespace first, then the peer's namespace */
  if (relay_open_tap(&r, tap) != 0 || relay_open_peer(&r, netns, peer_if) != 0) {
    return 1;
  }
  printf("relay: ready (seed %llu; loss %g%%/%g%%, reorder %g%%/%g%% to server/client)\n", seed,
         r.dir[TO_SERVER].loss * 100, r.dir[TO_CLIENT].loss * 100,
         r.dir[TO_SERVER].reorder * 100, r.dir[TO_CLIENT].reorder * 100);
  fflush(stdout);

  while (!relay_stop) {
    struct pollfd fds[2] = { { r.tap_fd, POLLIN, 0 }, { r.pkt_fd, POLLIN, 0 } };

    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) {
        continue;
      }
      fprintf(stderr, "relay: poll: %s\n", strerror(errno));
      return 1;
    }
    if (relay_drain(&r, 1) != 0 || relay_drain(&r, 0) != 0) {
      return 1;
    }
  }
  for (i = 0; i < 2; i++) {
    const struct relay_dir *d = &r.dir[i];
    fprintf(stderr, "relay: %s: %lu IPv4 frames, %lu dropped, %lu held back; %lu frames sent\n",
            d->name, d->frames, d->dropped, d->reordered, d->passed);
  }
  close(r.tap_fd);
  close(r.pkt_fd);
  return 0;
}
