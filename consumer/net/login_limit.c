/* login_limit: per-address back-off of failed logins and a bound on the
 * password checks a second (see login_limit.h).  The rate is a "generic cell
 * rate" bucket: tat advances by one interval per check, and a check may
 * happen once now is no more than the burst's tolerance behind tat. */
#include "login_limit.h"

#include <stddef.h>
#include <string.h>

#define LOGIN_LIMIT_INTERVAL_MS (1000u / LOGIN_LIMIT_RATE)
#define LOGIN_LIMIT_TOLERANCE_MS ((LOGIN_LIMIT_BURST - 1) * LOGIN_LIMIT_INTERVAL_MS)

/* a - b on a wrapping clock */
static int32_t
login_limit_diff(uint32_t a, uint32_t b)
{
  return (int32_t)(a - b);
}

/* Is the entry still worth keeping at now? */
static int
login_limit_live(const struct login_limit_entry *e, uint32_t now)
{
  return e->fails > 0 && login_limit_diff(now, e->until) < LOGIN_LIMIT_FORGET_MS;
}

static const struct login_limit_entry *
login_limit_find(const struct login_limit *l, uint32_t addr, uint32_t now)
{
  size_t i;

  for (i = 0; i < LOGIN_LIMIT_ADDRS; i++) {
    if (l->e[i].addr == addr && login_limit_live(&l->e[i], now)) {
      return &l->e[i];
    }
  }
  return NULL;
}

void
login_limit_init(struct login_limit *l, uint32_t now)
{
  memset(l, 0, sizeof(*l));
  l->tat = now;
}

uint32_t
login_limit_wait(const struct login_limit *l, uint32_t addr, uint32_t now)
{
  const struct login_limit_entry *e = login_limit_find(l, addr, now);
  int32_t own = e != NULL ? login_limit_diff(e->until, now) : 0;
  int32_t all = login_limit_diff(l->tat, now) - (int32_t)LOGIN_LIMIT_TOLERANCE_MS;

  if (all > own) {
    own = all;
  }
  return own > 0 ? (uint32_t)own : 0;
}

void
login_limit_checked(struct login_limit *l, uint32_t addr, int ok, uint32_t now)
{
  struct login_limit_entry *e = (struct login_limit_entry *)login_limit_find(l, addr, now);
  unsigned shift;
  size_t i;

  l->tat = (login_limit_diff(l->tat, now) > 0 ? l->tat : now) + LOGIN_LIMIT_INTERVAL_MS;
  if (ok) {
    if (e != NULL) {
      e->fails = 0;
    }
    return;
  }
  if (e == NULL) {
    /* a free entry, else the one whose wait ends first */
    e = &l->e[0];
    for (i = 0; i < LOGIN_LIMIT_ADDRS; i++) {
      if (!login_limit_live(&l->e[i], now)) {
        e = &l->e[i];
        break;
      }
      if (login_limit_diff(l->e[i].until, e->until) < 0) {
        e = &l->e[i];
      }
    }
    e->addr = addr;
    e->fails = 0;
  }
  if (e->fails < 32) {
    e->fails++;
  }
  for (shift = 0; shift + 1 < e->fails &&
                  ((uint32_t)LOGIN_LIMIT_BASE_MS << (shift + 1)) <= LOGIN_LIMIT_MAX_MS; shift++) {
  }
  e->until = now + ((uint32_t)LOGIN_LIMIT_BASE_MS << shift);
}
