// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>

#include "admin.h"

int admin_open(char *why, size_t why_size)
{
    int fd = open(ADMIN_CTL_PATH, O_RDWR | O_EXCL | O_CLOEXEC);

    if (fd >= 0)
        return fd;
    int err = errno;
    switch (err) {
    case ENOENT:
        snprintf(why, why_size, "%s does not exist: is hsx.ko loaded? (modprobe hsx)",
                 ADMIN_CTL_PATH);
        break;
    case EBUSY:
        snprintf(why, why_size,
                 "%s is held by another capability administrator (is another "
                 "hsxd running?)",
                 ADMIN_CTL_PATH);
        break;
    case EACCES:
    case EPERM:
        snprintf(why, why_size, "%s: %s (hsxd must run as root)", ADMIN_CTL_PATH, strerror(err));
        break;
    default:
        snprintf(why, why_size, "cannot open %s: %s", ADMIN_CTL_PATH, strerror(err));
    }
    return -err;
}

static int call(int fd, unsigned long request, void *arg)
{
    int ret;

    do {
        ret = ioctl(fd, request, arg);
    } while (ret < 0 && errno == EINTR);
    return ret < 0 ? -errno : 0;
}

int admin_client(int ctl, struct hsx_cap_client *client)
{
    return call(ctl, HSX_IOC_CAP_CLIENT, client);
}

int admin_mint(int ctl, struct hsx_cap_mint *mint)
{
    return call(ctl, HSX_IOC_CAP_MINT, mint);
}

int admin_renew(int ctl, uint64_t id, uint64_t expiry_ns)
{
    struct hsx_cap_renew renew = {.id = id, .expiry_ns = expiry_ns};

    return call(ctl, HSX_IOC_CAP_RENEW, &renew);
}

int admin_revoke(int ctl, struct hsx_cap_revoke *revoke)
{
    return call(ctl, HSX_IOC_CAP_REVOKE, revoke);
}

int admin_list_next(int ctl, uint64_t after, struct hsx_cap_info *info)
{
    struct hsx_cap_list list = {.after_id = after};
    int ret = call(ctl, HSX_IOC_CAP_LIST, &list);

    if (ret == 0)
        *info = list.info;
    return ret;
}

int admin_info(int fd, uint32_t module, struct hsx_cap_query *query)
{
    *query = (struct hsx_cap_query){.module = module};
    return call(fd, HSX_IOC_CAP_INFO, query);
}

int admin_can_info(int ctl, struct hsx_can_info *info)
{
    return call(ctl, HSX_IOC_CAN_INFO, info);
}

int admin_can_status(int ctl, struct hsx_can_status *status)
{
    return call(ctl, HSX_IOC_CAN_GET_STATUS, status);
}

int admin_can_check(int ctl, const struct hsx_can_config *config)
{
    struct hsx_can_config copy = *config;

    return call(ctl, HSX_IOC_CAN_CONFIG, &copy);
}

int admin_fs_map(int ctl, struct hsx_fs_map *map)
{
    return call(ctl, HSX_IOC_FS_MAP, map);
}

uint64_t boottime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
