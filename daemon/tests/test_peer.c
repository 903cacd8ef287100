// SPDX-License-Identifier: MIT
/*
 * Identifying the peer of a connection, on this very process through a
 * socket pair: credentials, groups, pidfd, program and cgroup, start time,
 * and the refusal of a peer that started after its connection was accepted.
 */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "fake.h"
#include "peer.h"

static uint64_t boottime(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void who_is_there(void **state)
{
    static struct peer_now now;
    static char self[PATH_MAX];
    struct peer p;
    char why[160];
    int sv[2];
    (void)state;

    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    assert_int_equal(peer_identify(sv[0], boottime(), &p, why, sizeof(why)), 0);
    assert_int_equal(p.pid, getpid());
    assert_int_equal(p.uid, geteuid());
    assert_int_equal(p.gid, getegid());
    assert_true(p.pidfd >= 0);
    assert_true(peer_alive(&p));
    gid_t groups[64];
    int n = getgroups(64, groups);
    assert_int_equal(p.ngroups, n < 0 ? 0 : (size_t)n);

    assert_int_equal(peer_read(&p, &now, why, sizeof(why)), 0);
    ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
    assert_true(len > 0);
    self[len] = '\0';
    assert_string_equal(now.exe, self);
    /* The file it runs, whichever path names it. */
    struct file_id id;
    assert_int_equal(file_id_of(self, &id), 0);
    assert_true(file_id_same(&now.exe_id, &id));
    assert_int_equal(now.admin, proc_admin((uint32_t)getpid()));
    peer_release(&p);
    assert_int_equal(p.pidfd, -1);
    close(sv[0]);
    close(sv[1]);
}

/*
 * Only ENOPROTOOPT says the kernel has no SO_PEERPIDFD (before 6.5), and a
 * pidfd is then taken by pid. Another error (EINVAL: the peer is gone) must
 * not be read as that: its pid may be another process's by now.
 */
static void peer_pidfd_errors(void **state)
{
    struct peer p;
    char why[160];
    int sv[2];
    (void)state;

    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    fake_peerpidfd_errno = ENOPROTOOPT;
    assert_int_equal(peer_identify(sv[0], boottime(), &p, why, sizeof(why)), 0);
    assert_true(p.pidfd >= 0);
    assert_false(p.pidfd_attested);
    peer_release(&p);

    fake_peerpidfd_errno = EINVAL;
    assert_int_equal(peer_identify(sv[0], boottime(), &p, why, sizeof(why)), -ESRCH);
    assert_int_equal(p.pidfd, -1);
    assert_non_null(strstr(why, "exited before it was identified"));
    assert_non_null(strstr(why, "SO_PEERPIDFD: Invalid argument"));

    fake_peerpidfd_errno = ENODATA;
    assert_true(peer_identify(sv[0], boottime(), &p, why, sizeof(why)) < 0);
    assert_int_equal(p.pidfd, -1);
    fake_peerpidfd_errno = 0;
    close(sv[0]);
    close(sv[1]);
}

static void start_times(void **state)
{
    uint64_t mine, theirs, before = boottime();
    long tick = 1000000000L / sysconf(_SC_CLK_TCK);
    int sv[2];
    (void)state;

    assert_int_equal(proc_start_ns((uint32_t)getpid(), &mine), 0);
    assert_true(mine > 0 && mine <= before);

    /* A child started now: at or after "before", to the tick. */
    assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    pid_t child = fork();
    if (child == 0) {
        char byte;
        read(sv[1], &byte, 1);
        _exit(0);
    }
    assert_int_equal(proc_start_ns((uint32_t)child, &theirs), 0);
    assert_true(theirs + (uint64_t)tick >= before);
    assert_int_equal(write(sv[0], "x", 1), 1);
    waitpid(child, NULL, 0);
    assert_int_equal(proc_start_ns((uint32_t)child, &theirs), -ENOENT);
    close(sv[0]);
    close(sv[1]);
}

static void pidfds_tell_exits(void **state)
{
    (void)state;
    pid_t child = fork();
    if (child == 0)
        _exit(0);
    int fd = pidfd_of((uint32_t)child);
    assert_true(fd >= 0);
    waitpid(child, NULL, 0);
    assert_true(pidfd_exited(fd));
    close(fd);
    fd = pidfd_of((uint32_t)getpid());
    assert_false(pidfd_exited(fd));
    close(fd);
    assert_int_equal(pidfd_of(4194303), -ESRCH);
}

static void credentials_from_proc(void **state)
{
    static uint32_t groups[PEER_GROUPS_MAX];
    static char cgroup[PEER_CGROUP_MAX];
    gid_t mine[PEER_GROUPS_MAX];
    uint32_t uid = 0, gid = 0;
    size_t ngroups = 0;
    (void)state;

    assert_int_equal(proc_creds((uint32_t)getpid(), &uid, &gid, groups, PEER_GROUPS_MAX, &ngroups),
                     0);
    assert_int_equal(uid, geteuid());
    assert_int_equal(gid, getegid());
    int n = getgroups(PEER_GROUPS_MAX, mine);
    assert_int_equal(ngroups, (size_t)n);
    for (int i = 0; i < n; i++)
        assert_int_equal(groups[i], mine[i]);
    /* Bounded by max. */
    if (n > 1) {
        assert_int_equal(proc_creds((uint32_t)getpid(), &uid, &gid, groups, 1, &ngroups), 0);
        assert_int_equal(ngroups, 1);
    }
    proc_cgroup((uint32_t)getpid(), cgroup, sizeof(cgroup));
    assert_true(cgroup[0] == '/' || cgroup[0] == '\0');
    assert_int_equal(proc_creds(4194303, &uid, &gid, groups, PEER_GROUPS_MAX, &ngroups), -ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(who_is_there),          cmocka_unit_test(peer_pidfd_errors),
        cmocka_unit_test(start_times),           cmocka_unit_test(pidfds_tell_exits),
        cmocka_unit_test(credentials_from_proc),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
