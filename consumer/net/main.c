/* webrepl-server: a WebREPL server on lwIP's raw API (NO_SYS) over a TAP
 * link.  Command line, password file, and the main loop. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/init.h"
#include "lwip/timeouts.h"

#include "link_tap.h"
#include "server.h"

#define MAIN_PASSWORD_MAX 64

static volatile sig_atomic_t main_stop;
static volatile sig_atomic_t main_stats;

static void
main_on_signal(int sig)
{
  if (sig == SIGUSR1) {
    main_stats = 1;
  } else {
    main_stop = 1;
  }
}

static void
main_usage(FILE *f)
{
  fprintf(f,
    "usage: webrepl-server --tap NAME --ip ADDR/PREFIX --password-file FILE [options]\n"
    "\n"
    "A WebREPL server (MicroPython's protocol) on lwIP's raw API over a TAP link.\n"
    "\n"
    "  --tap NAME            TAP interface to attach to (created by the caller, e.g. tap0)\n"
    "  --ip ADDR/PREFIX      the server's address on the link, e.g. 192.0.2.2/24\n"
    "  --gw ADDR             default gateway (optional)\n"
    "  --port N              TCP port (default 8266)\n"
    "  --password-file FILE  the password: first line of FILE, 1 to %d bytes\n"
    "  --root DIR            directory of the file protocol (default: current directory)\n"
    "  --exec CMD            terminal program, run by /bin/sh -c (default: /bin/sh -i)\n"
    "  --defer MODE          where connection set-up runs: poll (default), inline, timeout0\n"
    "  --burst N             frames read per loop before timers run (default 64)\n"
    "  --stats FILE          write lwIP statistics to FILE on SIGUSR1 and at exit\n"
    "  --handshake-timeout MS  close connections without an upgrade request (default %d)\n"
    "  --login-timeout MS    close connections not logged in (default %d)\n"
    "  --max-pending N       connections in handshake or login at once (default %d,\n"
    "                        at most %d); a newcomer beyond that evicts the one\n"
    "                        silent longest, or is turned away (HTTP 503)\n"
    "  --max-per-addr N      of those, from one address (default: half of them)\n"
    "  --close-timeout MS    abort a client that does not acknowledge the server's\n"
    "                        last message and FIN (default %d)\n"
    "  --verbose             log sessions to stderr\n"
    "  --help                this text\n",
    MAIN_PASSWORD_MAX, SERVER_HANDSHAKE_MS, SERVER_LOGIN_MS, SERVER_MAX_PENDING, SERVER_MAX_CONN - 1,
    SERVER_CLOSE_MS);
}

static int
main_parse_ip(const char *arg, ip4_addr_t *ip, ip4_addr_t *mask)
{
  char buf[32];
  char *slash, *end;
  long prefix = 24;

  snprintf(buf, sizeof(buf), "%s", arg);
  slash = strchr(buf, '/');
  if (slash != NULL) {
    *slash = '\0';
    prefix = strtol(slash + 1, &end, 10);
    if (*end != '\0' || prefix < 1 || prefix > 32) {
      return -1;
    }
  }
  if (!ip4addr_aton(buf, ip)) {
    return -1;
  }
  ip4_addr_set_u32(mask, lwip_htonl(prefix == 32 ? 0xffffffffu : ~(0xffffffffu >> prefix)));
  return 0;
}

static int
main_read_password(const char *path, uint8_t *pw, size_t *len)
{
  char line[MAIN_PASSWORD_MAX + 3];
  size_t n;
  FILE *f = fopen(path, "r");

  if (f == NULL) {
    fprintf(stderr, "webrepl-server: --password-file %s: %s\n", path, strerror(errno));
    return -1;
  }
  if (fgets(line, sizeof(line), f) == NULL) {
    line[0] = '\0';
  }
  fclose(f);
  n = strcspn(line, "\r\n");
  if (n > MAIN_PASSWORD_MAX) {
    fprintf(stderr, "webrepl-server: password longer than %d bytes\n", MAIN_PASSWORD_MAX);
    return -1;
  }
  if (n == 0) {
    fprintf(stderr, "webrepl-server: %s: empty password\n", path);
    return -1;
  }
  memcpy(pw, line, n);
  *len = n;
  return 0;
}

int
main(int argc, char **argv)
{
  static const struct option opts[] = {
    { "tap", required_argument, NULL, 't' },
    { "ip", required_argument, NULL, 'i' },
    { "gw", required_argument, NULL, 'g' },
    { "port", required_argument, NULL, 'p' },
    { "password-file", required_argument, NULL, 'P' },
    { "root", required_argument, NULL, 'r' },
    { "exec", required_argument, NULL, 'e' },
    { "defer", required_argument, NULL, 'd' },
    { "burst", required_argument, NULL, 'b' },
    { "stats", required_argument, NULL, 's' },
    { "handshake-timeout", required_argument, NULL, 'H' },
    { "login-timeout", required_argument, NULL, 'L' },
    { "max-pending", required_argument, NULL, 'm' },
    { "max-per-addr", required_argument, NULL, 'a' },
    { "close-timeout", required_argument, NULL, 'C' },
    { "verbose", no_argument, NULL, 'v' },
    { "help", no_argument, NULL, 'h' },
    { NULL, 0, NULL, 0 }
  };
  static struct server srv;
  struct server_config cfg;
  struct link_tap tap;
  struct netif netif;
  ip4_addr_t ip, mask, gw;
  uint8_t password[MAIN_PASSWORD_MAX];
  const char *tap_name = NULL, *ip_arg = NULL, *pw_file = NULL, *stats = NULL;
  int burst = 64, opt;
  struct sigaction sa;

  memset(&cfg, 0, sizeof(cfg));
  cfg.port = 8266;
  cfg.root = ".";
  cfg.defer = DEFER_POLL;
  cfg.handshake_ms = SERVER_HANDSHAKE_MS;
  cfg.login_ms = SERVER_LOGIN_MS;
  cfg.close_ms = SERVER_CLOSE_MS;
  ip4_addr_set_zero(&gw);
  while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
    switch (opt) {
      case 't': tap_name = optarg; break;
      case 'i': ip_arg = optarg; break;
      case 'g':
        if (!ip4addr_aton(optarg, &gw)) {
          fprintf(stderr, "webrepl-server: bad --gw %s\n", optarg);
          return 2;
        }
        break;
      case 'p': cfg.port = (uint16_t)atoi(optarg); break;
      case 'P': pw_file = optarg; break;
      case 'r': cfg.root = optarg; break;
      case 'e': cfg.exec = optarg; break;
      case 'd':
        if (strcmp(optarg, "poll") == 0) {
          cfg.defer = DEFER_POLL;
        } else if (strcmp(optarg, "inline") == 0) {
          cfg.defer = DEFER_INLINE;
        } else if (strcmp(optarg, "timeout0") == 0) {
          cfg.defer = DEFER_TIMEOUT0;
        } else {
          fprintf(stderr, "webrepl-server: --defer must be poll, inline or timeout0\n");
          return 2;
        }
        break;
      case 'b': burst = atoi(optarg); break;
      case 's': stats = optarg; break;
      case 'H': cfg.handshake_ms = (uint32_t)strtoul(optarg, NULL, 10); break;
      case 'L': cfg.login_ms = (uint32_t)strtoul(optarg, NULL, 10); break;
      case 'm':
        cfg.max_pending = (unsigned)strtoul(optarg, NULL, 10);
        if (cfg.max_pending == 0 || cfg.max_pending >= SERVER_MAX_CONN) {
          fprintf(stderr, "webrepl-server: --max-pending must be 1..%d\n", SERVER_MAX_CONN - 1);
          return 2;
        }
        break;
      case 'a':
        cfg.max_per_addr = (unsigned)strtoul(optarg, NULL, 10);
        if (cfg.max_per_addr == 0) {
          fprintf(stderr, "webrepl-server: --max-per-addr must be at least 1\n");
          return 2;
        }
        break;
      case 'C': cfg.close_ms = (uint32_t)strtoul(optarg, NULL, 10); break;
      case 'v': cfg.verbose = 1; break;
      case 'h': main_usage(stdout); return 0;
      default: main_usage(stderr); return 2;
    }
  }
  if (tap_name == NULL || ip_arg == NULL || pw_file == NULL || optind != argc) {
    main_usage(stderr);
    return 2;
  }
  if (main_parse_ip(ip_arg, &ip, &mask) != 0) {
    fprintf(stderr, "webrepl-server: bad --ip %s (want ADDR/PREFIX)\n", ip_arg);
    return 2;
  }
  if (cfg.port == 0 || burst < 1 || cfg.handshake_ms == 0 || cfg.login_ms == 0 || cfg.close_ms == 0) {
    fprintf(stderr, "webrepl-server: bad --port, --burst or timeout\n");
    return 2;
  }
  if (main_read_password(pw_file, password, &cfg.password_len) != 0) {
    return 2;
  }
  cfg.password = password;

  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = main_on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGUSR1, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  lwip_init();
  if (link_tap_open(&tap, &netif, tap_name, &ip, &mask, &gw) != 0) {
    return 1;
  }
  if (server_start(&srv, &cfg) != 0) {
    return 1;
  }
  if (cfg.verbose) {
    fprintf(stderr, "webrepl-server: listening on %s:%u (%s), lwIP %s, %s\n",
            ip4addr_ntoa(&ip), (unsigned)cfg.port, tap.name, LWIP_VERSION_STRING,
            WEBREPL_LWIP_VARIANT);
  }

  /* The NO_SYS loop: sleep until the next frame, terminal event or lwIP
     timeout; then handle the frames already queued, then the timers. */
  while (!main_stop) {
    struct pollfd fds[2];
    int nfds = 1, term_fd, want_in, want_out, timeout;
    u32_t sleep = sys_timeouts_sleeptime();

    fds[0].fd = tap.fd;
    fds[0].events = POLLIN;
    server_term_interest(&srv, &term_fd, &want_in, &want_out);
    if (term_fd >= 0 && (want_in || want_out)) {
      fds[1].fd = term_fd;
      fds[1].events = (short)((want_in ? POLLIN : 0) | (want_out ? POLLOUT : 0));
      nfds = 2;
    }
    timeout = (sleep == SYS_TIMEOUTS_SLEEPTIME_INFINITE) ? -1 : (int)sleep;
    if (poll(fds, (nfds_t)nfds, timeout) < 0 && errno != EINTR) {
      perror("webrepl-server: poll");
      break;
    }
    if (link_tap_input(&tap, &netif, burst) < 0) {
      break;
    }
    sys_check_timeouts();
    if (nfds == 2 && (fds[1].revents & (POLLHUP | POLLERR | POLLNVAL))) {
      server_term_hangup(&srv); /* the program has gone; its last output may remain */
    }
    server_pump_term(&srv);
    if (main_stats && stats != NULL) {
      main_stats = 0;
      server_write_stats(&srv, stats);
    }
  }
  if (stats != NULL) {
    server_write_stats(&srv, stats);
  }
  term_stop(&srv.term);
  link_tap_close(&tap);
  return 0;
}
