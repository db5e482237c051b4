/* testutil.h - helpers shared by the consumer's Check programs. */
#ifndef WEBREPL_TESTUTIL_H
#define WEBREPL_TESTUTIL_H

#include <check.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* the user permission checks run as when the tests run as root */
#define TU_NOBODY 65534

/* xorshift32: a fixed-seed PRNG so random chunkings repeat exactly */
static inline uint32_t
rng_next(uint32_t *state)
{
  uint32_t x = *state;

  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  *state = x;
  return x;
}

static inline int
tu_rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void)sb;
  (void)flag;
  (void)ftw;
  return remove(p);
}

static inline int
tu_unlock_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
  (void)ftw;
  if (flag == FTW_D || flag == FTW_DNR) {
    chmod(p, 0700);
  } else if (flag == FTW_F && (sb->st_mode & 0600) != 0600) {
    chmod(p, 0600);
  }
  return 0;
}

/* Remove a tree, whatever modes the tests left in it. */
static inline void
rm_tree(const char *path)
{
  nftw(path, tu_unlock_entry, 16, FTW_PHYS);
  nftw(path, tu_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* Run fn as an unprivileged user (in a child when we are root, where
   permission checks are bypassed); its return value, 0 for success. */
static inline int
run_unprivileged(int (*fn)(void))
{
  pid_t pid;
  int ws;

  if (geteuid() != 0) {
    return fn();
  }
  pid = fork();
  ck_assert(pid >= 0);
  if (pid == 0) {
    if (setgid(TU_NOBODY) != 0 || setuid(TU_NOBODY) != 0) {
      _exit(100);
    }
    _exit(fn());
  }
  ck_assert_int_eq(waitpid(pid, &ws, 0), pid);
  ck_assert(WIFEXITED(ws));
  return WEXITSTATUS(ws);
}

/* Run a suite, print Check's summary; the exit status of the program. */
static inline int
run_suite(Suite *s)
{
  SRunner *sr = srunner_create(s);
  int failed;

  srunner_run_all(sr, CK_NORMAL);
  failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

/* Create a temporary directory from template (e.g. "/tmp/x-XXXXXX", written
   back with the real name), run the suite, remove the directory; the exit
   status of the program. */
static inline int
run_suite_in_tmpdir(Suite *(*suite)(void), char *template)
{
  int failed;

  if (mkdtemp(template) == NULL || chmod(template, 0711) != 0) {
    perror("mkdtemp");
    return EXIT_FAILURE;
  }
  failed = run_suite(suite());
  rm_tree(template);
  return failed;
}

#endif
