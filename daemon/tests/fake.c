// SPDX-License-Identifier: MIT
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/can/netlink.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "admin.h"
#include "can_link.h"
#include "fake.h"
#include "log.h"

/* ---- log ---------------------------------------------------------------------------- */

#define LOG_LINES 256
static char lines[LOG_LINES][1024];
static unsigned int nlines;
static unsigned int nerrors; /* at LOG_ERR or worse */

void log_open(bool also_stderr)
{
    (void)also_stderr;
}

void log_msg(int priority, const char *fmt, ...)
{
    va_list ap;

    if (priority <= LOG_ERR)
        nerrors++;
    va_start(ap, fmt);
    vsnprintf(lines[nlines % LOG_LINES], sizeof(lines[0]), fmt, ap);
    va_end(ap);
    /* HSXD_TEST_LOG=1 shows what the daemon would log. */
    if (getenv("HSXD_TEST_LOG"))
        fprintf(stderr, "log: %s\n", lines[nlines % LOG_LINES]);
    nlines++;
}

void log_lines(int priority, const char *text)
{
    log_msg(priority, "%s", text);
}

unsigned int fake_log_count(void)
{
    return nlines;
}

unsigned int fake_log_matching(const char *text)
{
    unsigned int count = 0;

    for (unsigned int i = 0; i < nlines && i < LOG_LINES; i++)
        count += strstr(lines[i], text) != NULL;
    return count;
}

const char *fake_log_last(void)
{
    return nlines ? lines[(nlines - 1) % LOG_LINES] : "";
}

void fake_log_clear(void)
{
    nlines = 0;
    nerrors = 0;
}

unsigned int fake_log_errors(void)
{
    return nerrors;
}

/* ---- sockets ------------------------------------------------------------------------ */

/* Linux 6.5; the headers of Debian 12 predate it. */
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

int fake_peerpidfd_errno;

/* The executable's getsockopt comes before the C library's: peer.c calls this one. */
int getsockopt(int fd, int level, int name, void *value, socklen_t *len)
{
    if (level == SOL_SOCKET && name == SO_PEERPIDFD && fake_peerpidfd_errno) {
        errno = fake_peerpidfd_errno;
        return -1;
    }
    return (int)syscall(SYS_getsockopt, fd, level, name, value, len);
}

/* ---- the kernel --------------------------------------------------------------------- */

struct fake_kernel fake;

void fake_reset(void)
{
    memset(&fake, 0, sizeof(fake));
    fake.now_ns = 1000ull * 1000000000ull;
    fake.next_id = 1;
    fake_peerpidfd_errno = 0;
}

struct hsxd *fake_hsxd_new(struct policy *policy)
{
    struct hsxd *h = calloc(1, sizeof(*h));

    fake_reset();
    fake_log_clear();
    if (!h)
        abort();
    h->ctl = FAKE_CTL;
    h->policy = policy;
    return h;
}

void fake_hsxd_free(struct hsxd *h)
{
    holders_clear(&h->holders);
    free(h);
}

void fake_rule(struct policy_rule *rule, const char *name, uint32_t uid, uint32_t lifetime_s)
{
    *rule = (struct policy_rule){.match = POLICY_MATCH_UID, .uid = uid, .lifetime_s = lifetime_s};
    snprintf(rule->name, sizeof(rule->name), "%s", name);
}

int fake_open(uint32_t pid, uint32_t module)
{
    struct fake_file *f = &fake.file[fake.nfiles];

    *f = (struct fake_file){
        .fd = 10 + (int)fake.nfiles,
        .opener_pid = pid,
        .alive = true,
        .modules = 1u << (module - HSX_MODULE_FIRST),
    };
    fake.nfiles++;
    return f->fd;
}

static struct fake_file *file_of(int fd)
{
    for (size_t i = 0; i < fake.nfiles; i++) {
        if (fake.file[i].fd == fd)
            return &fake.file[i];
    }
    return NULL;
}

static struct fake_cap *new_cap(int fd, uint32_t holder, uint32_t module, uint32_t rights,
                                const union hsx_cap_selector *sel, uint64_t expiry)
{
    struct fake_cap *c = &fake.cap[fake.ncaps++];

    *c = (struct fake_cap){
        .fd = fd,
        .info = {.id = fake.next_id++,
                 .module = module,
                 .rights = rights,
                 .sel = *sel,
                 .expiry_ns = expiry,
                 .holder_pid = holder,
                 .state = HSX_CAP_STATE_ACTIVE},
    };
    return c;
}

uint64_t fake_add_cap(uint32_t holder_pid, uint32_t module, uint32_t rights, uint64_t sel0)
{
    union hsx_cap_selector sel = {.raw = {sel0}};

    return new_cap(-1, holder_pid, module, rights, &sel, fake.now_ns + 3600000000000ull)->info.id;
}

struct hsx_cap_info *fake_attach_cap(int fd, uint32_t module, uint32_t rights,
                                     union hsx_cap_selector sel)
{
    const struct fake_file *f = file_of(fd);

    assert_non_null(f);
    return &new_cap(fd, f->opener_pid, module, rights, &sel, fake.now_ns + 3600000000000ull)->info;
}

const struct hsx_cap_info *fake_live(uint64_t id)
{
    for (size_t i = 0; i < fake.ncaps; i++) {
        if (fake.cap[i].info.id == id && fake.cap[i].info.state == HSX_CAP_STATE_ACTIVE)
            return &fake.cap[i].info;
    }
    return NULL;
}

int admin_open(char *why, size_t why_size)
{
    (void)why;
    (void)why_size;
    return FAKE_CTL;
}

int admin_client(int ctl, struct hsx_cap_client *client)
{
    struct fake_file *f = file_of(client->fd);

    if (ctl != FAKE_CTL)
        return -EPERM;
    if (!f)
        return -EBADF;
    client->opener_pid = f->opener_pid;
    client->alive = f->alive;
    client->privileged = f->privileged;
    client->modules = f->modules;
    return 0;
}

int admin_mint(int ctl, struct hsx_cap_mint *mint)
{
    struct fake_file *f = file_of(mint->fd);

    if (ctl != FAKE_CTL)
        return -EPERM;
    if (fake.fail_mint)
        return fake.fail_mint;
    if (!f || !(f->modules & (1u << (mint->module - HSX_MODULE_FIRST))))
        return -EINVAL;
    if (!f->alive)
        return -ESRCH;
    if (mint->expiry_ns <= fake.now_ns)
        return -EINVAL;
    for (size_t i = 0; i < fake.ncaps; i++) {
        if (fake.cap[i].fd == mint->fd && fake.cap[i].info.module == mint->module &&
            fake.cap[i].info.state == HSX_CAP_STATE_ACTIVE)
            return -EEXIST;
    }
    if (fake.ncaps >= FAKE_CAPS)
        return -EDQUOT;
    mint->id =
        new_cap(mint->fd, f->opener_pid, mint->module, mint->rights, &mint->sel, mint->expiry_ns)
            ->info.id;
    return 0;
}

int admin_renew(int ctl, uint64_t id, uint64_t expiry_ns)
{
    for (size_t i = 0; ctl == FAKE_CTL && i < fake.ncaps; i++) {
        struct hsx_cap_info *c = &fake.cap[i].info;
        if (c->id != id || c->state != HSX_CAP_STATE_ACTIVE)
            continue;
        if (c->depth || expiry_ns <= fake.now_ns)
            return -EINVAL;
        c->expiry_ns = expiry_ns;
        return 0;
    }
    return -ENOENT;
}

int admin_revoke(int ctl, struct hsx_cap_revoke *revoke)
{
    bool by_pid = revoke->flags & HSX_CAP_REVOKE_BY_PID;

    if (ctl != FAKE_CTL)
        return -EPERM;
    fake.revokes++;
    revoke->count = 0;
    for (size_t i = 0; i < fake.ncaps; i++) {
        struct hsx_cap_info *c = &fake.cap[i].info;
        if (c->state != HSX_CAP_STATE_ACTIVE ||
            (by_pid ? c->holder_pid != revoke->pid : c->id != revoke->id))
            continue;
        c->state = HSX_CAP_STATE_ENDED;
        c->reason = revoke->reason;
        revoke->count++;
    }
    return revoke->count ? 0 : -ENOENT;
}

int admin_list_next(int ctl, uint64_t after, struct hsx_cap_info *info)
{
    const struct hsx_cap_info *best = NULL;

    if (ctl != FAKE_CTL)
        return -EPERM;
    for (size_t i = 0; i < fake.ncaps; i++) {
        const struct hsx_cap_info *c = &fake.cap[i].info;
        if (c->state == HSX_CAP_STATE_ACTIVE && c->id > after && (!best || c->id < best->id))
            best = c;
    }
    if (!best)
        return -ENOENT;
    *info = *best;
    return 0;
}

int admin_info(int fd, uint32_t module, struct hsx_cap_query *query)
{
    const struct fake_file *f = file_of(fd);

    *query = (struct hsx_cap_query){.module = module, .enforcing = !fake.not_enforcing};
    if (!f)
        return -EBADF;
    query->privileged = f->privileged;
    /* The file's slot: the last capability attached, ended or not (as hsx.ko keeps it). */
    for (size_t i = 0; i < fake.ncaps; i++) {
        if (fake.cap[i].fd == fd && fake.cap[i].info.module == module)
            query->cap = fake.cap[i].info;
    }
    return 0;
}

uint64_t boottime_ns(void)
{
    return fake.now_ns;
}

/* ---- CAN: the admin node's view of a bus ---------------------------- */

struct fake_can_bus *fake_can_bind(unsigned int bus, const char *ifname, uint32_t bitrate)
{
    struct fake_can_bus *b = &fake.can[bus];

    *b = (struct fake_can_bus){.bound = true,
                               .ifindex = 10 + bus,
                               .controller = bitrate != 0,
                               .up = true,
                               .bitrate = bitrate};
    snprintf(b->ifname, sizeof(b->ifname), "%s", ifname);
    return b;
}

struct hsxd *fake_can_rig(struct policy *policy, struct fake_can_bus **can0)
{
    struct hsxd *h = fake_hsxd_new(policy);
    struct policy_rule *rule = &policy->rules[0];

    fake_rule(rule, "app", 1000, 600);
    rule->grant[policy_slot(HSX_MODULE_CAN)] =
        (struct policy_grant){.present = true,
                              .rights = HSX_CAP_R_READ | HSX_CAP_R_CAN_CONFIG,
                              .sel.can = {.buses = 0x1}};
    *can0 = fake_can_bind(0, "can0", 500000);
    return h;
}

int fake_can_file(uint32_t pid)
{
    int fd = fake_open(pid, HSX_MODULE_CAN);

    fake_attach_cap(fd, HSX_MODULE_CAN, HSX_CAP_R_CAN_ALL,
                    (union hsx_cap_selector){.can.buses = 0xffff});
    return fd;
}

static uint32_t hsx_mode_of(uint32_t ctrlmode)
{
    return (ctrlmode & CAN_CTRLMODE_LOOPBACK ? HSX_CAN_MODE_LOOPBACK : 0) |
           (ctrlmode & CAN_CTRLMODE_LISTENONLY ? HSX_CAN_MODE_LISTEN_ONLY : 0) |
           (ctrlmode & CAN_CTRLMODE_FD ? HSX_CAN_MODE_FD : 0);
}

static struct fake_can_bus *bound_bus(int ctl, uint32_t bus, int *err)
{
    *err = ctl != FAKE_CTL ? -EPERM : bus >= HSX_CAN_MAX_BUSES ? -EINVAL : 0;
    if (!*err && !fake.can[bus].bound)
        *err = -ENODEV;
    return *err ? NULL : &fake.can[bus];
}

int admin_can_info(int ctl, struct hsx_can_info *info)
{
    int err;
    struct fake_can_bus *b = bound_bus(ctl, info->bus, &err);

    if (err == -ENODEV) {
        *info = (struct hsx_can_info){.bus = info->bus};
        return 0;
    }
    if (!b)
        return err;
    info->bound = 1;
    info->mtu = b->ctrlmode & CAN_CTRLMODE_FD ? 72 : 16;
    info->ifindex = b->ifindex;
    memcpy(info->ifname, b->ifname, sizeof(info->ifname));
    return 0;
}

int admin_can_status(int ctl, struct hsx_can_status *st)
{
    int err;
    struct fake_can_bus *b = bound_bus(ctl, st->bus, &err);

    if (!b)
        return err;
    *st = (struct hsx_can_status){.bus = st->bus, .status = b->up ? HSX_CAN_ST_UP : 0};
    if (!b->controller) {
        st->state = HSX_CAN_STATE_NONE;
        return 0;
    }
    st->state = b->up ? HSX_CAN_STATE_ACTIVE : HSX_CAN_STATE_STOPPED;
    st->bitrate = b->bitrate;
    st->data_bitrate = b->data_bitrate;
    st->mode = hsx_mode_of(b->ctrlmode);
    return 0;
}

/* As hsx.ko's HSX_IOC_CAN_CONFIG. */
/* As hsx.ko's MAP with HSX_FS_MAP_ANY (what hsxd asks): a directory is one root only. */
int admin_fs_map(int ctl, struct hsx_fs_map *m)
{
    struct stat st;

    assert_int_equal(ctl, FAKE_CTL);
    fake.fs_maps++;
    if (fake.fail_fs_map)
        return fake.fail_fs_map;
    if (m->reserved || m->flags != HSX_FS_MAP_ANY || !m->quota_bytes || !m->quota_files ||
        m->used_bytes > m->quota_bytes || m->used_files > m->quota_files)
        return -EINVAL;
    if (fstat(m->dirfd, &st) < 0 || !S_ISDIR(st.st_mode))
        return -ENOTDIR;
    for (uint32_t i = 0; i < HSX_FS_MAX_ROOTS; i++) {
        if (fake.fs[i].bound && fake.fs[i].dev == st.st_dev && fake.fs[i].ino == st.st_ino) {
            m->root = i;
            m->flags |= HSX_FS_MAP_EXISTING;
            return 0;
        }
    }
    for (uint32_t i = 0; i < HSX_FS_MAX_ROOTS; i++) {
        if (!fake.fs[i].bound) {
            m->root = i;
            fake.fs[i] =
                (struct fake_fs_root){.bound = true, .dev = st.st_dev, .ino = st.st_ino, .map = *m};
            return 0;
        }
    }
    return -ENOSPC;
}

int admin_can_check(int ctl, const struct hsx_can_config *c)
{
    int err;
    struct fake_can_bus *b = bound_bus(ctl, c->bus, &err);

    if (!b)
        return err;
    if (!b->controller)
        return c->bitrate || c->data_bitrate || c->mode ? -EOPNOTSUPP : 0;
    if ((c->bitrate && c->bitrate != b->bitrate) ||
        (c->data_bitrate && c->data_bitrate != b->data_bitrate) ||
        c->mode != hsx_mode_of(b->ctrlmode))
        return -EREMCHG;
    return 0;
}

/* ---- the kernel's CAN netlink (drivers/net/can/dev/netlink.c), by interface index ---- */

static void record(struct fake_can_bus *b, char call)
{
    size_t len = strlen(b->calls);

    if (len + 1 < sizeof(b->calls))
        b->calls[len] = call;
}

static struct fake_can_bus *by_index(int ifindex)
{
    for (int i = 0; i < HSX_CAN_MAX_BUSES; i++)
        if (fake.can[i].bound && (int)fake.can[i].ifindex == ifindex)
            return &fake.can[i];
    return NULL;
}

/* The fake's bit timing is its bitrate, kept in tq too: set again by time quantum. */
static void put_bt(struct nlmsghdr *nlh, uint16_t type, uint32_t bitrate, bool b_no_tq)
{
    struct can_bittiming bt = {.bitrate = bitrate, .tq = bitrate, .brp = 1, .sample_point = 875};

    if (b_no_tq) /* a driver of fixed bitrates (bitrate_const): no time quantum */
        bt.tq = bt.brp = 0;

    mnl_attr_put(nlh, type, sizeof(bt), &bt);
}

static int getlink(struct fake_can_bus *b, void *buf, size_t size)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

    nlh->nlmsg_type = RTM_NEWLINK;
    nlh->nlmsg_seq = fake.link_seq;
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    ifi->ifi_index = (int)b->ifindex;
    ifi->ifi_flags = b->up ? IFF_UP : 0;
    mnl_attr_put_strz(nlh, IFLA_IFNAME, b->ifname);
    struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, b->controller ? "can" : "vcan");
    if (b->controller) {
        struct nlattr *data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
        struct can_ctrlmode cm = {.mask = 0xff, .flags = b->ctrlmode};
        put_bt(nlh, IFLA_CAN_BITTIMING, b->bitrate, b->no_tq);
        if (b->ctrlmode & CAN_CTRLMODE_FD)
            put_bt(nlh, IFLA_CAN_DATA_BITTIMING, b->data_bitrate, b->no_tq);
        mnl_attr_put(nlh, IFLA_CAN_CTRLMODE, sizeof(cm), &cm);
        mnl_attr_put_u32(nlh, IFLA_CAN_STATE, b->state);
        mnl_attr_put_u32(nlh, IFLA_CAN_RESTART_MS, b->restart_ms);
        mnl_attr_nest_end(nlh, data);
    }
    mnl_attr_nest_end(nlh, info);
    assert_true(nlh->nlmsg_len <= size);
    return (int)nlh->nlmsg_len;
}

struct newlink {
    const char *kind;
    const struct nlattr *data;
    const struct nlattr *can[IFLA_CAN_MAX + 1];
};

static int info_attr(const struct nlattr *a, void *arg)
{
    struct newlink *n = arg;

    if (mnl_attr_get_type(a) == IFLA_INFO_KIND)
        n->kind = mnl_attr_get_str(a);
    if (mnl_attr_get_type(a) == IFLA_INFO_DATA)
        n->data = a;
    return MNL_CB_OK;
}

static int can_attr(const struct nlattr *a, void *arg)
{
    struct newlink *n = arg;

    if (mnl_attr_get_type(a) <= IFLA_CAN_MAX)
        n->can[mnl_attr_get_type(a)] = a;
    return MNL_CB_OK;
}

static int newlink_attr(const struct nlattr *a, void *arg)
{
    if (mnl_attr_get_type(a) == IFLA_LINKINFO)
        mnl_attr_parse_nested(a, info_attr, arg);
    return MNL_CB_OK;
}

/* can_get_bittiming(): by bitrate (the clock may round it) or by time quantum, not both. */
static int timing(struct fake_can_bus *b, const struct nlattr *a, uint32_t *bitrate)
{
    struct can_bittiming bt;

    memcpy(&bt, mnl_attr_get_payload(a), sizeof(bt));
    if (bt.tq && !bt.bitrate)
        *bitrate = bt.tq;
    else if (!bt.tq && bt.bitrate && b->refuse_bitrate) /* can_calc_bittiming() */
        return -b->refuse_bitrate;
    else if (!bt.tq && bt.bitrate)
        *bitrate = b->clock_gives ? b->clock_gives : bt.bitrate;
    else
        return -EINVAL;
    return 0;
}

/* The rest of can_changelink(): IFLA_CAN_RESTART_MS, then IFLA_CAN_RESTART (can_restart_now()). */
static int restart(struct fake_can_bus *b, const struct newlink *n)
{
    if (n->can[IFLA_CAN_RESTART_MS]) {
        const uint32_t ms = mnl_attr_get_u32(n->can[IFLA_CAN_RESTART_MS]);
        record(b, 'M');
        if (b->up_before_ms) {
            b->up = true;
            b->up_before_ms = false;
        }
        if (ms && b->no_restart)
            return -EOPNOTSUPP;
        if (b->up)
            return -EBUSY;
        b->restart_ms = ms;
    }
    if (n->can[IFLA_CAN_RESTART]) {
        record(b, 'R');
        if (b->no_restart)
            return -EOPNOTSUPP;
        if (!b->up || b->restart_ms)
            return -EINVAL;
        if (b->state != CAN_STATE_BUS_OFF)
            return -EBUSY;
        b->state = CAN_STATE_ERROR_ACTIVE;
    }
    return 0;
}

/* can_validate() and can_changelink(), in the kernel's order (not atomic either). */
static int changelink(struct fake_can_bus *b, struct newlink *n)
{
    const uint32_t supported = CAN_CTRLMODE_LOOPBACK | CAN_CTRLMODE_LISTENONLY | CAN_CTRLMODE_FD;
    bool is_fd = false;
    int err;

    mnl_attr_parse_nested(n->data, can_attr, n);
    if (n->can[IFLA_CAN_CTRLMODE] || n->can[IFLA_CAN_BITTIMING] || n->can[IFLA_CAN_DATA_BITTIMING])
        record(b, 'C');
    if (n->can[IFLA_CAN_CTRLMODE]) {
        const struct can_ctrlmode *cm = mnl_attr_get_payload(n->can[IFLA_CAN_CTRLMODE]);
        is_fd = cm->flags & cm->mask & CAN_CTRLMODE_FD;
    }
    if (is_fd && (!n->can[IFLA_CAN_BITTIMING] || !n->can[IFLA_CAN_DATA_BITTIMING]))
        return -EOPNOTSUPP;
    if (n->can[IFLA_CAN_DATA_BITTIMING] && !is_fd)
        return -EOPNOTSUPP;
    if (n->can[IFLA_CAN_BITTIMING]) {
        uint32_t bitrate;
        if (b->up)
            return -EBUSY;
        if ((err = timing(b, n->can[IFLA_CAN_BITTIMING], &bitrate)) < 0)
            return err;
        b->bitrate = bitrate;
    }
    if (n->can[IFLA_CAN_CTRLMODE]) {
        const struct can_ctrlmode *cm = mnl_attr_get_payload(n->can[IFLA_CAN_CTRLMODE]);
        if (b->up)
            return -EBUSY;
        if (b->refuse_modes)
            return -b->refuse_modes;
        if (cm->flags & cm->mask & ~supported)
            return -EOPNOTSUPP;
        b->ctrlmode = (b->ctrlmode & ~cm->mask) | (cm->flags & cm->mask);
        if (!(b->ctrlmode & CAN_CTRLMODE_FD))
            b->data_bitrate = 0;
    }
    if (n->can[IFLA_CAN_DATA_BITTIMING]) {
        uint32_t bitrate;
        if (b->up)
            return -EBUSY;
        if ((err = timing(b, n->can[IFLA_CAN_DATA_BITTIMING], &bitrate)) < 0)
            return err;
        b->data_bitrate = bitrate;
    }
    return restart(b, n);
}

/* rtnl_newlink() on an existing device: the kind's data first, then up or down. */
static int newlink(struct fake_can_bus *b, const struct nlmsghdr *nlh)
{
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
    struct newlink n = {0};
    int err;

    mnl_attr_parse(nlh, sizeof(*ifi), newlink_attr, &n);
    /* hsxd names the kind in every change, so that the kernel refuses any other device. */
    assert_non_null(n.data);
    assert_string_equal(n.kind, "can");
    if (n.data) {
        if (!n.kind || strcmp(n.kind, "can") != 0 || !b->controller)
            return -EOPNOTSUPP;
        if ((err = changelink(b, &n)) < 0)
            return err;
    }
    if (ifi->ifi_change & IFF_UP) {
        const bool up = ifi->ifi_flags & IFF_UP;
        record(b, up ? 'U' : 'S');
        if (up && b->refuse_start) {
            err = b->refuse_start;
            if (b->refuse_starts == 1)
                b->refuse_start = b->refuse_starts = 0;
            return -err;
        }
        b->up = up;
    }
    return 0;
}

/* Weak: test_can_link.c links the real one. */
__attribute__((weak)) int can_link_request(const struct nlmsghdr *req, void *buf, size_t size)
{
    const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(req);
    struct fake_can_bus *b = by_index(ifi->ifi_index);
    int ret;

    fake.link_seq = req->nlmsg_seq;
    fake.link_requests++;
    if (!b)
        return -ENODEV;
    if (req->nlmsg_type == RTM_GETLINK) {
        record(b, 'g');
        ret = b->fail_get && --b->fail_get_at == 0 ? -b->fail_get : getlink(b, buf, size);
    } else {
        assert_int_equal(req->nlmsg_type, RTM_NEWLINK);
        assert_true(req->nlmsg_flags & NLM_F_ACK);
        ret = newlink(b, req);
    }
    /* The bus re-bound to another interface after this many requests of its interface. */
    if (b->rebind_after && strlen(b->calls) == b->rebind_after)
        b->ifindex += 100;
    return ret;
}

int fake_dial(const char *path)
{
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    int fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);

    snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}
