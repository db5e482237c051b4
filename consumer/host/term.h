/* term: the terminal backend, a program on a pseudo-terminal.
 *
 * Input from the client goes through a bounded buffer to the pty (the
 * session acknowledges to TCP only what the pty took); output is read from
 * the pty only when the session can send it. */
#ifndef WEBREPL_TERM_H
#define WEBREPL_TERM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define TERM_IN_MAX 4096

struct term {
  int fd;                       /* pty master, non-blocking; -1 if not running */
  pid_t pid;
  const char *cmd;              /* NULL: /bin/sh -i */
  uint8_t in[TERM_IN_MAX];      /* client input not yet taken by the pty */
  size_t in_head, in_len;
};

/** Start the program on a new pty (cmd NULL: "/bin/sh -i", else run by
 *  "/bin/sh -c cmd").  Returns 0 or an errno value. */
int term_start(struct term *t, const char *cmd);

/** Is the program running?  Reaps it if it exited (then fd is -1). */
int term_alive(struct term *t);

/** Bytes of input term_push() can take now. */
size_t term_room(const struct term *t);

/** Queue input (len <= term_room()). */
void term_push(struct term *t, const uint8_t *data, size_t len);

/** Write queued input to the pty; returns the bytes the pty took (0 if it is
 *  full), so the caller can open the TCP window by as much. */
size_t term_flush(struct term *t);

/** Read pending output, at most cap bytes.  Returns the bytes read, 0 if
 *  none is pending, -1 if the program has gone (pty closed). */
long term_read(struct term *t, uint8_t *buf, size_t cap);

/** Drop queued input (session ended). */
void term_drop_input(struct term *t);

/** Stop the program (SIGHUP, then reap). */
void term_stop(struct term *t);

#endif
