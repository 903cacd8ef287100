/* SPDX-License-Identifier: MIT */
/*
 * In the emulated Raspberry Pi 3 (tests/rpi/run): hsx.ko's CAN buses as the
 * device tree binds them (tests/rpi/hsx-can-test.dtso). qemu's raspi3b has
 * no SPI controller for an MCP2515, so the controllers are hsx_can_sim.ko's
 * ("hsx,can-sim" nodes: a platform device each, whose driver registers a
 * CAN interface with it as parent and echoes what is sent, as vcan echo=1).
 * What to expect is read from the tree (/proc/device-tree/hsx-can: entry n
 * of hsx-cans, a controller's phandle, is the interface whose device has
 * that node) and from sysfs:
 *
 *   - every CAN entry's bus is bound: /sys/hal/can/<n>/interface names the
 *     interface, source says "devicetree", CAN_INFO agrees; holes, the
 *     buses after the list, an entry whose interface is not a CAN one and
 *     one whose controller has two CAN interfaces are not bound; the
 *     kernel said why for those entries, for a second hsx,can node (one at
 *     a time) and for one naming a controller twice (not as a malformed
 *     list);
 *   - a frame sent through hsx (CAN_TX) is echoed (TX returns 0) and seen
 *     by a CAN_RAW socket on the interface, as candump would; a frame sent
 *     on such a socket is counted by the bus (GET_STATUS rx_frames);
 *   - the admin's CAN_MAP (map and unmap) fails with EOPNOTSUPP for the
 *     node's buses, the unbound one included, and with EBUSY for a listed
 *     controller's interface on another bus: bound to its bus, or not (the
 *     two-channel controller's, refused by its bus but reserved all the
 *     same); a controller the node does not list maps and unmaps as usual;
 *   - the controller of bus 0 loses its driver through sysfs (unbind): the
 *     bus goes (its instance file gets ENODEV, /sys/hal/can/0 goes), the
 *     other buses stay, the admin still cannot map bus 0; bound again, the
 *     new interface is bound to bus 0 by itself and carries frames;
 *   - the controllers' module removed (every interface unregisters) and
 *     loaded again: the tree's buses go, and come back by themselves; the
 *     two-channel controller's bus ends unbound whichever channel came
 *     first;
 *   - hsx.ko reloaded with can_map naming bus 0 and a spare bus: the tree
 *     still binds bus 0, can_map only the spare bus, and the kernel says so.
 *
 * Prints "PASS name" or "FAIL name: why" per check; exits 1 if any failed.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/can.h>
#include <linux/can/raw.h>
#include <net/if.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check.h"
#include "hsx_uapi.h"

#define NODE "/proc/device-tree/hsx-can/hsx-cans"
#define SIM_DRIVER "/sys/bus/platform/drivers/hsx-can-sim"
#define ARPHRD_CAN_TYPE 280
#define WAIT_MS 20000
#define RAW_WAIT_MS 5000

/*
 * Per bus, the tree's entry: its controller's (first) interface, how many
 * CAN interfaces it has, its platform device.
 */
struct entry {
    uint32_t phandle;
    int is_can;
    int cans;
    char ifname[IF_NAMESIZE];
    char other_ifname[IF_NAMESIZE];
    char pdev[128];
};

static struct entry entries[HSX_CAN_MAX_BUSES];
static int nentries;

/* A sysfs file's one line, without its newline. */
static ssize_t read_line(const char *path, char *buf, size_t len)
{
    ssize_t n = read_file(path, buf, len);

    if (n > 0 && buf[n - 1] == '\n')
        buf[--n] = '\0';
    return n;
}

static void report(const char *name, const char *detail)
{
    report_as(name, "", detail);
}

/*
 * The interfaces whose device's node has @phandle: the first's name, whether
 * it is a CAN one, its device's name; how many CAN ones, and a second's
 * name. 0 if there is none (yet).
 */
static int iface_of(uint32_t phandle, struct entry *e)
{
    DIR *d = opendir("/sys/class/net");
    struct dirent *de;
    int found = 0;

    e->cans = 0;
    while (d && (de = readdir(d))) {
        char path[PATH_MAX], buf[64], real[PATH_MAX];
        unsigned char ph[4];
        int fd, is_can;

        if (de->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "/sys/class/net/%s/device/of_node/phandle", de->d_name);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        if (read(fd, ph, 4) == 4 && be32(ph) == phandle) {
            snprintf(path, sizeof(path), "/sys/class/net/%s/type", de->d_name);
            is_can = read_line(path, buf, sizeof(buf)) > 0 && atoi(buf) == ARPHRD_CAN_TYPE;
            e->cans += is_can;
            if (found) {
                snprintf(e->other_ifname, sizeof(e->other_ifname), "%.*s", IF_NAMESIZE - 1,
                         de->d_name);
            } else {
                snprintf(e->ifname, sizeof(e->ifname), "%.*s", IF_NAMESIZE - 1, de->d_name);
                e->is_can = is_can;
                snprintf(path, sizeof(path), "/sys/class/net/%s/device", de->d_name);
                if (realpath(path, real) && strrchr(real, '/'))
                    snprintf(e->pdev, sizeof(e->pdev), "%s", strrchr(real, '/') + 1);
            }
            found = 1;
        }
        close(fd);
    }
    if (d)
        closedir(d);
    return found;
}

/* Whether the tree's entry is to be bound: one CAN interface, no more. */
static int bindable(const struct entry *e)
{
    return e->phandle && e->is_can && e->cans == 1;
}

/* The entry of the controller with several CAN interfaces, or -1. */
static int multi_entry(void)
{
    for (int bus = 0; bus < nentries; bus++)
        if (entries[bus].phandle && entries[bus].cans > 1)
            return bus;
    return -1;
}

/* What the tree says: entry n of hsx-cans binds bus n. */
static void load_tree(void)
{
    unsigned char buf[4 * HSX_CAN_MAX_BUSES + 4];
    int fd = open(NODE, O_RDONLY | O_CLOEXEC);
    ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf));

    if (fd >= 0)
        close(fd);
    if (n <= 0 || n % 4 || n / 4 > HSX_CAN_MAX_BUSES) {
        fail("%s: %zd bytes", NODE, n);
        return;
    }
    nentries = n / 4;
    for (int bus = 0; bus < nentries; bus++) {
        entries[bus].phandle = be32(buf + 4 * bus);
        if (entries[bus].phandle && !iface_of(entries[bus].phandle, &entries[bus]))
            fail("bus %d: no interface has the node of phandle %u", bus, entries[bus].phandle);
    }
    if (!nentries || !entries[0].is_can)
        fail("bus 0 of the tree is not a CAN controller's");
}

/* Bring @ifname up (the sims have no bit rate to set). */
static int iface_up(const char *ifname)
{
    struct ifreq ifr = {0};
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0), ret = 0;

    snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
    if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr))
        ret = -errno;
    ifr.ifr_flags |= IFF_UP;
    if (!ret && ioctl(s, SIOCSIFFLAGS, &ifr))
        ret = -errno;
    if (s >= 0)
        close(s);
    return ret;
}

/* Whether bus @bus is bound as the tree says, per sysfs and CAN_INFO on @fd. */
static int bus_bound_as_tree(int fd, int bus, const char *want)
{
    struct hsx_can_info info = {.bus = bus};
    char path[64], buf[64];

    snprintf(path, sizeof(path), "/sys/hal/can/%d/interface", bus);
    if (read_line(path, buf, sizeof(buf)) < 0 || strcmp(buf, want))
        return 0;
    snprintf(path, sizeof(path), "/sys/hal/can/%d/source", bus);
    if (read_line(path, buf, sizeof(buf)) < 0 || strcmp(buf, "devicetree"))
        return 0;
    return !hsx_ioctl(fd, HSX_IOC_CAN_INFO, &info) && info.bound && info.from_dt &&
           !strcmp(info.ifname, want);
}

/* Every bus as the tree says: its CAN entries bound, nothing else. */
static void check_bound(int fd)
{
    for (int bus = 0; bus < HSX_CAN_MAX_BUSES; bus++) {
        struct hsx_can_info info = {.bus = bus};
        const struct entry *e = &entries[bus];

        if (bindable(e)) {
            if (!bus_bound_as_tree(fd, bus, e->ifname))
                fail("bus %d: not bound from the tree to %s", bus, e->ifname);
        } else if (hsx_ioctl(fd, HSX_IOC_CAN_INFO, &info) || info.bound) {
            fail("bus %d: bound to \"%s\" (from_dt %u); the tree binds it to nothing", bus,
                 info.ifname, info.from_dt);
        }
    }
}

/* The kernel log has @text. */
static int klog_has(const char *text)
{
    static char log[1 << 17];
    int n = klogctl(3, log, sizeof(log) - 1);

    if (n < 0)
        return 0;
    log[n] = '\0';
    return strstr(log, text) != NULL;
}

static int raw_socket(const char *ifname)
{
    struct sockaddr_can addr = {.can_family = AF_CAN};
    int s = socket(PF_CAN, SOCK_RAW | SOCK_CLOEXEC, CAN_RAW);

    addr.can_ifindex = if_nametoindex(ifname);
    if (s < 0 || !addr.can_ifindex || bind(s, (struct sockaddr *)&addr, sizeof(addr))) {
        fail("CAN_RAW socket on %s: %s", ifname, strerror(errno));
        if (s >= 0)
            close(s);
        return -1;
    }
    return s;
}

/*
 * A frame through hsx on @bus: echoed (TX returns 0) and seen by a CAN_RAW
 * socket on the interface; a frame from that socket counted by the bus.
 */
static void check_frames(int fd, int bus, const char *ifname, uint32_t id)
{
    struct hsx_can_tx tx = {.bus = bus, .timeout_ms = RAW_WAIT_MS};
    struct hsx_can_status st = {.bus = bus}, st2 = {.bus = bus};
    struct can_frame cf = {0};
    int s = raw_socket(ifname), ret, waited = 0;
    struct pollfd p;

    if (s < 0)
        return;
    tx.frame.can_id = id;
    tx.frame.len = 4;
    memcpy(tx.frame.data, "\xde\xad\xbe\xef", 4);
    if ((ret = hsx_ioctl(fd, HSX_IOC_CAN_TX, &tx)))
        fail("bus %d: CAN_TX gave %d", bus, ret);
    p = (struct pollfd){.fd = s, .events = POLLIN};
    if (!why[0] && (poll(&p, 1, RAW_WAIT_MS) != 1 || read(s, &cf, sizeof(cf)) != sizeof(cf) ||
                    cf.can_id != id || cf.len != 4 || memcmp(cf.data, "\xde\xad\xbe\xef", 4)))
        fail("bus %d: the CAN_RAW socket on %s did not see the frame (got id 0x%x len %u)", bus,
             ifname, cf.can_id, cf.len);
    if (!why[0] && (ret = hsx_ioctl(fd, HSX_IOC_CAN_GET_STATUS, &st)))
        fail("bus %d: GET_STATUS gave %d", bus, ret);
    cf = (struct can_frame){.can_id = id + 1, .len = 2, .data = {0x55, 0xaa}};
    if (!why[0] && write(s, &cf, sizeof(cf)) != sizeof(cf))
        fail("bus %d: a frame on the CAN_RAW socket: %s", bus, strerror(errno));
    while (!why[0] && !hsx_ioctl(fd, HSX_IOC_CAN_GET_STATUS, &st2) &&
           st2.rx_frames == st.rx_frames && waited < RAW_WAIT_MS) {
        usleep(20 * 1000);
        waited += 20;
    }
    if (!why[0] && st2.rx_frames != st.rx_frames + 1)
        fail("bus %d: rx_frames %llu after the socket's frame, %llu before", bus,
             (unsigned long long)st2.rx_frames, (unsigned long long)st.rx_frames);
    if (!why[0] && st2.tx_frames < 1)
        fail("bus %d: tx_frames %llu after hsx's frame", bus, (unsigned long long)st2.tx_frames);
    close(s);
}

static int can_map(int ctl, int bus, const char *ifname)
{
    struct hsx_can_map m = {.bus = bus};

    snprintf(m.ifname, sizeof(m.ifname), "%s", ifname);
    return hsx_ioctl(ctl, HSX_IOC_CAN_MAP, &m);
}

/* The interface of an hsx,can-sim node the tree's node does not list, or NULL. */
static const char *free_sim_iface(void)
{
    static char name[IF_NAMESIZE];
    DIR *d = opendir("/sys/class/net");
    struct dirent *de;

    name[0] = '\0';
    while (d && !name[0] && (de = readdir(d))) {
        char path[PATH_MAX], real[PATH_MAX];
        int listed = 0;

        snprintf(path, sizeof(path), "/sys/class/net/%s/device/driver", de->d_name);
        if (de->d_name[0] == '.' || !realpath(path, real) || strcmp(real, SIM_DRIVER))
            continue;
        for (int bus = 0; bus < nentries; bus++)
            listed |= !strcmp(entries[bus].ifname, de->d_name) ||
                      !strcmp(entries[bus].other_ifname, de->d_name);
        snprintf(path, sizeof(path), "/sys/class/net/%s/type", de->d_name);
        if (!listed && read_line(path, real, sizeof(real)) > 0 && atoi(real) == ARPHRD_CAN_TYPE)
            snprintf(name, sizeof(name), "%.*s", IF_NAMESIZE - 1, de->d_name);
    }
    if (d)
        closedir(d);
    return name[0] ? name : NULL;
}

/* The node's buses: EOPNOTSUPP; its controllers' interfaces elsewhere: EBUSY. */
static void check_admin(void)
{
    int ctl = open_node("ctl"), ret, spare = nentries, multi;
    const char *other = free_sim_iface();

    if (ctl < 0)
        return;
    for (int bus = 0; bus < nentries; bus++) {
        if (!entries[bus].phandle)
            continue;
        if ((ret = can_map(ctl, bus, other ? other : "can9")) != -EOPNOTSUPP)
            fail("bus %d (the tree's): map gave %d, not -EOPNOTSUPP", bus, ret);
        else if ((ret = can_map(ctl, bus, "")) != -EOPNOTSUPP)
            fail("bus %d (the tree's): unmap gave %d, not -EOPNOTSUPP", bus, ret);
    }
    if ((ret = can_map(ctl, spare, entries[0].ifname)) != -EBUSY)
        fail("bus %d: map to bus 0's %s gave %d, not -EBUSY", spare, entries[0].ifname, ret);
    /* Not bound to any bus: the reservation alone refuses it. */
    if ((multi = multi_entry()) < 0)
        fail("no entry of the tree has a controller with several CAN interfaces");
    for (int i = 0; multi >= 0 && i < 2; i++) {
        const char *ifname = i ? entries[multi].other_ifname : entries[multi].ifname;

        if ((ret = can_map(ctl, spare, ifname)) != -EBUSY)
            fail("bus %d: map to %s (bus %d's controller's, reserved, not bound) gave %d, not "
                 "-EBUSY",
                 spare, ifname, multi, ret);
    }
    if (!other)
        fail("no hsx,can-sim interface outside the tree's node");
    else if ((ret = can_map(ctl, spare, other)))
        fail("bus %d: map to %s (not the tree's) gave %d", spare, other, ret);
    else if ((ret = can_map(ctl, spare, "")))
        fail("bus %d: unmap gave %d", spare, ret);
    close(ctl);
}

/*
 * Bus 0's controller loses its driver (sysfs unbind): its bus goes, its
 * instance file gets ENODEV, the other buses stay; the admin cannot take the
 * bus. Bound again: bus 0 comes back by itself, on the new interface.
 */
static void check_provider_cycle(void)
{
    char path[PATH_MAX], buf[64], detail[96];
    int fd = open_node("can"), own = open_node("can0"), ret, waited = 0, ctl;
    struct hsx_can_status st = {.bus = 0};
    struct entry now = {0};
    struct stat sb;

    if (fd < 0 || own < 0)
        goto out;
    if ((ret = hsx_ioctl(own, HSX_IOC_CAN_GET_STATUS, &st)))
        fail("bus 0: GET_STATUS on /dev/hsx/can0 gave %d before the unbinding", ret);
    if ((ret = write_file(SIM_DRIVER "/unbind", entries[0].pdev)))
        fail("unbind %s: %s", entries[0].pdev, strerror(-ret));
    st = (struct hsx_can_status){.bus = 0};
    if (!why[0] && (ret = hsx_ioctl(own, HSX_IOC_CAN_GET_STATUS, &st)) != -ENODEV)
        fail("bus 0: GET_STATUS on its file after the unbinding gave %d, not -ENODEV", ret);
    while (!why[0] && !stat("/sys/hal/can/0", &sb) && waited < WAIT_MS) {
        usleep(100 * 1000);
        waited += 100;
    }
    if (!why[0] && !stat("/sys/hal/can/0", &sb))
        fail("/sys/hal/can/0 still there %d ms after the unbinding", waited);
    for (int bus = 1; bus < nentries && !why[0]; bus++)
        if (bindable(&entries[bus]) && !bus_bound_as_tree(fd, bus, entries[bus].ifname))
            fail("bus %d went with bus 0", bus);
    ctl = open_node("ctl");
    if (ctl >= 0 && !why[0] && (ret = can_map(ctl, 0, "")) != -EOPNOTSUPP)
        fail("bus 0 (the tree's, unbound): unmap gave %d, not -EOPNOTSUPP", ret);
    if (ctl >= 0)
        close(ctl);
    report("can-provider-unbind", NULL);

    if ((ret = write_file(SIM_DRIVER "/bind", entries[0].pdev)))
        fail("bind %s: %s", entries[0].pdev, strerror(-ret));
    waited = 0;
    while (!why[0] &&
           !(iface_of(entries[0].phandle, &now) && bus_bound_as_tree(fd, 0, now.ifname)) &&
           waited < WAIT_MS) {
        usleep(100 * 1000);
        waited += 100;
    }
    if (!why[0] && !bus_bound_as_tree(fd, 0, now.ifname))
        fail("bus 0 not bound again to \"%s\" %d ms after the binding", now.ifname, waited);
    if (!why[0] && (ret = hsx_ioctl(own, HSX_IOC_CAN_GET_STATUS, &st)) != -ENODEV)
        fail("bus 0: the old binding's file gave %d, not -ENODEV", ret);
    if (!why[0] && (ret = iface_up(now.ifname)))
        fail("bringing %s up: %s", now.ifname, strerror(-ret));
    if (!why[0])
        check_frames(fd, 0, now.ifname, 0x456);
    snprintf(path, sizeof(path), "/sys/hal/can/0/source");
    if (!why[0] && (read_line(path, buf, sizeof(buf)) < 0 || strcmp(buf, "devicetree")))
        fail("bus 0: source \"%s\" after the binding", buf);
    snprintf(detail, sizeof(detail), "bus 0 on %s after %d ms", now.ifname, waited);
    report("can-provider-rebind", detail);
out:
    if (fd >= 0)
        close(fd);
    if (own >= 0)
        close(own);
}

/*
 * hsx.ko reloaded with can_map naming bus 0 (the tree's) and a spare bus,
 * both for the interface the tree's node leaves: the tree binds bus 0 as
 * before, can_map only the spare bus, and the kernel says bus 0 was not
 * bound by can_map.
 */
static void check_reload_can_map(const char *ko)
{
    const char *other = free_sim_iface();
    char param[96], path[64], buf[64];
    int spare = nentries, fd, waited = 0;
    struct entry now = {0};

    if (!other || !iface_of(entries[0].phandle, &now)) {
        fail("no hsx,can-sim interface outside the tree's node, or none for bus 0");
        report("can-map-param-leaves-tree", NULL);
        return;
    }
    snprintf(param, sizeof(param), "can_map=0=%s,%d=%s", other, spare, other);
    if (syscall(SYS_delete_module, "hsx", O_NONBLOCK))
        fail("rmmod hsx: %s", strerror(errno));
    fd = open(ko, O_RDONLY | O_CLOEXEC);
    if (!why[0] && (fd < 0 || syscall(SYS_finit_module, fd, param, 0)))
        fail("insmod %s %s: %s", ko, param, strerror(errno));
    if (fd >= 0)
        close(fd);
    fd = why[0] ? -1 : open_node("can");
    /* The tree's work binds bus 0 before can_map is looked at; wait all the same. */
    while (fd >= 0 && !bus_bound_as_tree(fd, 0, now.ifname) && waited < WAIT_MS) {
        usleep(100 * 1000);
        waited += 100;
    }
    if (fd >= 0 && !bus_bound_as_tree(fd, 0, now.ifname))
        fail("bus 0 not bound from the tree to %s after the reload", now.ifname);
    snprintf(path, sizeof(path), "/sys/hal/can/%d/source", spare);
    if (!why[0] && (read_line(path, buf, sizeof(buf)) < 0 || strcmp(buf, "map")))
        fail("bus %d: not bound by can_map to %s", spare, other);
    if (!why[0] && !klog_has("can_map: bus 0 not bound to"))
        fail("no kernel message saying can_map did not bind bus 0");
    if (fd >= 0)
        close(fd);
    report("can-map-param-leaves-tree", param);
}

/* Whether every CAN entry's bus is bound from the tree to its controller's interface now. */
static int tree_buses_bound(int fd)
{
    for (int bus = 0; bus < nentries; bus++) {
        struct entry now = {0};

        if (!bindable(&entries[bus]))
            continue;
        if (!iface_of(entries[bus].phandle, &now) || !bus_bound_as_tree(fd, bus, now.ifname))
            return 0;
    }
    return 1;
}

/*
 * The controllers' driver module removed (every interface of it
 * unregisters: as rmmod mcp251x) and loaded again: the tree's buses go,
 * then come back by themselves, bound to the new interfaces.
 */
static void check_controller_module(const char *sim_ko)
{
    int fd = open_node("can"), mod, waited = 0, multi;
    char detail[64];
    struct stat sb;

    if (fd < 0)
        goto out;
    if (syscall(SYS_delete_module, "hsx_can_sim", O_NONBLOCK))
        fail("rmmod hsx_can_sim: %s", strerror(errno));
    for (int bus = 0; bus < HSX_CAN_MAX_BUSES && !why[0]; bus++) {
        char path[64];

        snprintf(path, sizeof(path), "/sys/hal/can/%d", bus);
        while (!stat(path, &sb) && waited < WAIT_MS) {
            usleep(100 * 1000);
            waited += 100;
        }
        if (!stat(path, &sb))
            fail("bus %d still bound %d ms after the controllers' module went", bus, waited);
    }
    mod = open(sim_ko, O_RDONLY | O_CLOEXEC);
    if (!why[0] && (mod < 0 || syscall(SYS_finit_module, mod, "", 0)))
        fail("insmod %s: %s", sim_ko, strerror(errno));
    if (mod >= 0)
        close(mod);
    waited = 0;
    while (!why[0] && !tree_buses_bound(fd) && waited < WAIT_MS) {
        usleep(100 * 1000);
        waited += 100;
    }
    if (!why[0] && !tree_buses_bound(fd))
        fail("the tree's buses not bound again %d ms after the module came back", waited);
    /* The two-channel controller's bus: unbound, if its first channel was bound a moment. */
    if (!why[0] && (multi = multi_entry()) >= 0) {
        char path[64];

        snprintf(path, sizeof(path), "/sys/hal/can/%d", multi);
        while (!stat(path, &sb) && waited < 2 * WAIT_MS) {
            usleep(100 * 1000);
            waited += 100;
        }
        if (!stat(path, &sb))
            fail("bus %d (a controller with two CAN interfaces) bound after the reload", multi);
    }
    snprintf(detail, sizeof(detail), "bound again after %d ms", waited);
    close(fd);
out:
    report("can-controller-module-reload", why[0] ? NULL : detail);
}

int main(int argc, char **argv)
{
    int fd, ret;

    if (argc != 3) {
        fprintf(stderr, "usage: %s /path/to/hsx.ko /path/to/hsx_can_sim.ko (both loaded)\n",
                argv[0]);
        return 2;
    }

    load_tree();
    report("can-device-tree", NULL);
    if (!nentries)
        return 1;
    fd = open_node("can");
    if (fd >= 0)
        check_bound(fd);
    if (!klog_has("not a CAN interface"))
        fail("no kernel message about the entry whose interface is not a CAN one");
    else if (!klog_has("binds the CAN buses (one node at a time)"))
        fail("no kernel message refusing the second hsx,can node");
    else if (!klog_has("names a controller twice"))
        fail("no kernel message refusing the node that names a controller twice");
    else if (klog_has("is not a list of at most"))
        fail("a well-formed hsx-cans was called malformed (the tree has no malformed one)");
    else if (!klog_has("has several CAN interfaces"))
        fail("no kernel message refusing the controller with two CAN interfaces");
    report("can-dt-bound", NULL);
    for (int bus = 0; bus < nentries; bus++)
        if (bindable(&entries[bus]) && (ret = iface_up(entries[bus].ifname)))
            fail("bringing %s up: %s", entries[bus].ifname, strerror(-ret));
    for (int bus = 0; bus < nentries && fd >= 0 && !why[0]; bus++)
        if (bindable(&entries[bus]))
            check_frames(fd, bus, entries[bus].ifname, 0x100 + bus);
    report("can-frames", NULL);
    check_admin();
    report("can-map-refused", NULL);
    check_provider_cycle();
    if (fd >= 0)
        close(fd);
    check_controller_module(argv[2]);
    check_reload_can_map(argv[1]);
    printf("can_check: %d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
