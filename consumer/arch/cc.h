/* lwIP architecture header of the WebREPL server (Linux, glibc). */
#ifndef WEBREPL_ARCH_CC_H
#define WEBREPL_ARCH_CC_H

#include <stdio.h>
#include <stdlib.h>

#define LWIP_TIMEVAL_PRIVATE 0
#include <sys/time.h>

#define LWIP_ERRNO_INCLUDE <errno.h>
#define LWIP_RAND() ((u32_t)random())

#define LWIP_PLATFORM_DIAG(x) do { printf x; } while (0)
#define LWIP_PLATFORM_ASSERT(x) do { \
    fprintf(stderr, "lwIP assertion \"%s\" failed at %s:%d\n", x, __FILE__, __LINE__); \
    fflush(NULL); abort(); } while (0)

#endif /* WEBREPL_ARCH_CC_H */
