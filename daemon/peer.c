// SPDX-License-Identifier: MIT
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "peer.h"

/* Linux 6.5; the headers of Debian 12 predate it. */
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

int pidfd_of(uint32_t pid)
{
    int fd = pidfd_open((pid_t)pid, 0);

    return fd < 0 ? -errno : fd;
}

int proc_start_ns(uint32_t pid, uint64_t *ns)
{
    char path[32], buf[1024];
    unsigned long long ticks;
    long hz = sysconf(_SC_CLK_TCK);

    snprintf(path, sizeof(path), "/proc/%u/stat", pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    ssize_t len = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (len <= 0 || hz <= 0)
        return -EIO;
    buf[len] = '\0';
    /*
     * Field 22 is the start time in clock ticks of CLOCK_BOOTTIME. The
     * command name (field 2) may hold spaces and parentheses: count from the
     * last ')', which the space before field 3 follows.
     */
    char *s = strrchr(buf, ')');
    if (!s)
        return -EIO;
    s++;
    for (int field = 3; field < 22 && s; field++)
        s = strchr(s + 1, ' ');
    if (!s || sscanf(s, " %llu", &ticks) != 1)
        return -EIO;
    *ns = ticks * (1000000000ull / (unsigned long long)hz);
    return 0;
}

static int read_groups(int sock, struct peer *p)
{
    socklen_t len = 0;

    /* ERANGE tells how much room the groups need; none needs none. */
    if (getsockopt(sock, SOL_SOCKET, SO_PEERGROUPS, NULL, &len) == 0 || errno != ERANGE)
        return 0;
    size_t count = len / sizeof(gid_t);
    if (count > PEER_GROUPS_MAX)
        count = PEER_GROUPS_MAX;
    gid_t *groups = calloc(count ? count : 1, sizeof(gid_t));
    if (!groups)
        return -ENOMEM;
    len = (socklen_t)(count * sizeof(gid_t));
    if (getsockopt(sock, SOL_SOCKET, SO_PEERGROUPS, groups, &len) < 0) {
        int err = errno;
        free(groups);
        /* More than PEER_GROUPS_MAX: match on the primary group only. */
        return err == ERANGE ? 0 : -err;
    }
    p->ngroups = len / sizeof(gid_t);
    p->groups = malloc((p->ngroups ? p->ngroups : 1) * sizeof(*p->groups));
    if (!p->groups) {
        free(groups);
        return -ENOMEM;
    }
    for (size_t i = 0; i < p->ngroups; i++)
        p->groups[i] = (uint32_t)groups[i];
    free(groups);
    return 0;
}

int peer_identify(int sock, uint64_t accepted_ns, struct peer *p, char *why, size_t why_size)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);
    int pidfd;

    *p = (struct peer){.pidfd = -1};
    if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) {
        snprintf(why, why_size, "SO_PEERCRED: %s", strerror(errno));
        return -errno;
    }
    p->pid = (uint32_t)cred.pid;
    p->uid = (uint32_t)cred.uid;
    p->gid = (uint32_t)cred.gid;
    if (cred.pid <= 0) {
        snprintf(why, why_size, "the peer is in another pid namespace");
        return -ESRCH;
    }

    len = sizeof(pidfd);
    if (getsockopt(sock, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == 0) {
        p->pidfd = pidfd;
        p->pidfd_attested = true;
    } else if (errno == ENOPROTOOPT) {
        /* Before 6.5, the option unknown: a pidfd for whatever has the pid now, checked below. */
        pidfd = pidfd_of(p->pid);
        if (pidfd == -ESRCH) {
            snprintf(why, why_size, "pid %u exited before it was identified", p->pid);
            return -ESRCH;
        }
        p->pidfd = pidfd < 0 ? -1 : pidfd;
    } else if (errno == EINVAL || errno == ESRCH) {
        /*
         * The kernel has the option but no pidfd for the peer: it has exited
         * (EINVAL: no task has its pid any more). That pid may be another
         * process's already, so nothing is looked up by it.
         */
        snprintf(why, why_size, "pid %u exited before it was identified (SO_PEERPIDFD: %s)", p->pid,
                 strerror(errno));
        return -ESRCH;
    } else {
        int err = errno;
        snprintf(why, why_size, "pid %u: SO_PEERPIDFD: %s", p->pid, strerror(err));
        return -err;
    }

    if (!p->pidfd_attested) {
        /* A process that started after the accept cannot have connected: its pid was reused. */
        uint64_t started;
        if (proc_start_ns(p->pid, &started) < 0 || !peer_alive(p)) {
            snprintf(why, why_size, "pid %u exited before it was identified", p->pid);
            peer_release(p);
            return -ESRCH;
        }
        if (started > accepted_ns) {
            snprintf(why, why_size,
                     "pid %u started after its connection was accepted: the "
                     "client exited and its pid was reused",
                     p->pid);
            peer_release(p);
            return -ESRCH;
        }
    }
    int ret = read_groups(sock, p);
    if (ret < 0) {
        snprintf(why, why_size, "SO_PEERGROUPS: %s", strerror(-ret));
        peer_release(p);
    }
    return ret;
}

void peer_release(struct peer *p)
{
    if (p->pidfd >= 0)
        close(p->pidfd);
    p->pidfd = -1;
    free(p->groups);
    p->groups = NULL;
    p->ngroups = 0;
}

bool pidfd_exited(int pidfd)
{
    struct pollfd pfd = {.fd = pidfd, .events = POLLIN};

    /* A pidfd becomes readable when its process exits. */
    return poll(&pfd, 1, 0) != 0;
}

bool peer_alive(const struct peer *p)
{
    if (p->pidfd < 0) {
        char path[32];
        snprintf(path, sizeof(path), "/proc/%u", p->pid);
        return access(path, F_OK) == 0;
    }
    return !pidfd_exited(p->pidfd);
}

void proc_cgroup(uint32_t pid, char *cgroup, size_t size)
{
    char path[32], line[PEER_CGROUP_MAX + 8];

    cgroup[0] = '\0';
    snprintf(path, sizeof(path), "/proc/%u/cgroup", pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "0::", 3) != 0)
            continue;
        line[strcspn(line, "\n")] = '\0';
        snprintf(cgroup, size, "%s", line + 3);
        break;
    }
    fclose(f);
}

int file_id_of(const char *path, struct file_id *id)
{
    struct statx stx;

    *id = (struct file_id){0};
    if (statx(AT_FDCWD, path, 0, STATX_INO | STATX_BTIME, &stx) < 0)
        return -errno;
    id->dev = makedev(stx.stx_dev_major, stx.stx_dev_minor);
    id->ino = stx.stx_ino;
    if (stx.stx_mask & STATX_BTIME)
        id->btime_ns = (uint64_t)stx.stx_btime.tv_sec * 1000000000ull + stx.stx_btime.tv_nsec;
    return 0;
}

void proc_exe(uint32_t pid, char *exe, size_t size, struct file_id *id)
{
    char path[32];

    snprintf(path, sizeof(path), "/proc/%u/exe", pid);
    ssize_t len = readlink(path, exe, size - 1);
    exe[len > 0 ? len : 0] = '\0';
    /* The link followed: the very file mapped, not what its path names in hsxd's namespace. */
    file_id_of(path, id);
}

int proc_creds(uint32_t pid, uint32_t *uid, uint32_t *gid, uint32_t *groups, size_t max,
               size_t *ngroups)
{
    char path[32], *line = NULL;
    unsigned int real, effective;
    size_t size = 0;
    int found = 0;

    *ngroups = 0;
    snprintf(path, sizeof(path), "/proc/%u/status", pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    /* The Groups line may be long: getline sizes it. */
    while (found != 7 && getline(&line, &size, f) > 0) {
        if (sscanf(line, "Uid: %u %u", &real, &effective) == 2) {
            *uid = effective;
            found |= 1;
        } else if (sscanf(line, "Gid: %u %u", &real, &effective) == 2) {
            *gid = effective;
            found |= 2;
        } else if (strncmp(line, "Groups:", 7) == 0) {
            char *s = line + 7, *end;
            for (unsigned long g; *ngroups < max; s = end) {
                g = strtoul(s, &end, 10);
                if (end == s)
                    break;
                groups[(*ngroups)++] = (uint32_t)g;
            }
            found |= 4;
        }
    }
    free(line);
    fclose(f);
    return found == 7 ? 0 : -EIO;
}

bool proc_admin(uint32_t pid)
{
    char path[32], *line = NULL;
    unsigned long long caps = 0;
    struct stat theirs, ours;
    size_t size = 0;
    bool found = false;

    /*
     * The capabilities first, the namespace second: a process that left
     * hsxd's user namespace (gaining every capability in its own) cannot
     * come back into it without already having CAP_SYS_ADMIN there.
     */
    snprintf(path, sizeof(path), "/proc/%u/status", pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    while (!found && getline(&line, &size, f) > 0)
        found = sscanf(line, "CapEff: %llx", &caps) == 1;
    free(line);
    fclose(f);
    if (!found || !(caps >> CAP_SYS_ADMIN & 1))
        return false;

    snprintf(path, sizeof(path), "/proc/%u/ns/user", pid);
    if (stat("/proc/self/ns/user", &ours) < 0)
        /* A kernel without user namespaces has the initial one only. */
        return errno == ENOENT;
    return stat(path, &theirs) == 0 && theirs.st_dev == ours.st_dev && theirs.st_ino == ours.st_ino;
}

int peer_read(const struct peer *p, struct peer_now *now, char *why, size_t why_size)
{
    proc_exe(p->pid, now->exe, sizeof(now->exe), &now->exe_id);
    proc_cgroup(p->pid, now->cgroup, sizeof(now->cgroup));
    /*
     * Root as the kernel saw it at connect() (SO_PEERCRED: nothing the
     * peer does later changes it), and CAP_SYS_ADMIN now: the capabilities
     * alone are not attested, a process gains them by exec of a setuid
     * program after connecting, and hands the socket to a child.
     */
    now->admin = p->uid == 0 && proc_admin(p->pid);
    if (!peer_alive(p) || !now->exe[0]) {
        snprintf(why, why_size, "pid %u has exited", p->pid);
        return -ESRCH;
    }
    return 0;
}
