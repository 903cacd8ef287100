// SPDX-License-Identifier: MIT
/*
 * Talking to hsxd: one SOCK_SEQPACKET connection per request, as
 * uapi/hsxd_proto.h describes. Connections are not kept: a request comes at
 * most once per module per second (cap.c), and a fresh connection survives
 * a restart of hsxd with nothing to reconnect.
 *
 * The device file sent along is what hsxd mints a capability onto, so it
 * must reach hsxd and nobody else: before anything is sent, the peer's
 * credentials (SO_PEERCRED, taken by the kernel when the server called
 * listen(), so they cannot be forged) must be root's. A socket at the path
 * served by anyone else is a fake daemon and is refused.
 */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/hsxd_client.h"

static _Atomic uid_t trusted_uid = 0;
static atomic_uint timeout_ms = HSX_HSXD_TIMEOUT_MS;

void hsx_hsxd_set_trusted_uid(uid_t uid)
{
    atomic_store(&trusted_uid, uid);
}

void hsx_hsxd_set_timeout_ms(unsigned int ms)
{
    atomic_store(&timeout_ms, ms ? ms : HSX_HSXD_TIMEOUT_MS);
}

const char *hsx_hsxd_socket_path(void)
{
    /* secure_getenv: a setuid program must not be pointed at another socket by its caller. */
    const char *path = secure_getenv("HSX_HAL_HSXD_SOCKET");

    return path && path[0] ? path : HSXD_SOCKET_PATH;
}

/* ---- messages ------------------------------------------------------------------ */

static const char *errno_text(int err)
{
    const char *text = strerrordesc_np(err);

    return text ? text : "unknown error";
}

char *hsx_hsxd_describe(char *buf, size_t size, int ret, const struct hsxd_reply *reply)
{
    const char *path = hsx_hsxd_socket_path();

    if (ret == 0)
        snprintf(buf, size, "hsxd refused: %s",
                 reply->message[0] ? reply->message : errno_text(-reply->status));
    else if (hsx_hsxd_not_running(ret))
        snprintf(buf, size, "hsxd is not running (start hsxd.service)");
    else if (ret == -EPERM)
        snprintf(buf, size, "%s is not served by root: refusing to talk to a fake hsxd", path);
    else if (ret == -ETIMEDOUT)
        snprintf(buf, size, "hsxd did not answer in time (%s)", path);
    else if (ret == -EPROTO)
        snprintf(buf, size, "hsxd speaks another protocol version than this library (%d)",
                 HSXD_PROTO_VERSION);
    else
        snprintf(buf, size, "asking hsxd at %s failed: %s", path, errno_text(-ret));
    return buf;
}

void hsx_hsxd_request_init(struct hsxd_request *req, uint32_t op, uint32_t module, uint32_t rights,
                           const union hsx_cap_selector *sel)
{
    *req = (struct hsxd_request){
        .version = HSXD_PROTO_VERSION,
        .op = op,
        .module = module,
        .rights = rights,
    };
    if (sel)
        req->sel = *sel;
}

/* hsxd's words go to the application's stderr: keep them one printable line. */
static void sanitize_message(char *message, size_t size)
{
    message[size - 1] = '\0';
    for (char *c = message; *c; c++) {
        if ((unsigned char)*c < 0x20 || *c == 0x7f)
            *c = '?';
    }
}

/*
 * What was minted is on the file whatever the reply says, and the kernel
 * enforces what it holds; but a reply that grants more than was asked for
 * is not an answer to this request (the policy only narrows it), so it is
 * not believed. All-zero rights or objects asked for everything allowed.
 */
static bool within_request(const struct hsxd_request *req, const struct hsx_cap_info *cap)
{
    if (cap->rights & HSX_CAP_R_ADMIN)
        return false;
    if (req->rights && (cap->rights & ~req->rights))
        return false;
    const union hsx_cap_selector *asked = &req->sel;
    const union hsx_cap_selector *got = &cap->sel;
    if (!asked->raw[0] && !asked->raw[1] && !asked->raw[2] && !asked->raw[3])
        return true;
    switch (req->module) {
    case HSX_MODULE_GPIO:
        if (got->gpio.pins & ~asked->gpio.pins)
            return false;
        break;
    case HSX_MODULE_TIMER:
        if (got->timer.max_timers > asked->timer.max_timers ||
            got->timer.reserved != asked->timer.reserved)
            return false;
        break;
    default:
        /* A module this library does not know: every bit must have been asked for. */
        if (got->raw[0] & ~asked->raw[0])
            return false;
        break;
    }
    for (size_t i = 1; i < sizeof(got->raw) / sizeof(got->raw[0]); i++) {
        if (got->raw[i] & ~asked->raw[i])
            return false;
    }
    return true;
}

int hsx_hsxd_check_reply(const struct hsxd_request *req, struct hsxd_reply *reply, size_t len)
{
    /* A daemon of another version may send another size: its version says so first. */
    if (len >= sizeof(reply->version) && reply->version != HSXD_PROTO_VERSION)
        return -EPROTO;
    /* Op 0: hsxd turned the connection away (EAGAIN) before reading the request. */
    bool turned_away = reply->op == 0 && reply->status < 0;
    if (len != sizeof(*reply) || (reply->op != req->op && !turned_away) || reply->status > 0 ||
        reply->status < -4095)
        return -EBADMSG;
    sanitize_message(reply->message, sizeof(reply->message));
    if (reply->status < 0)
        return 0;
    /*
     * A grant must describe a capability of the module asked for, no wider
     * than the request: the rights and objects are the policy's to narrow.
     */
    if (req->op == HSXD_OP_ACQUIRE || req->op == HSXD_OP_RENEW) {
        if (reply->cap.id == 0 || reply->cap.module != req->module || reply->cap.expiry_ns == 0 ||
            !within_request(req, &reply->cap))
            return -EBADMSG;
    }
    return 0;
}

/* ---- the exchange --------------------------------------------------------------- */

static uint64_t monotonic_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Connect and check the peer. Returns the socket, or -errno. */
static int connect_to_hsxd(unsigned int timeout)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    const char *path = hsx_hsxd_socket_path();
    struct timeval tv = {.tv_sec = timeout / 1000, .tv_usec = (timeout % 1000) * 1000};
    struct ucred peer;
    socklen_t peer_len = sizeof(peer);

    if (strlen(path) >= sizeof(addr.sun_path))
        return -ENAMETOOLONG;
    strcpy(addr.sun_path, path);

    int sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    if (sock < 0)
        return -errno;
    /* Bounds connect() (a full backlog) and sendmsg() alike. */
    setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    if (connect(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        int err = errno;
        close(sock);
        return err == EAGAIN || err == EINPROGRESS ? -ETIMEDOUT : -err;
    }
    if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &peer, &peer_len) < 0) {
        int err = errno;
        close(sock);
        return -err;
    }
    if (peer.uid != atomic_load(&trusted_uid)) {
        close(sock);
        return -EPERM;
    }
    return sock;
}

static int send_request(int sock, const struct hsxd_request *req, int fd)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control = {0};
    struct iovec iov = {.iov_base = (void *)req, .iov_len = sizeof(*req)};
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.buf,
        .msg_controllen = sizeof(control.buf),
    };
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);

    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));

    ssize_t sent = sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (sent < 0)
        return errno == EAGAIN ? -ETIMEDOUT : -errno;
    return sent == (ssize_t)sizeof(*req) ? 0 : -EMSGSIZE;
}

/* hsxd sends no descriptors; close any that came all the same rather than leak them. */
static void close_received_fds(struct msghdr *msg)
{
    for (struct cmsghdr *cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
        if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS)
            continue;
        size_t n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int), sizeof(int));
            close(fd);
        }
    }
}

/* Wait for the reply until the deadline or cancel_fd. Returns its length, or -errno. */
static ssize_t receive_reply(int sock, struct hsxd_reply *reply, uint64_t deadline, int cancel_fd)
{
    bool reset = false;

    for (;;) {
        struct pollfd fds[2] = {
            {.fd = sock, .events = POLLIN},
            {.fd = cancel_fd, .events = POLLIN},
        };
        uint64_t now = monotonic_ms();
        if (now >= deadline)
            return -ETIMEDOUT;
        int ready = poll(fds, cancel_fd >= 0 ? 2 : 1, (int)(deadline - now));
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0)
            return -errno;
        if (ready == 0)
            return -ETIMEDOUT;
        if (cancel_fd >= 0 && (fds[1].revents & POLLIN))
            return -ECANCELED;

        union {
            struct cmsghdr align;
            char buf[CMSG_SPACE(4 * sizeof(int))];
        } control;
        struct iovec iov = {.iov_base = reply, .iov_len = sizeof(*reply)};
        struct msghdr msg = {
            .msg_iov = &iov,
            .msg_iovlen = 1,
            .msg_control = control.buf,
            .msg_controllen = sizeof(control.buf),
        };
        /* MSG_TRUNC: a longer datagram reports its real length and is refused. */
        ssize_t len = recvmsg(sock, &msg, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
        if (len < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        /*
         * hsxd closed with our request unread (it turned the connection
         * away): the socket reports that once, ahead of the answer it queued.
         */
        if (len < 0 && errno == ECONNRESET && !reset) {
            reset = true;
            continue;
        }
        if (len < 0)
            return -errno;
        close_received_fds(&msg);
        /* End of file: hsxd closed the connection without answering. */
        return len == 0 ? -ECONNRESET : len;
    }
}

int hsx_hsxd_call(const struct hsxd_request *req, int fd, struct hsxd_reply *reply, int cancel_fd)
{
    unsigned int timeout = atomic_load(&timeout_ms);
    uint64_t deadline = monotonic_ms() + timeout;

    memset(reply, 0, sizeof(*reply));
    int sock = connect_to_hsxd(timeout);
    if (sock < 0)
        return sock;
    int ret = send_request(sock, req, fd);
    /*
     * hsxd may have answered and closed before reading anything (it turns
     * away a connection it cannot take): the send then fails, but the answer
     * is there to read and says why.
     */
    if (ret == 0 || ret == -EPIPE || ret == -ECONNRESET) {
        ssize_t len = receive_reply(sock, reply, deadline, cancel_fd);
        if (len >= 0)
            ret = hsx_hsxd_check_reply(req, reply, (size_t)len);
        else if (ret == 0)
            ret = (int)len;
    }
    close(sock);
    return ret;
}
