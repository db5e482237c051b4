/* testutil.h - helpers shared by the consumer's Check programs. */
#ifndef WEBREPL_TESTUTIL_H
#define WEBREPL_TESTUTIL_H

#include <check.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

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

#endif
