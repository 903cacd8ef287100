/* SPDX-License-Identifier: MIT */
/*
 * hsxctl's commands. Each returns an exit status (see cli.h).
 */
#ifndef HSXCTL_H
#define HSXCTL_H

#include "cli.h"

/* The release, unless the build passes it (-DHSX_VERSION=...). */
#ifndef HSX_VERSION
#define HSX_VERSION "0.1.0"
#endif

#define HSX_DEV_PATH(node) "/dev/" node

int cmd_status(const struct hsxctl_cmdline *cmd);
int cmd_timer_create(const struct hsxctl_cmdline *cmd);
int cmd_timer_cancel(const struct hsxctl_cmdline *cmd);
int cmd_timer_list(const struct hsxctl_cmdline *cmd);
int cmd_listen(const struct hsxctl_cmdline *cmd);
int cmd_gpio_get(const struct hsxctl_cmdline *cmd);
int cmd_gpio_set(const struct hsxctl_cmdline *cmd);
int cmd_gpio_toggle(const struct hsxctl_cmdline *cmd);
int cmd_gpio_config(const struct hsxctl_cmdline *cmd);
int cmd_gpio_monitor(const struct hsxctl_cmdline *cmd);
int cmd_gpio_info(const struct hsxctl_cmdline *cmd);
int cmd_gpio_map(const struct hsxctl_cmdline *cmd);
int cmd_uart_map(const struct hsxctl_cmdline *cmd);
int cmd_uart_config(const struct hsxctl_cmdline *cmd);
int cmd_uart_write(const struct hsxctl_cmdline *cmd);
int cmd_uart_read(const struct hsxctl_cmdline *cmd);
int cmd_uart_monitor(const struct hsxctl_cmdline *cmd);
int cmd_uart_status(const struct hsxctl_cmdline *cmd);
int cmd_can_map(const struct hsxctl_cmdline *cmd);
int cmd_can_send(const struct hsxctl_cmdline *cmd);
int cmd_can_dump(const struct hsxctl_cmdline *cmd);
int cmd_can_status(const struct hsxctl_cmdline *cmd);
int cmd_can_config(const struct hsxctl_cmdline *cmd);
int cmd_can_restart(const struct hsxctl_cmdline *cmd);
/* can config --restart-ms: the delay set on bus (bound to ifname) through hsxd, or why not. */
int hsxctl_can_set_restart_ms(unsigned int bus, const char *ifname, uint32_t restart_ms);
int cmd_can_info(const struct hsxctl_cmdline *cmd);
int cmd_fram_map(const struct hsxctl_cmdline *cmd);
int cmd_fram_info(const struct hsxctl_cmdline *cmd);
int cmd_fram_read(const struct hsxctl_cmdline *cmd);
int cmd_fram_write(const struct hsxctl_cmdline *cmd);
int cmd_fram_wear(const struct hsxctl_cmdline *cmd);
int cmd_fram_record_get(const struct hsxctl_cmdline *cmd);
int cmd_fram_record_set(const struct hsxctl_cmdline *cmd);
int cmd_fs_map(const struct hsxctl_cmdline *cmd);
int cmd_fs_ls(const struct hsxctl_cmdline *cmd);
int cmd_fs_cat(const struct hsxctl_cmdline *cmd);
int cmd_fs_put(const struct hsxctl_cmdline *cmd);
int cmd_fs_change(const struct hsxctl_cmdline *cmd); /* rm, mv, mkdir */
int cmd_fs_stat(const struct hsxctl_cmdline *cmd);
int cmd_fs_df(const struct hsxctl_cmdline *cmd);
int cmd_cap_list(const struct hsxctl_cmdline *cmd);
int cmd_cap_grant(const struct hsxctl_cmdline *cmd);
int cmd_cap_revoke(const struct hsxctl_cmdline *cmd);

/* Say why hsx.ko is not usable, if it is not. Returns true if it is loaded. */
bool require_hsx_loaded(void);

/*
 * An ioctl on the admin node /dev/hsx/ctl, for what (e.g. "cancelling another
 * process's timer"). Returns 0, the ioctl's errno, or -1 when the node could
 * not be opened (said why on stderr).
 */
int ctl_ioctl(const char *what, unsigned long request, void *arg);

/*
 * Block SIGINT and SIGTERM and return a signalfd that reads them, for a
 * command that runs until stopped; -1 (said why on stderr) if there is none.
 */
int hsxctl_stop_signal_fd(void);

/*
 * poll(fds, n) until one is ready, or until timeout_ms (0: never) have passed
 * since since_ms (hsxctl_now_ms()): the number ready, 0 once the time is up,
 * -1 after saying why poll failed. A signal that interrupts it is waited past.
 */
struct pollfd;
int hsxctl_poll_since(struct pollfd *fds, unsigned int n, uint32_t timeout_ms, uint64_t since_ms);

/* The kernel-internal ENOTSUPP, which admin maps of a device-tree binding may return. */
#define KERNEL_ENOTSUPP 524

/* An admin bind or unbind of one instance (a UART port, a CAN bus). */
struct hsxctl_map {
    const char *module; /* "UART", "CAN" */
    const char *noun;   /* "port", "bus" */
    unsigned int index;
    const char *name;      /* what it is bound to (the tty, the interface); "" unbinds */
    unsigned long request; /* HSX_IOC_UART_MAP, ... */
    void *arg;
};

/*
 * Make it through /dev/hsx/ctl and say what came of it: HSXCTL_EXIT_OK, or
 * HSXCTL_EXIT_FAILURE after saying why; or -EBUSY, -ENODEV, -EINVAL (binding)
 * for the caller to say in the module's words.
 */
int hsxctl_map(const struct hsxctl_map *m);

/* How a module's instances are named in its messages. */
struct hsxctl_kind {
    const char *noun;   /* "port", "device" */
    const char *group;  /* "uart": its commands */
    const char *list;   /* "status": the command listing them */
    const char *target; /* "tty", "nvmem device": what one is bound to */
    const char *a;      /* its article: "a", "an" */
};

/* "port 3 is not bound to a tty (see 'hsxctl uart status' and 'hsxctl uart map')". Returns 1. */
int hsxctl_not_bound(const struct hsxctl_kind *kind, unsigned int index);

/*
 * A failed library call on an instance, in its module's terms where they are
 * known (hsx.ko missing, the instance not bound, gone), else as
 * hsxctl_fail_hal() says it: "cannot <what> <noun> <index>". Returns 1.
 */
int hsxctl_fail_instance(const struct hsxctl_kind *kind, int code, unsigned int index,
                         const char *what);

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t hsxctl_now_ms(void);

#endif /* HSXCTL_H */
