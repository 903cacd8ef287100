/* SPDX-License-Identifier: MIT */
/*
 * Passing an open file between test processes over a unix socket, the way an
 * application hands its /dev/hsx file to hsxd: one byte with SCM_RIGHTS.
 * Header-only, so that the benchmarks and helpers (which do not link e2e.c)
 * share it with the tests.
 */
#ifndef HSX_TESTS_FDPASS_H
#define HSX_TESTS_FDPASS_H

#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* Send fd over sock. Returns 0, or -1 with errno set. */
static inline int fdpass_send(int sock, int fd)
{
    char ctl[CMSG_SPACE(sizeof(int))] = {0};
    struct iovec iov = {.iov_base = "f", .iov_len = 1};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);

    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof(int));
    return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* Receive a file sent by fdpass_send(), close-on-exec. Returns it, or -1. */
static inline int fdpass_recv(int sock)
{
    char byte, ctl[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    struct msghdr msg = {
        .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl, .msg_controllen = sizeof(ctl)};
    struct cmsghdr *c;
    int fd;

    if (recvmsg(sock, &msg, MSG_CMSG_CLOEXEC) != 1)
        return -1;
    c = CMSG_FIRSTHDR(&msg);
    if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
        return -1;
    memcpy(&fd, CMSG_DATA(c), sizeof(int));
    return fd;
}

#endif /* HSX_TESTS_FDPASS_H */
