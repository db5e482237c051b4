/* term: a program on a pseudo-terminal (see term.h). */
#include "term.h"

#include <errno.h>
#include <fcntl.h>
#include <pty.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

int
term_start(struct term *t, const char *cmd)
{
  int fd;
  pid_t pid;

  t->cmd = cmd;
  t->in_head = t->in_len = 0;
  pid = forkpty(&fd, NULL, NULL, NULL);
  if (pid < 0) {
    t->fd = -1;
    return errno;
  }
  if (pid == 0) {
    signal(SIGPIPE, SIG_DFL); /* the server ignores it; the program must not */
    setenv("TERM", "xterm", 1);
    if (cmd == NULL) {
      execl("/bin/sh", "sh", "-i", (char *)NULL);
    } else {
      execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
    }
    _exit(127);
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  fcntl(fd, F_SETFD, FD_CLOEXEC);
  t->fd = fd;
  t->pid = pid;
  return 0;
}

int
term_alive(struct term *t)
{
  int status;

  if (t->fd < 0) {
    return 0;
  }
  if (waitpid(t->pid, &status, WNOHANG) == t->pid) {
    close(t->fd);
    t->fd = -1;
    t->in_head = t->in_len = 0;
    return 0;
  }
  return 1;
}

size_t
term_room(const struct term *t)
{
  return t->fd < 0 ? 0 : TERM_IN_MAX - t->in_len;
}

void
term_push(struct term *t, const uint8_t *data, size_t len)
{
  while (len > 0 && t->in_len < TERM_IN_MAX) {
    size_t tail = (t->in_head + t->in_len) % TERM_IN_MAX;
    size_t n = TERM_IN_MAX - tail;
    if (n > TERM_IN_MAX - t->in_len) {
      n = TERM_IN_MAX - t->in_len;
    }
    if (n > len) {
      n = len;
    }
    memcpy(t->in + tail, data, n);
    t->in_len += n;
    data += n;
    len -= n;
  }
}

size_t
term_flush(struct term *t)
{
  size_t total = 0;

  while (t->fd >= 0 && t->in_len > 0) {
    size_t n = TERM_IN_MAX - t->in_head;
    ssize_t w;
    if (n > t->in_len) {
      n = t->in_len;
    }
    w = write(t->fd, t->in + t->in_head, n);
    if (w <= 0) {
      break;
    }
    t->in_head = (t->in_head + (size_t)w) % TERM_IN_MAX;
    t->in_len -= (size_t)w;
    total += (size_t)w;
  }
  if (t->in_len == 0) {
    t->in_head = 0;
  }
  return total;
}

long
term_read(struct term *t, uint8_t *buf, size_t cap)
{
  ssize_t n;

  if (t->fd < 0) {
    return -1;
  }
  n = read(t->fd, buf, cap);
  if (n > 0) {
    return (long)n;
  }
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
    return 0;
  }
  /* EIO: the slave side is closed, the program has gone */
  return -1;
}

void
term_drop_input(struct term *t)
{
  t->in_head = t->in_len = 0;
}

void
term_stop(struct term *t)
{
  int i;

  if (t->fd < 0) {
    return;
  }
  kill(t->pid, SIGHUP);
  close(t->fd);
  t->fd = -1;
  /* give it 100 ms to go; a program that ignores SIGHUP is killed, so the
     server never blocks here */
  for (i = 0; i < 10; i++) {
    if (waitpid(t->pid, NULL, WNOHANG) == t->pid) {
      return;
    }
    usleep(10000);
  }
  kill(t->pid, SIGKILL);
  waitpid(t->pid, NULL, 0);
}
