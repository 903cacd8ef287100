// SPDX-License-Identifier: MIT
/*
 * hsxctl can restart, and can config's --restart-ms: bus-off recovery,
 * asked of hsxd through libhsx_hal (hsx_can_restart(),
 * hsx_can_set_restart_ms()), which says hsxd's reason on stderr first; this
 * says what it means for the bus, and fails.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hsx_can.h"
#include "hsxctl.h"
#include "output.h"

/* A refusal of either, in the bus's terms. Returns HSXCTL_EXIT_FAILURE. */
static int refused(int ret, unsigned int bus, const char *ifname, const char *what,
                   const char *ip_args)
{
    const int err = hsx_hal_errno();

    if (ret == HSX_HAL_BUSY && err == EBUSY)
        hsxctl_error("bus %u (%s) is not bus-off: there is nothing to restart", bus, ifname);
    else if (ret == HSX_HAL_BUSY && err == EALREADY)
        hsxctl_error("bus %u (%s) restarts by itself after bus-off (restart-ms is set): "
                     "set --restart-ms 0 to restart it by hand",
                     bus, ifname);
    else if (ret == HSX_HAL_BUSY && err == EAGAIN && ip_args)
        hsxctl_error("bus %u (%s) was changed less than a second ago, or started by someone "
                     "else meanwhile: try again",
                     bus, ifname);
    else if (ret == HSX_HAL_BUSY)
        hsxctl_error("bus %u (%s) was changed, or asked to restart, less than a second ago: "
                     "try again",
                     bus, ifname);
    else if (ret == HSX_HAL_ERROR && err == EIO && ip_args)
        hsxctl_error("%s did not come up with the new restart-ms: it runs with the old one again",
                     ifname);
    else if (ret == HSX_HAL_ERROR && err == ENETDOWN && ip_args)
        hsxctl_error("%s did not come up again after the change (the old restart-ms put back)",
                     ifname);
    else if (ret == HSX_HAL_ERROR && err == ENETDOWN)
        hsxctl_error("%s is down: a controller restarts only on an interface that is up", ifname);
    else if (ret == HSX_HAL_UNSUPPORTED && err == ENOSYS)
        hsxctl_error("hsxd is too old to %s bus %u", what, bus);
    else if (ret == HSX_HAL_UNSUPPORTED)
        hsxctl_error("%s has no controller that can restart (a virtual interface such as vcan, "
                     "or its driver cannot)",
                     ifname);
    else if (ret == HSX_HAL_DENIED && err == EACCES)
        hsxctl_error("hsxd's policy does not let this user %s bus %u (the can right 'config')",
                     what, bus);
    else if (ret == HSX_HAL_DENIED)
        hsxctl_error("hsxd %s; an administrator does it with: ip link set %s type can %s",
                     err == ECONNREFUSED ? "is not running" : "could not do it", ifname,
                     ip_args ? ip_args : "restart");
    else if (ret == HSX_HAL_NO_DEVICE)
        hsxctl_error("bus %u is not bound to an interface (see 'hsxctl can info')", bus);
    else
        return hsxctl_fail_hal(ret, "cannot %s bus %u (%s)", what, bus, ifname);
    return HSXCTL_EXIT_FAILURE;
}

int hsxctl_can_set_restart_ms(unsigned int bus, const char *ifname, uint32_t restart_ms)
{
    char ip_args[48];
    int ret = hsx_can_set_restart_ms((uint8_t)bus, restart_ms);

    if (ret == HSX_HAL_OK) {
        if (restart_ms)
            printf("bus %u (%s) restarts by itself %u ms after bus-off\n", bus, ifname, restart_ms);
        else
            printf("bus %u (%s) does not restart by itself after bus-off\n", bus, ifname);
        return HSXCTL_EXIT_OK;
    }
    snprintf(ip_args, sizeof(ip_args), "restart-ms %u (while it is down)", restart_ms);
    return refused(ret, bus, ifname, "set restart-ms of", ip_args);
}

int cmd_can_restart(const struct hsxctl_cmdline *cmd)
{
    hsx_can_info_t info;
    int ret = hsx_can_get_info(cmd->bus, &info);

    if (ret != HSX_HAL_OK)
        return hsxctl_fail_hal(ret, "cannot describe bus %u", cmd->bus);
    if (!info.bound) {
        hsxctl_error("bus %u is not bound to an interface (see 'hsxctl can info')", cmd->bus);
        return HSXCTL_EXIT_FAILURE;
    }
    ret = hsx_can_restart(cmd->bus);
    if (ret == HSX_HAL_OK) {
        printf("bus %u (%s): controller restarted\n", cmd->bus, info.ifname);
        return HSXCTL_EXIT_OK;
    }
    return refused(ret, cmd->bus, info.ifname, "restart", NULL);
}
