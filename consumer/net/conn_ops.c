/* conn_ops: the WebREPL demultiplexer's view of a connection (struct
 * webrepl_ops): room and messages on the connection, terminal input passed
 * to the owner and counted for the acknowledgement, the login verdict, and
 * whether a password may be checked now, with a timer that retries a check
 * the owner's login limit holds back.  See conn.h. */
#include "conn.h"

#include "lwip/sys.h"
#include "lwip/timeouts.h"

static size_t
ops_send_room(void *ctx)
{
  return conn_room((struct conn *)ctx);
}

static int
ops_send(void *ctx, int binary, const uint8_t *data, size_t len)
{
  struct conn *c = (struct conn *)ctx;
  int r = conn_send_msg(c, binary ? WS_OP_BINARY : WS_OP_TEXT, data, len);

  if (r != 0) {
    c->close_req = 1; /* the demux stops after a failed send: end the session */
  }
  return r;
}

static size_t
ops_term_room(void *ctx)
{
  struct conn *c = (struct conn *)ctx;
  return c->logged_in ? c->owner->term_room(c->owner->ctx, c) : 0;
}

static void
ops_term_write(void *ctx, const uint8_t *data, size_t len)
{
  struct conn *c = (struct conn *)ctx;
  c->owner->term_write(c->owner->ctx, c, data, len);
  c->term_unacked += (uint32_t)len;
  c->term_pushed += (uint32_t)len;
}

static void
ops_login(void *ctx, int ok)
{
  struct conn *c = (struct conn *)ctx;

  if (ok) {
    c->logged_in = 1;
  } else {
    c->close_req = 1;
    c->bye = CONN_BYE_DENIED;
  }
  c->owner->login(c->owner->ctx, c, ok);
}

void
conn_login_wake(void *arg)
{
  struct conn *c = (struct conn *)arg;

  c->wake_armed = 0;
  conn_resume(c);
}

/* A whole password came: may it be checked now?  If not, a timer retries. */
static int
ops_may_check(void *ctx)
{
  struct conn *c = (struct conn *)ctx;
  uint32_t wait = c->owner->login_wait(c->owner->ctx, c);

  if (wait == 0) {
    return 1;
  }
  if (!c->wake_armed) {
    c->wake_armed = 1;
    sys_timeout(wait, conn_login_wake, c);
  }
  return 0;
}

void
conn_ops_init(struct conn *c)
{
  c->ops.ctx = c;
  c->ops.send_room = ops_send_room;
  c->ops.send = ops_send;
  c->ops.term_room = ops_term_room;
  c->ops.term_write = ops_term_write;
  c->ops.login = ops_login;
  c->ops.may_check = ops_may_check;
}
