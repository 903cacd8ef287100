// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/genetlink.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "core/errors.h"
#include "core/netlink.h"
#include "core/wire.h"
#include "hsx_hal_types.h"
#include "hsx_uapi.h"

int hsx_nl_open(struct mnl_socket **sock, int rcvbuf)
{
    struct mnl_socket *nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);

    if (!nl)
        return -errno;
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        int err = errno;
        mnl_socket_close(nl);
        return -err;
    }
    /* Best effort: a smaller buffer only means drops come sooner, and they are reported. */
    if (rcvbuf > 0)
        setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    *sock = nl;
    return 0;
}

uint32_t hsx_nl_seq(void)
{
    static atomic_uint last_seq;
    uint32_t seq;

    /* 0 would turn off libmnl's sequence check, so skip it when the counter wraps. */
    do {
        seq = atomic_fetch_add(&last_seq, 1) + 1;
    } while (seq == 0);
    return seq;
}

int hsx_nl_transact(struct mnl_socket *sock, const struct nlmsghdr *req, mnl_cb_t on_reply,
                    void *data, bool events_may_overflow)
{
    unsigned int portid = mnl_socket_get_portid(sock);
    int ret;

    if (mnl_socket_sendto(sock, req, req->nlmsg_len) < 0)
        return -errno;
    /* On the heap: a dump batch may be 32 KiB, and callers' threads may have small stacks. */
    unsigned char *buf = malloc(HSX_NL_DUMP_BUFSIZE);
    if (!buf)
        return -ENOMEM;
    for (;;) {
        ssize_t len = mnl_socket_recvfrom(sock, buf, HSX_NL_DUMP_BUFSIZE);
        if (len < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ENOBUFS && events_may_overflow)
                continue;
            ret = -errno;
            break;
        }
        errno = 0;
        ret = mnl_cb_run(buf, (size_t)len, req->nlmsg_seq, portid, on_reply, data);
        if (ret < 0) {
            ret = errno ? -errno : -EBADMSG;
            break;
        }
        if (ret == MNL_CB_STOP) {
            ret = 0;
            break;
        }
    }
    free(buf);
    return ret;
}

/* ---- the family ID ---------------------------------------------------------- */

static pthread_mutex_t family_lock = PTHREAD_MUTEX_INITIALIZER;
static uint16_t cached_family; /* 0: not resolved; the controller never hands out 0 */

static int on_family_reply(const struct nlmsghdr *nlh, void *data)
{
    int ret = hsx_wire_parse_family(nlh, data);

    if (ret < 0) {
        errno = -ret;
        return MNL_CB_ERROR;
    }
    return MNL_CB_OK;
}

int hsx_nl_resolve(const char *name, uint16_t *family)
{
    unsigned char buf[HSX_NL_BUFSIZE];
    struct mnl_socket *sock;
    uint16_t id = 0;

    const struct nlmsghdr *req = hsx_wire_get_family(buf, sizeof(buf), hsx_nl_seq(), name);
    if (!req)
        return -EINVAL;
    int ret = hsx_nl_open(&sock, 0);
    if (ret < 0)
        return ret;
    ret = hsx_nl_transact(sock, req, on_family_reply, &id, false);
    mnl_socket_close(sock);
    if (ret == 0 && id == 0)
        ret = -EBADMSG;
    if (ret == 0)
        *family = id;
    return ret;
}

/* With family_lock held. */
static int resolve_family_locked(uint16_t *family)
{
    if (cached_family) {
        *family = cached_family;
        return HSX_HAL_OK;
    }
    int ret = hsx_nl_resolve(HSX_GENL_NAME, &cached_family);
    /* The controller answers ENOENT for a family nobody registered. */
    if (ret == -ENOENT)
        return hsx_fail_with(HSX_HAL_NO_DEVICE, ENOENT);
    if (ret < 0)
        return hsx_fail_with_errno(ret);
    *family = cached_family;
    return HSX_HAL_OK;
}

int hsx_nl_family(uint16_t *family)
{
    pthread_mutex_lock(&family_lock);
    int ret = resolve_family_locked(family);
    pthread_mutex_unlock(&family_lock);
    return ret;
}

void hsx_nl_fork_prepare(void)
{
    pthread_mutex_lock(&family_lock);
}

void hsx_nl_fork_parent(void)
{
    pthread_mutex_unlock(&family_lock);
}

void hsx_nl_fork_child(void)
{
    pthread_mutex_unlock(&family_lock);
}

int hsx_nl_family_refresh(uint16_t stale, uint16_t *family)
{
    pthread_mutex_lock(&family_lock);
    if (cached_family == stale)
        cached_family = 0;
    int ret = resolve_family_locked(family);
    pthread_mutex_unlock(&family_lock);
    return ret;
}
