/* SPDX-License-Identifier: MIT */
/*
 * In the emulated Raspberry Pi 3 (tests/rpi/run): hsx.ko's GPIO pins as the
 * device tree binds them. What to expect is read from the tree itself
 * (/proc/device-tree/hsx-gpio: hsx-gpios and hsx-gpio-names), so the same
 * checks serve the shipped overlay and the test overlay:
 *
 *   - /sys/hal/gpio/<pin>/mapping and GPIO_INFO name the bcm2835 line and
 *     the pin's name for every bound pin, "unmapped" for the rest;
 *   - every bound pin configures, writes, reads and toggles through hsx;
 *     gpioinfo shows its line used by "hsx" while a file holds it, with the
 *     polarity (reference flag XOR HSX_GPIO_F_ACTIVE_LOW) and drive the rule
 *     gives; the chip's own level (debugfs) is the logical value through it;
 *   - the lines are free again once the file is closed;
 *   - holes fail with ENXIO, admin map and unmap with EOPNOTSUPP;
 *   - hsx unloads with the node bound and binds it again when reloaded.
 *
 * And the FRAM devices the tree binds (/proc/device-tree/hsx-fram: entry n
 * of hsx-frams, a provider's phandle, is the nvmem device whose parent has
 * that node), before and after the reload:
 *   - /sys/hal/fram/<n>/nvmem names it, source says "devicetree", FRAM_INFO
 *     agrees; the devices the node leaves out are not bound (none without
 *     the node); the node is bound to hsx-fram-fw, which has no unbind file;
 *   - bytes written through FRAM_WRITE read back through FRAM_READ and are
 *     the nvmem device's own (/sys/bus/nvmem/devices/<name>/nvmem); after
 *     the reload, those of the first run are still there;
 *   - the admin's FRAM_MAP (map and unmap) fails with EOPNOTSUPP for a bound
 *     device, and a hole cannot take a part the tree bound (EBUSY);
 *   - a second hsx,fram node (/proc/device-tree/hsx-fram-second) is refused
 *     with a kernel message naming the first, and the first's devices stay.
 * At the end, the provider of device 0 (a platform device of hsx_fram_sim.ko)
 * loses its driver through sysfs (unbind): device 0 goes (a file that used it
 * gets ENODEV), the node stays bound, the other devices stay and work, and
 * the admin cannot map device 0 (EOPNOTSUPP); the driver bound again, device
 * 0 comes back by itself, with its number, bytes and wear count. Then the
 * same with a provider deleted and made again: device 3's part is the child
 * of an "hsx,fram-sim-bus" node, whose unbinding deletes the part's device.
 *
 * Prints "PASS name" or "FAIL name: why" per check; exits 1 if any failed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "hsx_uapi.h"

#define NODE "/proc/device-tree/hsx-gpio"
#define CHIP_NODE "/proc/device-tree/soc/gpio@7e200000"
#define CHIP_LABEL "pinctrl-bcm2835"
#define DT_ACTIVE_LOW 0x1
#define DT_OPEN_DRAIN 0x6 /* GPIO_SINGLE_ENDED | GPIO_LINE_OPEN_DRAIN */
#define FRAM_NODE "/proc/device-tree/hsx-fram"
#define FRAM_NODE2 "/proc/device-tree/hsx-fram-second"
#define FRAM_FW_DRIVER "/sys/bus/platform/drivers/hsx-fram-fw"
#define SIM_DRIVER "/sys/bus/platform/drivers/hsx-fram-sim"
#define REBIND_WAIT_MS 20000
#define FRAM_ADDR 64 /* the bytes the FRAM checks write: FRAM_ADDR.. */
#define FRAM_LEN 256

struct pin {
    int bound;
    unsigned int offset;
    unsigned int flags;
    char name[HSX_GPIO_LABEL_MAX];
};

static struct pin pins[HSX_GPIO_MAX_PINS];
/* Per FRAM device, the nvmem device the tree binds it to, or "". */
static char fram_nvmem[HSX_FRAM_MAX_DEVICES][HSX_FRAM_NAME_MAX];
static int fram_entries;

static void report(const char *name)
{
    report_as(name, "", NULL);
}

/* What the device tree says: entry n of hsx-gpios binds pin n. */
static void load_tree(void)
{
    unsigned char cells[1024], ph[8];
    char names[1024];
    ssize_t n = read_file(NODE "/hsx-gpios", (char *)cells, sizeof(cells));
    ssize_t nn = read_file(NODE "/hsx-gpio-names", names, sizeof(names));
    uint32_t chip_phandle;
    unsigned int pin = 0;

    if (n <= 0 || n % 4 || read_file(CHIP_NODE "/phandle", (char *)ph, sizeof(ph)) != 4) {
        fail("cannot read %s/hsx-gpios or the bcm2835 node's phandle", NODE);
        return;
    }
    chip_phandle = be32(ph);
    for (ssize_t i = 0; i < n / 4 && pin < HSX_GPIO_MAX_PINS; pin++) {
        uint32_t phandle = be32(cells + 4 * i);

        if (!phandle) {
            i++;
            continue;
        }
        if (phandle != chip_phandle || i + 3 > n / 4) {
            fail("entry %u is not a bcm2835 reference with two cells", pin);
            return;
        }
        pins[pin] = (struct pin){1, be32(cells + 4 * i + 4), be32(cells + 4 * i + 8), ""};
        i += 3;
    }
    for (ssize_t off = 0, p = 0; nn > 0 && off < nn; p++) {
        snprintf(pins[p].name, sizeof(pins[p].name), "%s", names + off);
        off += strlen(names + off) + 1;
    }
}

/* READ, WRITE and TOGGLE take a number; READ and TOGGLE return the value. */
static int hsx_value_op(int fd, unsigned long req, unsigned int pin, unsigned int value)
{
    int ret = ioctl(fd, req, HSX_GPIO_VALUE_ARG(pin, value));

    return ret < 0 ? -errno : ret;
}

static void check_mappings(int fd)
{
    for (unsigned int pin = 0; pin < HSX_GPIO_MAX_PINS; pin++) {
        struct hsx_gpio_info info = {.pin = pin};
        char path[64], got[96], want[96];
        const struct pin *p = &pins[pin];

        if (!p->bound)
            snprintf(want, sizeof(want), "unmapped\n");
        else if (p->name[0])
            snprintf(want, sizeof(want), CHIP_LABEL ":%u %s\n", p->offset, p->name);
        else
            snprintf(want, sizeof(want), CHIP_LABEL ":%u\n", p->offset);
        snprintf(path, sizeof(path), "/sys/hal/gpio/%u/mapping", pin);
        if (read_file(path, got, sizeof(got)) < 0 || strcmp(got, want))
            fail("pin %u: mapping \"%.*s\", expected \"%.*s\"", pin, (int)strcspn(got, "\n"), got,
                 (int)strcspn(want, "\n"), want);
        if (hsx_ioctl(fd, HSX_IOC_GPIO_INFO, &info))
            fail("pin %u: GPIO_INFO failed", pin);
        else if (info.mapped != (unsigned int)p->bound ||
                 (p->bound && (strcmp(info.chip, CHIP_LABEL) || info.offset != p->offset ||
                               strcmp(info.name, p->name))))
            fail("pin %u: GPIO_INFO says %u %s:%u \"%s\"", pin, info.mapped, info.chip, info.offset,
                 info.name);
    }
}

/* gpioinfo's and debugfs's view of the chip, taken once for all pins. */
static char gpioinfo_out[16384], debugfs_out[16384];

static void snapshot(void)
{
    FILE *f = popen("gpioinfo gpiochip0", "r");
    size_t n = f ? fread(gpioinfo_out, 1, sizeof(gpioinfo_out) - 1, f) : 0;

    gpioinfo_out[n] = '\0';
    if (f)
        pclose(f);
    if (read_file("/sys/kernel/debug/gpio", debugfs_out, sizeof(debugfs_out)) < 0)
        debugfs_out[0] = '\0';
}

/* gpioinfo's line for an offset ("\tline  17: ..."), or "" */
static void gpioinfo_line(unsigned int offset, char *out, size_t len)
{
    char tag[32];
    const char *l;

    snprintf(tag, sizeof(tag), "line %3u:", offset);
    l = strstr(gpioinfo_out, tag);
    snprintf(out, len, "%.*s", l ? (int)strcspn(l, "\n") : 0, l ? l : "");
}

/* The chip's own output level of a line held by hsx, from debugfs: 1, 0 or -1. */
static int debugfs_level(const char *line_name)
{
    char tag[48];
    const char *l;

    snprintf(tag, sizeof(tag), "(%-20.20s|hsx", line_name);
    l = strstr(debugfs_out, tag);
    l = l ? strchr(l, ')') : NULL;
    if (!l)
        return -1;
    if (!strncmp(l, ") out hi", 8))
        return 1;
    return strncmp(l, ") out lo", 8) ? -1 : 0;
}

/* The line name gpioinfo gives, between the first pair of quotes. */
static void quoted_name(const char *info, char *out, size_t len)
{
    const char *q = strchr(info, '"');
    size_t n = q ? strcspn(q + 1, "\"") : 0;

    snprintf(out, len, "%.*s", (int)n, q ? q + 1 : "");
}

static int dt_open_drain(const struct pin *p, uint32_t hsx_flags)
{
    return (p->flags & DT_OPEN_DRAIN) == DT_OPEN_DRAIN || (hsx_flags & HSX_GPIO_F_OPEN_DRAIN);
}

/* Configure every bound pin as an output and write a logical 1. */
static void configure_outputs(int fd, uint32_t hsx_flags)
{
    for (unsigned int pin = 0; pin < HSX_GPIO_MAX_PINS; pin++) {
        struct hsx_gpio_config c = {.pin = pin, .mode = HSX_GPIO_M_OUTPUT, .flags = hsx_flags};
        int ret, value;

        if (!pins[pin].bound)
            continue;
        ret = hsx_ioctl(fd, HSX_IOC_GPIO_CONFIG, &c);
        if (ret)
            fail("pin %u: CONFIG output: %s", pin, strerror(-ret));
        else if (hsx_value_op(fd, HSX_IOC_GPIO_WRITE, pin, 1))
            fail("pin %u: WRITE 1 failed", pin);
        /* An emulated open drain lets a 1 float: the line is then an input. */
        if (!ret && !dt_open_drain(&pins[pin], hsx_flags) &&
            (value = hsx_value_op(fd, HSX_IOC_GPIO_READ, pin, 0)) != 1)
            fail("pin %u: wrote 1, read %d", pin, value);
    }
}

/* Every bound pin as an output, with the given HSX flags. */
static void check_outputs(int fd, uint32_t hsx_flags, const char *what)
{
    char name[64];

    configure_outputs(fd, hsx_flags);
    snapshot();
    for (unsigned int pin = 0; pin < HSX_GPIO_MAX_PINS; pin++) {
        const struct pin *p = &pins[pin];
        int active_low = !!(p->flags & DT_ACTIVE_LOW) ^ !!(hsx_flags & HSX_GPIO_F_ACTIVE_LOW);
        int open_drain = dt_open_drain(p, hsx_flags);
        char info[256], line_name[32];

        if (!p->bound)
            continue;
        gpioinfo_line(p->offset, info, sizeof(info));
        quoted_name(info, line_name, sizeof(line_name));
        if (!strstr(info, "\"hsx\"") || (!open_drain && !strstr(info, "output")))
            fail("pin %u: gpioinfo: %s", pin, info);
        if (!strstr(info, active_low ? "active-low" : "active-high"))
            fail("pin %u: expected %s: %s", pin, active_low ? "active-low" : "active-high", info);
        if (!!strstr(info, "open-drain") != open_drain)
            fail("pin %u: expected %s: %s", pin, open_drain ? "open-drain" : "push-pull", info);
        if (!open_drain && debugfs_level(line_name) != !active_low)
            fail("pin %u: logical 1 should drive the line %s", pin, active_low ? "low" : "high");
        if (!open_drain && (hsx_value_op(fd, HSX_IOC_GPIO_TOGGLE, pin, 0) != 0 ||
                            hsx_value_op(fd, HSX_IOC_GPIO_READ, pin, 0) != 0))
            fail("pin %u: toggle did not give 0", pin);
    }
    snprintf(name, sizeof(name), "outputs-%s", what);
    report(name);
}

static void check_released(const char *name)
{
    snapshot();
    for (unsigned int pin = 0; pin < HSX_GPIO_MAX_PINS; pin++) {
        char info[256];

        if (!pins[pin].bound)
            continue;
        gpioinfo_line(pins[pin].offset, info, sizeof(info));
        if (!strstr(info, "unused"))
            fail("pin %u: still used after close: %s", pin, info);
    }
    report(name);
}

static void check_pins(void)
{
    int fd = open_node("gpio");

    if (fd < 0) {
        report("open");
        return;
    }
    check_mappings(fd);
    report("mappings");
    check_outputs(fd, 0, "plain");
    close(fd);
    check_released("released");

    fd = open_node("gpio");
    check_outputs(fd, HSX_GPIO_F_ACTIVE_LOW, "hsx-active-low");
    close(fd);
    check_released("released-again");

    /* Open drain on top of a push-pull reference; open source only from the tree. */
    fd = open_node("gpio");
    check_outputs(fd, HSX_GPIO_F_OPEN_DRAIN, "hsx-open-drain");
    for (unsigned int pin = 0; pin < HSX_GPIO_MAX_PINS; pin++) {
        struct hsx_gpio_config c = {
            .pin = pin, .mode = HSX_GPIO_M_OUTPUT, .flags = HSX_GPIO_F_OPEN_SOURCE};
        int ret = hsx_ioctl(fd, HSX_IOC_GPIO_CONFIG, &c);

        if (pins[pin].bound && ret != -EOPNOTSUPP)
            fail("pin %u: open source gave %d, not -EOPNOTSUPP", pin, ret);
    }
    report("open-source-refused");
    for (unsigned int pin = 0; pin < HSX_GPIO_MAX_PINS; pin++) {
        struct hsx_gpio_config c = {.pin = pin, .mode = HSX_GPIO_M_INPUT, .pull = HSX_GPIO_P_UP};
        int ret = hsx_ioctl(fd, HSX_IOC_GPIO_CONFIG, &c);

        if (!pins[pin].bound && ret != -ENXIO)
            fail("pin %u (hole): CONFIG gave %d, not -ENXIO", pin, ret);
        else if (pins[pin].bound &&
                 (ret || (unsigned int)hsx_value_op(fd, HSX_IOC_GPIO_READ, pin, 0) > 1))
            fail("pin %u: input with pull-up: %d", pin, ret);
    }
    report("inputs-and-holes");
    close(fd);
}

static void check_admin(void)
{
    int ctl = open_node("ctl");

    for (unsigned int pin = 0; ctl >= 0 && pin < HSX_GPIO_MAX_PINS; pin++) {
        struct hsx_gpio_map map = {.pin = pin, .offset = 5, .chip = CHIP_LABEL};
        struct hsx_gpio_map unmap = {.pin = pin};
        int ret = hsx_ioctl(ctl, HSX_IOC_GPIO_MAP, &map);
        int ret2 = hsx_ioctl(ctl, HSX_IOC_GPIO_MAP, &unmap);

        if (ret != -EOPNOTSUPP || ret2 != -EOPNOTSUPP)
            fail("pin %u: map gave %d, unmap %d, not -EOPNOTSUPP", pin, ret, ret2);
    }
    if (ctl >= 0)
        close(ctl);
    report("admin-map-refused");
}

static void check_driver(const char *name)
{
    struct stat st;

    if (stat("/sys/bus/platform/drivers/hsx-gpio-fw/hsx-gpio", &st))
        fail("the hsx,gpio node is not bound to hsx-gpio-fw");
    if (!stat("/sys/bus/platform/drivers/hsx-gpio-fw/unbind", &st))
        fail("the driver has an unbind file");
    report(name);
}

/* ---- FRAM ---------------------------------------------------------------------- */

/* The nvmem device whose parent's node has phandle @ph, into @out; 1 if found. */
static int nvmem_of_phandle(uint32_t ph, char *out, size_t len)
{
    DIR *d = opendir("/sys/bus/nvmem/devices");
    struct dirent *e;
    int found = 0;

    while (d && !found && (e = readdir(d))) {
        char path[512];
        unsigned char cell[8];

        /* The nvmem device's directory is its parent's child. */
        snprintf(path, sizeof(path), "/sys/bus/nvmem/devices/%s/../of_node/phandle", e->d_name);
        if (e->d_name[0] != '.' && read_file(path, (char *)cell, sizeof(cell)) == 4 &&
            be32(cell) == ph) {
            snprintf(out, len, "%.*s", HSX_FRAM_NAME_MAX - 1, e->d_name);
            found = 1;
        }
    }
    if (d)
        closedir(d);
    return found;
}

/* What the device tree says: entry n of hsx-frams binds FRAM device n. */
static void load_fram_tree(void)
{
    unsigned char cells[4 * HSX_FRAM_MAX_DEVICES + 4];
    struct stat st;
    ssize_t n;

    if (stat(FRAM_NODE, &st))
        return;
    n = read_file(FRAM_NODE "/hsx-frams", (char *)cells, sizeof(cells));
    if (n <= 0 || n % 4 || n / 4 > HSX_FRAM_MAX_DEVICES) {
        fail("cannot read %s/hsx-frams, or it is not 1..%d cells", FRAM_NODE, HSX_FRAM_MAX_DEVICES);
        return;
    }
    fram_entries = (int)(n / 4);
    for (int dev = 0; dev < fram_entries; dev++) {
        uint32_t ph = be32(cells + 4 * dev);

        if (ph && !nvmem_of_phandle(ph, fram_nvmem[dev], sizeof(fram_nvmem[dev])))
            fail("device %d: no nvmem device under the node of phandle %u", dev, ph);
    }
}

/* "name-again (detail)" */
static void fram_report(const char *name, const char *suffix, const char *detail)
{
    char full[512];

    snprintf(full, sizeof(full), "%s%s%s", name, suffix, detail);
    report(full);
}

static void check_fram_bound(int node)
{
    for (unsigned int dev = 0; dev < HSX_FRAM_MAX_DEVICES; dev++) {
        struct hsx_fram_info info = {.dev = dev};
        char path[64], buf[64] = "", want[HSX_FRAM_NAME_MAX + 1];
        struct stat st;

        snprintf(path, sizeof(path), "/sys/hal/fram/%u", dev);
        if (!fram_nvmem[dev][0]) {
            if (!stat(path, &st))
                fail("device %u: bound, and the tree does not bind it", dev);
            continue;
        }
        snprintf(want, sizeof(want), "%.*s\n", HSX_FRAM_NAME_MAX - 1, fram_nvmem[dev]);
        snprintf(path, sizeof(path), "/sys/hal/fram/%u/nvmem", dev);
        if (read_file(path, buf, sizeof(buf)) < 0 || strcmp(buf, want))
            fail("device %u: %s is \"%s\", not %s", dev, path, buf, fram_nvmem[dev]);
        snprintf(path, sizeof(path), "/sys/hal/fram/%u/source", dev);
        if (read_file(path, buf, sizeof(buf)) < 0 || strcmp(buf, "devicetree\n"))
            fail("device %u: %s is \"%s\", not devicetree", dev, path, buf);
        if (hsx_ioctl(node, HSX_IOC_FRAM_INFO, &info) || !info.bound ||
            strcmp(info.name, fram_nvmem[dev]))
            fail("device %u: FRAM_INFO says bound %u to \"%s\"", dev, info.bound, info.name);
        snprintf(path, sizeof(path), "/dev/hsx/fram%u", dev);
        if (stat(path, &st))
            fail("device %u: no %s", dev, path);
    }
}

static void fram_pattern(unsigned char *buf, unsigned int seed)
{
    for (unsigned int i = 0; i < FRAM_LEN; i++)
        buf[i] = (unsigned char)(i * 7 + seed);
}

static int fram_xfer(int node, unsigned long req, unsigned int dev, unsigned char *buf)
{
    struct hsx_fram_xfer x = {
        .dev = dev, .addr = FRAM_ADDR, .len = FRAM_LEN, .buf = (uintptr_t)buf};
    int ret = hsx_ioctl(node, req, &x);

    if (!ret && x.done != FRAM_LEN)
        ret = -EIO;
    return ret;
}

/* Through hsx and the nvmem device's file: the same bytes; after a reload, the first run's. */
static void check_fram_bytes(int node, unsigned int dev, int again)
{
    unsigned char want[FRAM_LEN], got[FRAM_LEN];
    char path[128];
    int fd, ret;

    if (again) {
        fram_pattern(want, 0x5a);
        ret = fram_xfer(node, HSX_IOC_FRAM_READ, dev, got);
        if (ret || memcmp(got, want, FRAM_LEN))
            fail("device %u: the first run's bytes are not there after the reload (%d)", dev, ret);
    }
    fram_pattern(want, again ? 0xa5 : 0x5a);
    ret = fram_xfer(node, HSX_IOC_FRAM_WRITE, dev, want);
    if (ret)
        fail("device %u: FRAM_WRITE: %s", dev, strerror(-ret));
    memset(got, 0, sizeof(got));
    ret = fram_xfer(node, HSX_IOC_FRAM_READ, dev, got);
    if (ret || memcmp(got, want, FRAM_LEN))
        fail("device %u: FRAM_READ (%d) does not give back what FRAM_WRITE wrote", dev, ret);
    snprintf(path, sizeof(path), "/sys/bus/nvmem/devices/%.*s/nvmem", HSX_FRAM_NAME_MAX - 1,
             fram_nvmem[dev]);
    memset(got, 0, sizeof(got));
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || pread(fd, got, FRAM_LEN, FRAM_ADDR) != FRAM_LEN || memcmp(got, want, FRAM_LEN))
        fail("device %u: %s does not hold what FRAM_WRITE wrote", dev, path);
    if (fd >= 0)
        close(fd);
}

static void check_fram_admin(void)
{
    int ctl = open_node("ctl");
    const char *some = NULL;

    for (unsigned int dev = 0; dev < HSX_FRAM_MAX_DEVICES && !some; dev++)
        if (fram_nvmem[dev][0])
            some = fram_nvmem[dev];
    for (unsigned int dev = 0; ctl >= 0 && some && dev < HSX_FRAM_MAX_DEVICES; dev++) {
        struct hsx_fram_map map = {.dev = dev}, unmap = {.dev = dev};
        int ret, ret2;

        snprintf(map.name, sizeof(map.name), "%.*s", HSX_FRAM_NAME_MAX - 1,
                 fram_nvmem[dev][0] ? fram_nvmem[dev] : some);
        ret = hsx_ioctl(ctl, HSX_IOC_FRAM_MAP, &map);
        if (!fram_nvmem[dev][0]) {
            if (ret != -EBUSY)
                fail("device %u (unbound): mapping %s gave %d, not -EBUSY", dev, some, ret);
            continue;
        }
        ret2 = hsx_ioctl(ctl, HSX_IOC_FRAM_MAP, &unmap);
        if (ret != -EOPNOTSUPP || ret2 != -EOPNOTSUPP)
            fail("device %u: map gave %d, unmap %d, not -EOPNOTSUPP", dev, ret, ret2);
    }
    if (ctl >= 0)
        close(ctl);
}

/* A second hsx,fram node: refused, said so, and the first's devices stay. */
static void check_fram_second(int node, const char *suffix)
{
    static char log[1 << 20];
    struct stat st;
    int n;

    if (stat(FRAM_NODE2, &st) || !fram_entries)
        return;
    if (!stat(FRAM_FW_DRIVER "/hsx-fram-second", &st))
        fail("the second hsx,fram node is bound to hsx-fram-fw (probed before the first?)");
    if (stat(FRAM_FW_DRIVER "/hsx-fram", &st))
        fail("the first hsx,fram node is not bound any more");
    check_fram_bound(node);
    n = klogctl(3 /* SYSLOG_ACTION_READ_ALL */, log, sizeof(log) - 1);
    log[n > 0 ? n : 0] = '\0';
    if (!strstr(log, "hsx-fram-second: refused: the hsx,fram node hsx-fram binds the FRAM devices"))
        fail("no kernel message refusing hsx-fram-second");
    fram_report("fram-second-node-refused", suffix, "");
}

static void check_fram(const char *suffix)
{
    int again = suffix[0] != '\0';
    int node = open_node("fram");
    char detail[HSX_FRAM_MAX_DEVICES * (HSX_FRAM_NAME_MAX + 8)] = "";
    struct stat st;

    if (node < 0) {
        fram_report("fram-open", suffix, "");
        return;
    }
    check_fram_bound(node);
    for (unsigned int dev = 0; dev < HSX_FRAM_MAX_DEVICES; dev++)
        if (fram_nvmem[dev][0])
            snprintf(detail + strlen(detail), sizeof(detail) - strlen(detail), "%s%u: %s",
                     detail[0] ? ", " : " (", dev, fram_nvmem[dev]);
    if (detail[0])
        strcat(detail, ")");
    fram_report("fram-bound", suffix, detail);
    if (!fram_entries) {
        close(node);
        return;
    }
    if (stat("/sys/bus/platform/drivers/hsx-fram-fw/hsx-fram", &st))
        fail("the hsx,fram node is not bound to hsx-fram-fw");
    if (!stat("/sys/bus/platform/drivers/hsx-fram-fw/unbind", &st))
        fail("the driver has an unbind file");
    fram_report("fram-driver", suffix, "");
    for (unsigned int dev = 0; dev < HSX_FRAM_MAX_DEVICES; dev++)
        if (fram_nvmem[dev][0])
            check_fram_bytes(node, dev, again);
    fram_report("fram-readback", suffix, "");
    check_fram_second(node, suffix);
    close(node);
    check_fram_admin();
    fram_report("fram-map-refused", suffix, "");
}

/*
 * The platform device of the nvmem device @nvmem's provider (its parent),
 * or with @up its parent's, into @out.
 */
static int provider_of(const char *nvmem, int up, char *out, size_t len)
{
    char path[256], real[PATH_MAX];
    const char *base;

    snprintf(path, sizeof(path), "/sys/bus/nvmem/devices/%s/..%s", nvmem, up ? "/.." : "");
    if (!realpath(path, real) || !(base = strrchr(real, '/')))
        return 0;
    snprintf(out, len, "%s", base + 1);
    return 1;
}

/*
 * Whether every device the tree binds is there, and how many are: its
 * directory, and FRAM_INFO on @node (/dev/hsx/fram) says bound (the
 * directory comes a moment before).
 */
static int fram_tree_bound(int node, int *count)
{
    int all = 1;

    *count = 0;
    for (unsigned int dev = 0; dev < HSX_FRAM_MAX_DEVICES; dev++) {
        struct hsx_fram_info info = {.dev = dev};
        char path[64];
        struct stat st;

        if (!fram_nvmem[dev][0])
            continue;
        snprintf(path, sizeof(path), "/sys/hal/fram/%u", dev);
        if (stat(path, &st) || hsx_ioctl(node, HSX_IOC_FRAM_INFO, &info) || !info.bound)
            all = 0;
        else
            (*count)++;
    }
    return all;
}

static int open_fram_dev(unsigned int dev)
{
    char name[16];

    snprintf(name, sizeof(name), "fram%u", dev);
    return open_node(name);
}

/* A write, then the count of its block. */
static int fram_wear(int fd, unsigned int dev, uint64_t *count)
{
    struct hsx_fram_wear w = {.dev = dev, .addr = FRAM_ADDR};
    int ret = hsx_ioctl(fd, HSX_IOC_FRAM_GET_WEAR, &w);

    *count = w.count;
    return ret;
}

/* The admin's MAP and unmap of @dev, a slot of the node's (bound or not): EOPNOTSUPP. */
static void check_fram_slot_refused(unsigned int dev)
{
    struct hsx_fram_map map = {.dev = dev}, unmap = {.dev = dev};
    int ctl = open_node("ctl"), ret, ret2;
    const char *other = "";

    /* Another device's part: free once the tree's devices went with the node. */
    for (unsigned int d = 0; d < HSX_FRAM_MAX_DEVICES && !other[0]; d++)
        if (d != dev && fram_nvmem[d][0])
            other = fram_nvmem[d];
    if (ctl < 0)
        return;
    snprintf(map.name, sizeof(map.name), "%.*s", HSX_FRAM_NAME_MAX - 1, other);
    ret = hsx_ioctl(ctl, HSX_IOC_FRAM_MAP, &map);
    ret2 = hsx_ioctl(ctl, HSX_IOC_FRAM_MAP, &unmap);
    if (ret != -EOPNOTSUPP || ret2 != -EOPNOTSUPP)
        fail("device %u (the node's, unbound): map to %s gave %d, unmap %d, not -EOPNOTSUPP", dev,
             other, ret, ret2);
    close(ctl);
}

/*
 * Device @dev's provider goes: hsx_fram_sim.ko's driver unbound from @what,
 * the provider's platform device (@name fram-provider) or the bus that made
 * it (fram-provider-deleted: the provider's device is deleted). Only @dev
 * goes (ENODEV on its file, /dev/hsx/fram<dev> gone), the node stays bound
 * and the other devices keep working on files opened before; the admin
 * cannot map the slot meanwhile. The driver bound again (a new provider
 * device for the bus): @dev comes back by itself, with its number, bytes and
 * wear count; the others never went.
 */
static void check_fram_provider_cycle(const char *name, unsigned int dev, const char *what)
{
    unsigned char want[FRAM_LEN], got[FRAM_LEN];
    int files[HSX_FRAM_MAX_DEVICES], node, own, own2, ret, bound = 0, waited = 0;
    char detail[256], title[64];
    uint64_t wear = 0, wear2 = 0;
    struct stat st;
    char path[64];

    for (unsigned int d = 0; d < HSX_FRAM_MAX_DEVICES; d++)
        files[d] = d != dev && fram_nvmem[d][0] ? open_fram_dev(d) : -1;
    own = open_fram_dev(dev);
    fram_pattern(want, 0x3c + dev);
    if (own < 0 || (ret = fram_xfer(own, HSX_IOC_FRAM_WRITE, dev, want)) ||
        (ret = fram_wear(own, dev, &wear)) || !wear)
        fail("device %u: write or wear before the unbinding failed (%s, count %llu)", dev,
             own < 0 ? "no file" : strerror(-ret), (unsigned long long)wear);
    if ((ret = write_file(SIM_DRIVER "/unbind", what)))
        fail("unbind %s: %s", what, strerror(-ret));
    if (own >= 0 && (ret = fram_xfer(own, HSX_IOC_FRAM_READ, dev, got)) != -ENODEV)
        fail("device %u: a read on its file after the unbinding gave %d, not -ENODEV", dev, ret);
    snprintf(path, sizeof(path), "/dev/hsx/fram%u", dev);
    if (!stat(path, &st))
        fail("%s is still there", path);
    snprintf(path, sizeof(path), "/sys/hal/fram/%u", dev);
    if (!stat(path, &st))
        fail("%s is still there", path);
    for (unsigned int d = 0; d < HSX_FRAM_MAX_DEVICES; d++) {
        if (d == dev || !fram_nvmem[d][0])
            continue;
        snprintf(path, sizeof(path), "/sys/hal/fram/%u", d);
        if (stat(path, &st))
            fail("device %u (another provider's) went with device %u", d, dev);
        else if (files[d] < 0 || (ret = fram_xfer(files[d], HSX_IOC_FRAM_READ, d, got)))
            fail("device %u (another provider's): a read on its file gave %d", d, ret);
    }
    if (stat(FRAM_FW_DRIVER "/hsx-fram", &st))
        fail("the hsx,fram node is not bound any more");
    check_fram_slot_refused(dev);
    snprintf(detail, sizeof(detail), " (device %u, %s)", dev, what);
    snprintf(title, sizeof(title), "%s-unbind", name);
    fram_report(title, "", detail);

    if ((ret = write_file(SIM_DRIVER "/bind", what)))
        fail("bind %s: %s", what, strerror(-ret));
    node = open_node("fram");
    while (node >= 0 && !fram_tree_bound(node, &bound) && waited < REBIND_WAIT_MS) {
        usleep(100 * 1000);
        waited += 100;
    }
    if (waited >= REBIND_WAIT_MS)
        fail("%d of the tree's devices bound after %d ms", bound, waited);
    if (node >= 0) {
        check_fram_bound(node);
        close(node);
    }
    if (own >= 0 && (ret = fram_xfer(own, HSX_IOC_FRAM_READ, dev, got)) != -ENODEV)
        fail("device %u: the old binding's file gave %d, not -ENODEV", dev, ret);
    own2 = open_fram_dev(dev);
    memset(got, 0, sizeof(got));
    if (own2 >= 0 &&
        ((ret = fram_xfer(own2, HSX_IOC_FRAM_READ, dev, got)) || memcmp(got, want, FRAM_LEN)))
        fail("device %u: the bytes written before the unbinding are not there (%d)", dev, ret);
    if (own2 >= 0 && ((ret = fram_wear(own2, dev, &wear2)) || wear2 != wear))
        fail("device %u: wear count %llu (%d), %llu before the unbinding", dev,
             (unsigned long long)wear2, ret, (unsigned long long)wear);
    if (own2 >= 0 && (fram_xfer(own2, HSX_IOC_FRAM_WRITE, dev, want) ||
                      fram_wear(own2, dev, &wear2) || wear2 != wear + 1))
        fail("device %u: a write after the binding counts %llu, not %llu", dev,
             (unsigned long long)wear2, (unsigned long long)wear + 1);
    for (unsigned int d = 0; d < HSX_FRAM_MAX_DEVICES; d++) {
        if (files[d] >= 0 && (ret = fram_xfer(files[d], HSX_IOC_FRAM_READ, d, got)))
            fail("device %u (another provider's): its file opened before gave %d", d, ret);
        if (files[d] >= 0)
            close(files[d]);
    }
    snprintf(detail, sizeof(detail), " (device %u after %d ms, wear %llu)", dev, waited,
             (unsigned long long)wear);
    snprintf(title, sizeof(title), "%s-rebind", name);
    fram_report(title, "", detail);
    if (own >= 0)
        close(own);
    if (own2 >= 0)
        close(own2);
}

/*
 * A provider's driver unbound and bound again: device 0's (a platform device
 * of hsx_fram_sim.ko); then a provider deleted and made again: the first
 * device whose provider is the child of a bus of hsx_fram_sim.ko's.
 */
static void check_fram_provider(void)
{
    char prov[128], bus[128], path[256];
    int node, deleted = 0;
    struct stat st;

    if (!fram_entries || !fram_nvmem[0][0])
        return;
    if (!provider_of(fram_nvmem[0], 0, prov, sizeof(prov))) {
        fail("no provider device for %s", fram_nvmem[0]);
        report("fram-provider-unbind");
        return;
    }
    check_fram_provider_cycle("fram-provider", 0, prov);
    for (unsigned int dev = 1; dev < HSX_FRAM_MAX_DEVICES && !deleted; dev++) {
        if (!fram_nvmem[dev][0] || !provider_of(fram_nvmem[dev], 1, bus, sizeof(bus)))
            continue;
        snprintf(path, sizeof(path), SIM_DRIVER "/%s", bus);
        if (stat(path, &st))
            continue;
        check_fram_provider_cycle("fram-provider-deleted", dev, bus);
        deleted = 1;
    }
    if (!deleted) {
        fail("no device of the tree's has its part on an hsx,fram-sim-bus");
        report("fram-provider-deleted");
    }
    node = open_node("fram");
    if (node >= 0) {
        check_fram_second(node, "-rebind");
        close(node);
    }
}

/* Unload with the node bound, load again: it binds again. */
static void check_reload(const char *ko)
{
    char buf[64];
    int fd;

    if (syscall(SYS_delete_module, "hsx", O_NONBLOCK))
        fail("rmmod: %s", strerror(errno));
    else if (read_file("/sys/hal/gpio/17/mapping", buf, sizeof(buf)) >= 0)
        fail("/sys/hal still there after rmmod");
    report("rmmod");
    fd = open(ko, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || syscall(SYS_finit_module, fd, "", 0))
        fail("insmod %s: %s", ko, strerror(errno));
    if (fd >= 0)
        close(fd);
    report("insmod-again");
    check_driver("bound-again");
    fd = open_node("gpio");
    if (fd >= 0) {
        check_mappings(fd);
        close(fd);
    }
    report("mappings-again");
    check_fram("-again");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s /path/to/hsx.ko (loaded already)\n", argv[0]);
        return 2;
    }
    load_tree();
    load_fram_tree();
    report("device-tree");
    check_driver("bound");
    check_pins();
    check_admin();
    check_fram("");
    check_reload(argv[1]);
    check_fram_provider();
    printf("dt_check: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
