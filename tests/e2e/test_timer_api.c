/* SPDX-License-Identifier: MIT */
/*
 * The spec's timer API against the real module: ticks, one-shot and periodic
 * waits, overrun accounting, callbacks, cancel, and a periodic timer
 * following its reader's CPU.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "e2e.h"
#include "hsx_timer.h"
#include "hsx_uapi.h"

static uint64_t monotonic_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * A failed assertion jumps out of a test (cmocka), leaving its timers behind,
 * their callbacks and threads still running: every test's teardown cancels
 * the timers it made (timer_made()), and callbacks' states are static, so
 * that a callback never writes to a stack frame that is gone, and a failure
 * fails one test, not the ones after it.
 */
static hsx_timer_t made[8];
static unsigned int n_made;

static hsx_timer_t timer_made(uint32_t period_us, hsx_timer_type_t type)
{
    hsx_timer_t t = hsx_timer_create(period_us, type);

    if (!HSX_TIMER_IS_ERROR(t)) {
        assert_true(n_made < sizeof(made) / sizeof(made[0])); /* made[] is too small */
        made[n_made++] = t;
    }
    return t;
}

/* The test cancelled t itself: its teardown need not (a test that makes many, one by one). */
static int cancel_one_made(hsx_timer_t t)
{
    int ret = hsx_timer_cancel(t);

    for (unsigned int i = 0; i < n_made; i++) {
        if (made[i] == t) {
            made[i] = made[--n_made];
            break;
        }
    }
    return ret;
}

/* Those the test cancelled already are unknown by now: an error, ignored. */
static int cancel_made(void **state)
{
    (void)state;
    while (n_made)
        hsx_timer_cancel(made[--n_made]);
    return 0;
}

static void tick_is_monotonic_microseconds(void **state)
{
    (void)state;
    uint64_t before = monotonic_us();
    uint64_t tick = hsx_timer_get_tick();
    uint64_t after = monotonic_us();

    assert_int_equal(hsx_timer_get_freq(), 1000000);
    assert_true(before <= tick);
    assert_true(tick <= after);
    assert_true(hsx_timer_get_tick() >= tick);
}

static void sleep_sleeps_at_least(void **state)
{
    (void)state;
    uint64_t start = monotonic_us();

    hsx_timer_sleep_ms(20);
    assert_true(monotonic_us() - start >= 20000);
    start = monotonic_us();
    hsx_timer_sleep_us(3000);
    assert_true(monotonic_us() - start >= 3000);
}

static void one_shot_fires_once(void **state)
{
    (void)state;
    hsx_timer_event_ex_t ev;
    hsx_timer_t t = timer_made(10000, HSX_TIMER_ONE_SHOT);

    assert_false(HSX_TIMER_IS_ERROR(t));
    assert_int_equal(hsx_timer_wait_event(t, &ev, E2E_LIVENESS_MS), HSX_HAL_OK);
    assert_int_equal(ev.timer_id, t);
    assert_int_equal(ev.expirations, 1);
    assert_int_equal(ev.overruns, 0);
    assert_int_equal(ev.seq, 1);
    assert_int_equal(ev.dropped, 0);
    /* Fired once: a further wait times out. */
    assert_int_equal(hsx_timer_wait(t, 100), HSX_HAL_TIMEOUT);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/timer/%u/armed", t), 0);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/timer/%u/one_shot", t), 1);
    assert_int_equal(hsx_timer_cancel(t), HSX_HAL_OK);
    assert_false(e2e_exists("/sys/hal/timer/%u", t));
}

/*
 * Every period is accounted for: each event reports the periods it missed,
 * so expirations == sum(1 + overruns) over the events, with none dropped.
 */
static void periodic_accounts_for_every_period(void **state)
{
    (void)state;
    hsx_timer_event_ex_t ev;
    uint64_t periods = 0, last_seq = 0, overruns = 0;
    hsx_timer_t t = timer_made(1000, HSX_TIMER_PERIODIC);
    int i;

    assert_false(HSX_TIMER_IS_ERROR(t));
    assert_int_equal(e2e_sysfs_u64("/sys/hal/timer/%u/period_us", t), 1000);
    for (i = 0; i < 50; i++) {
        assert_int_equal(hsx_timer_wait_event(t, &ev, E2E_LIVENESS_MS), HSX_HAL_OK);
        assert_int_equal(ev.timer_id, t);
        assert_int_equal(ev.seq, last_seq + 1);
        assert_int_equal(ev.dropped, 0);
        periods += 1 + ev.overruns;
        overruns += ev.overruns;
        assert_int_equal(ev.expirations, periods);
        last_seq = ev.seq;
    }
    printf("# 50 events covered %llu periods (%llu overruns)\n", (unsigned long long)periods,
           (unsigned long long)overruns);
    assert_int_equal(hsx_timer_cancel(t), HSX_HAL_OK);
}

/* A 100 us timer misses periods in a slow guest; each one must be reported. */
static void fast_timer_reports_missed_periods(void **state)
{
    (void)state;
    hsx_timer_event_ex_t ev;
    uint64_t periods = 0, overruns = 0, deadline = e2e_now_ms() + E2E_LIVENESS_MS;
    hsx_timer_t t = timer_made(100, HSX_TIMER_PERIODIC);

    assert_false(HSX_TIMER_IS_ERROR(t));
    while (e2e_now_ms() < deadline) {
        assert_int_equal(hsx_timer_wait_event(t, &ev, E2E_LIVENESS_MS), HSX_HAL_OK);
        if (ev.dropped)
            break; /* accounting below needs an unbroken series */
        periods += 1 + ev.overruns;
        overruns += ev.overruns;
        assert_int_equal(ev.expirations, periods);
        if (overruns >= 3)
            break;
    }
    printf("# 100us timer: %llu periods, %llu overruns reported\n", (unsigned long long)periods,
           (unsigned long long)overruns);
    assert_true(e2e_sysfs_u64("/sys/hal/timer/%u/overruns", t) >= overruns);
    assert_int_equal(hsx_timer_cancel(t), HSX_HAL_OK);
}

struct callback_state {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    int count;
    hsx_timer_t timer;
    uint32_t last_tick;
    int bad;
    pthread_t thread;
};

static struct callback_state states[2] = {
    {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER},
    {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER},
};

/*
 * A timer whose callback thread is checked for where it blocks (see
 * the_dispatchers_one_file_wait_is_kicked()).
 */
#define BUSY_PERIOD_US 20000

/* states[i], as a test starts (the last test's callbacks ended in its teardown). */
static struct callback_state *fresh_state(int i)
{
    struct callback_state *cs = &states[i];

    pthread_mutex_lock(&cs->lock);
    cs->count = cs->bad = 0;
    cs->timer = 0;
    cs->last_tick = 0;
    memset(&cs->thread, 0, sizeof(cs->thread));
    pthread_mutex_unlock(&cs->lock);
    return cs;
}

static void on_expiry(void *data, uint32_t length, void *user)
{
    struct callback_state *cs = user;
    hsx_timer_event_t *ev = data;

    pthread_mutex_lock(&cs->lock);
    if (length != sizeof(*ev) || ev->timer_id != cs->timer || ev->tick < cs->last_tick)
        cs->bad++;
    cs->last_tick = ev->tick;
    cs->thread = pthread_self();
    cs->count++;
    pthread_cond_broadcast(&cs->cond);
    pthread_mutex_unlock(&cs->lock);
}

static void callback_runs_on_dispatcher_and_stops_when_removed(void **state)
{
    (void)state;
    struct callback_state *cs = fresh_state(0);
    struct timespec deadline;
    int count;

    cs->timer = timer_made(2000, HSX_TIMER_PERIODIC);
    assert_false(HSX_TIMER_IS_ERROR(cs->timer));
    assert_int_equal(hsx_timer_set_callback(cs->timer, on_expiry, cs), HSX_HAL_OK);
    /* With a callback set, waiting would race it: refused. */
    assert_int_equal(hsx_timer_wait(cs->timer, 10), HSX_HAL_BUSY);

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += E2E_LIVENESS_MS / 1000;
    pthread_mutex_lock(&cs->lock);
    while (cs->count < 10)
        if (pthread_cond_timedwait(&cs->cond, &cs->lock, &deadline))
            break;
    pthread_mutex_unlock(&cs->lock);
    assert_true(cs->count >= 10);
    assert_int_equal(cs->bad, 0);
    assert_false(pthread_equal(cs->thread, pthread_self()));

    assert_int_equal(hsx_timer_set_callback(cs->timer, NULL, NULL), HSX_HAL_OK);
    pthread_mutex_lock(&cs->lock);
    count = cs->count;
    pthread_mutex_unlock(&cs->lock);
    hsx_timer_sleep_ms(50);
    assert_int_equal(cs->count, count); /* not one callback after removal */
    /* Without the callback, waiting works again. */
    assert_int_equal(hsx_timer_wait(cs->timer, E2E_LIVENESS_MS), HSX_HAL_OK);
    assert_int_equal(hsx_timer_cancel(cs->timer), HSX_HAL_OK);
}

/*
 * The callback thread waits for a lone mailbox in its queue file's read(),
 * and gives the records it returns to the callback it reads then: a
 * replacement or removal either comes first (and the old callback gets
 * nothing) or waits for the callback to return. A busy timer, its callback
 * replaced and removed over and over at random moments of the thread's reads
 * and callbacks: a callback that ran once the call that replaced or removed
 * it had returned is counted (a call that never returned hangs the test),
 * and both the replaced and the replacing callbacks must have run.
 */
struct swap_state {
    atomic_int retired; /* set once the call that replaced or removed it returned */
    atomic_int late;    /* runs after that */
    atomic_int runs;
};

static void on_expiry_swapped(void *data, uint32_t length, void *user)
{
    struct swap_state *ss = user;
    (void)data;
    (void)length;

    atomic_fetch_add(&ss->runs, 1);
    if (atomic_load(&ss->retired))
        atomic_fetch_add(&ss->late, 1);
}

static void a_callback_replaced_or_removed_during_the_read_never_runs_after(void **state)
{
    (void)state;
    enum { ROUNDS = 150 };
    static struct swap_state ss[2 * ROUNDS];
    int late = 0, first_runs = 0, second_runs = 0;

    hsx_timer_t t = timer_made(500, HSX_TIMER_PERIODIC);
    assert_false(HSX_TIMER_IS_ERROR(t));
    srand(17);
    for (int i = 0; i < ROUNDS; i++) {
        struct swap_state *first = &ss[2 * i], *second = &ss[2 * i + 1];

        assert_int_equal(hsx_timer_set_callback(t, on_expiry_swapped, first), HSX_HAL_OK);
        usleep((useconds_t)(rand() % 1500));
        assert_int_equal(hsx_timer_set_callback(t, on_expiry_swapped, second), HSX_HAL_OK);
        atomic_store(&first->retired, 1);
        usleep((useconds_t)(rand() % 1500));
        assert_int_equal(hsx_timer_set_callback(t, NULL, NULL), HSX_HAL_OK);
        atomic_store(&second->retired, 1);
    }
    hsx_timer_sleep_ms(20);
    for (int i = 0; i < 2 * ROUNDS; i++) {
        late += atomic_load(&ss[i].late);
        *(i % 2 ? &second_runs : &first_runs) += atomic_load(&ss[i].runs);
    }
    printf("# %d callbacks replaced, %d replacing ones, over %d rounds\n", first_runs, second_runs,
           ROUNDS);
    assert_int_equal(late, 0);
    /* The timer reached both, round after round (some 450 periods of 500 us meanwhile). */
    assert_true(first_runs > ROUNDS / 4);
    assert_true(second_runs > ROUNDS / 4);
    assert_int_equal(hsx_timer_cancel(t), HSX_HAL_OK);
}

/*
 * Waits until *count (guarded by lock, its changes broadcast on cond) is at
 * least n, for the liveness bound at most; returns it.
 */
static int counter_reaches(pthread_mutex_t *lock, pthread_cond_t *cond, const int *count, int n)
{
    struct timespec deadline;

    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += E2E_LIVENESS_MS / 1000;
    pthread_mutex_lock(lock);
    while (*count < n)
        if (pthread_cond_timedwait(cond, lock, &deadline))
            break;
    int reached = *count;
    pthread_mutex_unlock(lock);
    return reached;
}

/* Waits until cs has counted at least n callbacks, for the liveness bound at most. */
static int count_reaches(struct callback_state *cs, int n)
{
    return counter_reaches(&cs->lock, &cs->cond, &cs->count, n);
}

/*
 * While one mailbox has a callback, the dispatcher waits in the read() of its
 * queue file, not on its ring (seen in /proc: blocked in read, not in
 * io_uring_enter): what other threads ask of it meanwhile must not wait for
 * that mailbox's next event (they kick the file). A timer a minute away has
 * the only callback; a second timer's callback set then runs at once (the
 * thread on its ring for two); once it is removed again the thread is back in
 * the first one's read, and removing that callback lets a wait on the timer
 * go on (it waits for the thread's read to end). The minute-long timer never
 * fires during the test: every wake-up of the quiet one's read is a kick.
 * Like the harness, it runs as root: a process holding a capability would
 * also have its capability watch's callback, two files, and its thread on
 * the ring throughout (lib/src/README.md). The second timer's 50 Hz keeps the
 * thread that serves it well within e2e_dispatcher_blocks_in()'s quarter of
 * a CPU on a guest starved by its host (at 500 Hz, one RT-kernel run under
 * make check's load was not seen blocked in 20 s).
 */
static void the_dispatchers_one_file_wait_is_kicked(void **state)
{
    (void)state;
    struct callback_state *quiet = fresh_state(0), *busy = fresh_state(1);

    quiet->timer = timer_made(60u * 1000 * 1000, HSX_TIMER_ONE_SHOT);
    assert_false(HSX_TIMER_IS_ERROR(quiet->timer));
    assert_int_equal(hsx_timer_set_callback(quiet->timer, on_expiry, quiet), HSX_HAL_OK);
    assert_true(e2e_dispatcher_blocks_in(SYS_read)); /* in the quiet timer's read() */

    for (int round = 0; round < 3; round++) {
        busy->count = 0;
        busy->timer = timer_made(BUSY_PERIOD_US, HSX_TIMER_PERIODIC);
        assert_false(HSX_TIMER_IS_ERROR(busy->timer));
        assert_int_equal(hsx_timer_set_callback(busy->timer, on_expiry, busy), HSX_HAL_OK);
        assert_true(count_reaches(busy, 5) >= 5);
        assert_true(e2e_dispatcher_blocks_in(SYS_io_uring_enter)); /* two: the ring */
        assert_int_equal(hsx_timer_cancel(busy->timer), HSX_HAL_OK);
        assert_true(e2e_dispatcher_blocks_in(SYS_read)); /* one again: its read */
    }
    assert_int_equal(busy->bad, 0);

    /* The quiet timer's wait: its callback removed first, its read ended by the removal. */
    assert_int_equal(hsx_timer_set_callback(quiet->timer, NULL, NULL), HSX_HAL_OK);
    assert_int_equal(hsx_timer_wait(quiet->timer, 20), HSX_HAL_TIMEOUT);
    assert_int_equal(quiet->count, 0);
    /* And a callback again, then the cancel ends its read: nothing is left waiting. */
    assert_int_equal(hsx_timer_set_callback(quiet->timer, on_expiry, quiet), HSX_HAL_OK);
    hsx_timer_sleep_ms(50);
    assert_int_equal(hsx_timer_cancel(quiet->timer), HSX_HAL_OK);
    assert_int_equal(quiet->count, 0);
}

/*
 * Makes every queue file of the process O_NONBLOCK (found by their name in
 * /proc), keeping their descriptors and old flags in fd[] and flags[] (at
 * most max). Returns how many.
 */
static int queue_files_nonblocking(int *fd, int *flags, int max)
{
    DIR *fds = opendir("/proc/self/fd");
    struct dirent *de;
    int n = 0;

    assert_non_null(fds);
    while ((de = readdir(fds))) {
        char path[300], target[64];
        ssize_t len;

        snprintf(path, sizeof(path), "/proc/self/fd/%s", de->d_name);
        len = readlink(path, target, sizeof(target) - 1);
        if (len <= 0)
            continue;
        target[len] = '\0';
        if (strcmp(target, "anon_inode:[hsx-mbox]"))
            continue;
        assert_true(n < max);
        fd[n] = atoi(de->d_name);
        flags[n] = fcntl(fd[n], F_GETFL);
        assert_true(flags[n] >= 0);
        assert_int_equal(fcntl(fd[n], F_SETFL, flags[n] | O_NONBLOCK), 0);
        n++;
    }
    closedir(fds);
    return n;
}

/* The queue files made O_NONBLOCK, with their flags before. */
static int nonblocking_fd[8], nonblocking_flags[8], n_nonblocking;

/* Their flags back (a test's end, or its teardown after a failure); 0, or -1. */
static int blocking_again(void **state)
{
    int ret = 0;

    (void)state;
    while (n_nonblocking) {
        n_nonblocking--;
        if (fcntl(nonblocking_fd[n_nonblocking], F_SETFL, nonblocking_flags[n_nonblocking]))
            ret = -1;
    }
    return ret;
}

static int blocking_again_and_cancel(void **state)
{
    blocking_again(state);
    return cancel_made(state);
}

/*
 * A file of the library's made O_NONBLOCK behind its back (the descriptor is
 * the process's, after all): the callback thread's one-file read then fails
 * at once, and the thread must go back to its ring (blocked in
 * io_uring_enter) rather than read again and again, and the events still
 * come. It spun, reading, before.
 */
static void a_non_blocking_file_keeps_the_dispatcher_on_its_ring(void **state)
{
    (void)state;
    struct callback_state *cs = fresh_state(0);

    cs->timer = timer_made(BUSY_PERIOD_US, HSX_TIMER_PERIODIC);
    assert_false(HSX_TIMER_IS_ERROR(cs->timer));
    assert_int_equal(hsx_timer_set_callback(cs->timer, on_expiry, cs), HSX_HAL_OK);
    assert_true(count_reaches(cs, 5) >= 5);
    assert_true(e2e_dispatcher_blocks_in(SYS_read)); /* its one file's read */
    n_nonblocking = queue_files_nonblocking(nonblocking_fd, nonblocking_flags, 8);
    assert_int_equal(n_nonblocking, 1); /* the timer's own: the process has no other */
    assert_true(e2e_dispatcher_blocks_in(SYS_io_uring_enter));
    int count = count_reaches(cs, 0);
    assert_true(count_reaches(cs, count + 10) >= count + 10); /* and on it, events */
    assert_int_equal(cs->bad, 0);
    assert_int_equal(blocking_again(NULL), 0);
    assert_int_equal(hsx_timer_cancel(cs->timer), HSX_HAL_OK);
}

/*
 * Read system calls the callback thread has made (/proc's io file: syscr), or
 * -1 where the kernel does not count them (Debian's kernels do).
 */
static long dispatcher_reads(void)
{
    /* None: a kernel without CONFIG_TASK_IO_ACCOUNTING (the debug kernel's). */
    FILE *f = e2e_dispatcher_proc_file("io");
    char line[64];
    long n = -1;

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "syscr: %ld", &n) == 1)
            break;
    fclose(f);
    return n;
}

#define BURST_PERIOD_US 5000

struct burst {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    hsx_timer_t timer;
    uint32_t last_tick;
    uint64_t periods; /* what the callbacks' expiries covered: each 1 + its overruns */
    int count, bad;
    int removed;   /* the callback removed itself (remove_at): 1 */
    int stall_at;  /* the callback with this count sleeps 100 ms: records pile up (0: none) */
    int remove_at; /* ... with this count removes itself (0: never) */
};

static void on_burst(void *data, uint32_t length, void *user)
{
    struct burst *b = user;
    hsx_timer_event_t *ev = data;

    pthread_mutex_lock(&b->lock);
    /* Ticks are the expiries' times in µs: strictly later each time, in order. */
    if (length != sizeof(*ev) || ev->timer_id != b->timer ||
        (b->count && (int32_t)(ev->tick - b->last_tick) <= 0))
        b->bad++;
    b->last_tick = ev->tick;
    b->periods += 1 + (uint64_t)ev->overruns;
    int count = ++b->count, stall_at = b->stall_at, remove_at = b->remove_at;
    pthread_cond_broadcast(&b->cond);
    pthread_mutex_unlock(&b->lock);
    if (count == stall_at)
        hsx_timer_sleep_ms(100);
    if (count == remove_at) {
        int ret = hsx_timer_set_callback(b->timer, NULL, NULL);

        pthread_mutex_lock(&b->lock);
        b->bad += ret != HSX_HAL_OK;
        b->removed = 1;
        pthread_cond_broadcast(&b->cond);
        pthread_mutex_unlock(&b->lock);
    }
}

/* Waits until the callback has removed itself, for the liveness bound at most. */
static bool burst_removed(struct burst *b)
{
    return counter_reaches(&b->lock, &b->cond, &b->removed, 1) > 0;
}

/*
 * The expiry after the callbacks', by a wait: the periods it covers follow
 * exactly on those the callbacks saw since base (periods elapsed then), so no
 * record between was lost or seen twice. Returns the periods elapsed at it.
 */
static uint64_t next_follows_callbacks(struct burst *b, uint64_t base)
{
    hsx_timer_event_ex_t ev;

    assert_int_equal(hsx_timer_wait_event(b->timer, &ev, E2E_LIVENESS_MS), HSX_HAL_OK);
    pthread_mutex_lock(&b->lock);
    uint64_t periods = b->periods;
    pthread_mutex_unlock(&b->lock);
    assert_int_equal(ev.dropped, 0);
    assert_int_equal(ev.expirations, base + periods + 1 + ev.overruns);
    return ev.expirations;
}

static int burst_count_reaches(struct burst *b, int n)
{
    return counter_reaches(&b->lock, &b->cond, &b->count, n);
}

static struct burst burst = {.lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER};

/* Also after a failed assertion: a timer left running would fail the tests after it. */
static int burst_teardown(void **state)
{
    (void)state;
    if (!HSX_TIMER_IS_ERROR(burst.timer))
        hsx_timer_cancel(burst.timer);
    burst.timer = 0;
    return 0;
}

/*
 * The callback thread's one-file read hands the first record it returns to
 * the callback at once, and the rest of that read's records through its
 * ready list: a callback that stalls lets a 200 Hz timer's records pile up,
 * and every one of them still comes, in order, with fewer reads than records
 * (reads returned several); a wait after the callback is removed gets the
 * very next expiry (the periods add up exactly). A callback that removes
 * itself while records of its read are left loses none either.
 */
static void a_read_of_many_records_reaches_the_callback_in_order(void **state)
{
    (void)state;
    struct burst *b = &burst;

    b->count = b->bad = b->stall_at = b->remove_at = 0;
    b->removed = 0;
    b->last_tick = 0;
    b->periods = 0;
    b->timer = hsx_timer_create(BURST_PERIOD_US, HSX_TIMER_PERIODIC);
    assert_false(HSX_TIMER_IS_ERROR(b->timer));
    assert_int_equal(hsx_timer_set_callback(b->timer, on_burst, b), HSX_HAL_OK);
    assert_true(burst_count_reaches(b, 3) >= 3);
    assert_true(e2e_dispatcher_blocks_in(SYS_read)); /* the one-file wait */
    long reads = dispatcher_reads();
    pthread_mutex_lock(&b->lock);
    int counted = b->count;
    b->stall_at = counted + 5;
    pthread_mutex_unlock(&b->lock);
    assert_true(burst_count_reaches(b, counted + 60) >= counted + 60);
    pthread_mutex_lock(&b->lock);
    int delivered = b->count - counted;
    pthread_mutex_unlock(&b->lock);
    if (reads >= 0) {
        long now = dispatcher_reads();
        assert_true(now >= reads);
        long more_reads = now - reads;
        printf("# %d records in %ld reads of the callback thread\n", delivered, more_reads);
        assert_true(more_reads < delivered);
    } else {
        printf("# %d records; reads not counted by this kernel (the stock kernels' runs count "
               "them)\n",
               delivered);
    }
    assert_int_equal(hsx_timer_set_callback(b->timer, NULL, NULL), HSX_HAL_OK);
    uint64_t base = next_follows_callbacks(b, 0);
    assert_int_equal(b->bad, 0);

    /* Removed from inside, with its read's rest unread: a wait gets the rest, in order. */
    pthread_mutex_lock(&b->lock);
    b->count = 0;
    b->periods = 0;
    b->stall_at = 2;
    b->remove_at = 3;
    pthread_mutex_unlock(&b->lock);
    assert_int_equal(hsx_timer_set_callback(b->timer, on_burst, b), HSX_HAL_OK);
    assert_true(burst_removed(b));
    hsx_timer_sleep_ms(20);
    pthread_mutex_lock(&b->lock);
    int count = b->count;
    pthread_mutex_unlock(&b->lock);
    assert_int_equal(count, 3); /* not one after the removal */
    next_follows_callbacks(b, base);
    assert_int_equal(b->bad, 0);
    assert_int_equal(hsx_timer_cancel(b->timer), HSX_HAL_OK);
    b->timer = 0;
}

static void cancel_stops_and_forgets(void **state)
{
    (void)state;
    uint64_t active = e2e_sysfs_u64("/sys/hal/timer/active");
    hsx_timer_t t = timer_made(500, HSX_TIMER_PERIODIC);

    assert_false(HSX_TIMER_IS_ERROR(t));
    assert_int_equal(e2e_sysfs_u64("/sys/hal/timer/active"), active + 1);
    assert_int_equal(hsx_timer_wait(t, E2E_LIVENESS_MS), HSX_HAL_OK);
    assert_int_equal(hsx_timer_cancel(t), HSX_HAL_OK);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/timer/active"), active);
    assert_int_equal(hsx_timer_cancel(t), HSX_HAL_INVALID_PARAM);
    assert_int_not_equal(hsx_timer_wait(t, 10), HSX_HAL_OK);
}

struct blocked_wait {
    hsx_timer_t timer;
    uint32_t timeout_ms;
    int ret;
    uint64_t returned_ms;
};

static void *wait_blocked(void *arg)
{
    struct blocked_wait *w = arg;

    w->ret = hsx_timer_wait(w->timer, w->timeout_ms);
    w->returned_ms = e2e_now_ms();
    return NULL;
}

/*
 * A thread blocked on a timer's queue file waits in the read alone (no
 * eventfd polled beside it): cancelling, which closes the library's handle,
 * ends that read by ending the subscription. With and without a deadline.
 */
static void cancel_ends_a_blocked_wait(void **state)
{
    const uint32_t timeouts[] = {HSX_HAL_TIMEOUT_INF, E2E_LIVENESS_MS};
    (void)state;

    for (size_t i = 0; i < sizeof(timeouts) / sizeof(timeouts[0]); i++) {
        static struct blocked_wait w; /* its thread may outlive a failed assertion */
        pthread_t thread;

        w = (struct blocked_wait){.timer = timer_made(HSX_TIMER_PERIOD_MAX_US, HSX_TIMER_ONE_SHOT),
                                  .timeout_ms = timeouts[i]};
        assert_false(HSX_TIMER_IS_ERROR(w.timer));
        assert_int_equal(pthread_create(&thread, NULL, wait_blocked, &w), 0);
        hsx_timer_sleep_ms(100); /* blocked in its read by now */
        uint64_t start = e2e_now_ms();
        assert_int_equal(cancel_one_made(w.timer), HSX_HAL_OK);
        assert_int_equal(pthread_join(thread, NULL), 0);
        assert_int_equal(w.ret, HSX_HAL_CLOSED);
        assert_true(w.returned_ms - start < 2000);
    }
}

/* Run the calling thread on @cpu only; 0 or an errno (threads other than cmocka's cannot assert).
 */
static int pin_to(int cpu)
{
    cpu_set_t set;

    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* Run the calling thread on any CPU again. */
static void unpin(void)
{
    cpu_set_t all;

    CPU_ZERO(&all);
    for (long cpu = 0; cpu < sysconf(_SC_NPROCESSORS_ONLN); cpu++)
        CPU_SET(cpu, &all);
    assert_int_equal(pthread_setaffinity_np(pthread_self(), sizeof(all), &all), 0);
}

struct follower {
    hsx_timer_t timer;
    int cpu;
    int events;
    uint64_t periods; /* in: so far; out: after this reader's events */
    uint64_t last_seq;
    int ret;
};

/* Take @events events on @cpu, checking the accounting stays unbroken. */
static void *follow_on(void *arg)
{
    struct follower *f = arg;
    hsx_timer_event_ex_t ev;

    f->ret = -pin_to(f->cpu);
    if (f->ret)
        return NULL;
    for (int i = 0; i < f->events; i++) {
        f->ret = hsx_timer_wait_event(f->timer, &ev, E2E_LIVENESS_MS);
        if (f->ret != HSX_HAL_OK)
            return NULL;
        if (ev.seq != f->last_seq + 1 || ev.dropped ||
            ev.expirations != f->periods + 1 + ev.overruns) {
            f->ret = -1000;
            return NULL;
        }
        f->periods = ev.expirations;
        f->last_seq = ev.seq;
    }
    return NULL;
}

/*
 * A periodic timer is armed on its creator's CPU and expires where its
 * reader reads, as timerfd's does (so each expiry wakes its reader on the
 * reader's own CPU): after events read on CPU 1, the last of them expired on
 * CPU 1 (/sys/hal's cpu, written by the expiry alone); after events read on
 * CPU 0, on CPU 0; and through both moves no period is lost or counted
 * twice. The VM has two CPUs (tests/vm/run -smp 2).
 */
static void a_periodic_timer_expires_on_its_readers_cpu(void **state)
{
    (void)state;
    struct follower f = {.events = 20};
    pthread_t thread;

    assert_true(sysconf(_SC_NPROCESSORS_ONLN) >= 2);
    assert_int_equal(pin_to(0), 0);
    f.timer = timer_made(2000, HSX_TIMER_PERIODIC);
    assert_false(HSX_TIMER_IS_ERROR(f.timer));
    for (int cpu = 1; cpu >= 0; cpu--) {
        f.cpu = cpu;
        assert_int_equal(pthread_create(&thread, NULL, follow_on, &f), 0);
        assert_int_equal(pthread_join(thread, NULL), 0);
        assert_int_equal(f.ret, HSX_HAL_OK);
        assert_int_equal(e2e_sysfs_u64("/sys/hal/timer/%u/cpu", f.timer), cpu);
    }
    assert_int_equal(hsx_timer_cancel(f.timer), HSX_HAL_OK);
    unpin();
}

struct mover {
    hsx_timer_t timer;
    int reads;
    int ret;
    int pin_err;
};

/* Read on CPU 0, then 1, then 0...: each read moves the timer, until it is cancelled. */
static void *move_until_cancelled(void *arg)
{
    struct mover *m = arg;
    hsx_timer_event_ex_t ev;

    for (;;) {
        m->pin_err = pin_to(m->reads & 1);
        if (m->pin_err)
            return NULL;
        m->ret = hsx_timer_wait_event(m->timer, &ev, E2E_LIVENESS_MS);
        if (m->ret != HSX_HAL_OK)
            return NULL;
        m->reads++;
    }
}

/*
 * Cancelling a timer while its reader moves it from CPU to CPU: the move
 * (from the reader's read) and the teardown (from the cancel) race; the
 * timer must stay stopped once cancelled and be freed only then (the debug
 * kernel's object tracking reports an hrtimer freed while queued, and KASAN
 * a move that reaches a freed timer), and the reader ends with the close.
 * 100 µs periods, cancelled after 0..4 ms, for at most 300 timers or 10 s.
 */
static void cancelling_while_its_reader_moves_it(void **state)
{
    (void)state;
    uint64_t deadline = e2e_now_ms() + 10000;
    int rounds = 0, reads = 0;

    assert_true(sysconf(_SC_NPROCESSORS_ONLN) >= 2);
    for (; rounds < 300 && e2e_now_ms() < deadline; rounds++) {
        static struct mover m; /* its thread may outlive a failed assertion */
        pthread_t thread;

        m = (struct mover){.timer = timer_made(100, HSX_TIMER_PERIODIC)};
        assert_false(HSX_TIMER_IS_ERROR(m.timer));
        assert_int_equal(pthread_create(&thread, NULL, move_until_cancelled, &m), 0);
        hsx_timer_sleep_ms(rounds % 5);
        assert_int_equal(cancel_one_made(m.timer), HSX_HAL_OK);
        assert_int_equal(pthread_join(thread, NULL), 0);
        assert_int_equal(m.pin_err, 0);
        /* Ended by the cancel: closed while waiting, or no such timer at the next wait. */
        assert_true(m.ret != HSX_HAL_OK && m.ret != HSX_HAL_TIMEOUT);
        reads += m.reads;
    }
    printf("# %d timers cancelled while their readers moved them (%d reads)\n", rounds, reads);
    assert_true(reads > 0);
    /* None of them expires any more: not one left running by a move after its cancel. */
    uint64_t expired = e2e_sysfs_u64("/sys/hal/timer/expirations");
    hsx_timer_sleep_ms(20);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/timer/expirations"), expired);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(tick_is_monotonic_microseconds, cancel_made),
        cmocka_unit_test_teardown(sleep_sleeps_at_least, cancel_made),
        cmocka_unit_test_teardown(one_shot_fires_once, cancel_made),
        cmocka_unit_test_teardown(periodic_accounts_for_every_period, cancel_made),
        cmocka_unit_test_teardown(fast_timer_reports_missed_periods, cancel_made),
        cmocka_unit_test_teardown(callback_runs_on_dispatcher_and_stops_when_removed, cancel_made),
        cmocka_unit_test_teardown(a_callback_replaced_or_removed_during_the_read_never_runs_after,
                                  cancel_made),
        cmocka_unit_test_teardown(the_dispatchers_one_file_wait_is_kicked, cancel_made),
        cmocka_unit_test_teardown(a_non_blocking_file_keeps_the_dispatcher_on_its_ring,
                                  blocking_again_and_cancel),
        cmocka_unit_test_teardown(a_read_of_many_records_reaches_the_callback_in_order,
                                  burst_teardown),
        cmocka_unit_test_teardown(cancel_stops_and_forgets, cancel_made),
        cmocka_unit_test_teardown(cancel_ends_a_blocked_wait, cancel_made),
        cmocka_unit_test_teardown(a_periodic_timer_expires_on_its_readers_cpu, cancel_made),
        cmocka_unit_test_teardown(cancelling_while_its_reader_moves_it, cancel_made),
    };

    return cmocka_run_group_tests_name("e2e_timer_api", tests, NULL, NULL);
}
