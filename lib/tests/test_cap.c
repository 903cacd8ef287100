// SPDX-License-Identifier: MIT
/*
 * Capabilities as an application sees them, against a fake hsx.ko (an ioctl
 * hook that enforces like the real one, its state in shared memory so that a
 * forked child is a holder of its own) and a fake hsxd (a thread on a unix
 * socket, minting into that state). Mailboxes ("hal:cap:<id>",
 * "hal:gpio:<pin>") are socket pairs the test posts to.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "core/access.h"
#include "core/cap.h"
#include "core/cap_slot.h"
#include "core/errors.h"
#include "core/wire.h"
#include "fake_hsxd.h"
#include "gpio/gpio.h"
#include "helpers.h"
#include "hsx_cap.h"
#include "hsx_gpio.h"
#include "hsx_timer.h"

#define SEC 1000000000ULL
#define MS 1000000ULL

/* ---- the fake kernel ------------------------------------------------------------------ */

#define MAX_HOLDERS 8

/* A capability, attached (as in hsx.ko) to one holder's file for one module. */
struct fake_cap {
    pid_t holder; /* 0: a free entry */
    uint32_t module;
    uint64_t id;
    uint32_t rights;
    uint64_t pins;
    uint64_t expiry;
    int ended; /* 0 in force, or what operations get: EKEYREVOKED, EKEYEXPIRED */
};

static struct fake_kernel {
    pthread_mutex_t lock; /* process-shared */
    bool privileged, enforcing, no_cap_info;
    struct fake_cap caps[MAX_HOLDERS];
    uint64_t next_id;
    int drops;
} * fk;

static struct fake_hsxd hsxd;

static uint64_t boottime(void)
{
    return fake_hsxd_boottime_ns();
}

/* With fk->lock held: the capability of pid for module, made if asked. */
static struct fake_cap *find_cap(pid_t pid, uint32_t module, bool make)
{
    for (int i = 0; i < MAX_HOLDERS; i++) {
        if (fk->caps[i].holder == pid && fk->caps[i].module == module)
            return &fk->caps[i];
    }
    for (int i = 0; make && i < MAX_HOLDERS; i++) {
        if (fk->caps[i].holder == 0) {
            fk->caps[i] = (struct fake_cap){.holder = pid, .module = module};
            return &fk->caps[i];
        }
    }
    return NULL;
}

/* hsx.ko's check: 0 or the errno of the denial. pin < 0: no object. */
static int authorize(uint32_t module, uint32_t right, int pin)
{
    int err = 0;

    pthread_mutex_lock(&fk->lock);
    struct fake_cap *c = find_cap(getpid(), module, false);
    if (fk->privileged || !fk->enforcing)
        err = 0;
    else if (!c || !c->id)
        err = EACCES;
    else if (c->ended)
        err = c->ended;
    else if (boottime() > c->expiry)
        err = c->ended = EKEYEXPIRED;
    else if ((c->rights & right) != right || (pin >= 0 && !(c->pins & (1ULL << pin))))
        err = EACCES;
    pthread_mutex_unlock(&fk->lock);
    return err;
}

static int cap_info(struct hsx_cap_query *q)
{
    if (fk->no_cap_info)
        return ENOTTY;
    pthread_mutex_lock(&fk->lock);
    q->privileged = fk->privileged;
    q->enforcing = fk->enforcing;
    memset(&q->cap, 0, sizeof(q->cap));
    struct fake_cap *c = find_cap(getpid(), q->module, false);
    if (c && c->id) {
        q->cap.id = c->id;
        q->cap.module = c->module;
        q->cap.rights = c->rights;
        q->cap.sel.gpio.pins = c->pins;
        q->cap.expiry_ns = c->expiry;
        q->cap.holder_pid = (uint32_t)getpid();
        q->cap.state = c->ended ? HSX_CAP_STATE_ENDED : HSX_CAP_STATE_ACTIVE;
    }
    pthread_mutex_unlock(&fk->lock);
    return 0;
}

static int fake_ioctl(enum hsx_umod_index node, unsigned long request, void *arg)
{
    uint32_t module = hsx_node_module(node);
    int err;

    if (request == HSX_IOC_CAP_INFO) {
        err = cap_info(arg);
    } else if (request == HSX_IOC_CAP_DROP) {
        pthread_mutex_lock(&fk->lock);
        struct fake_cap *c = find_cap(getpid(), ((struct hsx_cap_drop *)arg)->module, false);
        if (c && c->id && !c->ended) {
            c->ended = EKEYREVOKED;
            fk->drops++;
            err = 0;
        } else {
            err = ENOENT;
        }
        pthread_mutex_unlock(&fk->lock);
    } else if (request == HSX_IOC_GPIO_READ) {
        /* READ and WRITE take a number; READ answers 1. */
        err = authorize(module, HSX_CAP_R_READ, (int)((uintptr_t)arg & HSX_GPIO_VALUE_PIN_MASK));
        if (!err)
            return 1;
    } else if (request == HSX_IOC_GPIO_WRITE) {
        err = authorize(module, HSX_CAP_R_WRITE, (int)((uintptr_t)arg & HSX_GPIO_VALUE_PIN_MASK));
    } else if (request == HSX_IOC_GPIO_CONFIG) {
        err = authorize(module, HSX_CAP_R_WRITE, (int)((struct hsx_gpio_config *)arg)->pin);
    } else if (request == HSX_IOC_GPIO_SET_INTERRUPT) {
        err = authorize(module, HSX_CAP_R_GPIO_IRQ, (int)((struct hsx_gpio_interrupt *)arg)->pin);
    } else if (request == HSX_IOC_TIMER_GET_TICK) {
        err = authorize(module, HSX_CAP_R_READ, -1);
        ((struct hsx_timer_tick *)arg)->tick_us = 42;
    } else {
        err = ENOTTY;
    }
    return test_ioctl_result(err);
}

/* hsxd's mint, onto the holder's file: what hsx.ko's MINT and RENEW do. */
static void fake_mint(struct fake_hsxd *d, const struct hsxd_request *req, pid_t peer,
                      struct hsxd_reply *reply)
{
    pthread_mutex_lock(&fk->lock);
    struct fake_cap *c = find_cap(peer, req->module, true);
    bool live = c->id && !c->ended && boottime() <= c->expiry;
    if (req->op == HSXD_OP_ACQUIRE && live) {
        reply->status = -EEXIST;
    } else if (req->op == HSXD_OP_ACQUIRE) {
        c->id = fk->next_id++;
        c->rights = req->rights ? req->rights : HSX_CAP_R_GPIO_ALL;
        c->pins = req->sel.gpio.pins ? req->sel.gpio.pins : ~0ULL;
        c->expiry = boottime() + d->lifetime_ns;
        c->ended = 0;
    } else if (live) {
        c->expiry = boottime() + d->lifetime_ns;
    } else {
        reply->status = -ENOENT;
    }
    if (reply->status == 0) {
        reply->cap = (struct hsx_cap_info){
            .id = c->id,
            .module = c->module,
            .rights = c->rights,
            .sel.gpio.pins = c->pins,
            .expiry_ns = c->expiry,
            .holder_pid = (uint32_t)peer,
            .state = HSX_CAP_STATE_ACTIVE,
        };
    }
    pthread_mutex_unlock(&fk->lock);
}

/* The kernel ends a capability (before it posts the event, as hsx.ko does). */
static void fake_end(uint64_t id, int err)
{
    pthread_mutex_lock(&fk->lock);
    for (int i = 0; i < MAX_HOLDERS; i++) {
        if (fk->caps[i].id == id)
            fk->caps[i].ended = err;
    }
    pthread_mutex_unlock(&fk->lock);
}

/* ---- fake mailboxes -------------------------------------------------------------------- */

#define MAX_MAILBOXES 32

static struct {
    pthread_mutex_t lock;
    int count;
    char names[MAX_MAILBOXES][HSX_MBOX_NAME_MAX];
    int auth_fds[MAX_MAILBOXES];
    int peers[MAX_MAILBOXES];
} mbx = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int fake_open_mailbox(const char *name, int auth_fd, hsx_mailbox_t **mb)
{
    unsigned int n;
    uint32_t id;
    int peer, ret = HSX_HAL_OK;

    if (sscanf(name, "hal:gpio:%u", &n) == 1)
        id = 100 + n;
    else if (sscanf(name, "hal:cap:%u", &n) == 1)
        id = 1000 + n;
    else
        return hsx_fail_with(HSX_HAL_NO_DEVICE, ENOENT);
    pthread_mutex_lock(&mbx.lock);
    if (mbx.count == MAX_MAILBOXES || test_mailbox(id, name, mb, &peer) < 0) {
        ret = hsx_fail_with(HSX_HAL_NO_MEMORY, ENOMEM);
    } else {
        snprintf(mbx.names[mbx.count], HSX_MBOX_NAME_MAX, "%s", name);
        mbx.auth_fds[mbx.count] = auth_fd;
        mbx.peers[mbx.count++] = peer;
    }
    pthread_mutex_unlock(&mbx.lock);
    return ret;
}

/* The newest subscription to name: its peer, and the auth_fd it was opened with. */
static int mailbox_peer(const char *name, int *auth_fd)
{
    int peer = -1;

    pthread_mutex_lock(&mbx.lock);
    for (int i = 0; i < mbx.count; i++) {
        if (strcmp(mbx.names[i], name) == 0) {
            peer = mbx.peers[i];
            if (auth_fd)
                *auth_fd = mbx.auth_fds[i];
        }
    }
    pthread_mutex_unlock(&mbx.lock);
    return peer;
}

/*
 * The library closed its end of a subscription: the peer reads end of file,
 * or ECONNRESET if the library's end still held unread messages.
 */
static bool closed_by_library(int peer, unsigned int timeout_ms)
{
    struct pollfd pfd = {.fd = peer, .events = POLLIN};
    char byte;

    if (poll(&pfd, 1, (int)timeout_ms) != 1)
        return false;
    ssize_t len = recv(peer, &byte, 1, MSG_DONTWAIT);
    return len == 0 || (len < 0 && errno == ECONNRESET);
}

/* ---- stderr ------------------------------------------------------------------------------- */

static int count_lines(const char *text)
{
    int lines = 0;

    for (; *text; text++)
        lines += *text == '\n';
    return lines;
}

/* ---- fixture ------------------------------------------------------------------------------ */

static int group_setup(void **state)
{
    pthread_mutexattr_t attr;
    (void)state;

    fk = mmap(NULL, sizeof(*fk), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (fk == MAP_FAILED)
        return -1;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(&fk->lock, &attr);
    pthread_mutexattr_destroy(&attr);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    pthread_mutex_destroy(&fk->lock);
    munmap(fk, sizeof(*fk));
    return 0;
}

static int setup(void **state)
{
    (void)state;
    pthread_mutex_lock(&fk->lock);
    fk->privileged = false;
    fk->enforcing = true;
    fk->no_cap_info = false;
    memset(fk->caps, 0, sizeof(fk->caps));
    fk->next_id = 7;
    fk->drops = 0;
    pthread_mutex_unlock(&fk->lock);
    pthread_mutex_lock(&mbx.lock);
    mbx.count = 0;
    pthread_mutex_unlock(&mbx.lock);
    if (fake_hsxd_start(&hsxd) < 0)
        return -1;
    hsxd.mint = fake_mint;
    unsetenv("HSX_HAL_QUIET");
    test_capture_stderr();
    test_use_fake_kernel(fake_ioctl, fake_open_mailbox);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    /* Forgets every capability, stops renewing, closes the library's subscriptions. */
    test_use_real_kernel(NULL, 0);
    pthread_mutex_lock(&mbx.lock);
    test_close_fds(mbx.peers, (size_t)mbx.count);
    pthread_mutex_unlock(&mbx.lock);
    fake_hsxd_stop(&hsxd);
    test_release_stderr();
    return hsx_gpio_subscription_count() == 0 ? 0 : -1;
}

static void set_daemon(int acquire_status, int renew_status, const char *message)
{
    pthread_mutex_lock(&hsxd.lock);
    hsxd.acquire_status = acquire_status;
    hsxd.renew_status = renew_status;
    snprintf(hsxd.message, sizeof(hsxd.message), "%s", message ? message : "");
    pthread_mutex_unlock(&hsxd.lock);
}

static void set_lifetime(uint64_t ns)
{
    pthread_mutex_lock(&hsxd.lock);
    hsxd.lifetime_ns = ns;
    pthread_mutex_unlock(&hsxd.lock);
}

static hsx_cap_info_t cap_of(hsx_cap_module_t module)
{
    hsx_cap_info_t info;

    assert_int_equal(hsx_cap_get(module, &info), HSX_HAL_OK);
    return info;
}

/* ---- who needs what ------------------------------------------------------------------------- */

static void root_needs_no_capability(void **state)
{
    hsx_cap_info_t list[2];
    (void)state;

    fk->privileged = true;
    assert_int_equal(hsx_gpio_read(3), 1);
    assert_int_equal(hsx_timer_get_tick(), 42);
    assert_int_equal(fake_hsxd_get(&hsxd, &hsxd.connections), 0);
    assert_int_equal(cap_of(HSX_CAP_MODULE_GPIO).status, HSX_CAP_STATUS_NOT_NEEDED);
    assert_int_equal(hsx_cap_list(list, 2), 0);
    /* Nothing to request, nothing to drop. */
    assert_int_equal(hsx_cap_request(HSX_CAP_MODULE_GPIO, HSX_CAP_RIGHT_READ, NULL), HSX_HAL_OK);
    assert_int_equal(hsx_cap_drop(HSX_CAP_MODULE_GPIO), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_read(3), 1);
    assert_int_equal(fake_hsxd_get(&hsxd, &hsxd.connections), 0);
    assert_string_equal(test_captured(), "");
}

static void without_enforcement_nothing_is_asked(void **state)
{
    (void)state;

    fk->enforcing = false;
    assert_int_equal(hsx_gpio_read(3), 1);
    assert_int_equal(cap_of(HSX_CAP_MODULE_GPIO).status, HSX_CAP_STATUS_NOT_NEEDED);

    /* An hsx.ko from before capabilities does not know HSX_IOC_CAP_INFO. */
    test_use_fake_kernel(fake_ioctl, fake_open_mailbox);
    fk->no_cap_info = true;
    assert_int_equal(hsx_gpio_read(3), 1);
    assert_int_equal(cap_of(HSX_CAP_MODULE_GPIO).status, HSX_CAP_STATUS_NOT_NEEDED);
    assert_int_equal(fake_hsxd_get(&hsxd, &hsxd.connections), 0);
}

/* ---- transparent acquisition --------------------------------------------------------------- */

static void first_use_acquires_what_the_policy_allows(void **state)
{
    int auth_fd = -2;
    (void)state;

    assert_int_equal(hsx_gpio_read(3), 1);
    assert_int_equal(fake_hsxd_get(&hsxd, &hsxd.acquires), 1);
    pthread_mutex_lock(&hsxd.lock);
    assert_int_equal(hsxd.last.op, HSXD_OP_ACQUIRE);
    assert_int_equal(hsxd.last.module, HSX_MODULE_GPIO);
    assert_int_equal(hsxd.last.rights, 0);
    assert_true(hsxd.last.sel.raw[0] == 0);
    assert_int_equal(hsxd.last_pid, getpid());
    assert_true(hsxd.last_fd_is_devnull); /* the node's own file */
    pthread_mutex_unlock(&hsxd.lock);

    hsx_cap_info_t info = cap_of(HSX_CAP_MODULE_GPIO);
    uint64_t now = boottime();
    assert_int_equal(info.status, HSX_CAP_STATUS_HELD);
    assert_true(info.id == 7);
    assert_int_equal(info.rights, HSX_CAP_RIGHT_READ | HSX_CAP_RIGHT_WRITE | HSX_CAP_RIGHT_GRANT |
                                      HSX_CAP_RIGHT_GPIO_IRQ);
    assert_true(info.expiry_ns > now + 3500 * SEC);
    assert_true(info.renew_ns > now && info.renew_ns < info.expiry_ns);

    /* Its end is listened to, under the capability's file. */
    assert_true(mailbox_peer("hal:cap:7", &auth_fd) >= 0);
    assert_true(auth_fd >= 0);

    for (int i = 0; i < 10; i++)
        assert_int_equal(hsx_gpio_read(3), 1);
    assert_int_equal(fake_hsxd_get(&hsxd, &hsxd.requests), 1);
    assert_string_equal(test_captured(), "");
}

static void each_module_has_its_own(void **state)
{
    hsx_cap_info_t list[2];
    (void)state;

    assert_int_equal(hsx_gpio_read(1), 1);
    assert_int_equal(hsx_timer_get_tick(), 42);
    assert_int_equal(fake_hsxd_get(&hsxd, &hsxd.acquires), 2);
    pthread_mutex_lock(&hsxd.lock);
    assert_int_equal(hsxd.last.module, HSX_MODULE_TIMER);
    pthread_mutex_unlock(&hsxd.lock);

    assert_int_equal(hsx_cap_list(list, 2), 2);
    assert_int_equal(list[0].module, HSX_CAP_MODULE_TIMER);
    assert_int_equal(list[1].module, HSX_CAP_MODULE_GPIO);
    assert_true(list[0].id != list[1].id);
    /* Counted even beyond the room given. */
    assert_int_equal(hsx_cap_list(list, 1), 2);
    assert_int_equal(hsx_cap_list(NULL, 0), 2);
    assert_int_equal(hsx_cap_list(NULL, 1), HSX_HAL_INVALID_PARAM);
}

static void *read_pin(void *arg)
{
    (void)arg;
    return (void *)(intptr_t)hsx_gpio_read(2);
}

static void concurrent_first_uses_acquire_once(void **state)
{
    pthread_t threads[8];
    (void)state;

    for (int i = 0; i < 8; i++)
        assert_int_equal(pthread_create(&threads[i], NULL, read_pin, NULL), 0);
    for (int i = 0; i < 8; i++) {
        void *ret;
        assert_int_equal(pthread_join(threads[i], &ret), 0);
        assert_int_equal((intptr_t)ret, 1);
    }
    assert_int_equal(fake_hsxd_get(&hsxd, &hsxd.acquires), 1);
}

/* ---- denials -------------------------------------------------------------------------------- */

static void without_hsxd_operations_are_denied_with_one_line(void **state)
{
    char path[96];
    (void)state;

    snprintf(path, sizeof(path), "%s/absent.sock", hsxd.dir);
    setenv("HSX_HAL_HSXD_SOCKET", path, 1);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(hsx_gpio_read(3), HSX_HAL_DENIED);
        assert_int_equal(hsx_hal_errno(), EACCES);
    }
    assert_int_equal(hsx_gpio_write(3, 1), HSX_HAL_DENIED);
    assert_string_equal(test_captured(), "hsx: gpio access denied: hsxd is not running (start "
                                         "hsxd.service) and this process is not root\n");

    hsx_cap_info_t info = cap_of(HSX_CAP_MODULE_GPIO);
    assert_int_equal(info.status, HSX_CAP_STATUS_NONE);
    assert_non_null(strstr(info.message, "hsxd is not running"));
    assert_true(info.id == 0);
    /* Another module is another episode: its own line. */
    assert_int_equal(hsx_gpio_read(3), HSX_HAL_DENIED);
    hsx_timer_get_tick();
    assert_int_equal(count_lines(test_captured()), 2);
    assert_non_null(strstr(test_captured(), "hsx: timer access denied:"));
}

static void the_line_can_be_silenced(void **state)
{
    (void)state;

    setenv("HSX_HAL_QUIET", "1", 1);
    set_daemon(-EACCES, 0, "no");
    assert_int_equal(hsx_gpio_read(3), HSX_HAL_DENIED);
    assert_string_equal(test_captured(), "");
    unsetenv("HSX_HAL_QUIET");
}

static void a_refusal_is_told_in_hsxds_words(void **state)
{
    (void)state;

    set_daemon(-EACCES, 0, "uid 1000 has no grant for gpio in /etc/hsx/policy.conf");
    assert_int_equal(hsx_gpio_read(3), HSX_HAL_DENIED);
    assert_string_equal(test_captured(), "hsx: gpio access denied: hsxd refused: uid 1000 has no "
                                         "grant for gpio in /etc/hsx/policy.conf\n");
    assert_string_equal(cap_of(HSX_CAP_MODULE_GPIO).message,
                        "hsxd refused: uid 1000 has no grant for gpio in /etc/hsx/policy.conf");
    /* Without words, the errno's. */
    set_daemon(-EACCES, 0, NULL);
    assert_int_equal(hsx_cap_drop(HSX_CAP_MODULE_GPIO), HSX_HAL_OK);
    assert_int_equal(hsx_cap_request(HSX_CAP_MODULE_GPIO, 0, NULL), HSX_HAL_DENIED);
    assert_int_equal(hsx_hal_errno(), EACCES);
    assert_string_equal(cap_of(HSX_CAP_MODULE_GPIO).message, "hsxd refused: Permission denied");
}

static void a_fake_hsxd_is_refused(void **state)
{
    (void)state;

    hsx_hsxd_set_trusted_uid(getuid() + 1);
    assert_int_equal(hsx_gpio_read(3), HSX_HAL_DENIED);
    assert_non_null(
        strstr(test_captured(), "is not served by root: refusing to talk to a fake hsxd"));
    /* It was connected to, never sent the file. */
    assert_int_equal(fake_hsxd_wait(&hsxd, &hsxd.connections, 1, 2000), 1);
    test_sleep_ms(20);
    assert_int_equal(fake_hsxd_get(&hsxd, &hsxd.requests), 0);
}

static void hsxd_is_asked_again_later_not_in_a_loop(void **state)
{
    (void)state;

    set_daemon(-EACCES, 0, "not yet");
    for (int i = 0; i < 50; i++)
        assert_int_equal(hsx_gpio_read(3), HSX_HAL_DENIED);
    assert_int_equal(fake_hsxd_get(&hsxd, &hsxd.acquires), 1);

    /* The policy changes: a use a second later finds out. */
    set_daemon(0, 0, NULL);
    test_sleep_ms(1050);
    assert_int_equal(hsx_gpio_read(3), 1);
    assert_int_equal(fake_hsxd_get(&hsxd, &hsxd.acquires), 2);
    assert_int_equal(count_lines(test_captured()), 1);
}

static void hsxd_started_later_is_found(void **state)
{
    char path[96];
    (void)state;

    snprintf(path, sizeof(path), "%s/later.sock", hsxd.dir);
    setenv("HSX_HAL_HSXD_SOCKET", path, 1);
    assert_int_equal(hsx_gpio_read(3), HSX_HAL_DENIED);
    setenv("HSX_HAL_HSXD_SOCKET", hsxd.path, 1);
    assert_int_equal(hsx_gpio_read(3), HSX_HAL_DENIED); /* within the second */
    test_sleep_ms(1050);
    assert_int_equal(hsx_gpio_read(3), 1);
}

static void a_denial_under_a_capability_asks_nothing(void **state)
{
    hsx_cap_selector_t pin2 = {.gpio.pins = 1u << 2};
    (void)state;

    assert_int_equal(hsx_cap_request(HSX_CAP_MODULE_GPIO, HSX_CAP_RIGHT_READ, &pin2), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_read(2), 1);
    /* Not its pin, not its right: the kernel says no, and that is the answer. */
    assert_int_equal(hsx_gpio_read(3), HSX_HAL_DENIED);
    assert_int_equal(hsx_hal_errno(), EACCES);
    assert_int_equal(hsx_gpio_write(2, 1), HSX_HAL_DENIED);
    test_sleep_ms(1050);
    assert_int_equal(hsx_gpio_read(3), HSX_HAL_DENIED);
    assert_int_equal(fake_hsxd_get(&hsxd, &hsxd.acquires), 1);
    assert_string_equal(test_captured(), "");
}

/* ---- the explicit API -------------------------------------------------------------------------
 */

static void request_asks_for_less_and_is_busy_while_held(void **state)
{
    hsx_cap_selector_t pins = {.gpio.pins = 0x30};
    (void)state;

    assert_int_equal(
        hsx_cap_request(HSX_CAP_MODULE_GPIO, HSX_CAP_RIGHT_READ | HSX_CAP_RIGHT_GPIO_IRQ, &pins),
        HSX_HAL_OK);
    pthread_mutex_lock(&hsxd.lock);
    assert_int_equal(hsxd.acquires, 1);
    assert_int_equal(hsxd.last.rights, HSX_CAP_R_READ | HSX_CAP_R_GPIO_IRQ);
    assert_true(hsxd.last.sel.gpio.pins == 0x30);
    pthread_mutex_unlock(&hsxd.lock);

    hsx_cap_info_t info = cap_of(HSX_CAP_MODULE_GPIO);
    assert_int_equal(info.rights, HSX_CAP_RIGHT_READ | HSX_CAP_RIGHT_GPIO_IRQ);
    assert_true(info.selector.gpio.pins == 0x30);
    assert_int_equal(hsx_gpio_read(4), 1);

    assert_int_equal(hsx_cap_request(HSX_CAP_MODULE_GPIO, 0, NULL), HSX_HAL_BUSY);
    assert_int_equal(fake_hsxd_get(&hsxd, &hsxd.acquires), 1);
}

static void request_refuses_what_no_module_has(void **state)
{
    hsx_cap_selector_t sel = {0};
    (void)state;

    assert_int_equal(hsx_cap_request((hsx_cap_module_t)0x16, 0, NULL), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_cap_request(HSX_CAP_MODULE_TIMER, HSX_CAP_RIGHT_GPIO_IRQ, NULL),
                     HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_cap_request(HSX_CAP_MODULE_GPIO, HSX_CAP_R_ADMIN, NULL),
                     HSX_HAL_INVALID_PARAM);
    sel.raw[2] = 1;
    assert_int_equal(hsx_cap_request(HSX_CAP_MODULE_GPIO, 0, &sel), HSX_HAL_INVALID_PARAM);
    sel = (hsx_cap_selector_t){.timer.max_timers = HSX_TIMER_DEFAULT_PER_OPEN + 1};
    assert_int_equal(hsx_cap_request(HSX_CAP_MODULE_TIMER, 0, &sel), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_cap_drop((hsx_cap_module_t)0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_cap_get(HSX_CAP_MODULE_GPIO, NULL), HSX_HAL_INVALID_PARAM);
    assert_int_equal(fake_hsxd_get(&hsxd, &hsxd.connections), 0);
}

static atomic_int revocations;

static void count_revocation(void *event, uint32_t length, void *user_data)
{
    (void)event;
    (void)length;
    (void)user_data;
    atomic_fetch_add(&revocations, 1);
}

static void drop_ends_it_and_acquires_nothing_more(void **state)
{
    (void)state;

    atomic_store(&revocations, 0);
    assert_int_equal(hsx_cap_set_revoke_callback(count_revocation, NULL), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_read(3), 1);
    int peer = mailbox_peer("hal:cap:7", NULL);
    assert_true(peer >= 0);

    assert_int_equal(hsx_cap_drop(HSX_CAP_MODULE_GPIO), HSX_HAL_OK);
    assert_int_equal(fk->drops, 1);
    assert_true(closed_by_library(peer, 1000));
    assert_int_equal(hsx_gpio_read(3), HSX_HAL_DENIED);
    test_sleep_ms(1050);
    assert_int_equal(hsx_gpio_read(3), HSX_HAL_DENIED);
    assert_int_equal(fake_hsxd_get(&hsxd, &hsxd.acquires), 1);
    hsx_cap_info_t info = cap_of(HSX_CAP_MODULE_GPIO);
    assert_int_equal(info.status, HSX_CAP_STATUS_NONE);
    assert_non_null(strstr(info.message, "dropped"));
    /* Not a revocation, and no line: the application did it. */
    assert_int_equal(atomic_load(&revocations), 0);
    assert_string_equal(test_captured(), "");

    /* Asking again undoes it. */
    assert_int_equal(hsx_cap_request(HSX_CAP_MODULE_GPIO, 0, NULL), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_read(3), 1);
    assert_int_equal(fake_hsxd_get(&hsxd, &hsxd.acquires), 2);
}

/* ---- renewal ------------------------------------------------------------------------------------
 */

static void renewed_before_expiry(void **state)
{
    (void)state;

    set_lifetime(600 * MS);
    assert_int_equal(hsx_gpio_read(3), 1);
    uint64_t first_expiry = cap_of(HSX_CAP_MODULE_GPIO).expiry_ns;
    /* At two thirds: about 400 ms in, then every 400 ms. */
    assert_true(fake_hsxd_wait(&hsxd, &hsxd.renews, 3, 3000) >= 3);
    assert_int_equal(hsx_gpio_read(3), 1);
    hsx_cap_info_t info = cap_of(HSX_CAP_MODULE_GPIO);
    assert_true(info.id == 7);
    assert_true(info.expiry_ns > first_expiry);
    pthread_mutex_lock(&hsxd.lock);
    assert_int_equal(hsxd.last.op, HSXD_OP_RENEW);
    assert_int_equal(hsxd.last.module, HSX_MODULE_GPIO);
    assert_int_equal(hsxd.acquires, 1);
    pthread_mutex_unlock(&hsxd.lock);
}

static void a_refused_renewal_lets_it_expire(void **state)
{
    (void)state;

    set_lifetime(500 * MS);
    assert_int_equal(hsx_gpio_read(3), 1);
    set_daemon(-EACCES, -EACCES, "grant withdrawn");
    assert_int_equal(fake_hsxd_wait(&hsxd, &hsxd.renews, 1, 2000), 1);
    test_sleep_ms(1100);
    /* Refused once, never asked again; the capability expired. */
    assert_int_equal(fake_hsxd_get(&hsxd, &hsxd.renews), 1);
    assert_int_equal(hsx_gpio_read(3), HSX_HAL_DENIED);
    assert_int_equal(hsx_hal_errno(), EKEYEXPIRED);
    assert_string_equal(test_captured(),
                        "hsx: gpio access denied: hsxd refused: grant withdrawn\n");
}

static void a_renewal_hsxd_cannot_decide_now_is_tried_again(void **state)
{
    (void)state;

    set_lifetime(1500 * MS);
    assert_int_equal(hsx_gpio_read(3), 1);
    set_daemon(0, -EAGAIN, "admin node busy");
    /* Due at 1 s, "not now"; then again at 1.25 s, unlike a refusal. */
    assert_true(fake_hsxd_wait(&hsxd, &hsxd.renews, 2, 2500) >= 2);
}

static void an_unanswered_renewal_is_tried_again(void **state)
{
    (void)state;

    set_lifetime(3 * SEC);
    assert_int_equal(hsx_gpio_read(3), 1);
    pthread_mutex_lock(&hsxd.lock);
    hsxd.hang_up = true;
    pthread_mutex_unlock(&hsxd.lock);
    /* Due at 2 s; then, with 1 s left, half of it. */
    assert_int_equal(fake_hsxd_wait(&hsxd, &hsxd.renews, 1, 3000), 1);
    test_sleep_ms(150);
    pthread_mutex_lock(&hsxd.lock);
    hsxd.hang_up = false;
    pthread_mutex_unlock(&hsxd.lock);
    assert_int_equal(fake_hsxd_wait(&hsxd, &hsxd.renews, 2, 1500), 2);
    test_sleep_ms(1200);
    assert_int_equal(hsx_gpio_read(3), 1);
    assert_int_equal(fake_hsxd_get(&hsxd, &hsxd.acquires), 1);
}

static void the_schedule(void **state)
{
    (void)state;

    /* Two thirds of what is left. */
    assert_true(hsx_cap_renew_at(100 * SEC, 130 * SEC) == 120 * SEC);
    assert_true(hsx_cap_renew_at(0, 3600 * SEC) == 2400 * SEC);
    assert_true(hsx_cap_renew_at(5, 5 + 3) == 0);
    /* Not sooner than 100 ms; not at all within 100 ms of the end, or after it. */
    assert_true(hsx_cap_renew_at(SEC, SEC + 120 * MS) == SEC + 100 * MS);
    assert_true(hsx_cap_renew_at(SEC, SEC + 100 * MS) == 0);
    assert_true(hsx_cap_renew_at(SEC, SEC) == 0);
    assert_true(hsx_cap_renew_at(2 * SEC, SEC) == 0);
    /* No overflow near the end of time. */
    assert_true(hsx_cap_renew_at(UINT64_MAX - 3 * SEC, UINT64_MAX) == UINT64_MAX - SEC);

    /* Retries: a third of what is left, within 1..60 s, else halfway, else never. */
    assert_true(hsx_cap_renew_retry_at(0, 30 * SEC) == 10 * SEC);
    assert_true(hsx_cap_renew_retry_at(0, 3600 * SEC) == 60 * SEC);
    assert_true(hsx_cap_renew_retry_at(0, 2 * SEC) == SEC);
    assert_true(hsx_cap_renew_retry_at(0, SEC) == SEC / 2);
    assert_true(hsx_cap_renew_retry_at(0, 150 * MS) == 0);
    assert_true(hsx_cap_renew_retry_at(SEC, SEC) == 0);
    /* They end: from 3 s left, a handful of tries. */
    uint64_t now = 0, expiry = 3 * SEC;
    int tries = 0;
    while ((now = hsx_cap_renew_retry_at(now, expiry)) != 0)
        tries++;
    assert_true(tries > 2 && tries < 8);

    /* Acquisitions: 1 s, then doubling per failure, up to 30 s. */
    assert_true(hsx_cap_acquire_interval(0) == SEC);
    assert_true(hsx_cap_acquire_interval(1) == SEC);
    assert_true(hsx_cap_acquire_interval(2) == 2 * SEC);
    assert_true(hsx_cap_acquire_interval(4) == 8 * SEC);
    assert_true(hsx_cap_acquire_interval(6) == 30 * SEC);
    assert_true(hsx_cap_acquire_interval(1000) == 30 * SEC);
}

/* ---- revocation
 * ------------------------------------------------------------------------------------ */

static struct {
    pthread_mutex_t lock;
    int count;
    hsx_cap_event_t event;
    uint32_t length;
    pthread_t thread;
    void *user_data;
    unsigned int sleep_ms;
    bool running, finished;
} heard = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void hear_revocation(void *event, uint32_t length, void *user_data)
{
    pthread_mutex_lock(&heard.lock);
    heard.event = *(const hsx_cap_event_t *)event;
    heard.length = length;
    heard.thread = pthread_self();
    heard.user_data = user_data;
    heard.running = true;
    unsigned int sleep_ms = heard.sleep_ms;
    pthread_mutex_unlock(&heard.lock);
    test_sleep_ms(sleep_ms);
    pthread_mutex_lock(&heard.lock);
    heard.count++;
    heard.finished = true;
    pthread_mutex_unlock(&heard.lock);
}

static void reset_heard(unsigned int sleep_ms)
{
    pthread_mutex_lock(&heard.lock);
    heard.count = 0;
    heard.sleep_ms = sleep_ms;
    heard.running = heard.finished = false;
    pthread_mutex_unlock(&heard.lock);
}

/* The kernel ends capability id and tells its holder. */
static void kernel_revokes(uint64_t id, uint32_t reason, uint64_t object)
{
    char name[HSX_MBOX_NAME_MAX];

    fake_end(id, reason == HSX_CAP_END_EXPIRED ? EKEYEXPIRED : EKEYREVOKED);
    snprintf(name, sizeof(name), "hal:cap:%llu", (unsigned long long)id);
    int peer = mailbox_peer(name, NULL);
    assert_true(peer >= 0);
    struct test_event ev =
        test_cap_end(1000 + (uint32_t)id, 1, id, HSX_MODULE_GPIO, object, reason);
    assert_true(test_send_event(peer, &ev));
    /* The library may have closed its end already: no SIGPIPE for that. */
    unsigned char buf[HSX_NL_BUFSIZE];
    ev = test_closed(1000 + (uint32_t)id, 2, HSX_CLOSE_CANCELLED);
    size_t len = test_put_event(buf, &ev);
    send(peer, buf, len, MSG_NOSIGNAL);
}

static void revocation_is_heard_and_the_next_use_asks_again(void **state)
{
    int marker;
    (void)state;

    reset_heard(0);
    assert_int_equal(hsx_cap_set_revoke_callback(hear_revocation, &marker), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_read(3), 1);
    int peer = mailbox_peer("hal:cap:7", NULL);
    kernel_revokes(7, HSX_CAP_END_EXPLICIT, 0xff);
    assert_int_equal(test_count_within(&heard.lock, &heard.count, 1, 2000), 1);

    pthread_mutex_lock(&heard.lock);
    assert_true(heard.event.id == 7);
    assert_int_equal(heard.event.module, HSX_CAP_MODULE_GPIO);
    assert_true(heard.event.object == 0xff);
    assert_int_equal(heard.event.reason, HSX_CAP_REASON_EXPLICIT);
    assert_int_equal(heard.length, sizeof(hsx_cap_event_t));
    assert_ptr_equal(heard.user_data, &marker);
    assert_false(pthread_equal(heard.thread, pthread_self())); /* the dispatcher's */
    pthread_mutex_unlock(&heard.lock);
    assert_true(closed_by_library(peer, 1000));

    hsx_cap_info_t info = cap_of(HSX_CAP_MODULE_GPIO);
    assert_int_equal(info.status, HSX_CAP_STATUS_NONE);
    assert_string_equal(info.message, "capability 7 revoked");

    /* Within a second of the last acquisition: denied, not asked. */
    assert_int_equal(hsx_gpio_read(3), HSX_HAL_DENIED);
    assert_int_equal(hsx_hal_errno(), EKEYREVOKED);
    assert_int_equal(fake_hsxd_get(&hsxd, &hsxd.acquires), 1);
    assert_string_equal(test_captured(), "hsx: gpio access denied: capability 7 revoked\n");
    test_sleep_ms(1050);
    assert_int_equal(hsx_gpio_read(3), 1);
    assert_int_equal(fake_hsxd_get(&hsxd, &hsxd.acquires), 2);
    assert_true(cap_of(HSX_CAP_MODULE_GPIO).id == 8);
    assert_int_equal(hsx_cap_set_revoke_callback(NULL, NULL), HSX_HAL_OK);
}

static void removing_the_callback_waits_for_it(void **state)
{
    (void)state;

    reset_heard(300);
    assert_int_equal(hsx_cap_set_revoke_callback(hear_revocation, NULL), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_read(3), 1);
    kernel_revokes(7, HSX_CAP_END_EXPIRED, 0);
    for (int i = 0; i < 200; i++) {
        pthread_mutex_lock(&heard.lock);
        bool running = heard.running;
        pthread_mutex_unlock(&heard.lock);
        if (running)
            break;
        test_sleep_ms(5);
    }
    assert_int_equal(hsx_cap_set_revoke_callback(NULL, NULL), HSX_HAL_OK);
    pthread_mutex_lock(&heard.lock);
    assert_true(heard.finished);
    assert_int_equal(heard.event.reason, HSX_CAP_REASON_EXPIRED);
    pthread_mutex_unlock(&heard.lock);
}

static void an_ended_capability_is_found_out_without_its_event(void **state)
{
    (void)state;

    assert_int_equal(hsx_gpio_read(3), 1);
    fake_end(7, EKEYEXPIRED);
    test_sleep_ms(1050);
    assert_int_equal(hsx_gpio_read(3), 1);
    assert_int_equal(fake_hsxd_get(&hsxd, &hsxd.acquires), 2);
    assert_string_equal(test_captured(), "");
}

/* ---- inside a callback: no exchange with hsxd on the dispatcher ----------------------------- */

static struct {
    pthread_mutex_t lock;
    int count;
    int ret, err;
    uint64_t took_ms;
} inside = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* On the dispatcher: an operation the revocation left without a capability. */
static void read_on_revocation(void *event, uint32_t length, void *user_data)
{
    (void)event;
    (void)length;
    (void)user_data;
    uint64_t start = test_now_ms();
    int ret = hsx_gpio_read(3);
    int err = hsx_hal_errno();
    pthread_mutex_lock(&inside.lock);
    inside.ret = ret;
    inside.err = err;
    inside.took_ms = test_now_ms() - start;
    inside.count++;
    pthread_mutex_unlock(&inside.lock);
}

/* Revoked over a second after it was acquired: a denied operation may ask hsxd again. */
static void revoke_and_read_inside(bool silent_hsxd)
{
    pthread_mutex_lock(&inside.lock);
    inside.count = 0;
    pthread_mutex_unlock(&inside.lock);
    assert_int_equal(hsx_cap_set_revoke_callback(read_on_revocation, NULL), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_read(3), 1);
    pthread_mutex_lock(&hsxd.lock);
    hsxd.silent = silent_hsxd;
    pthread_mutex_unlock(&hsxd.lock);
    test_sleep_ms(1050);
    kernel_revokes(7, HSX_CAP_END_EXPLICIT, 0);
    assert_int_equal(test_count_within(&inside.lock, &inside.count, 1, 5000), 1);
    /* The callback ran once and is done with inside. */
}

static void a_denial_inside_a_callback_does_not_wait_for_hsxd(void **state)
{
    (void)state;

    hsx_hsxd_set_timeout_ms(1500);
    revoke_and_read_inside(true);
    /* Before: the callback waited the exchange's 1.5 s for a silent hsxd. */
    assert_in_range(inside.took_ms, 0, 500);
    assert_int_equal(inside.ret, HSX_HAL_DENIED);
    assert_int_equal(inside.err, EKEYREVOKED);
    assert_int_equal(hsx_cap_set_revoke_callback(NULL, NULL), HSX_HAL_OK);
    /* Asked all the same, off the dispatcher. */
    assert_int_equal(fake_hsxd_wait(&hsxd, &hsxd.requests, 2, 2000), 2);
    hsx_hsxd_set_timeout_ms(0);
}

static void a_denial_inside_a_callback_acquires_in_the_background(void **state)
{
    (void)state;

    revoke_and_read_inside(false);
    /* Before: acquired there and then, on the dispatcher. */
    assert_int_equal(inside.ret, HSX_HAL_DENIED);
    assert_int_equal(inside.err, EKEYREVOKED);
    assert_int_equal(hsx_cap_set_revoke_callback(NULL, NULL), HSX_HAL_OK);
    /* The renewal thread acquired: the next use has it, without asking again. */
    assert_int_equal(fake_hsxd_wait(&hsxd, &hsxd.acquires, 2, 2000), 2);
    for (int i = 0; i < 200 && cap_of(HSX_CAP_MODULE_GPIO).status != HSX_CAP_STATUS_HELD; i++)
        test_sleep_ms(5);
    assert_int_equal(hsx_gpio_read(3), 1);
    assert_true(cap_of(HSX_CAP_MODULE_GPIO).id == 8);
    assert_int_equal(fake_hsxd_get(&hsxd, &hsxd.acquires), 2);
}

struct waiter {
    pthread_t thread;
    int ret, err;
};

static void *wait_for_edge(void *arg)
{
    struct waiter *w = arg;

    w->ret = hsx_gpio_wait_interrupt(5, 5000);
    w->err = hsx_hal_errno();
    return NULL;
}

static void a_blocked_wait_is_denied_when_revoked(void **state)
{
    struct waiter w;
    int gpio_auth = -2, cap_auth = -2;
    (void)state;

    assert_int_equal(hsx_gpio_config(5, HSX_GPIO_MODE_INPUT, HSX_GPIO_PULL_NONE), HSX_HAL_OK);
    assert_int_equal(hsx_gpio_set_interrupt(5, HSX_GPIO_EDGE_RISING, true), HSX_HAL_OK);
    /* Listening to the pin is authorized by the file that holds the capability. */
    int peer = mailbox_peer("hal:gpio:5", &gpio_auth);
    assert_true(peer >= 0);
    assert_true(mailbox_peer("hal:cap:7", &cap_auth) >= 0);
    assert_true(gpio_auth >= 0);
    assert_int_equal(gpio_auth, cap_auth);

    assert_int_equal(pthread_create(&w.thread, NULL, wait_for_edge, &w), 0);
    test_sleep_ms(50);
    struct test_event ev = test_closed(105, 1, HSX_CLOSE_REVOKED);
    assert_true(test_send_event(peer, &ev));
    assert_int_equal(pthread_join(w.thread, NULL), 0);
    assert_int_equal(w.ret, HSX_HAL_DENIED);
    assert_int_equal(w.err, EKEYREVOKED);
    assert_int_equal(hsx_gpio_wait_interrupt(5, 100), HSX_HAL_DENIED);
    assert_int_equal(hsx_gpio_set_interrupt(5, HSX_GPIO_EDGE_RISING, false), HSX_HAL_OK);
}

/* ---- fork
 * -------------------------------------------------------------------------------------------- */

static void a_forked_child_acquires_its_own(void **state)
{
    int status;
    (void)state;

    assert_int_equal(hsx_gpio_read(3), 1);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        /* The parent's file is the parent's: the child opens its own and asks for itself. */
        hsx_cap_info_t info;
        bool ok = hsx_gpio_read(3) == 1 && hsx_cap_get(HSX_CAP_MODULE_GPIO, &info) == HSX_HAL_OK &&
                  info.status == HSX_CAP_STATUS_HELD && info.id == 8;
        _exit(ok ? 0 : 1);
    }
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    pthread_mutex_lock(&hsxd.lock);
    assert_int_equal(hsxd.acquires, 2);
    assert_int_equal(hsxd.last_pid, child);
    pthread_mutex_unlock(&hsxd.lock);
    /* The parent's is untouched. */
    assert_int_equal(hsx_gpio_read(3), 1);
    assert_true(cap_of(HSX_CAP_MODULE_GPIO).id == 7);
}

static void a_dropped_module_stays_dropped_in_a_child(void **state)
{
    int status;
    (void)state;

    assert_int_equal(hsx_gpio_read(3), 1);
    assert_int_equal(hsx_cap_drop(HSX_CAP_MODULE_GPIO), HSX_HAL_OK);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0)
        _exit(hsx_gpio_read(3) == HSX_HAL_DENIED ? 0 : 1);
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    assert_int_equal(fake_hsxd_get(&hsxd, &hsxd.acquires), 1);
}

static void names(void **state)
{
    (void)state;
    assert_string_equal(hsx_cap_status_name(HSX_CAP_STATUS_HELD), "held");
    assert_string_equal(hsx_cap_status_name(HSX_CAP_STATUS_NOT_NEEDED), "not needed");
    assert_string_equal(hsx_cap_status_name(HSX_CAP_STATUS_NONE), "none");
    assert_string_equal(hsx_cap_status_name((hsx_cap_status_t)9), "unknown");
    assert_string_equal(hsx_cap_reason_name(HSX_CAP_REASON_EXPLICIT), "revoked");
    assert_string_equal(hsx_cap_reason_name(HSX_CAP_REASON_EXPIRED), "expired");
    assert_string_equal(hsx_cap_reason_name(HSX_CAP_REASON_HOLDER_EXITED), "holder exited");
    assert_string_equal(hsx_cap_reason_name(HSX_CAP_REASON_PARENT), "parent revoked");
    assert_string_equal(hsx_cap_reason_name((hsx_cap_reason_t)0), "ended");
}

/* ---- teardown --------------------------------------------------------------------------- */

/*
 * The renewal thread held up where its stop eventfd does not reach: waiting
 * for the capabilities' lock, which the exiting thread holds.
 */
static int exit_while_the_renewal_thread_is_held_up(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&hsx_caps.lock);
    if (hsx_renew_kick() != 0)
        return 2;
    test_sleep_ms(50); /* the thread waits for the lock */
    exit(6);
}

static void exit_does_not_wait_for_ever_on_the_renewal_thread(void **state)
{
    (void)state;
    uint64_t start = test_now_ms();

    /* Before: the destructor's join never returned, and the child was killed (-1). */
    assert_int_equal(test_in_child(exit_while_the_renewal_thread_is_held_up, NULL, 5000), 6);
    assert_true(test_now_ms() - start < 4000);
}

#define CAP_TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        CAP_TEST(root_needs_no_capability),
        CAP_TEST(without_enforcement_nothing_is_asked),
        CAP_TEST(first_use_acquires_what_the_policy_allows),
        CAP_TEST(each_module_has_its_own),
        CAP_TEST(concurrent_first_uses_acquire_once),
        CAP_TEST(without_hsxd_operations_are_denied_with_one_line),
        CAP_TEST(the_line_can_be_silenced),
        CAP_TEST(a_refusal_is_told_in_hsxds_words),
        CAP_TEST(a_fake_hsxd_is_refused),
        CAP_TEST(hsxd_is_asked_again_later_not_in_a_loop),
        CAP_TEST(hsxd_started_later_is_found),
        CAP_TEST(a_denial_under_a_capability_asks_nothing),
        CAP_TEST(request_asks_for_less_and_is_busy_while_held),
        CAP_TEST(request_refuses_what_no_module_has),
        CAP_TEST(drop_ends_it_and_acquires_nothing_more),
        CAP_TEST(renewed_before_expiry),
        CAP_TEST(a_refused_renewal_lets_it_expire),
        CAP_TEST(a_renewal_hsxd_cannot_decide_now_is_tried_again),
        CAP_TEST(an_unanswered_renewal_is_tried_again),
        cmocka_unit_test(the_schedule),
        CAP_TEST(revocation_is_heard_and_the_next_use_asks_again),
        CAP_TEST(removing_the_callback_waits_for_it),
        CAP_TEST(an_ended_capability_is_found_out_without_its_event),
        CAP_TEST(a_blocked_wait_is_denied_when_revoked),
        CAP_TEST(a_denial_inside_a_callback_does_not_wait_for_hsxd),
        CAP_TEST(a_denial_inside_a_callback_acquires_in_the_background),
        CAP_TEST(a_forked_child_acquires_its_own),
        CAP_TEST(a_dropped_module_stays_dropped_in_a_child),
        cmocka_unit_test(names),
        cmocka_unit_test(exit_does_not_wait_for_ever_on_the_renewal_thread),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
