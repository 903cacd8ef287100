// SPDX-License-Identifier: MIT
/*
 * hsxctl: inspect and drive hsx.ko from a shell.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "hsx_uapi.h"
#include "hsxctl.h"
#include "output.h"
#include "sysfs.h"

bool require_hsx_loaded(void)
{
    if (!path_exists(HSX_SYSFS_MODULE)) {
        hsxctl_error("hsx.ko is not loaded (no %s); load it with 'modprobe hsx'", HSX_SYSFS_MODULE);
        return false;
    }
    if (!path_exists(HSX_SYSFS_ROOT)) {
        hsxctl_error("hsx.ko is loaded but %s is missing", HSX_SYSFS_ROOT);
        return false;
    }
    return true;
}

uint64_t hsxctl_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int ctl_ioctl(const char *what, unsigned long request, void *arg)
{
    static const char ctl[] = HSX_DEV_PATH(HSX_DEV_CTL);
    int fd = open(ctl, O_RDWR | O_CLOEXEC);

    if (fd < 0) {
        int err = errno;
        if (err == ENOENT && !require_hsx_loaded())
            return -1;
        if (err == EACCES || err == EPERM)
            hsxctl_error("%s needs root (CAP_SYS_ADMIN): %s: %s", what, ctl, strerror(err));
        else
            hsxctl_error("cannot open %s: %s", ctl, strerror(err));
        return -1;
    }
    int ret = ioctl(fd, request, arg);
    int err = errno;
    close(fd);
    return ret == 0 ? 0 : err;
}

int hsxctl_stop_signal_fd(void)
{
    sigset_t stop;

    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    sigprocmask(SIG_BLOCK, &stop, NULL);
    int fd = signalfd(-1, &stop, SFD_CLOEXEC);
    if (fd < 0)
        hsxctl_error("signalfd: %s", strerror(errno));
    return fd;
}

int hsxctl_poll_since(struct pollfd *fds, unsigned int n, uint32_t timeout_ms, uint64_t since_ms)
{
    for (;;) {
        int wait_ms = -1;
        if (timeout_ms) {
            uint64_t waited = hsxctl_now_ms() - since_ms;
            wait_ms = waited >= timeout_ms ? 0 : (int)(timeout_ms - waited);
        }
        int ready = poll(fds, n, wait_ms);
        if (ready >= 0)
            return ready;
        if (errno != EINTR) {
            hsxctl_error("poll: %s", strerror(errno));
            return -1;
        }
    }
}

int hsxctl_map(const struct hsxctl_map *m)
{
    const bool unmap = m->name[0] == '\0';
    char doing[48];

    snprintf(doing, sizeof(doing), "%s a %s %s", unmap ? "unbinding" : "binding", m->module,
             m->noun);
    int err = ctl_ioctl(doing, m->request, m->arg);
    if (err < 0)
        return HSXCTL_EXIT_FAILURE;
    if (err == 0 && unmap)
        printf("%s %u unbound\n", m->noun, m->index);
    else if (err == 0)
        printf("%s %u bound to %s\n", m->noun, m->index, m->name);
    else if (err == ENXIO)
        hsxctl_error("%s %u is not bound", m->noun, m->index);
    else if (err == EOPNOTSUPP || err == KERNEL_ENOTSUPP)
        hsxctl_error("%s: %s %u is bound by the device tree", doing, m->noun, m->index);
    else if (err == EPERM || err == EACCES)
        hsxctl_error("%s needs CAP_SYS_ADMIN: %s", doing, strerror(err));
    else if (err == ENOTTY)
        hsxctl_error("this hsx.ko has no %s module: %s", m->module, strerror(err));
    else if (err != EBUSY && err != ENODEV && (err != EINVAL || unmap))
        hsxctl_error("%s %u failed: %s", doing, m->index, strerror(err));
    else
        return -err; /* the module's own words */
    return err ? HSXCTL_EXIT_FAILURE : HSXCTL_EXIT_OK;
}

int hsxctl_not_bound(const struct hsxctl_kind *kind, unsigned int index)
{
    hsxctl_error("%s %u is not bound to %s %s (see 'hsxctl %s %s' and 'hsxctl %s map')", kind->noun,
                 index, kind->a, kind->target, kind->group, kind->list, kind->group);
    return HSXCTL_EXIT_FAILURE;
}

int hsxctl_fail_instance(const struct hsxctl_kind *kind, int code, unsigned int index,
                         const char *what)
{
    int err = hsx_hal_errno();

    if (code == HSX_HAL_NO_DEVICE && err == ENOENT && !require_hsx_loaded())
        return HSXCTL_EXIT_FAILURE;
    if (code == HSX_HAL_NO_DEVICE && err == ENXIO)
        return hsxctl_not_bound(kind, index);
    if (code == HSX_HAL_NO_DEVICE && err == ENODEV) {
        hsxctl_error("%s %u is gone: it was unbound, or its %s went away", kind->noun, index,
                     kind->target);
        return HSXCTL_EXIT_FAILURE;
    }
    return hsxctl_fail_hal(code, "cannot %s %s %u", what, kind->noun, index);
}

static void print_command_help(FILE *out, const struct hsxctl_command_info *info)
{
    fprintf(out, "usage: hsxctl %s\n\n%s\n", info->synopsis, info->help);
}

static void print_help(FILE *out, const char *topic)
{
    char prefix[32];

    if (topic && !hsxctl_is_group(topic)) {
        print_command_help(out, hsxctl_find_command(topic));
        return;
    }
    snprintf(prefix, sizeof(prefix), "%s ", topic ? topic : "");
    if (!topic)
        fputs("usage: hsxctl [--help] [--version] COMMAND [ARGS]\n\n"
              "Inspect and drive the HSX HAL kernel module (hsx.ko).\n\n"
              "Commands:\n",
              out);
    for (unsigned int i = 0; i < hsxctl_command_count; i++) {
        const struct hsxctl_command_info *info = &hsxctl_commands[i];
        if (topic && strncmp(info->name, prefix, strlen(prefix)) != 0)
            continue;
        fprintf(out, "  hsxctl %s\n", info->synopsis);
    }
    fputs("\nExit status: 0 success, 1 failure, 2 bad command line.\n"
          "See 'hsxctl help COMMAND' and hsxctl(1).\n",
          out);
}

int main(int argc, char **argv)
{
    struct hsxctl_cmdline cmd;
    int ret = hsxctl_parse(argc, argv, &cmd, stderr);

    if (ret != HSXCTL_EXIT_OK)
        return ret;
    switch (cmd.command) {
    case HSXCTL_HELP:
        print_help(stdout, cmd.help_topic);
        return HSXCTL_EXIT_OK;
    case HSXCTL_VERSION:
        printf("hsxctl %s (HSX ABI %d)\n", HSX_VERSION, HSX_ABI_VERSION);
        return HSXCTL_EXIT_OK;
    case HSXCTL_STATUS:
        return cmd_status(&cmd);
    case HSXCTL_TIMER_CREATE:
        return cmd_timer_create(&cmd);
    case HSXCTL_TIMER_CANCEL:
        return cmd_timer_cancel(&cmd);
    case HSXCTL_TIMER_LIST:
        return cmd_timer_list(&cmd);
    case HSXCTL_LISTEN:
        return cmd_listen(&cmd);
    case HSXCTL_GPIO_GET:
        return cmd_gpio_get(&cmd);
    case HSXCTL_GPIO_SET:
        return cmd_gpio_set(&cmd);
    case HSXCTL_GPIO_TOGGLE:
        return cmd_gpio_toggle(&cmd);
    case HSXCTL_GPIO_CONFIG:
        return cmd_gpio_config(&cmd);
    case HSXCTL_GPIO_MONITOR:
        return cmd_gpio_monitor(&cmd);
    case HSXCTL_GPIO_INFO:
        return cmd_gpio_info(&cmd);
    case HSXCTL_GPIO_MAP:
    case HSXCTL_GPIO_UNMAP:
        return cmd_gpio_map(&cmd);
    case HSXCTL_UART_MAP:
    case HSXCTL_UART_UNMAP:
        return cmd_uart_map(&cmd);
    case HSXCTL_UART_CONFIG:
        return cmd_uart_config(&cmd);
    case HSXCTL_UART_WRITE:
        return cmd_uart_write(&cmd);
    case HSXCTL_UART_READ:
        return cmd_uart_read(&cmd);
    case HSXCTL_UART_MONITOR:
        return cmd_uart_monitor(&cmd);
    case HSXCTL_UART_STATUS:
        return cmd_uart_status(&cmd);
    case HSXCTL_CAN_MAP:
    case HSXCTL_CAN_UNMAP:
        return cmd_can_map(&cmd);
    case HSXCTL_CAN_SEND:
        return cmd_can_send(&cmd);
    case HSXCTL_CAN_DUMP:
        return cmd_can_dump(&cmd);
    case HSXCTL_CAN_STATUS:
        return cmd_can_status(&cmd);
    case HSXCTL_CAN_CONFIG:
        return cmd_can_config(&cmd);
    case HSXCTL_CAN_RESTART:
        return cmd_can_restart(&cmd);
    case HSXCTL_CAN_INFO:
        return cmd_can_info(&cmd);
    case HSXCTL_FRAM_MAP:
    case HSXCTL_FRAM_UNMAP:
        return cmd_fram_map(&cmd);
    case HSXCTL_FRAM_INFO:
        return cmd_fram_info(&cmd);
    case HSXCTL_FRAM_READ:
        return cmd_fram_read(&cmd);
    case HSXCTL_FRAM_WRITE:
        return cmd_fram_write(&cmd);
    case HSXCTL_FRAM_WEAR:
        return cmd_fram_wear(&cmd);
    case HSXCTL_FRAM_RECORD_GET:
        return cmd_fram_record_get(&cmd);
    case HSXCTL_FRAM_RECORD_SET:
        return cmd_fram_record_set(&cmd);
    case HSXCTL_FS_MAP:
    case HSXCTL_FS_UNMAP:
        return cmd_fs_map(&cmd);
    case HSXCTL_FS_LS:
        return cmd_fs_ls(&cmd);
    case HSXCTL_FS_CAT:
        return cmd_fs_cat(&cmd);
    case HSXCTL_FS_PUT:
        return cmd_fs_put(&cmd);
    case HSXCTL_FS_RM:
    case HSXCTL_FS_MV:
    case HSXCTL_FS_MKDIR:
        return cmd_fs_change(&cmd);
    case HSXCTL_FS_STAT:
        return cmd_fs_stat(&cmd);
    case HSXCTL_FS_DF:
        return cmd_fs_df(&cmd);
    case HSXCTL_CAP_LIST:
        return cmd_cap_list(&cmd);
    case HSXCTL_CAP_GRANT:
        return cmd_cap_grant(&cmd);
    case HSXCTL_CAP_REVOKE:
        return cmd_cap_revoke(&cmd);
    }
    return HSXCTL_EXIT_FAILURE;
}
