// SPDX-License-Identifier: MIT
/*
 * hsxd's request handlers and bookkeeping against a fake hsx.ko: what is
 * minted, renewed and revoked, what the client is told, and what is logged
 * (once) for each grant, denial and end.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "admin.h"
#include "fake.h"
#include "lifecycle.h"
#include "ops.h"

/* A rule's grant of each module (policy_slot()). */
#define GPIO policy_slot(HSX_MODULE_GPIO)
#define TIMER policy_slot(HSX_MODULE_TIMER)

#define S 1000000000ull
#define APP_PID 4242

static struct hsxd *h;
static struct policy_rule rules[2];
static struct policy policy = {.lifetime_s = 3600, .rules = rules, .nrules = 1};
/* /usr/bin/app as the rule and the client see it: one file. */
#define APP_FILE                                                                                   \
    {                                                                                              \
        .dev = 8, .ino = 4242                                                                      \
    }
static struct identity app = {.pid = APP_PID,
                              .uid = 1000,
                              .gid = 1000,
                              .exe = "/usr/bin/app",
                              .exe_id = APP_FILE,
                              .cgroup = "/"};
static struct identity root = {.pid = 1, .uid = 0, .gid = 0, .exe = "/usr/bin/hsxctl"};
static struct hsxd_reply reply;

static int setup(void **state)
{
    (void)state;
    h = fake_hsxd_new(&policy);
    memset(rules, 0, sizeof(rules));
    fake_rule(&rules[0], "app", 1000, 600);
    rules[0].match |= POLICY_MATCH_EXE;
    rules[0].exe = "/usr/bin/app";
    rules[0].exe_id = (struct file_id)APP_FILE;
    rules[0].grant[GPIO] = (struct policy_grant){
        .present = true, .rights = HSX_CAP_R_READ | HSX_CAP_R_WRITE, .sel.gpio.pins = 0xf0};
    memset(&reply, 0, sizeof(reply));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_hsxd_free(h);
    return 0;
}

static void acquire(const struct identity *who, int fd, uint32_t module, uint32_t rights,
                    uint64_t sel0)
{
    struct hsxd_request req = {
        .version = 1, .op = HSXD_OP_ACQUIRE, .module = module, .rights = rights, .sel.raw = {sel0}};

    memset(&reply, 0, sizeof(reply));
    ops_acquire(h, who, -1, fd, &req, &reply);
}

static void granted_as_the_policy_narrows_it(void **state)
{
    (void)state;
    int fd = fake_open(APP_PID, HSX_MODULE_GPIO);

    acquire(&app, fd, HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, 0);
    assert_int_equal(reply.cap.id, 1);
    assert_int_equal(reply.cap.rights, HSX_CAP_R_READ | HSX_CAP_R_WRITE);
    assert_true(reply.cap.sel.gpio.pins == 0xf0);
    assert_true(reply.cap.expiry_ns == fake.now_ns + 600 * S);
    assert_int_equal(reply.cap.holder_pid, APP_PID);
    const struct hsx_cap_info *minted = fake_live(1);
    assert_non_null(minted);
    assert_int_equal(minted->rights, reply.cap.rights);
    /* Logged once, with who, what and which rule. */
    assert_int_equal(fake_log_count(), 1);
    assert_non_null(strstr(fake_log_last(), "granted capability 1 to pid 4242 uid 1000 exe "
                                            "/usr/bin/app: gpio read,write pins 4-7 for 600 s"));
    assert_non_null(strstr(fake_log_last(), "by app"));
    /* Tracked for its holder. */
    assert_non_null(holders_cap(&h->holders, 1));
    assert_non_null(holders_find(&h->holders, APP_PID));

    /* The same file again: renew instead. */
    acquire(&app, fd, HSX_MODULE_GPIO, HSX_CAP_R_READ, 0x10);
    assert_int_equal(reply.status, -EEXIST);
    assert_non_null(strstr(reply.message, "already holds a gpio capability: renew it"));

    /* A second file of the same process, narrower. */
    fd = fake_open(APP_PID, HSX_MODULE_GPIO);
    acquire(&app, fd, HSX_MODULE_GPIO, HSX_CAP_R_READ | HSX_CAP_R_GPIO_IRQ, 0x11);
    assert_int_equal(reply.status, 0);
    assert_int_equal(reply.cap.rights, HSX_CAP_R_READ);
    assert_true(reply.cap.sel.gpio.pins == 0x10);
    assert_int_equal(holders_find(&h->holders, APP_PID)->caps, 2);
}

static void denials_are_logged_once(void **state)
{
    (void)state;
    int fd = fake_open(APP_PID, HSX_MODULE_TIMER);

    for (int i = 0; i < 50; i++)
        acquire(&app, fd, HSX_MODULE_TIMER, 0, 0);
    assert_int_equal(reply.status, -EACCES);
    assert_string_equal(reply.message, "1 rule matches uid 1000, but none grants timer");
    assert_int_equal(fake.ncaps, 0);
    assert_int_equal(fake_log_count(), 1);
    assert_non_null(strstr(fake_log_last(), "denied acquire of timer read,write,grant "
                                            "max_timers 64 to pid 4242 uid 1000 exe /usr/bin/app: "
                                            "1 rule matches uid 1000, but none grants timer"));
    /* The count comes when the window ends. */
    fake.now_ns += 11 * S;
    ops_flush_denials(h, false);
    assert_int_equal(fake_log_count(), 2);
    assert_non_null(strstr(fake_log_last(), "[and 49 more like it, not logged]"));

    /* Another process of the same program and user is the same kind of denial. */
    struct identity twin = app;
    twin.pid = APP_PID + 1;
    int other = fake_open(twin.pid, HSX_MODULE_TIMER);
    acquire(&twin, other, HSX_MODULE_TIMER, 0, 0);
    assert_int_equal(fake_log_count(), 3);
    acquire(&twin, other, HSX_MODULE_TIMER, 0, 0);
    assert_int_equal(fake_log_count(), 3);
    /* At exit, what is pending is logged whatever the time. */
    ops_flush_denials(h, true);
    assert_int_equal(fake_log_count(), 4);
    assert_non_null(strstr(fake_log_last(), "[and 1 more like it, not logged]"));

    /* Nothing matches another program. */
    struct identity stranger = app;
    stranger.exe = "/tmp/evil";
    acquire(&stranger, fake_open(APP_PID, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, -EACCES);
    assert_string_equal(reply.message, "no policy rule matches uid 1000, exe /tmp/evil");
}

/* A program's name is the client's to choose: in the log and replies, its bytes are escaped. */
static void program_names_are_escaped(void **state)
{
    struct identity odd = app;
    (void)state;

    odd.exe = "/tmp/a\nhsxd: granted capability 9 to pid 1\\\x1b[2J\xff";
    acquire(&odd, fake_open(APP_PID, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, -EACCES);
    const char *escaped = "/tmp/a\\nhsxd: granted capability 9 to pid 1\\\\\\x1b[2J\\xff";
    assert_non_null(strstr(reply.message, escaped));
    assert_int_equal(fake_log_count(), 1);
    assert_non_null(strstr(fake_log_last(), escaped));
    assert_null(strchr(fake_log_last(), '\n'));

    /* Its capability's end, granted under a uid rule, likewise. */
    rules[0].match = POLICY_MATCH_UID;
    acquire(&odd, fake_open(APP_PID, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, 0);
    assert_non_null(strstr(fake_log_last(), escaped));
    struct cap_event end = {.id = reply.cap.id, .reason = HSX_CAP_END_EXPLICIT};
    assert_int_equal(lifecycle_event(h, &end), 0);
    assert_non_null(strstr(fake_log_last(), "ended"));
    assert_non_null(strstr(fake_log_last(), escaped));
}

static void the_file_must_be_the_asking_processs_own(void **state)
{
    (void)state;
    int theirs = fake_open(7777, HSX_MODULE_GPIO);

    /* Passed a file another process opened: no grant, whatever the policy says. */
    acquire(&app, theirs, HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, -ESRCH);
    assert_non_null(strstr(reply.message, "opened by pid 7777, not by the process asking"));
    assert_int_equal(fake.ncaps, 0);
    assert_int_equal(fake_log_matching("denied acquire"), 1);

    /* Its opener exited (a recycled pid must not inherit). */
    int mine = fake_open(APP_PID, HSX_MODULE_GPIO);
    fake.file[1].alive = false;
    acquire(&app, mine, HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, -ESRCH);
    assert_non_null(strstr(reply.message, "exited pid 4242"));

    /* Not a /dev/hsx file at all. */
    acquire(&app, 3, HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, -EINVAL);
    assert_string_equal(reply.message, "the file descriptor sent is not a /dev/hsx file");

    /* A file of another module. */
    int timer = fake_open(APP_PID, HSX_MODULE_TIMER);
    acquire(&app, timer, HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, -EINVAL);
    assert_string_equal(reply.message, "the file sent does not serve gpio");

    /* Opened with privilege: it needs nothing. */
    int privileged = fake_open(APP_PID, HSX_MODULE_GPIO);
    fake.file[3].privileged = true;
    acquire(&app, privileged, HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, -EINVAL);
    assert_non_null(strstr(reply.message, "needs no capability"));
    assert_int_equal(fake.ncaps, 0);
}

static void the_kernel_may_still_refuse(void **state)
{
    (void)state;
    int fd = fake_open(APP_PID, HSX_MODULE_GPIO);

    /* The opener died between the check and the mint. */
    fake.fail_mint = -ESRCH;
    acquire(&app, fd, HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, -ESRCH);
    assert_string_equal(reply.message, "the process exited");
    fake.fail_mint = -EDQUOT;
    acquire(&app, fd, HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, -EDQUOT);
    assert_non_null(strstr(reply.message, "too many capabilities"));
    fake.fail_mint = -EIO;
    acquire(&app, fd, HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, -EIO);
    assert_non_null(strstr(reply.message, "hsx.ko refused"));
    assert_int_equal(h->holders.ncaps, 0);
}

static void renew(int fd, uint32_t lifetime)
{
    struct hsxd_request req = {
        .version = 1, .op = HSXD_OP_RENEW, .module = HSX_MODULE_GPIO, .lifetime_s = lifetime};

    memset(&reply, 0, sizeof(reply));
    ops_renew(h, &app, fd, &req, &reply);
}

static void renewal_while_the_policy_allows_it(void **state)
{
    (void)state;
    int fd = fake_open(APP_PID, HSX_MODULE_GPIO);

    renew(fd, 0);
    assert_int_equal(reply.status, -ENOENT);
    assert_non_null(strstr(reply.message, "holds no live gpio capability: acquire one"));

    acquire(&app, fd, HSX_MODULE_GPIO, HSX_CAP_R_READ, 0x30);
    fake.now_ns += 500 * S;
    renew(fd, 0);
    assert_int_equal(reply.status, 0);
    assert_true(reply.cap.expiry_ns == fake.now_ns + 600 * S);
    assert_true(fake_live(1)->expiry_ns == fake.now_ns + 600 * S);
    assert_non_null(strstr(fake_log_last(), "renewed capability 1 of pid 4242"));
    renew(fd, 30);
    assert_true(fake_live(1)->expiry_ns == fake.now_ns + 30 * S);

    /* The policy took pin 5 away: no renewal, and the denial is logged. */
    rules[0].grant[GPIO].sel.gpio.pins = 0x10;
    renew(fd, 0);
    assert_int_equal(reply.status, -EACCES);
    assert_non_null(strstr(reply.message, "the policy no longer allows all of it"));
    assert_non_null(strstr(fake_log_last(), "denied renew of gpio read pins 4-5"));

    /* And with no rule at all. */
    policy.nrules = 0;
    renew(fd, 0);
    policy.nrules = 1;
    assert_int_equal(reply.status, -EACCES);
    assert_non_null(strstr(reply.message, "no policy rule matches"));
}

static void runtime_grants(void **state)
{
    struct hsxd_request grant = {.version = 1,
                                 .op = HSXD_OP_GRANT,
                                 .module = HSX_MODULE_TIMER,
                                 .rights = HSX_CAP_R_READ | HSX_CAP_R_WRITE,
                                 .sel.timer.max_timers = 3,
                                 .uid = 1000,
                                 .lifetime_s = 120};
    (void)state;
    int fd = fake_open(APP_PID, HSX_MODULE_TIMER);

    ops_grant(h, &root, &grant, &reply);
    assert_int_equal(reply.status, 0);
    assert_string_equal(reply.message,
                        "uid 1000 may acquire timer read,write max_timers 3 for 120 s (grant 1)");
    assert_non_null(strstr(fake_log_last(), "runtime grant 1 by pid 1 uid 0 exe /usr/bin/hsxctl"));

    acquire(&app, fd, HSX_MODULE_TIMER, 0, 0);
    assert_int_equal(reply.status, 0);
    assert_int_equal(reply.cap.sel.timer.max_timers, 3);
    assert_true(reply.cap.expiry_ns == fake.now_ns + 120 * S);
    assert_non_null(strstr(fake_log_last(), "by grant 1"));

    /* It lapses; then it grants nothing. */
    fake.now_ns += 121 * S;
    ops_expire_grants(h);
    assert_int_equal(h->ngrants, 0);
    assert_non_null(strstr(fake_log_last(), "runtime grant 1 lapsed"));

    /* A bounded number of them. */
    for (int i = 0; i < GRANTS_MAX; i++)
        ops_grant(h, &root, &grant, &reply);
    assert_int_equal(reply.status, 0);
    ops_grant(h, &root, &grant, &reply);
    assert_int_equal(reply.status, -ENOSPC);
    assert_non_null(strstr(reply.message, "64 runtime grants are in force"));
}

static void revocations(void **state)
{
    struct hsxd_request by_id = {.version = 1, .op = HSXD_OP_REVOKE, .cap_id = 1};
    struct hsxd_request by_pid = {
        .version = 1, .op = HSXD_OP_REVOKE, .pid = APP_PID, .flags = HSXD_REVOKE_F_PID};
    (void)state;

    acquire(&app, fake_open(APP_PID, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    acquire(&app, fake_open(APP_PID, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    acquire(&app, fake_open(APP_PID, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);

    memset(&reply, 0, sizeof(reply));
    ops_revoke(h, &root, &by_id, &reply);
    assert_int_equal(reply.status, 0);
    assert_int_equal(reply.count, 1);
    assert_string_equal(reply.message, "1 capability ended; pid 4242 is barred from gpio until it "
                                       "exits or a new grant");
    assert_null(fake_live(1));
    assert_non_null(strstr(fake_log_last(), "pid 1 uid 0 exe /usr/bin/hsxctl revoked capability "
                                            "1: 1 ended, derived ones included; pid 4242 is "
                                            "barred from gpio"));
    ops_revoke(h, &root, &by_id, &reply);
    assert_int_equal(reply.status, -ENOENT);
    assert_string_equal(reply.message, "no live capability has id 1");

    memset(&reply, 0, sizeof(reply));
    ops_revoke(h, &root, &by_pid, &reply);
    assert_int_equal(reply.status, 0);
    assert_int_equal(reply.count, 2);
    assert_string_equal(reply.message, "2 capabilities ended; pid 4242 is barred from every module "
                                       "until it exits or a new grant");
    ops_revoke(h, &root, &by_pid, &reply);
    assert_int_equal(reply.status, -ENOENT);
    assert_string_equal(reply.message, "pid 4242 holds no live capability");
}

static void listing(void **state)
{
    uint64_t after = 0;
    (void)state;

    fake_add_cap(10, HSX_MODULE_GPIO, HSX_CAP_R_READ, 1);
    fake_add_cap(11, HSX_MODULE_TIMER, HSX_CAP_R_READ, 2);
    fake_add_cap(12, HSX_MODULE_GPIO, HSX_CAP_R_READ, 4);
    struct hsx_cap_revoke gone = {.id = 2};
    admin_revoke(FAKE_CTL, &gone);

    assert_true(ops_list_next(h, &after, &reply));
    assert_int_equal(reply.op, HSXD_OP_LIST);
    assert_int_equal(reply.cap.id, 1);
    assert_true(ops_list_next(h, &after, &reply));
    assert_int_equal(reply.cap.id, 3);
    assert_int_equal(reply.cap.holder_pid, 12);
    assert_false(ops_list_next(h, &after, &reply));
    assert_int_equal(reply.op, HSXD_OP_END);
    assert_int_equal(reply.status, 0);
}

static void ends_are_logged_and_forgotten(void **state)
{
    (void)state;
    acquire(&app, fake_open(APP_PID, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    fake_log_clear();

    struct cap_event expired = {.id = 1,
                                .module = HSX_MODULE_GPIO,
                                .object = 0xf0,
                                .reason = HSX_CAP_END_EXPIRED,
                                .holder_pid = APP_PID};
    assert_int_equal(lifecycle_event(h, &expired), 0);
    assert_int_equal(fake_log_count(), 1);
    assert_non_null(strstr(fake_log_last(), "capability 1 of pid 4242 uid 1000 exe /usr/bin/app "
                                            "ended: expired (it was gpio read,write pins 4-7)"));
    assert_null(holders_cap(&h->holders, 1));
    /* Its holder held nothing else: no longer watched. */
    assert_null(holders_find(&h->holders, APP_PID));

    /* One hsxd did not mint (derived, or before a lost event): still logged. */
    struct cap_event other = {
        .id = 9, .module = HSX_MODULE_TIMER, .reason = HSX_CAP_END_HOLDER_EXITED, .holder_pid = 55};
    assert_int_equal(lifecycle_event(h, &other), 0);
    assert_non_null(strstr(fake_log_last(), "capability 9 of pid 55 ended: holder exited (it was "
                                            "timer max_timers 0)"));

    struct cap_event closed = {.closed = true};
    assert_int_equal(lifecycle_event(h, &closed), -EPIPE);
}

static void an_exited_holder_leaves_nothing_behind(void **state)
{
    (void)state;
    acquire(&app, fake_open(APP_PID, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    acquire(&app, fake_open(APP_PID, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    /* The kernel ended one as the file closed; a child keeps the other's file open. */
    struct hsx_cap_revoke closed = {.id = 1, .reason = HSX_CAP_END_HOLDER_EXITED};
    admin_revoke(FAKE_CTL, &closed);
    fake_log_clear();

    lifecycle_holder_exited(h, holders_find(&h->holders, APP_PID));
    assert_null(fake_live(2));
    assert_int_equal(fake.cap[1].info.reason, HSX_CAP_END_HOLDER_EXITED);
    assert_int_equal(fake_log_count(), 1);
    assert_non_null(strstr(fake_log_last(), "pid 4242 (uid 1000 exe /usr/bin/app) exited and "
                                            "left 1 capability live"));
    assert_null(holders_find(&h->holders, APP_PID));
    assert_int_equal(h->holders.ncaps, 0);

    /* Nothing left: nothing logged. */
    acquire(&app, fake_open(APP_PID, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    struct hsx_cap_revoke all = {.pid = APP_PID, .flags = HSX_CAP_REVOKE_BY_PID};
    admin_revoke(FAKE_CTL, &all);
    fake_log_clear();
    lifecycle_holder_exited(h, holders_find(&h->holders, APP_PID));
    assert_int_equal(fake_log_count(), 0);
}

static void a_restart_adopts_what_lives(void **state)
{
    (void)state;
    /* This test process stands for a holder that lives; a pid that does not exist, for one gone. */
    uint32_t me = (uint32_t)getpid();
    uint64_t mine = fake_add_cap(me, HSX_MODULE_GPIO, HSX_CAP_R_READ, 1);
    uint64_t orphan = fake_add_cap(4194303, HSX_MODULE_TIMER, HSX_CAP_R_READ, 2);
    uint64_t unseen = fake_add_cap(0, HSX_MODULE_TIMER, HSX_CAP_R_READ, 2);

    assert_int_equal(lifecycle_adopt(h), 1);
    assert_non_null(holders_cap(&h->holders, mine));
    struct holder *holder = holders_find(&h->holders, me);
    assert_non_null(holder);
    assert_true(holder->pidfd >= 0);
    assert_int_equal(holder->uid, geteuid());
    /* Nothing is revoked but what a dead holder left. */
    assert_non_null(fake_live(mine));
    assert_null(fake_live(orphan));
    assert_int_equal(fake_log_matching("its holder pid 4194303 is gone"), 1);
    assert_non_null(fake_live(unseen));

    /* Adopting again changes nothing. */
    assert_int_equal(lifecycle_adopt(h), 0);
    assert_int_equal(h->holders.ncaps, 1);

    /* Events were lost: what ended meanwhile is forgotten, what is new adopted. */
    struct hsx_cap_revoke gone = {.id = mine};
    admin_revoke(FAKE_CTL, &gone);
    uint64_t fresh = fake_add_cap(me, HSX_MODULE_TIMER, HSX_CAP_R_READ, 2);
    lifecycle_resync(h);
    assert_null(holders_cap(&h->holders, mine));
    assert_non_null(holders_cap(&h->holders, fresh));
    assert_int_equal(fake_log_matching("ended (its event was lost)"), 1);
}

static void refusals_before_a_handler(void **state)
{
    (void)state;
    for (int i = 0; i < 5; i++)
        ops_refuse(h, &app, HSXD_OP_LIST, -EPERM, "list is for root only", &reply);
    assert_int_equal(reply.status, -EPERM);
    assert_string_equal(reply.message, "list is for root only");
    assert_int_equal(fake_log_count(), 1);
    assert_non_null(strstr(fake_log_last(), "denied list to pid 4242 uid 1000 exe /usr/bin/app: "
                                            "list is for root only"));
    ops_refuse(h, &app, 0, -EPROTO, "protocol version 7", &reply);
    assert_non_null(strstr(fake_log_last(), "denied a malformed request to pid 4242"));
}

/* One user fills neither hsxd's tables nor its descriptors (a pidfd per holder). */
static void each_user_is_bounded(void **state)
{
    struct identity who = app, other = app;
    (void)state;

    rules[0].match = POLICY_MATCH_GID;
    rules[0].gid = 1000;
    /* Processes: HOLDERS_PER_UID of them, then no new one; an old one may still acquire. */
    for (uint32_t i = 0; i < HOLDERS_PER_UID; i++) {
        who.pid = 20000 + i;
        acquire(&who, fake_open(who.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
        assert_int_equal(reply.status, 0);
    }
    who.pid = 20000 + HOLDERS_PER_UID;
    acquire(&who, fake_open(who.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, -EDQUOT);
    assert_non_null(strstr(reply.message, "256 processes of uid 1000 hold capabilities"));
    assert_int_equal(fake_log_matching("denied acquire of gpio"), 1);
    other.uid = 1001;
    other.pid = 30000;
    acquire(&other, fake_open(other.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, 0);

    /* Capabilities: HOLDERS_CAPS_PER_UID in all, however many processes hold them. */
    for (uint32_t i = HOLDERS_PER_UID; i < HOLDERS_CAPS_PER_UID; i++) {
        who.pid = 20000 + i % HOLDERS_PER_UID;
        acquire(&who, fake_open(who.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
        assert_int_equal(reply.status, 0);
    }
    who.pid = 20000;
    acquire(&who, fake_open(who.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, -EDQUOT);
    assert_non_null(strstr(reply.message, "uid 1000 holds 1024 capabilities"));

    /* One ends: there is room again. */
    holders_untrack(&h->holders, 1, NULL);
    acquire(&who, fake_open(who.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, 0);
}

/* ---- admin revocations stick ------------------------------------------------------------ */

/* The test process itself stands for an application: it lives, and its pidfd says so. */
static struct identity self(void)
{
    struct identity me = app;

    me.pid = (uint32_t)getpid();
    return me;
}

static void grant(uint32_t module, uint32_t rights, uint64_t sel0)
{
    struct hsxd_request req = {.version = 1,
                               .op = HSXD_OP_GRANT,
                               .module = module,
                               .rights = rights,
                               .sel.raw = {sel0},
                               .uid = 1000,
                               .lifetime_s = 120};

    memset(&reply, 0, sizeof(reply));
    ops_grant(h, &root, &req, &reply);
    assert_int_equal(reply.status, 0);
}

static void admin_revokes(uint64_t id, uint32_t pid)
{
    struct hsxd_request req = {.version = 1, .op = HSXD_OP_REVOKE, .cap_id = id, .pid = pid};

    if (pid)
        req.flags = HSXD_REVOKE_F_PID;
    memset(&reply, 0, sizeof(reply));
    ops_revoke(h, &root, &req, &reply);
}

static void renew_as(const struct identity *who, int fd)
{
    struct hsxd_request req = {.version = 1, .op = HSXD_OP_RENEW, .module = HSX_MODULE_GPIO};

    memset(&reply, 0, sizeof(reply));
    ops_renew(h, who, fd, &req, &reply);
}

static void a_revocation_sticks_to_the_process(void **state)
{
    (void)state;
    struct identity me = self(), twin = app;
    int kept = fake_open(me.pid, HSX_MODULE_GPIO);

    rules[0].grant[TIMER] =
        (struct policy_grant){.present = true, .rights = HSX_CAP_R_READ, .sel.timer.max_timers = 2};
    acquire(&me, fake_open(me.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    acquire(&me, kept, HSX_MODULE_GPIO, HSX_CAP_R_READ, 0x10);
    assert_int_equal(reply.status, 0);
    admin_revokes(1, 0);
    assert_int_equal(reply.status, 0);
    assert_null(fake_live(1));
    fake_log_clear();

    /* The policy still allows it, but hsxd refuses it to this process: in words of its own. */
    for (int i = 0; i < 5; i++)
        acquire(&me, fake_open(me.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, -EACCES);
    assert_string_equal(reply.message, "revoked by admin: no gpio capability for this process "
                                       "until an administrator grants it again (hsxctl cap grant)");
    assert_int_equal(fake_log_count(), 1);
    assert_non_null(strstr(fake_log_last(), "refused: revoked by admin: acquire of gpio "
                                            "read,write,grant,irq pins 0-63 by pid"));
    assert_int_equal(fake.ncaps, 2);
    /* Nor does it renew what the process holds of that module. */
    renew_as(&me, kept);
    assert_int_equal(reply.status, -EACCES);
    assert_non_null(strstr(reply.message, "revoked by admin"));
    /* Its other modules, and other processes of the same user and program, are not barred. */
    acquire(&me, fake_open(me.pid, HSX_MODULE_TIMER), HSX_MODULE_TIMER, 0, 0);
    assert_int_equal(reply.status, 0);
    acquire(&twin, fake_open(twin.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, 0);

    /* The holder's table entry outlives its capabilities while it is barred. */
    for (uint64_t id = 1; id <= 3; id++) {
        struct cap_event ended = {.id = id, .reason = HSX_CAP_END_EXPIRED};
        struct hsx_cap_revoke expire = {.id = id};
        admin_revoke(FAKE_CTL, &expire);
        assert_int_equal(lifecycle_event(h, &ended), 0);
    }
    assert_non_null(holders_find(&h->holders, me.pid));
    assert_int_equal(holders_find(&h->holders, me.pid)->caps, 0);
    acquire(&me, fake_open(me.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, -EACCES);

    /* A grant made after the revocation lifts it, for that user's processes and module. */
    grant(HSX_MODULE_TIMER, HSX_CAP_R_READ, 1);
    assert_null(strstr(reply.message, "lifts"));
    grant(HSX_MODULE_GPIO, HSX_CAP_R_READ, 0x10);
    assert_non_null(strstr(reply.message, "; lifts the revocation of 1 process"));
    assert_non_null(strstr(fake_log_last(), "lifts the revocation of 1 process"));
    /* Holding nothing and barred from nothing: no longer watched. */
    assert_null(holders_find(&h->holders, me.pid));
    acquire(&me, fake_open(me.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, 0);
    uint64_t again = reply.cap.id;

    /* What it then holds is an ordinary capability: revoking it bars again, grant or no grant. */
    admin_revokes(again, 0);
    assert_int_equal(reply.status, 0);
    acquire(&me, fake_open(me.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, -EACCES);
}

static void a_revocation_by_pid_bars_every_module(void **state)
{
    (void)state;
    struct identity me = self();

    rules[0].grant[TIMER] =
        (struct policy_grant){.present = true, .rights = HSX_CAP_R_READ, .sel.timer.max_timers = 2};
    acquire(&me, fake_open(me.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    admin_revokes(0, me.pid);
    assert_int_equal(reply.status, 0);
    assert_non_null(strstr(reply.message, "is barred from every module"));
    acquire(&me, fake_open(me.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, -EACCES);
    acquire(&me, fake_open(me.pid, HSX_MODULE_TIMER), HSX_MODULE_TIMER, 0, 0);
    assert_int_equal(reply.status, -EACCES);
    /* A grant lifts its module only. */
    grant(HSX_MODULE_TIMER, HSX_CAP_R_READ, 1);
    assert_non_null(strstr(reply.message, "lifts the revocation of 1 process"));
    acquire(&me, fake_open(me.pid, HSX_MODULE_TIMER), HSX_MODULE_TIMER, 0, 0);
    assert_int_equal(reply.status, 0);
    acquire(&me, fake_open(me.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, -EACCES);

    /* A revocation that ends nothing bars no one. */
    admin_revokes(0, 4194303);
    assert_int_equal(reply.status, -ENOENT);
    assert_null(holders_find(&h->holders, 4194303));
}

static void a_bar_dies_with_its_process(void **state)
{
    (void)state;
    pid_t child = fork();

    assert_true(child >= 0);
    if (child == 0) {
        for (;;)
            pause();
    }
    struct identity kid = app;
    kid.pid = (uint32_t)child;
    acquire(&kid, fake_open(kid.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, 0);
    admin_revokes(reply.cap.id, 0);
    assert_int_equal(reply.status, 0);
    acquire(&kid, fake_open(kid.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, -EACCES);

    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    /* Its entry goes; no one is barred in its place, should its capability be revoked now. */
    fake_log_clear();
    assert_int_equal(lifecycle_bar(h, kid.pid, HOLDER_ALL_MODULES), -ESRCH);
    assert_int_equal(fake_log_matching("exited: its revocation by admin (gpio) is forgotten"), 1);
    assert_null(holders_find(&h->holders, kid.pid));
    /* A later process with its pid is not barred. */
    acquire(&kid, fake_open(kid.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, 0);
    lifecycle_holder_exited(h, holders_find(&h->holders, kid.pid));

    /* The same as the pidfd tells it, when hsxd is asked first. */
    child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        for (;;)
            pause();
    }
    kid.pid = (uint32_t)child;
    acquire(&kid, fake_open(kid.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    admin_revokes(reply.cap.id, 0);
    assert_non_null(strstr(reply.message, "is barred from gpio"));
    kill(child, SIGKILL);
    waitpid(child, NULL, 0);
    fake_log_clear();
    acquire(&kid, fake_open(kid.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, 0);
    assert_int_equal(fake_log_matching("exited: its revocation by admin (gpio) is forgotten"), 1);
    lifecycle_holder_exited(h, holders_find(&h->holders, kid.pid));

    /* Without a pidfd, the start time tells a recycled pid. */
    struct identity me = self();
    acquire(&me, fake_open(me.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    admin_revokes(reply.cap.id, 0);
    struct holder *holder = holders_find(&h->holders, me.pid);
    assert_non_null(holder);
    assert_true(holder->start_ns > 0);
    acquire(&me, fake_open(me.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, -EACCES);
    close(holder->pidfd);
    holder->pidfd = -1;
    holder->start_ns -= S;
    acquire(&me, fake_open(me.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(reply.status, 0);
}

static void barred_processes_are_bounded(void **state)
{
    (void)state;
    struct identity me = self(), stranger = app;

    for (uint32_t i = 0; i < HOLDERS_BARRED_MAX; i++) {
        stranger.pid = 5000000 + i;
        struct holder *holder = holders_new(&h->holders, &stranger, 0, -1);
        assert_non_null(holder);
        assert_true(holders_bar(&h->holders, holder, HOLDER_ALL_MODULES, true));
    }
    assert_int_equal(h->holders.nbarred, HOLDERS_BARRED_MAX);
    /* The revocation is done all the same, and the administrator told it is not remembered. */
    acquire(&me, fake_open(me.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    admin_revokes(reply.cap.id, 0);
    assert_int_equal(reply.status, 0);
    assert_int_equal(reply.count, 1);
    assert_string_equal(reply.message,
                        "1 capability ended; not remembered: 1024 processes are barred already");
    assert_int_equal(h->holders.nbarred, HOLDERS_BARRED_MAX);
    /* One barred process exits: room for the next. */
    lifecycle_holder_exited(h, holders_find(&h->holders, 5000000));
    assert_int_equal(h->holders.nbarred, HOLDERS_BARRED_MAX - 1);
    acquire(&me, fake_open(me.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    admin_revokes(reply.cap.id, 0);
    assert_non_null(strstr(reply.message, "is barred from gpio"));
    assert_int_equal(h->holders.nbarred, HOLDERS_BARRED_MAX);
}

/* ---- a reload decides live capabilities again -------------------------------------------- */

static unsigned int recheck(unsigned int *decided)
{
    unsigned int revoked;

    *decided = lifecycle_recheck(h, &revoked);
    return revoked;
}

static void a_reload_revokes_what_it_no_longer_allows(void **state)
{
    (void)state;
    struct identity me = self();
    unsigned int decided;

    acquire(&me, fake_open(me.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0); /* 1: rw 4-7 */
    acquire(&me, fake_open(me.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, HSX_CAP_R_READ, 0x10);
    acquire(&me, fake_open(me.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0x10); /* 3: rw 4 */
    assert_int_equal(fake.ncaps, 3);
    fake_log_clear();

    /* The same policy, later: nothing is revoked, nothing logged but the count. */
    fake.now_ns += 100 * S;
    assert_int_equal(recheck(&decided), 0);
    assert_int_equal(decided, 3);
    assert_int_equal(fake_log_count(), 0);

    /* Pins 5-7 taken away: the capability that has them ends; the others stay. */
    rules[0].grant[GPIO].sel.gpio.pins = 0x10;
    assert_int_equal(recheck(&decided), 1);
    assert_null(fake_live(1));
    assert_int_equal(fake.cap[0].info.reason, HSX_CAP_END_EXPLICIT);
    assert_non_null(fake_live(2));
    assert_non_null(fake_live(3));
    assert_int_equal(fake_log_count(), 1);
    assert_non_null(strstr(fake_log_last(), "revoked capability 1 of pid "));
    assert_non_null(strstr(fake_log_last(), "uid 1000 exe /usr/bin/app (gpio read,write pins "
                                            "4-7): policy reload no longer allows all of it: it "
                                            "allows gpio read,write pins 4 now"));
    /* Once: deciding again revokes nothing more. */
    struct cap_event ended = {.id = 1, .module = HSX_MODULE_GPIO, .reason = HSX_CAP_END_EXPLICIT};
    lifecycle_event(h, &ended);
    assert_int_equal(recheck(&decided), 0);
    assert_int_equal(decided, 2);

    /* Write taken away: a right less is narrower too. */
    rules[0].grant[GPIO].rights = HSX_CAP_R_READ;
    fake_log_clear();
    assert_int_equal(recheck(&decided), 1);
    assert_null(fake_live(3));
    assert_non_null(strstr(fake_log_last(), "no longer allows all of it: it allows gpio read pins "
                                            "4 now"));

    /* A shorter lifetime than one has left: it ends (to the second). */
    rules[0].lifetime_s = 499;
    assert_int_equal(recheck(&decided), 0);
    rules[0].lifetime_s = 60;
    assert_int_equal(recheck(&decided), 1);
    assert_null(fake_live(2));
    assert_non_null(strstr(fake_log_last(), "no longer allows it so long: 60 s at most now, 500 s "
                                            "left"));
}

static void a_reload_that_allows_nothing_revokes_all(void **state)
{
    (void)state;
    struct identity me = self();
    unsigned int decided;

    acquire(&me, fake_open(me.pid, HSX_MODULE_GPIO), HSX_MODULE_GPIO, 0, 0);
    /* A derived capability is its parent's holder's gift: not decided, it ends with its parent. */
    uint64_t derived = fake_add_cap(me.pid, HSX_MODULE_GPIO, HSX_CAP_R_READ, 0x10);
    fake.cap[fake.ncaps - 1].info.parent_id = 1;
    fake.cap[fake.ncaps - 1].info.depth = 1;
    assert_int_equal(lifecycle_adopt(h), 1);
    /* One hsxd does not track (its holder is outside its pid namespace): not decided. */
    uint64_t unseen = fake_add_cap(0, HSX_MODULE_GPIO, HSX_CAP_R_READ, 0x10);

    policy.nrules = 0;
    fake_log_clear();
    assert_int_equal(recheck(&decided), 1);
    policy.nrules = 1;
    assert_int_equal(decided, 1);
    assert_null(fake_live(1));
    assert_non_null(fake_live(derived));
    assert_non_null(fake_live(unseen));
    assert_non_null(strstr(fake_log_last(), "policy reload no longer allows it: no policy rule "
                                            "matches uid 1000, exe /usr/bin/app"));

    /* What a runtime grant allows, the policy's reload does not take away (nor its rounding). */
    grant(HSX_MODULE_TIMER, HSX_CAP_R_READ, 1);
    fake.now_ns += S / 2;
    acquire(&me, fake_open(me.pid, HSX_MODULE_TIMER), HSX_MODULE_TIMER, 0, 0);
    assert_int_equal(reply.status, 0);
    fake.now_ns += 95 * S / 100;
    policy.nrules = 0;
    assert_int_equal(recheck(&decided), 0);
    policy.nrules = 1;
    assert_non_null(fake_live(reply.cap.id));
}

static void a_reload_asks_about_adopted_holders_as_proc_shows_them(void **state)
{
    (void)state;
    static char exe[4096];
    unsigned int decided;
    uint32_t me = (uint32_t)getpid();

    /* Minted by an earlier hsxd: this process as /proc shows it is who the policy is asked about.
     */
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    assert_true(len > 0);
    exe[len] = '\0';
    rules[0].uid = geteuid();
    rules[0].exe = exe;
    assert_int_equal(file_id_of(exe, &rules[0].exe_id), 0);
    rules[0].lifetime_s = 3600;
    uint64_t id = fake_add_cap(me, HSX_MODULE_GPIO, HSX_CAP_R_READ, 0x10);
    assert_int_equal(lifecycle_adopt(h), 1);
    assert_int_equal(recheck(&decided), 0);
    assert_int_equal(decided, 1);
    assert_non_null(fake_live(id));

    /* A rule for the process's group holds too. */
    rules[0].match = POLICY_MATCH_GID;
    rules[0].gid = getegid();
    assert_int_equal(recheck(&decided), 0);
    rules[0].gid = getegid() + 1;
    assert_int_equal(recheck(&decided), 1);
    assert_null(fake_live(id));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(granted_as_the_policy_narrows_it, setup, teardown),
        cmocka_unit_test_setup_teardown(denials_are_logged_once, setup, teardown),
        cmocka_unit_test_setup_teardown(program_names_are_escaped, setup, teardown),
        cmocka_unit_test_setup_teardown(the_file_must_be_the_asking_processs_own, setup, teardown),
        cmocka_unit_test_setup_teardown(the_kernel_may_still_refuse, setup, teardown),
        cmocka_unit_test_setup_teardown(renewal_while_the_policy_allows_it, setup, teardown),
        cmocka_unit_test_setup_teardown(runtime_grants, setup, teardown),
        cmocka_unit_test_setup_teardown(revocations, setup, teardown),
        cmocka_unit_test_setup_teardown(listing, setup, teardown),
        cmocka_unit_test_setup_teardown(ends_are_logged_and_forgotten, setup, teardown),
        cmocka_unit_test_setup_teardown(an_exited_holder_leaves_nothing_behind, setup, teardown),
        cmocka_unit_test_setup_teardown(a_restart_adopts_what_lives, setup, teardown),
        cmocka_unit_test_setup_teardown(refusals_before_a_handler, setup, teardown),
        cmocka_unit_test_setup_teardown(each_user_is_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(a_revocation_sticks_to_the_process, setup, teardown),
        cmocka_unit_test_setup_teardown(a_revocation_by_pid_bars_every_module, setup, teardown),
        cmocka_unit_test_setup_teardown(a_bar_dies_with_its_process, setup, teardown),
        cmocka_unit_test_setup_teardown(barred_processes_are_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(a_reload_revokes_what_it_no_longer_allows, setup, teardown),
        cmocka_unit_test_setup_teardown(a_reload_that_allows_nothing_revokes_all, setup, teardown),
        cmocka_unit_test_setup_teardown(a_reload_asks_about_adopted_holders_as_proc_shows_them,
                                        setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
