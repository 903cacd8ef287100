/* SPDX-License-Identifier: MIT */
/*
 * Timer jitter: a 1 kHz periodic hsx timer delivered to a callback, against
 * the peer baseline, a timerfd read loop, in the same process and VM run.
 * Jitter is |interval between two deliveries - period|, taken with
 * CLOCK_MONOTONIC where the application sees the event. Prints p50 and p99
 * of both and their ratios (hsx / timerfd; below 1 means hsx is steadier).
 * No pass/fail: absolute times in a TCG guest are noise, ratios are not.
 *
 * The sides take turns, ROUNDS rounds of SAMPLES / ROUNDS intervals each,
 * the order rotating from round to round, each round with a new timer: a
 * stretch of host load (a TCG guest's clock is the host's) falls on every
 * side alike instead of on whichever ran then.
 *
 * 12000 intervals in 60 rounds (3000 in 10 until session 24): a p99 is the
 * 1% of intervals a host stall hit, 30 of 3000 for each side. Four times the
 * intervals, in rounds two thirds as long, rest it on 120 and share the stalls
 * out more evenly. What is left of the run-to-run spread of the p99 ratio is
 * the host's state from one run to the next (Documentation/analysis/
 * event-latency-log.md, "Session 24: a p99 on 120 intervals").
 */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <hsx_timer.h>

#define PERIOD_US 1000
#define SAMPLES 12000
#define ROUNDS 60
#define WARMUP 10 /* deliveries left out at the start of each round */

struct series {
    double jitter_us[SAMPLES];
    unsigned int n;
    unsigned int goal; /* n at the end of this round */
    uint64_t last_ns;
    unsigned int seen;
};

static void series_round(struct series *s)
{
    s->goal = s->n + SAMPLES / ROUNDS;
    s->last_ns = 0;
    s->seen = 0;
}

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Record one delivery; returns 1 when the series is full. */
static int record(struct series *s, uint64_t t)
{
    if (s->seen++ >= WARMUP && s->last_ns && s->n < s->goal)
        s->jitter_us[s->n++] = fabs((double)(t - s->last_ns) / 1000.0 - PERIOD_US);
    s->last_ns = t;
    return s->n >= s->goal;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double percentile(struct series *s, double p)
{
    qsort(s->jitter_us, s->n, sizeof(double), cmp_double);
    return s->jitter_us[(unsigned int)((s->n - 1) * p)];
}

static struct series hsx_series, wait_series, timerfd_series;
/* The blocking wait's records less those read behind (below): one per wake-up, as timerfd's. */
static struct series folded_series;
/*
 * Lateness: how late each event is against the timer's own schedule, the
 * n-th expiry due at start + n periods, measured from the first expiry the
 * record or read covers (a record that folds missed periods, or a timerfd
 * read counting several, is as late as its oldest expiry: not capped at a
 * period). The start is not known to the microsecond, so each value is
 * t - n * period less the smallest of the series: the lateness past the
 * least late event (of its round: each round's timer starts anew). For the blocking wait twice, at
 * the kernel's stamp (tick_us: when hsx.ko's hrtimer callback ran) and where the application has
 * it; for timerfd where the application has it.
 */
struct lateness {
    double us[SAMPLES];
    unsigned int n;
    unsigned int round_start;
};

/* A round's values, made relative to that round's least late one. */
static void late_round_end(struct lateness *l)
{
    double least = 0;

    for (unsigned int i = l->round_start; i < l->n; i++)
        if (i == l->round_start || l->us[i] < least)
            least = l->us[i];
    for (unsigned int i = l->round_start; i < l->n; i++)
        l->us[i] -= least;
    l->round_start = l->n;
}

static struct lateness late_kernel, late_wait, late_timerfd;
/*
 * Missed periods, in periods on both sides. hsx: those hsx.ko folded into a
 * record (the sum of overruns), and those the application fell behind on
 * (records read a period or more after their stamp: the next expiry was due
 * already; each a near-zero interval, a jitter near the period). timerfd:
 * the expirations one read counts beyond the first (the sum of
 * expirations - 1). Events hsx lost (dropped) are counted apart.
 */
static uint64_t folded_wait, behind_wait, dropped_wait, folded_timerfd;

static void late_add(struct lateness *l, uint64_t t_ns, uint64_t periods)
{
    if (l->n < SAMPLES)
        l->us[l->n++] = (double)t_ns / 1000.0 - (double)periods * PERIOD_US;
}
static pthread_mutex_t done_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static int hsx_done; /* this round's */

static void on_expiry(void *data, uint32_t length, void *user)
{
    (void)data;
    (void)length;
    (void)user;
    if (hsx_done)
        return;
    if (record(&hsx_series, now_ns())) {
        pthread_mutex_lock(&done_lock);
        hsx_done = 1;
        pthread_cond_signal(&done_cond);
        pthread_mutex_unlock(&done_lock);
    }
}

static int run_hsx(void)
{
    hsx_timer_t t = hsx_timer_create(PERIOD_US, HSX_TIMER_PERIODIC);
    int ret;

    if (HSX_TIMER_IS_ERROR(t)) {
        fprintf(stderr, "timer_jitter: hsx_timer_create: %s\n",
                hsx_hal_strerror(HSX_TIMER_ERROR(t)));
        return -1;
    }
    pthread_mutex_lock(&done_lock);
    series_round(&hsx_series);
    hsx_done = 0;
    pthread_mutex_unlock(&done_lock);
    ret = hsx_timer_set_callback(t, on_expiry, NULL);
    if (ret != HSX_HAL_OK) {
        fprintf(stderr, "timer_jitter: set_callback: %s\n", hsx_hal_strerror(ret));
        hsx_timer_cancel(t);
        return -1;
    }
    pthread_mutex_lock(&done_lock);
    while (!hsx_done)
        pthread_cond_wait(&done_cond, &done_lock);
    pthread_mutex_unlock(&done_lock);
    hsx_timer_cancel(t);
    return 0;
}

/* The library's blocking style: one wait on the timer's queue file per expiry. */
static int run_hsx_wait(void)
{
    hsx_timer_t t = hsx_timer_create(PERIOD_US, HSX_TIMER_PERIODIC);
    hsx_timer_event_ex_t ev;
    int ret;

    if (HSX_TIMER_IS_ERROR(t)) {
        fprintf(stderr, "timer_jitter: hsx_timer_create: %s\n",
                hsx_hal_strerror(HSX_TIMER_ERROR(t)));
        return -1;
    }
    uint64_t t_ns;

    series_round(&wait_series);
    series_round(&folded_series);
    do {
        ret = hsx_timer_wait_event(t, &ev, 1000);
        if (ret != HSX_HAL_OK) {
            fprintf(stderr, "timer_jitter: wait: %s\n", hsx_hal_strerror(ret));
            hsx_timer_cancel(t);
            return -1;
        }
        t_ns = now_ns();
        if (wait_series.seen >= WARMUP) {
            /* The first expiry this record covers: overruns periods before its own. */
            uint64_t first = ev.expirations - ev.overruns;

            late_add(&late_kernel, ev.tick_us * 1000u, first);
            late_add(&late_wait, t_ns, first);
            folded_wait += ev.overruns;
            behind_wait += t_ns / 1000u >= ev.tick_us + PERIOD_US;
            dropped_wait += ev.dropped;
        }
        if (t_ns / 1000u < ev.tick_us + PERIOD_US)
            record(&folded_series, t_ns);
    } while (!record(&wait_series, t_ns));
    hsx_timer_cancel(t);
    late_round_end(&late_kernel);
    late_round_end(&late_wait);
    return 0;
}

static int run_timerfd(void)
{
    struct itimerspec its = {.it_interval = {0, PERIOD_US * 1000},
                             .it_value = {0, PERIOD_US * 1000}};
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    uint64_t expirations, periods = 0;

    if (fd < 0 || timerfd_settime(fd, 0, &its, NULL)) {
        fprintf(stderr, "timer_jitter: timerfd: %s\n", strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    series_round(&timerfd_series);
    for (;;) {
        if (read(fd, &expirations, sizeof(expirations)) != sizeof(expirations)) {
            fprintf(stderr, "timer_jitter: timerfd read: %s\n", strerror(errno));
            close(fd);
            return -1;
        }
        uint64_t t_ns = now_ns();

        periods += expirations;
        if (timerfd_series.seen >= WARMUP) {
            /* The first expiry this read covers. */
            late_add(&late_timerfd, t_ns, periods - expirations + 1);
            folded_timerfd += expirations - 1;
        }
        if (record(&timerfd_series, t_ns))
            break;
    }
    close(fd);
    late_round_end(&late_timerfd);
    return 0;
}

/* p50 and p99 of l (each round's values relative to its least late one). */
static void late_percentiles(struct lateness *l, double *p50, double *p99)
{
    static struct series s;

    s.n = l->n;
    memcpy(s.jitter_us, l->us, l->n * sizeof(l->us[0]));
    *p50 = l->n ? percentile(&s, 0.50) : 0;
    *p99 = l->n ? percentile(&s, 0.99) : 0;
}

int main(void)
{
    double h50, h99, w50, w99, f50, f99, t50, t99, k50, k99, w_late50, w_late99, t_late50, t_late99;

    int (*const side[])(void) = {run_timerfd, run_hsx_wait, run_hsx};
    const unsigned int sides = sizeof(side) / sizeof(side[0]);

    for (unsigned int r = 0; r < ROUNDS; r++)
        for (unsigned int i = 0; i < sides; i++)
            if (side[(r + i) % sides]())
                return EXIT_FAILURE;
    h50 = percentile(&hsx_series, 0.50);
    h99 = percentile(&hsx_series, 0.99);
    f50 = folded_series.n ? percentile(&folded_series, 0.50) : NAN;
    f99 = folded_series.n ? percentile(&folded_series, 0.99) : NAN;
    w50 = percentile(&wait_series, 0.50);
    w99 = percentile(&wait_series, 0.99);
    t50 = percentile(&timerfd_series, 0.50);
    t99 = percentile(&timerfd_series, 0.99);
    late_percentiles(&late_kernel, &k50, &k99);
    late_percentiles(&late_wait, &w_late50, &w_late99);
    late_percentiles(&late_timerfd, &t_late50, &t_late99);

    printf("timer jitter, 1 kHz, %u intervals each in %u alternating rounds, "
           "|interval - period| in us\n",
           SAMPLES, ROUNDS);
    printf("  %-22s %10s %10s\n", "", "p50", "p99");
    printf("  %-22s %10.1f %10.1f\n", "hsx timer callback", h50, h99);
    printf("  %-22s %10.1f %10.1f\n", "hsx blocking wait", w50, w99);
    if (folded_series.n)
        printf("  %-22s %10.1f %10.1f\n", "hsx wait, folded", f50, f99);
    else
        printf("  %-22s %10s %10s\n", "hsx wait, folded", "n/a", "n/a");
    printf("  %-22s %10.1f %10.1f\n", "timerfd read loop", t50, t99);
    printf("  missed periods: hsx wait %llu folded by hsx.ko + %llu read a period late, "
           "%llu events dropped; timerfd %llu folded into reads\n",
           (unsigned long long)folded_wait, (unsigned long long)behind_wait,
           (unsigned long long)dropped_wait, (unsigned long long)folded_timerfd);
    printf("  lateness past the least late event, from the first expiry covered, us:\n");
    printf("  %-22s %10.1f %10.1f\n", "hsx wait, kernel stamp", k50, k99);
    printf("  %-22s %10.1f %10.1f\n", "hsx wait, application", w_late50, w_late99);
    printf("  %-22s %10.1f %10.1f\n", "timerfd, application", t_late50, t_late99);
    printf("  %-22s %10.2f %10.2f\n", "ratio hsx/timerfd", t50 > 0 ? h50 / t50 : 0.0,
           t99 > 0 ? h99 / t99 : 0.0);
    printf("  %-22s %10.2f %10.2f\n", "ratio wait/timerfd", t50 > 0 ? w50 / t50 : 0.0,
           t99 > 0 ? w99 / t99 : 0.0);
    printf("BENCH timer_jitter hsx_p50_us=%.1f hsx_p99_us=%.1f wait_p50_us=%.1f wait_p99_us=%.1f "
           "timerfd_p50_us=%.1f timerfd_p99_us=%.1f late_kernel_p50_us=%.1f "
           "late_kernel_p99_us=%.1f late_wait_p50_us=%.1f late_wait_p99_us=%.1f "
           "late_timerfd_p50_us=%.1f late_timerfd_p99_us=%.1f folded_p50_us=%.1f "
           "folded_p99_us=%.1f missed_wait_kernel=%llu missed_wait_app=%llu dropped_wait=%llu "
           "missed_timerfd=%llu\n",
           h50, h99, w50, w99, t50, t99, k50, k99, w_late50, w_late99, t_late50, t_late99, f50, f99,
           (unsigned long long)folded_wait, (unsigned long long)behind_wait,
           (unsigned long long)dropped_wait, (unsigned long long)folded_timerfd);
    return EXIT_SUCCESS;
}
