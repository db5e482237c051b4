/* accept_client: the accept-latency benchmark's client (tests/bench/run).
 *
 * Opens WebREPL connections the way a browser does (connect, then the HTTP
 * upgrade request at once), stamps each step with CLOCK_MONOTONIC in
 * nanoseconds, and appends one CSV row per connection to --csv:
 *
 *   scenario,variant,lane,round,seq,start_s,status,t_syn_ms,t_101_ms,
 *   t_prompt_ms,retrans,client_in_us,send_us,client_busy_us
 *
 *   t_syn         connect() start  -> connect() returns (socket writable)
 *   t_101         connect() return -> "101 Switching Protocols" head received
 *   t_prompt      connect() return -> text frame "Password: " received
 *   retrans       tcpi_total_retrans of the connection (TCP_INFO)
 *   client_in_us  the client's own processing inside t_101/t_prompt: from
 *                 the connect() stamp to the send() call (SO_ERROR check,
 *                 request formatting)
 *   send_us       the send() of the request (the kernel's TCP transmit, in
 *                 the client's context: any client pays it)
 *   client_busy_us  all the client's handler time for the connection
 *                 (connect, send, recv, TCP_INFO, close; mostly outside the
 *                 intervals: events are stamped before they are handled)
 *   status        ok, reset (refused by the server), connfail, eof,
 *                 badreply, timeout (-1 for the times not reached)
 *
 * With --protocol http the client speaks plain HTTP instead (a small
 * request/response server, e.g. MicroPython's in micropython/app/): it
 * sends "GET / HTTP/1.0" at once, t_101 is -1 and t_prompt is the first
 * byte of the response (a status line "HTTP/1.x 200").
 *
 * then closes the connection (the client closes first).  Each event is
 * stamped when epoll_wait() returns, before it is handled.
 *
 * Scenarios:
 *   single  N connections per variant, started one at a time in rotation
 *           over the variants (rotated start each cycle, at least --slot-us
 *           apart), at most one connection in flight per server; a variant
 *           with several servers ("lanes", for the slow variants) uses one
 *           that is idle, and with --holdoff-ms a lane rests a random
 *           0..MS after each connection so that connections start at a
 *           random phase of that server's lwIP timers.
 *   burst   rounds of B connections at once to one server (non-blocking
 *           connect() in a tight loop, then epoll), rotating over the
 *           variants, N/B rounds per variant.
 *
 * --kernel NAME=ADDR:PORT forks a listener on the kernel's own TCP stack that
 * answers with the same bytes (no lwIP, no TAP): the floor of the client and
 * the kernel, reported as a variant of its own.
 *
 * Usage: accept_client --scenario single|burst --count N [--burst B]
 *          [--slot-us US] [--holdoff-ms MS] [--seed S] [--timeout-ms MS]
 *          [--csv FILE] [--progress] [--warmup] [--protocol webrepl|http]
 *          [--kernel NAME=ADDR:PORT]
 *          --target NAME=ADDR:PORT[,ADDR:PORT...] ...
 * Prints a summary (client CPU time, per-target counts) on stdout.
 * Exit: 0 done (failed connections are rows with status != ok), 1 error,
 * 2 usage, 130 interrupted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TARGETS 8
#define MAX_LANES   16
#define MAX_CONNS   256
#define BUF_SIZE    1024

static const char prompt_frame[12] = {
  (char)0x81, 0x0a, 'P', 'a', 's', 's', 'w', 'o', 'r', 'd', ':', ' '
};

/* what the server answers to the request below (key from RFC 6455) */
static const char kernel_reply[] =
  "HTTP/1.1 101 Switching Protocols\r\n"
  "Upgrade: websocket\r\n"
  "Connection: Upgrade\r\n"
  "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
  "\r\n"
  "\x81\x0aPassword: ";

/* the same for --protocol http */
static const char kernel_reply_http[] =
  "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\nok\n";
static int proto_http;

enum cstate { C_FREE = 0, C_CONNECTING, C_WAIT_101, C_WAIT_PROMPT };
enum cstatus { ST_OK = 0, ST_CONNFAIL, ST_RESET, ST_EOF, ST_BADREPLY, ST_TIMEOUT };
static const char *status_name[] = { "ok", "connfail", "reset", "eof", "badreply", "timeout" };

struct target {
  char name[16];
  int nlanes;
  struct sockaddr_in addr[MAX_LANES];
  char host[MAX_LANES][32];
  int busy[MAX_LANES];
  uint64_t avail_at[MAX_LANES]; /* a lane's hold-off after a connection */
  long started, done, ok;
};

struct conn {
  enum cstate state;
  int fd;
  int target, lane;
  long round, seq;
  uint64_t t_start, t_conn, t_send, t_sent, t_101, t_prompt, deadline;
  uint64_t busy_ns;           /* the client's own processing of this connection */
  size_t len, head_end;
  char buf[BUF_SIZE];
};

static struct target targets[MAX_TARGETS];
static int ntargets;
static struct conn conns[MAX_CONNS];
static int inflight;
static int epfd = -1;
static FILE *csv;
static const char *scenario = "single";
static uint64_t t_origin;
static int show_progress;
static long total_planned, total_done;
static long finished;           /* connections finished, for waiting on one */
static uint64_t handler_t0;     /* stamp of the event being handled, or 0 */
static uint64_t progress_next;
static pid_t kernel_pid = -1;
static volatile sig_atomic_t stop;
static uint64_t holdoff_ns;     /* multi-lane targets: random idle time per lane */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;

/* xorshift64*: reproducible hold-offs (--seed) */
static uint64_t
rng_next(void)
{
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return rng_state * 0x2545f4914f6cdd1du;
}

static uint64_t
now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void
on_signal(int sig)
{
  (void)sig;
  stop = 1;
}

static int
parse_addr(const char *s, struct sockaddr_in *a, char *host, size_t hostlen)
{
  char buf[64];
  char *colon;
  long port;

  snprintf(buf, sizeof(buf), "%s", s);
  colon = strrchr(buf, ':');
  if (colon == NULL) {
    return -1;
  }
  *colon = '\0';
  port = strtol(colon + 1, NULL, 10);
  if (port < 1 || port > 65535) {
    return -1;
  }
  memset(a, 0, sizeof(*a));
  a->sin_family = AF_INET;
  a->sin_port = htons((uint16_t)port);
  if (inet_pton(AF_INET, buf, &a->sin_addr) != 1) {
    return -1;
  }
  if (strlen(buf) + 7 > hostlen) {
    return -1;
  }
  memcpy(host, buf, strlen(buf));
  snprintf(host + strlen(buf), hostlen - strlen(buf), ":%ld", port);
  return 0;
}

/* NAME=ADDR:PORT[,ADDR:PORT...] */
static int
add_target(const char *spec)
{
  char buf[1024];
  char *eq, *tok, *save = NULL;
  struct target *t;

  if (ntargets >= MAX_TARGETS) {
    return -1;
  }
  snprintf(buf, sizeof(buf), "%s", spec);
  eq = strchr(buf, '=');
  if (eq == NULL || eq == buf || (size_t)(eq - buf) >= sizeof(t->name)) {
    return -1;
  }
  t = &targets[ntargets];
  memset(t, 0, sizeof(*t));
  *eq = '\0';
  memcpy(t->name, buf, (size_t)(eq - buf) + 1);
  for (tok = strtok_r(eq + 1, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
    if (t->nlanes >= MAX_LANES ||
        parse_addr(tok, &t->addr[t->nlanes], t->host[t->nlanes], sizeof(t->host[0])) != 0) {
      return -1;
    }
    t->nlanes++;
  }
  if (t->nlanes == 0) {
    return -1;
  }
  ntargets++;
  return 0;
}

/* ---- the kernel listener (a child process) ---------------------------- */

struct kconn {
  int fd;
  size_t len;
  int replied;
  char buf[BUF_SIZE];
};

/* read what the client sent; answer once the request head is complete;
   close when the client has closed */
static void
kconn_input(struct kconn *c)
{
  for (;;) {
    ssize_t r = read(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
    if (r < 0 && errno == EAGAIN) {
      return;
    }
    if (r <= 0) {
      close(c->fd); /* the client closed first (or failed) */
      c->fd = -1;
      return;
    }
    if (c->replied) {
      c->len = 0;
      continue;
    }
    c->len += (size_t)r;
    c->buf[c->len] = '\0';
    if (strstr(c->buf, "\r\n\r\n") != NULL) {
      c->replied = 1;
      c->len = 0;
      if ((proto_http ? write(c->fd, kernel_reply_http, sizeof(kernel_reply_http) - 1)
                      : write(c->fd, kernel_reply, sizeof(kernel_reply) - 1)) < 0) {
        close(c->fd);
        c->fd = -1;
        return;
      }
    } else if (c->len >= sizeof(c->buf) - 1) {
      close(c->fd);
      c->fd = -1;
      return;
    }
  }
}

static void
kernel_serve(int lfd)
{
  static struct kconn kc[MAX_CONNS];
  struct epoll_event ev, evs[64];
  int kep, i, n;

  for (i = 0; i < MAX_CONNS; i++) {
    kc[i].fd = -1;
  }
  kep = epoll_create1(EPOLL_CLOEXEC);
  if (kep < 0) {
    _exit(1);
  }
  ev.events = EPOLLIN;
  ev.data.u32 = UINT32_MAX;
  epoll_ctl(kep, EPOLL_CTL_ADD, lfd, &ev);
  for (;;) {
    n = epoll_wait(kep, evs, 64, -1);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      _exit(1);
    }
    for (i = 0; i < n; i++) {
      uint32_t k = evs[i].data.u32;
      if (k == UINT32_MAX) {
        for (;;) {
          int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC), j, one = 1;
          if (fd < 0) {
            break;
          }
          for (j = 0; j < MAX_CONNS && kc[j].fd >= 0; j++) {
          }
          if (j == MAX_CONNS) {
            close(fd);
            continue;
          }
          setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
          kc[j].fd = fd;
          kc[j].len = 0;
          kc[j].replied = 0;
          ev.events = EPOLLIN;
          ev.data.u32 = (uint32_t)j;
          epoll_ctl(kep, EPOLL_CTL_ADD, fd, &ev); /* closing removes it */
          kconn_input(&kc[j]); /* the request is usually there already */
        }
      } else if (kc[k].fd >= 0) {
        kconn_input(&kc[k]);
      }
    }
  }
}

static int
kernel_start(const char *spec)
{
  char buf[128];
  char *eq;
  struct sockaddr_in a;
  char host[32];
  int lfd, one = 1;

  snprintf(buf, sizeof(buf), "%s", spec);
  eq = strchr(buf, '=');
  if (eq == NULL || parse_addr(eq + 1, &a, host, sizeof(host)) != 0) {
    return -1;
  }
  lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (lfd < 0) {
    perror("accept_client: kernel listener socket");
    return -1;
  }
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(lfd, 256) != 0) {
    perror("accept_client: kernel listener bind/listen");
    close(lfd);
    return -1;
  }
  kernel_pid = fork();
  if (kernel_pid < 0) {
    perror("accept_client: fork");
    close(lfd);
    return -1;
  }
  if (kernel_pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGINT, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    kernel_serve(lfd);
    _exit(0);
  }
  close(lfd);
  return add_target(spec);
}

static void
kernel_stop(void)
{
  if (kernel_pid > 0) {
    kill(kernel_pid, SIGKILL);
    waitpid(kernel_pid, NULL, 0);
    kernel_pid = -1;
  }
}

/* ---- connections ------------------------------------------------------ */

static void
progress(int force)
{
  uint64_t t;
  int i;

  if (!show_progress) {
    return;
  }
  t = now_ns();
  if (!force && t < progress_next) {
    return;
  }
  progress_next = t + 250000000u;
  fprintf(stderr, "\rbench %s: %ld/%ld connections, %.0f s", scenario, total_done,
          total_planned, (double)(t - t_origin) / 1e9);
  for (i = 0; i < ntargets; i++) {
    fprintf(stderr, "%s %s %ld", i == 0 ? " |" : ",", targets[i].name, targets[i].done);
  }
  fprintf(stderr, "   ");
  if (force) {
    fprintf(stderr, "\n");
  }
  fflush(stderr);
}

static void
conn_finish(struct conn *c, enum cstatus st)
{
  struct tcp_info ti;
  socklen_t tl = sizeof(ti);
  struct target *t = &targets[c->target];
  long retrans = -1;
  double syn = -1, r101 = -1, prompt = -1;

  memset(&ti, 0, sizeof(ti));
  if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &tl) == 0) {
    retrans = (long)ti.tcpi_total_retrans;
  }
  close(c->fd); /* the client closes first */
  if (handler_t0 != 0) {
    c->busy_ns += now_ns() - handler_t0;
  }
  if (c->t_conn) {
    syn = (double)(c->t_conn - c->t_start) / 1e6;
  }
  if (c->t_101) {
    r101 = (double)(c->t_101 - c->t_conn) / 1e6;
  }
  if (c->t_prompt) {
    prompt = (double)(c->t_prompt - c->t_conn) / 1e6;
  }
  if (csv != NULL) {
    fprintf(csv, "%s,%s,%d,%ld,%ld,%.6f,%s,%.6f,%.6f,%.6f,%ld,%.3f,%.3f,%.3f\n", scenario,
            t->name, c->lane, c->round, c->seq, (double)(c->t_start - t_origin) / 1e9,
            status_name[st], syn, r101, prompt, retrans,
            c->t_sent ? (double)(c->t_send - c->t_conn) / 1e3 : -1.0,
            c->t_sent ? (double)(c->t_sent - c->t_send) / 1e3 : -1.0,
            (double)c->busy_ns / 1e3);
  }
  t->busy[c->lane] = 0;
  if (holdoff_ns > 0 && t->nlanes > 1) {
    /* a uniform idle time of up to one timer period: the next connection
       on this server starts at a random phase of its lwIP timers */
    t->avail_at[c->lane] = now_ns() + rng_next() % holdoff_ns;
  }
  t->done++;
  if (st == ST_OK) {
    t->ok++;
  }
  total_done++;
  finished++;
  c->state = C_FREE;
  c->fd = -1;
  inflight--;
}

static int
conn_start(int ti, int lane, long round, long seq)
{
  struct target *t = &targets[ti];
  struct conn *c = NULL;
  struct epoll_event ev;
  int i, fd, one = 1, r;

  for (i = 0; i < MAX_CONNS; i++) {
    if (conns[i].state == C_FREE) {
      c = &conns[i];
      break;
    }
  }
  if (c == NULL) {
    return -1;
  }
  fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) {
    perror("accept_client: socket");
    return -1;
  }
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  memset(c, 0, sizeof(*c));
  c->fd = fd;
  c->target = ti;
  c->lane = lane;
  c->round = round;
  c->seq = seq;
  c->state = C_CONNECTING;
  t->busy[lane] = 1;
  t->started++;
  inflight++;
  ev.events = EPOLLOUT;
  ev.data.ptr = c;
  if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
    perror("accept_client: epoll_ctl");
    return -1;
  }
  c->t_start = now_ns();
  r = connect(fd, (struct sockaddr *)&t->addr[lane], sizeof(t->addr[lane]));
  if (r != 0 && errno != EINPROGRESS) {
    conn_finish(c, errno == ECONNREFUSED || errno == ECONNRESET ? ST_RESET : ST_CONNFAIL);
    return 0;
  }
  c->busy_ns += now_ns() - c->t_start;
  return 0;
}

/* the socket became writable: connect() has returned; send the request */
static void
conn_on_connect(struct conn *c, uint64_t t)
{
  char req[256];
  struct epoll_event ev;
  int err = 0, n;
  socklen_t el = sizeof(err);
  ssize_t w;

  if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err != 0) {
    conn_finish(c, err == ECONNREFUSED || err == ECONNRESET ? ST_RESET : ST_CONNFAIL);
    return;
  }
  c->t_conn = t;
  if (proto_http) {
    n = snprintf(req, sizeof(req), "GET / HTTP/1.0\r\nHost: %s\r\n\r\n",
                 targets[c->target].host[c->lane]);
  } else {
    n = snprintf(req, sizeof(req),
                 "GET / HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
                 "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n",
                 targets[c->target].host[c->lane]);
  }
  c->t_send = now_ns();
  w = send(c->fd, req, (size_t)n, MSG_NOSIGNAL);
  if (w != n) {
    conn_finish(c, errno == ECONNRESET ? ST_RESET : ST_CONNFAIL);
    return;
  }
  c->t_sent = now_ns();
  c->state = C_WAIT_101;
  ev.events = EPOLLIN;
  ev.data.ptr = c;
  epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

static void
conn_on_input(struct conn *c, uint64_t t)
{
  ssize_t r = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);

  if (r < 0) {
    if (errno == EAGAIN || errno == EINTR) {
      return;
    }
    conn_finish(c, errno == ECONNRESET ? ST_RESET : ST_EOF);
    return;
  }
  if (r == 0) {
    conn_finish(c, ST_EOF);
    return;
  }
  c->len += (size_t)r;
  c->buf[c->len] = '\0';
  if (proto_http) {
    /* the first byte of the response; its status line is checked as far
       as it came with it */
    c->t_prompt = t;
    conn_finish(c, strncmp(c->buf, "HTTP/1.", c->len < 7 ? c->len : 7) == 0 ? ST_OK : ST_BADREPLY);
    return;
  }
  if (c->state == C_WAIT_101) {
    char *end = strstr(c->buf, "\r\n\r\n");
    if (end == NULL) {
      if (c->len >= sizeof(c->buf) - 1) {
        conn_finish(c, ST_BADREPLY);
      }
      return;
    }
    if (strncmp(c->buf, "HTTP/1.1 101 Switching Protocols\r\n", 34) != 0) {
      conn_finish(c, ST_BADREPLY);
      return;
    }
    c->t_101 = t;
    c->head_end = (size_t)(end - c->buf) + 4;
    c->state = C_WAIT_PROMPT;
  }
  if (c->len - c->head_end >= sizeof(prompt_frame)) {
    if (memcmp(c->buf + c->head_end, prompt_frame, sizeof(prompt_frame)) != 0) {
      conn_finish(c, ST_BADREPLY);
      return;
    }
    c->t_prompt = t;
    conn_finish(c, ST_OK);
  }
}

/* Handle events until `until` (ns) or, with until == 0, until nothing is in
   flight; with one_finish, also return as soon as a connection finishes. */
static void
run_events(uint64_t until, uint64_t conn_timeout, int one_finish)
{
  struct epoll_event evs[64];
  int n, i, ms;
  uint64_t t = now_ns(), next_deadline;
  long finished0 = finished;

  for (;;) {
    if (stop || (one_finish && finished != finished0)) {
      return;
    }
    next_deadline = UINT64_MAX;
    for (i = 0; i < MAX_CONNS; i++) {
      if (conns[i].state == C_FREE) {
        continue;
      }
      if (conns[i].deadline == 0) {
        conns[i].deadline = conns[i].t_start + conn_timeout;
      }
      if (conns[i].deadline <= t) {
        conn_finish(&conns[i], ST_TIMEOUT);
        continue;
      }
      if (conns[i].deadline < next_deadline) {
        next_deadline = conns[i].deadline;
      }
    }
    if (until == 0 && inflight == 0) {
      return;
    }
    if (until != 0 && t >= until) {
      return;
    }
    if (until != 0 && until < next_deadline) {
      next_deadline = until;
    }
    ms = next_deadline == UINT64_MAX ? 250 : (int)((next_deadline - t + 999999u) / 1000000u);
    if (ms > 250) {
      ms = 250;
    }
    n = epoll_wait(epfd, evs, 64, ms);
    t = now_ns();
    for (i = 0; i < n; i++) {
      struct conn *c = (struct conn *)evs[i].data.ptr;
      /* t is this event's stamp; the handler's own time is counted apart
         (after conn_finish the slot is free: count it before) */
      uint64_t t1;
      handler_t0 = t;
      if (c->state == C_CONNECTING) {
        conn_on_connect(c, t);
      } else if (c->state == C_WAIT_101 || c->state == C_WAIT_PROMPT) {
        conn_on_input(c, t);
      }
      t1 = now_ns();
      if (c->state != C_FREE) {
        c->busy_ns += t1 - t;
      }
      handler_t0 = 0;
      t = t1;
    }
    progress(0);
  }
}

/* an idle lane whose hold-off is over, or -1; *when: the earliest time an
   idle lane will be ready (UINT64_MAX: all busy) */
static int
free_lane(const struct target *t, uint64_t *when)
{
  uint64_t now = now_ns();
  int l;

  *when = UINT64_MAX;
  for (l = 0; l < t->nlanes; l++) {
    if (t->busy[l]) {
      continue;
    }
    if (t->avail_at[l] <= now) {
      return l;
    }
    if (t->avail_at[l] < *when) {
      *when = t->avail_at[l];
    }
  }
  return -1;
}

static void
usage(FILE *f)
{
  fprintf(f,
    "usage: accept_client --scenario single|burst --count N [--burst B] [--slot-us US]\n"
    "         [--holdoff-ms MS] [--seed S] [--timeout-ms MS] [--csv FILE] [--progress]\n"
    "         [--warmup] [--protocol webrepl|http]\n"
    "         [--kernel NAME=ADDR:PORT] --target NAME=ADDR:PORT[,ADDR:PORT...] ...\n");
}

int
main(int argc, char **argv)
{
  long count = 200, burst = 50, slot_us = 5000, timeout_ms = 5000;
  const char *csv_path = NULL, *kernel_spec = NULL;
  int i, warmup = 0, want_progress = 0;
  uint64_t conn_timeout;
  struct rusage ru0, ru1;
  struct sigaction sa;
  long planned_rounds;

  for (i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (strcmp(a, "--progress") == 0) {
      want_progress = 1;
      continue;
    }
    if (strcmp(a, "--warmup") == 0) {
      warmup = 1;
      continue;
    }
    if (strcmp(a, "--help") == 0) {
      usage(stdout);
      return 0;
    }
    if (v == NULL) {
      usage(stderr);
      return 2;
    }
    i++;
    if (strcmp(a, "--scenario") == 0) {
      if (strcmp(v, "single") != 0 && strcmp(v, "burst") != 0) {
        usage(stderr);
        return 2;
      }
      scenario = v;
    } else if (strcmp(a, "--protocol") == 0) {
      if (strcmp(v, "http") != 0 && strcmp(v, "webrepl") != 0) {
        usage(stderr);
        return 2;
      }
      proto_http = strcmp(v, "http") == 0;
    } else if (strcmp(a, "--count") == 0) {
      count = atol(v);
    } else if (strcmp(a, "--burst") == 0) {
      burst = atol(v);
    } else if (strcmp(a, "--slot-us") == 0) {
      slot_us = atol(v);
    } else if (strcmp(a, "--holdoff-ms") == 0) {
      holdoff_ns = (uint64_t)atol(v) * 1000000u;
    } else if (strcmp(a, "--seed") == 0) {
      rng_state ^= (uint64_t)strtoull(v, NULL, 10) * 0x9e3779b97f4a7c15u;
      if (rng_state == 0) {
        rng_state = 1;
      }
    } else if (strcmp(a, "--timeout-ms") == 0) {
      timeout_ms = atol(v);
    } else if (strcmp(a, "--csv") == 0) {
      csv_path = v;
    } else if (strcmp(a, "--target") == 0) {
      if (add_target(v) != 0) {
        fprintf(stderr, "accept_client: bad --target %s\n", v);
        return 2;
      }
    } else if (strcmp(a, "--kernel") == 0) {
      kernel_spec = v; /* started once all options are known (--protocol) */
    } else {
      usage(stderr);
      return 2;
    }
  }
  if (ntargets == 0 || count < 1 || burst < 1 || burst > MAX_CONNS - 8 || slot_us < 0 ||
      timeout_ms < 1) {
    usage(stderr);
    return 2;
  }
  if (kernel_spec != NULL && kernel_start(kernel_spec) != 0) {
    fprintf(stderr, "accept_client: cannot start the kernel listener %s\n", kernel_spec);
    return 1;
  }
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
  conn_timeout = (uint64_t)timeout_ms * 1000000u;
  epfd = epoll_create1(EPOLL_CLOEXEC);
  if (epfd < 0) {
    perror("accept_client: epoll_create1");
    kernel_stop();
    return 1;
  }
  if (csv_path != NULL) {
    csv = fopen(csv_path, "a");
    if (csv == NULL) {
      perror(csv_path);
      kernel_stop();
      return 1;
    }
  }
  t_origin = now_ns();

  if (warmup) {
    /* one unrecorded connection per server: ARP and caches warm */
    FILE *keep = csv;
    int l;
    csv = NULL;
    for (i = 0; i < ntargets; i++) {
      for (l = 0; l < targets[i].nlanes; l++) {
        conn_start(i, l, -1, -1); /* one per server: all at once */
      }
    }
    run_events(0, conn_timeout, 0);
    for (i = 0; i < ntargets; i++) {
      targets[i].started = targets[i].done = targets[i].ok = 0;
      memset(targets[i].avail_at, 0, sizeof(targets[i].avail_at));
    }
    total_done = 0;
    csv = keep;
  }

  show_progress = want_progress;
  getrusage(RUSAGE_SELF, &ru0);
  if (strcmp(scenario, "single") == 0) {
    /* rotation: cycle k starts at variant k mod n; each start waits for its
       slot (slot_us after the previous start) and for an idle server of
       that variant */
    long k, j;
    uint64_t next = now_ns();
    total_planned = count * ntargets;
    for (k = 0; k < count && !stop; k++) {
      for (j = 0; j < ntargets && !stop; j++) {
        int ti = (int)((k + j) % ntargets), lane = -1;
        uint64_t when;
        run_events(next, conn_timeout, 0);
        while (!stop && (lane = free_lane(&targets[ti], &when)) < 0) {
          run_events(when, conn_timeout, 1);
        }
        if (stop) {
          break;
        }
        if (conn_start(ti, lane, k, k * ntargets + j) != 0) {
          stop = 1;
          break;
        }
        next = now_ns() + (uint64_t)slot_us * 1000u;
      }
    }
    run_events(0, conn_timeout, 0);
  } else {
    long rounds = count / burst, k, j, m;
    if (rounds < 1) {
      rounds = 1;
    }
    planned_rounds = rounds;
    total_planned = rounds * burst * ntargets;
    for (k = 0; k < planned_rounds && !stop; k++) {
      for (j = 0; j < ntargets && !stop; j++) {
        int ti = (int)((k + j) % ntargets);
        for (m = 0; m < burst; m++) {
          targets[ti].busy[0] = 0; /* a burst shares lane 0 */
          if (conn_start(ti, 0, k, m) != 0) {
            stop = 1;
            break;
          }
        }
        run_events(0, conn_timeout, 0);
        /* let the server see the closes before the next burst */
        run_events(now_ns() + (uint64_t)slot_us * 1000u * 4, conn_timeout, 0);
      }
    }
  }
  getrusage(RUSAGE_SELF, &ru1);
  progress(1);
  for (i = 0; i < MAX_CONNS; i++) {
    if (conns[i].state != C_FREE) {
      conn_finish(&conns[i], ST_TIMEOUT);
    }
  }
  if (csv != NULL) {
    fclose(csv);
  }
  kernel_stop();
  {
    double us = ((double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec) * 1e6 +
                 (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec)) ;
    double ss = ((double)(ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) * 1e6 +
                 (double)(ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec));
    printf("client %s connections %ld user_us %.0f sys_us %.0f per_conn_us %.1f\n", scenario,
           total_done, us, ss, total_done > 0 ? (us + ss) / (double)total_done : 0.0);
    for (i = 0; i < ntargets; i++) {
      printf("target %s %s lanes %d started %ld ok %ld\n", scenario, targets[i].name,
             targets[i].nlanes, targets[i].started, targets[i].ok);
    }
  }
  return stop ? 130 : 0;
}
