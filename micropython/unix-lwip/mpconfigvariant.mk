# MicroPython's unix port with MicroPython's own modlwip.c as its socket
# module (not the POSIX modsocket.c), on lwIP over a TAP link.  Built by
# micropython/build, which gives LWIP_DIR (the lwIP tree, relative to
# MicroPython's top) and, for the series' builds, LWIP_TCP_ACCEPT_POLL.

FROZEN_MANIFEST =

# lwIP's raw API runs in one thread (NO_SYS); modlwip replaces modsocket.c
MICROPY_PY_THREAD = 0
MICROPY_PY_SOCKET = 0
MICROPY_PY_LWIP = 1

# not needed here: keeps the build to Debian's packages (mbedTLS for ssl and
# hashlib's SHA-1, which the WebREPL handshake uses)
MICROPY_PY_BTREE = 0
MICROPY_PY_FFI = 0
MICROPY_VFS_FAT = 0
MICROPY_VFS_LFS1 = 0
MICROPY_VFS_LFS2 = 0

# the TAP link is the reference consumer's (one implementation for both)
LINK_DIR := $(abspath $(VARIANT_DIR)/../../consumer/net)
SRC_C += $(LINK_DIR)/link_tap.c
INC += -I$(LINK_DIR)

# modlwip.c and modwebrepl.c are built with -Wextra only here (MicroPython's
# lwIP ports use -Wall): their error returns compare an unsigned result
# with -1.  The unix
# port's default listen() backlog is SOMAXCONN (glibc's, capped at 128),
# which modlwip.c, including no system socket header, does not see.
$(BUILD)/extmod/modlwip.o: CFLAGS += -Wno-sign-compare -DSOMAXCONN=128
$(BUILD)/extmod/modwebrepl.o: CFLAGS += -Wno-sign-compare
