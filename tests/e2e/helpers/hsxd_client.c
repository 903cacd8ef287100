// SPDX-License-Identifier: MIT
/*
 * hsxd-client: an application's side of hsxd, step by step, for
 * tests/e2e/test_hsxd.sh. Not a test by itself (it lives in a subdirectory,
 * which the VM harness does not run).
 *
 *   hsxd-client [--uid UID] STEP...
 *
 * drops to UID (and gid UID) first, then runs the steps in order, printing
 * "ok - ..." or "not ok - ..." for each; exits with the number that failed.
 *
 *   open:MODULE[:N]                   open MODULE's node, /dev/hsx/MODULE (or its
 *                                     instance N, /dev/hsx/MODULEN): any module whose
 *                                     descriptor has capabilities (gpio, timer, ...)
 *   acquire:MODULE:EXPECT[:RIGHTS[:SELECTOR]]
 *                                     ask hsxd for a capability on that file
 *   renew:MODULE:EXPECT               ask hsxd to renew it
 *   timer:EXPECT                      create a (stopped) timer on the timer's file
 *   canconfig:BUS:BITRATE:EXPECT      ask hsxd to set CAN bus BUS to BITRATE bit/s
 *                                     (no modes) with the file open:can opened
 *   forkedconfig:BUS:BITRATE:EXPECT   the same, on a connection this process made,
 *                                     sent by a child of its (with this process's file)
 *   sleep:MS                          wait MS milliseconds
 *   show                              print the last capability hsxd sent: "cap ID ..."
 *   foreign:MODULE                    acquire with a file a child opened: expect ESRCH
 *   garbage:text|short:EXPECT         send 5 bytes of text, or a request cut short;
 *                                     expect EXPECT, then the door
 *   forkhold                          fork a child that keeps the files open, print its pid
 *   hold                              print "holding" and wait for SIGTERM (exit 0)
 *   pause                             print "paused N" (N counts the pauses) and wait
 *                                     for SIGUSR1, then go on
 *
 * EXPECT is "ok" or an errno name (EACCES, ESRCH, EKEYREVOKED, ...). Modules
 * are the library's descriptors (lib/src/core/module.h): one more needs no
 * edit here.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../fdpass.h"
#include "capspec.h"
#include "hsxd_proto.h"
#include "proto.h"

static const struct {
    const char *name;
    int value;
} errnos[] = {
    {"ok", 0},          {"EACCES", EACCES},           {"EPERM", EPERM},
    {"ESRCH", ESRCH},   {"EINVAL", EINVAL},           {"EEXIST", EEXIST},
    {"ENOENT", ENOENT}, {"EKEYREVOKED", EKEYREVOKED}, {"EKEYEXPIRED", EKEYEXPIRED},
    {"EPROTO", EPROTO}, {"EAGAIN", EAGAIN},           {"EDQUOT", EDQUOT},
    {"EDOM", EDOM},     {"EOPNOTSUPP", EOPNOTSUPP},   {"ENODEV", ENODEV},
};

static int failures;
static int *files; /* by module, as hsx_umodules[] */
static struct hsxd_reply last;

static const char *errno_name(int value)
{
    for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++) {
        if (errnos[i].value == value)
            return errnos[i].name;
    }
    return strerror(value);
}

static int errno_value(const char *name)
{
    for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++) {
        if (strcmp(errnos[i].name, name) == 0)
            return errnos[i].value;
    }
    fprintf(stderr, "hsxd-client: unknown EXPECT '%s'\n", name);
    exit(100);
}

static void result(bool ok, const char *step, const char *detail)
{
    printf("%s - %s%s%s\n", ok ? "ok" : "not ok", step, detail[0] ? ": " : "", detail);
    fflush(stdout);
    failures += !ok;
}

static const struct hsx_umodule *module_of(const char *name)
{
    const struct hsx_umodule *m = capspec_module_by_name(name);

    if (!m) {
        fprintf(stderr, "hsxd-client: unknown module '%s'\n", name);
        exit(100);
    }
    return m;
}

/* The file open:MODULE opened for m, or -1. */
static int *file_of(const struct hsx_umodule *m)
{
    if (!files) {
        files = malloc(hsx_umodule_count * sizeof(*files));
        if (!files)
            exit(100);
        for (size_t i = 0; i < hsx_umodule_count; i++)
            files[i] = -1;
    }
    return &files[hsx_umod_index(m)];
}

/* "/dev/hsx/gpio", "/dev/hsx/uart0" (instance >= 0), as the descriptor says. */
static char *node_path(const struct hsx_umodule *m, int instance, char *path, size_t size)
{
    snprintf(path, size, "/dev/");
    if (!hsx_umod_node_path(m, instance, path + 5, size - 5)) {
        fprintf(stderr, "hsxd-client: module '%s' has no such node\n", m->name);
        exit(100);
    }
    return path;
}

static void open_node(const char *step, char **args, int nargs)
{
    const struct hsx_umodule *m = module_of(args[0]);
    int *fd = file_of(m);
    char path[64];

    *fd =
        open(node_path(m, nargs > 1 ? atoi(args[1]) : -1, path, sizeof(path)), O_RDWR | O_CLOEXEC);
    result(*fd >= 0, step, *fd < 0 ? strerror(errno) : "");
}

static int connect_hsxd(void)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX, .sun_path = HSXD_SOCKET_PATH};
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        perror("hsxd-client: connect");
        exit(100);
    }
    return fd;
}

/*
 * Send buf (with fd if not -1) on sock, receive one reply into last; returns its status, or
 * -EPIPE for no reply, or for no end after it when closes. Closes sock.
 */
static int exchange_on(int sock, const void *buf, size_t len, int fd, uint32_t op, bool closes)
{
    char ctl[CMSG_SPACE(sizeof(int))] = {0}, why[128];
    struct iovec iov = {.iov_base = (void *)buf, .iov_len = len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
    unsigned char in[sizeof(last) + 1];

    if (fd >= 0) {
        msg.msg_control = ctl;
        msg.msg_controllen = sizeof(ctl);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &fd, sizeof(int));
    }
    if (sendmsg(sock, &msg, MSG_NOSIGNAL) != (ssize_t)len) {
        close(sock);
        return -EPIPE;
    }
    ssize_t n = recv(sock, in, sizeof(in), 0);
    if (n <= 0 || proto_check_reply(in, (size_t)n, op, &last, why, sizeof(why)) < 0) {
        close(sock);
        return -EPIPE;
    }
    if (closes && recv(sock, in, sizeof(in), 0) != 0)
        last.status = -EPIPE;
    close(sock);
    return last.status;
}

/* exchange_on() a connection of its own. */
static int exchange(const void *buf, size_t len, int fd, uint32_t op, bool closes)
{
    return exchange_on(connect_hsxd(), buf, len, fd, op, closes);
}

static void check_status(const char *step, int status, int want)
{
    char detail[256];

    snprintf(detail, sizeof(detail), "%s%s%s", errno_name(-status), last.message[0] ? ", " : "",
             last.message);
    result(status == -want, step, detail);
}

static void acquire(const char *step, char **args, int nargs, uint32_t op)
{
    const struct hsx_umodule *m = module_of(args[0]);
    struct hsxd_request req = {.version = HSXD_PROTO_VERSION, .op = op, .module = m->id};
    char why[128];

    if (nargs > 2 && hsx_umod_parse_rights(m, args[2], &req.rights, why, sizeof(why)) < 0) {
        fprintf(stderr, "hsxd-client: %s\n", why);
        exit(100);
    }
    if (nargs > 3 && hsx_umod_sel_parse(m, args[3], &req.sel, why, sizeof(why)) < 0) {
        fprintf(stderr, "hsxd-client: %s\n", why);
        exit(100);
    }
    memset(&last, 0, sizeof(last));
    check_status(step, exchange(&req, sizeof(req), *file_of(m), op, false), errno_value(args[1]));
}

static struct hsxd_request can_config_request(char **args)
{
    struct hsxd_request req = {
        .version = HSXD_PROTO_VERSION,
        .op = HSXD_OP_CAN_CONFIG,
        .module = HSX_MODULE_CAN,
        .can_config = {.bus = (uint32_t)atoi(args[0]), .bitrate = (uint32_t)atoi(args[1])}};

    return req;
}

static void can_config(const char *step, char **args)
{
    struct hsxd_request req = can_config_request(args);

    memset(&last, 0, sizeof(last));
    check_status(step, exchange(&req, sizeof(req), *file_of(module_of("can")), req.op, false),
                 errno_value(args[2]));
}

/*
 * This process connects; a child of its, which inherits the connection and the CAN file, sends
 * the request: what any process handed both would do. This one stays alive meanwhile, so that
 * only "not the process that connected" can refuse.
 */
static void forked_can_config(const char *step, char **args)
{
    struct hsxd_request req = can_config_request(args);
    int sock = connect_hsxd(), status;

    fflush(stdout);
    pid_t child = fork();
    if (child == 0) {
        memset(&last, 0, sizeof(last));
        check_status(
            step, exchange_on(sock, &req, sizeof(req), *file_of(module_of("can")), req.op, false),
            errno_value(args[2]));
        _exit(failures);
    }
    close(sock);
    if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status))
        result(false, step, "the child did not run");
    else
        failures += WEXITSTATUS(status);
}

static void create_timer(const char *step, const char *expect)
{
    struct hsx_timer_create create = {.period_us = 1000000, .flags = HSX_TIMER_F_STOPPED};
    int ret = ioctl(*file_of(module_of("timer")), HSX_IOC_TIMER_CREATE, &create) < 0 ? -errno : 0;

    snprintf(last.message, sizeof(last.message), "%s", "");
    check_status(step, ret, errno_value(expect));
}

/* A child opens the file and passes it over; the parent asks with it. */
static void foreign(const char *step, const char *module)
{
    const struct hsx_umodule *m = module_of(module);
    char path[64], byte;
    int sv[2];

    node_path(m, -1, path, sizeof(path));
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0)
        exit(100);
    pid_t child = fork();
    if (child == 0) {
        int fd = open(path, O_RDWR);

        if (fd < 0 || fdpass_send(sv[1], fd) < 0)
            _exit(1);
        /* Stay alive while the parent asks, so that only "not the opener" can refuse. */
        read(sv[1], &byte, 1);
        _exit(0);
    }
    int fd = fdpass_recv(sv[0]);
    struct hsxd_request req = {
        .version = HSXD_PROTO_VERSION, .op = HSXD_OP_ACQUIRE, .module = m->id};
    check_status(step, fd < 0 ? -EBADF : exchange(&req, sizeof(req), fd, HSXD_OP_ACQUIRE, false),
                 ESRCH);
    write(sv[0], "x", 1);
    waitpid(child, NULL, 0);
    close(fd);
}

static void on_term(int sig)
{
    (void)sig;
    _exit(failures);
}

static void run(char *step)
{
    char copy[256], *args[5] = {NULL};
    int nargs = 0;

    snprintf(copy, sizeof(copy), "%s", step);
    char *name = strtok(copy, ":");
    for (char *a = strtok(NULL, ":"); a && nargs < 5; a = strtok(NULL, ":"))
        args[nargs++] = a;
    if (!name) {
        exit(100);
    } else if (strcmp(name, "open") == 0 && (nargs == 1 || nargs == 2)) {
        open_node(step, args, nargs);
    } else if (strcmp(name, "acquire") == 0 && nargs >= 2) {
        acquire(step, args, nargs, HSXD_OP_ACQUIRE);
    } else if (strcmp(name, "renew") == 0 && nargs == 2) {
        acquire(step, args, nargs, HSXD_OP_RENEW);
    } else if (strcmp(name, "timer") == 0 && nargs == 1) {
        create_timer(step, args[0]);
    } else if (strcmp(name, "canconfig") == 0 && nargs == 3) {
        can_config(step, args);
    } else if (strcmp(name, "forkedconfig") == 0 && nargs == 3) {
        forked_can_config(step, args);
    } else if (strcmp(name, "sleep") == 0 && nargs == 1) {
        usleep((useconds_t)atoi(args[0]) * 1000);
    } else if (strcmp(name, "show") == 0) {
        char rights[HSX_UMOD_TEXT_MAX], sel[HSX_UMOD_TEXT_MAX];
        printf("cap %" PRIu64 " %s %s\n", (uint64_t)last.cap.id,
               hsx_umod_format_rights(capspec_module_by_id(last.cap.module), rights, sizeof(rights),
                                      last.cap.rights),
               capspec_format_selector(sel, sizeof(sel), last.cap.module, &last.cap.sel));
    } else if (strcmp(name, "foreign") == 0 && nargs == 1) {
        foreign(step, args[0]);
    } else if (strcmp(name, "garbage") == 0 && nargs == 2) {
        /* Right version and op, too short: the op is read back, the version is right. */
        const uint32_t cut[2] = {HSXD_PROTO_VERSION, HSXD_OP_ACQUIRE};
        const bool text = strcmp(args[0], "text") == 0;
        memset(&last, 0, sizeof(last));
        check_status(step,
                     exchange(text ? (const void *)"hello" : cut, text ? 5 : sizeof(cut), -1,
                              text ? 0 : HSXD_OP_ACQUIRE, true),
                     errno_value(args[1]));
    } else if (strcmp(name, "forkhold") == 0) {
        pid_t child = fork();
        if (child == 0) {
            for (;;)
                pause();
        }
        printf("child %d\n", (int)child);
    } else if (strcmp(name, "pause") == 0) {
        static int pauses;
        sigset_t usr1;
        int sig;
        sigemptyset(&usr1);
        sigaddset(&usr1, SIGUSR1);
        printf("paused %d\n", ++pauses);
        fflush(stdout);
        sigwait(&usr1, &sig);
    } else if (strcmp(name, "hold") == 0) {
        signal(SIGTERM, on_term);
        printf("holding\n");
        fflush(stdout);
        for (;;)
            pause();
    } else {
        fprintf(stderr, "hsxd-client: bad step '%s'\n", step);
        exit(100);
    }
    fflush(stdout);
}

int main(int argc, char **argv)
{
    sigset_t usr1;
    int first = 1;

    /* Blocked from the start: a SIGUSR1 sent before a pause is waited for is kept, not lost. */
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigprocmask(SIG_BLOCK, &usr1, NULL);

    if (argc > 2 && strcmp(argv[1], "--uid") == 0) {
        uid_t uid = (uid_t)atoi(argv[2]);
        if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid)) {
            perror("hsxd-client: dropping privileges");
            return 100;
        }
        first = 3;
    }
    for (int i = first; i < argc; i++)
        run(argv[i]);
    return failures;
}
