/* login_limit: when may a password be checked?  Failed logins slow down the
 * address they came from, and only that address: each failure doubles the
 * wait before that address's next check (LOGIN_LIMIT_BASE_MS, twice that, ...
 * at most LOGIN_LIMIT_MAX_MS); a right password clears it.  The addresses
 * are kept in a bounded table (LOGIN_LIMIT_ADDRS entries; when it is full the
 * entry whose wait ends first makes room).  Over all addresses together at
 * most LOGIN_LIMIT_RATE checks a second are made (bursts of
 * LOGIN_LIMIT_BURST), so neither many addresses nor a full table lets anyone
 * guess faster.
 *
 * Pure C99: no lwIP, no system calls, no globals; the caller passes the
 * time (milliseconds of a clock that may wrap) and an opaque 32-bit address. */
#ifndef WEBREPL_LOGIN_LIMIT_H
#define WEBREPL_LOGIN_LIMIT_H

#include <stdint.h>

#define LOGIN_LIMIT_ADDRS   32
#define LOGIN_LIMIT_BASE_MS 100
#define LOGIN_LIMIT_MAX_MS  6400
#define LOGIN_LIMIT_RATE    10    /* checks per second, all addresses */
#define LOGIN_LIMIT_BURST   5
/* an address that failed and then stayed away this long starts afresh */
#define LOGIN_LIMIT_FORGET_MS 60000

struct login_limit_entry {
  uint32_t addr;
  uint32_t until;          /* no check for addr before this time */
  unsigned fails;          /* consecutive failures; 0: entry free */
};

struct login_limit {
  struct login_limit_entry e[LOGIN_LIMIT_ADDRS];
  uint32_t tat;            /* all addresses: the rate's theoretical arrival time */
};

/** Start with no failures and a full burst. */
void login_limit_init(struct login_limit *l, uint32_t now);

/** Milliseconds until a password from addr may be checked; 0: now. */
uint32_t login_limit_wait(const struct login_limit *l, uint32_t addr, uint32_t now);

/** A password from addr was checked now (call only when login_limit_wait()
 *  said 0): ok clears the address, a failure lengthens its wait. */
void login_limit_checked(struct login_limit *l, uint32_t addr, int ok, uint32_t now);

#endif
