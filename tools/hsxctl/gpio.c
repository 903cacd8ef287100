// SPDX-License-Identifier: MIT
/*
 * hsxctl gpio get | set | toggle | config | monitor | info | map | unmap.
 *
 * hsx.ko holds a pin's line while a process that used the pin keeps
 * /dev/hsx/gpio open, and releases it (forgetting its configuration) when the
 * last such process exits. So each command works with the pin as other
 * processes left it, and configures it itself only when no process has:
 * get reads it as an input, set drives it as an output (and keeps driving it
 * with --hold), monitor listens to it as an input. A pin configured one way
 * by another process is never turned the other way.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "hsx_gpio.h"
#include "hsx_uapi.h"
#include "hsxctl.h"
#include "output.h"
#include "sysfs.h"

#define GPIO_SYSFS HSX_SYSFS_ROOT "/gpio"
/* How often a monitor that waits for an edge looks for SIGINT/SIGTERM. */
#define STOP_POLL_MS 100

/* Block SIGINT and SIGTERM in every thread (call before any exists); returns the set. */
static sigset_t block_stop_signals(void)
{
    sigset_t stop;

    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    return stop;
}

static int hold_until_stopped(const sigset_t *stop)
{
    int sig;

    while (sigwait(stop, &sig) != 0)
        ;
    return HSXCTL_EXIT_OK;
}

/* hsx.ko's answer for a pin that no process has configured (its line is not held). */
static bool not_configured(int code)
{
    return code == HSX_HAL_INVALID_PARAM && hsx_hal_errno() == EINVAL;
}

/* hsx.ko's answer for writing or toggling an input. */
static bool is_input(int code)
{
    return code == HSX_HAL_DENIED && hsx_hal_errno() == EPERM;
}

/* A failed library call on pin, in the pin's terms where they are known. Returns 1. */
static int gpio_fail(int code, unsigned int pin, const char *what)
{
    int err = hsx_hal_errno();

    if (code == HSX_HAL_NO_DEVICE && err == ENOENT && !require_hsx_loaded())
        return HSXCTL_EXIT_FAILURE;
    if (code == HSX_HAL_NO_DEVICE && err == ENXIO) {
        hsxctl_error("pin %u is not mapped to a line (see 'hsxctl gpio info' and 'hsxctl gpio "
                     "map')",
                     pin);
        return HSXCTL_EXIT_FAILURE;
    }
    return hsxctl_fail_hal(code, "cannot %s pin %u", what, pin);
}

/* After configuring without --hold: say so if the pin's line goes with this process. */
static void note_release(unsigned int pin)
{
    char path[64], users[32];

    snprintf(path, sizeof(path), GPIO_SYSFS "/%u/users", pin);
    if (sysfs_read_value(path, users, sizeof(users)) == 0 && strcmp(users, "1") == 0)
        hsxctl_error("note: no other process uses pin %u, so hsx.ko releases its line when "
                     "hsxctl exits; keep it with --hold",
                     pin);
}

/* ---- get, set, toggle, config ------------------------------------------------------ */

int cmd_gpio_get(const struct hsxctl_cmdline *cmd)
{
    int value = hsx_gpio_read(cmd->pin);

    if (not_configured(value)) {
        int ret = hsx_gpio_config(cmd->pin, HSX_GPIO_MODE_INPUT, HSX_GPIO_PULL_NONE);
        if (ret != HSX_HAL_OK)
            return gpio_fail(ret, cmd->pin, "configure");
        value = hsx_gpio_read(cmd->pin);
    }
    if (value < 0)
        return gpio_fail(value, cmd->pin, "read");
    if (cmd->json)
        printf("{\"pin\":%u,\"value\":%d}\n", cmd->pin, value);
    else
        printf("%d\n", value);
    return HSXCTL_EXIT_OK;
}

int cmd_gpio_set(const struct hsxctl_cmdline *cmd)
{
    sigset_t stop = block_stop_signals();
    int ret = hsx_gpio_write(cmd->pin, cmd->value);

    if (not_configured(ret)) {
        /* The line becomes an output at the value asked for, without a glitch. */
        const hsx_gpio_settings_t output = {
            .mode = HSX_GPIO_MODE_OUTPUT,
            .initial_value = cmd->value,
        };
        ret = hsx_gpio_configure(cmd->pin, &output);
        if (ret != HSX_HAL_OK)
            return gpio_fail(ret, cmd->pin, "configure");
    } else if (is_input(ret)) {
        hsxctl_error("pin %u is configured as an input by another process: not driving it",
                     cmd->pin);
        return HSXCTL_EXIT_FAILURE;
    } else if (ret != HSX_HAL_OK) {
        return gpio_fail(ret, cmd->pin, "write");
    }
    if (!cmd->hold) {
        note_release(cmd->pin);
        return HSXCTL_EXIT_OK;
    }
    printf("pin %u set to %u; holding it until SIGINT or SIGTERM\n", cmd->pin, cmd->value);
    fflush(stdout);
    return hold_until_stopped(&stop);
}

int cmd_gpio_toggle(const struct hsxctl_cmdline *cmd)
{
    int ret = hsx_gpio_toggle(cmd->pin);

    if (not_configured(ret)) {
        hsxctl_error("pin %u is not configured: hsx.ko keeps a pin's configuration only while a "
                     "process that uses it runs (see 'hsxctl gpio set --hold')",
                     cmd->pin);
        return HSXCTL_EXIT_FAILURE;
    }
    if (is_input(ret)) {
        hsxctl_error("pin %u is an input: only an output can be toggled", cmd->pin);
        return HSXCTL_EXIT_FAILURE;
    }
    if (ret != HSX_HAL_OK)
        return gpio_fail(ret, cmd->pin, "toggle");
    int value = hsx_gpio_read(cmd->pin);
    if (value < 0)
        return gpio_fail(value, cmd->pin, "read");
    printf("%d\n", value);
    return HSXCTL_EXIT_OK;
}

int cmd_gpio_config(const struct hsxctl_cmdline *cmd)
{
    sigset_t stop = block_stop_signals();
    int ret = hsx_gpio_configure(cmd->pin, &cmd->gpio);

    if (ret != HSX_HAL_OK)
        return gpio_fail(ret, cmd->pin, "configure");
    if (!cmd->hold) {
        note_release(cmd->pin);
        return HSXCTL_EXIT_OK;
    }
    printf("pin %u configured; holding it until SIGINT or SIGTERM\n", cmd->pin);
    fflush(stdout);
    return hold_until_stopped(&stop);
}

/* ---- monitor ------------------------------------------------------------------------ */

/* The pin's interrupt as hsx.ko shows it under /sys/hal; NONE if it cannot be read. */
static hsx_gpio_edge_t current_edge(unsigned int pin)
{
    char path[64], text[32];

    snprintf(path, sizeof(path), GPIO_SYSFS "/%u/edge", pin);
    if (sysfs_read_value(path, text, sizeof(text)) == 0) {
        for (unsigned int edge = HSX_GPIO_EDGE_RISING; edge <= HSX_GPIO_EDGE_BOTH; edge++) {
            if (strcmp(text, edge_name(edge)) == 0)
                return (hsx_gpio_edge_t)edge;
        }
    }
    return HSX_GPIO_EDGE_NONE;
}

static int enable_interrupt(const struct hsxctl_cmdline *cmd)
{
    const bool configure = cmd->gpio_options != 0; /* --pull, --active-low or --debounce */
    int ret = configure ? hsx_gpio_configure(cmd->pin, &cmd->gpio) : HSX_HAL_OK;

    if (ret != HSX_HAL_OK)
        return gpio_fail(ret, cmd->pin, "configure");
    ret = hsx_gpio_set_interrupt(cmd->pin, cmd->edge, true);
    /* The pin has no mailbox: no process has configured it. Listen to it as an input. */
    if (!configure && ret == HSX_HAL_NO_DEVICE && hsx_hal_errno() == ENOENT) {
        ret = hsx_gpio_configure(cmd->pin, &cmd->gpio);
        if (ret != HSX_HAL_OK)
            return gpio_fail(ret, cmd->pin, "configure");
        ret = hsx_gpio_set_interrupt(cmd->pin, cmd->edge, true);
    }
    if (not_configured(ret)) {
        hsxctl_error("pin %u is not an input: another process configured it as an output",
                     cmd->pin);
        return HSXCTL_EXIT_FAILURE;
    }
    if (ret != HSX_HAL_OK)
        return gpio_fail(ret, cmd->pin, "enable the interrupt of");
    return HSXCTL_EXIT_OK;
}

struct monitor_stop {
    sigset_t signals;
    atomic_bool stopped;
};

static void *await_stop(void *arg)
{
    struct monitor_stop *stop = arg;
    int sig;

    if (sigwait(&stop->signals, &sig) == 0)
        atomic_store(&stop->stopped, true);
    return NULL;
}

static int monitor_loop(const struct hsxctl_cmdline *cmd, struct monitor_stop *stop)
{
    uint64_t received = 0, last_edge = hsxctl_now_ms();
    hsx_gpio_event_ex_t event;

    for (;;) {
        uint32_t wait_ms = STOP_POLL_MS;

        if (cmd->timeout_ms) {
            uint64_t waited = hsxctl_now_ms() - last_edge;
            if (waited >= cmd->timeout_ms) {
                hsxctl_error("no edge on pin %u within %u ms", cmd->pin, cmd->timeout_ms);
                return HSXCTL_EXIT_FAILURE;
            }
            if (cmd->timeout_ms - waited < wait_ms)
                wait_ms = (uint32_t)(cmd->timeout_ms - waited);
        }
        int ret = hsx_gpio_wait_event(cmd->pin, &event, wait_ms);
        if (atomic_load(&stop->stopped))
            return HSXCTL_EXIT_OK;
        if (ret == HSX_HAL_TIMEOUT)
            continue;
        if (ret == HSX_HAL_CLOSED) {
            hsxctl_error("the mailbox of pin %u was destroyed", cmd->pin);
            return HSXCTL_EXIT_FAILURE;
        }
        if (ret != HSX_HAL_OK)
            return gpio_fail(ret, cmd->pin, "wait for an edge of");
        print_edge(stdout, &event, cmd->json);
        fflush(stdout);
        last_edge = hsxctl_now_ms();
        if (cmd->count && ++received >= cmd->count)
            return HSXCTL_EXIT_OK;
    }
}

/*
 * The interrupt is per pin, shared by every process: what another process
 * enabled is left enabled (with its edge back, if this one changed it).
 */
int cmd_gpio_monitor(const struct hsxctl_cmdline *cmd)
{
    struct monitor_stop stop = {.signals = block_stop_signals()};
    hsx_gpio_edge_t before = current_edge(cmd->pin);
    pthread_t thread;

    int ret = enable_interrupt(cmd);
    if (ret != HSXCTL_EXIT_OK)
        return ret;
    int err = pthread_create(&thread, NULL, await_stop, &stop);
    if (err) {
        hsxctl_error("cannot start a thread: %s", strerror(err));
        ret = HSXCTL_EXIT_FAILURE;
    } else {
        pthread_detach(thread);
        ret = monitor_loop(cmd, &stop);
    }

    int restored = HSX_HAL_OK;
    if (before == HSX_GPIO_EDGE_NONE)
        restored = hsx_gpio_set_interrupt(cmd->pin, cmd->edge, false);
    else if (before != cmd->edge)
        restored = hsx_gpio_set_interrupt(cmd->pin, before, true);
    if (restored != HSX_HAL_OK && ret == HSXCTL_EXIT_OK)
        return gpio_fail(restored, cmd->pin, "restore the interrupt of");
    return ret;
}

/* ---- info, map, unmap ----------------------------------------------------------------- */

int cmd_gpio_info(const struct hsxctl_cmdline *cmd)
{
    hsx_gpio_info_t pins[HSX_GPIO_MAX_PINS];
    unsigned int first = cmd->have_pin ? cmd->pin : 0;
    unsigned int end = cmd->have_pin ? cmd->pin + 1u : HSX_GPIO_MAX_PINS;
    unsigned int shown = 0;

    /* All asked first, so that a failure prints nothing but the error. */
    for (unsigned int pin = first; pin < end; pin++) {
        int ret = hsx_gpio_get_info((uint8_t)pin, &pins[pin]);
        if (ret != HSX_HAL_OK)
            return gpio_fail(ret, pin, "describe");
    }
    if (cmd->have_pin) {
        print_pin_info(stdout, &pins[cmd->pin], cmd->json);
        if (cmd->json)
            putchar('\n');
        return HSXCTL_EXIT_OK;
    }
    if (cmd->json)
        putchar('[');
    for (unsigned int pin = 0; pin < HSX_GPIO_MAX_PINS; pin++) {
        if (!pins[pin].mapped)
            continue;
        if (cmd->json && shown)
            putchar(',');
        print_pin_info(stdout, &pins[pin], cmd->json);
        shown++;
    }
    if (cmd->json)
        puts("]");
    else if (shown == 0)
        puts("no pins are mapped");
    return HSXCTL_EXIT_OK;
}

int cmd_gpio_map(const struct hsxctl_cmdline *cmd)
{
    const bool unmap = cmd->command == HSXCTL_GPIO_UNMAP;
    const char *doing = unmap ? "unmapping a GPIO pin" : "mapping a GPIO pin";
    struct hsx_gpio_map arg = {.pin = cmd->pin};

    /* An empty label unmaps. The parser kept the label shorter than the field. */
    if (!unmap) {
        memcpy(arg.chip, cmd->chip, strlen(cmd->chip));
        arg.offset = cmd->offset;
    }
    int err = ctl_ioctl(doing, HSX_IOC_GPIO_MAP, &arg);
    if (err < 0)
        return HSXCTL_EXIT_FAILURE;
    if (err == 0) {
        if (unmap)
            printf("pin %u unmapped\n", cmd->pin);
        else
            printf("pin %u mapped to %s:%u\n", cmd->pin, cmd->chip, cmd->offset);
        return HSXCTL_EXIT_OK;
    }
    switch (err) {
    case EBUSY:
        hsxctl_error("pin %u is in use: a process has it configured", cmd->pin);
        break;
    case EOPNOTSUPP:
    case KERNEL_ENOTSUPP:
        hsxctl_error("%s: the pins are bound by the device tree", doing);
        break;
    case EPERM:
    case EACCES:
        hsxctl_error("%s needs CAP_SYS_ADMIN: %s", doing, strerror(err));
        break;
    case ENOTTY:
        hsxctl_error("this hsx.ko has no GPIO module: %s", strerror(err));
        break;
    case EINVAL:
        if (!unmap) {
            hsxctl_error("hsx.ko refused the binding %s:%u: %s", cmd->chip, cmd->offset,
                         strerror(err));
            break;
        }
        /* fall through */
    default:
        hsxctl_error("%s %u failed: %s", doing, cmd->pin, strerror(err));
    }
    return HSXCTL_EXIT_FAILURE;
}
