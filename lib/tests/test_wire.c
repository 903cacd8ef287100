// SPDX-License-Identifier: MIT
/* Building requests and decoding kernel messages of the "hsx" family. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/wire.h"
#include "helpers.h"

static unsigned char buf[HSX_NL_BUFSIZE];

/* ---- requests -------------------------------------------------------------- */

static const struct nlattr *find_attr(const struct nlmsghdr *nlh, uint16_t type)
{
    const struct nlattr *attr;

    mnl_attr_for_each(attr, nlh, GENL_HDRLEN)
    {
        if (mnl_attr_get_type(attr) == type)
            return attr;
    }
    return NULL;
}

static void get_family_asks_the_controller_for_hsx(void **state)
{
    (void)state;
    struct nlmsghdr *nlh = hsx_wire_get_family(buf, sizeof(buf), 42, HSX_GENL_NAME);
    assert_non_null(nlh);
    assert_int_equal(nlh->nlmsg_type, GENL_ID_CTRL);
    /* Without the ack, nothing would end the wait after the reply. */
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
    assert_int_equal(nlh->nlmsg_seq, 42);
    assert_int_equal(hsx_wire_genl_cmd(nlh), CTRL_CMD_GETFAMILY);
    const struct nlattr *name = find_attr(nlh, CTRL_ATTR_FAMILY_NAME);
    assert_non_null(name);
    assert_int_equal(mnl_attr_validate(name, MNL_TYPE_NUL_STRING), 0);
    assert_string_equal(mnl_attr_get_str(name), HSX_GENL_NAME);
}

static void mbox_open_carries_the_name_and_asks_for_an_ack(void **state)
{
    (void)state;
    struct nlmsghdr *nlh = hsx_wire_mbox_open(buf, sizeof(buf), TEST_FAMILY, 7, "hal:timer:3", -1);
    assert_non_null(nlh);
    assert_int_equal(nlh->nlmsg_type, TEST_FAMILY);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
    assert_int_equal(hsx_wire_genl_cmd(nlh), HSX_CMD_MBOX_OPEN);
    const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
    assert_int_equal(genl->version, HSX_GENL_VERSION);
    const struct nlattr *name = find_attr(nlh, HSX_A_MBOX_NAME);
    assert_non_null(name);
    assert_int_equal(mnl_attr_validate(name, MNL_TYPE_NUL_STRING), 0);
    assert_string_equal(mnl_attr_get_str(name), "hal:timer:3");
}

static void mbox_open_carries_the_authorizing_file(void **state)
{
    (void)state;
    struct nlmsghdr *nlh = hsx_wire_mbox_open(buf, sizeof(buf), TEST_FAMILY, 7, "hal:gpio:5", 9);
    assert_non_null(nlh);
    const struct nlattr *fd = find_attr(nlh, HSX_A_MBOX_AUTH_FD);
    assert_non_null(fd);
    assert_int_equal(mnl_attr_validate(fd, MNL_TYPE_U32), 0);
    assert_int_equal(mnl_attr_get_u32(fd), 9);
    assert_string_equal(mnl_attr_get_str(find_attr(nlh, HSX_A_MBOX_NAME)), "hal:gpio:5");
    /* Without one (root, timers), none is sent. */
    nlh = hsx_wire_mbox_open(buf, sizeof(buf), TEST_FAMILY, 7, "hal:gpio:5", -1);
    assert_null(find_attr(nlh, HSX_A_MBOX_AUTH_FD));
    /* Room for the name but not for the descriptor. */
    size_t without = nlh->nlmsg_len;
    assert_null(hsx_wire_mbox_open(buf, without + 4, TEST_FAMILY, 7, "hal:gpio:5", 9));
}

static void mbox_close_carries_the_id(void **state)
{
    (void)state;
    struct nlmsghdr *nlh = hsx_wire_mbox_close(buf, sizeof(buf), TEST_FAMILY, 8, 99);
    assert_non_null(nlh);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST);
    assert_int_equal(hsx_wire_genl_cmd(nlh), HSX_CMD_MBOX_CLOSE);
    const struct nlattr *id = find_attr(nlh, HSX_A_MBOX_ID);
    assert_non_null(id);
    assert_int_equal(mnl_attr_get_u32(id), 99);
}

static void mbox_dump_is_a_dump_request(void **state)
{
    (void)state;
    struct nlmsghdr *nlh = hsx_wire_mbox_dump(buf, sizeof(buf), TEST_FAMILY, 9);
    assert_non_null(nlh);
    assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
    assert_int_equal(hsx_wire_genl_cmd(nlh), HSX_CMD_MBOX_GET);
    assert_int_equal(nlh->nlmsg_len, MNL_NLMSG_HDRLEN + GENL_HDRLEN);
}

static void builders_refuse_small_buffers(void **state)
{
    (void)state;
    assert_null(hsx_wire_mbox_open(buf, 24, TEST_FAMILY, 1, "hal:timer:3", -1));
    assert_null(hsx_wire_mbox_dump(buf, 8, TEST_FAMILY, 1));
    assert_null(hsx_wire_get_family(buf, 20, 1, HSX_GENL_NAME));
}

/* ---- replies ----------------------------------------------------------------- */

static void family_reply_gives_the_id(void **state)
{
    uint16_t family = 0;
    (void)state;

    struct nlmsghdr *nlh = test_put_genl(buf, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY);
    mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, HSX_GENL_NAME);
    mnl_attr_put_u16(nlh, CTRL_ATTR_FAMILY_ID, 0x21);
    mnl_attr_put_u32(nlh, CTRL_ATTR_VERSION, 1);
    assert_int_equal(hsx_wire_parse_family(nlh, &family), 0);
    assert_int_equal(family, 0x21);

    nlh = test_put_genl(buf, GENL_ID_CTRL, CTRL_CMD_NEWFAMILY);
    mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, HSX_GENL_NAME);
    assert_int_equal(hsx_wire_parse_family(nlh, &family), -EBADMSG);
}

static void open_reply_gives_the_mailbox_id(void **state)
{
    uint32_t id = 0;
    (void)state;

    struct nlmsghdr *nlh = test_put_genl(buf, TEST_FAMILY, HSX_CMD_MBOX_OPEN);
    mnl_attr_put_u32(nlh, HSX_A_MBOX_ID, 17);
    mnl_attr_put_strz(nlh, HSX_A_MBOX_NAME, "hal:timer:3");
    assert_int_equal(hsx_wire_parse_open_reply(nlh, &id), 0);
    assert_int_equal(id, 17);

    nlh = test_put_genl(buf, TEST_FAMILY, HSX_CMD_MBOX_OPEN);
    mnl_attr_put_strz(nlh, HSX_A_MBOX_NAME, "hal:timer:3");
    assert_int_equal(hsx_wire_parse_open_reply(nlh, &id), -EBADMSG);
}

static void info_is_decoded_with_defaults(void **state)
{
    hsx_mailbox_info_t info;
    (void)state;

    struct nlmsghdr *nlh = test_put_genl(buf, TEST_FAMILY, HSX_CMD_MBOX_GET);
    mnl_attr_put_u32(nlh, HSX_A_MBOX_ID, 5);
    mnl_attr_put_strz(nlh, HSX_A_MBOX_NAME, "hal:gpio:4");
    mnl_attr_put_u32(nlh, HSX_A_MBOX_SUBSCRIBERS, 2);
    mnl_attr_put(nlh, HSX_A_PAD, 0, NULL);
    mnl_attr_put_u64(nlh, HSX_A_MBOX_SEQ, 1000);
    mnl_attr_put_u64(nlh, HSX_A_MBOX_DROPS, 3);
    assert_int_equal(hsx_wire_parse_info(nlh, &info), 0);
    assert_int_equal(info.id, 5);
    assert_string_equal(info.name, "hal:gpio:4");
    assert_int_equal(info.subscribers, 2);
    assert_int_equal(info.seq, 1000);
    assert_int_equal(info.events, 0); /* absent */
    assert_int_equal(info.drops, 3);
}

static void info_with_an_oversized_name_is_rejected(void **state)
{
    hsx_mailbox_info_t info;
    char name[100];
    (void)state;

    memset(name, 'x', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    struct nlmsghdr *nlh = test_put_genl(buf, TEST_FAMILY, HSX_CMD_MBOX_GET);
    mnl_attr_put_u32(nlh, HSX_A_MBOX_ID, 5);
    mnl_attr_put_strz(nlh, HSX_A_MBOX_NAME, name);
    assert_int_equal(hsx_wire_parse_info(nlh, &info), -EBADMSG);
}

/* ---- events ------------------------------------------------------------------ */

static int decode(const struct test_event *ev, hsx_mailbox_event_t *out)
{
    size_t len = test_put_event(buf, ev);
    return hsx_wire_decode_datagram(buf, len, TEST_FAMILY, out);
}

/* A DATA event without a module nest at the start of buf, for a test to add one by hand. */
static struct nlmsghdr *put_event_without_nest(void)
{
    struct test_event ev = test_expiry(3, 1);

    ev.timer = false;
    test_put_event(buf, &ev);
    return (struct nlmsghdr *)buf;
}

/* Decode the message at the start of buf. */
static int decode_buf(hsx_mailbox_event_t *out)
{
    const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
    return hsx_wire_decode_datagram(buf, nlh->nlmsg_len, TEST_FAMILY, out);
}

static void timer_event_is_decoded(void **state)
{
    hsx_mailbox_event_t out;
    struct test_event ev = test_expiry(3, 12);
    (void)state;

    ev.dropped = 2;
    ev.dropped_total = 9;
    ev.overruns = 4;
    assert_int_equal(decode(&ev, &out), 1);
    assert_int_equal(out.type, HSX_MAILBOX_EVENT_DATA);
    assert_int_equal(out.module, HSX_MAILBOX_MODULE_TIMER);
    assert_int_equal(out.mailbox_id, 3);
    assert_int_equal(out.seq, 12);
    assert_int_equal(out.timestamp_ns, 12000000000ULL);
    assert_int_equal(out.dropped, 2);
    assert_int_equal(out.dropped_total, 9);
    assert_int_equal(out.u.timer.timer_id, 3);
    assert_int_equal(out.u.timer.tick_us, 12000000ULL);
    assert_int_equal(out.u.timer.overruns, 4);
    assert_int_equal(out.u.timer.expirations, 12);
}

static void closed_event_is_decoded(void **state)
{
    hsx_mailbox_event_t out;
    struct test_event ev = {.mailbox_id = 3, .type = HSX_EVT_CLOSED, .seq = 13};
    (void)state;

    assert_int_equal(decode(&ev, &out), 1);
    assert_int_equal(out.type, HSX_MAILBOX_EVENT_CLOSED);
    assert_int_equal(out.module, HSX_MAILBOX_MODULE_NONE);
    assert_int_equal(out.seq, 13);
    assert_int_equal(out.close_reason, HSX_MAILBOX_CLOSE_UNKNOWN);

    ev.close_reason = HSX_CLOSE_ADMIN;
    assert_int_equal(decode(&ev, &out), 1);
    assert_int_equal(out.close_reason, HSX_MAILBOX_CLOSE_ADMIN);
    ev.close_reason = HSX_CLOSE_OWNER_GONE;
    assert_int_equal(decode(&ev, &out), 1);
    assert_int_equal(out.close_reason, HSX_MAILBOX_CLOSE_OWNER_GONE);
}

static void drop_counters_default_to_zero(void **state)
{
    hsx_mailbox_event_t out;
    struct test_event ev = test_expiry(3, 1);
    (void)state;

    ev.omit = OMIT(HSX_A_EVT_DROPPED) | OMIT(HSX_A_EVT_DROPPED_TOTAL);
    assert_int_equal(decode(&ev, &out), 1);
    assert_int_equal(out.dropped, 0);
    assert_int_equal(out.dropped_total, 0);
}

static void events_missing_a_required_attribute_are_rejected(void **state)
{
    static const uint16_t required[] = {HSX_A_MBOX_ID, HSX_A_EVT_TYPE, HSX_A_EVT_SEQ,
                                        HSX_A_EVT_TIMESTAMP_NS};
    hsx_mailbox_event_t out;
    (void)state;

    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        struct test_event ev = test_expiry(3, 1);
        ev.omit = OMIT(required[i]);
        assert_int_equal(decode(&ev, &out), -EBADMSG);
    }
}

static void data_event_without_module_nest_is_rejected(void **state)
{
    hsx_mailbox_event_t out;
    struct test_event ev = test_expiry(3, 1);
    (void)state;

    ev.timer = false;
    assert_int_equal(decode(&ev, &out), -EBADMSG);
}

static void data_event_of_an_unknown_module_is_delivered_without_payload(void **state)
{
    hsx_mailbox_event_t out;
    (void)state;

    struct nlmsghdr *nlh = put_event_without_nest();
    struct nlattr *nest = mnl_attr_nest_start(nlh, HSX_A_MAX + 1); /* a newer module's nest */
    mnl_attr_put_u32(nlh, 1, 5);
    mnl_attr_nest_end(nlh, nest);
    assert_int_equal(decode_buf(&out), 1);
    assert_int_equal(out.type, HSX_MAILBOX_EVENT_DATA);
    assert_int_equal(out.module, HSX_MAILBOX_MODULE_NONE);
}

static void unknown_event_type_is_rejected(void **state)
{
    hsx_mailbox_event_t out;
    struct test_event ev = test_expiry(3, 1);
    (void)state;

    ev.type = 77;
    assert_int_equal(decode(&ev, &out), -EPROTO);
}

static void attribute_of_the_wrong_size_is_rejected(void **state)
{
    hsx_mailbox_event_t out;
    struct test_event ev = test_expiry(3, 1);
    (void)state;

    /* The sequence number as a u32 instead of a u64. */
    ev.omit = OMIT(HSX_A_EVT_SEQ);
    struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
    test_put_event(buf, &ev);
    mnl_attr_put_u32(nlh, HSX_A_EVT_SEQ, 1);
    assert_int_equal(decode_buf(&out), -EBADMSG);

    /* The type as a u32 instead of a u16. */
    ev = test_expiry(3, 1);
    ev.omit = OMIT(HSX_A_EVT_TYPE);
    test_put_event(buf, &ev);
    mnl_attr_put_u32(nlh, HSX_A_EVT_TYPE, HSX_EVT_DATA);
    assert_int_equal(decode_buf(&out), -EBADMSG);
}

static void timer_nest_must_hold_id_and_tick(void **state)
{
    hsx_mailbox_event_t out;
    (void)state;

    struct nlmsghdr *nlh = put_event_without_nest();
    struct nlattr *nest = mnl_attr_nest_start(nlh, HSX_A_EVT_TIMER);
    mnl_attr_put_u32(nlh, HSX_TIMER_A_ID, 3); /* no tick */
    mnl_attr_nest_end(nlh, nest);
    assert_int_equal(decode_buf(&out), -EBADMSG);

    /* A timer nest that is not a nest at all. */
    nlh = put_event_without_nest();
    mnl_attr_put_u16(nlh, HSX_A_EVT_TIMER, 1);
    assert_int_equal(decode_buf(&out), -EBADMSG);
}

/* ---- GPIO events ------------------------------------------------------------- */

static void gpio_event_is_decoded(void **state)
{
    hsx_mailbox_event_t out;
    struct test_event ev = test_edge(8, 21, 5, HSX_GPIO_E_FALLING, 0);
    (void)state;

    ev.edge_ns = 0x123456789abcULL;
    ev.line_seq = 1ULL << 40;
    ev.dropped = 3;
    assert_int_equal(decode(&ev, &out), 1);
    assert_int_equal(out.type, HSX_MAILBOX_EVENT_DATA);
    assert_int_equal(out.module, HSX_MAILBOX_MODULE_GPIO);
    assert_int_equal(out.mailbox_id, 8);
    assert_int_equal(out.seq, 21);
    assert_int_equal(out.timestamp_ns, 21000000500ULL); /* when posted: not the edge's */
    assert_int_equal(out.dropped, 3);
    assert_int_equal(out.u.gpio.pin, 5);
    assert_int_equal(out.u.gpio.edge, HSX_GPIO_E_FALLING);
    assert_int_equal(out.u.gpio.value, 0);
    assert_int_equal(out.u.gpio.timestamp_ns, 0x123456789abcULL);
    assert_int_equal(out.u.gpio.line_seq, 1ULL << 40);

    ev = test_edge(8, 22, 63, HSX_GPIO_E_RISING, 1);
    assert_int_equal(decode(&ev, &out), 1);
    assert_int_equal(out.u.gpio.pin, 63);
    assert_int_equal(out.u.gpio.edge, HSX_GPIO_E_RISING);
    assert_int_equal(out.u.gpio.value, 1);
}

/* Which attributes of a GPIO nest to put, and the ones to put with the wrong width. */
struct gpio_nest {
    uint32_t omit;  /* OMIT(HSX_GPIO_A_...) */
    uint32_t widen; /* put a u32 attribute as a u64, a u64 one as a u32 */
    uint32_t pin, edge, value;
};

static size_t put_gpio_event(const struct gpio_nest *g)
{
    static const uint16_t attrs[] = {HSX_GPIO_A_PIN, HSX_GPIO_A_EDGE, HSX_GPIO_A_VALUE,
                                     HSX_GPIO_A_TIMESTAMP_NS, HSX_GPIO_A_LINE_SEQ};
    const uint64_t values[] = {g->pin, g->edge, g->value, 77, 9};

    struct nlmsghdr *nlh = put_event_without_nest();
    struct nlattr *nest = mnl_attr_nest_start(nlh, HSX_A_EVT_GPIO);
    for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
        bool is_u64 = attrs[i] == HSX_GPIO_A_TIMESTAMP_NS || attrs[i] == HSX_GPIO_A_LINE_SEQ;
        if (g->omit & OMIT(attrs[i]))
            continue;
        if (is_u64 != !!(g->widen & OMIT(attrs[i])))
            mnl_attr_put_u64(nlh, attrs[i], values[i]);
        else
            mnl_attr_put_u32(nlh, attrs[i], (uint32_t)values[i]);
    }
    mnl_attr_nest_end(nlh, nest);
    return nlh->nlmsg_len;
}

static int decode_gpio(const struct gpio_nest *g, hsx_mailbox_event_t *out)
{
    size_t len = put_gpio_event(g);
    return hsx_wire_decode_datagram(buf, len, TEST_FAMILY, out);
}

static void gpio_nest_must_hold_pin_edge_value_and_timestamp(void **state)
{
    static const uint16_t required[] = {HSX_GPIO_A_PIN, HSX_GPIO_A_EDGE, HSX_GPIO_A_VALUE,
                                        HSX_GPIO_A_TIMESTAMP_NS};
    hsx_mailbox_event_t out;
    (void)state;

    struct gpio_nest g = {.pin = 4, .edge = HSX_GPIO_E_RISING, .value = 1};
    assert_int_equal(decode_gpio(&g, &out), 1);
    assert_int_equal(out.u.gpio.timestamp_ns, 77);
    assert_int_equal(out.u.gpio.line_seq, 9);
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        g.omit = OMIT(required[i]);
        assert_int_equal(decode_gpio(&g, &out), -EBADMSG);
    }
    /* line_seq is not required: it defaults to 0. */
    g.omit = OMIT(HSX_GPIO_A_LINE_SEQ);
    assert_int_equal(decode_gpio(&g, &out), 1);
    assert_int_equal(out.u.gpio.line_seq, 0);
    assert_int_equal(out.u.gpio.pin, 4);
}

static void gpio_attributes_of_the_wrong_type_are_rejected(void **state)
{
    static const uint16_t attrs[] = {HSX_GPIO_A_PIN, HSX_GPIO_A_EDGE, HSX_GPIO_A_VALUE,
                                     HSX_GPIO_A_TIMESTAMP_NS, HSX_GPIO_A_LINE_SEQ};
    hsx_mailbox_event_t out;
    (void)state;

    for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
        struct gpio_nest g = {.widen = OMIT(attrs[i]), .pin = 4, .edge = HSX_GPIO_E_RISING};
        assert_int_equal(decode_gpio(&g, &out), -EBADMSG);
    }

    /* A GPIO "nest" that is not a nest at all. */
    struct nlmsghdr *nlh = put_event_without_nest();
    mnl_attr_put_u32(nlh, HSX_A_EVT_GPIO, 4);
    assert_int_equal(decode_buf(&out), -EBADMSG);

    /* A nest cut inside its last attribute. */
    size_t len = put_gpio_event(&(struct gpio_nest){.pin = 4, .edge = HSX_GPIO_E_RISING});
    struct nlattr *nest = (struct nlattr *)find_attr(nlh, HSX_A_EVT_GPIO);
    assert_non_null(nest);
    nest->nla_len -= 4;
    assert_int_equal(hsx_wire_decode_datagram(buf, len, TEST_FAMILY, &out), -EBADMSG);
}

static void gpio_values_the_uapi_does_not_allow_are_rejected(void **state)
{
    static const struct gpio_nest bad[] = {
        {.pin = HSX_GPIO_MAX_PINS, .edge = HSX_GPIO_E_RISING},
        {.pin = UINT32_MAX, .edge = HSX_GPIO_E_RISING},
        {.pin = 1, .edge = HSX_GPIO_E_NONE},
        {.pin = 1, .edge = HSX_GPIO_E_BOTH}, /* one edge is one event */
        {.pin = 1, .edge = 9},
        {.pin = 1, .edge = HSX_GPIO_E_FALLING, .value = 2},
    };
    hsx_mailbox_event_t out;
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(decode_gpio(&bad[i], &out), -EPROTO);
}

static void gpio_nest_skips_unknown_attributes(void **state)
{
    hsx_mailbox_event_t out;
    (void)state;

    struct nlmsghdr *nlh = put_event_without_nest();
    struct nlattr *nest = mnl_attr_nest_start(nlh, HSX_A_EVT_GPIO);
    mnl_attr_put(nlh, HSX_GPIO_A_PAD, 0, NULL);
    mnl_attr_put_u32(nlh, HSX_GPIO_A_PIN, 2);
    mnl_attr_put_u32(nlh, HSX_GPIO_A_EDGE, HSX_GPIO_E_FALLING);
    mnl_attr_put_u32(nlh, HSX_GPIO_A_VALUE, 0);
    mnl_attr_put_u64(nlh, HSX_GPIO_A_TIMESTAMP_NS, 5);
    mnl_attr_put_u64(nlh, HSX_GPIO_A_MAX + 3, 1234); /* a newer kernel's */
    mnl_attr_nest_end(nlh, nest);
    assert_int_equal(decode_buf(&out), 1);
    assert_int_equal(out.module, HSX_MAILBOX_MODULE_GPIO);
    assert_int_equal(out.u.gpio.pin, 2);
    assert_int_equal(out.u.gpio.line_seq, 0);
}

static void capability_end_is_decoded(void **state)
{
    hsx_mailbox_event_t out;
    struct test_event ev =
        test_cap_end(40, 1, 1ULL << 40, HSX_MODULE_GPIO, 0x30, HSX_CAP_END_EXPLICIT);
    (void)state;

    assert_int_equal(decode(&ev, &out), 1);
    assert_int_equal(out.type, HSX_MAILBOX_EVENT_DATA);
    assert_int_equal(out.module, HSX_MAILBOX_MODULE_CORE);
    assert_int_equal(out.mailbox_id, 40);
    assert_true(out.u.cap.id == 1ULL << 40);
    assert_int_equal(out.u.cap.module, HSX_MODULE_GPIO);
    assert_true(out.u.cap.object == 0x30);
    assert_int_equal(out.u.cap.reason, HSX_CAP_END_EXPLICIT);
    assert_int_equal(out.u.cap.holder_pid, 4242);

    /* Object and holder default to 0; a reason from a newer kernel is passed on. */
    ev.cap_omit = OMIT(HSX_CAP_A_OBJECT) | OMIT(HSX_CAP_A_HOLDER_PID);
    ev.cap_reason = 9;
    assert_int_equal(decode(&ev, &out), 1);
    assert_true(out.u.cap.object == 0);
    assert_int_equal(out.u.cap.holder_pid, 0);
    assert_int_equal(out.u.cap.reason, 9);
}

static void capability_end_must_name_id_module_and_reason(void **state)
{
    static const uint16_t required[] = {HSX_CAP_A_ID, HSX_CAP_A_MODULE, HSX_CAP_A_REASON};
    hsx_mailbox_event_t out;
    (void)state;

    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        struct test_event ev = test_cap_end(40, 1, 5, HSX_MODULE_GPIO, 0, HSX_CAP_END_EXPIRED);
        ev.cap_omit = OMIT(required[i]);
        assert_int_equal(decode(&ev, &out), -EBADMSG);
    }
    /* ID 0 is no capability, reason 0 no end. */
    struct test_event ev = test_cap_end(40, 1, 0, HSX_MODULE_GPIO, 0, HSX_CAP_END_EXPIRED);
    assert_int_equal(decode(&ev, &out), -EPROTO);
    ev = test_cap_end(40, 1, 5, HSX_MODULE_GPIO, 0, 0);
    assert_int_equal(decode(&ev, &out), -EPROTO);

    /* An ID put as a u32 is the wrong type. */
    struct nlmsghdr *nlh = put_event_without_nest();
    struct nlattr *nest = mnl_attr_nest_start(nlh, HSX_A_EVT_CAP);
    mnl_attr_put_u32(nlh, HSX_CAP_A_ID, 5);
    mnl_attr_put_u32(nlh, HSX_CAP_A_MODULE, HSX_MODULE_GPIO);
    mnl_attr_put_u32(nlh, HSX_CAP_A_REASON, HSX_CAP_END_EXPIRED);
    mnl_attr_nest_end(nlh, nest);
    assert_int_equal(decode_buf(&out), -EBADMSG);
}

static void revoked_close_reason_is_decoded(void **state)
{
    hsx_mailbox_event_t out;
    struct test_event ev = test_closed(8, 3, HSX_CLOSE_REVOKED);
    (void)state;

    assert_int_equal(decode(&ev, &out), 1);
    assert_int_equal(out.type, HSX_MAILBOX_EVENT_CLOSED);
    assert_int_equal(out.close_reason, HSX_MAILBOX_CLOSE_REVOKED);
}

static void truncated_datagram_is_rejected(void **state)
{
    hsx_mailbox_event_t out;
    struct test_event ev = test_expiry(3, 1);
    (void)state;

    size_t len = test_put_event(buf, &ev);
    for (size_t cut = 1; cut < len; cut += 3)
        assert_int_equal(hsx_wire_decode_datagram(buf, len - cut, TEST_FAMILY, &out), -EBADMSG);
    assert_int_equal(hsx_wire_decode_datagram(buf, 0, TEST_FAMILY, &out), -EBADMSG);
}

static void truncated_attribute_is_rejected(void **state)
{
    hsx_mailbox_event_t out;
    struct test_event ev = test_expiry(3, 1);
    (void)state;

    struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
    test_put_event(buf, &ev);
    /* Cut the message inside its last attribute, as a buggy sender would. */
    nlh->nlmsg_len -= 6;
    assert_int_equal(decode_buf(&out), -EBADMSG);
}

static void event_of_another_family_is_rejected(void **state)
{
    hsx_mailbox_event_t out;
    struct test_event ev = test_expiry(3, 1);
    (void)state;

    size_t len = test_put_event(buf, &ev);
    assert_int_equal(hsx_wire_decode_datagram(buf, len, TEST_FAMILY + 1, &out), -EPROTO);
    /* Family 0 accepts any. */
    assert_int_equal(hsx_wire_decode_datagram(buf, len, 0, &out), 1);
}

static void message_without_genl_header_is_rejected(void **state)
{
    hsx_mailbox_event_t out;
    (void)state;

    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = TEST_FAMILY;
    assert_int_equal(decode_buf(&out), -EBADMSG);
}

static size_t put_error(int error)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = NLMSG_ERROR;
    struct nlmsgerr *err = mnl_nlmsg_put_extra_header(nlh, sizeof(*err));
    err->error = error;
    return nlh->nlmsg_len;
}

static void netlink_errors_and_acks(void **state)
{
    hsx_mailbox_event_t out;
    (void)state;

    assert_int_equal(hsx_wire_decode_datagram(buf, put_error(-ENOENT), TEST_FAMILY, &out), -ENOENT);
    assert_int_equal(hsx_wire_decode_datagram(buf, put_error(0), TEST_FAMILY, &out), 0);
    /* An error message too short to hold its errno. */
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = NLMSG_ERROR;
    assert_int_equal(decode_buf(&out), -EBADMSG);
}

static void late_replies_and_noops_deliver_nothing(void **state)
{
    hsx_mailbox_event_t out;
    (void)state;

    struct nlmsghdr *nlh = test_put_genl(buf, TEST_FAMILY, HSX_CMD_MBOX_OPEN);
    mnl_attr_put_u32(nlh, HSX_A_MBOX_ID, 3);
    assert_int_equal(decode_buf(&out), 0);

    nlh = mnl_nlmsg_put_header(buf);
    nlh->nlmsg_type = NLMSG_NOOP;
    assert_int_equal(decode_buf(&out), 0);
}

static void unknown_attributes_and_padding_are_skipped(void **state)
{
    hsx_mailbox_event_t out;
    struct test_event ev = test_expiry(3, 5);
    (void)state;

    struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
    test_put_event(buf, &ev);
    mnl_attr_put(nlh, HSX_A_PAD, 0, NULL);
    mnl_attr_put_u64(nlh, HSX_A_MAX + 7, 123);
    assert_int_equal(decode_buf(&out), 1);
    assert_int_equal(out.seq, 5);
}

/* ---- the attribute walk against libmnl's ----------------------------------- */

/* What the decoders did with libmnl before they walked attributes themselves. */
struct reference {
    const enum mnl_attr_data_type *types;
    uint16_t max;
    const struct nlattr **tb;
    const char *end;
    bool unknown;
};

static int reference_attr(const struct nlattr *attr, void *data)
{
    struct reference *r = data;

    r->end = (const char *)attr + MNL_ALIGN(attr->nla_len);
    if (mnl_attr_type_valid(attr, r->max) < 0) {
        r->unknown = true;
        return MNL_CB_OK;
    }
    if (mnl_attr_validate(attr, r->types[mnl_attr_get_type(attr)]) < 0)
        return MNL_CB_ERROR;
    r->tb[mnl_attr_get_type(attr)] = attr;
    return MNL_CB_OK;
}

static int reference_collect(const void *start, size_t len, struct reference *r)
{
    if (mnl_attr_parse_payload(start, len, reference_attr, r) < 0)
        return -EBADMSG;
    const char *end = r->end ? r->end : start;
    return end == (const char *)start + MNL_ALIGN(len) ? 0 : -EBADMSG;
}

/* A small deterministic generator, so a failure can be replayed. */
static uint32_t next_random(uint32_t *seed)
{
    *seed = *seed * 1103515245u + 12345u;
    return *seed >> 8;
}

/*
 * Random attribute runs, mostly well formed, some broken in every way a
 * header can be (short, overlong, misaligned end, bad payload sizes, strings
 * without their NUL, types past max): the walk must agree with libmnl on
 * each, result, attributes taken and unknown types alike.
 */
static void attribute_walk_agrees_with_libmnl(void **state)
{
    static const enum mnl_attr_data_type types[] = {
        MNL_TYPE_UNSPEC, MNL_TYPE_U16,    MNL_TYPE_U32,
        MNL_TYPE_U64,    MNL_TYPE_NESTED, MNL_TYPE_NUL_STRING,
    };
    const uint16_t max = sizeof(types) / sizeof(types[0]) - 1;
    uint32_t seed = 20261121;
    unsigned int accepted = 0, rejected = 0;
    (void)state;

    for (int round = 0; round < 20000; round++) {
        _Alignas(4) unsigned char blob[96];
        size_t len = 0;
        int n = (int)(next_random(&seed) % 5);

        memset(blob, 0, sizeof(blob));
        for (int i = 0; i < n && len + NLA_HDRLEN + 12 <= sizeof(blob); i++) {
            static const uint16_t sizes[] = {0, 1, 2, 3, 4, 5, 8, 12};
            uint16_t payload = sizes[next_random(&seed) % 8];
            struct nlattr *attr = (struct nlattr *)(blob + len);

            attr->nla_type = (uint16_t)(next_random(&seed) % (max + 3));
            attr->nla_len = (uint16_t)(NLA_HDRLEN + payload);
            for (uint16_t b = 0; b < payload; b++)
                blob[len + NLA_HDRLEN + b] = (unsigned char)(next_random(&seed) % 3);
            if (next_random(&seed) % 16 == 0)
                attr->nla_len = (uint16_t)(next_random(&seed) % 40); /* a broken header */
            len += NLA_ALIGN(NLA_HDRLEN + payload);
        }
        /* Sometimes cut the run short, or leave part of the padding off. */
        if (len && next_random(&seed) % 8 == 0)
            len -= next_random(&seed) % (len + 1);

        const struct nlattr *tb[8] = {0}, *ref_tb[8] = {0};
        struct reference ref = {.types = types, .max = max, .tb = ref_tb};
        bool unknown = false;
        int ret = hsx_wire_collect_attrs(blob, len, types, max, tb, &unknown);
        int ref_ret = reference_collect(blob, len, &ref);

        if (ret != ref_ret)
            fail_msg("round %d: walk %d, libmnl %d", round, ret, ref_ret);
        if (ret == 0) {
            assert_memory_equal(tb, ref_tb, sizeof(tb));
            assert_int_equal(unknown, ref.unknown);
            accepted++;
        } else {
            rejected++;
        }
    }
    /* Both outcomes were exercised, many times. */
    assert_true(accepted > 1000);
    assert_true(rejected > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(get_family_asks_the_controller_for_hsx),
        cmocka_unit_test(mbox_open_carries_the_name_and_asks_for_an_ack),
        cmocka_unit_test(mbox_open_carries_the_authorizing_file),
        cmocka_unit_test(mbox_close_carries_the_id),
        cmocka_unit_test(mbox_dump_is_a_dump_request),
        cmocka_unit_test(builders_refuse_small_buffers),
        cmocka_unit_test(family_reply_gives_the_id),
        cmocka_unit_test(open_reply_gives_the_mailbox_id),
        cmocka_unit_test(info_is_decoded_with_defaults),
        cmocka_unit_test(info_with_an_oversized_name_is_rejected),
        cmocka_unit_test(timer_event_is_decoded),
        cmocka_unit_test(closed_event_is_decoded),
        cmocka_unit_test(drop_counters_default_to_zero),
        cmocka_unit_test(events_missing_a_required_attribute_are_rejected),
        cmocka_unit_test(data_event_without_module_nest_is_rejected),
        cmocka_unit_test(data_event_of_an_unknown_module_is_delivered_without_payload),
        cmocka_unit_test(unknown_event_type_is_rejected),
        cmocka_unit_test(attribute_of_the_wrong_size_is_rejected),
        cmocka_unit_test(timer_nest_must_hold_id_and_tick),
        cmocka_unit_test(gpio_event_is_decoded),
        cmocka_unit_test(gpio_nest_must_hold_pin_edge_value_and_timestamp),
        cmocka_unit_test(gpio_attributes_of_the_wrong_type_are_rejected),
        cmocka_unit_test(gpio_values_the_uapi_does_not_allow_are_rejected),
        cmocka_unit_test(gpio_nest_skips_unknown_attributes),
        cmocka_unit_test(capability_end_is_decoded),
        cmocka_unit_test(capability_end_must_name_id_module_and_reason),
        cmocka_unit_test(revoked_close_reason_is_decoded),
        cmocka_unit_test(truncated_datagram_is_rejected),
        cmocka_unit_test(truncated_attribute_is_rejected),
        cmocka_unit_test(event_of_another_family_is_rejected),
        cmocka_unit_test(message_without_genl_header_is_rejected),
        cmocka_unit_test(netlink_errors_and_acks),
        cmocka_unit_test(late_replies_and_noops_deliver_nothing),
        cmocka_unit_test(unknown_attributes_and_padding_are_skipped),
        cmocka_unit_test(attribute_walk_agrees_with_libmnl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
