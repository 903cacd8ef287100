// SPDX-License-Identifier: MIT
/*
 * The checks on every request hsxd receives and every reply hsxctl does:
 * sizes, versions, descriptors, who may ask what, and that each operation's
 * unused fields are zero.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "proto.h"

static char why[HSXD_MESSAGE_MAX];
static struct hsxd_request out;

static int check(const struct hsxd_request *req, int nfds, bool admin)
{
    why[0] = '\0';
    return proto_check_request(req, sizeof(*req), nfds, admin, &out, why, sizeof(why));
}

static void expect(int status, const char *message, const struct hsxd_request *req, int nfds,
                   bool admin)
{
    int ret = check(req, nfds, admin);

    if (ret != status || !strstr(why, message))
        fail_msg("expected %d \"%s\", got %d \"%s\"", status, message, ret, why);
}

static struct hsxd_request acquire(void)
{
    return (struct hsxd_request){
        .version = HSXD_PROTO_VERSION, .op = HSXD_OP_ACQUIRE, .module = HSX_MODULE_GPIO};
}

static void sizes_and_versions(void **state)
{
    struct hsxd_request req = acquire();
    unsigned char big[sizeof(req) + 8] = {0};
    (void)state;

    assert_int_equal(sizeof(struct hsxd_request), 72);
    assert_int_equal(sizeof(struct hsxd_reply), 256);
    assert_int_equal(check(&req, 1, false), 0);
    assert_memory_equal(&out, &req, sizeof(req));

    assert_int_equal(proto_check_request(&req, sizeof(req) - 1, 1, false, &out, why, sizeof(why)),
                     -EINVAL);
    assert_non_null(strstr(why, "a request of 71 bytes; expected 72"));
    memcpy(big, &req, sizeof(req));
    assert_int_equal(proto_check_request(big, sizeof(big), 1, false, &out, why, sizeof(why)),
                     -EINVAL);
    assert_int_equal(proto_check_request(&req, 0, 0, false, &out, why, sizeof(why)), -EINVAL);

    /* Another version is told so, whatever its size. */
    req.version = 2;
    assert_int_equal(proto_check_request(&req, 40, 1, false, &out, why, sizeof(why)), -EPROTO);
    assert_non_null(strstr(why, "protocol version 2; hsxd speaks version 1"));
}

static void operations_and_descriptors(void **state)
{
    struct hsxd_request req = acquire();
    (void)state;

    expect(-EINVAL, "needs exactly one /dev/hsx file descriptor, not 0", &req, 0, false);
    expect(-EINVAL, "not 2", &req, 2, false);
    req.op = HSXD_OP_RENEW;
    assert_int_equal(check(&req, 1, false), 0);
    req.op = HSXD_OP_LIST;
    req.module = 0;
    expect(-EINVAL, "list takes no file descriptor, got 1", &req, 1, true);
    assert_int_equal(check(&req, 0, true), 0);
    req.op = 0;
    expect(-EINVAL, "unknown operation 0", &req, 0, true);
    req.op = HSXD_OP_END;
    expect(-EINVAL, "unknown operation 6", &req, 0, true);
    req.op = 0xffffffff;
    expect(-EINVAL, "unknown operation", &req, 0, true);
}

static void admin_only(void **state)
{
    struct hsxd_request list = {.version = 1, .op = HSXD_OP_LIST};
    struct hsxd_request revoke = {.version = 1, .op = HSXD_OP_REVOKE, .cap_id = 5};
    struct hsxd_request grant = {.version = 1,
                                 .op = HSXD_OP_GRANT,
                                 .module = HSX_MODULE_TIMER,
                                 .rights = HSX_CAP_R_READ,
                                 .sel.timer.max_timers = 1,
                                 .uid = 1000,
                                 .lifetime_s = 60};
    (void)state;

    expect(-EPERM, "list is for administrators only (CAP_SYS_ADMIN)", &list, 0, false);
    expect(-EPERM, "revoke is for administrators only (CAP_SYS_ADMIN)", &revoke, 0, false);
    expect(-EPERM, "grant is for administrators only (CAP_SYS_ADMIN)", &grant, 0, false);
    assert_int_equal(check(&list, 0, true), 0);
    assert_int_equal(check(&revoke, 0, true), 0);
    assert_int_equal(check(&grant, 0, true), 0);
}

static void unused_fields_are_zero(void **state)
{
    struct hsxd_request req;
    (void)state;

    req = acquire();
    req.cap_id = 1;
    expect(-EINVAL, "acquire does not use cap_id: it must be zero", &req, 1, false);
    req = acquire();
    req.pid = 1;
    expect(-EINVAL, "does not use pid", &req, 1, false);
    req = acquire();
    req.uid = 1;
    expect(-EINVAL, "does not use uid", &req, 1, false);
    req = acquire();
    req.flags = 1;
    expect(-EINVAL, "does not use flags", &req, 1, false);

    req = acquire();
    req.op = HSXD_OP_RENEW;
    req.rights = HSX_CAP_R_READ;
    expect(-EINVAL, "renew does not use rights", &req, 1, false);
    req.rights = 0;
    req.sel.raw[3] = 1;
    expect(-EINVAL, "renew does not use sel", &req, 1, false);
    req.sel.raw[3] = 0;
    req.lifetime_s = 60;
    assert_int_equal(check(&req, 1, false), 0);
    req.module = 0x16; /* an ID the uAPI has not given */
    expect(-EINVAL, "module 0x16 has no capabilities in hsxd", &req, 1, false);

    req = (struct hsxd_request){.version = 1, .op = HSXD_OP_LIST, .module = HSX_MODULE_GPIO};
    expect(-EINVAL, "list does not use module", &req, 0, true);
}

static void acquire_specs(void **state)
{
    struct hsxd_request req = acquire();
    (void)state;

    req.rights = HSX_CAP_R_GPIO_ALL;
    req.sel.gpio.pins = UINT64_MAX;
    req.lifetime_s = 1;
    assert_int_equal(check(&req, 1, false), 0);
    req.rights = HSX_CAP_R_ADMIN;
    expect(-EINVAL, "rights 0x8 are not rights of gpio", &req, 1, false);
    req.rights = 1u << 20;
    expect(-EINVAL, "rights 0x100000 are not rights of gpio", &req, 1, false);
    req.rights = 0;
    req.sel.raw[1] = 1;
    expect(-EINVAL, "gpio selector: only pins 0..63 may be set", &req, 1, false);

    req = acquire();
    req.module = HSX_MODULE_TIMER;
    req.rights = HSX_CAP_R_GPIO_IRQ;
    expect(-EINVAL, "rights 0x10000 are not rights of timer", &req, 1, false);
    req.rights = 0;
    req.sel.timer.max_timers = 64;
    assert_int_equal(check(&req, 1, false), 0);
    req.sel.timer.max_timers = 65;
    expect(-EINVAL, "max_timers 65 is out of range 1..64", &req, 1, false);
    req.sel.timer.max_timers = 0; /* all allowed */
    assert_int_equal(check(&req, 1, false), 0);
    req.sel.timer.reserved = 1;
    expect(-EINVAL, "timer selector: only max_timers may be set", &req, 1, false);

    req = acquire();
    req.module = HSX_MODULE_CORE;
    expect(-EINVAL, "module 0x1f has no capabilities in hsxd", &req, 1, false);
}

static void grants(void **state)
{
    struct hsxd_request req = {.version = 1,
                               .op = HSXD_OP_GRANT,
                               .module = HSX_MODULE_GPIO,
                               .rights = HSX_CAP_R_READ,
                               .sel.gpio.pins = 1,
                               .uid = 1000,
                               .lifetime_s = 60};
    (void)state;

    assert_int_equal(check(&req, 0, true), 0);
    req.sel.gpio.pins = 0;
    expect(-EINVAL, "gpio selector: no pins given", &req, 0, true);
    req.sel.gpio.pins = 1;
    req.rights = 0;
    expect(-EINVAL, "a grant needs rights", &req, 0, true);
    req.rights = HSX_CAP_R_READ;
    req.lifetime_s = 0;
    expect(-EINVAL, "a grant lasts 1..2592000 seconds, not 0", &req, 0, true);
    req.lifetime_s = 2592001;
    expect(-EINVAL, "not 2592001", &req, 0, true);
    req.lifetime_s = 60;
    req.uid = UINT32_MAX;
    expect(-EINVAL, "uid 4294967295 is not a user", &req, 0, true);
    req.uid = 0;
    req.module = HSX_MODULE_TIMER;
    req.sel.timer.max_timers = 0;
    expect(-EINVAL, "max_timers 0 is out of range", &req, 0, true);
    req.cap_id = 1;
    req.sel.timer.max_timers = 1;
    expect(-EINVAL, "grant does not use cap_id", &req, 0, true);
}

static void revokes(void **state)
{
    struct hsxd_request req = {.version = 1, .op = HSXD_OP_REVOKE, .cap_id = 7};
    (void)state;

    assert_int_equal(check(&req, 0, true), 0);
    req.cap_id = 0;
    expect(-EINVAL, "revoke needs a capability id, or a pid with the pid flag", &req, 0, true);
    req.flags = HSXD_REVOKE_F_PID;
    req.pid = 99;
    assert_int_equal(check(&req, 0, true), 0);
    req.cap_id = 7;
    expect(-EINVAL, "revoke needs", &req, 0, true);
    req.cap_id = 0;
    req.pid = 0;
    expect(-EINVAL, "revoke needs", &req, 0, true);
    req.flags = 0;
    req.cap_id = 7;
    req.pid = 99;
    expect(-EINVAL, "revoke needs", &req, 0, true);
    req.flags = 2;
    req.pid = 0;
    expect(-EINVAL, "unknown revoke flags 0x2", &req, 0, true);
    req.flags = 0;
    req.module = HSX_MODULE_GPIO;
    expect(-EINVAL, "revoke does not use module", &req, 0, true);
}

/* A client's: its own CAN file along; the bus and settings as HSX_IOC_CAN_CONFIG checks them. */
static void can_configs(void **state)
{
    const struct hsxd_request good = {
        .version = 1,
        .op = HSXD_OP_CAN_CONFIG,
        .module = HSX_MODULE_CAN,
        .can_config = {
            .bus = 15, .bitrate = 1000000, .data_bitrate = 8000000, .mode = HSX_CAN_MODE_ALL}};
    struct hsxd_request req = good;
    (void)state;

    assert_int_equal(check(&req, 1, false), 0);
    assert_int_equal(out.can_config.data_bitrate, 8000000);
    expect(-EINVAL, "can-config needs exactly one /dev/hsx file descriptor, not 0", &req, 0, true);
    req.module = HSX_MODULE_GPIO;
    expect(-EINVAL, "can-config is for can, not gpio", &req, 1, false);
    req = good;
    req.can_config.bus = 16;
    expect(-EINVAL, "bus 16: buses are 0..15", &req, 1, false);
    req = good;
    req.can_config.bitrate = 8000001;
    expect(-EINVAL, "bitrates are at most 8000000 bit/s", &req, 1, false);
    req = good;
    req.can_config.mode = 0x8;
    expect(-EINVAL, "unknown modes 0x8", &req, 1, false);
    req = good;
    req.can_config.mode = HSX_CAN_MODE_LOOPBACK;
    expect(-EINVAL, "a data bitrate is the FD data phase's", &req, 1, false);
    req = good;
    req.can_config.reserved[3] = 1;
    expect(-EINVAL, "can_config.reserved must be zero", &req, 1, false);
    req = good;
    req.rights = HSX_CAP_R_CAN_CONFIG;
    expect(-EINVAL, "can-config does not use rights", &req, 1, false);
    req = good;
    req.lifetime_s = 1;
    expect(-EINVAL, "can-config does not use lifetime_s", &req, 1, false);
}

static void replies(void **state)
{
    struct hsxd_reply reply = {.version = 1, .op = HSXD_OP_ACQUIRE, .status = -EACCES};
    struct hsxd_reply got;
    (void)state;

    snprintf(reply.message, sizeof(reply.message), "no");
    assert_int_equal(
        proto_check_reply(&reply, sizeof(reply), HSXD_OP_ACQUIRE, &got, why, sizeof(why)), 0);
    assert_int_equal(got.status, -EACCES);
    assert_int_equal(
        proto_check_reply(&reply, sizeof(reply) - 1, HSXD_OP_ACQUIRE, &got, why, sizeof(why)),
        -EPROTO);
    assert_int_equal(
        proto_check_reply(&reply, sizeof(reply), HSXD_OP_RENEW, &got, why, sizeof(why)), -EPROTO);
    /* A LIST ends with END; a refusal before the request was read has op 0 and an error. */
    reply.op = HSXD_OP_END;
    reply.status = 0;
    assert_int_equal(proto_check_reply(&reply, sizeof(reply), HSXD_OP_LIST, &got, why, sizeof(why)),
                     0);
    reply.op = 0;
    reply.status = -EAGAIN;
    assert_int_equal(proto_check_reply(&reply, sizeof(reply), HSXD_OP_LIST, &got, why, sizeof(why)),
                     0);
    reply.status = 0;
    assert_int_equal(proto_check_reply(&reply, sizeof(reply), HSXD_OP_LIST, &got, why, sizeof(why)),
                     -EPROTO);
    reply.op = HSXD_OP_LIST;
    reply.status = 5;
    assert_int_equal(proto_check_reply(&reply, sizeof(reply), HSXD_OP_LIST, &got, why, sizeof(why)),
                     -EPROTO);
    reply.status = 0;
    memset(reply.message, 'x', sizeof(reply.message));
    assert_int_equal(proto_check_reply(&reply, sizeof(reply), HSXD_OP_LIST, &got, why, sizeof(why)),
                     -EPROTO);
    assert_non_null(strstr(why, "not terminated"));
    reply.message[0] = '\0';
    reply.version = 2;
    assert_int_equal(proto_check_reply(&reply, sizeof(reply), HSXD_OP_LIST, &got, why, sizeof(why)),
                     -EPROTO);
    assert_non_null(strstr(why, "hsxd speaks protocol version 2"));
}

static void op_names(void **state)
{
    char buf[16];
    (void)state;

    assert_string_equal(proto_op_name(buf, sizeof(buf), HSXD_OP_ACQUIRE), "acquire");
    assert_string_equal(proto_op_name(buf, sizeof(buf), HSXD_OP_REVOKE), "revoke");
    assert_string_equal(proto_op_name(buf, sizeof(buf), HSXD_OP_CAN_CONFIG), "can-config");
    assert_string_equal(proto_op_name(buf, sizeof(buf), 0), "op 0");
    assert_string_equal(proto_op_name(buf, sizeof(buf), 77), "op 77");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes_and_versions),
        cmocka_unit_test(operations_and_descriptors),
        cmocka_unit_test(admin_only),
        cmocka_unit_test(unused_fields_are_zero),
        cmocka_unit_test(acquire_specs),
        cmocka_unit_test(grants),
        cmocka_unit_test(revokes),
        cmocka_unit_test(can_configs),
        cmocka_unit_test(replies),
        cmocka_unit_test(op_names),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
