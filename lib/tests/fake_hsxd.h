/* SPDX-License-Identifier: MIT */
/*
 * A fake hsxd for the unit tests: a thread serving uapi/hsxd_proto.h on a
 * unix socket in a temporary directory, which the library is pointed at
 * with HSX_HAL_HSXD_SOCKET. The test sets how it answers and reads what it
 * was asked; minting (the kernel's side) is a hook of the test's. The
 * library trusts it because the test sets the trusted uid to its own.
 */
#ifndef HSX_TEST_FAKE_HSXD_H
#define HSX_TEST_FAKE_HSXD_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/hsxd_client.h"
#include "hsxd_proto.h"

struct fake_hsxd;

/*
 * The kernel's side of an ACQUIRE or RENEW the daemon grants: fill
 * reply->cap, or set reply->status to refuse (e.g. -EEXIST). peer is the
 * client's pid (SO_PEERCRED).
 */
typedef void (*fake_hsxd_mint_t)(struct fake_hsxd *d, const struct hsxd_request *req, pid_t peer,
                                 struct hsxd_reply *reply);

/* The interface set as a CAN_CONFIG asked (when the daemon says it did). */
typedef void (*fake_hsxd_can_config_t)(struct fake_hsxd *d, const struct hsx_can_config *config);

struct fake_hsxd {
    char dir[32];
    char path[64];
    int listen_fd, stop_fd;
    pthread_t thread;
    pthread_mutex_t lock;
    /* How to answer; change under lock. */
    int acquire_status, renew_status; /* 0 (then mint) or -errno */
    int can_config_status;            /* 0 (then can_config) or -errno */
    fake_hsxd_can_config_t can_config;
    char message[HSXD_MESSAGE_MAX]; /* with a refusal */
    bool silent;                    /* accept, read, never answer */
    bool hang_up;                   /* accept, read, close without answering */
    bool turn_away;                 /* accept, answer op 0 -EAGAIN, close, read nothing */
    bool attach_fd;                 /* send a descriptor with the reply */
    size_t reply_len;               /* bytes to send; 0: the whole reply */
    uint32_t version;               /* 0: HSXD_PROTO_VERSION */
    fake_hsxd_mint_t mint;          /* NULL: a capability with ID next_id++ */
    uint64_t next_id;
    uint64_t lifetime_ns; /* of what the default mint gives */
    /* What it saw. */
    int connections, requests, acquires, renews, can_configs, can_restarts;
    int served; /* connections closed, done with */
    struct hsxd_request last;
    pid_t last_pid;
    bool last_had_fd;
    bool last_fd_is_devnull; /* the library's node in a fake kernel */
};

static inline uint64_t fake_hsxd_boottime_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* Read one request with its descriptor; false if the client went away first. */
static inline bool fake_hsxd_read(struct fake_hsxd *d, int conn, struct hsxd_request *req, int *fd)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(4 * sizeof(int))];
    } control;
    struct iovec iov = {.iov_base = req, .iov_len = sizeof(*req)};
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.buf,
        .msg_controllen = sizeof(control.buf),
    };
    struct pollfd fds[2] = {{.fd = conn, .events = POLLIN}, {.fd = d->stop_fd, .events = POLLIN}};

    *fd = -1;
    if (poll(fds, 2, 5000) <= 0 || (fds[1].revents & POLLIN))
        return false;
    ssize_t len = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC);
    if (len != (ssize_t)sizeof(*req))
        return false;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
            memcpy(fd, CMSG_DATA(c), sizeof(int));
    }
    return true;
}

static inline void fake_hsxd_default_mint(struct fake_hsxd *d, const struct hsxd_request *req,
                                          struct hsxd_reply *reply)
{
    reply->cap.id = req->op == HSXD_OP_ACQUIRE ? d->next_id++ : d->next_id - 1;
    reply->cap.module = req->module;
    reply->cap.rights = req->rights ? req->rights : HSX_CAP_R_GPIO_ALL;
    reply->cap.sel = req->sel;
    reply->cap.expiry_ns = fake_hsxd_boottime_ns() + d->lifetime_ns;
    reply->cap.state = HSX_CAP_STATE_ACTIVE;
}

static inline void fake_hsxd_serve(struct fake_hsxd *d, int conn)
{
    struct ucred peer = {0};
    socklen_t peer_len = sizeof(peer);
    struct hsxd_request req;
    struct hsxd_reply reply = {0};
    struct stat st;
    int fd;

    getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &peer, &peer_len);
    pthread_mutex_lock(&d->lock);
    d->connections++;
    bool turn_away = d->turn_away;
    snprintf(reply.message, sizeof(reply.message), "%s", d->message);
    pthread_mutex_unlock(&d->lock);
    if (turn_away) {
        /* As hsxd does with a connection it cannot take. */
        reply.version = HSXD_PROTO_VERSION;
        reply.status = -EAGAIN;
        send(conn, &reply, sizeof(reply), MSG_NOSIGNAL);
        return;
    }
    memset(reply.message, 0, sizeof(reply.message));
    if (!fake_hsxd_read(d, conn, &req, &fd))
        return;

    pthread_mutex_lock(&d->lock);
    d->requests++;
    d->last = req;
    d->last_pid = peer.pid;
    d->last_had_fd = fd >= 0;
    d->last_fd_is_devnull =
        fd >= 0 && fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3);
    reply.version = d->version ? d->version : HSXD_PROTO_VERSION;
    reply.op = req.op;
    if (req.op == HSXD_OP_ACQUIRE) {
        d->acquires++;
        reply.status = d->acquire_status;
    } else if (req.op == HSXD_OP_RENEW) {
        d->renews++;
        reply.status = d->renew_status;
    } else if (req.op == HSXD_OP_CAN_CONFIG) {
        d->can_configs++;
        reply.status = d->can_config_status;
        if (reply.status == 0 && d->can_config)
            d->can_config(d, &req.can_config);
    } else if (req.op == HSXD_OP_CAN_RESTART || req.op == HSXD_OP_CAN_RESTART_MS) {
        d->can_restarts++;
        reply.status = d->can_config_status;
    } else {
        reply.status = -EPERM;
    }
    if (reply.status == 0 && (req.op == HSXD_OP_ACQUIRE || req.op == HSXD_OP_RENEW)) {
        if (d->mint)
            d->mint(d, &req, peer.pid, &reply);
        else
            fake_hsxd_default_mint(d, &req, &reply);
    }
    if (reply.status != 0)
        snprintf(reply.message, sizeof(reply.message), "%s", d->message);
    bool silent = d->silent, hang_up = d->hang_up, attach = d->attach_fd;
    size_t len = d->reply_len ? d->reply_len : sizeof(reply);
    pthread_mutex_unlock(&d->lock);
    if (fd >= 0)
        close(fd);

    if (hang_up)
        return;
    if (silent) {
        /* Until the client gives up (or the test ends). */
        struct pollfd fds[2] = {{.fd = conn, .events = POLLIN},
                                {.fd = d->stop_fd, .events = POLLIN}};
        poll(fds, 2, 10000);
        return;
    }
    unsigned char buf[2 * sizeof(reply)] = {0};
    memcpy(buf, &reply, sizeof(reply));
    union {
        struct cmsghdr align;
        char cbuf[CMSG_SPACE(sizeof(int))];
    } control = {0};
    struct iovec iov = {.iov_base = buf, .iov_len = len > sizeof(buf) ? sizeof(buf) : len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    int extra = -1;
    if (attach) {
        extra = eventfd(0, EFD_CLOEXEC);
        msg.msg_control = control.cbuf;
        msg.msg_controllen = sizeof(control.cbuf);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &extra, sizeof(int));
    }
    sendmsg(conn, &msg, MSG_NOSIGNAL);
    if (extra >= 0)
        close(extra);
}

static inline void *fake_hsxd_main(void *arg)
{
    struct fake_hsxd *d = arg;

    for (;;) {
        struct pollfd fds[2] = {{.fd = d->listen_fd, .events = POLLIN},
                                {.fd = d->stop_fd, .events = POLLIN}};
        if (poll(fds, 2, -1) < 0 && errno == EINTR)
            continue;
        if (fds[1].revents & POLLIN)
            return NULL;
        int conn = accept4(d->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn < 0)
            continue;
        fake_hsxd_serve(d, conn);
        close(conn);
        pthread_mutex_lock(&d->lock);
        d->served++;
        pthread_mutex_unlock(&d->lock);
    }
}

/* Start serving; the library is pointed at it and trusts this process's uid. */
static inline int fake_hsxd_start(struct fake_hsxd *d)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};

    memset(d, 0, sizeof(*d));
    pthread_mutex_init(&d->lock, NULL);
    d->next_id = 7;
    d->lifetime_ns = 3600ULL * 1000000000ULL;
    snprintf(d->dir, sizeof(d->dir), "/tmp/hsx-hsxd-XXXXXX");
    if (!mkdtemp(d->dir))
        return -1;
    snprintf(d->path, sizeof(d->path), "%s/hsxd.sock", d->dir);
    memcpy(addr.sun_path, d->path, sizeof(d->path));
    d->listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    d->stop_fd = eventfd(0, EFD_CLOEXEC);
    if (d->listen_fd < 0 || d->stop_fd < 0 ||
        bind(d->listen_fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
        listen(d->listen_fd, 16) < 0 || pthread_create(&d->thread, NULL, fake_hsxd_main, d))
        return -1;
    setenv("HSX_HAL_HSXD_SOCKET", d->path, 1);
    hsx_hsxd_set_trusted_uid(getuid());
    return 0;
}

static inline void fake_hsxd_stop(struct fake_hsxd *d)
{
    eventfd_write(d->stop_fd, 1);
    pthread_join(d->thread, NULL);
    close(d->listen_fd);
    close(d->stop_fd);
    unlink(d->path);
    rmdir(d->dir);
    pthread_mutex_destroy(&d->lock);
    unsetenv("HSX_HAL_HSXD_SOCKET");
    hsx_hsxd_set_trusted_uid(0);
}

/* A counter of d (requests, acquires, ...) read under its lock. */
static inline int fake_hsxd_get(struct fake_hsxd *d, const int *counter)
{
    pthread_mutex_lock(&d->lock);
    int value = *counter;
    pthread_mutex_unlock(&d->lock);
    return value;
}

/* Wait until *counter reaches at_least, or timeout_ms; returns its value. */
static inline int fake_hsxd_wait(struct fake_hsxd *d, const int *counter, int at_least,
                                 unsigned int timeout_ms)
{
    for (unsigned int waited = 0;; waited += 5) {
        int value = fake_hsxd_get(d, counter);
        if (value >= at_least || waited >= timeout_ms)
            return value;
        struct timespec ts = {.tv_nsec = 5000000};
        nanosleep(&ts, NULL);
    }
}

#endif /* HSX_TEST_FAKE_HSXD_H */
