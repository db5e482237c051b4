/* Check tests of consumer/proto/webrepl.c: password, terminal routing and the file
 * protocol, driven through fake ops that record every message sent and every
 * terminal byte. Input is always fed as a session would: never more than
 * webrepl_room() allows. Files live in a fresh temporary root under /tmp. */
#include <check.h>

#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host/file_store.h"
#include "host/files.h"
#include "proto/webrepl.h"

#define NOBODY 65534
#define PLENTY ((size_t)1 << 30)

static const char connected[] = "\r\nWebREPL connected\r\n>>> ";
static const char denied[] = "\r\nAccess denied\r\n";
static const uint8_t ok_reply[4] = { 'W', 'B', 0, 0 };
static const uint8_t version[3] = { WEBREPL_VERSION_MAJOR,
                                    WEBREPL_VERSION_MINOR,
                                    WEBREPL_VERSION_MICRO };

/* ---- fake session ---------------------------------------------------- */

struct msg {
  int binary;
  size_t off, len;
};

struct fake {
  size_t send_room;
  int consume;          /* each send takes its framed size off send_room */
  size_t term_room;
  int fail_at;          /* the fail_at-th send from now fails (0: none) */
  int sends;
  int room_violations;  /* sends larger than send_room */
  uint8_t *out;
  size_t out_len, out_cap;
  struct msg *msgs;
  size_t nmsgs, msgs_cap;
  uint8_t *term;
  size_t term_len, term_cap;
  int logins, login_ok;
  size_t msgs_at_login;
  int hold_checks;      /* may_check says no */
  int checks_asked;
};

static size_t fake_send_room(void *ctx)
{
  return ((struct fake *)ctx)->send_room;
}

static int fake_send(void *ctx, int binary, const uint8_t *data, size_t len)
{
  struct fake *f = ctx;
  size_t framed = len + (len < 126 ? 2 : 4);

  f->sends++;
  if (f->fail_at != 0 && --f->fail_at == 0) {
    return -1;
  }
  if (framed > f->send_room) {
    f->room_violations++;
  }
  if (f->consume) {
    f->send_room = framed > f->send_room ? 0 : f->send_room - framed;
  }
  if (f->out_len + len > f->out_cap) {
    f->out_cap = (f->out_len + len) * 2 + 1024;
    f->out = realloc(f->out, f->out_cap);
    ck_assert(f->out != NULL);
  }
  if (f->nmsgs == f->msgs_cap) {
    f->msgs_cap = f->msgs_cap * 2 + 64;
    f->msgs = realloc(f->msgs, f->msgs_cap * sizeof *f->msgs);
    ck_assert(f->msgs != NULL);
  }
  memcpy(f->out + f->out_len, data, len);
  f->msgs[f->nmsgs].binary = binary;
  f->msgs[f->nmsgs].off = f->out_len;
  f->msgs[f->nmsgs].len = len;
  f->nmsgs++;
  f->out_len += len;
  return 0;
}

static size_t fake_term_room(void *ctx)
{
  return ((struct fake *)ctx)->term_room;
}

static void fake_term_write(void *ctx, const uint8_t *data, size_t len)
{
  struct fake *f = ctx;
  ck_assert_uint_le(len, f->term_room);
  if (f->term_len + len > f->term_cap) {
    f->term_cap = (f->term_len + len) * 2 + 256;
    f->term = realloc(f->term, f->term_cap);
    ck_assert(f->term != NULL);
  }
  memcpy(f->term + f->term_len, data, len);
  f->term_len += len;
}

static void fake_login(void *ctx, int ok)
{
  struct fake *f = ctx;
  f->logins++;
  f->login_ok = ok;
  f->msgs_at_login = f->nmsgs;
}

static int fake_may_check(void *ctx)
{
  struct fake *f = ctx;

  f->checks_asked++;
  return !f->hold_checks;
}

static const struct webrepl_ops fake_ops_template = {
  NULL, fake_send_room, fake_send, fake_term_room, fake_term_write, fake_login,
  fake_may_check
};

/* ---- fixture ---------------------------------------------------------- */

static char base_path[64];     /* made and removed by main() */
static char root_path[128];    /* one per test, below base_path */
static struct files_root root;
static struct fake fk;
static struct webrepl wr;
static int fds_at_start;

static int count_fds(void)
{
  DIR *d = opendir("/proc/self/fd");
  struct dirent *e;
  int n = 0;

  ck_assert(d != NULL);
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] != '.') {
      n++;
    }
  }
  closedir(d);
  return n - 1;
}

static void fake_reset(struct fake *f)
{
  free(f->out);
  free(f->msgs);
  free(f->term);
  memset(f, 0, sizeof *f);
  f->send_room = PLENTY;
  f->term_room = PLENTY;
}

/* Forget what was sent and typed so far. */
static void fake_clear(struct fake *f)
{
  f->out_len = 0;
  f->nmsgs = 0;
  f->term_len = 0;
}

static struct file_store store;

/* r NULL: no file store */
static void init_with(const char *pw, size_t pw_len, struct files_root *r)
{
  struct webrepl_ops ops = fake_ops_template;
  struct webrepl_files files;

  ops.ctx = &fk;
  file_store_init(&store, r, &files);
  webrepl_init(&wr, &ops, (const uint8_t *)pw, pw_len, r != NULL ? &files : NULL);
  ck_assert_int_eq(webrepl_start(&wr), 0);
}

static void setup(void)
{
  snprintf(root_path, sizeof root_path, "%s/XXXXXX", base_path);
  ck_assert(mkdtemp(root_path) != NULL);
  ck_assert_int_eq(files_root_open(&root, root_path), 0);
  memset(&fk, 0, sizeof fk);
  fake_reset(&fk);
  fds_at_start = count_fds();
  init_with("secret", 6, &root);
}


/* Runs only after a passing test; main() removes whatever is left. */
static void teardown(void)
{
  webrepl_close(&wr);
  files_root_close(&root);
  fake_reset(&fk);
  rm_tree(root_path);
}

/* ---- helpers ------------------------------------------------------------ */

static uint32_t xorshift(uint32_t *s)
{
  uint32_t x = *s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *s = x;
  return x;
}

/* Feed one message's payload as a session would: chunks of at most
 * webrepl_room() bytes, further limited to max_chunk (0: no limit) or, with
 * rng, to a random size in 1..max_chunk. Returns the bytes fed (less than
 * len if room dropped to 0). */
static size_t feed(int binary, const void *data, size_t len, size_t max_chunk,
                   uint32_t *rng)
{
  const uint8_t *p = data;
  size_t done = 0;

  while (done < len) {
    size_t room = webrepl_room(&wr, binary);
    size_t n = len - done;
    if (room == 0) {
      break;
    }
    if (max_chunk != 0) {
      size_t lim = rng != NULL ? 1 + xorshift(rng) % max_chunk : max_chunk;
      if (n > lim) {
        n = lim;
      }
    }
    if (n > room) {
      n = room;
    }
    webrepl_input(&wr, binary, p + done, n);
    done += n;
  }
  return done;
}

static void feed_all(int binary, const void *data, size_t len)
{
  ck_assert_uint_eq(feed(binary, data, len, 0, NULL), len);
}

static void feed_str(int binary, const char *s)
{
  feed_all(binary, s, strlen(s));
}

static void mkhdr_raw(uint8_t h[WEBREPL_HDR_SIZE], const char *magic,
                      uint8_t type, uint32_t size, const void *name,
                      size_t name_len, uint16_t fname_len)
{
  memset(h, 0, WEBREPL_HDR_SIZE);
  h[0] = (uint8_t)magic[0];
  h[1] = (uint8_t)magic[1];
  h[2] = type;
  h[3] = 0;
  h[12] = (uint8_t)size;
  h[13] = (uint8_t)(size >> 8);
  h[14] = (uint8_t)(size >> 16);
  h[15] = (uint8_t)(size >> 24);
  h[16] = (uint8_t)fname_len;
  h[17] = (uint8_t)(fname_len >> 8);
  memcpy(h + 18, name, name_len > 64 ? 64 : name_len);
}

static void mkhdr(uint8_t h[WEBREPL_HDR_SIZE], uint8_t type, uint32_t size,
                  const char *name)
{
  mkhdr_raw(h, "WA", type, size, name, strlen(name), (uint16_t)strlen(name));
}

static const uint8_t *msg_data(size_t i)
{
  ck_assert_uint_lt(i, fk.nmsgs);
  return fk.out + fk.msgs[i].off;
}

static void expect_msg(size_t i, int binary, const void *data, size_t len)
{
  ck_assert_uint_lt(i, fk.nmsgs);
  ck_assert_int_eq(fk.msgs[i].binary, binary);
  ck_assert_uint_eq(fk.msgs[i].len, len);
  ck_assert(memcmp(msg_data(i), data, len) == 0);
}

static void expect_text(size_t i, const char *s)
{
  expect_msg(i, 0, s, strlen(s));
}

static void expect_status(size_t i, int status)
{
  uint8_t r[4] = { 'W', 'B', (uint8_t)status, (uint8_t)(status >> 8) };
  ck_assert_msg(i < fk.nmsgs && fk.msgs[i].len == 4 &&
                memcmp(msg_data(i), r, 2) == 0,
                "message %zu is not a WB status", i);
  ck_assert_msg(memcmp(msg_data(i), r, 4) == 0,
                "message %zu: status %d, expected %d", i,
                msg_data(i)[2] | msg_data(i)[3] << 8, status);
  ck_assert_int_eq(fk.msgs[i].binary, 1);
}

static void log_in(void)
{
  feed_str(0, "secret\r");
  ck_assert_int_eq(fk.login_ok, 1);
  ck_assert(webrepl_logged_in(&wr));
  fake_clear(&fk);
}

/* A GET_VER request is answered: the session is usable. */
static void expect_usable(void)
{
  uint8_t h[WEBREPL_HDR_SIZE];
  size_t before = fk.nmsgs;

  mkhdr(h, WEBREPL_GET_VER, 0, "");
  feed_all(1, h, sizeof h);
  ck_assert_uint_eq(fk.nmsgs, before + 1);
  expect_msg(before, 1, version, sizeof version);
}

static void path_of(char *out, size_t cap, const char *rel)
{
  int n = snprintf(out, cap, "%s/%s", root_path, rel);
  ck_assert(n > 0 && (size_t)n < cap);
}

static void mk_file(const char *rel, const void *content, size_t len,
                    mode_t mode)
{
  char p[PATH_MAX];
  int fd;

  path_of(p, sizeof p, rel);
  fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ck_assert(fd >= 0);
  ck_assert(write(fd, content, len) == (ssize_t)len);
  ck_assert_int_eq(fchmod(fd, mode), 0);
  ck_assert_int_eq(close(fd), 0);
}

/* The file's content (malloc'ed, caller frees) and size; NULL if absent. */
static uint8_t *slurp(const char *rel, size_t *len)
{
  char p[PATH_MAX];
  struct stat st;
  uint8_t *buf;
  int fd;

  path_of(p, sizeof p, rel);
  fd = open(p, O_RDONLY);
  if (fd < 0) {
    return NULL;
  }
  ck_assert_int_eq(fstat(fd, &st), 0);
  buf = malloc((size_t)st.st_size + 1);
  ck_assert(buf != NULL);
  ck_assert(read(fd, buf, (size_t)st.st_size) == st.st_size);
  close(fd);
  *len = (size_t)st.st_size;
  return buf;
}

static int count_entries(void)
{
  DIR *d = opendir(root_path);
  struct dirent *e;
  int n = 0;

  ck_assert(d != NULL);
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
      n++;
    }
  }
  closedir(d);
  return n;
}

static uint8_t *random_bytes(size_t len, uint32_t seed)
{
  uint8_t *p = malloc(len + 1);
  size_t i;
  ck_assert(p != NULL);
  for (i = 0; i < len; i++) {
    p[i] = (uint8_t)xorshift(&seed);
  }
  return p;
}

/* ---- password ------------------------------------------------------------ */

/** The prompt, then the right password: "connected" text, login(1), and
 *  terminal input afterwards. */
START_TEST(test_password_right)
{
  expect_text(0, "Password: ");
  ck_assert(!webrepl_logged_in(&wr));
  ck_assert(webrepl_password_pending(&wr));
  feed_str(0, "secr");
  ck_assert(webrepl_password_pending(&wr));
  feed_str(0, "et\r");
  ck_assert(!webrepl_password_pending(&wr));
  ck_assert_uint_eq(fk.nmsgs, 2);
  expect_text(1, connected);
  ck_assert_int_eq(fk.logins, 1);
  ck_assert_int_eq(fk.login_ok, 1);
  ck_assert_uint_eq(fk.msgs_at_login, 2);   /* verdict sent before login() */
  ck_assert(webrepl_logged_in(&wr));
  ck_assert_uint_eq(fk.term_len, 0);
  feed_str(0, "print(1)\r");
  ck_assert_uint_eq(fk.term_len, 9);
  ck_assert(memcmp(fk.term, "print(1)\r", 9) == 0);
  ck_assert_int_eq(fk.room_violations, 0);
}
END_TEST

/** A wrong password: "Access denied", login(0), then every byte of either
 *  type is ignored and nothing more is sent. */
START_TEST(test_password_wrong)
{
  uint8_t h[WEBREPL_HDR_SIZE];

  feed_str(0, "secreT\r");
  ck_assert_uint_eq(fk.nmsgs, 2);
  expect_text(1, denied);
  ck_assert_int_eq(fk.logins, 1);
  ck_assert_int_eq(fk.login_ok, 0);
  ck_assert(!webrepl_logged_in(&wr));
  ck_assert(!webrepl_password_pending(&wr));
  ck_assert_uint_eq(webrepl_room(&wr, 0), SIZE_MAX);
  ck_assert_uint_eq(webrepl_room(&wr, 1), SIZE_MAX);
  feed_str(0, "secret\r");
  feed_str(0, "import os\r");
  mkhdr(h, WEBREPL_GET_VER, 0, "");
  feed_all(1, h, sizeof h);
  ck_assert_uint_eq(fk.nmsgs, 2);
  ck_assert_uint_eq(fk.term_len, 0);
  ck_assert_int_eq(fk.logins, 1);
}
END_TEST

/** A rate-limited check: the password bytes are all taken (typed one per
 *  message, as the browser does), the verdict waits at the terminator with
 *  no input taken meanwhile, and webrepl_retry() gives it once allowed. */
START_TEST(test_password_check_held)
{
  const char *pw = "secret";
  size_t k;

  fk.hold_checks = 1;
  for (k = 0; k < strlen(pw); k++) {
    feed_all(0, pw + k, 1);
  }
  ck_assert_int_eq(fk.checks_asked, 0);
  ck_assert_uint_eq(feed(0, "\r\nx", 3, 0, NULL), 1);  /* stops after '\r' */
  ck_assert_int_eq(fk.checks_asked, 1);
  ck_assert(webrepl_check_held(&wr));
  ck_assert(webrepl_password_pending(&wr));
  ck_assert_uint_eq(webrepl_room(&wr, 0), 0);
  ck_assert_uint_eq(webrepl_room(&wr, 1), 0);
  ck_assert_uint_eq(fk.nmsgs, 1);                /* only the prompt */
  ck_assert_int_eq(fk.logins, 0);
  ck_assert(webrepl_retry(&wr));                 /* still held */
  fk.hold_checks = 0;
  fk.send_room = WEBREPL_SMALL_ROOM - 1;         /* no room for the verdict */
  ck_assert(webrepl_retry(&wr));
  fk.send_room = PLENTY;
  ck_assert(!webrepl_retry(&wr));
  expect_text(1, connected);
  ck_assert_int_eq(fk.login_ok, 1);
  ck_assert(webrepl_logged_in(&wr));
  feed_str(0, "\nx");                           /* CRLF's LF dropped */
  ck_assert_uint_eq(fk.term_len, 1);
  ck_assert_int_eq(fk.room_violations, 0);
}
END_TEST

/** Wrong in several ways: prefix, extension, empty, other case. */
START_TEST(test_password_near_misses)
{
  static const char *const wrong[] = {
    "secre\r", "secrett\r", "\r", "\n", "SECRET\r", "secre\x00\r", " secret\r"
  };
  const char *w = wrong[_i];
  size_t len = _i == 5 ? 7 : strlen(w);

  feed_all(_i % 2, w, len);
  ck_assert_int_eq(fk.login_ok, 0);
  ck_assert_int_eq(fk.logins, 1);
  expect_text(1, denied);
}
END_TEST

/** The password split at every position into two messages of either type,
 *  and byte by byte with alternating types. */
START_TEST(test_password_split)
{
  const char *pw = "secret\r";
  size_t k;
  int types;

  for (types = 0; types < 4; types++) {
    for (k = 0; k <= 7; k++) {
      teardown();
      setup();
      feed_all(types & 1, pw, k);
      ck_assert_int_eq(fk.logins, k == 7);
      feed_all((types >> 1) & 1, pw + k, 7 - k);
      ck_assert_int_eq(fk.logins, 1);
      ck_assert_int_eq(fk.login_ok, 1);
    }
  }
  teardown();
  setup();
  for (k = 0; k < 7; k++) {
    feed_all((int)(k & 1), pw + k, 1);
  }
  ck_assert_int_eq(fk.login_ok, 1);
  expect_text(1, connected);
}
END_TEST

/** Passwords of 1 and 64 bytes, arbitrary bytes, and over-long input: 65
 *  bytes whose first 64 match, and 300 bytes (no overflow). */
START_TEST(test_password_lengths)
{
  char pw64[65];
  char in[400];
  size_t k;

  webrepl_close(&wr);
  init_with("x", 1, &root);
  feed_str(1, "x\n");
  ck_assert_int_eq(fk.login_ok, 1);

  fake_reset(&fk);
  webrepl_close(&wr);
  init_with("x", 1, &root);
  feed_str(0, "xx\r");
  ck_assert_int_eq(fk.login_ok, 0);

  for (k = 0; k < 64; k++) {
    pw64[k] = (char)(0x21 + (k * 7) % 90);
  }
  pw64[64] = '\0';
  fake_reset(&fk);
  webrepl_close(&wr);
  init_with(pw64, 64, &root);
  memcpy(in, pw64, 64);
  in[64] = '\r';
  feed_all(0, in, 65);
  ck_assert_int_eq(fk.login_ok, 1);

  fake_reset(&fk);
  webrepl_close(&wr);
  init_with(pw64, 64, &root);
  memcpy(in, pw64, 64);
  in[64] = 'z';
  in[65] = '\r';
  feed_all(0, in, 66);
  ck_assert_int_eq(fk.logins, 1);
  ck_assert_int_eq(fk.login_ok, 0);

  fake_reset(&fk);
  webrepl_close(&wr);
  init_with(pw64, 64, &root);
  for (k = 0; k < 300; k++) {
    in[k] = pw64[k % 64];
  }
  in[300] = '\r';
  feed_all(1, in, 301);
  ck_assert_int_eq(fk.logins, 1);
  ck_assert_int_eq(fk.login_ok, 0);

  /* any byte but CR and LF may be part of a password, NUL included */
  fake_reset(&fk);
  webrepl_close(&wr);
  init_with("a\0\xff", 3, &root);
  feed_all(1, "a\0\xff\r", 4);
  ck_assert_int_eq(fk.login_ok, 1);
}
END_TEST

/** A password length outside 1..64 at init denies every login. */
START_TEST(test_password_unconfigured)
{
  char pw65[66];

  webrepl_close(&wr);
  init_with("", 0, &root);
  feed_str(0, "\r");
  ck_assert_int_eq(fk.login_ok, 0);
  ck_assert_int_eq(fk.logins, 1);

  memset(pw65, 'p', 65);
  pw65[65] = '\r';
  fake_reset(&fk);
  webrepl_close(&wr);
  init_with(pw65, 65, &root);
  feed_all(0, pw65, 66);
  ck_assert_int_eq(fk.logins, 1);
  ck_assert_int_eq(fk.login_ok, 0);

  pw65[64] = '\r';                   /* its first 64 bytes do not do either */
  fake_reset(&fk);
  webrepl_close(&wr);
  init_with(pw65, 65, &root);
  feed_all(0, pw65, 65);
  ck_assert_int_eq(fk.logins, 1);
  ck_assert_int_eq(fk.login_ok, 0);
}
END_TEST

/** CR, LF and CRLF end the password; the LF of a CRLF is dropped (also when
 *  it comes in a later message, or in a binary one), any other byte after
 *  the terminator is input. */
START_TEST(test_terminators)
{
  uint8_t h[WEBREPL_HDR_SIZE];

  switch (_i) {
  case 0:   /* CR */
    feed_str(0, "secret\ra");
    ck_assert_uint_eq(fk.term_len, 1);
    ck_assert_int_eq(fk.term[0], 'a');
    break;
  case 1:   /* LF: a second LF is input */
    feed_str(0, "secret\n\nb");
    ck_assert_uint_eq(fk.term_len, 2);
    ck_assert(memcmp(fk.term, "\nb", 2) == 0);
    break;
  case 2:   /* CRLF in one chunk */
    feed_str(0, "secret\r\nc");
    ck_assert_uint_eq(fk.term_len, 1);
    ck_assert_int_eq(fk.term[0], 'c');
    break;
  case 3:   /* CRLF split over messages */
    feed_str(0, "secret\r");
    feed_str(0, "\n");
    feed_str(0, "\nd");
    ck_assert_uint_eq(fk.term_len, 2);
    ck_assert(memcmp(fk.term, "\nd", 2) == 0);
    break;
  case 4:   /* CR CR: the second CR is input */
    feed_str(0, "secret\r\r");
    ck_assert_uint_eq(fk.term_len, 1);
    ck_assert_int_eq(fk.term[0], '\r');
    break;
  case 5:   /* binary CRLF, then a request */
    feed_str(1, "secret\r\n");
    fake_clear(&fk);
    mkhdr(h, WEBREPL_GET_VER, 0, "");
    feed_all(1, h, sizeof h);
    ck_assert_uint_eq(fk.nmsgs, 1);
    expect_msg(0, 1, version, 3);
    break;
  default:  /* CR, then a request (no LF to drop) */
    feed_str(1, "secret\r");
    fake_clear(&fk);
    expect_usable();
    break;
  }
  ck_assert_int_eq(fk.login_ok, 1);
}
END_TEST

/** webrepl_cli.py pipelines GET_VER right behind the password: the bytes
 *  after the terminator in the same chunk are a request. */
START_TEST(test_pipelined_get_ver)
{
  uint8_t msg[7 + WEBREPL_HDR_SIZE];
  size_t first;

  memcpy(msg, "secret\r", 7);
  mkhdr(msg + 7, WEBREPL_GET_VER, 0, "");
  ck_assert_uint_eq(webrepl_room(&wr, 1), 1 + WEBREPL_HDR_SIZE);
  ck_assert_uint_eq(webrepl_room(&wr, 0), 1);
  /* one chunk: the password, its terminator and part of the request */
  first = webrepl_room(&wr, 1);
  webrepl_input(&wr, 1, msg, first);
  ck_assert_int_eq(fk.login_ok, 1);
  ck_assert_uint_eq(fk.nmsgs, 2);
  feed_all(1, msg + first, sizeof msg - first);
  ck_assert_uint_eq(fk.nmsgs, 3);
  expect_text(1, connected);
  expect_msg(2, 1, version, 3);
  /* the terminator and the whole request in one chunk */
  teardown();
  setup();
  feed_str(1, "secret");
  ck_assert_uint_eq(webrepl_room(&wr, 1), 1 + WEBREPL_HDR_SIZE);
  webrepl_input(&wr, 1, msg + 6, 1 + WEBREPL_HDR_SIZE);
  ck_assert_uint_eq(fk.nmsgs, 3);
  expect_msg(2, 1, version, 3);
  ck_assert_int_eq(fk.room_violations, 0);
}
END_TEST

/** Terminal input reaches term_write only after login, limited by
 *  term_room, also while file transfers run. */
START_TEST(test_terminal_routing)
{
  uint8_t h[WEBREPL_HDR_SIZE];

  feed_str(0, "sec");
  ck_assert_uint_eq(fk.term_len, 0);
  feed_str(0, "ret\r");
  fk.term_room = 0;
  ck_assert_uint_eq(webrepl_room(&wr, 0), 0);
  fk.term_room = 5;
  ck_assert_uint_eq(webrepl_room(&wr, 0), 5);
  ck_assert_uint_eq(feed(0, "abcdefgh", 8, 0, NULL), 8);
  ck_assert_uint_eq(fk.term_len, 8);
  ck_assert(memcmp(fk.term, "abcdefgh", 8) == 0);
  fk.term_room = PLENTY;
  /* during a PUT, text is terminal input and binary is file data */
  mkhdr(h, WEBREPL_PUT_FILE, 4, "t.txt");
  feed_all(1, h, sizeof h);
  feed_str(1, "ab");
  feed_str(0, "\x03");
  feed_str(1, "cd");
  ck_assert_uint_eq(fk.term_len, 9);
  ck_assert_int_eq(fk.term[8], 3);
  {
    size_t len;
    uint8_t *c = slurp("t.txt", &len);
    ck_assert(c != NULL);
    ck_assert_uint_eq(len, 4);
    ck_assert(memcmp(c, "abcd", 4) == 0);
    free(c);
  }
}
END_TEST

/* ---- file protocol: requests ------------------------------------------- */

/** GET_VER: one 3-byte binary message, no "WB". */
START_TEST(test_get_ver)
{
  log_in();
  expect_usable();
  ck_assert_uint_eq(fk.nmsgs, 1);
  expect_usable();
  ck_assert_uint_eq(fk.nmsgs, 2);
}
END_TEST

/** A request header split into two messages at every position, and fed one
 *  byte per message. */
START_TEST(test_header_split_everywhere)
{
  uint8_t h[WEBREPL_HDR_SIZE];
  size_t p, k;

  log_in();
  mkhdr(h, WEBREPL_GET_VER, 0, "");
  for (p = 1; p < WEBREPL_HDR_SIZE; p++) {
    fake_clear(&fk);
    feed_all(1, h, p);
    ck_assert_uint_eq(fk.nmsgs, 0);
    feed_all(1, h + p, sizeof h - p);
    ck_assert_uint_eq(fk.nmsgs, 1);
    expect_msg(0, 1, version, 3);
  }
  fake_clear(&fk);
  for (k = 0; k < WEBREPL_HDR_SIZE; k++) {
    feed_all(1, h + k, 1);
  }
  ck_assert_uint_eq(fk.nmsgs, 1);
  /* a GET header split at every position */
  mk_file("g", "G", 1, 0644);
  mkhdr(h, WEBREPL_GET_FILE, 0, "g");
  for (p = 1; p < WEBREPL_HDR_SIZE; p++) {
    fake_clear(&fk);
    feed_all(1, h, p);
    feed_all(1, h + p, sizeof h - p);
    feed_all(1, "\0", 1);
    feed_all(1, "\0", 1);
    ck_assert_uint_eq(fk.nmsgs, 4);
    expect_msg(0, 1, ok_reply, 4);
    expect_msg(1, 1, "\x01\x00G", 3);
    expect_msg(2, 1, "\0\0", 2);
    expect_msg(3, 1, ok_reply, 4);
  }
}
END_TEST

/** Streams of requests (GET_VER, PUT, GET) cut into random chunks (seeded):
 *  every request is answered. */
START_TEST(test_header_random_chunks)
{
  enum { REQS = 12 };
  uint8_t stream[REQS * (WEBREPL_HDR_SIZE + 8)];
  uint32_t rng = 0x9e3779b9u + (uint32_t)_i;
  size_t len = 0, r;
  int iter;

  log_in();
  for (r = 0; r < REQS; r++) {
    mkhdr(stream + len, WEBREPL_GET_VER, 0, "");
    len += WEBREPL_HDR_SIZE;
  }
  for (iter = 0; iter < 50; iter++) {
    fake_clear(&fk);
    ck_assert_uint_eq(feed(1, stream, len, 1 + iter % 97, &rng), len);
    ck_assert_uint_eq(fk.nmsgs, REQS);
    for (r = 0; r < REQS; r++) {
      expect_msg(r, 1, version, 3);
    }
  }
  /* PUT headers with their data, chunked at random */
  for (iter = 0; iter < 50; iter++) {
    char name[16];
    size_t n;
    uint8_t *c;
    len = 0;
    snprintf(name, sizeof name, "p%d", iter);
    mkhdr(stream, WEBREPL_PUT_FILE, 8, name);
    memcpy(stream + WEBREPL_HDR_SIZE, "01234567", 8);
    mkhdr(stream + WEBREPL_HDR_SIZE + 8, WEBREPL_GET_VER, 0, "");
    len = 2 * WEBREPL_HDR_SIZE + 8;
    fake_clear(&fk);
    ck_assert_uint_eq(feed(1, stream, len, 1 + xorshift(&rng) % 100, &rng),
                      len);
    ck_assert_uint_eq(fk.nmsgs, 3);
    expect_msg(0, 1, ok_reply, 4);
    expect_msg(1, 1, ok_reply, 4);
    expect_msg(2, 1, version, 3);
    c = slurp(name, &n);
    ck_assert(c != NULL);
    ck_assert_uint_eq(n, 8);
    ck_assert(memcmp(c, "01234567", 8) == 0);
    free(c);
  }
  ck_assert_int_eq(fk.room_violations, 0);
}
END_TEST

/** Protocol errors (unknown type, bad magic, fname_len > 64) get their own
 *  "WB" status, leave no file open and the session usable. */
START_TEST(test_protocol_errors)
{
  uint8_t h[WEBREPL_HDR_SIZE];
  static const uint8_t types[] = { 0, 4, 9, 0xff };
  size_t k;

  log_in();
  for (k = 0; k < sizeof types; k++) {
    fake_clear(&fk);
    mkhdr(h, types[k], 0, "x");
    feed_all(1, h, sizeof h);
    ck_assert_uint_eq(fk.nmsgs, 1);
    expect_status(0, WEBREPL_STATUS_BAD_TYPE);
    expect_usable();
  }
  fake_clear(&fk);
  mkhdr_raw(h, "XA", WEBREPL_GET_VER, 0, "", 0, 0);
  feed_all(1, h, sizeof h);
  expect_status(0, WEBREPL_STATUS_BAD_MAGIC);
  expect_usable();
  fake_clear(&fk);
  mkhdr_raw(h, "WB", WEBREPL_GET_FILE, 0, "x", 1, 1);
  feed_all(1, h, sizeof h);
  expect_status(0, WEBREPL_STATUS_BAD_MAGIC);
  expect_usable();
  fake_clear(&fk);
  mk_file("x", "X", 1, 0644);
  mkhdr_raw(h, "WA", WEBREPL_GET_FILE, 0, "x", 1, 65);
  feed_all(1, h, sizeof h);
  expect_status(0, WEBREPL_STATUS_BAD_NAME_LEN);
  expect_usable();
  fake_clear(&fk);
  mkhdr_raw(h, "WA", WEBREPL_PUT_FILE, 10, "x", 1, 0xffff);
  feed_all(1, h, sizeof h);
  expect_status(0, WEBREPL_STATUS_BAD_NAME_LEN);
  expect_usable();
  /* fname_len 0: an empty name */
  fake_clear(&fk);
  mkhdr_raw(h, "WA", WEBREPL_GET_FILE, 0, "x", 1, 0);
  feed_all(1, h, sizeof h);
  expect_status(0, FILES_BAD_NAME);
  expect_usable();
  ck_assert_int_eq(count_fds(), fds_at_start);
  ck_assert_int_eq(count_entries(), 1);
}
END_TEST

/** Without a file root, file requests are refused, GET_VER still works. */
START_TEST(test_no_root)
{
  uint8_t h[WEBREPL_HDR_SIZE];

  webrepl_close(&wr);
  fake_reset(&fk);
  init_with("secret", 6, NULL);
  log_in();
  mkhdr(h, WEBREPL_GET_FILE, 0, "x");
  feed_all(1, h, sizeof h);
  expect_status(0, WEBREPL_STATUS_NO_ROOT);
  mkhdr(h, WEBREPL_PUT_FILE, 3, "x");
  feed_all(1, h, sizeof h);
  expect_status(1, WEBREPL_STATUS_NO_ROOT);
  expect_usable();
}
END_TEST

/* ---- PUT ------------------------------------------------------------------ */

/** PUT of 0 bytes: both replies at once, an empty file. */
START_TEST(test_put_zero)
{
  uint8_t h[WEBREPL_HDR_SIZE];
  size_t n;
  uint8_t *c;

  log_in();
  mkhdr(h, WEBREPL_PUT_FILE, 0, "empty.py");
  feed_all(1, h, sizeof h);
  ck_assert_uint_eq(fk.nmsgs, 2);
  expect_msg(0, 1, ok_reply, 4);
  expect_msg(1, 1, ok_reply, 4);
  c = slurp("empty.py", &n);
  ck_assert(c != NULL);
  ck_assert_uint_eq(n, 0);
  free(c);
  ck_assert_int_eq(count_entries(), 1);
  expect_usable();
}
END_TEST

/** PUT of 1 MB in random chunks (and, like the clients, in 1024-byte ones):
 *  the file is byte-identical, no temporary file is left. */
START_TEST(test_put_1mb)
{
  enum { SIZE = 1 << 20 };
  uint8_t h[WEBREPL_HDR_SIZE];
  uint8_t *data = random_bytes(SIZE, 0xc0ffee + (uint32_t)_i);
  uint32_t rng = 77 + (uint32_t)_i;
  size_t n;
  uint8_t *c;

  log_in();
  mk_file("big.bin", "old", 3, 0644);
  mkhdr(h, WEBREPL_PUT_FILE, SIZE, "big.bin");
  feed_all(1, h, sizeof h);
  ck_assert_uint_eq(fk.nmsgs, 1);
  expect_msg(0, 1, ok_reply, 4);
  if (_i == 0) {
    ck_assert_uint_eq(feed(1, data, SIZE / 2, 3000, &rng), SIZE / 2);
  } else {
    ck_assert_uint_eq(feed(1, data, SIZE / 2, 1024, NULL), SIZE / 2);
  }
  c = slurp("big.bin", &n);                /* old content until the end */
  ck_assert_uint_eq(n, 3);
  free(c);
  ck_assert_uint_eq(fk.nmsgs, 1);
  ck_assert_uint_eq(feed(1, data + SIZE / 2, SIZE / 2, 1024, _i ? NULL : &rng),
                    SIZE / 2);
  ck_assert_uint_eq(fk.nmsgs, 2);
  expect_msg(1, 1, ok_reply, 4);
  c = slurp("big.bin", &n);
  ck_assert(c != NULL);
  ck_assert_uint_eq(n, SIZE);
  ck_assert(memcmp(c, data, SIZE) == 0);
  free(c);
  free(data);
  ck_assert_int_eq(count_entries(), 1);
  ck_assert_int_eq(count_fds(), fds_at_start);
  expect_usable();
}
END_TEST

/** PUT refused at open: "WB" + the status, no data expected afterwards
 *  (both clients stop), the next request is understood. */
START_TEST(test_put_open_failure)
{
  static const struct {
    const char *name;
    int status;
  } cases[] = {
    { "nodir/x.py", FILES_NOT_FOUND },
    { "/abs.py", FILES_ABSOLUTE },
    { "../up.py", FILES_DOTDOT },
    { "d", FILES_NOT_REGULAR },
    { "d/", FILES_BAD_NAME },
  };
  uint8_t h[WEBREPL_HDR_SIZE];
  size_t k;
  char p[PATH_MAX];

  path_of(p, sizeof p, "d");
  ck_assert_int_eq(mkdir(p, 0755), 0);
  log_in();
  for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    fake_clear(&fk);
    mkhdr(h, WEBREPL_PUT_FILE, 1000, cases[k].name);
    feed_all(1, h, sizeof h);
    ck_assert_uint_eq(fk.nmsgs, 1);
    expect_status(0, cases[k].status);
    expect_usable();
  }
  ck_assert_int_eq(count_entries(), 1);
  ck_assert_int_eq(count_fds(), fds_at_start);
}
END_TEST

/** A PUT cut short by webrepl_close (connection lost): no file, no
 *  temporary file, an existing file untouched, no descriptor left. */
START_TEST(test_put_aborted)
{
  uint8_t h[WEBREPL_HDR_SIZE];
  uint8_t *data = random_bytes(5000, 3);
  size_t n;
  uint8_t *c;

  log_in();
  if (_i == 1) {
    mk_file("up.bin", "previous", 8, 0644);
  }
  mkhdr(h, WEBREPL_PUT_FILE, 5000, "up.bin");
  feed_all(1, h, sizeof h);
  feed_all(1, data, 2500);
  ck_assert_int_eq(count_entries(), 1 + _i);   /* the temporary file */
  webrepl_close(&wr);
  webrepl_close(&wr);
  ck_assert(!webrepl_logged_in(&wr));
  ck_assert_uint_eq(webrepl_room(&wr, 1), SIZE_MAX);
  webrepl_input(&wr, 1, data + 2500, 2500);
  ck_assert_uint_eq(fk.nmsgs, 1);
  ck_assert_int_eq(count_entries(), _i);
  c = slurp("up.bin", &n);
  if (_i == 0) {
    ck_assert(c == NULL);
  } else {
    ck_assert(c != NULL);
    ck_assert_uint_eq(n, 8);
    ck_assert(memcmp(c, "previous", 8) == 0);
  }
  free(c);
  free(data);
  ck_assert_int_eq(count_fds(), fds_at_start);
}
END_TEST

/* Child of test_put_write_error: a PUT beyond RLIMIT_FSIZE. Returns 0 or
 * the failing check's number. */
static int put_write_error_checks(void)
{
  struct rlimit rl = { 4096, 4096 };
  uint8_t h[WEBREPL_HDR_SIZE];
  static uint8_t data[10000];
  uint8_t v[WEBREPL_HDR_SIZE];

  signal(SIGXFSZ, SIG_IGN);
  if (setrlimit(RLIMIT_FSIZE, &rl) != 0) {
    return 100;
  }
  mkhdr(h, WEBREPL_PUT_FILE, sizeof data, "full.bin");
  webrepl_input(&wr, 1, h, sizeof h);
  if (fk.nmsgs != 1) {
    return 1;
  }
  if (feed(1, data, sizeof data, 1024, NULL) != sizeof data) {
    return 2;
  }
  if (fk.nmsgs != 2 || fk.out_len != 8 ||
      memcmp(fk.out + 4, "WB", 2) != 0 ||
      fk.out[6] != FILES_NO_SPACE || fk.out[7] != 0) {
    return 3;
  }
  if (count_entries() != 0) {
    return 4;
  }
  mkhdr(v, WEBREPL_GET_VER, 0, "");
  webrepl_input(&wr, 1, v, sizeof v);
  if (fk.nmsgs != 3 || fk.msgs[2].len != 3) {
    return 5;
  }
  return 0;
}

/** A write error mid-PUT (disk full, simulated with RLIMIT_FSIZE): the rest
 *  of the data is consumed, the final reply carries FILES_NO_SPACE, no file
 *  is left, the session stays usable. */
START_TEST(test_put_write_error)
{
  pid_t pid;
  int ws;

  log_in();
  pid = fork();
  ck_assert(pid >= 0);
  if (pid == 0) {
    _exit(put_write_error_checks());
  }
  ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
  ck_assert(WIFEXITED(ws));
  ck_assert_msg(WEXITSTATUS(ws) == 0, "check %d failed", WEXITSTATUS(ws));
}
END_TEST

/* ---- GET ------------------------------------------------------------------- */

/* GET name, requesting chunks one byte at a time; checks the framing and
 * returns the content (malloc'ed) and its size. */
static uint8_t *get_file(const char *name, size_t *size)
{
  uint8_t h[WEBREPL_HDR_SIZE];
  uint8_t *buf = NULL;
  size_t len = 0;
  size_t i;

  fake_clear(&fk);
  mkhdr(h, WEBREPL_GET_FILE, 0, name);
  feed_all(1, h, sizeof h);
  ck_assert_uint_eq(fk.nmsgs, 1);
  expect_msg(0, 1, ok_reply, 4);
  for (i = 1;; i++) {
    const uint8_t *m;
    size_t sz;
    feed_all(1, "\0", 1);
    ck_assert_uint_ge(fk.nmsgs, i + 1);
    ck_assert_int_eq(fk.msgs[i].binary, 1);
    m = msg_data(i);
    ck_assert_uint_ge(fk.msgs[i].len, 2);
    sz = (size_t)m[0] | (size_t)m[1] << 8;
    ck_assert_uint_eq(fk.msgs[i].len, 2 + sz);   /* one message per chunk */
    ck_assert_uint_le(sz, WEBREPL_CHUNK_MAX);
    if (sz == 0) {
      break;
    }
    buf = realloc(buf, len + sz + 1);
    ck_assert(buf != NULL);
    memcpy(buf + len, m + 2, sz);
    len += sz;
  }
  ck_assert_uint_eq(fk.nmsgs, i + 2);
  expect_msg(i + 1, 1, ok_reply, 4);
  *size = len;
  return buf;
}

/** GET of 0, 1, 255, 256, 257, 512 bytes and 1 MB: full chunks of 256, the
 *  rest in the last one, "00 00", then "WB 00 00". */
START_TEST(test_get_sizes)
{
  static const size_t sizes[] = { 0, 1, 255, 256, 257, 512, 1 << 20 };
  size_t size = sizes[_i];
  uint8_t *data = random_bytes(size, 1000 + (uint32_t)_i);
  uint8_t *got;
  size_t n;

  log_in();
  mk_file("f.bin", data, size, 0644);
  got = get_file("f.bin", &n);
  ck_assert_uint_eq(n, size);
  ck_assert_uint_eq(fk.nmsgs, 1 + (size + 255) / 256 + 2);
  if (size > 0) {
    ck_assert(memcmp(got, data, size) == 0);
    ck_assert_uint_eq(fk.msgs[1].len, 2 + (size < 256 ? size : 256));
  }
  free(got);
  free(data);
  ck_assert_int_eq(count_fds(), fds_at_start);
  ck_assert_int_eq(fk.room_violations, 0);
  expect_usable();
}
END_TEST

/** Backpressure: a GET chunk request waits for WEBREPL_CHUNK_ROOM of send
 *  room; requests and password bytes wait for WEBREPL_SMALL_ROOM; nothing
 *  is ever sent beyond the room. */
START_TEST(test_backpressure)
{
  uint8_t h[WEBREPL_HDR_SIZE];
  uint8_t *data = random_bytes(600, 5);
  uint8_t *c;
  size_t n;

  fk.send_room = WEBREPL_SMALL_ROOM - 1;
  ck_assert_uint_eq(webrepl_room(&wr, 0), 0);
  ck_assert_uint_eq(webrepl_room(&wr, 1), 0);
  fk.send_room = WEBREPL_SMALL_ROOM;
  ck_assert_uint_eq(webrepl_room(&wr, 1), 1);
  log_in();
  fk.consume = 1;
  mk_file("g.bin", data, 600, 0644);
  mkhdr(h, WEBREPL_GET_FILE, 0, "g.bin");
  /* header: all but the reply-triggering byte while room is short */
  fk.send_room = WEBREPL_SMALL_ROOM - 1;
  ck_assert_uint_eq(webrepl_room(&wr, 1), WEBREPL_HDR_SIZE - 1);
  ck_assert_uint_eq(feed(1, h, sizeof h, 0, NULL), WEBREPL_HDR_SIZE - 1);
  ck_assert_uint_eq(fk.nmsgs, 0);
  ck_assert_uint_eq(webrepl_room(&wr, 1), 0);
  fk.send_room = WEBREPL_SMALL_ROOM;
  feed_all(1, h + WEBREPL_HDR_SIZE - 1, 1);
  expect_msg(0, 1, ok_reply, 4);
  /* chunk requests */
  fk.send_room = WEBREPL_CHUNK_ROOM - 1;
  ck_assert_uint_eq(webrepl_room(&wr, 1), 0);
  ck_assert_uint_eq(feed(1, "\0", 1, 0, NULL), 0);
  ck_assert_uint_eq(fk.nmsgs, 1);
  fk.term_room = 7;
  ck_assert_uint_eq(webrepl_room(&wr, 0), 7);   /* text is not held */
  fk.send_room = WEBREPL_CHUNK_ROOM;
  ck_assert_uint_eq(webrepl_room(&wr, 1), 1);
  ck_assert_uint_eq(feed(1, "\0\0\0", 3, 0, NULL), 1);  /* room used up */
  ck_assert_uint_eq(fk.nmsgs, 2);
  ck_assert_uint_eq(fk.msgs[1].len, 258);
  for (n = 0; n < 3; n++) {
    fk.send_room = WEBREPL_CHUNK_ROOM;
    feed_all(1, "\0", 1);
  }
  ck_assert_uint_eq(fk.nmsgs, 6);
  expect_msg(4, 1, "\0\0", 2);
  expect_msg(5, 1, ok_reply, 4);
  ck_assert_int_eq(fk.room_violations, 0);
  /* PUT: the last data byte waits for room for the final reply */
  fake_clear(&fk);
  fk.send_room = WEBREPL_SMALL_ROOM;
  mkhdr(h, WEBREPL_PUT_FILE, 10, "p.bin");
  feed_all(1, h, sizeof h);
  fk.send_room = 0;
  ck_assert_uint_eq(webrepl_room(&wr, 1), 9);
  ck_assert_uint_eq(feed(1, data, 10, 0, NULL), 9);
  fk.send_room = WEBREPL_SMALL_ROOM;
  ck_assert_uint_eq(webrepl_room(&wr, 1), 1);
  feed_all(1, data + 9, 1);
  expect_msg(1, 1, ok_reply, 4);
  c = slurp("p.bin", &n);
  ck_assert_uint_eq(n, 10);
  ck_assert(memcmp(c, data, 10) == 0);
  free(c);
  free(data);
  ck_assert_int_eq(fk.room_violations, 0);
}
END_TEST

/** GET refused: missing file, directory, bad names, a symlink leading out
 *  of the root; each answered with its status, the session stays usable.
 *  A symlink inside the root is followed (openat2) or refused (walk). */
START_TEST(test_get_errors)
{
  uint8_t h[WEBREPL_HDR_SIZE];
  int walk = root.walk;
  struct {
    const char *name;
    int status;
  } cases[] = {
    { "missing.py", FILES_NOT_FOUND },
    { "d", FILES_NOT_REGULAR },
    { "../etc/passwd", FILES_DOTDOT },
    { "d/../f", FILES_DOTDOT },
    { "/etc/passwd", FILES_ABSOLUTE },
    { "", FILES_BAD_NAME },
    { "out", FILES_OUTSIDE_ROOT },
    { "outdir/passwd", FILES_OUTSIDE_ROOT },
  };
  size_t k;
  char p[PATH_MAX];

  if (_i == 1) {
    root.walk = walk = 1;
  }
  path_of(p, sizeof p, "d");
  ck_assert_int_eq(mkdir(p, 0755), 0);
  path_of(p, sizeof p, "out");
  ck_assert_int_eq(symlink("/etc/passwd", p), 0);
  path_of(p, sizeof p, "outdir");
  ck_assert_int_eq(symlink("../../../../../../../etc", p), 0);
  path_of(p, sizeof p, "in");
  ck_assert_int_eq(symlink("f", p), 0);
  mk_file("f", "inside", 6, 0644);
  log_in();
  for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    int want = cases[k].status;
    if (walk && want == FILES_OUTSIDE_ROOT) {
      want = FILES_SYMLINK;
    }
    fake_clear(&fk);
    mkhdr(h, WEBREPL_GET_FILE, 0, cases[k].name);
    feed_all(1, h, sizeof h);
    ck_assert_uint_eq(fk.nmsgs, 1);
    expect_status(0, want);
    expect_usable();
    ck_assert_int_eq(count_fds(), fds_at_start);
  }
  fake_clear(&fk);
  mkhdr(h, WEBREPL_GET_FILE, 0, "in");
  feed_all(1, h, sizeof h);
  if (walk) {
    expect_status(0, FILES_SYMLINK);
  } else {
    uint8_t *c;
    size_t n;
    expect_msg(0, 1, ok_reply, 4);
    feed_all(1, "\0", 1);
    feed_all(1, "\0", 1);
    expect_msg(1, 1, "\x06\x00inside", 8);
    expect_msg(3, 1, ok_reply, 4);
    c = get_file("in", &n);
    ck_assert_uint_eq(n, 6);
    free(c);
  }
  expect_usable();
}
END_TEST

/* Child of test_no_permission; returns 0 or the failing check. */
static int permission_checks(void)
{
  uint8_t h[WEBREPL_HDR_SIZE];

  fake_clear(&fk);
  mkhdr(h, WEBREPL_GET_FILE, 0, "secret");
  webrepl_input(&wr, 1, h, sizeof h);
  if (fk.nmsgs != 1 || fk.out[2] != FILES_PERMISSION) {
    return 1;
  }
  mkhdr(h, WEBREPL_PUT_FILE, 5, "ro/x");
  webrepl_input(&wr, 1, h, sizeof h);
  if (fk.nmsgs != 2 || fk.out[6] != FILES_PERMISSION) {
    return 2;
  }
  mkhdr(h, WEBREPL_GET_VER, 0, "");
  webrepl_input(&wr, 1, h, sizeof h);
  if (fk.nmsgs != 3 || fk.msgs[2].len != 3) {
    return 3;
  }
  return 0;
}

/** No permission (chmod 000 file, read-only directory): "WB" +
 *  FILES_PERMISSION. As root (which bypasses permission checks) this runs
 *  in a child switched to uid/gid 65534. */
START_TEST(test_no_permission)
{
  char p[PATH_MAX];
  int rc;

  ck_assert_int_eq(chmod(root_path, 0755), 0);
  mk_file("secret", "s", 1, 0000);
  path_of(p, sizeof p, "ro");
  ck_assert_int_eq(mkdir(p, 0555), 0);
  log_in();
  rc = run_unprivileged(permission_checks);
  ck_assert_msg(rc == 0, "permission check %d failed", rc);
}
END_TEST

/* ---- failures of the session ------------------------------------------------- */

/** A failed send (connection going away) stops everything: a PUT whose
 *  first reply fails leaves no temporary file; later input is ignored. */
START_TEST(test_send_failure)
{
  uint8_t h[WEBREPL_HDR_SIZE];

  log_in();
  mkhdr(h, WEBREPL_PUT_FILE, 100, "f.bin");
  fk.fail_at = 1;
  feed_all(1, h, sizeof h);
  ck_assert_uint_eq(fk.nmsgs, 0);
  ck_assert(!webrepl_logged_in(&wr));
  ck_assert_int_eq(count_entries(), 0);
  ck_assert_int_eq(count_fds(), fds_at_start);
  feed_str(0, "typed");
  ck_assert_uint_eq(fk.term_len, 0);
}
END_TEST

/** The login verdict cannot be sent: no login() call, input ignored. */
START_TEST(test_send_failure_login)
{
  fk.fail_at = 1;
  feed_str(0, "secret\rabc");
  ck_assert_int_eq(fk.logins, 0);
  ck_assert_uint_eq(fk.term_len, 0);
  ck_assert(!webrepl_logged_in(&wr));
}
END_TEST

/** A failed chunk send mid-GET closes the file. */
START_TEST(test_send_failure_get)
{
  uint8_t h[WEBREPL_HDR_SIZE];
  uint8_t *data = random_bytes(1000, 9);

  mk_file("g", data, 1000, 0644);
  log_in();
  mkhdr(h, WEBREPL_GET_FILE, 0, "g");
  feed_all(1, h, sizeof h);
  feed_all(1, "\0", 1);
  fk.fail_at = 1;
  feed_all(1, "\0", 1);
  ck_assert_uint_eq(fk.nmsgs, 2);
  ck_assert_int_eq(count_fds(), fds_at_start);
  ck_assert_uint_eq(webrepl_room(&wr, 1), SIZE_MAX);
  free(data);
}
END_TEST

/** Status texts: distinct for the protocol statuses, files' texts for the
 *  rest. */
START_TEST(test_status_str)
{
  ck_assert_str_ne(webrepl_status_str(WEBREPL_STATUS_BAD_MAGIC),
                   webrepl_status_str(WEBREPL_STATUS_BAD_TYPE));
  ck_assert_str_ne(webrepl_status_str(WEBREPL_STATUS_BAD_NAME_LEN),
                   webrepl_status_str(WEBREPL_STATUS_NO_ROOT));
  ck_assert_str_ne(webrepl_status_str(WEBREPL_STATUS_BAD_TYPE),
                   "unknown status");
  ck_assert_str_eq(webrepl_status_str(FILES_NOT_FOUND), "unknown status");
  ck_assert_str_eq(webrepl_status_str(1000), "unknown status");
}
END_TEST

static Suite *webrepl_suite(void)
{
  Suite *s = suite_create("webrepl");
  TCase *tc = tcase_create("webrepl");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, test_password_right);
  tcase_add_test(tc, test_password_wrong);
  tcase_add_test(tc, test_password_check_held);
  tcase_add_loop_test(tc, test_password_near_misses, 0, 7);
  tcase_add_test(tc, test_password_split);
  tcase_add_test(tc, test_password_lengths);
  tcase_add_test(tc, test_password_unconfigured);
  tcase_add_loop_test(tc, test_terminators, 0, 7);
  tcase_add_test(tc, test_pipelined_get_ver);
  tcase_add_test(tc, test_terminal_routing);
  tcase_add_test(tc, test_get_ver);
  tcase_add_test(tc, test_header_split_everywhere);
  tcase_add_loop_test(tc, test_header_random_chunks, 0, 3);
  tcase_add_test(tc, test_protocol_errors);
  tcase_add_test(tc, test_no_root);
  tcase_add_test(tc, test_put_zero);
  tcase_add_loop_test(tc, test_put_1mb, 0, 2);
  tcase_add_test(tc, test_put_open_failure);
  tcase_add_loop_test(tc, test_put_aborted, 0, 2);
  tcase_add_test(tc, test_put_write_error);
  tcase_add_loop_test(tc, test_get_sizes, 0, 7);
  tcase_add_test(tc, test_backpressure);
  tcase_add_loop_test(tc, test_get_errors, 0, 2);
  tcase_add_test(tc, test_no_permission);
  tcase_add_test(tc, test_send_failure);
  tcase_add_test(tc, test_send_failure_login);
  tcase_add_test(tc, test_send_failure_get);
  tcase_add_test(tc, test_status_str);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  strcpy(base_path, "/tmp/webrepl-test-XXXXXX");
  return run_suite_in_tmpdir(webrepl_suite, base_path);
}
