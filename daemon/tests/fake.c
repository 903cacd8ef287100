// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "admin.h"
#include "fake.h"
#include "log.h"

/* ---- log ---------------------------------------------------------------------------- */

#define LOG_LINES 256
static char lines[LOG_LINES][1024];
static unsigned int nlines;

void log_open(bool also_stderr)
{
    (void)also_stderr;
}

void log_msg(int priority, const char *fmt, ...)
{
    va_list ap;

    (void)priority;
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
    *query = (struct hsx_cap_query){.module = module, .enforcing = 1};
    if (!file_of(fd))
        return -EBADF;
    for (size_t i = 0; i < fake.ncaps; i++) {
        if (fake.cap[i].fd == fd && fake.cap[i].info.module == module &&
            fake.cap[i].info.state == HSX_CAP_STATE_ACTIVE)
            query->cap = fake.cap[i].info;
    }
    return 0;
}

uint64_t boottime_ns(void)
{
    return fake.now_ns;
}
