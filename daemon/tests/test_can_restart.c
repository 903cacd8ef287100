// SPDX-License-Identifier: MIT
/*
 * CAN_RESTART and CAN_RESTART_MS against a fake hsx.ko and a model of the
 * kernel's CAN netlink (tests/fake.c, after drivers/net/can/dev of 6.1):
 * who may restart a bus's controller or set its automatic restart (as for
 * CAN_CONFIG: a rule's "config" on the bus and the kernel's word on the
 * asker's file), what is sent (IFLA_CAN_RESTART alone; IFLA_CAN_RESTART_MS
 * with the interface down), and each refusal of the kernel's as one errno
 * with its reason.
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

#include "fake.h"
#include "ops.h"
#include "proto.h"

#define CAN policy_slot(HSX_MODULE_CAN)
#define APP_PID 4242

static struct hsxd *h;
static struct policy_rule rules[1];
static struct policy policy = {.lifetime_s = 3600, .rules = rules, .nrules = 1};
static struct identity app = {.pid = APP_PID, .uid = 1000, .gid = 1000, .exe = "/usr/bin/app"};
static struct hsxd_reply reply;
static struct fake_can_bus *can0;
/* ask_as() lets a second pass first (HSXD_CAN_CHANGE_INTERVAL_NS), unless this is set. */
static bool hold_clock;

static int setup(void **state)
{
    (void)state;
    h = fake_can_rig(&policy, &can0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    hold_clock = false;
    fake_hsxd_free(h);
    return 0;
}

/*
 * who (an administrator if admin) asks op on bus (restart_ms for CAN_RESTART_MS), on file fd,
 * or (fd < 0) on a CAN file whose capability gives all.
 */
static int ask_as(const struct identity *who, bool admin, int fd, uint32_t op, uint32_t bus,
                  uint32_t restart_ms)
{
    struct hsxd_request req = {.version = HSXD_PROTO_VERSION,
                               .op = op,
                               .module = HSX_MODULE_CAN,
                               .can_restart = {.bus = bus, .restart_ms = restart_ms}};

    if (fd < 0)
        fd = fake_can_file(who->pid);
    memset(&reply, 0, sizeof(reply));
    memset(can0->calls, 0, sizeof(can0->calls));
    if (!hold_clock)
        fake.now_ns += HSXD_CAN_CHANGE_INTERVAL_NS;
    ops_can_restart(h, who, admin, fd, &req, &reply);
    return reply.status;
}

static int ask(const struct identity *who, uint32_t op, uint32_t bus, uint32_t restart_ms)
{
    return ask_as(who, false, -1, op, bus, restart_ms);
}

/*
 * app's CAN_CONFIG of bus 0 to bitrate (as an administrator if admin), on a file that gives all;
 * the clock as ask_as() has it.
 */
static int config_as(bool admin, uint32_t bitrate)
{
    struct hsxd_request req = {.version = HSXD_PROTO_VERSION,
                               .op = HSXD_OP_CAN_CONFIG,
                               .module = HSX_MODULE_CAN,
                               .can_config = {.bus = 0, .bitrate = bitrate}};

    memset(&reply, 0, sizeof(reply));
    memset(can0->calls, 0, sizeof(can0->calls));
    if (!hold_clock)
        fake.now_ns += HSXD_CAN_CHANGE_INTERVAL_NS;
    ops_can_config(h, &app, admin, fake_can_file(app.pid), &req, &reply);
    return reply.status;
}

static int config(uint32_t bitrate)
{
    return config_as(false, bitrate);
}

static int restart(void)
{
    return ask(&app, HSXD_OP_CAN_RESTART, 0, 0);
}

static int restart_ms(uint32_t ms)
{
    return ask(&app, HSXD_OP_CAN_RESTART_MS, 0, ms);
}

static void a_controller_in_bus_off_is_restarted(void **state)
{
    (void)state;

    can0->state = CAN_STATE_BUS_OFF;
    assert_int_equal(restart(), 0);
    assert_string_equal(can0->calls, "gR"); /* read, restarted: never stopped */
    assert_int_equal(can0->state, CAN_STATE_ERROR_ACTIVE);
    assert_true(can0->up);
    assert_string_equal(reply.message, "can0: controller restarted (it was bus-off)");
    assert_non_null(strstr(fake_log_last(), "restarted CAN bus 0 for pid 4242 uid 1000 exe "
                                            "/usr/bin/app: can0: controller restarted (it was "
                                            "bus-off) (by app)"));
}

/* The kernel's refusals, each with its own errno and words. */
static void the_kernels_refusals_say_why(void **state)
{
    (void)state;

    /* Not bus-off (can_restart_now(): EBUSY). */
    assert_int_equal(restart(), -EBUSY);
    assert_string_equal(reply.message, "can0 is not bus-off (error-active): nothing to restart");
    can0->state = CAN_STATE_ERROR_PASSIVE;
    assert_int_equal(restart(), -EBUSY);
    assert_string_equal(reply.message, "can0 is not bus-off (error-passive): nothing to restart");

    /* Automatic restart on (EINVAL): it restarts by itself. */
    can0->state = CAN_STATE_BUS_OFF;
    can0->restart_ms = 100;
    assert_int_equal(restart(), -EALREADY);
    assert_string_equal(reply.message, "can0 restarts by itself 100 ms after bus-off "
                                       "(restart-ms): set it to 0 to restart by hand");
    assert_int_equal(can0->state, CAN_STATE_BUS_OFF);

    /* Down (EINVAL too). */
    can0->restart_ms = 0;
    can0->up = false;
    assert_int_equal(restart(), -ENETDOWN);
    assert_string_equal(reply.message,
                        "can0 is down: a controller restarts only on an interface that is up");

    /* A driver without do_set_mode(). */
    can0->up = true;
    can0->no_restart = true;
    assert_int_equal(restart(), -EOPNOTSUPP);
    assert_string_equal(reply.message, "the driver of can0 cannot restart its controller");
    assert_int_equal(can0->state, CAN_STATE_BUS_OFF);
}

/* vcan, vxcan: no CAN device layer; hsxd refuses without a request to change anything. */
static void a_vcan_or_an_unbound_bus_is_refused(void **state)
{
    (void)state;

    fake_can_bind(0, "vcan0", 0);
    can0 = &fake.can[0];
    assert_int_equal(restart(), -EOPNOTSUPP);
    assert_string_equal(can0->calls, "g");
    assert_string_equal(
        reply.message, "vcan0 has no CAN controller to restart (a virtual interface: vcan, vxcan)");
    assert_int_equal(restart_ms(100), -EOPNOTSUPP);
    assert_string_equal(can0->calls, "g");
    can0->bound = false;
    assert_int_equal(restart(), -ENODEV);
    assert_string_equal(reply.message, "bus 0 is not bound to an interface");
}

static void restart_ms_is_set_with_the_interface_down(void **state)
{
    (void)state;

    assert_int_equal(restart_ms(100), 0);
    assert_string_equal(can0->calls, "gSMgU"); /* stopped, set, read back, up */
    assert_int_equal(can0->restart_ms, 100);
    assert_true(can0->up);
    assert_string_equal(reply.message, "can0: restart-ms 0 -> 100");
    assert_int_equal(restart_ms(100), 0);
    assert_string_equal(can0->calls, "g");
    assert_string_equal(reply.message, "can0 has restart-ms 100 already: nothing to change");
    /* Left down by its administrator: it stays down. */
    can0->up = false;
    assert_int_equal(restart_ms(0), 0);
    assert_string_equal(can0->calls, "gMg");
    assert_int_equal(can0->restart_ms, 0);
    assert_false(can0->up);

    /* The driver refuses (no do_set_mode()): started again as it was. */
    can0->up = true;
    can0->no_restart = true;
    assert_int_equal(restart_ms(50), -EOPNOTSUPP);
    assert_string_equal(reply.message, "the driver of can0 refused restart-ms 50: Operation not "
                                       "supported; can0 runs as before");
    assert_int_equal(can0->restart_ms, 0);
    assert_true(can0->up);
}

static void refused_without_config_on_the_bus(void **state)
{
    (void)state;

    can0->state = CAN_STATE_BUS_OFF;
    rules[0].grant[CAN].rights = HSX_CAP_R_READ;
    assert_int_equal(restart(), -EACCES);
    assert_int_equal(restart_ms(100), -EACCES);
    assert_string_equal(can0->calls, "");
    assert_int_equal(can0->state, CAN_STATE_BUS_OFF);
    assert_int_equal(can0->restart_ms, 0);
}

/* The kernel's word on the file, asked again: before the restart, after the delay's change. */
static void a_revocation_meanwhile_refuses_or_undoes(void **state)
{
    (void)state;

    h->test_revoke_in_can_config = true;
    can0->state = CAN_STATE_BUS_OFF;
    assert_int_equal(restart(), -EKEYREVOKED);
    assert_string_equal(can0->calls, "g");
    assert_int_equal(can0->state, CAN_STATE_BUS_OFF);

    assert_int_equal(restart_ms(100), -EKEYREVOKED);
    assert_string_equal(can0->calls, "gSMgUSMgU"); /* set and up; down, put back, up */
    assert_int_equal(can0->restart_ms, 0);
    assert_true(can0->up);
    assert_non_null(strstr(reply.message, "can0 was changed, but meanwhile the file's can "
                                          "capability"));
    assert_non_null(strstr(reply.message, "can0 runs as before"));
}

/* One change a bus a second, restarts included. */
static void restarts_are_rate_limited(void **state)
{
    (void)state;

    can0->state = CAN_STATE_BUS_OFF;
    assert_int_equal(restart(), 0);
    can0->state = CAN_STATE_BUS_OFF;
    fake.now_ns -= HSXD_CAN_CHANGE_INTERVAL_NS / 2; /* ask() adds a second: half of one passed */
    assert_int_equal(restart(), -EAGAIN);
    assert_string_equal(reply.message, "bus 0 was changed less than a second ago: try again later");
    assert_string_equal(can0->calls, ""); /* not even read (before: an RTM_GETLINK) */
    assert_int_equal(can0->state, CAN_STATE_BUS_OFF);
}

/*
 * hsxctl can config --restart-ms: the client's own CAN_CONFIG that changed the bus, then its
 * CAN_RESTART_MS at once. Before, the second always met the one-change-a-second guard (EAGAIN),
 * leaving the bus half configured.
 */
static void restart_ms_may_follow_the_same_clients_config(void **state)
{
    static const struct identity other = {.pid = 5151, .uid = 1000, .gid = 1000, .exe = "/bin/x"};
    (void)state;

    assert_int_equal(config(250000), 0);
    assert_int_equal(can0->bitrate, 250000);
    hold_clock = true;
    assert_int_equal(restart_ms(250), 0);
    assert_string_equal(reply.message, "can0: restart-ms 0 -> 250");
    assert_int_equal(can0->restart_ms, 250);
    /* One follow-up, no more. */
    assert_int_equal(restart_ms(100), -EAGAIN);
    assert_int_equal(can0->restart_ms, 250);
    /* Not another client's, nor a restart. */
    hold_clock = false;
    assert_int_equal(config(125000), 0);
    hold_clock = true;
    assert_int_equal(ask(&other, HSXD_OP_CAN_RESTART_MS, 0, 100), -EAGAIN);
    can0->state = CAN_STATE_BUS_OFF;
    can0->restart_ms = 0;
    assert_int_equal(restart(), -EAGAIN);
    assert_int_equal(can0->state, CAN_STATE_BUS_OFF);
}

/*
 * A client with config cannot lock an administrator out: the guard and the failed-request hold
 * are for clients. Before, an administrator's restart met EAGAIN after a client's change.
 */
static void an_administrator_is_not_held_back(void **state)
{
    (void)state;

    assert_int_equal(restart_ms(100), 0);
    hold_clock = true;
    can0->restart_ms = 0;
    can0->state = CAN_STATE_BUS_OFF;
    assert_int_equal(restart(), -EAGAIN);
    assert_int_equal(ask_as(&app, true, -1, HSXD_OP_CAN_RESTART, 0, 0), 0);
    assert_string_equal(can0->calls, "gR");
    assert_int_equal(can0->state, CAN_STATE_ERROR_ACTIVE);
    assert_non_null(strstr(fake_log_last(), "(by an administrator)"));
    assert_int_equal(ask_as(&app, true, -1, HSXD_OP_CAN_RESTART_MS, 0, 50), 0);
    assert_int_equal(can0->restart_ms, 50);
    /* An administrator's change still counts: a client waits a second after it. */
    assert_int_equal(restart_ms(0), -EAGAIN);
}

/*
 * The driver's refusal to start is not "not bus-off" (its EBUSY came back as -EBUSY before):
 * EIO, it did not come up with the new delay and runs with the old one.
 */
static void a_refused_start_is_eio_not_ebusy(void **state)
{
    (void)state;

    can0->refuse_start = EBUSY;
    can0->refuse_starts = 1;
    assert_int_equal(restart_ms(100), -EIO);
    assert_string_equal(can0->calls, "gSMgUMgU"); /* left down by the refusal: put back, up */
    assert_string_equal(reply.message, "can0 did not come up with restart-ms 100: Device or "
                                       "resource busy; can0 runs as before");
    assert_int_equal(can0->restart_ms, 0);
    assert_true(can0->up);
}

/*
 * The delay read back could not be read: said so, not an uninitialised value (before: "but
 * reads" and whatever was on hsxd's stack).
 */
static void a_failed_read_back_says_so(void **state)
{
    (void)state;

    can0->fail_get = ETIMEDOUT;
    can0->fail_get_at = 2; /* the read after the change */
    assert_int_equal(restart_ms(100), -ETIMEDOUT);
    assert_string_equal(reply.message, "can0 was set restart-ms 100, but could not be read: "
                                       "Connection timed out; can0 runs as before");
    assert_int_equal(can0->restart_ms, 0);
    assert_true(can0->up);
}

/*
 * A restart-ms that left the bus down is an administrator's business (LOG_ERR, as for
 * CAN_CONFIG), and the same request is not tried again for a while. Before: a rate-limited
 * warning, and the next request stopped the bus again.
 */
static void a_bus_left_down_is_logged_and_held(void **state)
{
    (void)state;

    can0->refuse_start = EIO;
    can0->refuse_starts = 0; /* every start */
    fake_log_clear();
    assert_int_equal(restart_ms(100), -ENETDOWN);
    assert_false(can0->up);
    assert_int_equal(can0->restart_ms, 0);
    assert_non_null(strstr(reply.message, "put back, but can0 is down"));
    assert_int_equal(fake_log_errors(), 1);
    assert_non_null(strstr(fake_log_last(), "can-restart-ms of bus 0 restart-ms 100 for pid 4242"));
    can0->up = true;
    assert_int_equal(restart_ms(100), -ENETDOWN);
    assert_string_equal(can0->calls, ""); /* not even read */
    assert_non_null(strstr(reply.message, "failed 1 s ago, not tried again for 10 s:"));
    /* Another delay is another request. */
    can0->refuse_start = 0;
    assert_int_equal(restart_ms(200), 0);
    assert_int_equal(can0->restart_ms, 200);
}

/*
 * A refused restart was two rtnetlink requests and no change, free to repeat at once before:
 * the next restart waits a second now.
 */
static void refused_restarts_are_rate_limited_too(void **state)
{
    (void)state;

    assert_int_equal(restart(), -EBUSY); /* not bus-off */
    assert_string_equal(can0->calls, "gR");
    hold_clock = true;
    assert_int_equal(restart(), -EAGAIN);
    assert_string_equal(can0->calls, ""); /* not even read (before: "g") */
    /* Nothing was changed: the answer says so (before: "was changed"). */
    assert_string_equal(reply.message,
                        "bus 0 was asked to restart less than a second ago: try again later");
    /* An administrator is not held back by it. */
    can0->state = CAN_STATE_BUS_OFF;
    assert_int_equal(ask_as(&app, true, -1, HSXD_OP_CAN_RESTART, 0, 0), 0);
    assert_string_equal(can0->calls, "gR");
    assert_int_equal(can0->state, CAN_STATE_ERROR_ACTIVE);
}

/*
 * A restart-ms the bus has already is answered so within the second too (it is read for that),
 * as a CAN_CONFIG that changes nothing: applying a setting twice is not an error.
 */
static void a_restart_ms_that_changes_nothing_is_not_held_back(void **state)
{
    (void)state;

    assert_int_equal(restart_ms(100), 0);
    hold_clock = true;
    assert_int_equal(restart_ms(100), 0);
    assert_string_equal(reply.message, "can0 has restart-ms 100 already: nothing to change");
    assert_string_equal(can0->calls, "g");
    assert_int_equal(restart_ms(200), -EAGAIN);
    assert_string_equal(can0->calls, "g");
    assert_int_equal(can0->restart_ms, 100);
}

/* It changed nothing: another change may come at once. */
static void a_refused_restart_holds_no_other_change(void **state)
{
    (void)state;

    assert_int_equal(restart(), -EBUSY);
    hold_clock = true;
    assert_int_equal(restart_ms(100), 0);
}

/*
 * Someone else started the interface while hsxd had it stopped: the kernel's EBUSY is EAGAIN,
 * the interface runs as before, and the same request is tried again at once (before: held for
 * 10 s, "not tried again", against the "try again" that EAGAIN says).
 */
static void a_start_by_someone_else_is_eagain_and_not_held(void **state)
{
    (void)state;

    can0->up_before_ms = true;
    assert_int_equal(restart_ms(100), -EAGAIN);
    assert_string_equal(can0->calls, "gSMMg"); /* put back refused too: up, as before */
    assert_string_equal(reply.message, "can0 was started by someone else before restart-ms 100 "
                                       "was set; can0 runs as before");
    assert_int_equal(can0->restart_ms, 0);
    assert_true(can0->up);
    assert_int_equal(restart_ms(100), 0);
    assert_string_equal(can0->calls, "gSMgU");
    assert_int_equal(can0->restart_ms, 100);
}

/* A restart-ms that left the bus down, held (see a_bus_left_down_is_logged_and_held). */
static void hold_a_restart_ms_of_100(void)
{
    can0->refuse_start = EIO;
    can0->refuse_starts = 0;
    assert_int_equal(restart_ms(100), -ENETDOWN);
    can0->refuse_start = 0;
    can0->up = true;
}

/*
 * Only the held request, changing the bus, ends the hold. Before: any success of the same op,
 * one that changed nothing too.
 */
static void a_hold_ends_only_by_the_same_request_succeeding(void **state)
{
    (void)state;

    hold_a_restart_ms_of_100();
    assert_int_equal(restart_ms(0), 0); /* nothing to change */
    assert_string_equal(can0->calls, "g");
    assert_int_equal(restart_ms(100), -ENETDOWN);
    assert_string_equal(can0->calls, "");
    assert_non_null(strstr(reply.message, "not tried again for 10 s"));
    /* Nor another op's change: a config. */
    assert_int_equal(config(250000), 0);
    assert_int_equal(restart_ms(100), -ENETDOWN);
    assert_string_equal(can0->calls, "");
}

/* An administrator's request is tried, held or not, and its success ends the hold. */
static void an_administrator_is_not_held_by_a_failure(void **state)
{
    (void)state;

    hold_a_restart_ms_of_100();
    assert_int_equal(ask_as(&app, true, -1, HSXD_OP_CAN_RESTART_MS, 0, 100), 0);
    assert_string_equal(can0->calls, "gSMgU");
    assert_int_equal(can0->restart_ms, 100);
    can0->restart_ms = 0;
    assert_int_equal(restart_ms(100), 0);
    assert_string_equal(can0->calls, "gSMgU");

    can0->refuse_bitrate = EINVAL;
    assert_int_equal(config(250000), -EINVAL);
    assert_int_equal(config(250000), -EINVAL);
    assert_string_equal(can0->calls, ""); /* held */
    assert_int_equal(config_as(true, 250000), -EINVAL);
    assert_string_not_equal(can0->calls, "");
}

/*
 * A failed CAN_CONFIG {bus 0, bitrate 100} and a CAN_RESTART_MS {bus 0, restart-ms 100} are the
 * same 32 bytes: the hold is the config's, not the restart-ms's.
 */
static void a_held_config_does_not_hold_a_restart_ms(void **state)
{
    (void)state;

    can0->refuse_bitrate = EINVAL;
    assert_int_equal(config(100), -EINVAL);
    assert_string_not_equal(can0->calls, "");
    can0->refuse_bitrate = 0;
    assert_int_equal(restart_ms(100), 0);
    assert_int_equal(can0->restart_ms, 100);
}

/* The kernel's word on the file: a capability without config, or for another bus, is refused. */
static void a_file_without_config_on_the_bus_is_refused(void **state)
{
    (void)state;

    can0->state = CAN_STATE_BUS_OFF;
    int fd = fake_open(app.pid, HSX_MODULE_CAN);
    struct hsx_cap_info *cap = fake_attach_cap(fd, HSX_MODULE_CAN, HSX_CAP_R_READ,
                                               (union hsx_cap_selector){.can.buses = 0x1});
    assert_int_equal(ask_as(&app, false, fd, HSXD_OP_CAN_RESTART, 0, 0), -EACCES);
    assert_string_equal(can0->calls, "");
    assert_int_equal(ask_as(&app, false, fd, HSXD_OP_CAN_RESTART_MS, 0, 100), -EACCES);
    assert_string_equal(can0->calls, "");
    cap->rights = HSX_CAP_R_CAN_ALL;
    cap->sel.can.buses = 0x2;
    assert_int_equal(ask_as(&app, false, fd, HSXD_OP_CAN_RESTART, 0, 0), -EACCES);
    assert_string_equal(can0->calls, "");
    assert_int_equal(can0->state, CAN_STATE_BUS_OFF);
    assert_int_equal(can0->restart_ms, 0);
}

/* The bus bound to another interface between hsxd's reads: nothing restarted, try again. */
static void a_rebind_meanwhile_is_eagain(void **state)
{
    (void)state;

    can0->state = CAN_STATE_BUS_OFF;
    can0->rebind_after = 1; /* after the first read */
    assert_int_equal(restart(), -EAGAIN);
    assert_non_null(strstr(reply.message, "was bound to another interface before the restart"));
    assert_int_equal(can0->state, CAN_STATE_BUS_OFF);
}

/* What proto.c lets through: the bus, the delay's bound, nothing else. */
static void malformed_requests_are_refused(void **state)
{
    struct hsxd_request req = {.version = HSXD_PROTO_VERSION,
                               .op = HSXD_OP_CAN_RESTART,
                               .module = HSX_MODULE_CAN,
                               .can_restart = {.bus = 1}};
    struct hsxd_request out;
    char why[HSXD_MESSAGE_MAX];
    (void)state;

    assert_int_equal(proto_check_request(&req, sizeof(req), 1, false, &out, why, sizeof(why)), 0);
    assert_int_equal(proto_check_request(&req, sizeof(req), 0, false, &out, why, sizeof(why)),
                     -EINVAL);
    req.can_restart.restart_ms = 5;
    assert_int_equal(proto_check_request(&req, sizeof(req), 1, false, &out, why, sizeof(why)),
                     -EINVAL);
    assert_string_equal(why, "can-restart takes no restart_ms (can-restart-ms sets it)");
    req.op = HSXD_OP_CAN_RESTART_MS;
    assert_int_equal(proto_check_request(&req, sizeof(req), 1, false, &out, why, sizeof(why)), 0);
    req.can_restart.restart_ms = HSXD_CAN_RESTART_MS_MAX + 1;
    assert_int_equal(proto_check_request(&req, sizeof(req), 1, false, &out, why, sizeof(why)),
                     -EINVAL);
    assert_string_equal(why, "restart-ms is at most 3600000, not 3600001");
    req.can_restart.restart_ms = 0;
    req.can_restart.bus = HSX_CAN_MAX_BUSES;
    assert_int_equal(proto_check_request(&req, sizeof(req), 1, false, &out, why, sizeof(why)),
                     -EINVAL);
    req.can_restart.bus = 0;
    req.can_restart.reserved[5] = 1;
    assert_int_equal(proto_check_request(&req, sizeof(req), 1, false, &out, why, sizeof(why)),
                     -EINVAL);
    req.can_restart.reserved[5] = 0;
    req.module = HSX_MODULE_GPIO;
    assert_int_equal(proto_check_request(&req, sizeof(req), 1, false, &out, why, sizeof(why)),
                     -EINVAL);
    assert_string_equal(why, "can-restart-ms is for can, not gpio");
}

#define RESTART_TEST(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        RESTART_TEST(a_controller_in_bus_off_is_restarted),
        RESTART_TEST(the_kernels_refusals_say_why),
        RESTART_TEST(a_vcan_or_an_unbound_bus_is_refused),
        RESTART_TEST(restart_ms_is_set_with_the_interface_down),
        RESTART_TEST(refused_without_config_on_the_bus),
        RESTART_TEST(a_revocation_meanwhile_refuses_or_undoes),
        RESTART_TEST(restarts_are_rate_limited),
        RESTART_TEST(restart_ms_may_follow_the_same_clients_config),
        RESTART_TEST(an_administrator_is_not_held_back),
        RESTART_TEST(a_refused_start_is_eio_not_ebusy),
        RESTART_TEST(a_failed_read_back_says_so),
        RESTART_TEST(a_bus_left_down_is_logged_and_held),
        RESTART_TEST(refused_restarts_are_rate_limited_too),
        RESTART_TEST(a_refused_restart_holds_no_other_change),
        RESTART_TEST(a_restart_ms_that_changes_nothing_is_not_held_back),
        RESTART_TEST(a_start_by_someone_else_is_eagain_and_not_held),
        RESTART_TEST(a_hold_ends_only_by_the_same_request_succeeding),
        RESTART_TEST(an_administrator_is_not_held_by_a_failure),
        RESTART_TEST(a_held_config_does_not_hold_a_restart_ms),
        RESTART_TEST(a_file_without_config_on_the_bus_is_refused),
        RESTART_TEST(a_rebind_meanwhile_is_eagain),
        RESTART_TEST(malformed_requests_are_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
