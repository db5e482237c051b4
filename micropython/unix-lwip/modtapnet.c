/* tapnet: MicroPython's lwIP (modlwip, the socket module of this variant)
 * on a Linux TAP interface.
 *
 *   tapnet.up(name, ip, netmask[, gw])  start lwIP with one netif on the TAP
 *                                       interface name (created by the caller)
 *   tapnet.wait([timeout_ms])           sleep until a frame arrives, lwIP's
 *                                       next timer is due or timeout_ms has
 *                                       passed; then service; returns the
 *                                       number of frames handed to lwIP;
 *                                       raises SystemExit once the process
 *                                       got SIGTERM (a server ends cleanly;
 *                                       the event hook raises it once too,
 *                                       in MicroPython's own waits)
 *   tapnet.stats()                      (tcp pcbs, pbufs, heap bytes) in use
 *   tapnet.tcp_ticks()                  lwIP's TCP slow-timer ticks so far
 *                                       (each also ran the fast timer twice)
 *
 * Servicing (tapnet_service(), also MicroPython's event hook, so that every
 * wait of MicroPython's services the link): the frames already queued go to
 * lwIP, then lwIP's timers run.  Everything runs in MicroPython's thread,
 * never from a signal, so lwIP's callbacks never interrupt Python code.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>

#include "py/mperrno.h"
#include "py/mphal.h"
#include "py/runtime.h"

#include "lwip/init.h"
#include "lwip/memp.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/timeouts.h"

#include "link_tap.h"

/* frames taken per service call: bounded, so a flood cannot starve Python */
#define TAPNET_FRAMES_PER_SERVICE 64

static struct link_tap tapnet_link = { .fd = -1 };
static struct netif tapnet_netif;
static volatile sig_atomic_t tapnet_terminated;

static void tapnet_on_sigterm(int sig) {
    (void)sig;
    tapnet_terminated = 1;
}

/* the address family modlwip's getaddrinfo() asks DNS for; with a network
   module, network.ipconfig(prefer=) sets it (this variant has IPv4 only) */
int mp_mod_network_prefer_dns_use_ip_version = 4;

/* lwIP's time base (NO_SYS): MicroPython's millisecond tick */
u32_t sys_now(void) {
    return (u32_t)mp_hal_ticks_ms();
}

static int tapnet_service_frames(void) {
    int n = link_tap_input(&tapnet_link, &tapnet_netif, TAPNET_FRAMES_PER_SERVICE);
    sys_check_timeouts();
    return n;
}

void tapnet_service(void) {
    if (tapnet_link.fd >= 0) {
        (void)tapnet_service_frames();
    }
    if (tapnet_terminated == 1) {
        /* a SIGTERM while MicroPython waits in one of its own loops (a
           blocking accept() or recv()): end it there, once; tapnet.wait()
           raises it again should the program go on */
        tapnet_terminated = 2;
        mp_raise_type(&mp_type_SystemExit);
    }
}

static void tapnet_parse_ip(mp_obj_t str, ip4_addr_t *out) {
    if (!ip4addr_aton(mp_obj_str_get_str(str), out)) {
        mp_raise_ValueError(MP_ERROR_TEXT("invalid IPv4 address"));
    }
}

static mp_obj_t tapnet_up(size_t n_args, const mp_obj_t *args) {
    ip4_addr_t ip, mask, gw;
    int err;

    if (tapnet_link.fd >= 0) {
        mp_raise_OSError(EALREADY);
    }
    tapnet_parse_ip(args[1], &ip);
    tapnet_parse_ip(args[2], &mask);
    if (n_args > 3) {
        tapnet_parse_ip(args[3], &gw);
    } else {
        ip4_addr_set_zero(&gw);
    }
    signal(SIGTERM, tapnet_on_sigterm);
    lwip_init();
    err = link_tap_open(&tapnet_link, &tapnet_netif, mp_obj_str_get_str(args[0]), &ip, &mask, &gw);
    if (err != 0) {
        tapnet_link.fd = -1;
        mp_raise_OSError(err);
    }
    return mp_const_none;
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(tapnet_up_obj, 3, 4, tapnet_up);

static mp_obj_t tapnet_wait(size_t n_args, const mp_obj_t *args) {
    mp_int_t timeout = n_args > 0 ? mp_obj_get_int(args[0]) : -1;
    u32_t next = sys_timeouts_sleeptime();
    struct pollfd pfd;
    int t, n;

    if (tapnet_link.fd < 0) {
        mp_raise_OSError(ENODEV);
    }
    t = next == SYS_TIMEOUTS_SLEEPTIME_INFINITE ? -1 : (int)next;
    if (timeout >= 0 && (t < 0 || timeout < t)) {
        t = (int)timeout;
    }
    /* MicroPython runs one scheduled callback per check: while more are
       queued (a burst's accepts), look at the link without sleeping */
    if (mp_sched_num_pending() > 0) {
        t = 0;
    }
    pfd.fd = tapnet_link.fd;
    pfd.events = POLLIN;
    pfd.revents = 0;
    if (!tapnet_terminated && poll(&pfd, 1, t) < 0 && errno != EINTR) {
        mp_raise_OSError(errno);
    }
    if (tapnet_terminated) {
        mp_raise_type(&mp_type_SystemExit);
    }
    n = tapnet_service_frames();
    if (n < 0) {
        mp_raise_OSError(EIO);
    }
    /* a Ctrl-C that interrupted poll() is raised here */
    mp_handle_pending(true);
    return MP_OBJ_NEW_SMALL_INT(n);
}
static MP_DEFINE_CONST_FUN_OBJ_VAR_BETWEEN(tapnet_wait_obj, 0, 1, tapnet_wait);

static mp_obj_t tapnet_stats(void) {
    mp_obj_t items[3] = {
        MP_OBJ_NEW_SMALL_INT(MEMP_STATS_GET(used, MEMP_TCP_PCB)),
        MP_OBJ_NEW_SMALL_INT(MEMP_STATS_GET(used, MEMP_PBUF_POOL) + MEMP_STATS_GET(used, MEMP_PBUF)),
        mp_obj_new_int_from_uint(lwip_stats.mem.used),
    };
    return mp_obj_new_tuple(3, items);
}
static MP_DEFINE_CONST_FUN_OBJ_0(tapnet_stats_obj, tapnet_stats);

/* a test waits for lwIP's timers by their ticks, not by the clock */
static mp_obj_t tapnet_tcp_ticks(void) {
    return mp_obj_new_int_from_uint(tcp_ticks);
}
static MP_DEFINE_CONST_FUN_OBJ_0(tapnet_tcp_ticks_obj, tapnet_tcp_ticks);

static const mp_rom_map_elem_t tapnet_globals_table[] = {
    { MP_ROM_QSTR(MP_QSTR___name__), MP_ROM_QSTR(MP_QSTR_tapnet) },
    { MP_ROM_QSTR(MP_QSTR_up), MP_ROM_PTR(&tapnet_up_obj) },
    { MP_ROM_QSTR(MP_QSTR_wait), MP_ROM_PTR(&tapnet_wait_obj) },
    { MP_ROM_QSTR(MP_QSTR_stats), MP_ROM_PTR(&tapnet_stats_obj) },
    { MP_ROM_QSTR(MP_QSTR_tcp_ticks), MP_ROM_PTR(&tapnet_tcp_ticks_obj) },
};
static MP_DEFINE_CONST_DICT(tapnet_globals, tapnet_globals_table);

const mp_obj_module_t mp_module_tapnet = {
    .base = { &mp_type_module },
    .globals = (mp_obj_dict_t *)&tapnet_globals,
};

MP_REGISTER_MODULE(MP_QSTR_tapnet, mp_module_tapnet);
