/* SPDX-License-Identifier: MIT */
/*
 * In the emulated Raspberry Pi 3 (tests/rpi/run): hsx.ko's UART ports as the
 * device tree binds them. What to expect is read from the tree itself: the
 * phandles of /proc/device-tree/hsx-uart/hsx-uarts, each resolved to its
 * node, the device whose of_node that is, and the tty sysfs shows under
 * that device. With no such node, no port may be bound.
 *
 *   - the node is bound to hsx-uart-fw, which has no unbind file;
 *   - /sys/hal/uart/<n>/tty is the controller's tty and source says
 *     "devicetree", UART_INFO agrees, /dev/hsx/uart<n> exists; the ports
 *     the node leaves out have neither;
 *   - a user open() of the tty fails with EBUSY;
 *   - the admin's UART_MAP (map and unmap) fails with EOPNOTSUPP;
 *   - on the first bound port (not with "again"): a marker written through
 *     /dev/hsx/uart (UART_WRITE, then DRAIN) leaves the line; it is printed
 *     as "HSX-UART-MARKER <text>" for the host, which checks its end of the
 *     line got it and answers "HSX-UART-REPLY <nonce>"; the answer must
 *     arrive through UART_READ_POLL on /dev/hsx/uart<n> within REPLY_WAIT_S.
 *
 * RS-485, the serial core's (the tty keeps it across opens, so what was set
 * before hsx took the tty must be there after hsx gives it back):
 *
 *   - rs485-dt, once hsx.ko is unloaded: every port whose controller's node
 *     has linux,rs485-enabled-at-boot-time (at least one must) reads back
 *     (TIOCGRS485) as the node says: on, RTS high while sending unless
 *     rs485-rts-active-low, rs485-rts-delay's delays, rs485-rx-during-tx;
 *   - rs485-map TTY, with no hsx,uart node: "hsxctl uart map 0 TTY --rs485
 *     --rts-after-send --delay-before-ms 2 --delay-after-ms 300" binds port 0
 *     and prints what the driver took (the serial core clamps the delay to
 *     100 ms, and says so); the marker goes out and the host's reply comes
 *     back through hsx as above; "hsxctl uart unmap 0" gives the tty back,
 *     and TIOCGRS485 on it reads what hsxctl printed; its HUPCL is off
 *     (hsxctl cleared it before its close, and said so).
 *
 * Usage: uart_check [again | rs485-dt | rs485-map TTY]   ("again" after a
 * reload: the binding only; check names get the suffix "-again").
 * Prints "PASS name" or "FAIL name: why" per check; exits 1 if any failed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/serial.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "hsx_uapi.h"

#define NODE "/proc/device-tree/hsx-uart"
#define DT_ROOT "/proc/device-tree"
#define DRIVER "/sys/bus/platform/drivers/hsx-uart-fw"
#define REPLY_WAIT_S 60
#define HSXCTL "/hsxctl"

static char ttys[HSX_UART_MAX_PORTS][HSX_UART_TTY_NAME_MAX];
static char nodes[HSX_UART_MAX_PORTS][PATH_MAX];
static int has_node;
static const char *suffix = "";

/* "PASS name[-again] (detail)" or "FAIL name[-again]: why" */
static void report_detail(const char *name, const char *detail)
{
    report_as(name, suffix, detail);
}

static void report(const char *name)
{
    report_detail(name, NULL);
}

/* The node under @dir whose phandle is @ph, into @out; 1 if found. */
static int find_phandle(const char *dir, uint32_t ph, char *out, size_t len)
{
    char path[PATH_MAX];
    unsigned char cell[8];
    struct dirent *e;
    DIR *d = opendir(dir);
    int found = 0;

    if (!d)
        return 0;
    snprintf(path, sizeof(path), "%s/phandle", dir);
    if (read_file(path, (char *)cell, sizeof(cell)) == 4 && be32(cell) == ph) {
        snprintf(out, len, "%s", dir);
        found = 1;
    }
    while (!found && (e = readdir(d))) {
        struct stat st;

        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (!lstat(path, &st) && S_ISDIR(st.st_mode))
            found = find_phandle(path, ph, out, len);
    }
    closedir(d);
    return found;
}

/*
 * The tty sysfs shows under the device of node @node (a path in DT_ROOT): its
 * child's tty/ up to 6.4, since 6.5 below the serial core's controller and port
 * devices (<dev>/<dev>:0/<dev>:0.0/tty/ttyS1). A tty of /sys/class/tty whose
 * device path is below the node's device's.
 */
static int tty_under(const char *dev, char *tty, size_t len)
{
    char path[PATH_MAX], got[PATH_MAX];
    size_t n = strlen(dev);
    DIR *d = opendir("/sys/class/tty");
    struct dirent *e;
    int found = 0;

    while (d && !found && (e = readdir(d))) {
        snprintf(path, sizeof(path), "/sys/class/tty/%s", e->d_name);
        if (e->d_name[0] == '.' || !realpath(path, got) || strncmp(got, dev, n) || got[n] != '/')
            continue;
        snprintf(tty, len, "%.*s", HSX_UART_TTY_NAME_MAX - 1, e->d_name);
        found = 1;
    }
    if (d)
        closedir(d);
    return found;
}

static int tty_of_node(const char *node, char *tty, size_t len)
{
    static const char *const buses[] = {"/sys/bus/platform/devices", "/sys/bus/amba/devices"};
    char want[PATH_MAX], path[PATH_MAX], got[PATH_MAX], dev[PATH_MAX];

    if (!realpath(node, want))
        return 0;
    for (size_t b = 0; b < sizeof(buses) / sizeof(buses[0]); b++) {
        DIR *d = opendir(buses[b]);
        struct dirent *e;

        while (d && (e = readdir(d))) {
            snprintf(path, sizeof(path), "%s/%s/of_node", buses[b], e->d_name);
            if (e->d_name[0] == '.' || !realpath(path, got) || strcmp(got, want))
                continue;
            snprintf(path, sizeof(path), "%s/%s", buses[b], e->d_name);
            if (realpath(path, dev) && tty_under(dev, tty, len)) {
                closedir(d);
                return 1;
            }
        }
        if (d)
            closedir(d);
    }
    return 0;
}

/* What the device tree says: entry n of hsx-uarts binds port n. */
static void load_tree(void)
{
    unsigned char cells[4 * HSX_UART_MAX_PORTS + 4];
    struct stat st;
    ssize_t n;

    has_node = !stat(NODE, &st);
    if (!has_node)
        return;
    n = read_file(NODE "/hsx-uarts", (char *)cells, sizeof(cells));
    if (n <= 0 || n % 4 || n / 4 > HSX_UART_MAX_PORTS) {
        fail("cannot read %s/hsx-uarts, or it is not 1..%d cells", NODE, HSX_UART_MAX_PORTS);
        return;
    }
    for (ssize_t port = 0; port < n / 4; port++) {
        uint32_t ph = be32(cells + 4 * port);

        if (!ph)
            continue;
        if (!find_phandle(DT_ROOT, ph, nodes[port], sizeof(nodes[port])))
            fail("port %zd: no node has phandle %u", port, ph);
        else if (!tty_of_node(nodes[port], ttys[port], sizeof(ttys[port])))
            fail("port %zd: no tty under the device of %s", port, nodes[port]);
    }
}

static int first_port(void)
{
    for (int port = 0; port < HSX_UART_MAX_PORTS; port++)
        if (ttys[port][0])
            return port;
    return -1;
}

static void check_driver(void)
{
    char path[PATH_MAX];
    struct stat st;

    snprintf(path, sizeof(path), DRIVER "/hsx-uart");
    if (stat(DRIVER, &st))
        fail("no driver %s", DRIVER);
    else if (has_node && stat(path, &st))
        fail("the hsx,uart node is not bound to hsx-uart-fw");
    else if (!has_node && !stat(path, &st))
        fail("hsx-uart-fw has a device, but the tree has no hsx,uart node");
    if (!stat(DRIVER "/unbind", &st))
        fail("the driver has an unbind file");
    report(has_node ? "uart-bound" : "uart-no-node");
}

/* sysfs, UART_INFO and /dev/hsx/uart<n> for every port, bound or not. */
static void check_ports(void)
{
    int fd = open_node("uart");

    for (int port = 0; port < HSX_UART_MAX_PORTS; port++) {
        struct hsx_uart_info info = {.port = port};
        char path[96], got[64];
        struct stat st;
        int ret;

        snprintf(path, sizeof(path), "/sys/hal/uart/%d", port);
        if (!ttys[port][0]) {
            if (!stat(path, &st))
                fail("port %d: %s exists, but the tree binds no tty to it", port, path);
            snprintf(path, sizeof(path), "/dev/hsx/uart%d", port);
            if (!stat(path, &st))
                fail("port %d: %s exists, but the tree binds no tty to it", port, path);
            continue;
        }
        snprintf(path, sizeof(path), "/sys/hal/uart/%d/tty", port);
        if (read_file(path, got, sizeof(got)) < 0 || strcspn(got, "\n") != strlen(ttys[port]) ||
            strncmp(got, ttys[port], strlen(ttys[port])))
            fail("port %d: %s is \"%.*s\", expected \"%s\"", port, path, (int)strcspn(got, "\n"),
                 got, ttys[port]);
        snprintf(path, sizeof(path), "/sys/hal/uart/%d/source", port);
        if (read_file(path, got, sizeof(got)) < 0 || strcmp(got, "devicetree\n"))
            fail("port %d: %s is \"%.*s\", not \"devicetree\"", port, path, (int)strcspn(got, "\n"),
                 got);
        snprintf(path, sizeof(path), "/dev/hsx/uart%d", port);
        if (stat(path, &st) || !S_ISCHR(st.st_mode))
            fail("port %d: no character device %s", port, path);
        ret = fd < 0 ? -EBADF : hsx_ioctl(fd, HSX_IOC_UART_INFO, &info);
        if (ret)
            fail("port %d: UART_INFO: %s", port, strerror(-ret));
        else if (!info.bound || !info.from_dt || strcmp(info.tty, ttys[port]))
            fail("port %d: UART_INFO says bound %u from_dt %u tty \"%s\"", port, info.bound,
                 info.from_dt, info.tty);
    }
    if (fd >= 0)
        close(fd);
    if (has_node) {
        char detail[PATH_MAX + 64];
        int port = first_port();

        snprintf(detail, sizeof(detail), "port %d: %s, %s", port, port < 0 ? "-" : ttys[port],
                 port < 0 ? "-" : nodes[port] + strlen(DT_ROOT));
        report_detail("uart-sysfs", detail);
    } else {
        report("uart-none-bound");
    }
}

/* The ttys are hsx's: a user open() fails with EBUSY. */
static void check_busy(void)
{
    for (int port = 0; port < HSX_UART_MAX_PORTS; port++) {
        char path[HSX_UART_TTY_NAME_MAX + 8];
        int fd;

        if (!ttys[port][0])
            continue;
        snprintf(path, sizeof(path), "/dev/%.*s", HSX_UART_TTY_NAME_MAX - 1, ttys[port]);
        fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
            fail("port %d: open %s succeeded", port, path);
            close(fd);
        } else if (errno != EBUSY) {
            fail("port %d: open %s: %s, not EBUSY", port, path, strerror(errno));
        }
    }
    report("uart-tty-busy");
}

static void check_admin(void)
{
    int ctl = open_node("ctl");

    for (int port = 0; ctl >= 0 && port < HSX_UART_MAX_PORTS; port++) {
        struct hsx_uart_map map = {.port = port, .tty = "ttyS3"};
        struct hsx_uart_map unmap = {.port = port};
        int ret, ret2;

        if (!ttys[port][0])
            continue;
        ret = hsx_ioctl(ctl, HSX_IOC_UART_MAP, &map);
        ret2 = hsx_ioctl(ctl, HSX_IOC_UART_MAP, &unmap);
        if (ret != -EOPNOTSUPP || ret2 != -EOPNOTSUPP)
            fail("port %d: map gave %d, unmap %d, not -EOPNOTSUPP", port, ret, ret2);
    }
    if (ctl >= 0)
        close(ctl);
    report("uart-admin-map-refused");
}

/* A marker out through /dev/hsx/uart, the host's reply in through /dev/hsx/uart<n>. */
static void check_line(int port)
{
    struct timespec now;
    char marker[96], reply[112], got[256] = "", name[32];
    size_t have = 0;
    int fd = open_node("uart"), rfd;
    struct hsx_uart_xfer x = {.port = port};
    struct hsx_uart_ctl drain = {.port = port};
    int ret;

    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(marker, sizeof(marker), "HSX-UART-PING port%d %ld%09ld\n", port, (long)now.tv_sec,
             now.tv_nsec);
    snprintf(reply, sizeof(reply), "HSX-UART-REPLY %s", marker + strlen("HSX-UART-PING "));
    x.buf = (uintptr_t)marker;
    x.len = strlen(marker);
    ret = fd < 0 ? -EBADF : hsx_ioctl(fd, HSX_IOC_UART_WRITE, &x);
    if (ret)
        fail("UART_WRITE: %s", strerror(-ret));
    else if (x.done != x.len)
        fail("UART_WRITE wrote %u of %u bytes", x.done, x.len);
    else if ((ret = hsx_ioctl(fd, HSX_IOC_UART_DRAIN, &drain)))
        fail("UART_DRAIN: %s", strerror(-ret));
    /* For the host (tests/rpi/run), which looks for it at its end of the line. */
    printf("HSX-UART-MARKER %.*s\n", (int)strcspn(marker, "\n"), marker);
    report("uart-write");
    if (fd >= 0)
        close(fd);

    snprintf(name, sizeof(name), "uart%d", port);
    rfd = open_node(name);
    for (int tries = 0; rfd >= 0 && tries < REPLY_WAIT_S * 20 && !strstr(got, reply); tries++) {
        struct hsx_uart_xfer r = {.port = port, .len = sizeof(got) - 1 - have};

        got[have] = '\0';
        r.buf = (uintptr_t)(got + have);
        if ((ret = hsx_ioctl(rfd, HSX_IOC_UART_READ_POLL, &r))) {
            fail("UART_READ_POLL: %s", strerror(-ret));
            break;
        }
        have += r.done;
        got[have] = '\0';
        if (have == sizeof(got) - 1)
            break;
        if (!r.done)
            usleep(50000);
    }
    got[have] = '\0';
    if (rfd >= 0 && !strstr(got, reply))
        fail("no \"%.*s\" within %d s; read %zu bytes: \"%.*s\"", (int)strcspn(reply, "\n"), reply,
             REPLY_WAIT_S, have, (int)strcspn(got, "\n"), got);
    if (rfd >= 0)
        close(rfd);
    report("uart-read-poll");
}

/* The RS-485 settings of /dev/<tty>, as a user reads them; 0 or -errno. */
static int read_rs485(const char *tty, struct serial_rs485 *r)
{
    char path[HSX_UART_TTY_NAME_MAX + 8];
    int fd, ret = 0;

    snprintf(path, sizeof(path), "/dev/%s", tty);
    fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    if (ioctl(fd, TIOCGRS485, r))
        ret = -errno;
    close(fd);
    return ret;
}

/* Whether /dev/<tty> has HUPCL (1 or 0), or -errno. */
static int tty_hupcl(const char *tty)
{
    char path[HSX_UART_TTY_NAME_MAX + 8];
    struct termios t;
    int fd, ret;

    snprintf(path, sizeof(path), "/dev/%s", tty);
    fd = open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ret = tcgetattr(fd, &t) ? -errno : !!(t.c_cflag & HUPCL);
    close(fd);
    return ret;
}

/* "on rts=after-send delay_before_ms=2 ...", as hsxctl prints it. */
static void rs485_text(const struct serial_rs485 *r, char *buf, size_t len)
{
    if (!(r->flags & SER_RS485_ENABLED))
        snprintf(buf, len, "rs485=off");
    else
        snprintf(buf, len, "rs485=on rts=%s delay_before_ms=%u delay_after_ms=%u rx_during_tx=%s",
                 r->flags & SER_RS485_RTS_ON_SEND ? "on-send" : "after-send",
                 r->delay_rts_before_send, r->delay_rts_after_send,
                 r->flags & SER_RS485_RX_DURING_TX ? "yes" : "no");
}

/* After hsx.ko gave the tree's ports back: each has the RS-485 its node gives it. */
static void check_rs485_dt(void)
{
    char detail[512] = "", path[PATH_MAX + 32];
    int checked = 0;

    for (int port = 0; port < HSX_UART_MAX_PORTS; port++) {
        struct serial_rs485 want = {.flags = SER_RS485_ENABLED | SER_RS485_RTS_ON_SEND}, got;
        unsigned char delays[9];
        char want_text[160], got_text[160];
        struct stat st;
        int ret;

        if (!ttys[port][0])
            continue;
        snprintf(path, sizeof(path), "%.4000s/linux,rs485-enabled-at-boot-time", nodes[port]);
        if (stat(path, &st))
            continue;
        snprintf(path, sizeof(path), "%.4000s/rs485-rts-delay", nodes[port]);
        if (read_file(path, (char *)delays, sizeof(delays)) == 8) {
            want.delay_rts_before_send = be32(delays);
            want.delay_rts_after_send = be32(delays + 4);
        }
        snprintf(path, sizeof(path), "%.4000s/rs485-rts-active-low", nodes[port]);
        if (!stat(path, &st))
            want.flags ^= SER_RS485_RTS_ON_SEND | SER_RS485_RTS_AFTER_SEND;
        snprintf(path, sizeof(path), "%.4000s/rs485-rx-during-tx", nodes[port]);
        if (!stat(path, &st))
            want.flags |= SER_RS485_RX_DURING_TX;
        rs485_text(&want, want_text, sizeof(want_text));
        ret = read_rs485(ttys[port], &got);
        rs485_text(&got, got_text, sizeof(got_text));
        if (ret)
            fail("port %d: TIOCGRS485 on /dev/%s: %s", port, ttys[port], strerror(-ret));
        else if (strcmp(want_text, got_text))
            fail("port %d: /dev/%s has \"%s\", the tree says \"%s\"", port, ttys[port], got_text,
                 want_text);
        snprintf(detail, sizeof(detail), "%s%.31s %.150s", checked ? "...; " : "", ttys[port],
                 got_text);
        checked++;
    }
    if (!checked)
        fail("no port's controller has linux,rs485-enabled-at-boot-time in the tree");
    report_detail("uart-rs485-dt-after-unbind", detail);
}

/* Run hsxctl with args, its stdout and stderr into out; its exit status, or -1. */
static int run_hsxctl(char *out, size_t len, const char *const *args)
{
    char *argv[16] = {HSXCTL};
    int pipefd[2], status;
    size_t have = 0;
    ssize_t n;
    pid_t pid;

    for (int i = 0; args[i] && i < 14; i++)
        argv[i + 1] = (char *)args[i];
    if (pipe(pipefd))
        return -1;
    pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(pipefd[1], 1);
        dup2(pipefd[1], 2);
        close(pipefd[0]);
        execv(HSXCTL, argv);
        _exit(127);
    }
    close(pipefd[1]);
    while (have < len - 1 && (n = read(pipefd[0], out + have, len - 1 - have)) > 0)
        have += (size_t)n;
    out[have] = '\0';
    close(pipefd[0]);
    if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

/* hsxctl uart map --rs485 on a tty the tree gives hsx no port for. */
static void check_rs485_map(const char *tty)
{
    static const char *const map[] = {"uart",
                                      "map",
                                      "0",
                                      NULL,
                                      "--rs485",
                                      "--rts-after-send",
                                      "--delay-before-ms",
                                      "2",
                                      "--delay-after-ms",
                                      "300",
                                      NULL};
    const char *args[sizeof(map) / sizeof(map[0])];
    char out[1024], want[160], got_text[160], got_line[200];
    struct serial_rs485 got;
    struct hsx_uart_info info = {.port = 0};
    int ret, fd;

    memcpy(args, map, sizeof(map));
    args[3] = tty;
    snprintf(want, sizeof(want),
             "%s rs485=on rts=after-send delay_before_ms=2 delay_after_ms=100 "
             "rx_during_tx=no\n",
             tty);
    ret = run_hsxctl(out, sizeof(out), args);
    if (ret)
        fail("hsxctl uart map 0 %s --rs485 ... exited %d: %s", tty, ret, out);
    else if (!strstr(out, want))
        fail("hsxctl printed \"%s\", not \"%.*s\"", out, (int)strcspn(want, "\n"), want);
    else if (!strstr(out, "asked: 2 and 300"))
        fail("hsxctl did not say the driver clamped the delay: \"%s\"", out);
    /* The tty had HUPCL (the serial core's default): cleared, so that hsxctl's close kept RTS. */
    else if (!strstr(out, "HUPCL was cleared"))
        fail("hsxctl did not say it cleared HUPCL: \"%s\"", out);
    report_detail("uart-map", ret ? NULL : "driver took: delay after 300 ms -> 100 ms");

    fd = open_node("uart");
    ret = fd < 0 ? -EBADF : hsx_ioctl(fd, HSX_IOC_UART_INFO, &info);
    if (fd >= 0)
        close(fd);
    if (ret)
        fail("UART_INFO: %s", strerror(-ret));
    else if (!info.bound || info.from_dt || strcmp(info.tty, tty))
        fail("UART_INFO says bound %u from_dt %u tty \"%s\"", info.bound, info.from_dt, info.tty);
    ret = read_rs485(tty, &got);
    if (ret != -EBUSY)
        fail("open /dev/%s while bound: %s, not EBUSY", tty, ret ? strerror(-ret) : "succeeded");
    report("uart-bound");

    if (info.bound)
        check_line(0);

    ret = run_hsxctl(out, sizeof(out), (const char *const[]){"uart", "unmap", "0", NULL});
    if (ret)
        fail("hsxctl uart unmap 0 exited %d: %s", ret, out);
    memset(&got, 0, sizeof(got));
    ret = ret ? 0 : read_rs485(tty, &got);
    rs485_text(&got, got_text, sizeof(got_text));
    snprintf(got_line, sizeof(got_line), "%.31s %s\n", tty, got_text);
    if (ret)
        fail("TIOCGRS485 on /dev/%s after unmap: %s", tty, strerror(-ret));
    else if (strcmp(got_line, want))
        fail("/dev/%s has \"%s\" after unmap, hsxctl set \"%.*s\"", tty, got_text,
             (int)strcspn(want, "\n"), want);
    else if ((ret = tty_hupcl(tty)) != 0)
        fail("/dev/%s after unmap: %s, not HUPCL off as hsxctl said", tty,
             ret > 0 ? "HUPCL on" : strerror(-ret));
    report_detail("uart-kept-after-unmap", got_text);
}

int main(int argc, char **argv)
{
    int port;

    if (argc > 3 || (argc == 2 && strcmp(argv[1], "again") && strcmp(argv[1], "rs485-dt")) ||
        (argc == 3 && strcmp(argv[1], "rs485-map"))) {
        fprintf(stderr, "usage: %s [again | rs485-dt | rs485-map TTY]\n", argv[0]);
        return 2;
    }
    if (argc == 3) {
        suffix = "-rs485";
        check_rs485_map(argv[2]);
        printf("uart_check: %d passed, %d failed\n", passed, failed);
        return failed ? 1 : 0;
    }
    load_tree();
    if (argc == 2 && !strcmp(argv[1], "rs485-dt")) {
        check_rs485_dt();
        printf("uart_check: %d passed, %d failed\n", passed, failed);
        return failed ? 1 : 0;
    }
    if (argc == 2)
        suffix = "-again";
    report_detail("uart-device-tree", has_node ? NULL : "no hsx,uart node");
    check_driver();
    check_ports();
    if (has_node) {
        check_busy();
        check_admin();
        port = first_port();
        if (!suffix[0] && port >= 0)
            check_line(port);
    }
    printf("uart_check: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
