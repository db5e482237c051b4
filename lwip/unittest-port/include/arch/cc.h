/*
 * Architecture header for running lwIP's own unit tests (test/unit) on
 * Linux/glibc, for trees whose contrib/ports/unix cannot be used: lwIP 2.0.x
 * and 2.1.x ship without contrib, Debian's patched 2.2.1 tree changes the
 * unix port so that its check build fails, vendor trees may have none.  Written for this project.
 */
#ifndef LWIP_SERIES_ARCH_CC_H
#define LWIP_SERIES_ARCH_CC_H

#include <stdio.h>
#include <stdlib.h>

/* struct timeval comes from the C library */
#define LWIP_TIMEVAL_PRIVATE 0
#include <sys/time.h>

#define LWIP_ERRNO_INCLUDE <errno.h>

#define LWIP_RAND() ((u32_t)rand())
/* lwIP 2.2's test/unit/lwip_unittests.c defines this for ports that want it */
unsigned int lwip_port_rand(void);

#define LWIP_PLATFORM_DIAG(x) do { printf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) do { \
    fprintf(stderr, "lwIP assertion \"%s\" failed at %s:%d\n", x, __FILE__, __LINE__); \
    fflush(NULL); abort(); } while (0)

/* Debian's 2.1.3 "port" patch makes src/api/sockets.c use these macros,
   which only Debian's port headers define.  Behave as upstream lwIP does:
   set sin_len, read sa_len.  The Makefile turns this on for such trees. */
#ifdef LWIP_SERIES_SOCKADDR_LEN_MACROS
#define IP4ADDR_SOCKADDR_SET_LEN(sin) (sin)->sin_len = sizeof(struct sockaddr_in)
#define IP6ADDR_SOCKADDR_SET_LEN(sin6) (sin6)->sin6_len = sizeof(struct sockaddr_in6)
#define IPADDR_SOCKADDR_GET_LEN(addr) ((addr)->sa.sa_len)
#endif

/* lwIP's tests exercise error paths: with LWIP_NOASSERT_ON_ERROR an
   LWIP_ERROR check takes its handler and does not abort.  lwIP 2.1.3 and
   later do this in lwip/debug.h; older releases leave it to the port (the
   Makefile turns this on for them). */
#if defined LWIP_SERIES_ERROR_NO_ASSERT && defined LWIP_NOASSERT_ON_ERROR
#define LWIP_ERROR(message, expression, handler) do { \
    if (!(expression)) { handler; } } while (0)
#endif

#endif /* LWIP_SERIES_ARCH_CC_H */
