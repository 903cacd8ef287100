// SPDX-License-Identifier: MIT
/*
 * The library's side of capabilities against the real hsx.ko: applications
 * that run as an unprivileged user (uid APP_UID, forked children) and call
 * the spec's functions unchanged, with this program (root) playing hsxd: a
 * thread serving uapi/hsxd_proto.h on a socket in a temporary directory
 * (HSX_HAL_HSXD_SOCKET), minting, renewing and revoking through /dev/hsx/ctl.
 * Being root, it passes the library's check that hsxd runs as root, as the
 * real daemon does. Its policy is a few switches the tests turn.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/seccomp.h>

#include "app.h"
#include "e2e.h"
#include "hsx_cap.h"
#include "hsx_fram.h"
#include "hsx_gpio.h"
#include "hsx_timer.h"
#include "hsx_uapi.h"
#include "hsxd_run.h"

#define APP_UID 1000
#define OTHER_UID 1001 /* the real hsxd's policy gives it nothing */
#define SIM_NAME "hsx-caplib"
#define SIM_LABEL "hsx-caplib-sim"
#define PIN 44 /* line 0 of the simulated chip; no other test uses it, and it is unbound after */
#define BUTTON_PIN 5 /* examples/gpio_interrupt.c's button: line 1, bound only while it runs */
#define SEC 1000000000ULL

static uint64_t boottime_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (uint64_t)ts.tv_sec * SEC + (uint64_t)ts.tv_nsec;
}

/* ---- the stand-in hsxd ------------------------------------------------------------------ */

static struct {
    pthread_mutex_t lock;
    int admin_fd; /* /dev/hsx/ctl, O_EXCL: the capability administrator */
    int listen_fd, stop_fd;
    pthread_t thread;
    char dir[32], path[64];
    /* Policy. */
    bool refuse_acquire, refuse_renew;
    uint64_t lifetime_ns;
    /* What it did. */
    int acquires, renews;
    uint64_t last_id; /* the last capability minted */
} hsxd = {.lock = PTHREAD_MUTEX_INITIALIZER, .admin_fd = -1};

static int counter(const int *which)
{
    pthread_mutex_lock(&hsxd.lock);
    int value = *which;
    pthread_mutex_unlock(&hsxd.lock);
    return value;
}

static bool read_request(int conn, struct hsxd_request *req, int *fd)
{
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = req, .iov_len = sizeof(*req)};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control,
                         .msg_controllen = sizeof(control)};

    *fd = -1;
    if (recvmsg(conn, &msg, MSG_CMSG_CLOEXEC) != (ssize_t)sizeof(*req))
        return false;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (c && c->cmsg_type == SCM_RIGHTS)
        memcpy(fd, CMSG_DATA(c), sizeof(int));
    return *fd >= 0;
}

/* Everything the module has, when the request leaves it to the policy. */
static void fill_default(struct hsxd_request *req)
{
    if (req->module == HSX_MODULE_FRAM) {
        /* Device 0's first 4 KiB (its simulated part, bound by the test that uses it). */
        req->rights = req->rights ? req->rights : HSX_CAP_R_READ | HSX_CAP_R_WRITE;
        if (!req->sel.fram.nranges) {
            req->sel.fram.devices = 1;
            req->sel.fram.nranges = 1;
            req->sel.fram.ranges[0].first = 0;
            req->sel.fram.ranges[0].last = 0x0fff;
        }
    } else if (req->module == HSX_MODULE_GPIO) {
        req->rights = req->rights ? req->rights : HSX_CAP_R_GPIO_ALL;
        req->sel.gpio.pins = req->sel.gpio.pins ? req->sel.gpio.pins : ~0ULL;
    } else {
        req->rights = req->rights ? req->rights : HSX_CAP_R_TIMER_ALL;
        req->sel.timer.max_timers =
            req->sel.timer.max_timers ? req->sel.timer.max_timers : HSX_TIMER_DEFAULT_PER_OPEN;
    }
}

static void serve(int conn)
{
    struct hsxd_request req;
    struct hsxd_reply reply = {.version = HSXD_PROTO_VERSION};
    struct hsx_cap_query q = {0};
    int fd;

    if (!read_request(conn, &req, &fd))
        return;
    reply.op = req.op;
    q.module = req.module;
    pthread_mutex_lock(&hsxd.lock);
    uint64_t expiry = boottime_ns() + hsxd.lifetime_ns;
    if (req.op == HSXD_OP_ACQUIRE && hsxd.refuse_acquire) {
        reply.status = -EACCES;
        snprintf(reply.message, sizeof(reply.message), "the test's policy says no");
    } else if (req.op == HSXD_OP_ACQUIRE) {
        fill_default(&req);
        struct hsx_cap_mint m = {.fd = fd,
                                 .module = req.module,
                                 .rights = req.rights,
                                 .sel = req.sel,
                                 .expiry_ns = expiry};
        hsxd.acquires++;
        reply.status = e2e_ioctl(hsxd.admin_fd, HSX_IOC_CAP_MINT, &m);
        if (reply.status == 0)
            hsxd.last_id = m.id;
    } else if (req.op == HSXD_OP_RENEW) {
        hsxd.renews++;
        reply.status = e2e_ioctl(fd, HSX_IOC_CAP_INFO, &q);
        struct hsx_cap_renew r = {.id = q.cap.id, .expiry_ns = expiry};
        if (reply.status == 0 && hsxd.refuse_renew)
            reply.status = -EACCES;
        else if (reply.status == 0)
            reply.status = e2e_ioctl(hsxd.admin_fd, HSX_IOC_CAP_RENEW, &r);
    } else {
        reply.status = -EPERM;
    }
    pthread_mutex_unlock(&hsxd.lock);
    /* What was minted or renewed, as the kernel has it. */
    if (reply.status == 0 && e2e_ioctl(fd, HSX_IOC_CAP_INFO, &q) == 0)
        reply.cap = q.cap;
    close(fd);
    send(conn, &reply, sizeof(reply), MSG_NOSIGNAL);
}

static void *hsxd_main(void *arg)
{
    (void)arg;
    for (;;) {
        struct pollfd fds[2] = {{.fd = hsxd.listen_fd, .events = POLLIN},
                                {.fd = hsxd.stop_fd, .events = POLLIN}};
        if (poll(fds, 2, -1) < 0)
            continue;
        if (fds[1].revents)
            return NULL;
        int conn = accept4(hsxd.listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (conn >= 0) {
            serve(conn);
            close(conn);
        }
    }
}

static void set_policy(bool refuse_acquire, bool refuse_renew, uint64_t lifetime_ns)
{
    pthread_mutex_lock(&hsxd.lock);
    hsxd.refuse_acquire = refuse_acquire;
    hsxd.refuse_renew = refuse_renew;
    hsxd.lifetime_ns = lifetime_ns;
    hsxd.acquires = hsxd.renews = 0;
    hsxd.last_id = 0;
    pthread_mutex_unlock(&hsxd.lock);
}

/* Bind FRAM device 0 to a simulated part; "" unbinds. 0 or -errno. */
static int map_fram(const char *name)
{
    struct hsx_fram_map m = {.dev = 0};
    int fd = e2e_open_node("ctl");

    snprintf(m.name, sizeof(m.name), "%s", name);
    int ret = e2e_ioctl(fd, HSX_IOC_FRAM_MAP, &m);
    close(fd);
    return ret;
}

static int revoke_cap(uint64_t id)
{
    struct hsx_cap_revoke r = {.id = id, .reason = HSX_CAP_END_EXPLICIT};

    return e2e_ioctl(hsxd.admin_fd, HSX_IOC_CAP_REVOKE, &r);
}

/* ---- applications: see app.h ---------------------------------------------------------- */

/* stderr into a memfd, for an app to check the library's line. */
static int capture_stderr(void)
{
    int fd = memfd_create("stderr", MFD_CLOEXEC);

    dup2(fd, 2);
    return fd;
}

static const char *captured(int fd)
{
    static char text[2048];
    ssize_t len = pread(fd, text, sizeof(text) - 1, 0);

    text[len > 0 ? len : 0] = '\0';
    return text;
}

static int lines(const char *text)
{
    int n = 0;

    for (; *text; text++)
        n += *text == '\n';
    return n;
}

/* The spec's timer example, unchanged: create, wait three periods, cancel. */
static bool spec_timer_example(void)
{
    hsx_timer_t t = hsx_timer_create(20000, HSX_TIMER_PERIODIC);

    if (HSX_TIMER_IS_ERROR(t))
        return false;
    bool ok = true;
    for (int i = 0; i < 3 && ok; i++)
        ok = hsx_timer_wait(t, 5000) == HSX_HAL_OK;
    return hsx_timer_cancel(t) == HSX_HAL_OK && ok;
}

/* ---- root and no hsxd --------------------------------------------------------------------- */

static int app_as_root(struct app *a)
{
    hsx_cap_info_t info;

    (void)a;
    setenv("HSX_HAL_HSXD_SOCKET", "/nonexistent/hsxd.sock", 1);
    APP_CHECK(spec_timer_example());
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_TIMER, &info) == HSX_HAL_OK);
    APP_CHECK(info.status == HSX_CAP_STATUS_NOT_NEEDED);
    return 0;
}

static void root_needs_no_hsxd(void **state)
{
    (void)state;
    assert_int_equal(run_app(app_as_root, 0), 0);
}

static int app_without_hsxd(struct app *a)
{
    hsx_cap_info_t info;

    (void)a;
    setenv("HSX_HAL_HSXD_SOCKET", "/nonexistent/hsxd.sock", 1);
    int err = capture_stderr();
    for (int i = 0; i < 5; i++) {
        hsx_timer_t t = hsx_timer_create(20000, HSX_TIMER_PERIODIC);
        APP_CHECK(HSX_TIMER_ERROR(t) == HSX_HAL_DENIED);
        APP_CHECK(hsx_hal_errno() == EACCES);
    }
    const char *text = captured(err);
    APP_CHECK(lines(text) == 1);
    APP_CHECK(strstr(text, "hsx: timer access denied: hsxd is not running"));
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_TIMER, &info) == HSX_HAL_OK);
    APP_CHECK(info.status == HSX_CAP_STATUS_NONE);
    return 0;
}

static void unprivileged_without_hsxd_is_denied_once(void **state)
{
    (void)state;
    assert_int_equal(run_app(app_without_hsxd, APP_UID), 0);
}

/* ---- with hsxd ------------------------------------------------------------------------------- */

static struct e2e_sim sim;
static bool have_sim;

static int app_uses_timer_and_gpio(struct app *a)
{
    hsx_cap_info_t info;
    char go;

    setenv("HSX_HAL_HSXD_SOCKET", hsxd.path, 1);
    int err = capture_stderr();
    APP_CHECK(spec_timer_example());
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_TIMER, &info) == HSX_HAL_OK);
    APP_CHECK(info.status == HSX_CAP_STATUS_HELD && info.id != 0);
    APP_CHECK(info.renew_ns > boottime_ns() && info.renew_ns < info.expiry_ns);
    if (have_sim) {
        /* Listening to a pin is authorized by the capability of this process's file. */
        APP_CHECK(hsx_gpio_config(PIN, HSX_GPIO_MODE_INPUT, HSX_GPIO_PULL_NONE) == HSX_HAL_OK);
        APP_CHECK(hsx_gpio_set_interrupt(PIN, HSX_GPIO_EDGE_RISING, true) == HSX_HAL_OK);
        tell(a->out, "r", 1);
        APP_CHECK(hear(a->in, &go, 1));
        APP_CHECK(hsx_gpio_wait_interrupt(PIN, 10000) == HSX_HAL_OK);
        APP_CHECK(hsx_gpio_read(PIN) == 1);
        APP_CHECK(hsx_gpio_set_interrupt(PIN, HSX_GPIO_EDGE_RISING, false) == HSX_HAL_OK);
    }
    APP_CHECK(hsx_cap_list(NULL, 0) == (have_sim ? 2 : 1));
    APP_CHECK(captured(err)[0] == '\0');
    return 0;
}

static void spec_functions_work_unprivileged_with_hsxd(void **state)
{
    struct app a;
    char ready;

    (void)state;
    set_policy(false, false, 3600 * SEC);
    if (have_sim)
        e2e_sim_pull(&sim, 0, 0);
    start_app(&a, app_uses_timer_and_gpio, APP_UID);
    if (have_sim) {
        assert_true(hear(a.from_app, &ready, 1));
        e2e_sim_pull(&sim, 0, 1);
        tell(a.to_app, "g", 1);
    }
    assert_int_equal(finish_app(&a), 0);
    assert_int_equal(counter(&hsxd.acquires), have_sim ? 2 : 1);
}

/* ---- revocation ------------------------------------------------------------------------------ */

static atomic_int revoked;
static _Atomic uint64_t revoked_id;
static atomic_int revoked_reason;

static void on_revoke(void *event, uint32_t length, void *user)
{
    const hsx_cap_event_t *ev = event;

    (void)user;
    if (length != sizeof(*ev))
        return;
    atomic_store(&revoked_id, ev->id);
    atomic_store(&revoked_reason, ev->reason);
    atomic_fetch_add(&revoked, 1);
}

static bool heard_revocation(int count, unsigned int timeout_ms)
{
    for (unsigned int waited = 0; waited < timeout_ms; waited += 10) {
        if (atomic_load(&revoked) >= count)
            return true;
        usleep(10000);
    }
    return false;
}

static int app_blocked_when_revoked(struct app *a)
{
    hsx_cap_info_t info;

    setenv("HSX_HAL_HSXD_SOCKET", hsxd.path, 1);
    APP_CHECK(hsx_cap_set_revoke_callback(on_revoke, NULL) == HSX_HAL_OK);
    hsx_timer_t t = hsx_timer_create(3000000, HSX_TIMER_ONE_SHOT);
    APP_CHECK(!HSX_TIMER_IS_ERROR(t));
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_TIMER, &info) == HSX_HAL_OK);
    tell(a->out, &info.id, sizeof(info.id));
    /* Blocked when the administrator revokes: a denial, not a timeout or a close. */
    APP_CHECK(hsx_timer_wait(t, 20000) == HSX_HAL_DENIED);
    APP_CHECK(hsx_hal_errno() == EKEYREVOKED);
    APP_CHECK(heard_revocation(1, 5000));
    APP_CHECK(atomic_load(&revoked_id) == info.id);
    APP_CHECK(atomic_load(&revoked_reason) == HSX_CAP_REASON_EXPLICIT);
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_TIMER, &info) == HSX_HAL_OK);
    APP_CHECK(info.status == HSX_CAP_STATUS_NONE);
    /* The kernel cancelled it with the capability: nothing to ask, nothing denied. */
    APP_CHECK(hsx_timer_cancel(t) == HSX_HAL_OK);

    /* The next use, a second later, asks hsxd again. */
    usleep(1100000);
    APP_CHECK(spec_timer_example());
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_TIMER, &info) == HSX_HAL_OK);
    APP_CHECK(info.status == HSX_CAP_STATUS_HELD);
    return 0;
}

/* Run an app that sends the ID of its capability and then blocks; revoke it meanwhile. */
static int revoke_while_app_waits(int (*fn)(struct app *a))
{
    struct app a;
    uint64_t id;

    set_policy(false, false, 3600 * SEC);
    start_app(&a, fn, APP_UID);
    assert_true(hear(a.from_app, &id, sizeof(id)));
    usleep(200000); /* into the wait */
    assert_int_equal(revoke_cap(id), 0);
    return finish_app(&a);
}

static void a_blocked_wait_is_denied_on_revocation(void **state)
{
    (void)state;
    assert_int_equal(revoke_while_app_waits(app_blocked_when_revoked), 0);
    assert_int_equal(counter(&hsxd.acquires), 2);
}

static int app_gpio_revoked(struct app *a)
{
    hsx_cap_info_t info;

    setenv("HSX_HAL_HSXD_SOCKET", hsxd.path, 1);
    APP_CHECK(hsx_gpio_config(PIN, HSX_GPIO_MODE_INPUT, HSX_GPIO_PULL_NONE) == HSX_HAL_OK);
    APP_CHECK(hsx_gpio_set_interrupt(PIN, HSX_GPIO_EDGE_BOTH, true) == HSX_HAL_OK);
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_GPIO, &info) == HSX_HAL_OK);
    tell(a->out, &info.id, sizeof(info.id));
    APP_CHECK(hsx_gpio_wait_interrupt(PIN, 20000) == HSX_HAL_DENIED);
    APP_CHECK(hsx_hal_errno() == EKEYREVOKED);
    return 0;
}

static void a_gpio_wait_is_denied_on_revocation(void **state)
{
    (void)state;
    if (!have_sim)
        skip();
    assert_int_equal(revoke_while_app_waits(app_gpio_revoked), 0);
}

static atomic_int quiet_expiries;

static void on_quiet_expiry(void *event, uint32_t length, void *user)
{
    (void)event;
    (void)length;
    (void)user;
    atomic_fetch_add(&quiet_expiries, 1);
}

/* Whether the callback thread is seen blocked in read(); if not, says where it is. */
static bool callback_thread_reads(void)
{
    if (e2e_dispatcher_blocks_in(SYS_read))
        return true;
    fprintf(stderr, "# the callback thread is in system call %ld, not read()\n",
            e2e_dispatcher_syscall());
    return false;
}

/*
 * A process holding capabilities (FRAM's and the timer's, each with its
 * watch, a mailbox with a callback) and one timer's callback: the callback
 * thread waits in that timer's queue file's read(), the watches' files
 * linked to it (HSX_IOC_MBOX_QUEUE_LINK), not on its ring. The FRAM
 * capability revoked meanwhile, its watch's event ends that read: the
 * revocation callback runs at once, though the timer (a minute away) stays
 * quiet, and the thread goes back to its read.
 */
static int app_one_file_wait_with_capabilities(struct app *a)
{
    hsx_cap_info_t info;
    uint8_t byte;

    setenv("HSX_HAL_HSXD_SOCKET", hsxd.path, 1);
    /* Its own /proc task files: root's, not readable, since it changed its uid. */
    APP_CHECK(prctl(PR_SET_DUMPABLE, 1) == 0);
    APP_CHECK(hsx_cap_set_revoke_callback(on_revoke, NULL) == HSX_HAL_OK);
    APP_CHECK(hsx_fram_read(0, &byte, 1) == 1);
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_FRAM, &info) == HSX_HAL_OK);
    APP_CHECK(info.status == HSX_CAP_STATUS_HELD);
    hsx_timer_t t = hsx_timer_create(60u * 1000 * 1000, HSX_TIMER_ONE_SHOT);
    APP_CHECK(!HSX_TIMER_IS_ERROR(t));
    APP_CHECK(hsx_timer_set_callback(t, on_quiet_expiry, NULL) == HSX_HAL_OK);
    APP_CHECK(callback_thread_reads());
    tell(a->out, &info.id, sizeof(info.id));

    APP_CHECK(heard_revocation(1, E2E_LIVENESS_MS));
    APP_CHECK(atomic_load(&revoked_id) == info.id);
    APP_CHECK(atomic_load(&revoked_reason) == HSX_CAP_REASON_EXPLICIT);
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_FRAM, &info) == HSX_HAL_OK);
    APP_CHECK(info.status == HSX_CAP_STATUS_NONE);
    /* The timer's capability and its watch stay: back in the timer's read. */
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_TIMER, &info) == HSX_HAL_OK);
    APP_CHECK(info.status == HSX_CAP_STATUS_HELD);
    APP_CHECK(callback_thread_reads());
    APP_CHECK(atomic_load(&quiet_expiries) == 0);
    APP_CHECK(hsx_timer_cancel(t) == HSX_HAL_OK);
    return 0;
}

static void a_capability_ends_the_callback_threads_one_file_wait(void **state)
{
    (void)state;
    map_fram(""); /* whatever an earlier test left */
    assert_int_equal(map_fram("hsx-fram-sim0"), 0);
    assert_int_equal(revoke_while_app_waits(app_one_file_wait_with_capabilities), 0);
    assert_int_equal(map_fram(""), 0);
}

/*
 * The callback thread makes its links (HSX_IOC_MBOX_QUEUE_LINK) without its
 * lock: the kernel's link mutex inherits no priority, and every thread that
 * sets a callback takes that lock. A seccomp listener of the application's
 * holds each link ioctl until told, then lets it run.
 */
static struct {
    int listener;
    atomic_int held;
    atomic_bool release;
} link_gate = {.listener = -1};

static void *link_gate_main(void *arg)
{
    (void)arg;
    for (;;) {
        struct seccomp_notif req;
        struct seccomp_notif_resp resp;

        memset(&req, 0, sizeof(req));
        if (ioctl(link_gate.listener, SECCOMP_IOCTL_NOTIF_RECV, &req)) {
            /* ENOENT: the notifying thread was interrupted, its call withdrawn. */
            if (errno == EINTR || errno == ENOENT)
                continue;
            return NULL;
        }
        atomic_fetch_add(&link_gate.held, 1);
        while (!atomic_load(&link_gate.release))
            usleep(1000);
        memset(&resp, 0, sizeof(resp));
        resp.id = req.id;
        resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        ioctl(link_gate.listener, SECCOMP_IOCTL_NOTIF_SEND, &resp);
    }
}

/* Every thread made after this one (the callback thread too) has its link ioctls held. */
static bool gate_links(void)
{
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ioctl, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, args[1])),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)HSX_IOC_MBOX_QUEUE_LINK, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {.len = sizeof(filter) / sizeof(filter[0]), .filter = filter};
    pthread_t gate;

    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
        return false;
    link_gate.listener =
        (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, &prog);
    return link_gate.listener >= 0 && pthread_create(&gate, NULL, link_gate_main, NULL) == 0 &&
           pthread_detach(gate) == 0;
}

static atomic_bool second_set;

/* Another timer's callback set (d->lock taken), from a thread of its own. */
static void *set_a_second_callback(void *arg)
{
    hsx_timer_t *t = arg;

    *t = hsx_timer_create(60u * 1000 * 1000, HSX_TIMER_ONE_SHOT);
    if (!HSX_TIMER_IS_ERROR(*t) && hsx_timer_set_callback(*t, on_quiet_expiry, NULL) == HSX_HAL_OK)
        atomic_store(&second_set, true);
    return NULL;
}

static int app_links_without_the_lock(struct app *a)
{
    uint64_t deadline;
    hsx_timer_t second = 0;
    pthread_t setter;
    uint8_t byte;

    (void)a;
    setenv("HSX_HAL_HSXD_SOCKET", hsxd.path, 1);
    APP_CHECK(prctl(PR_SET_DUMPABLE, 1) == 0);
    APP_CHECK(gate_links());
    APP_CHECK(hsx_fram_read(0, &byte, 1) == 1);
    hsx_timer_t t = hsx_timer_create(60u * 1000 * 1000, HSX_TIMER_ONE_SHOT);
    APP_CHECK(!HSX_TIMER_IS_ERROR(t));
    /* One timer and two watches armed: the thread links the watches' files, and is held. */
    APP_CHECK(hsx_timer_set_callback(t, on_quiet_expiry, NULL) == HSX_HAL_OK);
    deadline = e2e_now_ms() + E2E_LIVENESS_MS;
    while (!atomic_load(&link_gate.held) && e2e_now_ms() < deadline)
        usleep(1000);
    APP_CHECK(atomic_load(&link_gate.held) > 0);

    APP_CHECK(pthread_create(&setter, NULL, set_a_second_callback, &second) == 0);
    /* Held until released on the old code, however long this waits. */
    deadline = e2e_now_ms() + E2E_LIVENESS_MS;
    while (!atomic_load(&second_set) && e2e_now_ms() < deadline)
        usleep(1000);
    bool in_time = atomic_load(&second_set);
    atomic_store(&link_gate.release, true);
    pthread_join(setter, NULL);
    APP_CHECK(atomic_load(&second_set)); /* set at all */
    /* Before: the setter waited for the lock the held thread kept, until the link went on. */
    APP_CHECK(in_time);
    /* One timer again: the links made, its read. */
    APP_CHECK(hsx_timer_cancel(second) == HSX_HAL_OK);
    APP_CHECK(callback_thread_reads());
    APP_CHECK(atomic_load(&quiet_expiries) == 0);
    APP_CHECK(hsx_timer_cancel(t) == HSX_HAL_OK);
    return 0;
}

/* Whether seccomp's user notification is there to hold a call (CONFIG_SECCOMP_FILTER). */
static bool have_seccomp_notify(void)
{
    uint32_t action = SECCOMP_RET_USER_NOTIF;

    return syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &action) == 0;
}

static void links_are_made_without_the_callback_threads_lock(void **state)
{
    (void)state;
    if (!have_seccomp_notify()) {
        /* The debug kernel (allnoconfig and what the tests need) has no seccomp. */
        printf("# no seccomp user notification in this kernel: the stock, 6.12 and RT runs "
               "cover this test\n");
        skip();
    }
    set_policy(false, false, 3600 * SEC);
    map_fram("");
    assert_int_equal(map_fram("hsx-fram-sim0"), 0);
    assert_int_equal(run_app(app_links_without_the_lock, APP_UID), 0);
    assert_int_equal(map_fram(""), 0);
}

/* ---- renewal and expiry ---------------------------------------------------------------------- */

static int app_outlives_lifetimes(struct app *a)
{
    (void)a;
    setenv("HSX_HAL_HSXD_SOCKET", hsxd.path, 1);
    int err = capture_stderr();
    /* Lifetimes of 2 s, used for 5 s: renewed at 2/3 each time. */
    for (int i = 0; i < 10; i++) {
        APP_CHECK(spec_timer_example());
        usleep(400000);
    }
    APP_CHECK(captured(err)[0] == '\0');
    return 0;
}

static void renewed_without_the_app_doing_anything(void **state)
{
    (void)state;
    set_policy(false, false, 2 * SEC);
    assert_int_equal(run_app(app_outlives_lifetimes, APP_UID), 0);
    assert_int_equal(counter(&hsxd.acquires), 1);
    assert_true(counter(&hsxd.renews) >= 2);
}

static int app_expires(struct app *a)
{
    hsx_cap_info_t info;

    (void)a;
    setenv("HSX_HAL_HSXD_SOCKET", hsxd.path, 1);
    int err = capture_stderr();
    APP_CHECK(hsx_cap_set_revoke_callback(on_revoke, NULL) == HSX_HAL_OK);
    APP_CHECK(spec_timer_example());
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_TIMER, &info) == HSX_HAL_OK);
    /* Renewal refused: it expires, and the holder hears it. */
    APP_CHECK(heard_revocation(1, 10000));
    APP_CHECK(atomic_load(&revoked_id) == info.id);
    APP_CHECK(atomic_load(&revoked_reason) == HSX_CAP_REASON_EXPIRED);
    /* Acquiring is refused too now: denied, in hsxd's words, once. */
    hsx_timer_t t = hsx_timer_create(20000, HSX_TIMER_PERIODIC);
    APP_CHECK(HSX_TIMER_ERROR(t) == HSX_HAL_DENIED);
    t = hsx_timer_create(20000, HSX_TIMER_PERIODIC);
    APP_CHECK(HSX_TIMER_ERROR(t) == HSX_HAL_DENIED);
    const char *text = captured(err);
    APP_CHECK(lines(text) == 1);
    APP_CHECK(strstr(text, "hsxd refused: the test's policy says no"));
    return 0;
}

static void a_refused_renewal_expires_and_is_heard(void **state)
{
    struct app a;

    (void)state;
    set_policy(false, true, 2 * SEC);
    start_app(&a, app_expires, APP_UID);
    /* After the first acquisition, the policy withdraws everything. */
    for (int i = 0; i < 500 && counter(&hsxd.acquires) < 1; i++)
        usleep(10000);
    pthread_mutex_lock(&hsxd.lock);
    hsxd.refuse_acquire = true;
    pthread_mutex_unlock(&hsxd.lock);
    assert_int_equal(finish_app(&a), 0);
    assert_int_equal(counter(&hsxd.renews), 1);
}

/* ---- fork ------------------------------------------------------------------------------------ */

static int app_forks(struct app *a)
{
    hsx_cap_info_t info;
    int status;

    (void)a;
    setenv("HSX_HAL_HSXD_SOCKET", hsxd.path, 1);
    APP_CHECK(spec_timer_example());
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_TIMER, &info) == HSX_HAL_OK);
    uint64_t parent_id = info.id;
    pid_t child = fork();
    APP_CHECK(child >= 0);
    if (child == 0) {
        hsx_cap_info_t mine;
        bool ok = spec_timer_example() && hsx_cap_get(HSX_CAP_MODULE_TIMER, &mine) == HSX_HAL_OK &&
                  mine.status == HSX_CAP_STATUS_HELD && mine.id != parent_id;
        _exit(ok ? 0 : 1);
    }
    APP_CHECK(waitpid(child, &status, 0) == child);
    APP_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    APP_CHECK(spec_timer_example());
    return 0;
}

static void a_forked_child_gets_its_own(void **state)
{
    (void)state;
    set_policy(false, false, 3600 * SEC);
    assert_int_equal(run_app(app_forks, APP_UID), 0);
    assert_int_equal(counter(&hsxd.acquires), 2);
}

/* ---- the spec's examples, unchanged ---------------------------------------------------------- */

/* A file next to this program (examples/ and helpers/ are not run by the harness). */
/* Built examples, when copied next to this program in examples/. */
static bool example_path(const char *name, char *path, size_t size)
{
    char rel[64];

    snprintf(rel, sizeof(rel), "examples/%s", name);
    return hsxd_run_beside_me(rel, path, size);
}

static pid_t start_example(const char *path)
{
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        if (setresgid(APP_UID, APP_UID, APP_UID) || setresuid(APP_UID, APP_UID, APP_UID))
            _exit(100);
        setenv("HSX_HAL_HSXD_SOCKET", hsxd.path, 1);
        execl(path, path, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static int example_result(pid_t pid)
{
    int status;

    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static void spec_examples_run_unprivileged(void **state)
{
    char path[300], edge[16];

    (void)state;
    if (!example_path("timer_demo", path, sizeof(path)))
        skip();
    set_policy(false, false, 3600 * SEC);
    assert_int_equal(example_result(start_example(path)), 0);
    assert_int_equal(counter(&hsxd.acquires), 1);

    /* The GPIO example, its button pressed three times as examples/gpio_interrupt.demo does. */
    if (!have_sim || !example_path("gpio_interrupt", path, sizeof(path)))
        return;
    e2e_sim_pull(&sim, 1, 1);
    assert_int_equal(e2e_map_pin(BUTTON_PIN, SIM_LABEL, 1), 0);
    pid_t pid = start_example(path);
    uint64_t start = e2e_now_ms();
    do {
        usleep(100000);
        e2e_read_line("/sys/hal/gpio/5/edge", edge, sizeof(edge));
    } while (strcmp(edge, "rising") != 0 && e2e_now_ms() - start < E2E_LIVENESS_MS);
    for (int press = 0; press < 3; press++) {
        usleep(300000);
        e2e_sim_pull(&sim, 1, 0);
        usleep(200000);
        e2e_sim_pull(&sim, 1, 1);
    }
    int ret = example_result(pid);
    e2e_map_pin(BUTTON_PIN, "", 0);
    assert_int_equal(ret, 0);
    /* Its sleeps need no module: one capability, for GPIO. */
    assert_int_equal(counter(&hsxd.acquires), 2);
}

/* ---- the real hsxd --------------------------------------------------------------------------- */

/*
 * When hsxd itself was built into helpers/ next to this program: the stand-in
 * gives up the admin node, hsxd takes it and serves its default socket, and
 * applications use the library with nothing set. Short lifetimes make the
 * renewals real.
 */
static const char real_policy[] =
    "version = 1;\n"
    "lifetime = 2;\n"
    "rules = (\n"
    "  { name = \"caplib\"; match = { uid = 1000; };\n"
    "    timer = { max_timers = 4; rights = [\"read\", \"write\"]; }; }\n"
    ");\n";

static struct hsxd_run real_hsxd;

/*
 * hsxd takes the admin node from the stand-in: false when there is none to run (not built
 * beside this program, and HSX_E2E_HSXD not set).
 */
static bool start_real_hsxd(void)
{
    char path[300];

    if (!hsxd_run_program(false, path, sizeof(path)))
        return false;
    pthread_mutex_lock(&hsxd.lock);
    close(hsxd.admin_fd); /* one capability administrator at a time */
    hsxd.admin_fd = -1;
    pthread_mutex_unlock(&hsxd.lock);
    if (hsxd_run_start(&real_hsxd, "caplib-hsxd", real_policy) < 0)
        fail_msg("hsxd did not start");
    return true;
}

static void stop_real_hsxd(void)
{
    hsxd_run_stop(&real_hsxd);
    pthread_mutex_lock(&hsxd.lock);
    hsxd.admin_fd = open("/dev/hsx/ctl", O_RDWR | O_EXCL | O_CLOEXEC);
    pthread_mutex_unlock(&hsxd.lock);
    assert_true(hsxd.admin_fd >= 0);
}

static int app_with_real_hsxd(struct app *a)
{
    hsx_cap_info_t first, now;

    (void)a;
    unsetenv("HSX_HAL_HSXD_SOCKET");
    int err = capture_stderr();
    APP_CHECK(spec_timer_example());
    /* Narrowed to the policy: read and write (no grant), four timers. */
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_TIMER, &first) == HSX_HAL_OK);
    APP_CHECK(first.status == HSX_CAP_STATUS_HELD);
    APP_CHECK(first.rights == (HSX_CAP_RIGHT_READ | HSX_CAP_RIGHT_WRITE));
    APP_CHECK(first.selector.timer.max_timers == 4);
    APP_CHECK(first.expiry_ns <= boottime_ns() + 2 * SEC);
    /* 2 s lifetimes over 5 s: the same capability, renewed by hsxd. */
    for (int i = 0; i < 10; i++) {
        APP_CHECK(spec_timer_example());
        usleep(400000);
    }
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_TIMER, &now) == HSX_HAL_OK);
    APP_CHECK(now.status == HSX_CAP_STATUS_HELD && now.id == first.id);
    APP_CHECK(now.expiry_ns > first.expiry_ns + 2 * SEC);
    APP_CHECK(captured(err)[0] == '\0');
    return 0;
}

static int app_refused_by_real_hsxd(struct app *a)
{
    (void)a;
    unsetenv("HSX_HAL_HSXD_SOCKET");
    int err = capture_stderr();
    APP_CHECK(!spec_timer_example());
    APP_CHECK(hsx_hal_errno() == EACCES);
    const char *text = captured(err);
    APP_CHECK(lines(text) == 1);
    APP_CHECK(strstr(text, "hsx: timer access denied: hsxd refused: "));
    return 0;
}

static void the_real_hsxd_grants_renews_and_refuses(void **state)
{
    (void)state;
    if (!start_real_hsxd())
        skip();
    int granted = run_app(app_with_real_hsxd, APP_UID);
    int refused = run_app(app_refused_by_real_hsxd, OTHER_UID);
    stop_real_hsxd();
    assert_int_equal(granted, 0);
    assert_int_equal(refused, 0);
}

/* ---- setup ----------------------------------------------------------------------------------- */

static int group_setup(void **state)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};

    (void)state;
    hsxd.admin_fd = open("/dev/hsx/ctl", O_RDWR | O_EXCL | O_CLOEXEC);
    if (hsxd.admin_fd < 0) {
        fprintf(stderr, "cannot become the capability administrator: %s\n", strerror(errno));
        return -1;
    }
    if (e2e_sysfs_u64("/sys/hal/caps/enforcing") != 1) {
        fprintf(stderr, "enforcement is off\n");
        return -1;
    }
    /* Reachable by the application's uid, as /run/hsx/hsxd.sock is. */
    snprintf(hsxd.dir, sizeof(hsxd.dir), "/tmp/hsxd-XXXXXX");
    if (!mkdtemp(hsxd.dir) || chmod(hsxd.dir, 0755))
        return -1;
    snprintf(hsxd.path, sizeof(hsxd.path), "%s/hsxd.sock", hsxd.dir);
    memcpy(addr.sun_path, hsxd.path, sizeof(hsxd.path));
    hsxd.listen_fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
    hsxd.stop_fd = eventfd(0, EFD_CLOEXEC);
    if (hsxd.listen_fd < 0 || bind(hsxd.listen_fd, (struct sockaddr *)&addr, sizeof(addr)) ||
        chmod(hsxd.path, 0666) || listen(hsxd.listen_fd, 16) ||
        pthread_create(&hsxd.thread, NULL, hsxd_main, NULL))
        return -1;

    static const char *const names[2] = {"caplib-line", "caplib-button"};
    have_sim = e2e_sim_create(&sim, SIM_NAME, SIM_LABEL, 2, names) == 0;
    if (have_sim && e2e_map_pin(PIN, SIM_LABEL, 0))
        return -1;
    if (!have_sim)
        printf("# " E2E_NO_GPIO_SIM ": timers only\n");
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    if (have_sim)
        e2e_map_pin(PIN, "", 0); /* the tests that follow expect unbound pins unbound */
    eventfd_write(hsxd.stop_fd, 1);
    pthread_join(hsxd.thread, NULL);
    close(hsxd.listen_fd);
    close(hsxd.stop_fd);
    unlink(hsxd.path);
    rmdir(hsxd.dir);
    close(hsxd.admin_fd);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(root_needs_no_hsxd),
        cmocka_unit_test(unprivileged_without_hsxd_is_denied_once),
        cmocka_unit_test(spec_functions_work_unprivileged_with_hsxd),
        cmocka_unit_test(a_blocked_wait_is_denied_on_revocation),
        cmocka_unit_test(a_gpio_wait_is_denied_on_revocation),
        cmocka_unit_test(a_capability_ends_the_callback_threads_one_file_wait),
        cmocka_unit_test(links_are_made_without_the_callback_threads_lock),
        cmocka_unit_test(renewed_without_the_app_doing_anything),
        cmocka_unit_test(a_refused_renewal_expires_and_is_heard),
        cmocka_unit_test(a_forked_child_gets_its_own),
        cmocka_unit_test(spec_examples_run_unprivileged),
        cmocka_unit_test(the_real_hsxd_grants_renews_and_refuses),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
