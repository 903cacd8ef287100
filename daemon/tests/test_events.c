// SPDX-License-Identifier: MIT
/*
 * Decoding "hal:caps" events as hsx.ko sends them, built here with libmnl:
 * a capability's end, the mailbox's close, what is not an event, and what is
 * malformed.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "events.h"
#include "hsx_cap.h"
#include "hsx_uapi.h"

#define FAMILY 0x20

static unsigned char buf[1024];

static struct nlmsghdr *message(uint16_t type, uint8_t cmd)
{
    memset(buf, 0, sizeof(buf));
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = type;
    struct genlmsghdr *genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
    genl->cmd = cmd;
    genl->version = HSX_GENL_VERSION;
    return nlh;
}

/* An event as the kernel posts it; without_id leaves the capability's id out. */
static struct nlmsghdr *cap_event(uint16_t type, uint32_t dropped, bool without_id)
{
    struct nlmsghdr *nlh = message(FAMILY, HSX_CMD_MBOX_EVENT);

    mnl_attr_put_u32(nlh, HSX_A_MBOX_ID, 3);
    mnl_attr_put_u16(nlh, HSX_A_EVT_TYPE, type);
    mnl_attr_put_u64(nlh, HSX_A_EVT_SEQ, 9);
    mnl_attr_put_u64(nlh, HSX_A_EVT_TIMESTAMP_NS, 12345);
    mnl_attr_put_u32(nlh, HSX_A_EVT_DROPPED, dropped);
    if (type == HSX_EVT_CLOSED) {
        mnl_attr_put_u32(nlh, HSX_A_EVT_CLOSE_REASON, HSX_CLOSE_OWNER_GONE);
        return nlh;
    }
    struct nlattr *nest = mnl_attr_nest_start(nlh, HSX_A_EVT_CAP);
    if (!without_id)
        mnl_attr_put_u64(nlh, HSX_CAP_A_ID, 77);
    mnl_attr_put_u32(nlh, HSX_CAP_A_MODULE, HSX_MODULE_GPIO);
    mnl_attr_put_u64(nlh, HSX_CAP_A_OBJECT, 0xf0);
    mnl_attr_put_u32(nlh, HSX_CAP_A_REASON, HSX_CAP_END_EXPIRED);
    mnl_attr_put_u32(nlh, HSX_CAP_A_HOLDER_PID, 4242);
    mnl_attr_put_u32(nlh, HSX_CAP_A_MAX + 5, 1); /* from a newer kernel: skipped */
    mnl_attr_nest_end(nlh, nest);
    return nlh;
}

static void a_capability_ended(void **state)
{
    struct cap_event ev;
    (void)state;

    struct nlmsghdr *nlh = cap_event(HSX_EVT_DATA, 2, false);
    assert_int_equal(events_decode(nlh, nlh->nlmsg_len, FAMILY, &ev), 1);
    assert_false(ev.closed);
    assert_int_equal(ev.dropped, 2);
    assert_int_equal(ev.id, 77);
    assert_int_equal(ev.module, HSX_MODULE_GPIO);
    assert_int_equal(ev.object, 0xf0);
    assert_int_equal(ev.reason, HSX_CAP_END_EXPIRED);
    assert_int_equal(ev.holder_pid, 4242);
}

static void the_mailbox_closed(void **state)
{
    struct cap_event ev;
    (void)state;

    struct nlmsghdr *nlh = cap_event(HSX_EVT_CLOSED, 0, false);
    assert_int_equal(events_decode(nlh, nlh->nlmsg_len, FAMILY, &ev), 1);
    assert_true(ev.closed);
}

static void not_events(void **state)
{
    struct cap_event ev;
    (void)state;

    struct nlmsghdr *nlh = cap_event(HSX_EVT_DATA, 0, false);
    assert_int_equal(events_decode(nlh, nlh->nlmsg_len, FAMILY + 1, &ev), 0);
    nlh = message(FAMILY, HSX_CMD_MBOX_OPEN);
    mnl_attr_put_u32(nlh, HSX_A_MBOX_ID, 3);
    assert_int_equal(events_decode(nlh, nlh->nlmsg_len, FAMILY, &ev), 0);
    nlh = message(NLMSG_ERROR, 0);
    assert_int_equal(events_decode(nlh, nlh->nlmsg_len, FAMILY, &ev), 0);
}

static void malformed(void **state)
{
    struct cap_event ev;
    (void)state;

    struct nlmsghdr *nlh = cap_event(HSX_EVT_DATA, 0, true);
    assert_int_equal(events_decode(nlh, nlh->nlmsg_len, FAMILY, &ev), -EBADMSG);

    nlh = cap_event(HSX_EVT_DATA, 0, false);
    assert_int_equal(events_decode(nlh, nlh->nlmsg_len - 8, FAMILY, &ev), -EBADMSG);
    assert_int_equal(events_decode(nlh, 3, FAMILY, &ev), -EBADMSG);

    /* No type, or a nest of the wrong shape. */
    nlh = message(FAMILY, HSX_CMD_MBOX_EVENT);
    mnl_attr_put_u32(nlh, HSX_A_MBOX_ID, 3);
    assert_int_equal(events_decode(nlh, nlh->nlmsg_len, FAMILY, &ev), -EBADMSG);
    nlh = message(FAMILY, HSX_CMD_MBOX_EVENT);
    mnl_attr_put_u16(nlh, HSX_A_EVT_TYPE, HSX_EVT_DATA);
    mnl_attr_put_u32(nlh, HSX_A_EVT_CAP, 1);
    assert_int_equal(events_decode(nlh, nlh->nlmsg_len, FAMILY, &ev), -EBADMSG);
    nlh = message(FAMILY, HSX_CMD_MBOX_EVENT);
    mnl_attr_put_u16(nlh, HSX_A_EVT_TYPE, HSX_EVT_DATA);
    struct nlattr *nest = mnl_attr_nest_start(nlh, HSX_A_EVT_CAP);
    mnl_attr_put_u32(nlh, HSX_CAP_A_ID, 77); /* a u64 attribute as u32 */
    mnl_attr_nest_end(nlh, nest);
    assert_int_equal(events_decode(nlh, nlh->nlmsg_len, FAMILY, &ev), -EBADMSG);
}

static void reasons(void **state)
{
    char text[32];
    (void)state;

    assert_string_equal(events_reason(text, sizeof(text), HSX_CAP_END_EXPLICIT), "revoked");
    assert_string_equal(events_reason(text, sizeof(text), HSX_CAP_END_EXPIRED), "expired");
    assert_string_equal(events_reason(text, sizeof(text), HSX_CAP_END_HOLDER_EXITED),
                        "holder exited");
    assert_string_equal(events_reason(text, sizeof(text), 9), "reason 9");
}

/* Each end reason has one spelling: hsxd logs it as the library (and so hsxctl) names it. */
static void end_reasons_are_spelled_once(void **state)
{
    static const char *const words[] = {
        [HSX_CAP_END_EXPLICIT] = "revoked",
        [HSX_CAP_END_EXPIRED] = "expired",
        [HSX_CAP_END_HOLDER_EXITED] = "holder exited",
        [HSX_CAP_END_PARENT] = "parent revoked",
    };
    char text[32];
    (void)state;

    for (uint32_t reason = HSX_CAP_END_EXPLICIT; reason <= HSX_CAP_END_PARENT; reason++) {
        assert_string_equal(hsx_cap_reason_name((hsx_cap_reason_t)reason), words[reason]);
        assert_string_equal(events_reason(text, sizeof(text), reason), words[reason]);
    }
    /* Unknown here (0, a newer kernel's): the library says "ended", hsxd gives the number. */
    assert_string_equal(hsx_cap_reason_name((hsx_cap_reason_t)0), "ended");
    assert_string_equal(hsx_cap_reason_name((hsx_cap_reason_t)5), "ended");
    assert_string_equal(events_reason(text, sizeof(text), 5), "reason 5");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_capability_ended),
        cmocka_unit_test(the_mailbox_closed),
        cmocka_unit_test(not_events),
        cmocka_unit_test(malformed),
        cmocka_unit_test(reasons),
        cmocka_unit_test(end_reasons_are_spelled_once),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
