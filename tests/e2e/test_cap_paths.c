// SPDX-License-Identifier: MIT
/*
 * Capabilities against the real hsx.ko: the rows of the attack matrix
 * (shared/research/capabilities.md section 7) that come in by another path
 * than a plain ioctl: arguments that change while the kernel copies them
 * (row 8), module unload under live capabilities (row 13), and io_uring
 * (row 14). test_cap_kernel.c has the rows that are plain ioctls.
 */
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cap_holder.h"
#include "e2e.h"
#include "hsx_uapi.h"

/* ---- 8: the kernel decides on its copy of the arguments, once ----------- */

/*
 * A DERIVE request laid across a page boundary: everything up to and
 * including the selector's pins on a present page, the rest on a page that
 * userfaultfd holds missing. The kernel's single copy reads the narrow pins,
 * then stalls on the missing page; while it is stalled, the resolver widens
 * the pins in the caller's memory to every pin the source has, and more.
 * A kernel that read the request a second time, after judging the first,
 * would derive the widened selector.
 */
#define NARROW_PINS 0x1ull
#define WIDE_PINS 0xffull

struct stalled_request {
    int uffd;
    long page;
    char *area; /* two pages: [0] present, [1] missing until the fault */
    struct hsx_cap_derive *req;
    int faults;
    int widened;
};

static void *widen_then_resolve(void *arg)
{
    struct stalled_request *s = arg;
    struct uffdio_zeropage zero = {
        .range = {.start = (uintptr_t)(s->area + s->page), .len = (uint64_t)s->page}};
    struct pollfd pfd = {.fd = s->uffd, .events = POLLIN};
    struct uffd_msg msg;

    /* Bounded: a kernel that never touches the page fails the test, not hangs it. */
    if (poll(&pfd, 1, 10000) != 1 || read(s->uffd, &msg, sizeof(msg)) != sizeof(msg) ||
        msg.event != UFFD_EVENT_PAGEFAULT)
        return NULL;
    s->faults++;
    /* The kernel has read the pins already: change them under it. */
    __atomic_store_n(&s->req->sel.gpio.pins, WIDE_PINS, __ATOMIC_SEQ_CST);
    s->widened = 1;
    ioctl(s->uffd, UFFDIO_ZEROPAGE, &zero);
    return NULL;
}

static int stall_setup(struct stalled_request *s)
{
    struct uffdio_api api = {.api = UFFD_API};
    struct uffdio_register reg;
    size_t head = offsetof(struct hsx_cap_derive, sel) + sizeof(uint64_t);

    s->page = sysconf(_SC_PAGESIZE);
    s->faults = 0;
    s->widened = 0;
    s->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
    if (s->uffd < 0 || ioctl(s->uffd, UFFDIO_API, &api))
        return -1;
    s->area =
        mmap(NULL, 2 * (size_t)s->page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (s->area == MAP_FAILED)
        return -1;
    memset(s->area, 0, (size_t)s->page); /* populate page 0 only */
    reg = (struct uffdio_register){
        .range = {.start = (uintptr_t)(s->area + s->page), .len = (uint64_t)s->page},
        .mode = UFFDIO_REGISTER_MODE_MISSING};
    if (ioctl(s->uffd, UFFDIO_REGISTER, &reg))
        return -1;
    /* The pins are the last field on the present page. */
    s->req = (struct hsx_cap_derive *)(s->area + s->page - head);
    return 0;
}

static int holder_derives_from_moving_memory(int fd, int sock)
{
    struct hsx_cap_query q = {.module = HSX_MODULE_GPIO};
    struct stalled_request s;
    pthread_t resolver;
    int target, ret, err;

    (void)sock;
    target = open("/dev/hsx/gpio", O_RDWR | O_CLOEXEC);
    CHILD_CHECK(target >= 0);
    CHILD_CHECK(stall_setup(&s) == 0);
    s.req->target_fd = target;
    s.req->module = HSX_MODULE_GPIO;
    s.req->rights = HSX_CAP_R_READ;
    s.req->sel.gpio.pins = NARROW_PINS;
    CHILD_CHECK(pthread_create(&resolver, NULL, widen_then_resolve, &s) == 0);

    ret = ioctl(fd, HSX_IOC_CAP_DERIVE, s.req);
    err = errno;
    CHILD_CHECK(pthread_join(resolver, NULL) == 0);
    /* The copy did stall, and the memory did change during it. */
    CHILD_CHECK(s.faults == 1 && s.widened);
    /*
     * Either the kernel derived what it judged (the narrow pins it read
     * before the stall), or its copy took the widened pins and it refused
     * them as wider than the source. Never the widened pins granted.
     */
    if (ret == 0) {
        /* DERIVE writes the request back: this is the kernel's copy. */
        CHILD_CHECK(s.req->sel.gpio.pins == NARROW_PINS);
        CHILD_CHECK(ioctl(target, HSX_IOC_CAP_INFO, &q) == 0);
        CHILD_CHECK(q.cap.id == s.req->id);
        CHILD_CHECK(q.cap.sel.gpio.pins == NARROW_PINS);
        CHILD_CHECK(q.cap.rights == HSX_CAP_R_READ);
        fprintf(stderr, "# derived pins 0x%llx, as read before the stall\n",
                (unsigned long long)NARROW_PINS);
    } else {
        CHILD_CHECK(err == EINVAL);
        CHILD_CHECK(ioctl(target, HSX_IOC_CAP_INFO, &q) == 0);
        CHILD_CHECK(q.cap.id == 0);
        fprintf(stderr, "# refused the widened pins the copy saw\n");
    }
    /* And the derived file can use pin 0 only. */
    {
        struct hsx_gpio_info info = {.pin = 1};

        CHILD_CHECK(ioctl(target, HSX_IOC_GPIO_INFO, &info) == -1);
        CHILD_CHECK(errno == EACCES);
    }
    close(target);
    return 0;
}

/* Unprivileged userfaultfd for kernel-mode faults is a sysctl away; restore it after. */
static int set_unprivileged_userfaultfd(int on)
{
    static const char *const knob = "/proc/sys/vm/unprivileged_userfaultfd";
    char old = '0';
    int fd = open(knob, O_RDWR | O_CLOEXEC);

    if (fd < 0)
        return -1;
    if (read(fd, &old, 1) != 1 || pwrite(fd, on ? "1" : "0", 1, 0) != 1)
        old = -1;
    close(fd);
    return old == -1 ? -1 : old == '1';
}

/* The sysctl's value before the test, restored even when the test fails. */
static int uffd_was = -1;

static int allow_unprivileged_userfaultfd(void **state)
{
    (void)state;
    uffd_was = set_unprivileged_userfaultfd(1);
    if (uffd_was < 0)
        fprintf(stderr, "cannot enable vm.unprivileged_userfaultfd: %s\n", strerror(errno));
    return uffd_was < 0 ? -1 : 0;
}

static int restore_unprivileged_userfaultfd(void **state)
{
    (void)state;
    if (uffd_was >= 0)
        set_unprivileged_userfaultfd(uffd_was);
    return 0;
}

static void decision_is_on_the_single_copy(void **state)
{
    (void)state;
    /* The source: pins 0-3, read and grant. */
    assert_int_equal(run_granted_holder("gpio", holder_derives_from_moving_memory, HSX_MODULE_GPIO,
                                        HSX_CAP_R_READ | HSX_CAP_R_GRANT, pins(0xf)),
                     0);
}

/* ---- Denials: each counted, the first per file and module logged -------- */

/* syslog(2) actions; glibc's <sys/klog.h> does not name them. */
#define KLOG_READ_ALL 3
#define KLOG_SIZE_BUFFER 10

/* Lines of the kernel log that contain needle. */
static int kernel_log_count(const char *needle)
{
    int size = klogctl(KLOG_SIZE_BUFFER, NULL, 0), len, n = 0;
    char *log, *p;

    assert_true(size > 0);
    log = calloc(1, (size_t)size + 1);
    assert_non_null(log);
    len = klogctl(KLOG_READ_ALL, log, size);
    assert_true(len >= 0);
    for (p = log; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    free(log);
    return n;
}

#define DENIALS 50

static int holder_retries_in_a_loop(int fd, int sock)
{
    int i;

    (void)sock;
    for (i = 0; i < DENIALS; i++)
        CHILD_CHECK(tick_op(fd) == -EACCES);
    return 0;
}

static void denials_counted_each_logged_once(void **state)
{
    uint64_t denied = e2e_sysfs_u64("/sys/hal/caps/denied");
    char needle[64];
    struct holder h;

    (void)state;
    start_holder(&h, "timer", holder_retries_in_a_loop);
    snprintf(needle, sizeof(needle), "denied: pid %d ", h.pid);
    send_byte(h.sock, 'g'); /* go, without a capability */
    assert_int_equal(finish_holder(&h), 0);
    assert_true(e2e_sysfs_u64("/sys/hal/caps/denied") == denied + DENIALS);
    /* One line at most (the log's own rate limit may hold even that back). */
    assert_true(kernel_log_count(needle) <= 1);
}

/* ---- 13: the module stays while capabilities live ----------------------- */

static int holder_keeps_working(int fd, int sock)
{
    CHILD_CHECK(tick_op(fd) == 0);
    send_byte(sock, 'u');
    CHILD_CHECK(recv_byte(sock) == 'k');
    /* The unload attempt changed nothing for the holder. */
    CHILD_CHECK(tick_op(fd) == 0);
    return 0;
}

static void unload_refused_while_capabilities_live(void **state)
{
    struct hsx_cap_query q = {.module = HSX_MODULE_TIMER};
    struct holder h;
    uint64_t id;

    (void)state;
    assert_true(e2e_exists("/sys/module/hsx"));
    start_holder(&h, "timer", holder_keeps_working);
    assert_int_equal(mint(h.file, HSX_MODULE_TIMER, HSX_CAP_R_READ, timers(1), 30000000000ull, &id),
                     0);
    send_byte(h.sock, 'g');
    assert_int_equal(recv_byte(h.sock), 'u');
    /* The files hold the module: unloading fails at once and ends nothing. */
    assert_int_equal(syscall(SYS_delete_module, "hsx", O_NONBLOCK), -1);
    assert_true(errno == EWOULDBLOCK || errno == EBUSY);
    assert_true(e2e_exists("/sys/module/hsx"));
    assert_int_equal(e2e_ioctl(h.file, HSX_IOC_CAP_INFO, &q), 0);
    assert_true(q.cap.id == id);
    assert_int_equal(q.cap.state, HSX_CAP_STATE_ACTIVE);
    send_byte(h.sock, 'k');
    assert_int_equal(finish_holder(&h), 0);
}

/* ---- 14: io_uring is no way around the check ---------------------------- */

/* One io_uring operation on fd; returns its completion's result. */
static int uring_op(struct io_uring *ring, int opcode, int fd, uint32_t cmd_op, void *buf,
                    unsigned int len)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    struct io_uring_cqe *cqe;
    int res;

    if (!sqe)
        return -ENOSPC;
    io_uring_prep_rw(opcode, sqe, fd, buf, len, 0);
    sqe->cmd_op = cmd_op;
    if (io_uring_submit(ring) != 1 || io_uring_wait_cqe(ring, &cqe))
        return -EIO;
    res = cqe->res;
    io_uring_cqe_seen(ring, cqe);
    return res;
}

static int uring_everything_fails(int fd)
{
    struct hsx_timer_create c = {.period_us = 100000, .flags = HSX_TIMER_F_STOPPED};
    struct io_uring ring;
    char buf[64];
    int ret;

    if (io_uring_queue_init(4, &ring, 0))
        return -1;
    /* hsx has no uring_cmd: its operations cannot run in io_uring's workers. */
    ret = uring_op(&ring, IORING_OP_URING_CMD, fd, HSX_IOC_TIMER_CREATE, &c, 0) == -EOPNOTSUPP &&
                  /* Nor read or write: a file's only way in is the checked ioctl. */
                  uring_op(&ring, IORING_OP_READ, fd, 0, buf, sizeof(buf)) == -EINVAL &&
                  uring_op(&ring, IORING_OP_WRITE, fd, 0, buf, sizeof(buf)) == -EINVAL
              ? 0
              : -1;
    io_uring_queue_exit(&ring);
    return ret;
}

static int holder_tries_io_uring(int fd, int sock)
{
    /* Without a capability, and then with one: io_uring refuses the same. */
    CHILD_CHECK(uring_everything_fails(fd) == 0);
    CHILD_CHECK(timer_create_op(fd) == -EACCES);
    send_byte(sock, 'w');
    CHILD_CHECK(recv_byte(sock) == 'g');
    CHILD_CHECK(uring_everything_fails(fd) == 0);
    CHILD_CHECK(timer_create_op(fd) >= 0);
    return 0;
}

static void io_uring_is_refused(void **state)
{
    uint64_t denied = e2e_sysfs_u64("/sys/hal/caps/denied");
    struct holder h;

    (void)state;
    start_holder(&h, "timer", holder_tries_io_uring);
    send_byte(h.sock, 'g'); /* start, no capability yet */
    assert_int_equal(recv_byte(h.sock), 'w');
    assert_int_equal(
        mint(h.file, HSX_MODULE_TIMER, HSX_CAP_R_TIMER_ALL, timers(1), 30000000000ull, NULL), 0);
    send_byte(h.sock, 'g');
    assert_int_equal(finish_holder(&h), 0);
    /* Only the ioctl without a capability was denied: io_uring never got as far. */
    assert_true(e2e_sysfs_u64("/sys/hal/caps/denied") == denied + 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(decision_is_on_the_single_copy,
                                        allow_unprivileged_userfaultfd,
                                        restore_unprivileged_userfaultfd),
        cmocka_unit_test(denials_counted_each_logged_once),
        cmocka_unit_test(unload_refused_while_capabilities_live),
        cmocka_unit_test(io_uring_is_refused),
    };

    return cmocka_run_group_tests(tests, cap_admin_claim, cap_admin_release);
}
