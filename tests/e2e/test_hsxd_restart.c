/* SPDX-License-Identifier: MIT */
/*
 * hsxd killed (SIGKILL, no goodbye) and started again, several times, while
 * applications keep using their capabilities and new ones keep asking for
 * theirs: the capabilities are the kernel's, so a holder's work goes on
 * without an error while hsxd is away; its renewals (a short lifetime makes
 * them frequent) wait for the next hsxd, which adopts every live capability;
 * an application that asked while hsxd was away gets a clear error, never a
 * hang, and the next one gets its capability again. (issue 12, item 5)
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "e2e.h"
#include "hsx_cap.h"
#include "hsx_timer.h"
#include "hsx_uapi.h"
#include "hsxd_run.h"

#define APP_UID 1000
#define RESTARTS 6
/*
 * Renewals come 2/3 into a capability's life and retry until its end: 30 s
 * leaves 10 s of retries, more than a restart takes on the debug kernel
 * beside two other guests on 2 cores (8 s left 2.7 s, and a restart there
 * took longer: the capability rightly ended; 15 s left 5 s and 20 s left
 * 6.7 s, and once each in a fresh make check the next hsxd found nothing
 * live to adopt: hsxd was away for up to 6 s at a time, by the kernel's
 * denials of newcomers), and the run (about 39 s at least: six restarts
 * 5.7 s apart, then 5 s) outlives a lifetime, so the holder's capability
 * must be renewed across restarts to last. Few restarts far apart, not many
 * close together: hsxd's start takes the debug kernel 0.4 s alone, seconds
 * beside make check's other guests.
 */
#define LIFETIME_S 30
#define BETWEEN_S 5

static const char policy[] = "version = 1;\n"
                             "lifetime = 30;\n"
                             "rules = (\n"
                             "  { name = \"restart\"; match = { uid = 1000; };\n"
                             "    timer = { max_timers = 4; rights = [\"read\", \"write\"]; }; }\n"
                             ");\n";

static struct hsxd_run hsxd;

/*
 * The holder: takes its capability, tells the parent its ID, then creates
 * and cancels timers until told to stop; every call must succeed. Reports
 * how many rounds it made and the capability it holds at the end.
 */
static int holder(struct app *a)
{
    hsx_cap_info_t cap;
    unsigned int rounds = 0;
    char go = 0;

    hsx_timer_t t = hsx_timer_create(100000, HSX_TIMER_PERIODIC);
    APP_CHECK(!HSX_TIMER_IS_ERROR(t));
    APP_CHECK(hsx_timer_cancel(t) == HSX_HAL_OK);
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_TIMER, &cap) == HSX_HAL_OK);
    tell(a->out, &cap.id, sizeof(cap.id));
    for (;;) {
        struct pollfd pfd = {.fd = a->in, .events = POLLIN};
        if (poll(&pfd, 1, 0) == 1)
            break;
        t = hsx_timer_create(100000, HSX_TIMER_PERIODIC);
        if (HSX_TIMER_IS_ERROR(t)) {
            fprintf(stderr, "holder: round %u: hsx_timer_create: %d (errno %d)\n", rounds, (int)t,
                    hsx_hal_errno());
            return 1;
        }
        APP_CHECK(hsx_timer_cancel(t) == HSX_HAL_OK);
        rounds++;
        usleep(2000);
    }
    APP_CHECK(read(a->in, &go, 1) == 1);
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_TIMER, &cap) == HSX_HAL_OK);
    tell(a->out, &rounds, sizeof(rounds));
    tell(a->out, &cap.id, sizeof(cap.id));
    return 0;
}

/* A newcomer: asks for a timer once. 0 it got one, 2 a clear refusal or error. */
static int newcomer(struct app *a)
{
    (void)a;
    /* The library says on stderr that hsxd is away, hundreds of times: the count is enough. */
    if (!freopen("/dev/null", "w", stderr))
        return 1;
    hsx_timer_t t = hsx_timer_create(100000, HSX_TIMER_PERIODIC);
    if (HSX_TIMER_IS_ERROR(t))
        return 2;
    return hsx_timer_cancel(t) == HSX_HAL_OK ? 0 : 1;
}

static atomic_int loading;
static atomic_int newcomers_ok, newcomers_refused, newcomers_wrong;

/*
 * New applications, one after another, for as long as the test runs: ten a
 * second at most, several each time hsxd is away. Back to back they kept a
 * CPU busy for the whole run (a TCG guest's, on every kernel's run) and made
 * each restart slower, for nothing more to see.
 */
#define NEWCOMER_GAP_US 100000

static void *load(void *arg)
{
    (void)arg;
    for (bool first = true; atomic_load(&loading); first = false) {
        if (!first)
            usleep(NEWCOMER_GAP_US);
        uint64_t start = e2e_now_ms();
        int rc = run_app(newcomer, APP_UID);
        if (e2e_now_ms() - start > E2E_LIVENESS_MS) {
            fprintf(stderr, "a newcomer took %llu ms\n",
                    (unsigned long long)(e2e_now_ms() - start));
            atomic_fetch_add(&newcomers_wrong, 1);
        } else if (rc == 0) {
            atomic_fetch_add(&newcomers_ok, 1);
        } else if (rc == 2) {
            atomic_fetch_add(&newcomers_refused, 1);
        } else {
            fprintf(stderr, "a newcomer ended with %d\n", rc);
            atomic_fetch_add(&newcomers_wrong, 1);
        }
    }
    return NULL;
}

static struct app h;
static pthread_t loader;

/* Whatever a failed assertion left running: the loader, the holder, hsxd. */
static int teardown(void **state)
{
    (void)state;
    if (atomic_exchange(&loading, 0))
        pthread_join(loader, NULL);
    if (h.pid > 0) {
        kill(h.pid, SIGKILL);
        waitpid(h.pid, NULL, 0);
        h.pid = 0;
    }
    hsxd_run_stop(&hsxd);
    return 0;
}

static void hsxd_killed_and_restarted_under_load(void **state)
{
    uint64_t id = 0, id_end = 0;
    unsigned int rounds = 0;
    (void)state;

    assert_int_equal(hsxd_run_start(&hsxd, "restart-hsxd", policy), 0);
    const uint64_t began = e2e_now_ms();
    start_app(&h, holder, APP_UID);
    assert_true(hear(h.from_app, &id, sizeof(id)));
    assert_true(id != 0);
    atomic_store(&loading, 1);
    if (pthread_create(&loader, NULL, load, NULL)) {
        atomic_store(&loading, 0); /* no loader for the teardown to join */
        fail_msg("pthread_create");
    }

    for (int i = 0; i < RESTARTS; i++) {
        char text[64];

        sleep(BETWEEN_S);
        assert_int_equal(kill(hsxd.pid, SIGKILL), 0);
        assert_int_equal(waitpid(hsxd.pid, NULL, 0), hsxd.pid);
        hsxd.pid = 0;
        /* Away for long enough that renewals and newcomers find nobody. */
        const uint64_t away = e2e_now_ms();
        /* One asks now, while nobody answers: a clear error, and soon. */
        int rc = run_app(newcomer, APP_UID);
        uint64_t took = e2e_now_ms() - away;
        if (rc != 2 || took > E2E_LIVENESS_MS)
            fail_msg("restart %d: a newcomer while hsxd was away ended with %d after %llu ms", i,
                     rc, (unsigned long long)took);
        if (took < 700)
            usleep((useconds_t)(700 - took) * 1000);
        unlink(HSXD_SOCKET_PATH); /* what a killed hsxd leaves; the next one replaces it */
        hsxd_run_stop(&hsxd);
        assert_int_equal(hsxd_run_start(&hsxd, "restart-hsxd", policy), 0);
        /* The holder's capability, and every other live one, is the new hsxd's. */
        for (uint64_t start = e2e_now_ms();
             !hsxd_run_logged(&hsxd, "adopted") && e2e_now_ms() - start < E2E_LIVENESS_MS;)
            usleep(50000);
        assert_true(hsxd_run_logged(&hsxd, "adopted"));
        snprintf(text, sizeof(text), "adopted 0 live");
        assert_false(hsxd_run_logged(&hsxd, text));
    }
    sleep(BETWEEN_S);
    atomic_store(&loading, 0);
    assert_int_equal(pthread_join(loader, NULL), 0);

    tell(h.to_app, "x", 1);
    assert_true(hear(h.from_app, &rounds, sizeof(rounds)));
    assert_true(hear(h.from_app, &id_end, sizeof(id_end)));
    const pid_t holder_pid = h.pid;
    int holder_rc = finish_app(&h);
    h.pid = 0; /* reaped: the teardown must not signal the number again */
    assert_int_equal(holder_rc, 0);
    printf("# %d restarts: the holder made %u rounds without an error on capability %llu "
           "throughout; newcomers: %d served, %d refused while hsxd was away\n",
           RESTARTS, rounds, (unsigned long long)id, atomic_load(&newcomers_ok),
           atomic_load(&newcomers_refused));
    /* The same capability from start to end, past its lifetime: renewed, never re-acquired. */
    assert_int_equal(id_end, id);
    assert_true(e2e_now_ms() - began > 1000 * (LIFETIME_S + 1));
    assert_true(rounds > 0);
    assert_true(atomic_load(&newcomers_ok) > 0);
    /* Every newcomer was served or refused, none hung or failed otherwise. */
    assert_int_equal(atomic_load(&newcomers_wrong), 0);
    /* The last hsxd saw the holder go. */
    char ended[96];
    snprintf(ended, sizeof(ended), "capability %llu of pid %d", (unsigned long long)id,
             (int)holder_pid);
    for (uint64_t start = e2e_now_ms();
         !hsxd_run_logged(&hsxd, ended) && e2e_now_ms() - start < E2E_LIVENESS_MS;)
        usleep(50000);
    assert_true(hsxd_run_logged(&hsxd, ended));
    hsxd_run_stop(&hsxd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(hsxd_killed_and_restarted_under_load, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
