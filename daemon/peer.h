/* SPDX-License-Identifier: MIT */
/*
 * Who is at the other end of a connection. The kernel attests pid, uid, gid
 * and groups as they were at connect() (SO_PEERCRED, SO_PEERGROUPS); a pidfd
 * pins the process itself (SO_PEERPIDFD from Linux 6.5, else pidfd_open() on
 * the pid right after accept(), refusing a process that started after the
 * accept, which is a recycled pid). Only ENOPROTOOPT means the kernel lacks
 * SO_PEERPIDFD; its other errors refuse the peer (EINVAL: it has exited). While the pidfd says the
 * process lives, its pid names it, so what /proc/<pid> shows is its own.
 */
#ifndef HSXD_PEER_H
#define HSXD_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PEER_EXE_MAX 4096
#define PEER_CGROUP_MAX 4096
/* Supplementary groups kept per connection; NGROUPS_MAX is 65536, a bound we need not pay. */
#define PEER_GROUPS_MAX 1024

/**
 * struct file_id - which file, not which path: a path may name another file
 * in another mount namespace, or after the file was replaced
 * @dev, @ino: st_dev, st_ino; @ino 0: unknown
 * @btime_ns: when it was created, where the filesystem says (statx
 *	STATX_BTIME; 0 if not): tells a reused inode number from the file
 */
struct file_id {
    uint64_t dev;
    uint64_t ino;
    uint64_t btime_ns;
};

/* The identity of the file path names (following links, /proc/<pid>/exe too). 0 or -errno. */
int file_id_of(const char *path, struct file_id *id);

/* Are a and b known and the same file? */
static inline bool file_id_same(const struct file_id *a, const struct file_id *b)
{
    return a->ino && a->dev == b->dev && a->ino == b->ino &&
           (!a->btime_ns || !b->btime_ns || a->btime_ns == b->btime_ns);
}

struct peer {
    uint32_t pid;
    uint32_t uid;
    uint32_t gid;
    uint32_t *groups;
    size_t ngroups;
    int pidfd;           /* -1 when the kernel has no pidfds */
    bool pidfd_attested; /* from SO_PEERPIDFD */
};

/*
 * Identify the peer of a connection accepted at accepted_ns (CLOCK_BOOTTIME).
 * Returns 0, or -ESRCH if it has already exited (why filled), or another
 * negative errno.
 */
int peer_identify(int sock, uint64_t accepted_ns, struct peer *p, char *why, size_t why_size);

void peer_release(struct peer *p);

/* Does the peer process still run? (Its pidfd is not readable.) */
bool peer_alive(const struct peer *p);

/**
 * struct peer_now - what a peer is at a request (it may exec in between)
 * @exe: its program; the kernel appends " (deleted)" when the program was
 *	replaced on disk
 * @exe_id: the file it runs (/proc/<pid>/exe followed: the file mapped, in
 *	whatever mount namespace)
 * @cgroup: its cgroup v2 path; "" if unknown
 * @admin: CAP_SYS_ADMIN in its effective set, in hsxd's user namespace: what
 *	hsx.ko asks of its admin node, and so what hsxd asks of administrators
 */
struct peer_now {
    char exe[PEER_EXE_MAX];
    struct file_id exe_id;
    char cgroup[PEER_CGROUP_MAX];
    bool admin;
};

/*
 * Read what the peer is now, then check it still runs, so the answers are
 * its own. Returns 0 or -ESRCH (why filled).
 */
int peer_read(const struct peer *p, struct peer_now *now, char *why, size_t why_size);

/*
 * Does process pid have CAP_SYS_ADMIN (CapEff of /proc/<pid>/status) in
 * hsxd's own user namespace? A user namespace's root has every capability in
 * it and none outside; uid 0 may have dropped it. false if unreadable. Not
 * enough for an administrator alone (see peer_read()): also root at connect.
 */
bool proc_admin(uint32_t pid);

/* Read another process's program and its file's identity; "" and zeros if they cannot be read. */
void proc_exe(uint32_t pid, char *exe, size_t size, struct file_id *id);

/* Read a process's cgroup v2 path (the line "0::<path>" of /proc/<pid>/cgroup); "" if unknown. */
void proc_cgroup(uint32_t pid, char *cgroup, size_t size);

/*
 * Read a process's effective uid and gid and its supplementary groups (at
 * most max) from /proc/<pid>/status; returns 0 or -errno. For processes hsxd
 * did not see ask (adopted, or barred by pid): /proc is all it has of them.
 */
int proc_creds(uint32_t pid, uint32_t *uid, uint32_t *gid, uint32_t *groups, size_t max,
               size_t *ngroups);

/* When pid started, in CLOCK_BOOTTIME ns (to the clock tick). Returns 0 or -errno. */
int proc_start_ns(uint32_t pid, uint64_t *ns);

/* A pidfd for pid, or -errno. */
int pidfd_of(uint32_t pid);

/* Has the process of pidfd exited? */
bool pidfd_exited(int pidfd);

#endif /* HSXD_PEER_H */
