// SPDX-License-Identifier: MIT
/*
 * hsxctl timer create | cancel | list.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsx_timer.h"
#include "hsx_uapi.h"
#include "hsxctl.h"
#include "output.h"
#include "sysfs.h"

#define TIMER_SYSFS HSX_SYSFS_ROOT "/timer"

/* ---- create ---------------------------------------------------------------------- */

/*
 * SIGINT and SIGTERM are taken by a thread of their own (sigwait), which
 * cancels the timer: that ends the main thread's blocked wait with
 * HSX_HAL_CLOSED, and the command leaves without a race between a signal
 * handler and the library.
 */
struct timer_run {
    hsx_timer_t timer;
    sigset_t stop_signals;
    atomic_bool stopped;   /* a signal asked to stop */
    atomic_bool cancelled; /* hsx_timer_cancel() was called, by either thread */
    atomic_int cancel_result;
};

static void cancel_once(struct timer_run *run)
{
    if (!atomic_exchange(&run->cancelled, true))
        atomic_store(&run->cancel_result, hsx_timer_cancel(run->timer));
}

static void *stop_on_signal(void *arg)
{
    struct timer_run *run = arg;
    int sig;

    if (sigwait(&run->stop_signals, &sig) == 0) {
        atomic_store(&run->stopped, true);
        cancel_once(run);
    }
    return NULL;
}

int cmd_timer_create(const struct hsxctl_cmdline *cmd)
{
    struct timer_run run = {.cancel_result = HSX_HAL_OK};
    hsx_timer_event_ex_t event;
    pthread_t thread;
    uint64_t received = 0;
    int ret = HSX_HAL_OK;

    /* Before any thread exists, so that every thread inherits the mask. */
    sigemptyset(&run.stop_signals);
    sigaddset(&run.stop_signals, SIGINT);
    sigaddset(&run.stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &run.stop_signals, NULL);

    run.timer =
        hsx_timer_create(cmd->period_us, cmd->one_shot ? HSX_TIMER_ONE_SHOT : HSX_TIMER_PERIODIC);
    if (HSX_TIMER_IS_ERROR(run.timer)) {
        ret = HSX_TIMER_ERROR(run.timer);
        if (ret == HSX_HAL_NO_DEVICE && !require_hsx_loaded())
            return HSXCTL_EXIT_FAILURE;
        return hsxctl_fail_hal(ret, "cannot create a timer");
    }
    if (cmd->json)
        printf("{\"timer\":%u,\"period_us\":%u,\"one_shot\":%s}\n", (unsigned int)run.timer,
               cmd->period_us, cmd->one_shot ? "true" : "false");
    else
        printf("timer %u created: period %u us, %s\n", (unsigned int)run.timer, cmd->period_us,
               cmd->one_shot ? "one-shot" : "periodic");
    fflush(stdout);

    int err = pthread_create(&thread, NULL, stop_on_signal, &run);
    if (err) {
        hsx_timer_cancel(run.timer);
        hsxctl_error("cannot start a thread: %s", strerror(err));
        return HSXCTL_EXIT_FAILURE;
    }
    pthread_detach(thread);

    while (cmd->count == 0 || received < cmd->count) {
        ret = hsx_timer_wait_event(run.timer, &event, HSX_HAL_TIMEOUT_INF);
        if (atomic_load(&run.stopped))
            return HSXCTL_EXIT_OK;
        if (ret != HSX_HAL_OK)
            break;
        print_expiry(stdout, run.timer, &event, cmd->json);
        fflush(stdout);
        received++;
    }

    cancel_once(&run);
    if (ret == HSX_HAL_CLOSED) {
        hsxctl_error("timer %u was cancelled by someone else", (unsigned int)run.timer);
        return HSXCTL_EXIT_FAILURE;
    }
    if (ret != HSX_HAL_OK)
        return hsxctl_fail_hal(ret, "cannot wait for timer %u", (unsigned int)run.timer);
    ret = atomic_load(&run.cancel_result);
    if (ret != HSX_HAL_OK)
        return hsxctl_fail_hal(ret, "cannot cancel timer %u", (unsigned int)run.timer);
    return HSXCTL_EXIT_OK;
}

/* ---- cancel ------------------------------------------------------------------------- */

int cmd_timer_cancel(const struct hsxctl_cmdline *cmd)
{
    static const char ctl[] = HSX_DEV_PATH(HSX_DEV_CTL);
    struct hsx_timer_id arg = {.timer_id = cmd->timer_id};

    int err = ctl_ioctl("cancelling another process's timer", HSX_IOC_TIMER_CANCEL, &arg);
    if (err < 0)
        return HSXCTL_EXIT_FAILURE;
    if (err == 0) {
        printf("timer %u cancelled\n", cmd->timer_id);
        return HSXCTL_EXIT_OK;
    }
    switch (err) {
    case ENOENT:
        hsxctl_error("there is no timer %u", cmd->timer_id);
        break;
    case EPERM:
    case EACCES:
        hsxctl_error("cancelling timer %u needs CAP_SYS_ADMIN: %s", cmd->timer_id, strerror(err));
        break;
    case ENOTTY:
        hsxctl_error("this hsx.ko cannot cancel timers through %s: %s", ctl, strerror(err));
        break;
    default:
        hsxctl_error("cannot cancel timer %u: %s", cmd->timer_id, strerror(err));
    }
    return HSXCTL_EXIT_FAILURE;
}

/* ---- list ----------------------------------------------------------------------------- */

static bool all_digits(const char *text)
{
    if (!*text)
        return false;
    for (; *text; text++) {
        if (*text < '0' || *text > '9')
            return false;
    }
    return true;
}

int cmd_timer_list(const struct hsxctl_cmdline *cmd)
{
    struct sysfs_dir timers, timer;
    size_t shown = 0;

    if (!require_hsx_loaded())
        return HSXCTL_EXIT_FAILURE;
    int ret = sysfs_read_dir(TIMER_SYSFS, &timers);
    if (ret < 0) {
        hsxctl_error("cannot read %s: %s", TIMER_SYSFS, strerror(-ret));
        return HSXCTL_EXIT_FAILURE;
    }

    if (cmd->json)
        putchar('[');
    /* Each timer is a directory named by its ID; anything else is not a timer. */
    for (size_t i = 0; i < timers.nentries; i++) {
        char path[512];

        if (!all_digits(timers.entries[i]))
            continue;
        snprintf(path, sizeof(path), "%s/%s", TIMER_SYSFS, timers.entries[i]);
        /* The timer may be gone since the directory was listed. */
        if (sysfs_read_dir(path, &timer) < 0)
            continue;
        if (cmd->json) {
            printf("%s{\"id\":%s", shown ? "," : "", timers.entries[i]);
            for (size_t k = 0; k < timer.nattrs; k++) {
                putchar(',');
                json_string(stdout, timer.attrs[k].name);
                putchar(':');
                if (timer.attrs[k].value)
                    json_value(stdout, timer.attrs[k].value);
                else
                    fputs("null", stdout);
            }
            putchar('}');
        } else {
            printf("timer %s:", timers.entries[i]);
            for (size_t k = 0; k < timer.nattrs; k++) {
                printf(" %s=", timer.attrs[k].name);
                print_text(stdout, timer.attrs[k].value ? timer.attrs[k].value : "?");
            }
            putchar('\n');
        }
        sysfs_free_dir(&timer);
        shown++;
    }
    if (cmd->json)
        puts("]");
    else if (shown == 0)
        puts("no timers");
    sysfs_free_dir(&timers);
    return HSXCTL_EXIT_OK;
}
