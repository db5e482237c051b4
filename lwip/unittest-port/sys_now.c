/*
 * sys_now() for lwIP trees whose unit tests bring no test/unit/arch/sys_arch.c
 * (lwIP 2.0.x: the contrib unix port supplied it).  Written for this project.
 */
#include <time.h>

#include "lwip/sys.h"

u32_t
sys_now(void)
{
  struct timespec ts;

  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (u32_t)((u32_t)ts.tv_sec * 1000u + (u32_t)(ts.tv_nsec / 1000000));
}
