/* SPDX-License-Identifier: MIT */
/*
 * The CAN test board in the VM: vcan and vxcan interfaces made with
 * iproute2, buses bound through the admin node, queue-file subscriptions
 * read record by record, and can-utils (cansend, cangen, candump) as the
 * peer no one here wrote.
 */
#ifndef HSX_E2E_CAN_RIG_H
#define HSX_E2E_CAN_RIG_H

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "e2e.h"
#include "hsx_uapi.h"

/*
 * iproute2's ip, by its path: busybox's sh runs its own applets first, and
 * busybox's ip cannot make a vxcan pair.
 */
#define RIG_IP "/usr/sbin/ip"
#define RIG_TC "/usr/sbin/tc" /* iproute2's too: busybox's has no tbf */

/* Run a shell command; its exit status (-1 if it could not run). */
__attribute__((format(printf, 1, 2))) static inline int rig_sh(const char *fmt, ...)
{
    char cmd[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(cmd, sizeof(cmd), fmt, ap);
    va_end(ap);
    int status = system(cmd);
    return status == -1 || !WIFEXITED(status) ? -1 : WEXITSTATUS(status);
}

/*
 * An ip(8) process costs most of a second on the debug kernel (KASAN, lockdep; TCG): the rig
 * runs as few as it can. Is there a network interface of that name (no process asked)?
 */
static inline bool rig_iface_exists(const char *name)
{
    char path[64];

    snprintf(path, sizeof(path), "/sys/class/net/%s", name);
    return access(path, F_OK) == 0;
}

/* A network interface's sysfs attribute as a number (base 0: "0x1003" too); -1 without one. */
static inline long long rig_iface_attr(const char *name, const char *attr)
{
    char path[96], text[32];
    long long v = -1;
    FILE *f;

    snprintf(path, sizeof(path), "/sys/class/net/%s/%s", name, attr);
    f = fopen(path, "r");
    if (f) {
        if (fgets(text, sizeof(text), f))
            v = strtoll(text, NULL, 0);
        fclose(f);
    }
    return v;
}

/* A leftover interface of a killed test (or of the test before) deleted; none, no process. */
static inline void rig_iface_gone(const char *name)
{
    if (rig_iface_exists(name))
        rig_sh(RIG_IP " link del %s 2>/dev/null", name);
}

/* ip(8) commands, one a line, run by one ip process (-batch): 0 when each of them worked. */
static inline int rig_ip_batch(const char *lines)
{
    return rig_sh("printf '%%s' '%s' | " RIG_IP " -batch -", lines);
}

/* A vcan interface, up; a leftover of a killed test is replaced. One ip process (-batch). */
static inline void rig_vcan(const char *name)
{
    rig_iface_gone(name);
    assert_int_equal(rig_sh("printf 'link add dev %s type vcan\\nlink set %s up\\n' | " RIG_IP
                            " -batch -",
                            name, name),
                     0);
    assert_true(rig_iface_exists(name));
}

/* A vxcan pair, both ends up: what one end sends, the other receives from "the bus". */
static inline void rig_vxcan(const char *a, const char *b)
{
    rig_iface_gone(a);
    assert_int_equal(rig_sh("printf 'link add %s type vxcan peer name %s\\nlink set %s up\\n"
                            "link set %s up\\n' | " RIG_IP " -batch -",
                            a, b, a, b),
                     0);
    assert_true(rig_iface_exists(a) && rig_iface_exists(b));
}

static inline int rig_map(unsigned int bus, const char *ifname)
{
    struct hsx_can_map m = {.bus = bus};
    int fd = e2e_open_node("ctl");

    snprintf(m.ifname, sizeof(m.ifname), "%s", ifname);
    int ret = e2e_ioctl(fd, HSX_IOC_CAN_MAP, &m);
    close(fd);
    return ret;
}

/*
 * Frames the kernel dropped before any protocol saw them: its per-CPU
 * receive backlogs overflowed (/proc/net/softnet_stat, second column).
 */
static inline uint64_t rig_backlog_drops(void)
{
    char line[256];
    uint64_t total = 0;
    FILE *f = fopen("/proc/net/softnet_stat", "r");

    assert_non_null(f);
    while (fgets(line, sizeof(line), f)) {
        unsigned int processed, dropped;
        if (sscanf(line, "%x %x", &processed, &dropped) == 2)
            total += dropped;
    }
    fclose(f);
    return total;
}

/* Every bus unbound: what a test killed before its teardown may have left. */
static inline void rig_unmap_all(void)
{
    for (unsigned int bus = 0; bus < HSX_CAN_MAX_BUSES; bus++)
        rig_map(bus, "");
}

/*
 * Does vcan0 stand as rig_vcan() makes one: a CAN interface (ARPHRD_CAN), up, carrying FD frames
 * (CANFD_MTU)? What the cases change of it (down, a classic MTU) fails this.
 */
static inline bool rig_vcan0_as_new(void)
{
    long long flags = rig_iface_attr("vcan0", "flags");

    return rig_iface_attr("vcan0", "type") == 280 && rig_iface_attr("vcan0", "mtu") == 72 &&
           flags >= 0 && (flags & 0x1); /* IFF_UP */
}

/*
 * A test's setup: bus 0 bound to vcan0, nothing else bound. The vcan0 the case before left is
 * bound again when it stands as a new one does (rig_vcan0_as_new()); else it is made anew. Made
 * and deleted for each case, it cost 3-4 s a case on the debug kernel (ip processes).
 */
static inline int rig_bus0_on_vcan0(void **state)
{
    (void)state;
    rig_unmap_all();
    if (!rig_vcan0_as_new())
        rig_vcan("vcan0");
    return rig_map(0, "vcan0");
}

/* Its teardown: every bus unbound; vcan0 is left for the next case (rig_vcan0_off() ends it). */
static inline int rig_bus0_off(void **state)
{
    (void)state;
    rig_unmap_all();
    return 0;
}

/* The group's teardown after rig_bus0_on_vcan0()'s cases: every bus unbound, vcan0 gone. */
static inline int rig_vcan0_off(void **state)
{
    rig_bus0_off(state);
    rig_iface_gone("vcan0");
    return 0;
}

/* A queue-file subscription to mailbox name through the file fd; its fd. */
static inline int rig_subscribe(int fd, const char *name, unsigned int len)
{
    struct hsx_mbox_open o = {.queue_len = len};

    snprintf(o.name, sizeof(o.name), "%s", name);
    return e2e_ioctl(fd, HSX_IOC_MBOX_OPEN, &o);
}

struct rig_event {
    struct hsx_mbox_record hdr;
    struct hsx_can_record can;
};

/*
 * The next record of a queue file, waiting up to ms: 1, 0 when none came
 * (or end of file: hdr.type tells a close notice), or -errno.
 */
static inline int rig_next(int qfd, struct rig_event *ev, int ms)
{
    struct pollfd p = {.fd = qfd, .events = POLLIN};
    unsigned char buf[HSX_MBOX_RECORD_MAX];

    memset(ev, 0, sizeof(*ev));
    if (poll(&p, 1, ms) != 1)
        return 0;
    ssize_t n = read(qfd, buf, sizeof(buf));
    if (n < 0)
        return -errno;
    if (n == 0)
        return 0;
    assert_true((size_t)n >= sizeof(struct hsx_mbox_record));
    memcpy(&ev->hdr, buf, sizeof(ev->hdr));
    assert_int_equal(ev->hdr.size, n);
    if (ev->hdr.type == HSX_EVT_DATA) {
        assert_int_equal(ev->hdr.module, HSX_MODULE_CAN);
        assert_true((size_t)n >= sizeof(ev->hdr) + sizeof(ev->can));
        memcpy(&ev->can, buf + sizeof(ev->hdr), sizeof(ev->can));
    }
    return 1;
}

/* Send one frame through hsx on file fd; 0 or -errno. */
static inline int rig_tx(int fd, unsigned int bus, const struct hsx_can_frame *f, uint32_t flags,
                         uint64_t *cookie)
{
    struct hsx_can_tx tx = {.bus = bus, .flags = flags, .frame = *f};
    int ret = e2e_ioctl(fd, HSX_IOC_CAN_TX, &tx);

    if (cookie)
        *cookie = tx.cookie;
    return ret;
}

static inline struct hsx_can_frame rig_frame(uint32_t id, uint8_t flags, const char *hex)
{
    struct hsx_can_frame f = {.can_id = id, .flags = flags};

    for (size_t i = 0; hex[2 * i] && hex[2 * i + 1] && i < HSX_CAN_DATA_MAX; i++) {
        unsigned int b;
        sscanf(hex + 2 * i, "%2x", &b);
        f.data[i] = (uint8_t)b;
        f.len = (uint8_t)(i + 1);
    }
    return f;
}

/*
 * A frame in can-utils' "cansend" notation (what candump -L and cangen -v
 * print): 123#DEADBEEF, 12345678#.., 123#R, 123##1DEADBEEF (FD, flags 1 =
 * BRS). Returns buf.
 */
static inline char *rig_cansend_text(const struct hsx_can_frame *f, char *buf, size_t size)
{
    size_t n = (size_t)snprintf(buf, size, f->flags & HSX_CAN_F_EXT ? "%08X" : "%03X", f->can_id);

    if (f->flags & HSX_CAN_F_FD)
        n += (size_t)snprintf(buf + n, size - n, "##%X", f->flags & HSX_CAN_F_BRS ? 1 : 0);
    else
        n += (size_t)snprintf(buf + n, size - n, "#");
    if (f->flags & HSX_CAN_F_RTR) {
        snprintf(buf + n, size - n, "R");
        return buf;
    }
    for (unsigned int i = 0; i < f->len && n + 3 < size; i++)
        n += (size_t)snprintf(buf + n, size - n, "%02X", f->data[i]);
    return buf;
}

/* Parse a frame in cansend notation (see rig_cansend_text()); 0 or -1. */
static inline int rig_parse_cansend(const char *text, struct hsx_can_frame *f)
{
    const char *hash = strchr(text, '#');
    char idtext[16];
    size_t idlen;

    memset(f, 0, sizeof(*f));
    if (!hash || (idlen = (size_t)(hash - text)) >= sizeof(idtext) || (idlen != 3 && idlen != 8))
        return -1;
    memcpy(idtext, text, idlen);
    idtext[idlen] = '\0';
    f->can_id = (uint32_t)strtoul(idtext, NULL, 16);
    if (idlen == 8)
        f->flags |= HSX_CAN_F_EXT;
    const char *p = hash + 1;
    if (*p == '#') {
        unsigned int fl;
        f->flags |= HSX_CAN_F_FD;
        if (sscanf(p + 1, "%1x", &fl) != 1)
            return -1;
        f->flags |= (fl & 1 ? HSX_CAN_F_BRS : 0) | (fl & 2 ? HSX_CAN_F_ESI : 0);
        p += 2;
    } else if (*p == 'R') {
        f->flags |= HSX_CAN_F_RTR;
        f->len = p[1] && p[1] != '\n' ? (uint8_t)strtoul(p + 1, NULL, 16) : 0;
        return 0;
    }
    while (p[0] && p[0] != '\n' && p[0] != ' ') {
        unsigned int b;
        if (p[0] == '.') {
            p++;
            continue;
        }
        if (sscanf(p, "%2x", &b) != 1 || f->len >= HSX_CAN_DATA_MAX)
            return -1;
        f->data[f->len++] = (uint8_t)b;
        p += 2;
    }
    return 0;
}

static inline void rig_assert_same_frame(const struct hsx_can_frame *want,
                                         const struct hsx_can_frame *got)
{
    assert_int_equal(got->can_id, want->can_id);
    assert_int_equal(got->flags & ~HSX_CAN_F_LOCAL, want->flags);
    assert_int_equal(got->len, want->len);
    if (!(want->flags & HSX_CAN_F_RTR))
        assert_memory_equal(got->data, want->data, want->len);
}

/*
 * candump in the background, its -L log in path; its pid. A log of an earlier run is removed
 * first: rig_candump_ready() would find its marker before candump truncated it.
 */
static inline pid_t rig_candump(const char *ifname, const char *path)
{
    assert_true(unlink(path) == 0 || errno == ENOENT);
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        if (!freopen(path, "w", stdout))
            _exit(127);
        execlp("candump", "candump", "-L", ifname, (char *)NULL);
        _exit(127);
    }
    return pid;
}

/* Does file path contain text? */
static inline bool rig_file_has(const char *path, const char *text)
{
    char line[512];
    bool found = false;
    FILE *f = fopen(path, "r");

    if (!f)
        return false;
    while (!found && fgets(line, sizeof(line), f))
        found = strstr(line, text) != NULL;
    fclose(f);
    return found;
}

/* Wait until candump's log shows text; fails the test after the liveness bound. */
static inline void rig_wait_logged(const char *path, const char *text)
{
    uint64_t deadline = e2e_now_ms() + E2E_LIVENESS_MS;

    while (!rig_file_has(path, text)) {
        if (e2e_now_ms() >= deadline) {
            fprintf(stderr, "no %s in %s:\n", text, path);
            rig_sh("cat %s >&2", path);
            fail();
        }
        usleep(50 * 1000);
    }
}

/*
 * Start candump on ifname and make sure it listens: marker frames go out on
 * bus through fd until one shows up in its log. Its pid.
 */
static inline pid_t rig_candump_ready(int fd, unsigned int bus, const char *ifname,
                                      const char *path)
{
    struct hsx_can_frame marker = {.can_id = 0x7F0, .len = 1, .data = {0xAA}};
    uint64_t deadline = e2e_now_ms() + E2E_LIVENESS_MS;
    pid_t pid = rig_candump(ifname, path);

    while (!rig_file_has(path, "7F0#AA")) {
        assert_true(e2e_now_ms() < deadline);
        assert_int_equal(rig_tx(fd, bus, &marker, 0, NULL), 0);
        usleep(100 * 1000);
    }
    return pid;
}

static inline void rig_stop(pid_t pid)
{
    int status;

    kill(pid, SIGTERM);
    assert_int_equal(waitpid(pid, &status, 0), pid);
}

/*
 * The refusals every CAN request with a bus and a reserved word shares: reserved set is EINVAL,
 * a bus past HSX_CAN_MAX_BUSES is EINVAL, bus 3 (not bound) is ENXIO. arg is the request, whose
 * reserved and bus words are given; both are left 0 and 3.
 */
static inline void rig_refuses_reserved_and_bus(int fd, unsigned long req, void *arg,
                                                __u32 *reserved, __u32 *bus)
{
    *reserved = 1;
    assert_int_equal(e2e_ioctl(fd, req, arg), -EINVAL);
    *reserved = 0;
    *bus = HSX_CAN_MAX_BUSES;
    assert_int_equal(e2e_ioctl(fd, req, arg), -EINVAL);
    *bus = 3;
    assert_int_equal(e2e_ioctl(fd, req, arg), -ENXIO);
}

/* A bus's bound over files (at most RIG_FILL_FILES): files files, each with slots objects. */
#define RIG_FILL_FILES 8

/* Open files files on "can" and make objects 0..slots-1 in each with make() (each must work). */
static inline void rig_fill(int *fds, unsigned int files, unsigned int slots,
                            int (*make)(int fd, uint32_t slot))
{
    assert_true(files <= RIG_FILL_FILES);
    for (unsigned int i = 0; i < files; i++) {
        fds[i] = e2e_open_node("can");
        for (uint32_t slot = 0; slot < slots; slot++)
            assert_int_equal(make(fds[i], slot), 0);
    }
}

/*
 * The bus full (rig_fill()): another file's make() is ENOSPC, until the first file closes and
 * gives its objects back. Every file closed.
 */
static inline void rig_full_until_a_file_closes(int *fds, unsigned int files,
                                                int (*make)(int fd, uint32_t slot))
{
    int more = e2e_open_node("can");

    assert_int_equal(make(more, 0), -ENOSPC);
    close(fds[0]);
    assert_int_equal(make(more, 0), 0);
    for (unsigned int i = 1; i < files; i++)
        close(fds[i]);
    close(more);
}

#endif /* HSX_E2E_CAN_RIG_H */
