/* Check tests of consumer/net/login_limit.c: the failed-login delay per
 * source address, its bounded table, and the bound on checks a second. */
#include <check.h>
#include "testutil.h"

#include <stdint.h>

#include "net/login_limit.h"

#define A 0xc0000201u
#define B 0xc0000203u

/* Check, fail and return the wait that follows, at time *now. */
static uint32_t fail_once(struct login_limit *l, uint32_t addr, uint32_t *now)
{
  *now += login_limit_wait(l, addr, *now);
  login_limit_checked(l, addr, 0, *now);
  return login_limit_wait(l, addr, *now);
}

/** Each failure doubles the wait of its own address only, up to the most;
 *  a right password clears it. */
START_TEST(test_backoff_per_address)
{
  struct login_limit l;
  uint32_t now = 1000, want = LOGIN_LIMIT_BASE_MS;
  int k;

  login_limit_init(&l, now);
  ck_assert_uint_eq(login_limit_wait(&l, A, now), 0);
  for (k = 0; k < 12; k++) {
    uint32_t w = fail_once(&l, A, &now);
    ck_assert_uint_eq(w, want);
    ck_assert_uint_eq(login_limit_wait(&l, B, now), 0);   /* B not slowed */
    if (want < LOGIN_LIMIT_MAX_MS) {
      want *= 2;
    }
  }
  ck_assert_uint_eq(want, LOGIN_LIMIT_MAX_MS);
  now += LOGIN_LIMIT_MAX_MS;
  login_limit_checked(&l, A, 1, now);
  ck_assert_uint_eq(login_limit_wait(&l, A, now + 1000), 0);
  ck_assert_uint_eq(fail_once(&l, A, &now), LOGIN_LIMIT_BASE_MS);
}
END_TEST

/** Over all addresses, at most LOGIN_LIMIT_RATE checks a second after a
 *  burst of LOGIN_LIMIT_BURST. */
START_TEST(test_rate_all_addresses)
{
  struct login_limit l;
  uint32_t now = 5000, t0 = now;
  int k, checks = 0;

  login_limit_init(&l, now);
  for (k = 0; k < LOGIN_LIMIT_BURST; k++) {
    ck_assert_uint_eq(login_limit_wait(&l, A + (uint32_t)k, now), 0);
    login_limit_checked(&l, A + (uint32_t)k, 1, now);
  }
  ck_assert_uint_gt(login_limit_wait(&l, 1, now), 0);
  /* 10 s of as many checks as allowed, each from a new address */
  while (now - t0 < 10000) {
    uint32_t addr = 100u + (uint32_t)checks;
    now += login_limit_wait(&l, addr, now);
    login_limit_checked(&l, addr, 0, now);
    checks++;
  }
  ck_assert_int_le(checks, 10 * LOGIN_LIMIT_RATE + LOGIN_LIMIT_BURST);
  ck_assert_int_ge(checks, 10 * LOGIN_LIMIT_RATE - 1);
}
END_TEST

/** The table is bounded: more failing addresses than entries push out the
 *  entry whose wait ends first; old entries are forgotten. */
START_TEST(test_table_bounded)
{
  struct login_limit l;
  uint32_t now = 0;
  uint32_t k;

  login_limit_init(&l, now);
  for (k = 0; k < 2 * LOGIN_LIMIT_ADDRS; k++) {
    now += 200;   /* within the rate */
    ck_assert_uint_eq(login_limit_wait(&l, 1000 + k, now), 0);
    login_limit_checked(&l, 1000 + k, 0, now);
    ck_assert_uint_gt(login_limit_wait(&l, 1000 + k, now), 0);
  }
  now += LOGIN_LIMIT_BASE_MS + LOGIN_LIMIT_FORGET_MS;
  ck_assert_uint_eq(fail_once(&l, 1000, &now), LOGIN_LIMIT_BASE_MS);
}
END_TEST

/** The clock may wrap. */
START_TEST(test_clock_wraps)
{
  struct login_limit l;
  uint32_t now = UINT32_MAX - 50;

  login_limit_init(&l, now);
  ck_assert_uint_eq(fail_once(&l, A, &now), LOGIN_LIMIT_BASE_MS);
  ck_assert_uint_eq(fail_once(&l, A, &now), 2 * LOGIN_LIMIT_BASE_MS);
  ck_assert_uint_lt(now, 1000);
  ck_assert_uint_eq(login_limit_wait(&l, A, now + 2 * LOGIN_LIMIT_BASE_MS), 0);
}
END_TEST

static Suite *login_limit_suite(void)
{
  Suite *s = suite_create("login_limit");
  TCase *tc = tcase_create("login_limit");

  tcase_add_test(tc, test_backoff_per_address);
  tcase_add_test(tc, test_rate_all_addresses);
  tcase_add_test(tc, test_table_bounded);
  tcase_add_test(tc, test_clock_wraps);
  suite_add_tcase(s, tc);
  return s;
}

int main(void)
{
  return run_suite(login_limit_suite());
}
