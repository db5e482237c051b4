/* webrepl: the WebREPL demultiplexer. See webrepl.h for the protocol. */
#include "webrepl.h"

#include <stdint.h>
#include <string.h>

static const char webrepl_prompt[] = "Password: ";
static const char webrepl_connected[] = "\r\nWebREPL connected\r\n>>> ";
static const char webrepl_denied[] = "\r\nAccess denied\r\n";

/* Byte offsets in the request header (struct "<2sBBQLH64s"). */
enum {
  WEBREPL_OFF_TYPE = 2,
  WEBREPL_OFF_SIZE = 12,
  WEBREPL_OFF_FNAME_LEN = 16,
  WEBREPL_OFF_FNAME = 18
};

static void webrepl_wipe(uint8_t *p, size_t n)
{
  volatile uint8_t *v = p;
  while (n-- > 0) {
    *v++ = 0;
  }
}

/* Enter the closed state: abort a PUT, close a GET, drop secrets. */
/* Close the session's file, if any. */
static void webrepl_file_close(struct webrepl *w)
{
  if (w->have_files) {
    w->files.close(w->files.ctx);
  }
}

static void webrepl_stop(struct webrepl *w)
{
  webrepl_file_close(w);
  webrepl_wipe(w->entered, sizeof w->entered);
  w->entered_len = 0;
  w->state = WEBREPL_ST_CLOSED;
}

/* Send one message. Returns 0, or -1 after stopping w (send failed). */
static int webrepl_send(struct webrepl *w, int binary, const uint8_t *data,
                        size_t len)
{
  if (w->ops.send(w->ops.ctx, binary, data, len) != 0) {
    webrepl_stop(w);
    return -1;
  }
  return 0;
}

static int webrepl_send_text(struct webrepl *w, const char *s, size_t len)
{
  return webrepl_send(w, 0, (const uint8_t *)s, len);
}

/* "WB" + u16le status. */
static int webrepl_reply(struct webrepl *w, int status)
{
  uint8_t r[4];
  r[0] = 'W';
  r[1] = 'B';
  r[2] = (uint8_t)(status & 0xff);
  r[3] = (uint8_t)((status >> 8) & 0xff);
  return webrepl_send(w, 1, r, sizeof r);
}

void webrepl_init(struct webrepl *w, const struct webrepl_ops *ops,
                  const uint8_t *password, size_t pw_len,
                  const struct webrepl_files *files)
{
  memset(w, 0, sizeof *w);
  w->ops = *ops;
  if (files != NULL) {
    w->files = *files;
    w->have_files = 1;
  }
  w->state = WEBREPL_ST_PASSWORD;
  if (password != NULL && pw_len >= 1 && pw_len <= WEBREPL_PASSWORD_MAX) {
    memcpy(w->password, password, pw_len);
    w->password_len = pw_len;
  }
}

int webrepl_start(struct webrepl *w)
{
  return webrepl_send_text(w, webrepl_prompt, sizeof webrepl_prompt - 1);
}

/* Constant-time comparison of the entered password: the loop always covers
 * the whole buffers (both zero beyond their lengths). */
static int webrepl_password_ok(const struct webrepl *w)
{
  unsigned diff = 0;
  size_t i;

  for (i = 0; i < WEBREPL_PASSWORD_MAX; i++) {
    diff |= (unsigned)(w->entered[i] ^ w->password[i]);
  }
  diff |= (unsigned)(w->entered_len ^ w->password_len);
  diff |= (unsigned)(w->password_len == 0);
  return diff == 0;
}

/* The password is complete: check it, answer, tell the session. */
static void webrepl_verdict(struct webrepl *w)
{
  int ok = webrepl_password_ok(w);

  webrepl_wipe(w->entered, sizeof w->entered);
  w->entered_len = 0;
  if (ok) {
    w->state = WEBREPL_ST_HEADER;
    w->hdr_len = 0;
    if (webrepl_send_text(w, webrepl_connected,
                          sizeof webrepl_connected - 1) == 0) {
      w->ops.login(w->ops.ctx, 1);
    }
  } else {
    w->state = WEBREPL_ST_DENIED;
    if (webrepl_send_text(w, webrepl_denied, sizeof webrepl_denied - 1) == 0) {
      w->ops.login(w->ops.ctx, 0);
    }
  }
}

static int webrepl_may_check(struct webrepl *w)
{
  return w->ops.may_check == NULL || w->ops.may_check(w->ops.ctx) != 0;
}

/* Password bytes; returns the bytes consumed (up to and including the
 * terminator). */
static size_t webrepl_password_input(struct webrepl *w, const uint8_t *data,
                                     size_t len)
{
  size_t i;

  for (i = 0; i < len; i++) {
    uint8_t c = data[i];
    if (c == '\r' || c == '\n') {
      break;
    }
    if (w->entered_len < sizeof w->entered) {
      w->entered[w->entered_len++] = c;
    }
  }
  if (i == len) {
    return len;
  }
  w->swallow_lf = data[i] == '\r';
  w->state = WEBREPL_ST_CHECK;
  if (webrepl_may_check(w)) {
    webrepl_verdict(w);     /* webrepl_room() made sure the reply fits */
  }
  return i + 1;
}

int webrepl_retry(struct webrepl *w)
{
  if (w->state == WEBREPL_ST_CHECK &&
      w->ops.send_room(w->ops.ctx) >= WEBREPL_SMALL_ROOM &&
      webrepl_may_check(w)) {
    webrepl_verdict(w);
  }
  return webrepl_check_held(w);
}

/* End a PUT: commit (or report the error met on the way), reply, back to
 * waiting for a header. */
static void webrepl_put_finish(struct webrepl *w)
{
  int st = w->put_status;

  if (st == 0) {
    st = w->files.commit(w->files.ctx);
  }
  webrepl_file_close(w);
  w->state = WEBREPL_ST_HEADER;
  (void)webrepl_reply(w, st);
}

static void webrepl_put_start(struct webrepl *w, const uint8_t *name,
                              size_t name_len, uint32_t size)
{
  int st = w->files.open_write(w->files.ctx, name, name_len);

  if (st != 0) {
    (void)webrepl_reply(w, st);       /* the client sends no data now */
    return;
  }
  w->put_left = size;
  w->put_status = 0;
  w->state = WEBREPL_ST_PUT;
  if (webrepl_reply(w, 0) != 0) {
    return;
  }
  if (size == 0) {
    webrepl_put_finish(w);
  }
}

static void webrepl_get_start(struct webrepl *w, const uint8_t *name,
                              size_t name_len)
{
  int st = w->files.open_read(w->files.ctx, name, name_len);

  if (st != 0) {
    (void)webrepl_reply(w, st);
    return;
  }
  w->state = WEBREPL_ST_GET;
  (void)webrepl_reply(w, 0);
}

/* A whole header arrived: act on it. */
static void webrepl_request(struct webrepl *w)
{
  const uint8_t *h = w->hdr;
  uint8_t type = h[WEBREPL_OFF_TYPE];
  uint32_t size = (uint32_t)h[WEBREPL_OFF_SIZE] |
                  (uint32_t)h[WEBREPL_OFF_SIZE + 1] << 8 |
                  (uint32_t)h[WEBREPL_OFF_SIZE + 2] << 16 |
                  (uint32_t)h[WEBREPL_OFF_SIZE + 3] << 24;
  size_t name_len = (size_t)h[WEBREPL_OFF_FNAME_LEN] |
                    (size_t)h[WEBREPL_OFF_FNAME_LEN + 1] << 8;

  w->hdr_len = 0;
  if (h[0] != 'W' || h[1] != 'A') {
    (void)webrepl_reply(w, WEBREPL_STATUS_BAD_MAGIC);
    return;
  }
  if (type == WEBREPL_GET_VER) {
    uint8_t v[3];
    v[0] = WEBREPL_VERSION_MAJOR;
    v[1] = WEBREPL_VERSION_MINOR;
    v[2] = WEBREPL_VERSION_MICRO;
    (void)webrepl_send(w, 1, v, sizeof v);
    return;
  }
  if (type != WEBREPL_PUT_FILE && type != WEBREPL_GET_FILE) {
    (void)webrepl_reply(w, WEBREPL_STATUS_BAD_TYPE);
    return;
  }
  if (name_len > WEBREPL_HDR_SIZE - WEBREPL_OFF_FNAME) {
    (void)webrepl_reply(w, WEBREPL_STATUS_BAD_NAME_LEN);
    return;
  }
  if (!w->have_files) {
    (void)webrepl_reply(w, WEBREPL_STATUS_NO_ROOT);
    return;
  }
  if (type == WEBREPL_PUT_FILE) {
    webrepl_put_start(w, h + WEBREPL_OFF_FNAME, name_len, size);
  } else {
    webrepl_get_start(w, h + WEBREPL_OFF_FNAME, name_len);
  }
}

static size_t webrepl_header_input(struct webrepl *w, const uint8_t *data,
                                   size_t len)
{
  size_t n = WEBREPL_HDR_SIZE - w->hdr_len;

  if (n > len) {
    n = len;
  }
  memcpy(w->hdr + w->hdr_len, data, n);
  w->hdr_len += n;
  if (w->hdr_len == WEBREPL_HDR_SIZE) {
    webrepl_request(w);
  }
  return n;
}

static size_t webrepl_put_input(struct webrepl *w, const uint8_t *data,
                                size_t len)
{
  size_t n = w->put_left;

  if (n > len) {
    n = len;
  }
  if (w->put_status == 0) {
    w->put_status = w->files.write(w->files.ctx, data, n);
    if (w->put_status != 0) {
      webrepl_file_close(w);          /* removes the temporary file now */
    }
  }
  w->put_left -= (uint32_t)n;
  if (w->put_left == 0) {
    webrepl_put_finish(w);
  }
  return n;
}

/* One chunk request (the byte's value does not matter). */
static void webrepl_get_request(struct webrepl *w)
{
  long n = w->files.read(w->files.ctx, w->chunk + 2, WEBREPL_CHUNK_MAX);

  if (n > 0) {
    w->chunk[0] = (uint8_t)(n & 0xff);
    w->chunk[1] = (uint8_t)((n >> 8) & 0xff);
    (void)webrepl_send(w, 1, w->chunk, 2 + (size_t)n);
    return;
  }
  webrepl_file_close(w);
  w->state = WEBREPL_ST_HEADER;
  w->chunk[0] = 0;
  w->chunk[1] = 0;
  if (webrepl_send(w, 1, w->chunk, 2) == 0) {
    (void)webrepl_reply(w, n == 0 ? 0 : (int)-n);
  }
}

size_t webrepl_room(struct webrepl *w, int binary)
{
  size_t send_room;

  switch (w->state) {
  case WEBREPL_ST_DENIED:
  case WEBREPL_ST_CLOSED:
    return SIZE_MAX;
  case WEBREPL_ST_CHECK:
    return 0;
  case WEBREPL_ST_PASSWORD:
    send_room = w->ops.send_room(w->ops.ctx);
    if (send_room < WEBREPL_SMALL_ROOM) {
      return 0;
    }
    /* After the terminator come at most one header's bytes. */
    return binary && send_room >= 2 * WEBREPL_SMALL_ROOM
           ? 1 + WEBREPL_HDR_SIZE : 1;
  default:
    break;
  }
  if (!binary) {
    return w->ops.term_room(w->ops.ctx);
  }
  send_room = w->ops.send_room(w->ops.ctx);
  switch (w->state) {
  case WEBREPL_ST_HEADER:
    return WEBREPL_HDR_SIZE - w->hdr_len -
           (send_room >= WEBREPL_SMALL_ROOM ? 0 : 1);
  case WEBREPL_ST_PUT:
    return (size_t)w->put_left - (send_room >= WEBREPL_SMALL_ROOM ? 0 : 1);
  case WEBREPL_ST_GET:
    return send_room >= WEBREPL_CHUNK_ROOM ? 1 : 0;
  default:
    return 0;
  }
}

void webrepl_input(struct webrepl *w, int binary, const uint8_t *data,
                   size_t len)
{
  size_t i = 0;

  while (i < len) {
    switch (w->state) {
    case WEBREPL_ST_DENIED:
    case WEBREPL_ST_CLOSED:
    case WEBREPL_ST_CHECK:
      return;
    case WEBREPL_ST_PASSWORD:
      i += webrepl_password_input(w, data + i, len - i);
      continue;
    default:
      break;
    }
    if (w->swallow_lf) {
      w->swallow_lf = 0;
      if (data[i] == '\n') {
        i++;
        continue;
      }
    }
    if (!binary) {
      w->ops.term_write(w->ops.ctx, data + i, len - i);
      return;
    }
    switch (w->state) {
    case WEBREPL_ST_HEADER:
      i += webrepl_header_input(w, data + i, len - i);
      break;
    case WEBREPL_ST_PUT:
      i += webrepl_put_input(w, data + i, len - i);
      break;
    case WEBREPL_ST_GET:
      webrepl_get_request(w);
      i++;
      break;
    default:
      return;
    }
  }
}

int webrepl_password_pending(const struct webrepl *w)
{
  return w->state == WEBREPL_ST_PASSWORD || w->state == WEBREPL_ST_CHECK;
}

int webrepl_check_held(const struct webrepl *w)
{
  return w->state == WEBREPL_ST_CHECK;
}

int webrepl_logged_in(const struct webrepl *w)
{
  return w->state == WEBREPL_ST_HEADER || w->state == WEBREPL_ST_PUT ||
         w->state == WEBREPL_ST_GET;
}

void webrepl_close(struct webrepl *w)
{
  webrepl_stop(w);
  w->put_left = 0;
  w->hdr_len = 0;
}

const char *webrepl_status_str(int status)
{
  switch (status) {
  case WEBREPL_STATUS_BAD_MAGIC: return "request does not start with \"WA\"";
  case WEBREPL_STATUS_BAD_TYPE: return "unknown request type";
  case WEBREPL_STATUS_BAD_NAME_LEN: return "file name longer than 64 bytes";
  case WEBREPL_STATUS_NO_ROOT: return "no file directory configured";
  default: return "unknown status";
  }
}
