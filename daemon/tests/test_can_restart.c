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

static int setup(void **state)
{
    (void)state;
    h = fake_can_rig(&policy, &can0);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    fake_hsxd_free(h);
    return 0;
}

/* who asks op on bus (restart_ms for CAN_RESTART_MS), on a CAN file whose capability gives all. */
static int ask(const struct identity *who, uint32_t op, uint32_t bus, uint32_t restart_ms)
{
    struct hsxd_request req = {.version = HSXD_PROTO_VERSION,
                               .op = op,
                               .module = HSX_MODULE_CAN,
                               .can_restart = {.bus = bus, .restart_ms = restart_ms}};
    int fd = fake_can_file(who->pid);

    memset(&reply, 0, sizeof(reply));
    memset(can0->calls, 0, sizeof(can0->calls));
    fake.now_ns += HSXD_CAN_CHANGE_INTERVAL_NS;
    ops_can_restart(h, who, false, fd, &req, &reply);
    return reply.status;
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_controller_in_bus_off_is_restarted, setup, teardown),
        cmocka_unit_test_setup_teardown(the_kernels_refusals_say_why, setup, teardown),
        cmocka_unit_test_setup_teardown(a_vcan_or_an_unbound_bus_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(restart_ms_is_set_with_the_interface_down, setup, teardown),
        cmocka_unit_test_setup_teardown(refused_without_config_on_the_bus, setup, teardown),
        cmocka_unit_test_setup_teardown(a_revocation_meanwhile_refuses_or_undoes, setup, teardown),
        cmocka_unit_test_setup_teardown(restarts_are_rate_limited, setup, teardown),
        cmocka_unit_test_setup_teardown(malformed_requests_are_refused, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
