/* lwIP's architecture header: the reference consumer's (Linux, glibc), and
   the type of modlwip's sys_arch_protect() (MicroPython's atomic section). */
#ifndef TAPNET_ARCH_CC_H
#define TAPNET_ARCH_CC_H
#include "../../../consumer/arch/cc.h"
typedef unsigned long sys_prot_t;
#endif
