// SPDX-License-Identifier: MIT
/*
 * CAN_CONFIG against a fake hsx.ko and a model of the kernel's CAN netlink
 * (tests/fake.c):
 * who may set a bus's bitrate and modes (a rule's "config" on that bus, a
 * runtime grant, an administrator; and the kernel's word: a live capability
 * with "config" on the bus, on the asker's own file), what is set and in which order (stopped,
 * set, checked, started again), every refusal with its reason in the reply
 * and the log, and that a refusal leaves the interface as it was.
 */
#include <errno.h>
#include <linux/can/netlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "can_config.h"
#include "fake.h"
#include "lifecycle.h"
#include "ops.h"

#define CAN policy_slot(HSX_MODULE_CAN)
#define APP_PID 4242

static struct hsxd *h;
static struct policy_rule rules[1];
static struct policy policy = {.lifetime_s = 3600, .rules = rules, .nrules = 1};
/* Its rule matches its uid only: the program is test_ops.c's business. */
static struct identity app = {.pid = APP_PID, .uid = 1000, .gid = 1000, .exe = "/usr/bin/app"};
static struct hsxd_reply reply;
static struct fake_can_bus *can0;
/* configure_as() lets a second pass first (HSXD_CAN_CHANGE_INTERVAL_NS), unless this is set. */
static bool hold_clock;

/* The rule "app" grants rights on buses (bit n: bus n) for CAN, nothing more. */
static void rule_grants(uint32_t rights, uint32_t buses)
{
    rules[0].grant[CAN] =
        (struct policy_grant){.present = true, .rights = rights, .sel.can = {.buses = buses}};
}

static int setup(void **state)
{
    (void)state;
    h = fake_can_rig(&policy, &can0);
    hold_clock = false;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_hsxd_free(h);
    return 0;
}

/*
 * who asks, on a CAN file of its own (or fd), for bus to run at bitrate in mode. The file
 * opened here has a capability that gives config everywhere: the policy decides.
 */
static int configure_as(const struct identity *who, bool admin, int fd, uint32_t bus,
                        uint32_t bitrate, uint32_t data_bitrate, uint32_t mode)
{
    struct hsxd_request req = {
        .version = HSXD_PROTO_VERSION,
        .op = HSXD_OP_CAN_CONFIG,
        .module = HSX_MODULE_CAN,
        .can_config = {.bus = bus, .bitrate = bitrate, .data_bitrate = data_bitrate, .mode = mode}};

    memset(&reply, 0x5a, sizeof(reply));
    reply.status = 0;
    reply.message[0] = '\0';
    if (fd < 0)
        fd = fake_can_file(who->pid);
    if (!hold_clock)
        fake.now_ns += HSXD_CAN_CHANGE_INTERVAL_NS;
    ops_can_config(h, who, admin, fd, &req, &reply);
    return reply.status;
}

static int configure(uint32_t bus, uint32_t bitrate, uint32_t mode)
{
    return configure_as(&app, false, -1, bus, bitrate, 0, mode);
}

static void clear_calls(void)
{
    for (int i = 0; i < HSX_CAN_MAX_BUSES; i++)
        memset(fake.can[i].calls, 0, sizeof(fake.can[i].calls));
}

static void a_rule_with_config_on_the_bus_sets_it(void **state)
{
    (void)state;

    /* Read it by index (to undo), stop, set the bitrate, checked, up again. */
    assert_int_equal(configure(0, 250000, 0), 0);
    assert_string_equal(can0->calls, "gSCU");
    assert_int_equal(can0->bitrate, 250000);
    assert_true(can0->up);
    assert_string_equal(reply.message, "can0: bitrate 500000 -> 250000");
    assert_int_equal(fake_log_count(), 1);
    assert_non_null(strstr(fake_log_last(), "configured CAN bus 0 bitrate 250000 modes none for "
                                            "pid 4242 uid 1000 exe /usr/bin/app: can0: bitrate "
                                            "500000 -> 250000 (by app)"));

    /* Modes alone. */
    clear_calls();
    assert_int_equal(configure(0, 0, HSX_CAN_MODE_LISTEN_ONLY | HSX_CAN_MODE_LOOPBACK), 0);
    assert_string_equal(can0->calls, "gSCU");
    assert_int_equal(can0->ctrlmode, CAN_CTRLMODE_LISTENONLY | CAN_CTRLMODE_LOOPBACK);
    assert_int_equal(can0->bitrate, 250000);
    assert_string_equal(reply.message, "can0: modes none -> loopback,listen-only");

    /* Both at once, in one request; then asking again changes nothing. */
    clear_calls();
    assert_int_equal(configure(0, 125000, HSX_CAN_MODE_LOOPBACK), 0);
    assert_string_equal(can0->calls, "gSCU");
    assert_int_equal(can0->bitrate, 125000);
    assert_int_equal(can0->ctrlmode, CAN_CTRLMODE_LOOPBACK);
    assert_string_equal(reply.message,
                        "can0: bitrate 250000 -> 125000, modes loopback,listen-only -> loopback");
    clear_calls();
    assert_int_equal(configure(0, 125000, HSX_CAN_MODE_LOOPBACK), 0);
    assert_string_equal(can0->calls, "g");
    assert_string_equal(reply.message, "can0 runs so already: nothing to change");

    /* An interface the administrator left down stays down. */
    can0->up = false;
    clear_calls();
    assert_int_equal(configure(0, 500000, 0), 0);
    assert_string_equal(can0->calls, "gC");
    assert_false(can0->up);
    assert_int_equal(can0->bitrate, 500000);
    assert_int_equal(can0->ctrlmode, 0);
}

/* Whoever else may: a runtime grant of the right, and an administrator without any rule. */
static void a_runtime_grant_or_an_administrator(void **state)
{
    struct identity root = {.pid = 1, .uid = 0, .gid = 0, .exe = "/usr/bin/hsxctl"};
    struct hsxd_request grant = {.version = HSXD_PROTO_VERSION,
                                 .op = HSXD_OP_GRANT,
                                 .module = HSX_MODULE_CAN,
                                 .rights = HSX_CAP_R_CAN_CONFIG,
                                 .sel.can.buses = 0x4,
                                 .uid = 1000,
                                 .lifetime_s = 60};
    (void)state;

    struct fake_can_bus *can2 = fake_can_bind(2, "can2", 500000);
    assert_int_equal(configure(2, 1000000, 0), -EACCES);
    memset(&reply, 0, sizeof(reply));
    ops_grant(h, &root, &grant, &reply);
    assert_int_equal(reply.status, 0);
    assert_int_equal(configure(2, 1000000, 0), 0);
    assert_int_equal(can2->bitrate, 1000000);
    assert_non_null(strstr(fake_log_last(), "(by grant 1)"));

    /* hsxctl as root: its file is privileged, its peer an administrator. */
    rule_grants(0, 0);
    int fd = fake_open(root.pid, HSX_MODULE_CAN);
    fake.file[fake.nfiles - 1].privileged = true;
    assert_int_equal(configure_as(&root, true, fd, 0, 800000, 0, 0), 0);
    assert_int_equal(can0->bitrate, 800000);
    assert_non_null(strstr(fake_log_last(), "pid 1 uid 0 exe /usr/bin/hsxctl: can0: bitrate "
                                            "500000 -> 800000 (by an administrator)"));
    /* Root without CAP_SYS_ADMIN is anyone: the policy decides. */
    assert_int_equal(configure_as(&root, false, fd, 0, 500000, 0, 0), -EACCES);
    assert_int_equal(can0->bitrate, 800000);
}

static void refused_without_config_on_that_bus(void **state)
{
    (void)state;

    /* Read on bus 0, config on bus 1 only. */
    rules[0].grant[CAN].rights = HSX_CAP_R_READ;
    fake_can_bind(1, "can1", 500000);
    rules[0].grant[CAN].sel.can.buses = 0x3;
    struct policy_rule more = rules[0];
    snprintf(more.name, sizeof(more.name), "bus1");
    more.grant[CAN] = (struct policy_grant){
        .present = true, .rights = HSX_CAP_R_CAN_CONFIG, .sel.can = {.buses = 0x2}};
    h->grants[0] = more;
    h->ngrants = 1;
    assert_int_equal(configure(0, 250000, 0), -EACCES);
    assert_string_equal(reply.message, "can: asked for config on buses 0; app grants read on "
                                       "buses 0-1, and the other rules no more of it");
    assert_string_equal(can0->calls, "");
    assert_int_equal(can0->bitrate, 500000);
    assert_int_equal(fake_log_count(), 1);
    assert_non_null(strstr(fake_log_last(), "denied can-config of bus 0 bitrate 250000 modes none "
                                            "to pid 4242 uid 1000 exe /usr/bin/app: can: asked "
                                            "for config on buses 0"));
    /* The same again is counted, not logged again. */
    assert_int_equal(configure(0, 250000, 0), -EACCES);
    assert_int_equal(fake_log_count(), 1);
    assert_int_equal(configure(1, 250000, 0), 0);
    assert_int_equal(fake.can[1].bitrate, 250000);

    /* A rule that matches but grants no CAN; one that does not match. */
    h->ngrants = 0;
    rules[0].grant[CAN].present = false;
    assert_int_equal(configure(0, 250000, 0), -EACCES);
    assert_string_equal(reply.message, "1 rule matches uid 1000, but none grants can");
    struct identity stranger = app;
    stranger.uid = 1001;
    assert_int_equal(configure_as(&stranger, false, -1, 0, 250000, 0, 0), -EACCES);
    assert_string_equal(reply.message, "no policy rule matches uid 1001, exe /usr/bin/app");
    assert_int_equal(can0->bitrate, 500000);
    assert_string_equal(can0->calls, "");
}

/* A process an administrator revoked CAN from is barred from this too, whatever the policy. */
static void a_barred_process_is_refused(void **state)
{
    struct identity me = app;
    (void)state;

    me.pid = (uint32_t)getpid();
    assert_int_equal(lifecycle_bar(h, me.pid, HOLDER_MODULE_BIT(HSX_MODULE_CAN)), 0);
    assert_int_equal(configure_as(&me, false, -1, 0, 250000, 0, 0), -EACCES);
    assert_non_null(strstr(reply.message, "revoked by admin: no can capability"));
    assert_int_equal(can0->bitrate, 500000);
}

static void the_file_must_be_the_askers_own_can_file(void **state)
{
    (void)state;

    assert_int_equal(configure_as(&app, false, fake_open(7777, HSX_MODULE_CAN), 0, 250000, 0, 0),
                     -ESRCH);
    assert_string_equal(reply.message,
                        "the file was opened by pid 7777, not by the process asking");
    assert_int_equal(
        configure_as(&app, false, fake_open(APP_PID, HSX_MODULE_GPIO), 0, 250000, 0, 0), -EINVAL);
    assert_string_equal(reply.message, "the file sent does not serve can");
    assert_int_equal(configure_as(&app, false, 3, 0, 250000, 0, 0), -EINVAL);
    assert_string_equal(reply.message, "the file descriptor sent is not a /dev/hsx file");
    assert_int_equal(can0->bitrate, 500000);
    assert_string_equal(can0->calls, "");
}

/* app asks on fd for bus 0 at 250 kbit/s: refused with status, in words why (NULL: any). */
static void refused_on(int fd, int status, const char *why)
{
    assert_int_equal(configure_as(&app, false, fd, 0, 250000, 0, 0), status);
    if (why)
        assert_string_equal(reply.message, why);
}

/*
 * The policy is not enough: the kernel must say yes on the file sent, now (issue 14). Its
 * capability ended (revoked, expired: whatever hsxd remembers of it), lapsed before the kernel's
 * timer ran, another process's, or without config on that bus: refused, the interface untouched.
 */
static void the_kernel_must_say_yes_on_the_file(void **state)
{
    const union hsx_cap_selector bus0 = {.can.buses = 0x1};
    (void)state;

    int fd = fake_open(APP_PID, HSX_MODULE_CAN);
    refused_on(fd, -EACCES, "the file holds no can capability: acquire one with config on bus 0");
    assert_non_null(strstr(fake_log_last(), "denied can-config of bus 0 bitrate 250000 modes none "
                                            "to pid 4242 uid 1000 exe /usr/bin/app: the file holds "
                                            "no can capability"));

    struct hsx_cap_info *cap = fake_attach_cap(fd, HSX_MODULE_CAN, HSX_CAP_R_CAN_CONFIG, bus0);
    cap->state = HSX_CAP_STATE_ENDED;
    cap->reason = HSX_CAP_END_EXPLICIT;
    refused_on(fd, -EKEYREVOKED, "the file's can capability 1 was revoked: acquire a new one");
    cap->reason = HSX_CAP_END_EXPIRED;
    refused_on(fd, -EKEYEXPIRED, "the file's can capability 1 expired: acquire a new one");
    cap->reason = HSX_CAP_END_PARENT;
    refused_on(fd, -EKEYREVOKED, "the file's can capability 1 has ended: acquire a new one");
    /* Past its expiry, before the kernel's timer ended it (configure_as() moves the clock on). */
    cap->state = HSX_CAP_STATE_ACTIVE;
    cap->reason = 0;
    cap->expiry_ns = fake.now_ns + HSXD_CAN_CHANGE_INTERVAL_NS;
    refused_on(fd, -EKEYEXPIRED, NULL);

    cap->expiry_ns = UINT64_MAX;
    cap->holder_pid = 7777;
    refused_on(fd, -EPERM, "the file's can capability 1 is pid 7777's, not the asker's");
    cap->holder_pid = APP_PID;
    cap->rights = HSX_CAP_R_READ;
    refused_on(fd, -EACCES, "the file's capability gives no config on bus 0: can read buses 0");
    cap->rights = HSX_CAP_R_CAN_CONFIG;
    cap->sel.can.buses = 0x2;
    refused_on(fd, -EACCES, NULL);
    assert_string_equal(can0->calls, "");
    assert_int_equal(can0->bitrate, 500000);

    /* Config on bus 0 in force: the policy and the kernel both say yes. */
    cap->sel.can.buses = 0x1;
    assert_int_equal(configure_as(&app, false, fd, 0, 250000, 0, 0), 0);
    assert_int_equal(can0->bitrate, 250000);
}

/* A file that needs no capability in the kernel (opened privileged, enforce=0): the policy alone.
 */
static void a_file_that_needs_no_capability_has_the_policy_decide(void **state)
{
    (void)state;

    int fd = fake_open(APP_PID, HSX_MODULE_CAN);
    fake.file[fake.nfiles - 1].privileged = true;
    assert_int_equal(configure_as(&app, false, fd, 0, 250000, 0, 0), 0);
    assert_int_equal(can0->bitrate, 250000);
    fake.not_enforcing = true;
    assert_int_equal(configure_as(&app, false, fake_open(APP_PID, HSX_MODULE_CAN), 0, 125000, 0, 0),
                     0);
    assert_int_equal(can0->bitrate, 125000);
    /* And the policy still says no where it does. */
    rule_grants(HSX_CAP_R_READ, 0x1);
    assert_int_equal(configure_as(&app, false, fake_open(APP_PID, HSX_MODULE_CAN), 0, 500000, 0, 0),
                     -EACCES);
    assert_int_equal(can0->bitrate, 125000);
}

static void a_vcan_or_an_unbound_bus_has_nothing_to_set(void **state)
{
    (void)state;

    rule_grants(HSX_CAP_R_CAN_CONFIG, 0xffff);
    struct fake_can_bus *vcan = fake_can_bind(4, "vcan0", 0);
    assert_int_equal(configure(4, 500000, 0), -EOPNOTSUPP);
    assert_string_equal(reply.message,
                        "vcan0 has no bitrate or controller modes (a virtual interface: vcan, "
                        "vxcan)");
    assert_string_equal(vcan->calls, "g"); /* read by index: kind vcan, no bit timing */
    assert_non_null(strstr(fake_log_last(), "can-config of bus 4 bitrate 500000 modes none for "
                                            "pid 4242 uid 1000 exe /usr/bin/app failed: vcan0 "
                                            "has no bitrate"));
    /* Nothing asked is nothing to refuse. */
    assert_int_equal(configure(4, 0, 0), 0);
    assert_string_equal(reply.message, "vcan0 runs so already: nothing to change");

    assert_int_equal(configure(5, 500000, 0), -ENODEV);
    assert_string_equal(reply.message, "bus 5 is not bound to an interface");
}

/* What the driver refuses, or rounds, is undone in one request and read back: as before, up. */
static void a_refusal_of_the_driver_leaves_it_as_it_was(void **state)
{
    (void)state;

    can0->refuse_bitrate = EDOM;
    assert_int_equal(configure(0, 3000000, 0), -EDOM);
    assert_string_equal(reply.message,
                        "the driver of can0 refused bitrate 3000000 modes none: Numerical argument "
                        "out of domain (its clock gives no bit timing within 5 % of it); can0 runs "
                        "as before");
    assert_string_equal(can0->calls, "gSCCUg");
    assert_int_equal(can0->bitrate, 500000);
    assert_true(can0->up);
    assert_non_null(strstr(fake_log_last(), "can-config of bus 0 bitrate 3000000 modes none for "
                                            "pid 4242 uid 1000 exe /usr/bin/app failed: the "
                                            "driver of can0 refused bitrate 3000000"));

    /* Modes the controller lacks: the timing went in first (the kernel's order), put back. */
    can0->refuse_bitrate = 0;
    can0->refuse_modes = EOPNOTSUPP;
    clear_calls();
    assert_int_equal(configure(0, 250000, HSX_CAN_MODE_LOOPBACK), -EOPNOTSUPP);
    assert_string_equal(reply.message,
                        "the driver of can0 refused bitrate 250000 modes loopback: Operation not "
                        "supported; can0 runs as before");
    assert_string_equal(can0->calls, "gSCCUg");
    assert_int_equal(can0->bitrate, 500000);
    assert_int_equal(can0->ctrlmode, 0);
    can0->refuse_modes = 0;

    /* A bitrate the clock only comes near: the kernel's check says so, the old timing is back. */
    can0->clock_gives = 33333;
    clear_calls();
    assert_int_equal(configure(0, 33300, 0), -EDOM);
    assert_string_equal(reply.message,
                        "can0's clock gives 33333 bit/s, not 33300; can0 runs as before");
    assert_string_equal(can0->calls, "gSCgCUg");
    assert_int_equal(can0->bitrate, 500000);
    assert_true(can0->up);

    /* A driver of fixed bitrates has no time quantum to put back by: the undo rounds too. */
    can0->no_tq = true;
    fake.now_ns += HSXD_CAN_FAILED_HOLD_NS; /* the same request as the one that failed */
    fake_log_clear();
    assert_int_equal(configure(0, 33300, 0), -ENOTRECOVERABLE);
    assert_string_equal(reply.message, "can0's clock gives 33333 bit/s, not 33300; not put back "
                                       "(it did not take): can0 runs bitrate 33333 modes none, up");
    /* An administrator must look: an error, whatever the rate limit says. */
    assert_int_equal(fake_log_errors(), 1);
    assert_non_null(strstr(fake_log_last(), "not put back")); /* the rate-limited one too */
}

/* A start that fails after the change: undone and started again, or said to be down. */
static void a_failed_restart_is_undone_or_reported_down(void **state)
{
    (void)state;

    can0->refuse_start = EIO;
    can0->refuse_starts = 1;
    assert_int_equal(configure(0, 250000, 0), -EIO);
    assert_string_equal(reply.message, "can0 did not come up with the change: Input/output error; "
                                       "can0 runs as before");
    assert_string_equal(can0->calls, "gSCUCUg");
    assert_int_equal(can0->bitrate, 500000);
    assert_true(can0->up);

    can0->refuse_start = EIO;               /* every start */
    fake.now_ns += HSXD_CAN_FAILED_HOLD_NS; /* the same request as the one that failed */
    assert_int_equal(configure(0, 250000, 0), -ENETDOWN);
    assert_string_equal(reply.message, "can0 did not come up with the change: Input/output error; "
                                       "put back, but can0 is down (Input/output error)");
    assert_int_equal(can0->bitrate, 500000);
    assert_false(can0->up);
}

/* A bus bound to another interface during the change: nothing more is done to either. */
static void a_bus_rebound_meanwhile_stops_the_change(void **state)
{
    (void)state;

    can0->rebind_after = 2; /* after the read and the stop */
    assert_int_equal(configure(0, 250000, 0), -EAGAIN);
    assert_string_equal(reply.message, "bus 0 was bound to another interface before the change "
                                       "(was ifindex 10): try again");
    assert_string_equal(can0->calls, "gS");
    assert_int_equal(can0->bitrate, 500000);

    /* Re-bound before the stop: nothing done at all. */
    struct fake_can_bus *can1 = fake_can_bind(1, "can1", 500000);
    rule_grants(HSX_CAP_R_CAN_CONFIG, 0x3);
    can1->rebind_after = 1;
    assert_int_equal(configure(1, 250000, 0), -EAGAIN);
    assert_string_equal(can1->calls, "g");
    assert_true(can1->up);
    assert_int_equal(can1->bitrate, 500000);
}

/*
 * The capability revoked while hsxd changed the interface (here by the test hook, at the worst
 * moment: right after the change took): the check after the change sees it, the change is
 * undone, and the client is told. Without a revocation the same check lets it stand; an
 * administrator's change has nothing to check again.
 */
static void a_revocation_during_the_change_undoes_it(void **state)
{
    (void)state;

    h->test_revoke_in_can_config = true;
    assert_int_equal(configure(0, 250000, 0), -EKEYREVOKED);
    assert_string_equal(reply.message, "can0 was changed, but meanwhile the file's can capability "
                                       "1 was revoked: acquire a new one; can0 runs as before");
    /* Stopped, changed; put back, up: never up with the revoked client's bitrate. */
    assert_string_equal(can0->calls, "gSCCUg");
    assert_int_equal(can0->bitrate, 500000);
    assert_true(can0->up);
    assert_int_equal(fake.revokes, 1);

    /*
     * The refusal was the client's, not the request's: another client asking the very same
     * is not answered with it (no "failed ... ago"), but changes the bus.
     */
    h->test_revoke_in_can_config = false;
    clear_calls();
    assert_int_equal(configure(0, 250000, 0), 0);
    assert_int_equal(can0->bitrate, 250000);
    assert_null(strstr(reply.message, "ago"));
    h->test_revoke_in_can_config = true;

    /* An administrator's change: no capability, no re-check, nothing revoked. */
    clear_calls();
    assert_int_equal(configure_as(&app, true, -1, 0, 125000, 0, 0), 0);
    assert_int_equal(can0->bitrate, 125000);
    assert_int_equal(fake.revokes, 1);

    h->test_revoke_in_can_config = false;
    assert_int_equal(configure(0, 1000000, 0), 0);
    assert_int_equal(can0->bitrate, 1000000);
}

/* FD: the modes and both bit timings in one request, so FD goes on and off, and back. */
static void fd_goes_on_and_off_in_one_request(void **state)
{
    (void)state;

    assert_int_equal(configure_as(&app, false, -1, 0, 500000, 2000000, HSX_CAN_MODE_FD), 0);
    assert_string_equal(can0->calls, "gSCU");
    assert_int_equal(can0->ctrlmode, CAN_CTRLMODE_FD);
    assert_int_equal(can0->data_bitrate, 2000000);
    assert_string_equal(reply.message, "can0: data bitrate 0 -> 2000000, modes none -> fd");

    /* The data phase alone; the nominal bitrate alone (the data timing sent again). */
    assert_int_equal(configure_as(&app, false, -1, 0, 0, 4000000, HSX_CAN_MODE_FD), 0);
    assert_int_equal(can0->data_bitrate, 4000000);
    assert_int_equal(configure_as(&app, false, -1, 0, 1000000, 0, HSX_CAN_MODE_FD), 0);
    assert_int_equal(can0->bitrate, 1000000);
    assert_int_equal(can0->data_bitrate, 4000000);
    assert_int_equal(
        configure_as(&app, false, -1, 0, 0, 0, HSX_CAN_MODE_FD | HSX_CAN_MODE_LOOPBACK), 0);
    assert_int_equal(can0->ctrlmode, CAN_CTRLMODE_FD | CAN_CTRLMODE_LOOPBACK);
    assert_int_equal(can0->data_bitrate, 4000000);

    /* FD off with a bitrate the clock rounds: undone, FD and its data phase back. */
    can0->clock_gives = 33333;
    assert_int_equal(configure(0, 33300, 0), -EDOM);
    assert_int_equal(can0->ctrlmode, CAN_CTRLMODE_FD | CAN_CTRLMODE_LOOPBACK);
    assert_int_equal(can0->bitrate, 1000000);
    assert_int_equal(can0->data_bitrate, 4000000);
    assert_true(can0->up);
    assert_non_null(strstr(reply.message, "can0 runs as before"));

    /* FD off: classic frames, no data phase. */
    can0->clock_gives = 0;
    assert_int_equal(configure(0, 0, 0), 0);
    assert_int_equal(can0->ctrlmode, 0);
    assert_int_equal(can0->data_bitrate, 0);
    assert_string_equal(reply.message, "can0: modes loopback,fd -> none");

    /* Refused before anything is touched: FD without a data bitrate. */
    clear_calls();
    assert_int_equal(configure(0, 0, HSX_CAN_MODE_FD), -EINVAL);
    assert_string_equal(can0->calls, "g");
}

/*
 * An allowed client cannot bounce the bus: one change a second per bus, the request that just
 * failed answered again without touching the interface, and changes logged once per kind in
 * 10 s (what changes nothing at debug).
 */
static void changes_are_rate_limited(void **state)
{
    (void)state;

    assert_int_equal(configure(0, 250000, 0), 0);
    hold_clock = true;
    clear_calls();
    assert_int_equal(configure(0, 125000, 0), -EAGAIN);
    assert_string_equal(reply.message, "bus 0 was changed less than a second ago: try again later");
    assert_string_equal(can0->calls, "g");
    assert_int_equal(can0->bitrate, 250000);
    /* Another bus is another matter. */
    fake_can_bind(1, "can1", 500000);
    rule_grants(HSX_CAP_R_CAN_CONFIG, 0x3);
    assert_int_equal(configure(1, 250000, 0), 0);

    /* A second later: changed, but not logged again within 10 s. */
    fake_log_clear();
    fake.now_ns += HSXD_CAN_CHANGE_INTERVAL_NS;
    assert_int_equal(configure(0, 125000, 0), 0);
    assert_int_equal(can0->bitrate, 125000);
    assert_int_equal(fake_log_count(), 0);

    /* Nothing to change: not even the interval's business, and at debug. */
    assert_int_equal(configure(0, 125000, 0), 0);
    assert_string_equal(reply.message, "can0 runs so already: nothing to change");

    /* A request that failed: answered again, the interface untouched, for 10 s. */
    fake.now_ns += HSXD_CAN_CHANGE_INTERVAL_NS;
    can0->refuse_bitrate = EDOM;
    assert_int_equal(configure(0, 3000000, 0), -EDOM);
    can0->refuse_bitrate = 0;
    clear_calls();
    fake.now_ns += 2 * HSXD_CAN_CHANGE_INTERVAL_NS;
    assert_int_equal(configure(0, 3000000, 0), -EDOM);
    assert_string_equal(can0->calls, ""); /* not even read */
    assert_non_null(strstr(reply.message, "failed 2 s ago, not tried again for 10 s: the driver "
                                          "of can0 refused bitrate 3000000"));
    fake.now_ns += HSXD_CAN_FAILED_HOLD_NS;
    assert_int_equal(configure(0, 3000000, 0), 0);
    assert_int_equal(can0->bitrate, 3000000);
}

/* The plan alone: what differs, from the interface as it runs. */
static void the_plan_sets_only_what_differs(void **state)
{
    struct hsx_can_status now = {.state = HSX_CAN_STATE_ACTIVE, .bitrate = 500000};
    struct hsx_can_config want = {.bitrate = 500000};
    struct can_change change;
    char why[CAN_CONFIG_TEXT_MAX];
    (void)state;

    assert_int_equal(can_config_plan("can0", &now, &want, &change, why, sizeof(why)), 0);
    assert_false(change.bitrate);
    assert_false(change.modes);
    want.bitrate = 0; /* any */
    assert_int_equal(can_config_plan("can0", &now, &want, &change, why, sizeof(why)), 0);
    assert_false(change.bitrate);
    want.mode = HSX_CAN_MODE_LISTEN_ONLY;
    assert_int_equal(can_config_plan("can0", &now, &want, &change, why, sizeof(why)), 0);
    assert_true(change.modes);
    assert_false(change.fd);
    assert_int_equal(change.flags, CAN_CTRLMODE_LISTENONLY);
    now.mode = HSX_CAN_MODE_FD;
    now.data_bitrate = 2000000;
    want.mode = 0;
    assert_int_equal(can_config_plan("can0", &now, &want, &change, why, sizeof(why)), 0);
    assert_int_equal(change.flags, 0);
    assert_false(change.fd);
    /* FD on needs a data bitrate; a data bitrate needs FD. */
    now.mode = 0;
    now.data_bitrate = 0;
    want.mode = HSX_CAN_MODE_FD;
    assert_int_equal(can_config_plan("can0", &now, &want, &change, why, sizeof(why)), -EINVAL);
    assert_string_equal(why, "turning FD on for can0 needs a data bitrate");
    want.mode = 0;
    want.data_bitrate = 2000000;
    assert_int_equal(can_config_plan("can0", &now, &want, &change, why, sizeof(why)), -EINVAL);
    assert_string_equal(why, "a data bitrate (2000000) needs FD mode");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_rule_with_config_on_the_bus_sets_it, setup, teardown),
        cmocka_unit_test_setup_teardown(a_runtime_grant_or_an_administrator, setup, teardown),
        cmocka_unit_test_setup_teardown(refused_without_config_on_that_bus, setup, teardown),
        cmocka_unit_test_setup_teardown(a_barred_process_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(the_file_must_be_the_askers_own_can_file, setup, teardown),
        cmocka_unit_test_setup_teardown(the_kernel_must_say_yes_on_the_file, setup, teardown),
        cmocka_unit_test_setup_teardown(a_file_that_needs_no_capability_has_the_policy_decide,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(a_vcan_or_an_unbound_bus_has_nothing_to_set, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_refusal_of_the_driver_leaves_it_as_it_was, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_failed_restart_is_undone_or_reported_down, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_bus_rebound_meanwhile_stops_the_change, setup, teardown),
        cmocka_unit_test_setup_teardown(a_revocation_during_the_change_undoes_it, setup, teardown),
        cmocka_unit_test_setup_teardown(fd_goes_on_and_off_in_one_request, setup, teardown),
        cmocka_unit_test_setup_teardown(changes_are_rate_limited, setup, teardown),
        cmocka_unit_test_setup_teardown(the_plan_sets_only_what_differs, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
