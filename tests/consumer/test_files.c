/* Check tests of consumer/host/files.c: names confined to a root directory,
 * reading, atomic writing, error statuses. Each test gets a fresh temporary
 * root under /tmp (removed afterwards). Tests that depend on the resolution
 * mode run twice: _i == 0 with openat2 when the kernel has it, _i == 1 with
 * the component walk (files_root.walk = 1). */
#include <check.h>

#include "testutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "host/files.h"

#define NOBODY 65534

static char base_path[64];     /* made and removed by main() */
static char root_path[128];    /* one per test, below base_path */
static struct files_root root;

#define N(s) (const uint8_t *)(s), strlen(s)

static void path_of(char *out, size_t cap, const char *rel)
{
  int n = snprintf(out, cap, "%s/%s", root_path, rel);
  ck_assert(n > 0 && (size_t)n < cap);
}

static void mk_file(const char *rel, const char *content, mode_t mode)
{
  char p[PATH_MAX];
  int fd;
  size_t len = strlen(content);

  path_of(p, sizeof p, rel);
  fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  ck_assert_msg(fd >= 0, "create %s: %s", p, strerror(errno));
  ck_assert(write(fd, content, len) == (ssize_t)len);
  ck_assert_int_eq(fchmod(fd, mode), 0);
  ck_assert_int_eq(close(fd), 0);
}

static void mk_dir(const char *rel, mode_t mode)
{
  char p[PATH_MAX];
  path_of(p, sizeof p, rel);
  ck_assert_int_eq(mkdir(p, mode), 0);
  ck_assert_int_eq(chmod(p, mode), 0);
}

static void mk_link(const char *rel, const char *target)
{
  char p[PATH_MAX];
  path_of(p, sizeof p, rel);
  ck_assert_int_eq(symlink(target, p), 0);
}

/* File content as a NUL-terminated string in buf; -1 if it cannot be read. */
static long slurp(const char *rel, char *buf, size_t cap)
{
  char p[PATH_MAX];
  int fd;
  ssize_t n;

  path_of(p, sizeof p, rel);
  fd = open(p, O_RDONLY);
  if (fd < 0) {
    return -1;
  }
  n = read(fd, buf, cap - 1);
  close(fd);
  if (n < 0) {
    return -1;
  }
  buf[n] = '\0';
  return (long)n;
}

static int exists(const char *rel)
{
  char p[PATH_MAX];
  struct stat st;
  path_of(p, sizeof p, rel);
  return lstat(p, &st) == 0;
}

/* Entries of a directory below the root ("" for the root), "." and ".."
 * not counted; -1 on error. */
static int count_entries(const char *rel)
{
  char p[PATH_MAX];
  DIR *d;
  struct dirent *e;
  int n = 0;

  path_of(p, sizeof p, rel);
  d = opendir(p);
  if (d == NULL) {
    return -1;
  }
  while ((e = readdir(d)) != NULL) {
    if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
      n++;
    }
  }
  closedir(d);
  return n;
}

/* Open descriptors of this process. */
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
  return n - 1;   /* opendir's own */
}


static void setup(void)
{
  int rc;
  snprintf(root_path, sizeof root_path, "%s/XXXXXX", base_path);
  ck_assert(mkdtemp(root_path) != NULL);
  rc = files_root_open(&root, root_path);
  ck_assert_int_eq(rc, 0);
}

/* Runs only after a passing test; main() removes whatever is left. */
static void teardown(void)
{
  files_root_close(&root);
  rm_tree(root_path);
}

/* Resolution mode for loop tests; returns 1 if the walk is in force. */
static int use_mode(int i)
{
  if (i == 1) {
    root.walk = 1;
  }
  return root.walk;
}

/* Read the whole file through the module. */
static long get_all(const char *name, char *buf, size_t cap)
{
  struct files_handle h;
  long total = 0;
  int st = files_open_read(&root, N(name), &h);

  if (st != FILES_OK) {
    return -st;
  }
  for (;;) {
    long n = files_read(&h, (uint8_t *)buf + total, cap - 1 - (size_t)total);
    ck_assert(n >= 0);
    if (n == 0) {
      break;
    }
    total += n;
  }
  buf[total] = '\0';
  files_close(&h);
  return total;
}

static int put_all(const char *name, const char *content)
{
  struct files_handle h;
  int st = files_open_write(&root, N(name), &h);
  if (st != FILES_OK) {
    return st;
  }
  st = files_write(&h, (const uint8_t *)content, strlen(content));
  if (st != FILES_OK) {
    files_close(&h);
    return st;
  }
  return files_commit(&h);
}

/** files_root_open reports errno values and tolerates double close. */
START_TEST(test_root_open_errors)
{
  struct files_root r;
  char p[PATH_MAX];

  ck_assert_int_eq(files_root_open(&r, "/nonexistent/files-test"), ENOENT);
  ck_assert_int_eq(r.dirfd, -1);
  mk_file("plain", "x", 0644);
  path_of(p, sizeof p, "plain");
  ck_assert_int_eq(files_root_open(&r, p), ENOTDIR);
  ck_assert_int_eq(files_root_open(&r, root_path), 0);
  ck_assert(r.dirfd >= 0);
  files_root_close(&r);
  ck_assert_int_eq(r.dirfd, -1);
  files_root_close(&r);
}
END_TEST

struct name_case {
  const char *name;
  size_t len;     /* 0: strlen(name) */
  int status;
};

/** Spelling rules: refused names, normalised names, for GET and PUT. */
START_TEST(test_name_rules)
{
  static const struct name_case cases[] = {
    { "", 0, FILES_BAD_NAME },
    { "a\0b", 3, FILES_BAD_NAME },
    { "f\0", 2, FILES_BAD_NAME },
    { "\0", 1, FILES_BAD_NAME },
    { "/f", 0, FILES_ABSOLUTE },
    { "/", 0, FILES_ABSOLUTE },
    { "//f", 0, FILES_ABSOLUTE },
    { "..", 0, FILES_DOTDOT },
    { "../f", 0, FILES_DOTDOT },
    { "a/../f", 0, FILES_DOTDOT },
    { "a/..", 0, FILES_DOTDOT },
    { "./../f", 0, FILES_DOTDOT },
    { "a/", 0, FILES_BAD_NAME },
    { "a//", 0, FILES_BAD_NAME },
    { ".", 0, FILES_BAD_NAME },
    { "./", 0, FILES_BAD_NAME },
    { "a/.", 0, FILES_BAD_NAME },
    { "f", 0, FILES_OK },
    { "./f", 0, FILES_OK },
    { "a//b", 0, FILES_OK },
    { "a/./b", 0, FILES_OK },
    { ".//a/.//b", 0, FILES_OK },
    { "..f", 0, FILES_OK },
  };
  char long_name[FILES_NAME_MAX + 2];
  char buf[64];
  size_t k;

  use_mode(_i);
  mk_file("f", "F", 0644);
  mk_file("..f", "DF", 0644);
  mk_dir("a", 0755);
  mk_file("a/b", "AB", 0644);
  for (k = 0; k < sizeof cases / sizeof cases[0]; k++) {
    const struct name_case *c = &cases[k];
    size_t len = c->len ? c->len : strlen(c->name);
    struct files_handle h;
    int st = files_open_read(&root, (const uint8_t *)c->name, len, &h);
    ck_assert_msg(st == c->status, "GET case %zu: got %d want %d", k, st,
                  c->status);
    ck_assert_int_eq(files_is_open(&h), st == FILES_OK);
    files_close(&h);
    if (c->status != FILES_OK) {
      st = files_open_write(&root, (const uint8_t *)c->name, len, &h);
      ck_assert_msg(st == c->status, "PUT case %zu: got %d want %d", k, st,
                    c->status);
      ck_assert(!files_is_open(&h));
    }
  }
  ck_assert_int_eq(get_all("a//b", buf, sizeof buf), 2);
  ck_assert_str_eq(buf, "AB");
  /* 64 bytes is the limit, 65 is too long */
  memset(long_name, 'n', sizeof long_name);
  long_name[FILES_NAME_MAX] = '\0';
  ck_assert_int_eq(put_all(long_name, "long"), FILES_OK);
  ck_assert_int_eq(get_all(long_name, buf, sizeof buf), 4);
  long_name[FILES_NAME_MAX] = 'n';
  long_name[FILES_NAME_MAX + 1] = '\0';
  ck_assert_int_eq(get_all(long_name, buf, sizeof buf), -FILES_BAD_NAME);
  ck_assert_int_eq(put_all(long_name, "x"), FILES_BAD_NAME);
}
END_TEST

/** Control bytes (below 0x20, and 0x7f) in a name are refused with their own
 *  status for GET and PUT, in any component; nothing is created. */
START_TEST(test_control_bytes_refused)
{
  static const char *const names[] = {
    "\001w.txt", "a\033[31mred", "two\nlines", "tab\tname", "del\177",
    "cr\r", "dir\037/f", "d/\002",
  };
  char bad[2] = { 0, 0 };
  size_t k;
  int c;

  use_mode(_i);
  mk_dir("d", 0755);
  for (k = 0; k < sizeof names / sizeof names[0]; k++) {
    const uint8_t *n = (const uint8_t *)names[k];
    struct files_handle h;
    ck_assert_int_eq(files_open_write(&root, n, strlen(names[k]), &h), FILES_CONTROL_CHAR);
    ck_assert(!files_is_open(&h));
    ck_assert_int_eq(files_open_read(&root, n, strlen(names[k]), &h), FILES_CONTROL_CHAR);
  }
  for (c = 1; c < 0x20; c++) {
    bad[0] = (char)c;
    ck_assert_int_eq(put_all(bad, "x"), FILES_CONTROL_CHAR);
  }
  bad[0] = 0x7f;
  ck_assert_int_eq(put_all(bad, "x"), FILES_CONTROL_CHAR);
  ck_assert_int_eq(count_entries(""), 1);   /* only "d" */
  /* bytes from 0x80 up (UTF-8 names) are still names */
  ck_assert_int_eq(put_all("caf\xc3\xa9", "x"), FILES_OK);
}
END_TEST

/** Reading returns the bytes in order, a short count at the end, then 0. */
START_TEST(test_read_chunks)
{
  struct files_handle h;
  uint8_t buf[8];

  use_mode(_i);
  mk_dir("d", 0755);
  mk_file("d/hello", "hello", 0644);
  ck_assert_int_eq(files_open_read(&root, N("d/hello"), &h), FILES_OK);
  ck_assert_int_eq(files_read(&h, buf, 2), 2);
  ck_assert(memcmp(buf, "he", 2) == 0);
  ck_assert_int_eq(files_read(&h, buf, 2), 2);
  ck_assert(memcmp(buf, "ll", 2) == 0);
  ck_assert_int_eq(files_read(&h, buf, 2), 1);
  ck_assert_int_eq(buf[0], 'o');
  ck_assert_int_eq(files_read(&h, buf, 2), 0);
  files_close(&h);
  ck_assert(!files_is_open(&h));
  mk_file("empty", "", 0644);
  ck_assert_int_eq(files_open_read(&root, N("empty"), &h), FILES_OK);
  ck_assert_int_eq(files_read(&h, buf, sizeof buf), 0);
  files_close(&h);
}
END_TEST

/** Missing files and missing or non-directory path components. */
START_TEST(test_not_found)
{
  char buf[8];

  use_mode(_i);
  mk_file("f", "x", 0644);
  ck_assert_int_eq(get_all("nope", buf, sizeof buf), -FILES_NOT_FOUND);
  ck_assert_int_eq(get_all("nodir/x", buf, sizeof buf), -FILES_NOT_FOUND);
  ck_assert_int_eq(get_all("f/x", buf, sizeof buf), -FILES_NOT_FOUND);
  ck_assert_int_eq(put_all("nodir/x", "y"), FILES_NOT_FOUND);
  ck_assert_int_eq(put_all("f/x", "y"), FILES_NOT_FOUND);
  ck_assert_int_eq(count_entries(""), 1);
}
END_TEST

/** Directories, FIFOs and sockets are refused (a FIFO without blocking). */
START_TEST(test_not_regular)
{
  char buf[8];
  char p[PATH_MAX];
  int fds = count_fds();

  use_mode(_i);
  mk_dir("dir", 0755);
  path_of(p, sizeof p, "fifo");
  ck_assert_int_eq(mkfifo(p, 0644), 0);
  ck_assert_int_eq(get_all("dir", buf, sizeof buf), -FILES_NOT_REGULAR);
  ck_assert_int_eq(get_all("fifo", buf, sizeof buf), -FILES_NOT_REGULAR);
  ck_assert_int_eq(put_all("dir", "x"), FILES_NOT_REGULAR);
  ck_assert_int_eq(put_all("fifo", "x"), FILES_NOT_REGULAR);
  ck_assert_int_eq(count_fds(), fds);
  ck_assert_int_eq(count_entries(""), 2);
}
END_TEST

/** Symbolic links leading out of the root are refused, for GET and PUT,
 *  as directory components and as the last component. */
START_TEST(test_symlink_outside)
{
  int walk = use_mode(_i);
  int out_st = walk ? FILES_SYMLINK : FILES_OUTSIDE_ROOT;
  char buf[64];
  int fds = count_fds();

  mk_dir("a", 0755);
  mk_link("abs", "/etc/passwd");
  mk_link("absdir", "/etc");
  mk_link("up", "../../../../../../../../etc");
  mk_link("a/up2", "../../etc/passwd");
  mk_link("loop", "loop");
  ck_assert_int_eq(get_all("abs", buf, sizeof buf), -out_st);
  ck_assert_int_eq(get_all("absdir/passwd", buf, sizeof buf), -out_st);
  ck_assert_int_eq(get_all("up/passwd", buf, sizeof buf), -out_st);
  ck_assert_int_eq(get_all("a/up2", buf, sizeof buf), -out_st);
  ck_assert_int_eq(get_all("loop", buf, sizeof buf), -FILES_SYMLINK);
  ck_assert_int_eq(put_all("up/webrepl-test-must-not-exist", "x"), out_st);
  ck_assert_int_eq(put_all("absdir/webrepl-test-must-not-exist", "x"),
                   out_st);
  /* PUT never writes through a link, whatever it points to */
  ck_assert_int_eq(put_all("abs", "x"), FILES_SYMLINK);
  ck_assert_int_eq(put_all("a/up2", "x"), FILES_SYMLINK);
  ck_assert_int_eq(put_all("loop", "x"), FILES_SYMLINK);
  ck_assert(access("/etc/webrepl-test-must-not-exist", F_OK) != 0);
  ck_assert_int_eq(count_fds(), fds);
}
END_TEST

/** Symbolic links that stay inside the root: followed with openat2 (GET,
 *  and directories on a PUT's way), refused by the walk. */
START_TEST(test_symlink_inside)
{
  int walk = use_mode(_i);
  char buf[64];

  mk_file("f", "FILE", 0644);
  mk_dir("a", 0755);
  mk_file("a/b", "AB", 0644);
  mk_link("lnk", "f");
  mk_link("dl", "a");
  mk_link("a/upf", "../f");
  if (walk) {
    ck_assert_int_eq(get_all("lnk", buf, sizeof buf), -FILES_SYMLINK);
    ck_assert_int_eq(get_all("dl/b", buf, sizeof buf), -FILES_SYMLINK);
    ck_assert_int_eq(get_all("a/upf", buf, sizeof buf), -FILES_SYMLINK);
    ck_assert_int_eq(put_all("dl/new", "NEW"), FILES_SYMLINK);
    ck_assert(!exists("a/new"));
  } else {
    ck_assert_int_eq(get_all("lnk", buf, sizeof buf), 4);
    ck_assert_str_eq(buf, "FILE");
    ck_assert_int_eq(get_all("dl/b", buf, sizeof buf), 2);
    ck_assert_str_eq(buf, "AB");
    ck_assert_int_eq(get_all("a/upf", buf, sizeof buf), 4);
    ck_assert_int_eq(put_all("dl/new", "NEW"), FILES_OK);
    ck_assert_int_eq(slurp("a/new", buf, sizeof buf), 3);
    ck_assert_str_eq(buf, "NEW");
  }
  /* a link as PUT target is refused in both modes; it stays a link */
  ck_assert_int_eq(put_all("lnk", "x"), FILES_SYMLINK);
  ck_assert_int_eq(slurp("f", buf, sizeof buf), 4);
  ck_assert_str_eq(buf, "FILE");
}
END_TEST

/** A new file appears only at commit; until then only a temporary file
 *  exists; afterwards no temporary file is left. */
START_TEST(test_put_new)
{
  struct files_handle h;
  char buf[64];

  use_mode(_i);
  mk_dir("d", 0755);
  ck_assert_int_eq(files_open_write(&root, N("d/new.py"), &h), FILES_OK);
  ck_assert(files_is_open(&h));
  ck_assert_int_eq(files_write(&h, (const uint8_t *)"print(", 6), FILES_OK);
  ck_assert_int_eq(files_write(&h, (const uint8_t *)"1)\n", 3), FILES_OK);
  ck_assert_int_eq(files_write(&h, (const uint8_t *)"", 0), FILES_OK);
  ck_assert(!exists("d/new.py"));
  ck_assert_int_eq(count_entries("d"), 1);           /* the temporary file */
  ck_assert_int_eq(files_commit(&h), FILES_OK);
  ck_assert(!files_is_open(&h));
  ck_assert_int_eq(count_entries("d"), 1);
  ck_assert_int_eq(slurp("d/new.py", buf, sizeof buf), 9);
  ck_assert_str_eq(buf, "print(1)\n");
}
END_TEST

/** Replacing a file: the old content stays until commit, its permission
 *  bits are kept. */
START_TEST(test_put_replace)
{
  struct files_handle h;
  char buf[64];
  char p[PATH_MAX];
  struct stat st;

  use_mode(_i);
  mk_file("f", "old", 0640);
  ck_assert_int_eq(files_open_write(&root, N("f"), &h), FILES_OK);
  ck_assert_int_eq(files_write(&h, (const uint8_t *)"new data", 8), FILES_OK);
  ck_assert_int_eq(slurp("f", buf, sizeof buf), 3);
  ck_assert_str_eq(buf, "old");
  ck_assert_int_eq(files_commit(&h), FILES_OK);
  ck_assert_int_eq(slurp("f", buf, sizeof buf), 8);
  ck_assert_str_eq(buf, "new data");
  path_of(p, sizeof p, "f");
  ck_assert_int_eq(stat(p, &st), 0);
  ck_assert_int_eq(st.st_mode & 07777, 0640);
  ck_assert_int_eq(count_entries(""), 1);
}
END_TEST

/** Aborting leaves neither the target nor a temporary file; an existing
 *  target is untouched. */
START_TEST(test_put_abort)
{
  struct files_handle h;
  char buf[64];
  int fds = count_fds();

  use_mode(_i);
  mk_file("keep", "original", 0644);
  ck_assert_int_eq(files_open_write(&root, N("gone"), &h), FILES_OK);
  ck_assert_int_eq(files_write(&h, (const uint8_t *)"partial", 7), FILES_OK);
  files_close(&h);
  files_close(&h);
  ck_assert(!exists("gone"));
  ck_assert_int_eq(files_open_write(&root, N("keep"), &h), FILES_OK);
  ck_assert_int_eq(files_write(&h, (const uint8_t *)"partial", 7), FILES_OK);
  files_close(&h);
  ck_assert_int_eq(slurp("keep", buf, sizeof buf), 8);
  ck_assert_str_eq(buf, "original");
  ck_assert_int_eq(count_entries(""), 1);
  ck_assert_int_eq(count_fds(), fds);
}
END_TEST

/** A PUT of zero bytes creates (or empties) the file. */
START_TEST(test_put_zero)
{
  struct files_handle h;
  char buf[8];

  ck_assert_int_eq(files_open_write(&root, N("z"), &h), FILES_OK);
  ck_assert_int_eq(files_commit(&h), FILES_OK);
  ck_assert_int_eq(slurp("z", buf, sizeof buf), 0);
  mk_file("y", "content", 0644);
  ck_assert_int_eq(put_all("y", ""), FILES_OK);
  ck_assert_int_eq(slurp("y", buf, sizeof buf), 0);
}
END_TEST

/** Two writers of one name get distinct temporary files; the last commit
 *  wins. */
START_TEST(test_put_concurrent)
{
  struct files_handle h1, h2;
  char buf[8];

  ck_assert_int_eq(files_open_write(&root, N("c"), &h1), FILES_OK);
  ck_assert_int_eq(files_open_write(&root, N("c"), &h2), FILES_OK);
  ck_assert_str_ne(h1.tmp, h2.tmp);
  ck_assert_int_eq(files_write(&h1, (const uint8_t *)"1", 1), FILES_OK);
  ck_assert_int_eq(files_write(&h2, (const uint8_t *)"2", 1), FILES_OK);
  ck_assert_int_eq(files_commit(&h1), FILES_OK);
  ck_assert_int_eq(files_commit(&h2), FILES_OK);
  ck_assert_int_eq(slurp("c", buf, sizeof buf), 1);
  ck_assert_str_eq(buf, "2");
  ck_assert_int_eq(count_entries(""), 1);
}
END_TEST

/* Permission checks as an unprivileged user; returns 0 or the failing
 * check's number. */
static int permission_checks(void)
{
  struct files_handle h;
  uint8_t b[4];

  if (files_open_read(&root, N("secret"), &h) != FILES_PERMISSION) {
    return 1;
  }
  if (files_open_write(&root, N("ro/x"), &h) != FILES_PERMISSION) {
    return 2;
  }
  if (files_open_write(&root, N("rof"), &h) != FILES_PERMISSION) {
    return 3;
  }
  if (files_open_write(&root, N("noexec/x"), &h) != FILES_PERMISSION) {
    return 4;
  }
  if (files_open_read(&root, N("rof"), &h) != FILES_OK ||
      files_read(&h, b, sizeof b) != 2) {
    return 5;
  }
  files_close(&h);
  return 0;
}

/** No permission: unreadable file, unwritable directory, read-only file,
 *  untraversable directory. Root bypasses these checks, so as root the
 *  checks run in a child that has switched to uid/gid 65534. */
START_TEST(test_permission)
{
  int rc;
  char buf[8];

  use_mode(_i);
  ck_assert_int_eq(chmod(root_path, 0755), 0);
  mk_file("secret", "s", 0000);
  mk_dir("ro", 0555);
  mk_file("rof", "ro", 0444);
  mk_dir("noexec", 0666);
  rc = run_unprivileged(permission_checks);
  ck_assert_msg(rc == 0, "permission check %d failed", rc);
  ck_assert_int_eq(count_entries("ro"), 0);
  ck_assert_int_eq(slurp("rof", buf, sizeof buf), 2);
  ck_assert_str_eq(buf, "ro");
}
END_TEST

/* Child of test_no_space: returns 0 or the failing check's number. */
static int no_space_checks(void)
{
  struct rlimit rl = { 4096, 4096 };
  static uint8_t data[8192];
  struct files_handle h;

  signal(SIGXFSZ, SIG_IGN);
  if (setrlimit(RLIMIT_FSIZE, &rl) != 0) {
    return 100;
  }
  if (files_open_write(&root, N("big"), &h) != FILES_OK) {
    return 1;
  }
  if (files_write(&h, data, 1000) != FILES_OK) {
    return 2;
  }
  if (files_write(&h, data, sizeof data) != FILES_NO_SPACE) {
    return 3;
  }
  files_close(&h);
  return 0;
}

/** A full disk (simulated by RLIMIT_FSIZE: EFBIG, which also binds root)
 *  gives FILES_NO_SPACE and leaves no file behind. */
START_TEST(test_no_space)
{
  pid_t pid = fork();
  int ws;

  ck_assert(pid >= 0);
  if (pid == 0) {
    _exit(no_space_checks());
  }
  ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
  ck_assert(WIFEXITED(ws));
  ck_assert_msg(WEXITSTATUS(ws) == 0, "no-space check %d failed",
                WEXITSTATUS(ws));
  ck_assert_int_eq(count_entries(""), 0);
}
END_TEST

/** Handles used the wrong way answer FILES_BAD_HANDLE. */
START_TEST(test_bad_handle)
{
  struct files_handle h, r;
  struct files_root closed;
  uint8_t b[4];

  files_handle_init(&h);
  ck_assert(!files_is_open(&h));
  ck_assert_int_eq(files_read(&h, b, sizeof b), -FILES_BAD_HANDLE);
  ck_assert_int_eq(files_write(&h, b, 1), FILES_BAD_HANDLE);
  ck_assert_int_eq(files_commit(&h), FILES_BAD_HANDLE);
  files_close(&h);
  mk_file("f", "x", 0644);
  ck_assert_int_eq(files_open_read(&root, N("f"), &r), FILES_OK);
  ck_assert_int_eq(files_write(&r, b, 1), FILES_BAD_HANDLE);
  ck_assert_int_eq(files_commit(&r), FILES_BAD_HANDLE);
  files_close(&r);
  ck_assert_int_eq(files_open_write(&root, N("w"), &h), FILES_OK);
  ck_assert_int_eq(files_read(&h, b, sizeof b), -FILES_BAD_HANDLE);
  files_close(&h);
  closed.dirfd = -1;
  closed.walk = 0;
  closed.seq = 0;
  ck_assert_int_eq(files_open_read(&closed, N("f"), &h), FILES_BAD_HANDLE);
  ck_assert_int_eq(files_open_write(&closed, N("f"), &h), FILES_BAD_HANDLE);
  ck_assert_int_eq(count_entries(""), 1);
}
END_TEST

/** Every status has its own text; unknown values get a fixed one. */
START_TEST(test_strerror)
{
  int a, b;
  for (a = FILES_OK; a <= FILES_CONTROL_CHAR; a++) {
    ck_assert(files_strerror(a) != NULL);
    ck_assert_str_ne(files_strerror(a), "unknown status");
    for (b = FILES_OK; b < a; b++) {
      ck_assert_str_ne(files_strerror(a), files_strerror(b));
    }
  }
  ck_assert_str_eq(files_strerror(FILES_CONTROL_CHAR + 1), "unknown status");
  ck_assert_str_eq(files_strerror(-1), "unknown status");
  ck_assert_int_lt(FILES_CONTROL_CHAR, 64);
}
END_TEST

/** A large file goes through write and read unchanged, with no descriptor
 *  left open. */
START_TEST(test_roundtrip_large)
{
  enum { SIZE = 1 << 20 };
  uint8_t *data = malloc(SIZE);
  uint8_t *back = malloc(SIZE + 1);
  struct files_handle h;
  size_t off = 0;
  uint32_t x = 12345;
  long n;
  int fds = count_fds();

  ck_assert(data != NULL && back != NULL);
  for (off = 0; off < SIZE; off++) {
    x = x * 1103515245u + 12345u;
    data[off] = (uint8_t)(x >> 16);
  }
  use_mode(_i);
  ck_assert_int_eq(files_open_write(&root, N("big.bin"), &h), FILES_OK);
  for (off = 0; off < SIZE; off += 1000) {
    size_t len = SIZE - off < 1000 ? SIZE - off : 1000;
    ck_assert_int_eq(files_write(&h, data + off, len), FILES_OK);
  }
  ck_assert_int_eq(files_commit(&h), FILES_OK);
  ck_assert_int_eq(files_open_read(&root, N("big.bin"), &h), FILES_OK);
  off = 0;
  while ((n = files_read(&h, back + off, 256)) > 0) {
    off += (size_t)n;
    ck_assert(off <= SIZE);
  }
  ck_assert_int_eq(n, 0);
  files_close(&h);
  ck_assert_uint_eq(off, SIZE);
  ck_assert(memcmp(data, back, SIZE) == 0);
  ck_assert_int_eq(count_fds(), fds);
  free(data);
  free(back);
}
END_TEST

static Suite *files_suite(void)
{
  Suite *s = suite_create("files");
  TCase *tc = tcase_create("files");

  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_set_timeout(tc, 30);
  tcase_add_test(tc, test_root_open_errors);
  tcase_add_loop_test(tc, test_name_rules, 0, 2);
  tcase_add_loop_test(tc, test_control_bytes_refused, 0, 2);
  tcase_add_loop_test(tc, test_read_chunks, 0, 2);
  tcase_add_loop_test(tc, test_not_found, 0, 2);
  tcase_add_loop_test(tc, test_not_regular, 0, 2);
  tcase_add_loop_test(tc, test_symlink_outside, 0, 2);
  tcase_add_loop_test(tc, test_symlink_inside, 0, 2);
  tcase_add_loop_test(tc, test_put_new, 0, 2);
  tcase_add_loop_test(tc, test_put_replace, 0, 2);
  tcase_add_loop_test(tc, test_put_abort, 0, 2);
  tcase_add_test(tc, test_put_zero);
  tcase_add_test(tc, test_put_concurrent);
  tcase_add_loop_test(tc, test_permission, 0, 2);
  tcase_add_test(tc, test_no_space);
  tcase_add_test(tc, test_bad_handle);
  tcase_add_test(tc, test_strerror);
  tcase_add_loop_test(tc, test_roundtrip_large, 0, 2);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  strcpy(base_path, "/tmp/files-test-XXXXXX");
  return run_suite_in_tmpdir(files_suite, base_path);
}
