// SPDX-License-Identifier: MIT
/*
 * rtnetlink for can_config.c and can_restart.c, with libmnl: a socket per
 * request (hsxd changes a bus rarely), nothing read but the answer to that
 * request, and never a wait for that answer longer than CAN_LINK_TIMEOUT_MS,
 * so that an answer that never comes cannot stall hsxd's single event loop
 * (libsocketcan 0.0.12 waits in recvmsg() without end for an answer that
 * names the interface as it asked). That bounds the wait, not the request:
 * NETLINK_ROUTE runs a request inside send(), under the rtnl lock, with the
 * driver's ndo_stop()/ndo_open() of a change, so send() itself takes as long
 * as the driver does; and one change is several requests (a rollback up to
 * about nine). The loop can so stall past CAN_LINK_TIMEOUT_MS, and a client
 * that gave up waiting (the library's HSX_HSXD_TIMEOUT_MS) may see
 * HSX_HAL_TIMEOUT for a change hsxd went on to apply.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "can_link.h"

static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The answer in one datagram: 1 done (ret set), 0 not ours, keep reading. */
static int answer(const void *dgram, size_t len, const struct nlmsghdr *req, unsigned int portid,
                  void *buf, size_t size, int *ret)
{
    const struct nlmsghdr *nlh = dgram;
    int left = (int)len;

    for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
        if (nlh->nlmsg_seq != req->nlmsg_seq || (nlh->nlmsg_pid && nlh->nlmsg_pid != portid))
            continue;
        if (nlh->nlmsg_type == NLMSG_ERROR) {
            const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
            if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)) || e->error > 0) {
                *ret = -EPROTO;
                return 1;
            }
            *ret = e->error; /* 0: the ack */
            return 1;
        }
        if (nlh->nlmsg_type == NLMSG_DONE || nlh->nlmsg_type < NLMSG_MIN_TYPE)
            continue;
        if (nlh->nlmsg_len > size) {
            *ret = -EMSGSIZE;
            return 1;
        }
        memcpy(buf, nlh, nlh->nlmsg_len);
        *ret = (int)nlh->nlmsg_len;
        return 1;
    }
    return 0;
}

int can_link_xfer(int fd, unsigned int portid, const struct nlmsghdr *req, void *buf, size_t size,
                  int timeout_ms)
{
    static char dgram[16384] __attribute__((aligned(4)));
    const long long deadline = now_ms() + timeout_ms;

    if (send(fd, req, req->nlmsg_len, MSG_NOSIGNAL) < 0)
        return -errno;
    for (;;) {
        long long left = deadline - now_ms();
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (left <= 0)
            return -ETIMEDOUT;
        int n = poll(&p, 1, (int)left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        if (n == 0)
            return -ETIMEDOUT;
        ssize_t len = recv(fd, dgram, sizeof(dgram), MSG_DONTWAIT);
        if (len < 0 && (errno == EAGAIN || errno == EINTR))
            continue;
        if (len < 0)
            return -errno;
        if (len == 0)
            return -EPROTO;
        int ret;
        if (answer(dgram, (size_t)len, req, portid, buf, size, &ret))
            return ret;
    }
}

int can_link_request(const struct nlmsghdr *req, void *buf, size_t size)
{
    struct mnl_socket *nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);

    if (!nl)
        return -errno;
    int ret = mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ? -errno : 0;
    if (ret == 0)
        ret = can_link_xfer(mnl_socket_get_fd(nl), mnl_socket_get_portid(nl), req, buf, size,
                            CAN_LINK_TIMEOUT_MS);
    mnl_socket_close(nl);
    return ret;
}
