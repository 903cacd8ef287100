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
int cmd_can_info(const struct hsxctl_cmdline *cmd);
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

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t hsxctl_now_ms(void);

#endif /* HSXCTL_H */
