// SPDX-License-Identifier: MIT
/*
 * hsxctl listen: print a mailbox's events as they arrive.
 *
 * The mailbox is used the way an application's own event loop would use it:
 * poll(2) on hsx_mailbox_fd() together with a signalfd for SIGINT/SIGTERM,
 * then hsx_mailbox_recv() with a zero timeout until nothing is queued.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hsx_mailbox.h"
#include "hsxctl.h"
#include "output.h"

enum drain_result {
    DRAINED,  /* nothing more queued */
    FINISHED, /* the requested number of events arrived */
    FAILED,   /* the mailbox is gone, or an error; reported */
};

/* Print every queued event. */
static enum drain_result drain(hsx_mailbox_t *mb, const struct hsxctl_cmdline *cmd,
                               uint64_t *received)
{
    hsx_mailbox_event_t event;

    for (;;) {
        int ret = hsx_mailbox_recv(mb, &event, 0);

        if (ret == HSX_HAL_TIMEOUT)
            return DRAINED;
        if (ret == HSX_HAL_OK || ret == HSX_HAL_CLOSED) {
            print_event(stdout, cmd->mailbox, &event, cmd->json);
            fflush(stdout);
        }
        if (ret == HSX_HAL_CLOSED) {
            hsxctl_error("mailbox '%s' was destroyed", cmd->mailbox);
            return FAILED;
        }
        if (ret != HSX_HAL_OK) {
            hsxctl_fail_hal(ret, "cannot receive from mailbox '%s'", cmd->mailbox);
            return FAILED;
        }
        if (cmd->count && ++*received >= cmd->count)
            return FINISHED;
    }
}

static int listen_loop(hsx_mailbox_t *mb, int signal_fd, const struct hsxctl_cmdline *cmd)
{
    struct pollfd fds[2] = {
        {.fd = hsx_mailbox_fd(mb), .events = POLLIN},
        {.fd = signal_fd, .events = POLLIN},
    };
    uint64_t received = 0, last_event = hsxctl_now_ms();

    for (;;) {
        uint64_t before = received;

        /* Drain first: events that came with the subscription do not make the fd readable. */
        enum drain_result result = drain(mb, cmd, &received);
        if (result != DRAINED)
            return result == FINISHED ? HSXCTL_EXIT_OK : HSXCTL_EXIT_FAILURE;
        if (received != before)
            last_event = hsxctl_now_ms();

        int ready = hsxctl_poll_since(fds, 2, cmd->timeout_ms, last_event);
        if (ready < 0)
            return HSXCTL_EXIT_FAILURE;
        if (fds[1].revents)
            return HSXCTL_EXIT_OK; /* SIGINT or SIGTERM */
        if (ready == 0) {
            hsxctl_error("no event on mailbox '%s' within %u ms", cmd->mailbox, cmd->timeout_ms);
            return HSXCTL_EXIT_FAILURE;
        }
    }
}

int cmd_listen(const struct hsxctl_cmdline *cmd)
{
    hsx_mailbox_t *mb;

    int signal_fd = hsxctl_stop_signal_fd();
    if (signal_fd < 0)
        return HSXCTL_EXIT_FAILURE;

    int ret = hsx_mailbox_open(cmd->mailbox, &mb);
    if (ret != HSX_HAL_OK) {
        close(signal_fd);
        if (ret == HSX_HAL_NO_DEVICE && !require_hsx_loaded())
            return HSXCTL_EXIT_FAILURE;
        return hsxctl_fail_hal(ret, "cannot subscribe to mailbox '%s'", cmd->mailbox);
    }
    ret = listen_loop(mb, signal_fd, cmd);
    hsx_mailbox_close(mb);
    close(signal_fd);
    return ret;
}
