// SPDX-License-Identifier: MIT
/*
 * hsxctl cap list | grant | revoke: requests to hsxd over its socket
 * (uapi/hsxd_proto.h). hsxd decides who may ask (root, by SO_PEERCRED); this
 * side checks that the socket is hsxd's (served by root) before it believes
 * an answer.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cap_print.h"
#include "capspec.h"
#include "hsxctl.h"
#include "hsxd_proto.h"
#include "output.h"
#include "proto.h"

/* How long hsxd may take to answer; it answers at once unless it is stuck. */
#define REPLY_TIMEOUT_MS 10000

/* A connection to hsxd, checked to be served by root; -1 after saying why. */
static int connect_hsxd(void)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX, .sun_path = HSXD_SOCKET_PATH};
    struct ucred cred;
    socklen_t len = sizeof(cred);
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

    if (fd < 0) {
        hsxctl_error("socket: %s", strerror(errno));
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        int err = errno;
        if (err == ENOENT || err == ECONNREFUSED)
            hsxctl_error("hsxd is not running (%s: %s); start it with 'systemctl start hsxd'",
                         HSXD_SOCKET_PATH, strerror(err));
        else
            hsxctl_error("cannot connect to hsxd at %s: %s", HSXD_SOCKET_PATH, strerror(err));
        close(fd);
        return -1;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0) {
        hsxctl_error("%s is not served by root: not hsxd, refusing to talk to it",
                     HSXD_SOCKET_PATH);
        close(fd);
        return -1;
    }
    return fd;
}

/* The next reply to op, checked; false after saying why. */
static bool receive(int fd, uint32_t op, struct hsxd_reply *reply)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    unsigned char buf[sizeof(*reply) + 1];
    char why[128];

    int ready = poll(&pfd, 1, REPLY_TIMEOUT_MS);
    if (ready <= 0) {
        hsxctl_error("hsxd did not answer within %d s", REPLY_TIMEOUT_MS / 1000);
        return false;
    }
    ssize_t n = recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
        hsxctl_error("hsxd closed the connection without an answer%s%s", n < 0 ? ": " : "",
                     n < 0 ? strerror(errno) : "");
        return false;
    }
    if (proto_check_reply(buf, (size_t)n, op, reply, why, sizeof(why)) < 0) {
        hsxctl_error("a malformed answer from hsxd: %s", why);
        return false;
    }
    return true;
}

/* Send req, receive its (first) reply; false after saying why. */
static bool exchange(int fd, const struct hsxd_request *req, struct hsxd_reply *reply)
{
    if (send(fd, req, sizeof(*req), MSG_NOSIGNAL) != (ssize_t)sizeof(*req)) {
        hsxctl_error("sending to hsxd: %s", strerror(errno));
        return false;
    }
    return receive(fd, req->op, reply);
}

/* A refusal, in hsxd's words. Returns HSXCTL_EXIT_FAILURE. */
static int refused(const char *what, const struct hsxd_reply *reply)
{
    hsxctl_error("%s: %s (%s)", what, reply->message[0] ? reply->message : "refused",
                 strerror(-reply->status));
    return HSXCTL_EXIT_FAILURE;
}

/* One request, one reply: print hsxd's words on success, or say why it refused. */
static int ask_hsxd(const struct hsxd_request *req, const char *what)
{
    struct hsxd_reply reply;
    int fd = connect_hsxd();

    if (fd < 0)
        return HSXCTL_EXIT_FAILURE;
    bool ok = exchange(fd, req, &reply);
    close(fd);
    if (!ok)
        return HSXCTL_EXIT_FAILURE;
    if (reply.status < 0)
        return refused(what, &reply);
    printf("%s\n", reply.message);
    return HSXCTL_EXIT_OK;
}

static uint64_t boottime_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int cmd_cap_list(const struct hsxctl_cmdline *cmd)
{
    struct hsxd_request req = {.version = HSXD_PROTO_VERSION, .op = HSXD_OP_LIST};
    struct hsxd_reply reply;
    struct cap_row *rows = NULL;
    size_t count = 0;
    int fd = connect_hsxd();
    int status = HSXCTL_EXIT_FAILURE;

    if (fd < 0)
        return HSXCTL_EXIT_FAILURE;
    /* All of it first, so that a failure midway prints nothing but the error. */
    bool ok = exchange(fd, &req, &reply);
    while (ok && reply.status == 0 && reply.op == HSXD_OP_LIST) {
        /* Bounded by what the kernel allows to live at once. */
        struct cap_row *more =
            count < HSX_CAP_MAX_TOTAL ? realloc(rows, (count + 1) * sizeof(*rows)) : NULL;
        if (!more) {
            hsxctl_error("hsxd lists more capabilities than can exist (%d)", HSX_CAP_MAX_TOTAL);
            ok = false;
            break;
        }
        rows = more;
        rows[count++].info = reply.cap;
        ok = receive(fd, HSXD_OP_LIST, &reply);
    }
    if (ok && reply.status < 0) {
        refused("listing capabilities", &reply);
    } else if (ok) {
        /* The holder's program, as root sees it: who holds what. */
        char(*exes)[256] = calloc(count ? count : 1, sizeof(*exes));
        for (size_t i = 0; exes && i < count; i++) {
            char link[32];
            snprintf(link, sizeof(link), "/proc/%" PRIu32 "/exe", rows[i].info.holder_pid);
            ssize_t n = rows[i].info.holder_pid ? readlink(link, exes[i], sizeof(exes[i]) - 1) : -1;
            exes[i][n > 0 ? n : 0] = '\0';
            rows[i].exe = exes[i];
        }
        if (exes) {
            print_caps(stdout, rows, count, boottime_now(), cmd->json);
            status = HSXCTL_EXIT_OK;
        } else {
            hsxctl_error("out of memory");
        }
        free(exes);
    }
    free(rows);
    close(fd);
    return status;
}

int cmd_cap_grant(const struct hsxctl_cmdline *cmd)
{
    struct hsxd_request req = {
        .version = HSXD_PROTO_VERSION,
        .op = HSXD_OP_GRANT,
        .module = cmd->module,
        .rights = cmd->rights,
        .sel = cmd->sel,
        .uid = cmd->uid,
        .lifetime_s = cmd->lifetime_s,
    };

    return ask_hsxd(&req, "granting");
}

int cmd_cap_revoke(const struct hsxctl_cmdline *cmd)
{
    struct hsxd_request req = {.version = HSXD_PROTO_VERSION, .op = HSXD_OP_REVOKE};
    char what[48];

    if (cmd->cap_options & HSXCTL_TAKES_PID) {
        req.pid = cmd->pid;
        req.flags = HSXD_REVOKE_F_PID;
        snprintf(what, sizeof(what), "revoking the capabilities of pid %" PRIu32, cmd->pid);
    } else {
        req.cap_id = cmd->cap_id;
        snprintf(what, sizeof(what), "revoking capability %" PRIu64, cmd->cap_id);
    }
    return ask_hsxd(&req, what);
}
