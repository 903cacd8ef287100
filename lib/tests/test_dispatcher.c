// SPDX-License-Identifier: MIT
/* Callbacks on the dispatcher thread, fed through socket pairs. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <semaphore.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/dispatcher.h"
#include "core/dispatcher_impl.h"
#include "core/mailbox.h"
#include "helpers.h"

#define MAX_RECORDED 512

enum action {
    ACTION_NONE,
    ACTION_REMOVE_SELF, /* set_callback(mb, NULL) from inside the callback */
    ACTION_CLOSE_SELF,  /* hsx_mailbox_close(mb) from inside the callback */
};

struct recorder {
    pthread_mutex_t lock;
    pthread_cond_t changed;
    int count;
    uint64_t seq[MAX_RECORDED];
    hsx_mailbox_event_type_t type[MAX_RECORDED];
    uint32_t dropped[MAX_RECORDED];
    pthread_t thread[MAX_RECORDED];
    unsigned int sleep_ms; /* how long each callback takes */
    enum action action;
    atomic_int action_result;
    atomic_bool inside;
};

/* Callbacks run one at a time, whichever mailbox they belong to. */
static atomic_int callbacks_running;
static atomic_int most_callbacks_running;

static void recorder_init(struct recorder *r)
{
    memset(r, 0, sizeof(*r));
    pthread_mutex_init(&r->lock, NULL);
    pthread_cond_init(&r->changed, NULL);
    r->action_result = 1;
}

static void recorder_destroy(struct recorder *r)
{
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->changed);
}

static void record(hsx_mailbox_t *mb, const hsx_mailbox_event_t *ev, void *arg)
{
    struct recorder *r = arg;

    int running = atomic_fetch_add(&callbacks_running, 1) + 1;
    if (running > atomic_load(&most_callbacks_running))
        atomic_store(&most_callbacks_running, running);
    atomic_store(&r->inside, true);
    if (r->sleep_ms)
        test_sleep_ms(r->sleep_ms);

    pthread_mutex_lock(&r->lock);
    if (r->count < MAX_RECORDED) {
        r->seq[r->count] = ev->seq;
        r->type[r->count] = ev->type;
        r->dropped[r->count] = ev->dropped;
        r->thread[r->count] = pthread_self();
        r->count++;
    }
    pthread_cond_broadcast(&r->changed);
    pthread_mutex_unlock(&r->lock);

    atomic_store(&r->inside, false);
    atomic_fetch_sub(&callbacks_running, 1);

    /* Last: the handle may be gone after this. */
    if (r->action == ACTION_REMOVE_SELF)
        r->action_result = hsx_mailbox_set_callback(mb, NULL, NULL);
    else if (r->action == ACTION_CLOSE_SELF)
        r->action_result = hsx_mailbox_close(mb);
}

static bool wait_for_count(struct recorder *r, int count, unsigned int timeout_ms)
{
    uint64_t deadline = test_now_ms() + timeout_ms;

    pthread_mutex_lock(&r->lock);
    while (r->count < count && test_now_ms() < deadline) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 10 * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&r->changed, &r->lock, &ts);
    }
    bool reached = r->count >= count;
    pthread_mutex_unlock(&r->lock);
    return reached;
}

static int recorded(struct recorder *r)
{
    pthread_mutex_lock(&r->lock);
    int count = r->count;
    pthread_mutex_unlock(&r->lock);
    return count;
}

struct fixture {
    hsx_mailbox_t *mb;
    int peer;
    struct recorder rec;
};

static int setup(void **state)
{
    static struct fixture f;

    recorder_init(&f.rec);
    if (test_mailbox(3, "hal:timer:3", &f.mb, &f.peer) < 0)
        return -1;
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    if (f->mb)
        hsx_mailbox_close(f->mb);
    close(f->peer);
    recorder_destroy(&f->rec);
    return 0;
}

static void send_expiries(int peer, uint64_t first, uint64_t last)
{
    for (uint64_t seq = first; seq <= last; seq++) {
        struct test_event ev = test_expiry(3, seq);
        assert_true(test_send_event(peer, &ev));
    }
}

static void callbacks_run_in_order_on_the_dispatcher_thread(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(hsx_mailbox_set_callback(f->mb, record, &f->rec), HSX_HAL_OK);
    send_expiries(f->peer, 1, 100);
    assert_true(wait_for_count(&f->rec, 100, 5000));
    for (int i = 0; i < 100; i++) {
        assert_int_equal(f->rec.seq[i], i + 1);
        assert_false(pthread_equal(f->rec.thread[i], pthread_self()));
        assert_true(pthread_equal(f->rec.thread[i], f->rec.thread[0]));
    }
}

static void events_queued_before_the_callback_are_delivered(void **state)
{
    struct fixture *f = *state;

    send_expiries(f->peer, 1, 5);
    assert_int_equal(hsx_mailbox_set_callback(f->mb, record, &f->rec), HSX_HAL_OK);
    assert_true(wait_for_count(&f->rec, 5, 5000));
    assert_int_equal(f->rec.seq[4], 5);
}

static void removal_waits_for_a_running_callback(void **state)
{
    struct fixture *f = *state;
    hsx_mailbox_event_t ev;

    f->rec.sleep_ms = 200;
    assert_int_equal(hsx_mailbox_set_callback(f->mb, record, &f->rec), HSX_HAL_OK);
    send_expiries(f->peer, 1, 1);
    uint64_t deadline = test_now_ms() + 5000;
    while (!atomic_load(&f->rec.inside) && test_now_ms() < deadline)
        test_sleep_ms(1);
    assert_true(atomic_load(&f->rec.inside));

    assert_int_equal(hsx_mailbox_set_callback(f->mb, NULL, NULL), HSX_HAL_OK);
    /* The callback had finished when removal returned... */
    assert_false(atomic_load(&f->rec.inside));
    assert_int_equal(recorded(&f->rec), 1);
    /* ...and does not run again: new events stay for hsx_mailbox_recv(). */
    send_expiries(f->peer, 2, 3);
    test_sleep_ms(100);
    assert_int_equal(recorded(&f->rec), 1);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_OK);
    assert_int_equal(ev.seq, 2);
}

static void removal_from_inside_the_callback(void **state)
{
    struct fixture *f = *state;
    hsx_mailbox_event_t ev;

    f->rec.action = ACTION_REMOVE_SELF;
    send_expiries(f->peer, 1, 3);
    assert_int_equal(hsx_mailbox_set_callback(f->mb, record, &f->rec), HSX_HAL_OK);
    assert_true(wait_for_count(&f->rec, 1, 5000));
    test_sleep_ms(100);
    assert_int_equal(f->rec.action_result, HSX_HAL_OK);
    assert_int_equal(recorded(&f->rec), 1);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 1000), HSX_HAL_OK);
    assert_int_equal(ev.seq, 2);
}

static void close_from_inside_the_callback(void **state)
{
    struct fixture *f = *state;

    f->rec.action = ACTION_CLOSE_SELF;
    send_expiries(f->peer, 1, 3);
    assert_int_equal(hsx_mailbox_set_callback(f->mb, record, &f->rec), HSX_HAL_OK);
    assert_true(wait_for_count(&f->rec, 1, 5000));
    test_sleep_ms(100);
    assert_int_equal(f->rec.action_result, HSX_HAL_OK);
    assert_int_equal(recorded(&f->rec), 1);
    f->mb = NULL; /* closed by the callback */
}

static void close_removes_the_callback(void **state)
{
    struct fixture *f = *state;

    f->rec.sleep_ms = 100;
    assert_int_equal(hsx_mailbox_set_callback(f->mb, record, &f->rec), HSX_HAL_OK);
    send_expiries(f->peer, 1, 5);
    assert_true(wait_for_count(&f->rec, 1, 5000));
    assert_int_equal(hsx_mailbox_close(f->mb), HSX_HAL_OK);
    f->mb = NULL;
    assert_false(atomic_load(&f->rec.inside));
    int count = recorded(&f->rec);
    test_sleep_ms(300);
    assert_int_equal(recorded(&f->rec), count);
    assert_true(count < 5);
}

static void receive_and_callback_exclude_each_other(void **state)
{
    struct fixture *f = *state;
    hsx_mailbox_event_t ev;

    assert_int_equal(hsx_mailbox_set_callback(f->mb, record, &f->rec), HSX_HAL_OK);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 0), HSX_HAL_BUSY);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 100), HSX_HAL_BUSY);
    assert_int_equal(hsx_mailbox_set_callback(f->mb, NULL, NULL), HSX_HAL_OK);
    assert_int_equal(hsx_mailbox_recv(f->mb, &ev, 0), HSX_HAL_TIMEOUT);
}

struct waiter {
    hsx_mailbox_t *mb;
    int result;
};

static void *wait_on_mailbox(void *arg)
{
    struct waiter *w = arg;
    hsx_mailbox_event_t ev;

    w->result = hsx_mailbox_recv(w->mb, &ev, 5000);
    return NULL;
}

static void no_callback_while_a_thread_waits(void **state)
{
    struct fixture *f = *state;
    struct waiter w = {.mb = f->mb, .result = 1};
    pthread_t thread;

    assert_int_equal(pthread_create(&thread, NULL, wait_on_mailbox, &w), 0);
    test_sleep_ms(50);
    assert_int_equal(hsx_mailbox_set_callback(f->mb, record, &f->rec), HSX_HAL_BUSY);
    send_expiries(f->peer, 1, 1);
    pthread_join(thread, NULL);
    assert_int_equal(w.result, HSX_HAL_OK);
}

static void closed_event_is_the_last_callback(void **state)
{
    struct fixture *f = *state;
    struct test_event closed = {.mailbox_id = 3, .type = HSX_EVT_CLOSED, .seq = 2};

    assert_int_equal(hsx_mailbox_set_callback(f->mb, record, &f->rec), HSX_HAL_OK);
    send_expiries(f->peer, 1, 1);
    assert_true(test_send_event(f->peer, &closed));
    send_expiries(f->peer, 3, 3);
    assert_true(wait_for_count(&f->rec, 2, 5000));
    test_sleep_ms(100);
    assert_int_equal(recorded(&f->rec), 2);
    assert_int_equal(f->rec.type[0], HSX_MAILBOX_EVENT_DATA);
    assert_int_equal(f->rec.type[1], HSX_MAILBOX_EVENT_CLOSED);
    /* A gone mailbox takes no new callback. */
    assert_int_equal(hsx_mailbox_set_callback(f->mb, record, &f->rec), HSX_HAL_CLOSED);
}

static void undecodable_messages_count_as_drops(void **state)
{
    struct fixture *f = *state;
    struct test_event broken = test_expiry(3, 2);

    broken.omit = OMIT(HSX_A_EVT_TIMESTAMP_NS);
    assert_int_equal(hsx_mailbox_set_callback(f->mb, record, &f->rec), HSX_HAL_OK);
    send_expiries(f->peer, 1, 1);
    assert_true(test_send_event(f->peer, &broken));
    assert_true(test_send_bytes(f->peer, "junk", 4)); /* not an event: no loss */
    send_expiries(f->peer, 3, 4);
    assert_true(wait_for_count(&f->rec, 3, 5000));
    assert_int_equal(f->rec.seq[0], 1);
    assert_int_equal(f->rec.dropped[0], 0);
    assert_int_equal(f->rec.seq[1], 3);
    assert_int_equal(f->rec.dropped[1], 1);
    assert_int_equal(f->rec.seq[2], 4);
    assert_int_equal(f->rec.dropped[2], 0);
}

static void replacing_a_callback(void **state)
{
    struct fixture *f = *state;
    struct recorder second;

    recorder_init(&second);
    assert_int_equal(hsx_mailbox_set_callback(f->mb, record, &f->rec), HSX_HAL_OK);
    send_expiries(f->peer, 1, 1);
    assert_true(wait_for_count(&f->rec, 1, 5000));
    assert_int_equal(hsx_mailbox_set_callback(f->mb, record, &second), HSX_HAL_OK);
    send_expiries(f->peer, 2, 3);
    assert_true(wait_for_count(&second, 2, 5000));
    assert_int_equal(recorded(&f->rec), 1);
    assert_int_equal(second.seq[0], 2);
    assert_int_equal(hsx_mailbox_set_callback(f->mb, NULL, NULL), HSX_HAL_OK);
    recorder_destroy(&second);
}

static void many_mailboxes_one_callback_at_a_time(void **state)
{
    enum { MAILBOXES = 8, EVENTS = 40 };
    static struct recorder recs[MAILBOXES];
    hsx_mailbox_t *mbs[MAILBOXES];
    int peers[MAILBOXES];
    (void)state;

    atomic_store(&most_callbacks_running, 0);
    for (int i = 0; i < MAILBOXES; i++) {
        recorder_init(&recs[i]);
        recs[i].sleep_ms = i % 3 == 0 ? 1 : 0;
        assert_int_equal(test_mailbox(3, "hal:timer:3", &mbs[i], &peers[i]), 0);
        assert_int_equal(hsx_mailbox_set_callback(mbs[i], record, &recs[i]), HSX_HAL_OK);
    }
    for (uint64_t seq = 1; seq <= EVENTS; seq++) {
        for (int i = 0; i < MAILBOXES; i++)
            send_expiries(peers[i], seq, seq);
    }
    for (int i = 0; i < MAILBOXES; i++) {
        assert_true(wait_for_count(&recs[i], EVENTS, 10000));
        for (int k = 0; k < EVENTS; k++)
            assert_int_equal(recs[i].seq[k], k + 1);
    }
    assert_int_equal(atomic_load(&most_callbacks_running), 1);
    for (int i = 0; i < MAILBOXES; i++) {
        assert_int_equal(hsx_mailbox_close(mbs[i]), HSX_HAL_OK);
        close(peers[i]);
        recorder_destroy(&recs[i]);
    }
}

struct witness {
    struct recorder *busy; /* the other mailbox's */
    atomic_int calls;
    atomic_int busy_seen; /* how many events of the busy one had been delivered */
};

static void note_busy(hsx_mailbox_t *mb, const hsx_mailbox_event_t *ev, void *arg)
{
    struct witness *w = arg;
    (void)mb;
    (void)ev;

    if (atomic_fetch_add(&w->calls, 1) == 0)
        atomic_store(&w->busy_seen, recorded(w->busy));
}

/* A mailbox with a backlog gets no more than its share while another is ready too. */
static void a_busy_mailbox_does_not_starve_the_others(void **state)
{
    enum { BACKLOG = 150 };
    struct recorder busy;
    struct witness w = {.busy = &busy};
    hsx_mailbox_t *quiet;
    int quiet_peer = -1;
    struct fixture *f = *state;

    recorder_init(&busy);
    busy.sleep_ms = 2;
    w.busy_seen = -1;
    assert_int_equal(fcntl(f->peer, F_SETFL, O_NONBLOCK), 0);
    send_expiries(f->peer, 1, BACKLOG);
    assert_int_equal(test_mailbox(3, "hal:timer:3", &quiet, &quiet_peer), 0);
    send_expiries(quiet_peer, 1, 1);

    assert_int_equal(hsx_mailbox_set_callback(f->mb, record, &busy), HSX_HAL_OK);
    assert_int_equal(hsx_mailbox_set_callback(quiet, note_busy, &w), HSX_HAL_OK);
    assert_true(test_count_within(&busy.lock, &busy.count, BACKLOG, 10000) == BACKLOG);
    /* Before: the quiet one waited for the whole backlog. */
    assert_int_equal(atomic_load(&w.calls), 1);
    assert_in_range(atomic_load(&w.busy_seen), 0, BACKLOG / 2);
    /* Deferred, not lost: every event of the busy one, in order, none counted dropped. */
    for (int i = 0; i < BACKLOG; i++) {
        assert_int_equal(busy.seq[i], i + 1);
        assert_int_equal(busy.dropped[i], 0);
    }
    assert_int_equal(hsx_mailbox_set_callback(f->mb, NULL, NULL), HSX_HAL_OK);
    assert_int_equal(hsx_mailbox_close(quiet), HSX_HAL_OK);
    close(quiet_peer);
    recorder_destroy(&busy);
}

/* ---- teardown: exit() joins the thread ------------------------------------------------- */

static int exit_pipe[2] = {-1, -1};
static hsx_mailbox_t *exiting_mb; /* reachable: a leak checker at exit() must not count it */
static atomic_bool exiting_inside;

/* Says it started, takes a while, says it finished. */
static void slow_then_mark(hsx_mailbox_t *mb, const hsx_mailbox_event_t *ev, void *arg)
{
    (void)mb;
    (void)ev;
    (void)arg;
    atomic_store(&exiting_inside, true);
    test_sleep_ms(300);
    (void)!write(exit_pipe[1], "D", 1);
}

static int exit_during_a_callback(void *arg)
{
    int peer;
    (void)arg;

    close(exit_pipe[0]);
    if (test_mailbox(3, "hal:timer:3", &exiting_mb, &peer) < 0 ||
        hsx_mailbox_set_callback(exiting_mb, slow_then_mark, NULL) != HSX_HAL_OK)
        return 2;
    send_expiries(peer, 1, 1);
    while (!atomic_load(&exiting_inside))
        test_sleep_ms(1);
    exit(0); /* the library's destructor waits for the callback */
}

static void exit_waits_for_a_running_callback(void **state)
{
    char buf[4] = {0};
    (void)state;

    assert_int_equal(pipe(exit_pipe), 0);
    assert_int_equal(test_in_child(exit_during_a_callback, NULL, 5000), 0);
    close(exit_pipe[1]);
    /* Before: the process ended in the middle of the callback. */
    assert_int_equal(read(exit_pipe[0], buf, sizeof(buf)), 1);
    assert_string_equal(buf, "D");
    close(exit_pipe[0]);
}

static void exit_inside(hsx_mailbox_t *mb, const hsx_mailbox_event_t *ev, void *arg)
{
    (void)mb;
    (void)ev;
    (void)arg;
    exit(7);
}

static int exit_from_a_callback(void *arg)
{
    int peer;
    (void)arg;

    if (test_mailbox(3, "hal:timer:3", &exiting_mb, &peer) < 0 ||
        hsx_mailbox_set_callback(exiting_mb, exit_inside, NULL) != HSX_HAL_OK)
        return 2;
    send_expiries(peer, 1, 1);
    for (;;)
        test_sleep_ms(100);
}

static void exit_from_inside_a_callback_does_not_wait_for_itself(void **state)
{
    (void)state;
    assert_int_equal(test_in_child(exit_from_a_callback, NULL, 5000), 7);
}

/* Never returns: waits on a pipe nobody writes to. */
static void block_for_ever(hsx_mailbox_t *mb, const hsx_mailbox_event_t *ev, void *arg)
{
    char c;
    (void)mb;
    (void)ev;
    (void)arg;
    atomic_store(&exiting_inside, true);
    while (read(exit_pipe[0], &c, 1) != 0)
        ;
}

/* A callback blocked for ever on the dispatcher thread: false once it runs. */
static bool block_the_dispatcher(void)
{
    int peer;

    if (pipe(exit_pipe) || test_mailbox(3, "hal:timer:3", &exiting_mb, &peer) < 0 ||
        hsx_mailbox_set_callback(exiting_mb, block_for_ever, NULL) != HSX_HAL_OK)
        return true;
    send_expiries(peer, 1, 1);
    while (!atomic_load(&exiting_inside))
        test_sleep_ms(1);
    return false;
}

static int exit_during_a_blocked_callback(void *arg)
{
    (void)arg;
    if (block_the_dispatcher())
        return 2;
    exit(5); /* the library's destructor gives up on the callback after its bound */
}

static void exit_does_not_wait_for_ever_on_a_blocked_callback(void **state)
{
    (void)state;
    uint64_t start = test_now_ms();

    /* Before: the destructor's join never returned, and the child was killed (-1). */
    assert_int_equal(test_in_child(exit_during_a_blocked_callback, NULL, 5000), 5);
    assert_true(test_now_ms() - start < 4000);
}

static void nothing(hsx_mailbox_t *mb, const hsx_mailbox_event_t *ev, void *arg)
{
    (void)mb;
    (void)ev;
    (void)arg;
}

/*
 * The parent's poll held a reference on a mailbox with a callback; a child
 * that closes its copy must free it, closing the file (it leaked before).
 */
static int close_in_a_grandchild(void *arg)
{
    uint32_t size = sizeof(struct hsx_mbox_record) + sizeof(struct hsx_timer_record);
    hsx_mailbox_t *mb;
    int p[2], status;
    pid_t child;

    (void)arg;
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) ||
        hsx_mailbox_from_queue_fd(p[0], 1, size, "hal:timer:1", &mb) != HSX_HAL_OK ||
        hsx_mailbox_set_callback(mb, nothing, NULL) != HSX_HAL_OK)
        return 2;
    test_sleep_ms(100); /* the dispatcher's poll is in flight */
    child = fork();
    if (child == 0) {
        if (hsx_mailbox_close(mb) != HSX_HAL_OK)
            _exit(3);
        _exit(fcntl(p[0], F_GETFD) < 0 && errno == EBADF ? 0 : 4);
    }
    if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status))
        return 5;
    return WEXITSTATUS(status);
}

static void a_forked_child_frees_what_had_a_callback(void **state)
{
    (void)state;
    assert_int_equal(test_in_child(close_in_a_grandchild, NULL, 5000), 0);
}

/* A child forked from a callback runs no dispatcher, and must not act as one. */
static _Atomic int forked_in_callback = -1;

static void fork_inside(hsx_mailbox_t *mb, const hsx_mailbox_event_t *ev, void *arg)
{
    int status;
    pid_t child = fork();

    (void)mb;
    (void)ev;
    (void)arg;
    if (child == 0)
        _exit(hsx_dispatch_on_thread() ? 6 : 0);
    if (child < 0 || waitpid(child, &status, 0) != child || !WIFEXITED(status))
        atomic_store(&forked_in_callback, 7);
    else
        atomic_store(&forked_in_callback, WEXITSTATUS(status));
}

static int fork_from_a_callback(void *arg)
{
    uint32_t size = sizeof(struct hsx_mbox_record) + sizeof(struct hsx_timer_record);
    hsx_mailbox_t *mb;
    int p[2];

    (void)arg;
    if (pipe2(p, O_NONBLOCK | O_CLOEXEC) ||
        hsx_mailbox_from_queue_fd(p[0], 4, size, "hal:timer:4", &mb) != HSX_HAL_OK ||
        hsx_mailbox_set_callback(mb, fork_inside, NULL) != HSX_HAL_OK)
        return 2;
    test_sleep_ms(50);
    close(p[1]); /* the end of the file: a closed event, on the dispatcher */
    while (atomic_load(&forked_in_callback) < 0)
        test_sleep_ms(5);
    return atomic_load(&forked_in_callback);
}

static void a_child_forked_in_a_callback_is_not_the_dispatcher(void **state)
{
    (void)state;
    assert_int_equal(test_in_child(fork_from_a_callback, NULL, 5000), 0);
}

struct traffic {
    int peer;
    atomic_bool stop;
    atomic_bool allowed;   /* a callback may run now */
    atomic_int violations; /* callbacks that ran when they must not */
    atomic_int delivered;
};

static void *send_until_stopped(void *arg)
{
    struct traffic *t = arg;

    for (uint64_t seq = 1; !atomic_load(&t->stop); seq++) {
        struct test_event ev = test_expiry(3, seq);
        test_send_event(t->peer, &ev);
        if (seq % 16 == 0)
            test_sleep_ms(1);
    }
    return NULL;
}

static void count_if_allowed(hsx_mailbox_t *mb, const hsx_mailbox_event_t *ev, void *arg)
{
    struct traffic *t = arg;
    (void)mb;
    (void)ev;

    if (!atomic_load(&t->allowed))
        atomic_fetch_add(&t->violations, 1);
    atomic_fetch_add(&t->delivered, 1);
}

/* Removal under load, where it races with the poll's own completions. */
static void toggling_callbacks_under_traffic(void **state)
{
    struct fixture *f = *state;
    struct traffic t = {.peer = f->peer};
    hsx_mailbox_event_t ev;
    pthread_t sender;

    /* A full socket must not block the sender: it would never see stop. */
    assert_int_equal(fcntl(f->peer, F_SETFL, O_NONBLOCK), 0);
    assert_int_equal(pthread_create(&sender, NULL, send_until_stopped, &t), 0);
    for (int i = 0; i < 300; i++) {
        atomic_store(&t.allowed, true);
        assert_int_equal(hsx_mailbox_set_callback(f->mb, count_if_allowed, &t), HSX_HAL_OK);
        if (i % 3 == 0)
            test_sleep_ms(1);
        assert_int_equal(hsx_mailbox_set_callback(f->mb, NULL, NULL), HSX_HAL_OK);
        atomic_store(&t.allowed, false);
        /* In between, the events are ours to receive. */
        int ret = hsx_mailbox_recv(f->mb, &ev, 0);
        assert_true(ret == HSX_HAL_OK || ret == HSX_HAL_TIMEOUT);
    }
    atomic_store(&t.stop, true);
    pthread_join(sender, NULL);
    test_sleep_ms(50);
    assert_int_equal(atomic_load(&t.violations), 0);
    assert_true(atomic_load(&t.delivered) > 0);
}

/* ---- timers ------------------------------------------------------------------------------ */

/* clock_gettime(), wrapped (the Makefile links this test with --wrap): counted on the thread. */
int __real_clock_gettime(clockid_t clock, struct timespec *ts);
int __wrap_clock_gettime(clockid_t clock, struct timespec *ts);
static atomic_int clock_reads_on_thread;

int __wrap_clock_gettime(clockid_t clock, struct timespec *ts)
{
    if (hsx_dispatch_on_thread())
        atomic_fetch_add(&clock_reads_on_thread, 1);
    return __real_clock_gettime(clock, ts);
}

/*
 * No timer armed: a round of the dispatcher reads no clock. Before: two
 * reads of it (and its lock taken twice more) every round, for nothing.
 */
static void no_timer_armed_costs_no_clock_read(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(hsx_mailbox_set_callback(f->mb, record, &f->rec), HSX_HAL_OK);
    test_sleep_ms(50);
    atomic_store(&clock_reads_on_thread, 0);
    for (uint64_t seq = 1; seq <= 50; seq++) {
        send_expiries(f->peer, seq, seq);
        assert_true(wait_for_count(&f->rec, (int)seq, 5000));
    }
    assert_int_equal(atomic_load(&clock_reads_on_thread), 0);
}

static struct hsx_dispatch_timer late_timer;
static atomic_bool late_timer_ran, stopped_inside;

static void note_late_timer(struct hsx_dispatch_timer *timer)
{
    (void)timer;
    atomic_store(&late_timer_ran, true);
}

/* A callback arms a timer due now, then stops the dispatcher (exit() from it would). */
static void arm_then_stop(hsx_mailbox_t *mb, const hsx_mailbox_event_t *ev, void *arg)
{
    (void)mb;
    (void)ev;
    (void)arg;
    late_timer.fn = note_late_timer;
    if (hsx_dispatch_timer_arm(&late_timer, 0) == HSX_HAL_OK) {
        hsx_dispatch_stop();
        atomic_store(&stopped_inside, true);
    }
}

static int stop_with_a_timer_due(void *arg)
{
    hsx_mailbox_t *mb;
    int peer;
    (void)arg;

    if (test_mailbox(3, "hal:timer:3", &mb, &peer) < 0 ||
        hsx_mailbox_set_callback(mb, arm_then_stop, NULL) != HSX_HAL_OK)
        return 2;
    send_expiries(peer, 1, 1);
    for (int i = 0; i < 500 && !atomic_load(&stopped_inside); i++)
        test_sleep_ms(5);
    if (!atomic_load(&stopped_inside))
        return 3;
    test_sleep_ms(200);
    return atomic_load(&late_timer_ran) ? 4 : 0;
}

/* Before: the timer ran after the dispatcher was told to stop (4). */
static void no_timer_runs_once_stopping(void **state)
{
    (void)state;
    assert_int_equal(test_in_child(stop_with_a_timer_due, NULL, 5000), 0);
}

/*
 * A poll's removal that meets the poll while its completion is pending fails
 * with EALREADY; the dispatcher tries again once the pending work has run,
 * which it does only in the kernel. With a timer armed and a completion
 * already posted when the thread was to wait, liburing's timed wait did not
 * enter the kernel: the work never ran, the removal failed again each round,
 * posting the completion that kept the thread out of the kernel the next,
 * and the thread spun with no callback ever running again.
 *
 * The rounds, with completions posted (or pending, as work the thread runs
 * when it enters the kernel to wait):
 *   1. hold's callback blocks; meanwhile flush's callback is removed and an
 *      event sent to trigger (pending work: the thread is out of the kernel).
 *   2. flush's removal is submitted and completes at once (posted); trigger's
 *      callback sends an event to victim (pending) and removes victim's.
 *   3. victim's removal meets the pending work: EALREADY (posted).
 * Before: hold's second event never reached its callback (8).
 */
struct pending_removal {
    hsx_mailbox_t *hold, *victim, *flush, *trigger;
    int hold_peer, victim_peer, flush_peer, trigger_peer;
    sem_t held, release;
    atomic_int hold_runs, trigger_runs, result;
    struct recorder victim_rec, flush_rec;
};

static struct pending_removal pr;

static void hold_until_released(hsx_mailbox_t *mb, const hsx_mailbox_event_t *ev, void *arg)
{
    (void)mb;
    (void)ev;
    (void)arg;
    if (atomic_fetch_add(&pr.hold_runs, 1) > 0)
        return;
    sem_post(&pr.held);
    sem_wait(&pr.release);
}

static void wake_the_victim_then_remove_its_callback(hsx_mailbox_t *mb,
                                                     const hsx_mailbox_event_t *ev, void *arg)
{
    struct test_event tick = test_expiry(4, 2);

    (void)mb;
    (void)ev;
    (void)arg;
    if (atomic_fetch_add(&pr.trigger_runs, 1) != 0)
        return; /* its first event (run -1) only arms it; its second acts */
    if (!test_send_event(pr.victim_peer, &tick))
        atomic_store(&pr.result, 1);
    else if (hsx_mailbox_set_callback(pr.victim, NULL, NULL) != HSX_HAL_OK)
        atomic_store(&pr.result, 2);
}

static void ignore_timer(struct hsx_dispatch_timer *timer)
{
    (void)timer;
}

static bool wait_for_runs(atomic_int *runs, int want)
{
    for (int i = 0; i < 500 && atomic_load(runs) < want; i++)
        test_sleep_ms(10);
    return atomic_load(runs) >= want;
}

static int remove_a_poll_with_its_completion_pending(void *arg)
{
    static struct hsx_dispatch_timer far_timer = {.fn = ignore_timer};
    struct test_event first_victim = test_expiry(4, 1), first_flush = test_expiry(5, 1);
    struct test_event first_trigger = test_expiry(6, 1);
    (void)arg;

    sem_init(&pr.held, 0, 0);
    sem_init(&pr.release, 0, 0);
    recorder_init(&pr.victim_rec);
    recorder_init(&pr.flush_rec);
    if (test_mailbox(3, "hal:timer:3", &pr.hold, &pr.hold_peer) < 0 ||
        test_mailbox(4, "hal:timer:4", &pr.victim, &pr.victim_peer) < 0 ||
        test_mailbox(5, "hal:timer:5", &pr.flush, &pr.flush_peer) < 0 ||
        test_mailbox(6, "hal:timer:6", &pr.trigger, &pr.trigger_peer) < 0)
        return 2;
    if (hsx_mailbox_set_callback(pr.hold, hold_until_released, NULL) != HSX_HAL_OK ||
        hsx_mailbox_set_callback(pr.victim, record, &pr.victim_rec) != HSX_HAL_OK ||
        hsx_mailbox_set_callback(pr.flush, record, &pr.flush_rec) != HSX_HAL_OK ||
        hsx_mailbox_set_callback(pr.trigger, wake_the_victim_then_remove_its_callback, NULL) !=
            HSX_HAL_OK)
        return 3;
    /* Every poll armed: each delivered once (trigger's first run does nothing but count). */
    pr.trigger_runs = -1;
    if (!test_send_event(pr.victim_peer, &first_victim) ||
        !test_send_event(pr.flush_peer, &first_flush) ||
        !test_send_event(pr.trigger_peer, &first_trigger) ||
        !wait_for_count(&pr.victim_rec, 1, 5000) || !wait_for_count(&pr.flush_rec, 1, 5000) ||
        !wait_for_runs(&pr.trigger_runs, 0))
        return 4;
    if (hsx_dispatch_timer_arm(&far_timer, 60000) != HSX_HAL_OK)
        return 5;

    send_expiries(pr.hold_peer, 1, 1);
    if (sem_wait(&pr.held))
        return 6;
    /* Round 1, while the thread is in hold's callback. */
    struct test_event go = test_expiry(6, 2);
    if (hsx_mailbox_set_callback(pr.flush, NULL, NULL) != HSX_HAL_OK ||
        !test_send_event(pr.trigger_peer, &go))
        return 6;
    test_sleep_ms(50);
    sem_post(&pr.release);
    if (!wait_for_runs(&pr.trigger_runs, 1) || atomic_load(&pr.result))
        return 7;

    test_sleep_ms(100);
    send_expiries(pr.hold_peer, 2, 2);
    return wait_for_runs(&pr.hold_runs, 2) ? 0 : 8;
}

static void a_removal_meeting_a_pending_completion_does_not_spin(void **state)
{
    (void)state;
    assert_int_equal(test_in_child(remove_a_poll_with_its_completion_pending, NULL, 15000), 0);
}

/* ---- the dispatcher's scheduling ---------------------------------------------------------- */

static atomic_int seen_policy = -1, seen_priority = -1;

static void note_sched(hsx_mailbox_t *mb, const hsx_mailbox_event_t *ev, void *arg)
{
    struct sched_param param;
    int policy;

    (void)mb;
    (void)ev;
    (void)arg;
    if (pthread_getschedparam(pthread_self(), &policy, &param) == 0) {
        atomic_store(&seen_priority, param.sched_priority);
        atomic_store(&seen_policy, policy);
    }
}

/* The policy and priority one callback runs with: 0 when it ran, else a failure code. */
static int policy_seen_by_a_callback(int *policy, int *priority)
{
    hsx_mailbox_t *mb;
    int peer;

    atomic_store(&seen_policy, -1);
    if (test_mailbox(3, "hal:timer:3", &mb, &peer) < 0 ||
        hsx_mailbox_set_callback(mb, note_sched, NULL) != HSX_HAL_OK)
        return 20;
    struct test_event ev = test_expiry(3, 1);
    if (!test_send_event(peer, &ev))
        return 21;
    for (int i = 0; i < 1000 && atomic_load(&seen_policy) < 0; i++)
        test_sleep_ms(5);
    hsx_mailbox_close(mb);
    close(peer);
    *policy = atomic_load(&seen_policy);
    *priority = atomic_load(&seen_priority);
    return *policy < 0 ? 22 : 0;
}

/* 0 when a callback runs with the policy want, else a failure code (fail if another). */
static int callbacks_run_with(int want, int fail)
{
    int policy, priority;
    int ret = policy_seen_by_a_callback(&policy, &priority);

    return ret ? ret : policy == want ? 0 : fail;
}

/* For test_in_child(): 0 when a callback runs, whatever its policy. */
static int a_callback_runs(void *arg)
{
    int policy, priority;

    (void)arg;
    return policy_seen_by_a_callback(&policy, &priority);
}

static void dispatcher_sched_checks_its_arguments(void **state)
{
    (void)state;
    assert_int_equal(hsx_mailbox_set_dispatcher_sched(12345, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_mailbox_set_dispatcher_sched(SCHED_FIFO, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_mailbox_set_dispatcher_sched(SCHED_FIFO, 100), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_mailbox_set_dispatcher_sched(SCHED_OTHER, 1), HSX_HAL_INVALID_PARAM);
}

/*
 * In a child that may not use a real-time policy (RLIMIT_RTPRIO 0, and not
 * root): SCHED_FIFO is DENIED with EPERM and callbacks keep SCHED_OTHER.
 */
static int fifo_without_permission(void *arg)
{
    struct rlimit none = {0, 0};

    (void)arg;
    if (setrlimit(RLIMIT_RTPRIO, &none) || (geteuid() == 0 && setuid(65534)))
        return 10;
    if (hsx_mailbox_set_dispatcher_sched(SCHED_FIFO, 10) != HSX_HAL_DENIED)
        return 11;
    if (hsx_hal_errno() != EPERM)
        return 12;
    return callbacks_run_with(SCHED_OTHER, 13);
}

static void dispatcher_sched_denied_changes_nothing(void **state)
{
    (void)state;
    assert_int_equal(test_in_child(fifo_without_permission, NULL, 10000), 0);
}

/*
 * Where it may (RLIMIT_RTPRIO raised, or root's CAP_SYS_NICE), the callbacks
 * run SCHED_FIFO at the priority asked; set before the thread exists, it
 * starts it. Where even that is refused (a container without CAP_SYS_NICE),
 * the refusal is DENIED and SCHED_OTHER stays.
 */
static int fifo_where_permitted(void *arg)
{
    struct rlimit rt = {10, 10};
    int policy, priority;

    (void)arg;
    setrlimit(RLIMIT_RTPRIO, &rt); /* raising the hard limit needs root: best effort */
    int ret = hsx_mailbox_set_dispatcher_sched(SCHED_FIFO, 10);
    if (ret != HSX_HAL_OK && (ret != HSX_HAL_DENIED || hsx_hal_errno() != EPERM))
        return 30;
    if (ret == HSX_HAL_DENIED)
        return callbacks_run_with(SCHED_OTHER, 31);
    int got = policy_seen_by_a_callback(&policy, &priority);
    if (got)
        return got;
    if (policy != SCHED_FIFO || priority != 10)
        return 32;
    /* And back. */
    if (hsx_mailbox_set_dispatcher_sched(SCHED_OTHER, 0) != HSX_HAL_OK)
        return 33;
    return callbacks_run_with(SCHED_OTHER, 34);
}

static void dispatcher_sched_fifo_reaches_the_callbacks(void **state)
{
    (void)state;
    assert_int_equal(test_in_child(fifo_where_permitted, NULL, 10000), 0);
}

/* ASan's mlockall() interceptor returns 0 and locks nothing. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

/* A "Vm...:" line of /proc/self/status, in kB; -1 if missing. */
static long status_kb(const char *field)
{
    char line[256];
    long kb = -1;
    size_t len = strlen(field);
    FILE *f = fopen("/proc/self/status", "r");

    if (!f)
        return -1;
    while (fgets(line, sizeof(line), f))
        if (!strncmp(line, field, len) && line[len] == ':')
            kb = strtol(line + len + 1, NULL, 10);
    fclose(f);
    return kb;
}

/*
 * Root (CAP_IPC_LOCK) may lock everything: OK, and the kernel then counts the
 * process's memory as locked (VmLck), or, under ASan, nothing. Another user
 * gets what its RLIMIT_MEMLOCK allows: DENIED/EPERM at 0, else OK or LIMIT.
 */
static int lock_memory(void *arg)
{
    struct rlimit lim;

    (void)arg;
    int ret = hsx_hal_lock_memory();
    if (ret == HSX_HAL_OK)
        return UNDER_ASAN ? (status_kb("VmLck") == 0 ? 0 : 43) : (status_kb("VmLck") > 0 ? 0 : 44);
    if (geteuid() == 0 || getrlimit(RLIMIT_MEMLOCK, &lim))
        return 45;
    if (lim.rlim_cur == 0)
        return ret == HSX_HAL_DENIED && hsx_hal_errno() == EPERM ? 0 : 46;
    return ret == HSX_HAL_LIMIT && hsx_hal_errno() == ENOMEM ? 0 : 40;
}

/* Over RLIMIT_MEMLOCK, without CAP_IPC_LOCK: LIMIT/ENOMEM, nothing locked (ASan: its OK). */
static int lock_memory_over_the_limit(void *arg)
{
    struct rlimit tiny = {4096, 4096};

    (void)arg;
    if (setrlimit(RLIMIT_MEMLOCK, &tiny) || (geteuid() == 0 && setuid(65534)))
        return 41;
    int ret = hsx_hal_lock_memory();
    if (UNDER_ASAN)
        return ret == HSX_HAL_OK ? 0 : 47;
    if (ret != HSX_HAL_LIMIT || hsx_hal_errno() != ENOMEM)
        return 42;
    return status_kb("VmLck") == 0 ? 0 : 48;
}

static void memory_lock_reports_what_the_kernel_says(void **state)
{
    (void)state;
    assert_int_equal(test_in_child(lock_memory, NULL, 10000), 0);
    assert_int_equal(test_in_child(lock_memory_over_the_limit, NULL, 10000), 0);
}

/*
 * Memory locked (MCL_FUTURE) under a limit 2 MiB above what the process maps,
 * without CAP_IPC_LOCK: the dispatcher's stack must fit in what is left, and
 * callbacks run. With RLIMIT_STACK's 8 MiB default stack the thread could not
 * be started (set_callback failed). Early in main(): this process's own
 * mappings must leave the 2 MiB under an unprivileged hard limit (8 MiB).
 */
static int callbacks_with_memory_locked(void *arg)
{
    long vm_kb = status_kb("VmSize");

    (void)arg;
    if (vm_kb <= 0)
        return 50;
    rlim_t limit = ((rlim_t)vm_kb + 2048) * 1024;
    struct rlimit lim;
    /* Under ASan (terabytes of shadow mapped, mlockall() a no-op) the hard limit will do. */
    if (getrlimit(RLIMIT_MEMLOCK, &lim) || (!UNDER_ASAN && limit > lim.rlim_max))
        return 53;
    if (!UNDER_ASAN)
        lim.rlim_cur = lim.rlim_max = limit;
    if (setrlimit(RLIMIT_MEMLOCK, &lim) || (geteuid() == 0 && setuid(65534)))
        return 51;
    if (hsx_hal_lock_memory() != HSX_HAL_OK)
        return 52;
    return a_callback_runs(NULL);
}

static void a_modest_memlock_limit_leaves_room_for_the_dispatcher(void **state)
{
    (void)state;
    assert_int_equal(test_in_child(callbacks_with_memory_locked, NULL, 10000), 0);
}

/*
 * set_dispatcher_sched() starting the thread, then fork(): the child's first
 * callback must be delivered by a dispatcher of its own. Before, it did not
 * register the fork handlers, so the child kept the parent's "started", ring
 * and thread id, and its callback never ran. First in main(): no test
 * before it may have registered them in this process.
 */
static int sched_then_fork(void *arg)
{
    (void)arg;
    if (hsx_mailbox_set_dispatcher_sched(SCHED_OTHER, 0) != HSX_HAL_OK)
        return 60;
    return test_in_child(a_callback_runs, NULL, 8000);
}

static void a_child_of_a_scheduled_dispatcher_gets_its_callbacks(void **state)
{
    (void)state;
    assert_int_equal(test_in_child(sched_then_fork, NULL, 10000), 0);
}

/*
 * While the library is torn down, past the join bound with a callback that
 * never returns (the thread detached, still "started"): ESHUTDOWN, not a
 * policy set on a thread being abandoned (before, it returned OK).
 */
static int sched_during_teardown(void *arg)
{
    (void)arg;
    if (block_the_dispatcher())
        return 70;
    hsx_dispatch_stop(); /* gives up on the callback after its bound */
    if (hsx_mailbox_set_dispatcher_sched(SCHED_OTHER, 0) != HSX_HAL_ERROR)
        return 71;
    return hsx_hal_errno() == ESHUTDOWN ? 0 : 72;
}

static void dispatcher_sched_during_teardown_is_eshutdown(void **state)
{
    (void)state;
    assert_int_equal(test_in_child(sched_during_teardown, NULL, 10000), 0);
}

/* Whether lock is a priority-inheritance futex: locked, its word is the owner's thread id. */
static int is_pi(pthread_mutex_t *lock)
{
    pthread_mutex_lock(lock);
    unsigned int word = (unsigned int)lock->__data.__lock;
    pthread_mutex_unlock(lock);
    return (word & 0x3fffffffu) == (unsigned int)gettid();
}

static int locks_pi_in_a_child(void *arg)
{
    hsx_mailbox_t *mb = arg;

    return is_pi(&hsx_dispatcher.lock) && is_pi(&mb->lock) ? 0 : 80;
}

/*
 * The locks a SCHED_FIFO dispatcher shares with other threads (the
 * dispatcher's, each mailbox's) inherit priority; so does a fork child's,
 * which initialises them again (glibc's layout: a test of this library's
 * internals).
 */
static void the_dispatchers_locks_inherit_priority(void **state)
{
    hsx_mailbox_t *mb = NULL;
    int peer = -1;

    (void)state;
    assert_true(test_mailbox(3, "hal:timer:3", &mb, &peer) >= 0);
    assert_int_equal(hsx_mailbox_set_callback(mb, nothing, NULL), HSX_HAL_OK);
    assert_true(is_pi(&hsx_dispatcher.lock));
    assert_true(is_pi(&mb->lock));
    assert_int_equal(test_in_child(locks_pi_in_a_child, mb, 5000), 0);
    hsx_mailbox_close(mb);
    close(peer);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* First: before any test registers the fork handlers in this process. */
        cmocka_unit_test(a_child_of_a_scheduled_dispatcher_gets_its_callbacks),
        cmocka_unit_test(a_modest_memlock_limit_leaves_room_for_the_dispatcher),
        cmocka_unit_test_setup_teardown(callbacks_run_in_order_on_the_dispatcher_thread, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(events_queued_before_the_callback_are_delivered, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(removal_waits_for_a_running_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(removal_from_inside_the_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(close_from_inside_the_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(close_removes_the_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(receive_and_callback_exclude_each_other, setup, teardown),
        cmocka_unit_test_setup_teardown(no_callback_while_a_thread_waits, setup, teardown),
        cmocka_unit_test_setup_teardown(closed_event_is_the_last_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(undecodable_messages_count_as_drops, setup, teardown),
        cmocka_unit_test_setup_teardown(replacing_a_callback, setup, teardown),
        cmocka_unit_test(many_mailboxes_one_callback_at_a_time),
        cmocka_unit_test_setup_teardown(a_busy_mailbox_does_not_starve_the_others, setup, teardown),
        cmocka_unit_test_setup_teardown(toggling_callbacks_under_traffic, setup, teardown),
        cmocka_unit_test_setup_teardown(no_timer_armed_costs_no_clock_read, setup, teardown),
        cmocka_unit_test(no_timer_runs_once_stopping),
        cmocka_unit_test(a_removal_meeting_a_pending_completion_does_not_spin),
        cmocka_unit_test(exit_waits_for_a_running_callback),
        cmocka_unit_test(exit_from_inside_a_callback_does_not_wait_for_itself),
        cmocka_unit_test(exit_does_not_wait_for_ever_on_a_blocked_callback),
        cmocka_unit_test(a_forked_child_frees_what_had_a_callback),
        cmocka_unit_test(a_child_forked_in_a_callback_is_not_the_dispatcher),
        cmocka_unit_test(dispatcher_sched_checks_its_arguments),
        cmocka_unit_test(dispatcher_sched_denied_changes_nothing),
        cmocka_unit_test(dispatcher_sched_fifo_reaches_the_callbacks),
        cmocka_unit_test(memory_lock_reports_what_the_kernel_says),
        cmocka_unit_test(dispatcher_sched_during_teardown_is_eshutdown),
        cmocka_unit_test(the_dispatchers_locks_inherit_priority),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
