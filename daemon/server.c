// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "admin.h"
#include "lifecycle.h"
#include "log.h"
#include "ops.h"
#include "proto.h"
#include "server.h"

/* File descriptors a request may carry: ACQUIRE, RENEW and the CAN ones one; more is refused, not
 * kept. */
#define FDS_MAX 4

/* What the kernel attaches to a request: its descriptors, and who sent it (SO_PASSCRED). */
union control {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int) * FDS_MAX) + CMSG_SPACE(sizeof(struct ucred))];
};

struct conn {
    enum source source; /* SOURCE_CONN */
    int fd;
    struct peer peer;
    uint64_t deadline_ns; /* closed when idle past it */
    bool has_reply;
    bool listing;
    bool close_after;
    uint64_t list_after;
    struct hsxd_reply reply;
};

static const enum source listen_source = SOURCE_LISTEN;
static const enum source signal_source = SOURCE_SIGNAL;
static const enum source events_source = SOURCE_EVENTS;

static struct server *server_of(struct hsxd *h)
{
    return (struct server *)((char *)h - offsetof(struct server, hsxd));
}

static int epoll_set(struct server *s, int op, int fd, uint32_t events, const void *source)
{
    struct epoll_event ev = {.events = events, .data.ptr = (void *)source};

    if (epoll_ctl(s->epoll, op, fd, &ev) < 0) {
        log_msg(LOG_ERR, "epoll_ctl: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static void watch_holder(struct hsxd *h, struct holder *holder, bool on)
{
    struct server *s = server_of(h);

    if (holder->pidfd < 0)
        return;
    if (on)
        epoll_set(s, EPOLL_CTL_ADD, holder->pidfd, EPOLLIN, holder);
    else
        epoll_ctl(s->epoll, EPOLL_CTL_DEL, holder->pidfd, NULL);
}

/* ---- setup ---------------------------------------------------------------------------- */

/*
 * Whether hsxd may bind path: 0 when nothing is there, or a socket nobody listens on (one an
 * hsxd left when it died: removed here); -1 after logging why not. Something listening there is
 * hsxd.socket or another hsxd, whose clients would lose it to an unlink.
 */
static int claim_socket_path(const struct sockaddr_un *addr)
{
    const char *path = addr->sun_path;
    struct stat st;

    if (lstat(path, &st) < 0) {
        if (errno == ENOENT)
            return 0;
        log_msg(LOG_ERR, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISSOCK(st.st_mode)) {
        log_msg(LOG_ERR, "%s is not a socket: not removing it", path);
        return -1;
    }
    /* Non-blocking: a listener whose backlog is full answers EAGAIN rather than stalling us. */
    int probe = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (probe < 0) {
        log_msg(LOG_ERR, "socket: %s", strerror(errno));
        return -1;
    }
    int ret = connect(probe, (const struct sockaddr *)addr, sizeof(*addr));
    int err = ret < 0 ? errno : 0;
    close(probe);
    if (err == ENOENT)
        return 0; /* removed meanwhile */
    if (err == ECONNREFUSED) {
        if (unlink(path) < 0 && errno != ENOENT) {
            log_msg(LOG_ERR, "removing the stale socket %s: %s", path, strerror(errno));
            return -1;
        }
        return 0;
    }
    /* Connected, or refused as busy or of another type: a listener is there. */
    if (!err || err == EAGAIN || err == EPROTOTYPE)
        log_msg(LOG_ERR,
                "hsxd.socket (or another hsxd) is listening on %s: not starting (to run hsxd by "
                "hand, systemctl stop hsxd.socket hsxd.service first)",
                path);
    else
        log_msg(LOG_ERR, "%s: %s: not removing it", path, strerror(err));
    return -1;
}

static int open_socket(struct server *s, const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    char dir[sizeof(addr.sun_path)];
    struct stat st;

    if (strlen(path) >= sizeof(addr.sun_path)) {
        log_msg(LOG_ERR, "socket path %s is too long", path);
        return -1;
    }
    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
    snprintf(dir, sizeof(dir), "%s", path);
    /* systemd's RuntimeDirectory= makes it; by hand, make it here. */
    if (mkdir(dirname(dir), 0755) < 0 && errno != EEXIST) {
        log_msg(LOG_ERR, "mkdir %s: %s", dir, strerror(errno));
        return -1;
    }
    if (claim_socket_path(&addr) < 0)
        return -1;
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        log_msg(LOG_ERR, "socket: %s", strerror(errno));
        return -1;
    }
    /*
     * Every request then carries its sender's pid as the kernel has it at send time
     * (SCM_CREDENTIALS, not forgeable without CAP_SYS_ADMIN). Set on the listening socket, so
     * that accepted ones have it from the start (unix_accept() copies it; a request sent before
     * the accept gets it too).
     */
    if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &(int){1}, sizeof(int)) < 0) {
        log_msg(LOG_ERR, "SO_PASSCRED: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || chmod(path, 0666) < 0 ||
        listen(fd, SERVER_CONNS_MAX) < 0 || lstat(path, &st) < 0) {
        log_msg(LOG_ERR, "listening on %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    /* What server_fini() removes: the file bound here, not one another put there since. */
    s->socket_dev = st.st_dev;
    s->socket_ino = st.st_ino;
    return fd;
}

/*
 * The socket systemd listens on for hsxd (hsxd.socket), when it started hsxd so (LISTEN_FDS):
 * 1 with *fd set, 0 when it did not (hsxd then makes its own), -1 after logging why it cannot
 * be used. It must be one listening SOCK_SEQPACKET socket bound to path: clients find hsxd there.
 */
static int inherited_socket(const char *path, int *fd)
{
    int n = sd_listen_fds(1);

    if (n == 0)
        return 0;
    if (n < 0) {
        log_msg(LOG_ERR, "the sockets systemd passed: %s", strerror(-n));
        return -1;
    }
    if (n != 1 || sd_is_socket_unix(SD_LISTEN_FDS_START, SOCK_SEQPACKET, 1, path, 0) <= 0) {
        log_msg(LOG_ERR,
                "systemd passed %d descriptor%s; hsxd takes one listening SOCK_SEQPACKET socket "
                "bound to %s (hsxd.socket)",
                n, n == 1 ? "" : "s", path);
        return -1;
    }
    /* As open_socket() makes its own: the loop accepts until EAGAIN; no child inherits it. */
    int flags = fcntl(SD_LISTEN_FDS_START, F_GETFL);
    if (flags < 0 || fcntl(SD_LISTEN_FDS_START, F_SETFL, flags | O_NONBLOCK) < 0 ||
        fcntl(SD_LISTEN_FDS_START, F_SETFD, FD_CLOEXEC) < 0 ||
        setsockopt(SD_LISTEN_FDS_START, SOL_SOCKET, SO_PASSCRED, &(int){1}, sizeof(int)) < 0) {
        log_msg(LOG_ERR, "the socket systemd passed: %s", strerror(errno));
        return -1;
    }
    *fd = SD_LISTEN_FDS_START;
    return 1;
}

/* Let hsxd hold SERVER_FDS_NEEDED descriptors (hsxd.service sets LimitNOFILE); warn if it cannot.
 */
static void raise_fd_limit(void)
{
    struct rlimit limit;

    if (getrlimit(RLIMIT_NOFILE, &limit) < 0)
        return;
    if (limit.rlim_cur < SERVER_FDS_NEEDED && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max < SERVER_FDS_NEEDED ? limit.rlim_max : SERVER_FDS_NEEDED;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    if (limit.rlim_cur < SERVER_FDS_NEEDED)
        log_msg(LOG_WARNING,
                "the descriptor limit is %llu, below the %d hsxd may need: past it, connections "
                "wait and holders go unwatched (raise LimitNOFILE in hsxd.service)",
                (unsigned long long)limit.rlim_cur, SERVER_FDS_NEEDED);
}

int server_listen(struct server *s, const char *path)
{
    s->socket_path = path;
    int inherited = inherited_socket(path, &s->listen_fd);
    if (inherited < 0)
        return -1;
    s->socket_inherited = inherited > 0;
    if (!s->socket_inherited)
        s->listen_fd = open_socket(s, path);
    return s->listen_fd < 0 ? -1 : 0;
}

int server_init(struct server *s)
{
    sigset_t signals;

    raise_fd_limit();

    s->signal_fd = -1;
    s->hsxd.watch = watch_holder;
    s->epoll = epoll_create1(EPOLL_CLOEXEC);
    if (s->epoll < 0) {
        log_msg(LOG_ERR, "epoll_create1: %s", strerror(errno));
        return -1;
    }
    sigemptyset(&signals);
    sigaddset(&signals, SIGHUP);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigprocmask(SIG_BLOCK, &signals, NULL);
    signal(SIGPIPE, SIG_IGN);
    s->signal_fd = signalfd(-1, &signals, SFD_NONBLOCK | SFD_CLOEXEC);
    if (s->signal_fd < 0) {
        log_msg(LOG_ERR, "signalfd: %s", strerror(errno));
        return -1;
    }
    if (epoll_set(s, EPOLL_CTL_ADD, s->signal_fd, EPOLLIN, &signal_source) < 0 ||
        epoll_set(s, EPOLL_CTL_ADD, mnl_socket_get_fd(s->events.sock), EPOLLIN, &events_source) <
            0 ||
        epoll_set(s, EPOLL_CTL_ADD, s->listen_fd, EPOLLIN, &listen_source) < 0)
        return -1;
    return 0;
}

/* ---- connections ------------------------------------------------------------------------ */

static void conn_close(struct server *s, struct conn *c)
{
    for (unsigned int i = 0; i < s->nconns; i++) {
        if (s->conns[i] == c) {
            s->conns[i] = s->conns[--s->nconns];
            break;
        }
    }
    close(c->fd); /* also leaves the epoll set */
    peer_release(&c->peer);
    free(c);
}

/* Send what is queued, continuing a LIST; then wait for the next request. false: closed. */
static bool conn_flush(struct server *s, struct conn *c)
{
    for (;;) {
        if (!c->has_reply && c->listing) {
            memset(&c->reply, 0, sizeof(c->reply));
            c->reply.version = HSXD_PROTO_VERSION;
            c->listing = ops_list_next(&s->hsxd, &c->list_after, &c->reply);
            c->has_reply = true;
        }
        if (!c->has_reply)
            break;
        ssize_t n = send(c->fd, &c->reply, sizeof(c->reply), MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EAGAIN) {
            epoll_set(s, EPOLL_CTL_MOD, c->fd, EPOLLOUT, c);
            return true;
        }
        if (n != (ssize_t)sizeof(c->reply)) {
            conn_close(s, c);
            return false;
        }
        c->has_reply = false;
    }
    if (c->close_after) {
        conn_close(s, c);
        return false;
    }
    epoll_set(s, EPOLL_CTL_MOD, c->fd, EPOLLIN, c);
    return true;
}

/*
 * Receive one message, the descriptors it carries (at most FDS_MAX kept, all counted in *nfds)
 * and its sender's pid (*sender, 0 when the kernel attached none). fds[] holds -1 where no
 * descriptor came: with MSG_CTRUNC the kernel may have installed only some (out of room, or
 * out of descriptors), so *nfds says nothing of which.
 */
static ssize_t receive(int fd, void *buf, size_t size, int *fds, int *nfds, uint32_t *sender,
                       bool *truncated)
{
    union control control;
    struct iovec iov = {.iov_base = buf, .iov_len = size};
    struct msghdr msg = {
        .msg_iov = &iov,
        .msg_iovlen = 1,
        .msg_control = control.buf,
        .msg_controllen = sizeof(control.buf),
    };

    *nfds = 0;
    *sender = 0;
    for (int i = 0; i < FDS_MAX; i++)
        fds[i] = -1;
    ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n < 0)
        return -errno;
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(&msg); cm; cm = CMSG_NXTHDR(&msg, cm)) {
        if (cm->cmsg_level != SOL_SOCKET)
            continue;
        if (cm->cmsg_type == SCM_CREDENTIALS && cm->cmsg_len == CMSG_LEN(sizeof(struct ucred))) {
            struct ucred cred;
            memcpy(&cred, CMSG_DATA(cm), sizeof(cred));
            *sender = cred.pid > 0 ? (uint32_t)cred.pid : 0;
        }
        if (cm->cmsg_type != SCM_RIGHTS)
            continue;
        size_t count = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < count && *nfds < FDS_MAX; i++)
            memcpy(&fds[(*nfds)++], CMSG_DATA(cm) + i * sizeof(int), sizeof(int));
    }
    /* The kernel closed the descriptors that did not fit; count them as too many. */
    if (msg.msg_flags & MSG_CTRUNC)
        *nfds = FDS_MAX + 1;
    *truncated = msg.msg_flags & MSG_TRUNC;
    return n;
}

/*
 * Was the request sent by the process that connected? SO_PEERCRED says who connected, not who
 * sends: a process handed the connection (a forked child, SCM_RIGHTS) would otherwise ask as
 * its maker, with its maker's files. Both are tgids in hsxd's pid namespace; a sender with the
 * peer's pid is the peer, as peer_read() found it alive by its pidfd. false with why.
 */
static bool sent_by_peer(const struct peer *peer, uint32_t sender, char *why, size_t size)
{
    if (sender == peer->pid)
        return true;
    if (!sender)
        textf(why, size, "the kernel did not say who sent the request (SCM_CREDENTIALS)");
    else
        textf(why, size,
              "the request was sent by pid %u, not by pid %u, which connected: each process asks "
              "on a connection of its own",
              sender, peer->pid);
    return false;
}

static void handle(struct server *s, struct conn *c, const void *buf, size_t len, int nfds, int fd,
                   uint32_t sender)
{
    static struct peer_now now;
    struct identity who = {
        .pid = c->peer.pid,
        .uid = c->peer.uid,
        .gid = c->peer.gid,
        .groups = c->peer.groups,
        .ngroups = c->peer.ngroups,
        .exe = now.exe,
        .cgroup = now.cgroup,
    };
    struct hsxd_request req;
    char why[HSXD_MESSAGE_MAX];
    uint32_t op = 0;

    c->reply = (struct hsxd_reply){.version = HSXD_PROTO_VERSION};
    c->has_reply = true;
    if (len >= 2 * sizeof(uint32_t))
        memcpy(&op, (const char *)buf + offsetof(struct hsxd_request, op), sizeof(op));
    c->reply.op = op;
    /* Read now, not at connect: a process may exec another program in between. */
    if (peer_read(&c->peer, &now, why, sizeof(why)) < 0) {
        snprintf(c->reply.message, sizeof(c->reply.message), "%s", why);
        c->reply.status = -ESRCH;
        c->close_after = true;
        return;
    }
    who.exe_id = now.exe_id;
    if (!sent_by_peer(&c->peer, sender, why, sizeof(why))) {
        ops_refuse(&s->hsxd, &who, op, -EPERM, why, &c->reply);
        c->close_after = true;
        return;
    }
    /* An administrator as the kernel has it: CAP_SYS_ADMIN, not uid 0. */
    int ret = proto_check_request(buf, len, nfds, now.admin, &req, why, sizeof(why));
    if (ret < 0) {
        /* A client that sends garbage gets one answer, then the door. */
        ops_refuse(&s->hsxd, &who, op, ret, why, &c->reply);
        c->close_after = true;
        return;
    }
    switch (req.op) {
    case HSXD_OP_ACQUIRE:
        ops_acquire(&s->hsxd, &who, c->peer.pidfd, fd, &req, &c->reply);
        break;
    case HSXD_OP_RENEW:
        ops_renew(&s->hsxd, &who, fd, &req, &c->reply);
        break;
    case HSXD_OP_CAN_CONFIG:
        ops_can_config(&s->hsxd, &who, now.admin, fd, &req, &c->reply);
        break;
    case HSXD_OP_CAN_RESTART:
    case HSXD_OP_CAN_RESTART_MS:
        ops_can_restart(&s->hsxd, &who, now.admin, fd, &req, &c->reply);
        break;
    case HSXD_OP_GRANT:
        ops_grant(&s->hsxd, &who, &req, &c->reply);
        break;
    case HSXD_OP_REVOKE:
        ops_revoke(&s->hsxd, &who, &req, &c->reply);
        break;
    case HSXD_OP_LIST:
        c->has_reply = false;
        c->listing = true;
        c->list_after = 0;
        break;
    }
}

static void conn_read(struct server *s, struct conn *c)
{
    unsigned char buf[sizeof(struct hsxd_request) + 64];
    int fds[FDS_MAX], nfds;
    uint32_t sender;
    bool truncated = false;

    ssize_t n = receive(c->fd, buf, sizeof(buf), fds, &nfds, &sender, &truncated);
    if (n == -EAGAIN || n == -EINTR)
        return;
    if (n <= 0 && nfds == 0) { /* the client hung up, or the connection failed */
        conn_close(s, c);
        return;
    }
    c->deadline_ns = boottime_ns() + SERVER_IDLE_NS;
    /* A message longer than the buffer is refused by its length, whatever it holds. */
    size_t len = truncated ? sizeof(buf) : (size_t)(n > 0 ? n : 0);
    handle(s, c, buf, len, nfds, fds[0], sender);
    for (int i = 0; i < FDS_MAX; i++) /* those received: -1 in the others */
        if (fds[i] >= 0)
            close(fds[i]);
    conn_flush(s, c);
}

static unsigned int conns_of(const struct server *s, uint32_t uid)
{
    unsigned int count = 0;

    for (unsigned int i = 0; i < s->nconns; i++)
        count += s->conns[i]->peer.uid == uid;
    return count;
}

/* Say no to a connection hsxd cannot take now, without reading its request. */
static void turn_away(struct server *s, int fd, const struct peer *peer, const char *why)
{
    struct hsxd_reply reply = {.version = HSXD_PROTO_VERSION};
    struct identity who = {.pid = peer->pid, .uid = peer->uid, .gid = peer->gid, .exe = ""};

    ops_refuse(&s->hsxd, &who, 0, -EAGAIN, why, &reply);
    send(fd, &reply, sizeof(reply), MSG_NOSIGNAL | MSG_DONTWAIT);
    close(fd);
}

static void accept_one(struct server *s, int fd)
{
    uint64_t now = boottime_ns();
    struct conn *c = calloc(1, sizeof(*c));
    char why[HSXD_MESSAGE_MAX];

    if (!c) {
        close(fd);
        return;
    }
    if (peer_identify(fd, now, &c->peer, why, sizeof(why)) < 0) {
        /* A client can do this at will: one line per uid and 10 s, the rest counted. */
        char key[32], text[RATELIMIT_TEXT_MAX];
        textf(key, sizeof(key), "dropped %u", c->peer.uid);
        textf(text, sizeof(text), "connection dropped: %s", why);
        ops_log_limited(&s->hsxd, LOG_INFO, key, text);
        free(c);
        close(fd);
        return;
    }
    if (s->nconns >= SERVER_CONNS_MAX || conns_of(s, c->peer.uid) >= SERVER_CONNS_PER_UID) {
        snprintf(why, sizeof(why), "too many connections to hsxd%s: try again later",
                 s->nconns >= SERVER_CONNS_MAX ? "" : " from this user");
        turn_away(s, fd, &c->peer, why);
        peer_release(&c->peer);
        free(c);
        return;
    }
    c->source = SOURCE_CONN;
    c->fd = fd;
    c->deadline_ns = now + SERVER_IDLE_NS;
    if (epoll_set(s, EPOLL_CTL_ADD, fd, EPOLLIN, c) < 0) {
        peer_release(&c->peer);
        free(c);
        close(fd);
        return;
    }
    s->conns[s->nconns++] = c;
}

/*
 * Out of descriptors or memory, accept() fails and leaves the connection
 * queued, so the listening socket stays ready: stop watching it for a while
 * rather than spin (clients wait in the backlog meanwhile).
 */
static void pause_accepting(struct server *s, int err)
{
    char text[RATELIMIT_TEXT_MAX];

    if (epoll_set(s, EPOLL_CTL_MOD, s->listen_fd, 0, &listen_source) < 0)
        return;
    s->accept_paused_until = boottime_ns() + SERVER_ACCEPT_PAUSE_NS;
    textf(text, sizeof(text),
          "accept: %s: not accepting connections for %llu ms (%u connections, %zu processes "
          "watched)",
          strerror(err), SERVER_ACCEPT_PAUSE_NS / 1000000, s->nconns, s->hsxd.holders.nholders);
    ops_log_limited(&s->hsxd, LOG_WARNING, "accept paused", text);
}

/* Watch the listening socket again once the pause is over; when it will be (0: not paused). */
static uint64_t resume_accepting(struct server *s, uint64_t now)
{
    if (!s->accept_paused_until || now < s->accept_paused_until)
        return s->accept_paused_until;
    if (epoll_set(s, EPOLL_CTL_MOD, s->listen_fd, EPOLLIN, &listen_source) < 0)
        return s->accept_paused_until = now + SERVER_ACCEPT_PAUSE_NS;
    return s->accept_paused_until = 0;
}

static void accept_all(struct server *s)
{
    /* A few per wakeup, so that a flood of connections cannot starve the rest. */
    for (int i = 0; i < 16; i++) {
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)) {
            pause_accepting(s, errno);
            return;
        }
        if (fd < 0) {
            if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                log_msg(LOG_WARNING, "accept: %s", strerror(errno));
            return;
        }
        accept_one(s, fd);
    }
}

/* ---- signals, events, time ------------------------------------------------------------ */

static void reload(struct server *s)
{
    static char err[16384];
    struct policy *policy;

    sd_notify(0, "RELOADING=1\nSTATUS=reloading the policy");
    if (policy_load(s->hsxd.policy_path, true, &policy, err, sizeof(err)) < 0) {
        log_lines(LOG_ERR, err);
        log_msg(LOG_ERR, "the new policy has errors: keeping the previous one (nothing revoked)");
        sd_notify(0, "READY=1\nSTATUS=policy reload failed; previous policy in force");
        return;
    }
    if (policy->notes)
        log_lines(LOG_WARNING, policy->notes);
    policy_free(s->hsxd.policy);
    s->hsxd.policy = policy;
    log_msg(LOG_NOTICE, "policy reloaded from %s: %zu rules", s->hsxd.policy_path, policy->nrules);
    /* What it allows less of ends now, not at its expiry. */
    unsigned int revoked, decided = lifecycle_recheck(&s->hsxd, &revoked);
    log_msg(LOG_NOTICE, "policy reloaded: %u live capabilit%s decided again, %u revoked", decided,
            decided == 1 ? "y" : "ies", revoked);
    sd_notify(0, "READY=1\nSTATUS=serving");
}

static void read_signals(struct server *s)
{
    struct signalfd_siginfo info;

    while (read(s->signal_fd, &info, sizeof(info)) == (ssize_t)sizeof(info)) {
        if (info.ssi_signo == SIGHUP) {
            reload(s);
        } else {
            log_msg(LOG_INFO, "stopping on signal %u; capabilities stay live", info.ssi_signo);
            s->stop = true;
        }
    }
}

static void on_cap_event(void *ctx, const struct cap_event *event)
{
    struct server *s = ctx;

    if (lifecycle_event(&s->hsxd, event) < 0)
        s->stop = true;
}

static int read_events(struct server *s)
{
    int ret = events_read(&s->events, on_cap_event, s);

    if (ret == -ENOBUFS) {
        log_msg(LOG_WARNING, "capability events were lost (socket overflow); re-reading the "
                             "kernel's list");
        lifecycle_resync(&s->hsxd);
        return 0;
    }
    if (ret < 0) {
        log_msg(LOG_ERR, "reading %s: %s", HSX_MBOX_CAPS, strerror(-ret));
        return -1;
    }
    return s->stop ? -1 : 0;
}

/* Close idle connections; how long epoll may wait for the next deadline (ms, -1 none). */
static int housekeeping(struct server *s)
{
    uint64_t now = boottime_ns(), next = ops_flush_denials(&s->hsxd, false);
    uint64_t paused = resume_accepting(s, now);

    if (paused && (!next || paused < next))
        next = paused;
    ops_expire_grants(&s->hsxd);
    for (size_t i = 0; i < s->hsxd.ngrants; i++) {
        if (!next || s->hsxd.grants[i].expires_ns < next)
            next = s->hsxd.grants[i].expires_ns;
    }
    for (unsigned int i = 0; i < s->nconns;) {
        struct conn *c = s->conns[i];
        if (now >= c->deadline_ns) {
            conn_close(s, c); /* moves the last one to i */
            continue;
        }
        if (!next || c->deadline_ns < next)
            next = c->deadline_ns;
        i++;
    }
    if (!next)
        return -1;
    return next <= now ? 0 : (int)((next - now) / 1000000 + 1);
}

/* Handle one event of the loop. Returns 0, or -1 when hsxd cannot go on. */
static int dispatch(struct server *s, const struct epoll_event *event)
{
    switch (*(const enum source *)event->data.ptr) {
    case SOURCE_LISTEN:
        accept_all(s);
        break;
    case SOURCE_SIGNAL:
        read_signals(s);
        break;
    case SOURCE_EVENTS:
        return read_events(s);
    case SOURCE_HOLDER:
        lifecycle_holder_exited(&s->hsxd, event->data.ptr);
        break;
    case SOURCE_CONN:
        if (event->events & EPOLLOUT)
            conn_flush(s, event->data.ptr);
        else
            conn_read(s, event->data.ptr);
        break;
    }
    return 0;
}

int server_run(struct server *s)
{
    struct epoll_event event;

    while (!s->stop) {
        /*
         * One event per wait: handling one may free what another points to
         * (a capability's end drops its holder, whose pidfd may be ready
         * too), and hsxd's traffic is a few requests a second at most.
         */
        int n = epoll_wait(s->epoll, &event, 1, housekeeping(s));
        if (n < 0 && errno != EINTR) {
            log_msg(LOG_ERR, "epoll_wait: %s", strerror(errno));
            return 1;
        }
        if (n > 0 && dispatch(s, &event) < 0)
            return 1;
    }
    return 0;
}

void server_fini(struct server *s)
{
    ops_flush_denials(&s->hsxd, true);
    while (s->nconns)
        conn_close(s, s->conns[0]);
    if (s->listen_fd >= 0) {
        close(s->listen_fd);
        /*
         * systemd's socket stays where it is, listening for the next hsxd; so does one that
         * replaced ours (systemctl start hsxd.socket while this hsxd ran).
         */
        struct stat st;
        if (!s->socket_inherited && lstat(s->socket_path, &st) == 0 && st.st_dev == s->socket_dev &&
            st.st_ino == s->socket_ino)
            unlink(s->socket_path);
    }
    if (s->signal_fd >= 0)
        close(s->signal_fd);
    if (s->epoll >= 0)
        close(s->epoll);
}
