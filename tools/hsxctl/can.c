// SPDX-License-Identifier: MIT
/*
 * hsxctl can map | unmap | send | dump | status | config | info (restart: can_restart.c).
 *
 * A bus is bound by the administrator to a SocketCAN interface; hsx.ko
 * sends and receives on it through the kernel's CAN core, so candump and
 * cansend still work beside these commands. Everything but map goes through
 * libhsx_hal, so an unprivileged user gets what hsxd's policy allows.
 */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "can_print.h"
#include "hsx_can.h"
#include "hsx_uapi.h"
#include "hsxctl.h"
#include "output.h"

static int not_bound(unsigned int bus)
{
    hsxctl_error("bus %u is not bound to an interface (see 'hsxctl can info' and 'hsxctl can map')",
                 bus);
    return HSXCTL_EXIT_FAILURE;
}

/* A failed library call on bus, in the bus's terms where they are known. Returns 1. */
static int can_fail(int code, unsigned int bus, const char *what)
{
    int err = hsx_hal_errno();

    if (code == HSX_HAL_NO_DEVICE && err == ENOENT && !require_hsx_loaded())
        return HSXCTL_EXIT_FAILURE;
    if (code == HSX_HAL_NO_DEVICE)
        return not_bound(bus);
    return hsxctl_fail_hal(code, "cannot %s bus %u", what, bus);
}

/* ---- map, unmap --------------------------------------------------------------------- */

int cmd_can_map(const struct hsxctl_cmdline *cmd)
{
    struct hsx_can_map arg = {.bus = cmd->bus};
    const char *ifname = cmd->command == HSXCTL_CAN_UNMAP ? "" : cmd->ifname;
    hsx_can_info_t info;

    /* The parser kept the name shorter than the field. */
    memcpy(arg.ifname, ifname, strlen(ifname));
    int ret = hsxctl_map(&(struct hsxctl_map){.module = "CAN",
                                              .noun = "bus",
                                              .index = cmd->bus,
                                              .name = ifname,
                                              .request = HSX_IOC_CAN_MAP,
                                              .arg = &arg});
    if (ret >= 0)
        return ret;
    if (ret == -EBUSY && hsx_can_get_info(cmd->bus, &info) == HSX_HAL_OK && info.bound)
        hsxctl_error("bus %u is bound to %s: unbind it first ('hsxctl can unmap %u')", cmd->bus,
                     info.ifname, cmd->bus);
    else if (ret == -EBUSY)
        hsxctl_error("%s is bound to another bus", ifname);
    else if (ret == -ENODEV)
        hsxctl_error("there is no network interface named %s", ifname);
    else
        hsxctl_error("%s is not a CAN interface", ifname);
    return HSXCTL_EXIT_FAILURE;
}

/* ---- send --------------------------------------------------------------------------- */

int cmd_can_send(const struct hsxctl_cmdline *cmd)
{
    int ret = hsx_can_tx_ex(cmd->bus, &cmd->frame, cmd->timeout_ms, 0, NULL);

    if (ret == HSX_HAL_OK)
        return HSXCTL_EXIT_OK;
    switch (ret) {
    case HSX_HAL_TIMEOUT:
        hsxctl_error("no echo of the frame on bus %u within %u ms: is another node there to "
                     "acknowledge it? (it may still go out)",
                     cmd->bus, cmd->timeout_ms ? cmd->timeout_ms : HSX_CAN_TX_TIMEOUT_DEFAULT_MS);
        return HSXCTL_EXIT_FAILURE;
    case HSX_HAL_BUSY:
        hsxctl_error("the transmit queue of bus %u stayed full", cmd->bus);
        return HSXCTL_EXIT_FAILURE;
    case HSX_HAL_UNSUPPORTED:
        hsxctl_error("bus %u does not carry CAN FD frames (its interface is not in FD mode)",
                     cmd->bus);
        return HSXCTL_EXIT_FAILURE;
    default:
        if (hsx_hal_errno() == ENETDOWN) {
            hsxctl_error("the interface of bus %u is down (ip link set IFNAME up)", cmd->bus);
            return HSXCTL_EXIT_FAILURE;
        }
        return can_fail(ret, cmd->bus, "send on");
    }
}

/* ---- dump --------------------------------------------------------------------------- */

/*
 * A thread per bus waits for its frames (the library's subscriptions take
 * this process's capability), printing each under one lock; the main thread
 * waits for a signal, the count, or the timeout.
 */
struct dump {
    const struct hsxctl_cmdline *cmd;
    pthread_mutex_t lock; /* guards the output and what follows */
    uint64_t printed;
    uint64_t last_ms; /* when the last frame came (or the dump started) */
    int failed;       /* HSXCTL_EXIT_FAILURE once a bus failed (said why) */
    atomic_bool stop; /* the threads end at their next turn */
    int done_fd;      /* eventfd: written when the count is reached or a bus failed */
    int width;        /* the longest interface name, as candump aligns them */
    hsx_can_info_t info[HSX_CAN_MAX_BUSES];
};

struct dump_bus {
    struct dump *dump;
    unsigned int bus;
    pthread_t thread;
};

/* How long each wait lasts, so that a thread sees the end soon. */
#define DUMP_SLICE_MS 100

static void dump_finish(struct dump *d, int result)
{
    uint64_t one = 1;

    if (result != HSXCTL_EXIT_OK)
        d->failed = result;
    if (write(d->done_fd, &one, sizeof(one)) < 0)
        atomic_store(&d->stop, true); /* the eventfd cannot fail: stop anyway */
}

static void *dump_bus(void *arg)
{
    struct dump_bus *b = arg;
    struct dump *d = b->dump;
    hsx_can_event_t ev;

    while (!atomic_load(&d->stop)) {
        int ret = hsx_can_rx_ex((uint8_t)b->bus, &ev, DUMP_SLICE_MS);
        if (ret == HSX_HAL_TIMEOUT)
            continue;
        pthread_mutex_lock(&d->lock);
        if (ret == HSX_HAL_CLOSED) {
            hsxctl_error("bus %u was unbound (its mailbox closed)", b->bus);
            dump_finish(d, HSXCTL_EXIT_FAILURE);
        } else if (ret != HSX_HAL_OK) {
            dump_finish(d, can_fail(ret, b->bus, "receive from"));
        } else if (!atomic_load(&d->stop) && (!d->cmd->count || d->printed < d->cmd->count)) {
            if (ev.lost && !d->cmd->json)
                hsxctl_error("%s: %u frames lost before the next (read too slowly)",
                             d->info[b->bus].ifname, ev.lost);
            print_can_frame(stdout, d->info[b->bus].ifname, d->width, &ev, d->cmd->json);
            fflush(stdout);
            d->last_ms = hsxctl_now_ms();
            if (++d->printed == d->cmd->count)
                dump_finish(d, HSXCTL_EXIT_OK);
        }
        pthread_mutex_unlock(&d->lock);
        if (ret != HSX_HAL_OK)
            break;
    }
    return NULL;
}

/* Wait for the end: SIGINT/SIGTERM, the count, a failure, or no frame within the timeout. */
static int dump_wait(struct dump *d, int signal_fd)
{
    struct pollfd fds[2] = {
        {.fd = signal_fd, .events = POLLIN},
        {.fd = d->done_fd, .events = POLLIN},
    };

    for (;;) {
        pthread_mutex_lock(&d->lock);
        uint64_t since = d->last_ms;
        pthread_mutex_unlock(&d->lock);
        int ready = hsxctl_poll_since(fds, 2, d->cmd->timeout_ms, since);
        if (ready < 0)
            return HSXCTL_EXIT_FAILURE;
        if (fds[0].revents)
            return HSXCTL_EXIT_OK;
        if (fds[1].revents) {
            pthread_mutex_lock(&d->lock);
            int result = d->failed;
            pthread_mutex_unlock(&d->lock);
            return result;
        }
        pthread_mutex_lock(&d->lock);
        bool quiet = hsxctl_now_ms() - d->last_ms >= d->cmd->timeout_ms;
        pthread_mutex_unlock(&d->lock);
        if (quiet) {
            hsxctl_error("no frame came within %u ms", d->cmd->timeout_ms);
            return HSXCTL_EXIT_FAILURE;
        }
    }
}

/* The buses to dump: BUS, or every bound one. Says why not and returns 1 if there are none. */
static int dump_buses(struct dump *d, unsigned int *buses, unsigned int *count)
{
    const struct hsxctl_cmdline *cmd = d->cmd;

    *count = 0;
    for (unsigned int bus = 0; bus < HSX_CAN_MAX_BUSES; bus++) {
        if (cmd->have_bus && bus != cmd->bus)
            continue;
        int ret = hsx_can_get_info((uint8_t)bus, &d->info[bus]);
        if (ret == HSX_HAL_DENIED && !cmd->have_bus)
            continue; /* a bus this user's capability does not cover: not theirs to dump */
        if (ret != HSX_HAL_OK)
            return can_fail(ret, bus, "describe");
        if (!d->info[bus].bound)
            continue;
        int len = (int)strlen(d->info[bus].ifname);
        d->width = len > d->width ? len : d->width;
        buses[(*count)++] = bus;
    }
    if (*count)
        return HSXCTL_EXIT_OK;
    if (cmd->have_bus)
        return not_bound(cmd->bus);
    hsxctl_error("no bus is bound (see 'hsxctl can map')");
    return HSXCTL_EXIT_FAILURE;
}

int cmd_can_dump(const struct hsxctl_cmdline *cmd)
{
    static struct dump d; /* the threads may outlive a failed start: not on the stack */
    struct dump_bus threads[HSX_CAN_MAX_BUSES];
    unsigned int buses[HSX_CAN_MAX_BUSES], count, started = 0;

    d = (struct dump){.cmd = cmd, .lock = PTHREAD_MUTEX_INITIALIZER, .done_fd = -1};
    int ret = dump_buses(&d, buses, &count);
    if (ret != HSXCTL_EXIT_OK)
        return ret;
    /* Subscribe first, so nothing that comes while the threads start is missed. */
    for (unsigned int i = 0; i < count; i++) {
        ret = hsx_can_init_ex((uint8_t)buses[i]);
        if (ret != HSX_HAL_OK)
            return can_fail(ret, buses[i], "listen to");
    }
    int signal_fd = hsxctl_stop_signal_fd();
    d.done_fd = eventfd(0, EFD_CLOEXEC);
    if (signal_fd < 0 || d.done_fd < 0) {
        if (d.done_fd < 0)
            hsxctl_error("eventfd: %s", strerror(errno));
        ret = HSXCTL_EXIT_FAILURE;
        goto out;
    }
    d.last_ms = hsxctl_now_ms();
    for (; started < count; started++) {
        threads[started] = (struct dump_bus){.dump = &d, .bus = buses[started]};
        if (pthread_create(&threads[started].thread, NULL, dump_bus, &threads[started]) != 0) {
            hsxctl_error("cannot start a thread for bus %u", buses[started]);
            ret = HSXCTL_EXIT_FAILURE;
            goto out;
        }
    }
    ret = dump_wait(&d, signal_fd);
out:
    atomic_store(&d.stop, true);
    for (unsigned int i = 0; i < started; i++)
        pthread_join(threads[i].thread, NULL);
    if (signal_fd >= 0)
        close(signal_fd);
    if (d.done_fd >= 0)
        close(d.done_fd);
    return ret;
}

/* ---- status, info ------------------------------------------------------------------- */

struct bus_statuses {
    const struct hsxctl_cmdline *cmd;
    hsx_can_info_t info[HSX_CAN_MAX_BUSES];
    hsx_can_status_t status[HSX_CAN_MAX_BUSES];
    bool bound[HSX_CAN_MAX_BUSES];
};

static void print_bus(FILE *out, unsigned int bus, void *ctx)
{
    const struct bus_statuses *b = ctx;

    if (b->cmd->command == HSXCTL_CAN_INFO)
        print_can_info(out, &b->info[bus], b->cmd->json);
    else
        print_can_status(out, &b->info[bus], b->bound[bus] ? &b->status[bus] : NULL, b->cmd->json);
}

/* Ask everything first, so that a failure prints nothing but the error. */
static int ask_buses(struct bus_statuses *b, bool status)
{
    const struct hsxctl_cmdline *cmd = b->cmd;
    unsigned int first = cmd->have_bus ? cmd->bus : 0;
    unsigned int end = cmd->have_bus ? cmd->bus + 1u : HSX_CAN_MAX_BUSES;

    for (unsigned int bus = first; bus < end; bus++) {
        int ret = hsx_can_get_info((uint8_t)bus, &b->info[bus]);
        if (ret == HSX_HAL_DENIED && !cmd->have_bus)
            continue; /* a bus this user's capability does not cover: not listed */
        if (ret != HSX_HAL_OK)
            return can_fail(ret, bus, "describe");
        if (!b->info[bus].bound)
            continue;
        ret = status ? hsx_can_get_status_ex((uint8_t)bus, &b->status[bus]) : HSX_HAL_OK;
        /* Unbound in between: shown as not bound. */
        if (ret == HSX_HAL_NO_DEVICE)
            continue;
        if (ret != HSX_HAL_OK)
            return can_fail(ret, bus, "read the status of");
        b->bound[bus] = true;
    }
    return HSXCTL_EXIT_OK;
}

int cmd_can_status(const struct hsxctl_cmdline *cmd)
{
    static struct bus_statuses b;

    memset(&b, 0, sizeof(b));
    b.cmd = cmd;
    int ret = ask_buses(&b, true);
    if (ret == HSXCTL_EXIT_OK)
        hsxctl_print_instances(stdout, HSX_CAN_MAX_BUSES, b.bound, cmd->have_bus ? cmd->bus : -1,
                               cmd->json, "no buses are bound", print_bus, &b);
    return ret;
}

int cmd_can_info(const struct hsxctl_cmdline *cmd)
{
    static struct bus_statuses b;

    memset(&b, 0, sizeof(b));
    b.cmd = cmd;
    int ret = ask_buses(&b, false);
    if (ret != HSXCTL_EXIT_OK)
        return ret;
    if (!cmd->json)
        printf("%-4s %-16s %-8s %-10s %s\n", "BUS", "IFNAME", "IFINDEX", "SOURCE", "FRAMES");
    hsxctl_print_instances(stdout, HSX_CAN_MAX_BUSES, b.bound, -1, cmd->json, "no buses are bound",
                           print_bus, &b);
    return HSXCTL_EXIT_OK;
}

/* ---- config ------------------------------------------------------------------------- */

/* What ip(8) is told to set the interface as asked: " fd on dbitrate 2000000". */
static void ip_settings(char *buf, size_t size, const struct hsxctl_cmdline *cmd)
{
    snprintf(buf, size, "%s%s%s", cmd->can_mode & HSX_CAN_MODE_LOOPBACK ? " loopback on" : "",
             cmd->can_mode & HSX_CAN_MODE_LISTEN_ONLY ? " listen-only on" : "",
             cmd->can_mode & HSX_CAN_MODE_FD ? " fd on" : "");
    if (cmd->data_bitrate) {
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, " dbitrate %u", cmd->data_bitrate);
    }
}

int cmd_can_config(const struct hsxctl_cmdline *cmd)
{
    char mode_text[48], settings[96];
    hsx_can_info_t info;

    int ret = hsx_can_get_info(cmd->bus, &info);
    if (ret != HSX_HAL_OK)
        return can_fail(ret, cmd->bus, "describe");
    if (!info.bound)
        return not_bound(cmd->bus);
    ret = hsx_can_config_ex(cmd->bus, cmd->bitrate, cmd->data_bitrate, cmd->can_mode);
    hsxctl_can_modes(mode_text, sizeof(mode_text), cmd->can_mode);
    if (ret == HSX_HAL_OK) {
        if (cmd->bitrate)
            printf("bus %u (%s) runs at %u bit/s, modes %s\n", cmd->bus, info.ifname, cmd->bitrate,
                   mode_text);
        else
            printf("bus %u (%s) runs in modes %s\n", cmd->bus, info.ifname, mode_text);
        if (cmd->have_restart_ms)
            return hsxctl_can_set_restart_ms(cmd->bus, info.ifname, cmd->restart_ms);
        return HSXCTL_EXIT_OK;
    }
    /* The library asked hsxd, which said why it did not set it (on stderr, above). */
    int err = hsx_hal_errno();
    if (ret == HSX_HAL_DENIED && err != EACCES) {
        ip_settings(settings, sizeof(settings), cmd);
        hsxctl_error("%s runs at another bitrate or in other modes, and hsxd %s; an administrator "
                     "sets it with: ip link set %s down; ip link set %s type can bitrate %u%s; "
                     "ip link set %s up",
                     info.ifname,
                     err == ECONNREFUSED ? "is not running to set it" : "could not set it",
                     info.ifname, info.ifname, cmd->bitrate, settings, info.ifname);
        return HSXCTL_EXIT_FAILURE;
    }
    if (ret == HSX_HAL_DENIED) {
        hsxctl_error("%s runs at another bitrate or in other modes, and hsxd's policy does not let "
                     "this user set bus %u (the can right 'config')",
                     info.ifname, cmd->bus);
        return HSXCTL_EXIT_FAILURE;
    }
    if (ret == HSX_HAL_INVALID_PARAM) {
        hsxctl_error("the driver of %s refused bitrate %u or modes %s (%s): it runs as before",
                     info.ifname, cmd->bitrate, mode_text, strerror(err));
        return HSXCTL_EXIT_FAILURE;
    }
    if (ret == HSX_HAL_UNSUPPORTED) {
        hsx_can_status_t st;
        if (hsx_can_get_status_ex(cmd->bus, &st) == HSX_HAL_OK && st.state == HSX_CAN_STATE_NONE)
            hsxctl_error("%s has no bitrate or modes to set (a virtual interface such as vcan)",
                         info.ifname);
        else
            hsxctl_error("%s cannot run as asked through hsxd (see above)", info.ifname);
        return HSXCTL_EXIT_FAILURE;
    }
    return can_fail(ret, cmd->bus, "check the configuration of");
}
