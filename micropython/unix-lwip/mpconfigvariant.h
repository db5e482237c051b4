/* MicroPython's unix port on lwIP (modlwip) over a TAP link: the variant's
   configuration.  The features are those of the standard variant. */

#define MICROPY_CONFIG_ROM_LEVEL (MICROPY_CONFIG_ROM_LEVEL_EXTRA_FEATURES)
#include "variants/mpconfigvariant_common.h"

/* WebREPL as MicroPython serves it: its C websocket and _webrepl modules,
   the REPL on os.dupterm */
#define MICROPY_PY_WEBREPL              (1)
#define MICROPY_PY_OS_DUPTERM           (1)

/* modlwip schedules a listener's callback once per new connection: room
   for a burst of them (MicroPython's default is 4) */
#define MICROPY_SCHEDULER_DEPTH         (128)

/* Every wait of MicroPython's (a blocking accept() or recv() of modlwip,
   select.poll, time.sleep) services the link and lwIP's timers: frames
   already queued are handed to lwIP, then sys_check_timeouts() runs.
   tapnet.wait() is the blocking form, for a server's main loop. */
void tapnet_service(void);
#define MICROPY_INTERNAL_EVENT_HOOK     tapnet_service()
