// SPDX-License-Identifier: MIT
/*
 * Capabilities against the real hsx.ko, at the ioctl level: this program is
 * root and plays the capability administrator (what hsxd does), and forks
 * unprivileged children (uid HOLDER_UID) that are the holders. Each test is a
 * row of the attack matrix in shared/research/capabilities.md section 7, or a
 * guarantee of the uAPI's "Capabilities" section.
 */
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cap_holder.h"
#include "e2e.h"
#include "fdpass.h"
#include "hsx_mailbox.h"
#include "hsx_uapi.h"

/* ---- 1: forged and guessed capabilities, impersonating the admin ---------------- */

static int holder_without_cap(int fd, int sock)
{
    struct hsx_cap_revoke r = {.id = 1, .reason = HSX_CAP_END_EXPLICIT};
    struct hsx_cap_mint m = {.fd = fd,
                             .module = HSX_MODULE_TIMER,
                             .rights = HSX_CAP_R_READ,
                             .sel = timers(1),
                             .expiry_ns = boottime_ns() + 1000000000ull};

    (void)sock;
    /* No capability: denied, with EACCES. */
    CHILD_CHECK(tick_op(fd) == -EACCES);
    CHILD_CHECK(timer_create_op(fd) == -EACCES);
    /* Admin functions on a plain file: refused, whatever the id guessed. */
    CHILD_CHECK(ioctl(fd, HSX_IOC_CAP_MINT, &m) == -1 && errno == EPERM);
    CHILD_CHECK(ioctl(fd, HSX_IOC_CAP_REVOKE, &r) == -1 && errno == EPERM);
    /* The admin node is not for us at all. */
    CHILD_CHECK(open("/dev/hsx/ctl", O_RDWR) < 0);
    return 0;
}

static void forged_and_admin_impersonation(void **state)
{
    struct hsx_cap_client c = {0};
    struct holder h;
    int second, plain, null_fd;
    struct hsx_cap_mint m = {
        .module = HSX_MODULE_TIMER, .rights = HSX_CAP_R_READ, .sel = timers(1)};

    (void)state;
    start_holder(&h, "timer", holder_without_cap);
    send_byte(h.sock, 'g');
    assert_int_equal(finish_holder(&h), 0);

    /* One administrator at a time. */
    second = open("/dev/hsx/ctl", O_RDWR | O_EXCL | O_CLOEXEC);
    assert_int_equal(second, -1);
    assert_int_equal(errno, EBUSY);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/caps/admin_pid"), (uint64_t)getpid());
    /* A root file that is not the administrator's cannot mint either. */
    plain = e2e_open_node("ctl");
    m.fd = plain;
    m.expiry_ns = boottime_ns() + 1000000000ull;
    assert_int_equal(e2e_ioctl(plain, HSX_IOC_CAP_MINT, &m), -EPERM);
    /* Files that are not /dev/hsx files are not clients. */
    null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    c.fd = null_fd;
    assert_int_equal(e2e_ioctl(admin_fd, HSX_IOC_CAP_CLIENT, &c), -EINVAL);
    m.fd = null_fd;
    assert_int_equal(e2e_ioctl(admin_fd, HSX_IOC_CAP_MINT, &m), -EINVAL);
    m.fd = 9999;
    assert_int_equal(e2e_ioctl(admin_fd, HSX_IOC_CAP_MINT, &m), -EINVAL);
    close(null_fd);
    close(plain);
}

/* ---- 2: theft by fork, SCM_RIGHTS, pidfd_getfd; 7: no ambient authority ------- */

static int holder_lends_its_file(int fd, int sock)
{
    pid_t child;

    CHILD_CHECK(tick_op(fd) == 0);
    /* A child inherits the file, not the capability. */
    child = fork();
    CHILD_CHECK(child >= 0);
    if (child == 0)
        _exit(tick_op(fd) == -EPERM ? 0 : 1);
    CHILD_CHECK(child_result(child) == 0);
    /* The holder itself still may. */
    CHILD_CHECK(tick_op(fd) == 0);
    send_byte(sock, 'd');
    CHILD_CHECK(recv_byte(sock) == 'q');
    return 0;
}

static void theft_by_fork_scm_rights_and_getfd(void **state)
{
    uint64_t id;
    struct holder h;
    int sv[2];
    pid_t other;

    (void)state;
    start_holder(&h, "timer", holder_lends_its_file);
    assert_int_equal(mint(h.file, HSX_MODULE_TIMER, HSX_CAP_R_READ, timers(1), 60000000000ull, &id),
                     0);
    send_byte(h.sock, 'g');
    assert_int_equal(recv_byte(h.sock), 'd');

    /* The file, passed over SCM_RIGHTS to another process of the same uid: refused. */
    socket_pair(sv);
    other = fork();
    assert_true(other >= 0);
    if (other == 0) {
        int fd;

        close(sv[0]);
        drop_to(HOLDER_UID);
        fd = fdpass_recv(sv[1]);
        CHILD_CHECK(fd >= 0);
        CHILD_CHECK(tick_op(fd) == -EPERM);
        _exit(0);
    }
    close(sv[1]);
    assert_int_equal(fdpass_send(sv[0], h.file), 0);
    assert_int_equal(child_result(other), 0);
    close(sv[0]);

    /*
     * Root holding the file (received like this, or copied with pidfd_getfd,
     * which yields the same open file): no ambient authority at ioctl time.
     */
    assert_int_equal(tick_op(h.file), -EPERM);

    send_byte(h.sock, 'q');
    assert_int_equal(finish_holder(&h), 0);
}

/* ---- 3: expiry; clock games ---------------------------------------------- */

static int holder_outlives_its_cap(int fd, int sock)
{
    CHILD_CHECK(tick_op(fd) == 0);
    send_byte(sock, 'u');
    CHILD_CHECK(recv_byte(sock) == 'x');
    CHILD_CHECK(tick_op(fd) == -EKEYEXPIRED);
    return 0;
}

static void expiry_counts_boottime_not_wall_clock(void **state)
{
    struct timespec wall;
    struct hsx_cap_query q = {.module = HSX_MODULE_TIMER};
    uint64_t id, expired0 = e2e_sysfs_u64("/sys/hal/caps/expired");
    struct holder h;

    (void)state;
    start_holder(&h, "timer", holder_outlives_its_cap);
    assert_int_equal(mint(h.file, HSX_MODULE_TIMER, HSX_CAP_R_READ, timers(1), 300000000ull, &id),
                     0);
    send_byte(h.sock, 'g');
    assert_int_equal(recv_byte(h.sock), 'u');
    /* Setting the wall clock back an hour extends nothing. */
    clock_gettime(CLOCK_REALTIME, &wall);
    wall.tv_sec -= 3600;
    assert_int_equal(clock_settime(CLOCK_REALTIME, &wall), 0);
    usleep(400000);
    clock_gettime(CLOCK_REALTIME, &wall);
    wall.tv_sec += 3600;
    assert_int_equal(clock_settime(CLOCK_REALTIME, &wall), 0);
    /* The expiry timer ends it even though nobody used it. */
    e2e_wait_sysfs(expired0 + 1, 1, "/sys/hal/caps/expired");
    assert_int_equal(e2e_ioctl(h.file, HSX_IOC_CAP_INFO, &q), 0);
    assert_int_equal(q.cap.id, id);
    assert_int_equal(q.cap.state, HSX_CAP_STATE_ENDED);
    assert_int_equal(q.cap.reason, HSX_CAP_END_EXPIRED);
    /* Past its expiry it cannot be renewed back to life. */
    {
        struct hsx_cap_renew rn = {.id = id, .expiry_ns = boottime_ns() + 60000000000ull};

        assert_int_equal(e2e_ioctl(admin_fd, HSX_IOC_CAP_RENEW, &rn), -ENOENT);
    }
    send_byte(h.sock, 'x');
    assert_int_equal(finish_holder(&h), 0);
}

static int holder_renewed_in_time(int fd, int sock)
{
    CHILD_CHECK(tick_op(fd) == 0);
    send_byte(sock, 'u');
    CHILD_CHECK(recv_byte(sock) == 'r');
    /* Past the first expiry, within the renewed one. */
    CHILD_CHECK(tick_op(fd) == 0);
    send_byte(sock, 'k');
    return 0;
}

/* RENEW moves the expiry: the capability outlives its first expiry. */
static void renewal_moves_the_expiry(void **state)
{
    struct hsx_cap_query q = {.module = HSX_MODULE_TIMER};
    struct hsx_cap_renew rn;
    uint64_t id;
    struct holder h;

    (void)state;
    start_holder(&h, "timer", holder_renewed_in_time);
    assert_int_equal(mint(h.file, HSX_MODULE_TIMER, HSX_CAP_R_READ, timers(1), 300000000ull, &id),
                     0);
    send_byte(h.sock, 'g');
    assert_int_equal(recv_byte(h.sock), 'u');
    rn = (struct hsx_cap_renew){.id = id, .expiry_ns = boottime_ns() + 30000000000ull};
    assert_int_equal(e2e_ioctl(admin_fd, HSX_IOC_CAP_RENEW, &rn), 0);
    usleep(600000); /* twice the first lifetime */
    assert_int_equal(e2e_ioctl(h.file, HSX_IOC_CAP_INFO, &q), 0);
    assert_int_equal(q.cap.state, HSX_CAP_STATE_ACTIVE);
    assert_true(q.cap.expiry_ns == rn.expiry_ns);
    send_byte(h.sock, 'r');
    assert_int_equal(recv_byte(h.sock), 'k');
    assert_int_equal(finish_holder(&h), 0);
}

/* ---- 4: nothing runs after revoke returns; 5: a blocked wait returns -------- */

struct hammer {
    int fd;
    volatile int *stop;
    uint64_t last_ok_start_ns;
    volatile unsigned long ok, denied;
};

static uint64_t mono_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *hammer_fn(void *arg)
{
    struct hammer *hm = arg;

    while (!*hm->stop) {
        uint64_t start = mono_ns();
        int r = tick_op(hm->fd);

        if (r == 0) {
            hm->ok++;
            hm->last_ok_start_ns = start;
        } else {
            hm->denied++;
        }
    }
    return NULL;
}

/* Eight threads hammer; the parent revokes; an op that passed must have started before. */
static int holder_hammers(int fd, int sock)
{
    struct hammer hm[8];
    pthread_t th[8];
    volatile int stop = 0;
    uint64_t revoked_at, deadline = e2e_now_ms() + E2E_LIVENESS_MS;
    int i;

    for (i = 0; i < 8; i++) {
        hm[i] = (struct hammer){.fd = fd, .stop = &stop};
        CHILD_CHECK(pthread_create(&th[i], NULL, hammer_fn, &hm[i]) == 0);
    }
    /* Every thread must have succeeded once: wait for it, not for a time (TCG is slow). */
    for (i = 0; i < 8; i++)
        while (!hm[i].ok && e2e_now_ms() < deadline)
            usleep(1000);
    send_byte(sock, 'r'); /* revoke now */
    CHILD_CHECK(read(sock, &revoked_at, sizeof(revoked_at)) == sizeof(revoked_at));
    for (i = 0; i < 8; i++)
        while (!hm[i].denied && e2e_now_ms() < deadline)
            usleep(1000);
    stop = 1;
    for (i = 0; i < 8; i++) {
        pthread_join(th[i], NULL);
        CHILD_CHECK(hm[i].ok > 0);
        CHILD_CHECK(hm[i].denied > 0);
        /* No operation that started after REVOKE returned succeeded. */
        CHILD_CHECK(hm[i].last_ok_start_ns < revoked_at);
    }
    CHILD_CHECK(tick_op(fd) == -EKEYREVOKED);
    return 0;
}

static void nothing_runs_after_revoke_returns(void **state)
{
    uint64_t id, done;
    struct holder h;

    (void)state;
    start_holder(&h, "timer", holder_hammers);
    assert_int_equal(mint(h.file, HSX_MODULE_TIMER, HSX_CAP_R_READ, timers(1), 60000000000ull, &id),
                     0);
    send_byte(h.sock, 'g');
    assert_int_equal(recv_byte(h.sock), 'r');
    assert_int_equal(revoke_id(id), 0);
    done = mono_ns();
    assert_int_equal(write(h.sock, &done, sizeof(done)), sizeof(done));
    assert_int_equal(finish_holder(&h), 0);
    assert_int_equal(revoke_id(id), -ENOENT); /* already gone */
}

/* ---- 6: escalation by delegation ----------------------------------------- */

static int derive_to(int from, int to, uint32_t rights, uint64_t mask, uint64_t expiry,
                     uint64_t *id)
{
    struct hsx_cap_derive d = {.target_fd = to,
                               .module = HSX_MODULE_GPIO,
                               .rights = rights,
                               .sel = pins(mask),
                               .expiry_ns = expiry};
    int ret = ioctl(from, HSX_IOC_CAP_DERIVE, &d);

    if (!ret && id)
        *id = d.id;
    return ret ? -errno : 0;
}

static int holder_delegates(int fd, int sock)
{
    uint64_t exp = boottime_ns() + 30000000000ull, id;
    int f[6], i;

    (void)sock;
    for (i = 0; i < 6; i++) {
        f[i] = open("/dev/hsx/gpio", O_RDWR | O_CLOEXEC);
        CHILD_CHECK(f[i] >= 0);
    }
    /* Wider rights, pins or expiry: EINVAL, never a silent downgrade. */
    CHILD_CHECK(derive_to(fd, f[0], HSX_CAP_R_READ | HSX_CAP_R_WRITE, 0x1, 0, NULL) == -EINVAL);
    CHILD_CHECK(derive_to(fd, f[0], HSX_CAP_R_READ, 0x10, 0, NULL) == -EINVAL);
    CHILD_CHECK(derive_to(fd, f[0], HSX_CAP_R_READ, 0x1, exp + 3600000000000ull, NULL) == -EINVAL);
    CHILD_CHECK(derive_to(fd, f[0], HSX_CAP_R_ADMIN, 0x1, 0, NULL) == -EINVAL);
    CHILD_CHECK(derive_to(fd, fd, HSX_CAP_R_READ, 0x1, 0, NULL) == -EINVAL);
    /* A chain down to the depth limit: each level may delegate on. */
    CHILD_CHECK(derive_to(fd, f[0], HSX_CAP_R_READ | HSX_CAP_R_GRANT, 0x3, 0, &id) == 0);
    for (i = 1; i < 4; i++)
        CHILD_CHECK(derive_to(f[i - 1], f[i], HSX_CAP_R_READ | HSX_CAP_R_GRANT, 0x3, 0, NULL) == 0);
    CHILD_CHECK(derive_to(f[3], f[4], HSX_CAP_R_READ, 0x1, 0, NULL) == -EMLINK);
    /* Without GRANT, nothing to delegate further. */
    CHILD_CHECK(derive_to(f[0], f[5], HSX_CAP_R_READ, 0x1, 0, NULL) == 0);
    {
        int g = open("/dev/hsx/gpio", O_RDWR | O_CLOEXEC);

        CHILD_CHECK(g >= 0);
        CHILD_CHECK(derive_to(f[5], g, HSX_CAP_R_READ, 0x1, 0, NULL) == -EACCES);
        close(g);
    }
    /* The derived ones work, within their pins. */
    {
        struct hsx_gpio_info info = {.pin = 1};

        CHILD_CHECK(ioctl(f[3], HSX_IOC_GPIO_INFO, &info) == 0);
        info = (struct hsx_gpio_info){.pin = 2};
        CHILD_CHECK(ioctl(f[3], HSX_IOC_GPIO_INFO, &info) == -1 && errno == EACCES);
    }
    send_byte(sock, 'v');
    CHILD_CHECK(recv_byte(sock) == 'k');
    /* The parent revoked the source: every descendant went with it. */
    for (i = 0; i < 4; i++) {
        struct hsx_gpio_info info = {.pin = 0};

        CHILD_CHECK(ioctl(f[i], HSX_IOC_GPIO_INFO, &info) == -1 && errno == EKEYREVOKED);
    }
    return 0;
}

static void escalation_by_delegation(void **state)
{
    struct hsx_cap_revoke r = {.reason = HSX_CAP_END_EXPLICIT};
    uint64_t id;
    struct holder h;

    (void)state;
    start_holder(&h, "gpio", holder_delegates);
    assert_int_equal(mint(h.file, HSX_MODULE_GPIO, HSX_CAP_R_READ | HSX_CAP_R_GRANT, pins(0xf),
                          30000000000ull, &id),
                     0);
    send_byte(h.sock, 'g');
    assert_int_equal(recv_byte(h.sock), 'v');
    r.id = id;
    assert_int_equal(e2e_ioctl(admin_fd, HSX_IOC_CAP_REVOKE, &r), 0);
    /* The source, its four-level chain and the sibling of the first level. */
    assert_int_equal(r.count, 6);
    send_byte(h.sock, 'k');
    assert_int_equal(finish_holder(&h), 0);
}

/*
 * Closing the file of a capability ends what was derived from it; each
 * derived one unlinks from its parent, which is freed in the same pass (the
 * debug kernel's KASAN watches). Many children, so that the pass is long
 * enough for the parent's grace period to end within it.
 */
#define SOURCE_CHILDREN (HSX_CAP_MAX_PER_HOLDER - 1)

static int holder_closes_a_source(int fd, int sock)
{
    struct hsx_gpio_info info = {.pin = 0};
    int f[SOURCE_CHILDREN], i;

    (void)sock;
    for (i = 0; i < SOURCE_CHILDREN; i++) {
        f[i] = open("/dev/hsx/gpio", O_RDWR | O_CLOEXEC);
        CHILD_CHECK(f[i] >= 0);
        CHILD_CHECK(derive_to(fd, f[i], HSX_CAP_R_READ, 0x1, 0, NULL) == 0);
    }
    CHILD_CHECK(ioctl(f[0], HSX_IOC_GPIO_INFO, &info) == 0);
    close(fd);
    for (i = 0; i < SOURCE_CHILDREN; i++) {
        struct hsx_cap_query q = {.module = HSX_MODULE_GPIO};

        CHILD_CHECK(ioctl(f[i], HSX_IOC_GPIO_INFO, &info) == -1 && errno == EKEYREVOKED);
        CHILD_CHECK(ioctl(f[i], HSX_IOC_CAP_INFO, &q) == 0);
        CHILD_CHECK(q.cap.reason == HSX_CAP_END_PARENT && q.cap.parent_id == 0);
        close(f[i]);
    }
    return 0;
}

static void closing_a_source_ends_its_children(void **state)
{
    int round;

    (void)state;
    for (round = 0; round < 8; round++) {
        struct holder h;

        start_holder(&h, "gpio", holder_closes_a_source);
        assert_int_equal(mint(h.file, HSX_MODULE_GPIO, HSX_CAP_R_READ | HSX_CAP_R_GRANT, pins(0x1),
                              30000000000ull, NULL),
                         0);
        /* Only the holder's copy keeps the file open now. */
        close(h.file);
        h.file = -1;
        send_byte(h.sock, 'g');
        assert_int_equal(finish_holder(&h), 0);
    }
}

/*
 * A quota is the capability tree's, not each file's: deriving the whole
 * quota onto more of the holder's own files must not multiply it.
 */
static int timer_cancel_op(int fd, int id)
{
    struct hsx_timer_id t = {.timer_id = (uint32_t)id};

    return ioctl(fd, HSX_IOC_TIMER_CANCEL, &t) ? -errno : 0;
}

static int holder_spreads_its_quota(int fd, int sock)
{
    struct hsx_cap_derive d = {
        .module = HSX_MODULE_TIMER, .rights = HSX_CAP_R_READ | HSX_CAP_R_WRITE, .sel = timers(2)};
    int f[2], t0, i;

    (void)sock;
    for (i = 0; i < 2; i++) {
        f[i] = open("/dev/hsx/timer", O_RDWR | O_CLOEXEC);
        CHILD_CHECK(f[i] >= 0);
        d.target_fd = f[i];
        CHILD_CHECK(ioctl(fd, HSX_IOC_CAP_DERIVE, &d) == 0);
    }
    t0 = timer_create_op(fd);
    CHILD_CHECK(t0 > 0);
    CHILD_CHECK(timer_create_op(f[0]) > 0);
    /* Two in the tree: a third, on any of its files, is over quota. */
    CHILD_CHECK(timer_create_op(f[1]) == -EDQUOT);
    CHILD_CHECK(timer_create_op(fd) == -EDQUOT);
    /* A cancelled timer gives its place back. */
    CHILD_CHECK(timer_cancel_op(fd, t0) == 0);
    CHILD_CHECK(timer_create_op(f[1]) > 0);
    /* A closed file's timers too, and its capability ends. */
    close(f[0]);
    CHILD_CHECK(timer_create_op(fd) > 0);
    CHILD_CHECK(timer_create_op(fd) == -EDQUOT);
    close(f[1]);
    return 0;
}

static void derived_quotas_are_shared(void **state)
{
    (void)state;
    assert_int_equal(run_granted_holder("timer", holder_spreads_its_quota, HSX_MODULE_TIMER,
                                        HSX_CAP_R_TIMER_ALL, timers(2)),
                     0);
}

/*
 * A pin's value and edge counts, a timer's period, counts and owner: one
 * application's data, not for other users.
 */
static void gpio_data_in_sysfs_is_root_only(void **state)
{
    static const char *const private_files[] = {"value", "interrupts", "drops"};
    static const char *const timer_files[] = {
        "period_us", "one_shot", "armed", "expirations", "overruns", "owner_pid", "events_dropped"};
    int timer_fd = e2e_open_node("timer"), t = timer_create_op(timer_fd);
    unsigned int i;
    pid_t pid;

    (void)state;
    assert_true(t > 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char path[64];

        drop_to(OTHER_UID);
        for (i = 0; i < sizeof(private_files) / sizeof(private_files[0]); i++) {
            snprintf(path, sizeof(path), "/sys/hal/gpio/3/%s", private_files[i]);
            errno = 0;
            CHILD_CHECK(open(path, O_RDONLY | O_CLOEXEC) == -1 && errno == EACCES);
        }
        for (i = 0; i < sizeof(timer_files) / sizeof(timer_files[0]); i++) {
            snprintf(path, sizeof(path), "/sys/hal/timer/%d/%s", t, timer_files[i]);
            errno = 0;
            CHILD_CHECK(open(path, O_RDONLY | O_CLOEXEC) == -1 && errno == EACCES);
        }
        /* What is not a user's data stays readable. */
        CHILD_CHECK(access("/sys/hal/gpio/3/mode", R_OK) == 0);
        CHILD_CHECK(access("/sys/hal/timer/active", R_OK) == 0);
        _exit(0);
    }
    assert_int_equal(child_result(pid), 0);
    close(timer_fd);
}

/*
 * Listing mailboxes (a netlink dump) shows an unprivileged user only the
 * mailboxes its own subscriptions listen to: not hal:caps, not another
 * user's timer.
 */
static void mailbox_list_shows_only_ones_own(void **state)
{
    hsx_mailbox_info_t info[256];
    char name[HSX_MBOX_NAME_MAX];
    hsx_mailbox_t *mb = NULL;
    int timer_fd = e2e_open_node("timer");
    int n, i, t, seen_caps = 0, seen_timer = 0;
    pid_t pid;

    (void)state;
    t = timer_create_op(timer_fd);
    assert_true(t > 0);
    snprintf(name, sizeof(name), HSX_MBOX_TIMER_FMT, t);
    assert_int_equal(hsx_mailbox_open(name, &mb), HSX_HAL_OK);
    n = hsx_mailbox_list(info, 256);
    for (i = 0; i < n && i < 256; i++) {
        seen_caps |= strcmp(info[i].name, HSX_MBOX_CAPS) == 0;
        seen_timer |= strcmp(info[i].name, name) == 0;
    }
    assert_true(seen_caps && seen_timer); /* the administrator sees all */

    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        drop_to(OTHER_UID);
        n = hsx_mailbox_list(info, 256);
        CHILD_CHECK(n >= 0);
        for (i = 0; i < n && i < 256; i++) {
            CHILD_CHECK(strcmp(info[i].name, HSX_MBOX_CAPS) != 0);
            CHILD_CHECK(strcmp(info[i].name, name) != 0);
        }
        _exit(0);
    }
    assert_int_equal(child_result(pid), 0);
    assert_int_equal(hsx_mailbox_close(mb), HSX_HAL_OK);
    close(timer_fd);
}

/* ---- What a refusal tells: nothing about what exists -------------------- */

/* A generic netlink request in buf, with NLM_F_ACK. */
static struct nlmsghdr *genl_request(char *buf, uint16_t type, uint8_t cmd, uint8_t version)
{
    static uint32_t seq;
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    struct genlmsghdr *genl;

    nlh->nlmsg_type = type;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = ++seq;
    genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
    genl->cmd = cmd;
    genl->version = version;
    return nlh;
}

struct attr_pick {
    uint16_t type;
    const struct nlattr *attr;
};

static int pick_attr(const struct nlattr *attr, void *data)
{
    struct attr_pick *pick = data;

    if (mnl_attr_get_type(attr) == pick->type)
        pick->attr = attr;
    return MNL_CB_OK;
}

/* nlh's attribute of that type, those after off bytes of its payload; or NULL. */
static const struct nlattr *nl_attr(const struct nlmsghdr *nlh, size_t off, uint16_t type)
{
    struct attr_pick pick = {.type = type};

    mnl_attr_parse(nlh, (unsigned int)off, pick_attr, &pick);
    return pick.attr;
}

/*
 * Send req and read up to its ack: the ack's error (0 or -errno), its
 * extended ack's message in msg (if not NULL), and the family ID a
 * CTRL_CMD_GETFAMILY reply gave in *family (if not NULL).
 */
static int nl_ask(struct mnl_socket *nl, const struct nlmsghdr *req, uint16_t *family, char *msg,
                  size_t msglen)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];

    if (msg)
        msg[0] = '\0';
    if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0)
        return -errno;
    for (;;) {
        ssize_t got = mnl_socket_recvfrom(nl, buf, sizeof(buf));
        int len = (int)got;

        if (got < 0)
            return -errno;
        for (const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, len);
             nlh = mnl_nlmsg_next(nlh, &len)) {
            if (nlh->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);
                /* The attributes follow the request echoed, unless it was capped. */
                size_t off = sizeof(*err) + (nlh->nlmsg_flags & NLM_F_CAPPED
                                                 ? 0
                                                 : err->msg.nlmsg_len - sizeof(struct nlmsghdr));
                const struct nlattr *text =
                    nlh->nlmsg_flags & NLM_F_ACK_TLVS ? nl_attr(nlh, off, NLMSGERR_ATTR_MSG) : NULL;

                if (msg && text)
                    snprintf(msg, msglen, "%s", mnl_attr_get_str(text));
                return err->error;
            }
            if (family && nlh->nlmsg_type == GENL_ID_CTRL) {
                const struct nlattr *id =
                    nl_attr(nlh, sizeof(struct genlmsghdr), CTRL_ATTR_FAMILY_ID);

                if (id)
                    *family = mnl_attr_get_u16(id);
            }
        }
    }
}

/*
 * HSX_CMD_MBOX_OPEN on a raw generic netlink socket of its own, closed after:
 * 0 or -errno, and the extended ack's message in msg.
 */
static int nl_mbox_open(const char *name, char *msg, size_t msglen)
{
    char buf[MNL_SOCKET_BUFFER_SIZE];
    struct mnl_socket *nl = mnl_socket_open2(NETLINK_GENERIC, SOCK_CLOEXEC);
    struct nlmsghdr *req;
    uint16_t family = 0;
    int one = 1, ret = -EPROTO;

    if (!nl)
        return -errno;
    if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
        mnl_socket_setsockopt(nl, NETLINK_EXT_ACK, &one, sizeof(one)) < 0)
        goto out;
    req = genl_request(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1);
    mnl_attr_put_strz(req, CTRL_ATTR_FAMILY_NAME, HSX_GENL_NAME);
    if (nl_ask(nl, req, &family, NULL, 0) || !family)
        goto out;
    req = genl_request(buf, family, HSX_CMD_MBOX_OPEN, HSX_GENL_VERSION);
    mnl_attr_put_strz(req, HSX_A_MBOX_NAME, name);
    ret = nl_ask(nl, req, NULL, msg, msglen);
out:
    mnl_socket_close(nl);
    return ret;
}

/* HSX_IOC_MBOX_OPEN on fd: 0 (the queue file closed again) or -errno. */
static int queue_mbox_open(int fd, const char *name)
{
    struct hsx_mbox_open req = {.flags = HSX_MBOX_O_NONBLOCK};
    int q;

    snprintf(req.name, sizeof(req.name), "%s", name);
    q = ioctl(fd, HSX_IOC_MBOX_OPEN, &req);
    if (q < 0)
        return -errno;
    close(q);
    return 0;
}

/*
 * Another user cannot tell which timers and capabilities are live: a live
 * timer's mailbox of another uid, another holder's "hal:cap:<id>" and
 * "hal:caps" answer exactly as a cancelled timer's or a revoked capability's
 * name does (ENOENT, "no such mailbox"), over netlink and for a queue file.
 */
static void refused_mailboxes_read_as_missing(void **state)
{
    enum { LIVE_TIMER, GONE_TIMER, LIVE_CAP, GONE_CAP, CAPS, N };
    char names[N][HSX_MBOX_NAME_MAX], msg[128], want_msg[128];
    int timer_fd = e2e_open_node("timer"), cap_fds[2], i, live, gone, want_nl, want_q, verdict;
    struct hsx_timer_id cancel = {0};
    uint64_t live_cap, gone_cap;
    pid_t pid;

    (void)state;
    live = timer_create_op(timer_fd);
    gone = timer_create_op(timer_fd);
    assert_true(live > 0 && gone > 0);
    cancel.timer_id = (uint32_t)gone;
    assert_int_equal(e2e_ioctl(timer_fd, HSX_IOC_TIMER_CANCEL, &cancel), 0);
    for (i = 0; i < 2; i++)
        cap_fds[i] = e2e_open_node("gpio");
    assert_int_equal(
        mint(cap_fds[0], HSX_MODULE_GPIO, HSX_CAP_R_READ, pins(1), 30000000000ull, &live_cap), 0);
    assert_int_equal(
        mint(cap_fds[1], HSX_MODULE_GPIO, HSX_CAP_R_READ, pins(1), 30000000000ull, &gone_cap), 0);
    assert_int_equal(revoke_id(gone_cap), 0);
    snprintf(names[LIVE_TIMER], HSX_MBOX_NAME_MAX, HSX_MBOX_TIMER_FMT, live);
    snprintf(names[GONE_TIMER], HSX_MBOX_NAME_MAX, HSX_MBOX_TIMER_FMT, gone);
    snprintf(names[LIVE_CAP], HSX_MBOX_NAME_MAX, HSX_MBOX_CAP_FMT, (unsigned long long)live_cap);
    snprintf(names[GONE_CAP], HSX_MBOX_NAME_MAX, HSX_MBOX_CAP_FMT, (unsigned long long)gone_cap);
    snprintf(names[CAPS], HSX_MBOX_NAME_MAX, "%s", HSX_MBOX_CAPS);
    /* They are what they are said to be: the administrator is admitted or told they are gone. */
    for (i = 0; i < N; i++)
        assert_int_equal(nl_mbox_open(names[i], msg, sizeof(msg)),
                         i == GONE_TIMER || i == GONE_CAP ? -ENOENT : 0);

    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd;

        drop_to(OTHER_UID);
        fd = open("/dev/hsx/timer", O_RDWR | O_CLOEXEC);
        CHILD_CHECK(fd >= 0);
        want_nl = nl_mbox_open(names[GONE_TIMER], want_msg, sizeof(want_msg));
        want_q = queue_mbox_open(fd, names[GONE_TIMER]);
        CHILD_CHECK(want_nl == -ENOENT && want_q == -ENOENT);
        CHILD_CHECK(strcmp(want_msg, "no such mailbox") == 0);
        for (i = 0; i < N; i++) {
            int nl = nl_mbox_open(names[i], msg, sizeof(msg)), q = queue_mbox_open(fd, names[i]);

            if (nl != want_nl || strcmp(msg, want_msg) != 0 || q != want_q)
                fprintf(stderr, "%s: netlink %d \"%s\", queue file %d\n", names[i], nl, msg, q);
            CHILD_CHECK(nl == want_nl);
            CHILD_CHECK(strcmp(msg, want_msg) == 0);
            CHILD_CHECK(q == want_q);
        }
        _exit(0);
    }
    /* Closed before the verdict: a failure must not leave the next tests our capabilities. */
    verdict = child_result(pid);
    close(cap_fds[0]);
    close(cap_fds[1]);
    close(timer_fd);
    assert_int_equal(verdict, 0);
}

/* ---- 9: selector edges; 12: quotas --------------------------------------- */

static int holder_at_the_edges(int fd, int sock)
{
    struct hsx_gpio_info info = {.pin = 63};

    (void)sock;
    CHILD_CHECK(ioctl(fd, HSX_IOC_GPIO_INFO, &info) == 0);
    info = (struct hsx_gpio_info){.pin = 62};
    CHILD_CHECK(ioctl(fd, HSX_IOC_GPIO_INFO, &info) == -1 && errno == EACCES);
    info = (struct hsx_gpio_info){.pin = 64};
    CHILD_CHECK(ioctl(fd, HSX_IOC_GPIO_INFO, &info) == -1 && errno == EINVAL);
    info = (struct hsx_gpio_info){.pin = 0xffffffffu};
    CHILD_CHECK(ioctl(fd, HSX_IOC_GPIO_INFO, &info) == -1 && errno == EINVAL);
    {
        struct hsx_gpio_multi m = {.mask = (1ull << 63) | 1ull};

        CHILD_CHECK(ioctl(fd, HSX_IOC_GPIO_READ_MULTI, &m) == -1 && errno == EACCES);
    }
    /* No GPIO_IRQ right: no interrupts. */
    {
        struct hsx_gpio_interrupt irq = {.pin = 63, .edge = HSX_GPIO_E_BOTH, .enable = 1};

        CHILD_CHECK(ioctl(fd, HSX_IOC_GPIO_SET_INTERRUPT, &irq) == -1 && errno == EACCES);
    }
    return 0;
}

static int holder_quota(int fd, int sock)
{
    (void)sock;
    CHILD_CHECK(timer_create_op(fd) > 0);
    CHILD_CHECK(timer_create_op(fd) > 0);
    CHILD_CHECK(timer_create_op(fd) == -EDQUOT);
    return 0;
}

static void selector_edges_and_quotas(void **state)
{
    struct holder h;
    union hsx_cap_selector bad = pins(1);
    int i, fds[HSX_CAP_MAX_PER_HOLDER + 1];
    uint64_t id;

    (void)state;
    start_holder(&h, "gpio", holder_at_the_edges);
    assert_int_equal(
        mint(h.file, HSX_MODULE_GPIO, HSX_CAP_R_READ, pins(1ull << 63), 30000000000ull, NULL), 0);
    /* One live capability per module per file. */
    assert_int_equal(mint(h.file, HSX_MODULE_GPIO, HSX_CAP_R_READ, pins(1), 30000000000ull, NULL),
                     -EEXIST);
    /* Specs that cannot exist. */
    assert_int_equal(mint(h.file, HSX_MODULE_GPIO, HSX_CAP_R_ADMIN, pins(1), 1000000000ull, NULL),
                     -EINVAL);
    bad.raw[2] = 1;
    assert_int_equal(mint(h.file, HSX_MODULE_GPIO, HSX_CAP_R_READ, bad, 1000000000ull, NULL),
                     -EINVAL);
    assert_int_equal(mint(h.file, HSX_MODULE_TIMER, HSX_CAP_R_READ, timers(1), 1000000000ull, NULL),
                     -EINVAL); /* a gpio file serves no timers */
    send_byte(h.sock, 'g');
    assert_int_equal(finish_holder(&h), 0);

    assert_int_equal(run_granted_holder("timer", holder_quota, HSX_MODULE_TIMER,
                                        HSX_CAP_R_READ | HSX_CAP_R_WRITE, timers(2)),
                     0);

    /* Per-holder quota: this process holds HSX_CAP_MAX_PER_HOLDER, then no more. */
    for (i = 0; i <= HSX_CAP_MAX_PER_HOLDER; i++)
        fds[i] = e2e_open_node("gpio");
    for (i = 0; i < HSX_CAP_MAX_PER_HOLDER; i++)
        assert_int_equal(
            mint(fds[i], HSX_MODULE_GPIO, HSX_CAP_R_READ, pins(1), 30000000000ull, &id), 0);
    assert_int_equal(mint(fds[i], HSX_MODULE_GPIO, HSX_CAP_R_READ, pins(1), 30000000000ull, NULL),
                     -EDQUOT);
    for (i = 0; i <= HSX_CAP_MAX_PER_HOLDER; i++)
        close(fds[i]);
}

/* ---- 10: PID reuse between authentication and mint ----------------------- */

static void recycled_pid_gets_nothing(void **state)
{
    struct hsx_cap_client c = {0};
    int sv[2], fd;
    pid_t victim, reuser;

    (void)state;
    socket_pair(sv);
    victim = fork();
    assert_true(victim >= 0);
    if (victim == 0) {
        drop_to(HOLDER_UID);
        fd = open("/dev/hsx/timer", O_RDWR);
        _exit(fd >= 0 && fdpass_send(sv[1], fd) == 0 ? 0 : 1);
    }
    fd = fdpass_recv(sv[0]);
    assert_true(fd >= 0);
    assert_int_equal(child_result(victim), 0);

    /* The opener is gone; give its pid to a new process (clone3 with set_tid). */
    {
        pid_t tid = victim;
        struct clone_args args = {
            .exit_signal = SIGCHLD, .set_tid = (uint64_t)(uintptr_t)&tid, .set_tid_size = 1};

        reuser = (pid_t)syscall(SYS_clone3, &args, sizeof(args));
        assert_true(reuser >= 0);
        if (reuser == 0) {
            pause();
            _exit(0);
        }
        assert_int_equal(reuser, victim);
    }

    c.fd = fd;
    assert_int_equal(e2e_ioctl(admin_fd, HSX_IOC_CAP_CLIENT, &c), 0);
    assert_int_equal(c.alive, 0); /* that pid lives, but not the opener */
    assert_int_equal(mint(fd, HSX_MODULE_TIMER, HSX_CAP_R_READ, timers(1), 30000000000ull, NULL),
                     -ESRCH);
    kill(reuser, SIGKILL);
    child_result(reuser);
    close(fd);
    close(sv[0]);
    close(sv[1]);
}

/* ---- Holder exit, renew, list, revoke by pid, counters --------------------- */

static int holder_waits(int fd, int sock)
{
    CHILD_CHECK(tick_op(fd) == 0);
    send_byte(sock, 'w');
    return recv_byte(sock) == 'e' ? 0 : 1;
}

static void lifecycle_list_renew_revoke_by_pid_and_exit(void **state)
{
    struct hsx_cap_list l = {0};
    struct hsx_cap_renew rn = {0};
    struct hsx_cap_revoke r = {.flags = HSX_CAP_REVOKE_BY_PID, .reason = HSX_CAP_END_EXPLICIT};
    uint64_t id, revoked0 = e2e_sysfs_u64("/sys/hal/caps/revoked");
    struct holder h;
    int found = 0;

    (void)state;
    start_holder(&h, "timer", holder_waits);
    assert_int_equal(mint(h.file, HSX_MODULE_TIMER, HSX_CAP_R_READ, timers(1), 2000000000ull, &id),
                     0);
    send_byte(h.sock, 'g');
    assert_int_equal(recv_byte(h.sock), 'w');
    while (e2e_ioctl(admin_fd, HSX_IOC_CAP_LIST, &l) == 0) {
        if (l.info.id == id) {
            found = 1;
            assert_int_equal(l.info.holder_pid, (uint32_t)h.pid);
            assert_int_equal(l.info.state, HSX_CAP_STATE_ACTIVE);
        }
        l.after_id = l.info.id;
    }
    assert_true(found);
    rn.id = id;
    rn.expiry_ns = boottime_ns() + 60000000000ull;
    assert_int_equal(e2e_ioctl(admin_fd, HSX_IOC_CAP_RENEW, &rn), 0);
    rn.expiry_ns = boottime_ns() - 1;
    assert_int_equal(e2e_ioctl(admin_fd, HSX_IOC_CAP_RENEW, &rn), -EINVAL);
    r.pid = (uint32_t)h.pid;
    assert_int_equal(e2e_ioctl(admin_fd, HSX_IOC_CAP_REVOKE, &r), 0);
    assert_int_equal(r.count, 1);
    assert_int_equal(e2e_ioctl(admin_fd, HSX_IOC_CAP_REVOKE, &r), -ENOENT);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/caps/revoked"), revoked0 + 1);
    rn.expiry_ns = boottime_ns() + 60000000000ull;
    assert_int_equal(e2e_ioctl(admin_fd, HSX_IOC_CAP_RENEW, &rn), -ENOENT);
    send_byte(h.sock, 'e');
    assert_int_equal(finish_holder(&h), 0);
}

/* A capability whose holder exits ends with it, without anyone revoking it. */
static void holder_exit_ends_capability(void **state)
{
    uint64_t id, active0 = e2e_sysfs_u64("/sys/hal/caps/active");
    struct holder h;
    struct hsx_cap_list l = {0};

    (void)state;
    start_holder(&h, "timer", holder_waits);
    assert_int_equal(mint(h.file, HSX_MODULE_TIMER, HSX_CAP_R_READ, timers(1), 60000000000ull, &id),
                     0);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/caps/active"), active0 + 1);
    send_byte(h.sock, 'g');
    assert_int_equal(recv_byte(h.sock), 'w');
    send_byte(h.sock, 'e');
    assert_int_equal(child_result(h.pid), 0);
    /*
     * Our copy of the file keeps it open: the capability lives until that goes
     * too. Its holder's number is free for another process now, so it shows
     * as 0 and a revoke by that number no longer reaches the capability.
     */
    int found = 0;
    while (e2e_ioctl(admin_fd, HSX_IOC_CAP_LIST, &l) == 0) {
        if (l.info.id == id) {
            found = 1;
            assert_int_equal(l.info.state, HSX_CAP_STATE_ACTIVE);
            assert_int_equal(l.info.holder_pid, 0);
        }
        l.after_id = l.info.id;
    }
    assert_true(found);
    struct hsx_cap_revoke r = {
        .flags = HSX_CAP_REVOKE_BY_PID, .pid = (uint32_t)h.pid, .reason = HSX_CAP_END_EXPLICIT};
    assert_int_equal(e2e_ioctl(admin_fd, HSX_IOC_CAP_REVOKE, &r), -ENOENT);
    l = (struct hsx_cap_list){0};
    close(h.file);
    close(h.sock);
    e2e_wait_sysfs(active0, 0, "/sys/hal/caps/active");
    while (e2e_ioctl(admin_fd, HSX_IOC_CAP_LIST, &l) == 0) {
        assert_true(l.info.id != id);
        l.after_id = l.info.id;
    }
}

/* ---- Revocation cancels what was made under it ------------------------------ */

static int holder_with_timer(int fd, int sock)
{
    int id = timer_create_op(fd);

    CHILD_CHECK(id > 0);
    CHILD_CHECK(write(sock, &id, sizeof(id)) == sizeof(id));
    CHILD_CHECK(recv_byte(sock) == 'z');
    /* Its timer is gone with the capability. */
    {
        struct hsx_timer_id t = {.timer_id = (uint32_t)id};

        CHILD_CHECK(ioctl(fd, HSX_IOC_TIMER_CANCEL, &t) == -1 && errno == EKEYREVOKED);
    }
    return 0;
}

/* 5: a wait blocked on the timer's mailbox returns, told why. */
static int holder_blocks_on_its_timer(int fd, int sock)
{
    char name[HSX_MBOX_NAME_MAX];
    hsx_mailbox_event_t ev;
    hsx_mailbox_t *mb = NULL;
    int id = timer_create_op(fd);

    CHILD_CHECK(id > 0);
    snprintf(name, sizeof(name), HSX_MBOX_TIMER_FMT, id);
    CHILD_CHECK(hsx_mailbox_open(name, &mb) == HSX_HAL_OK);
    send_byte(sock, 'b');
    /* Blocks until the parent revokes: a liveness bound, not a timing one. A denial, not a close.
     */
    CHILD_CHECK(hsx_mailbox_recv(mb, &ev, E2E_LIVENESS_MS) == HSX_HAL_DENIED);
    CHILD_CHECK(hsx_hal_errno() == EKEYREVOKED);
    CHILD_CHECK(ev.type == HSX_MAILBOX_EVENT_CLOSED);
    CHILD_CHECK(ev.close_reason == HSX_MAILBOX_CLOSE_REVOKED);
    hsx_mailbox_close(mb);
    return 0;
}

static void blocked_wait_returns_on_revoke(void **state)
{
    struct holder h;
    uint64_t id;

    (void)state;
    start_holder(&h, "timer", holder_blocks_on_its_timer);
    assert_int_equal(mint(h.file, HSX_MODULE_TIMER, HSX_CAP_R_READ | HSX_CAP_R_WRITE, timers(1),
                          60000000000ull, &id),
                     0);
    send_byte(h.sock, 'g');
    assert_int_equal(recv_byte(h.sock), 'b');
    usleep(100000); /* let it block; if not yet, the notice waits in its socket */
    assert_int_equal(revoke_id(id), 0);
    assert_int_equal(finish_holder(&h), 0);
}

static void revoke_cancels_timers(void **state)
{
    struct holder h;
    uint64_t id;
    int timer_id;

    (void)state;
    start_holder(&h, "timer", holder_with_timer);
    assert_int_equal(mint(h.file, HSX_MODULE_TIMER, HSX_CAP_R_READ | HSX_CAP_R_WRITE, timers(1),
                          60000000000ull, &id),
                     0);
    send_byte(h.sock, 'g');
    assert_int_equal(read(h.sock, &timer_id, sizeof(timer_id)), sizeof(timer_id));
    assert_true(e2e_exists("/sys/hal/timer/%d", timer_id));
    assert_int_equal(revoke_id(id), 0);
    assert_false(e2e_exists("/sys/hal/timer/%d", timer_id));
    send_byte(h.sock, 'z');
    assert_int_equal(finish_holder(&h), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forged_and_admin_impersonation),
        cmocka_unit_test(theft_by_fork_scm_rights_and_getfd),
        cmocka_unit_test(expiry_counts_boottime_not_wall_clock),
        cmocka_unit_test(renewal_moves_the_expiry),
        cmocka_unit_test(nothing_runs_after_revoke_returns),
        cmocka_unit_test(escalation_by_delegation),
        cmocka_unit_test(closing_a_source_ends_its_children),
        cmocka_unit_test(derived_quotas_are_shared),
        cmocka_unit_test(gpio_data_in_sysfs_is_root_only),
        cmocka_unit_test(mailbox_list_shows_only_ones_own),
        cmocka_unit_test(refused_mailboxes_read_as_missing),
        cmocka_unit_test(selector_edges_and_quotas),
        cmocka_unit_test(recycled_pid_gets_nothing),
        cmocka_unit_test(lifecycle_list_renew_revoke_by_pid_and_exit),
        cmocka_unit_test(holder_exit_ends_capability),
        cmocka_unit_test(revoke_cancels_timers),
        cmocka_unit_test(blocked_wait_returns_on_revoke),
    };

    return cmocka_run_group_tests(tests, cap_admin_claim, cap_admin_release);
}
