// SPDX-License-Identifier: MIT
/*
 * hsxctl: inspect and drive hsx.ko from a shell.
 */
#include <stdio.h>
#include <string.h>

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

static void print_command_help(FILE *out, const struct hsxctl_command_info *info)
{
    fprintf(out, "usage: hsxctl %s\n\n%s\n", info->synopsis, info->help);
}

static void print_help(FILE *out, const char *topic)
{
    if (topic && strcmp(topic, "timer") != 0) {
        print_command_help(out, hsxctl_find_command(topic));
        return;
    }
    if (!topic)
        fputs("usage: hsxctl [--help] [--version] COMMAND [ARGS]\n\n"
              "Inspect and drive the HSX HAL kernel module (hsx.ko).\n\n"
              "Commands:\n",
              out);
    for (unsigned int i = 0; i < hsxctl_command_count; i++) {
        const struct hsxctl_command_info *info = &hsxctl_commands[i];
        if (topic && strncmp(info->name, "timer ", 6) != 0)
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
    }
    return HSXCTL_EXIT_FAILURE;
}
