// SPDX-License-Identifier: MIT
/*
 * The module descriptors (lib/src/core/module.h): the table's invariants,
 * names that match the uAPI's, selectors and rights that read back as they
 * were written, and the public structs' promised sizes. (test_record checks
 * that every module's record and netlink decoders agree on random events.)
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "core/module.h"
#include "hsx_cap.h"
#include "hsx_gpio.h"
#include "hsx_mailbox.h"
#include "modules.h"

static void the_table_is_consistent(void **state)
{
    (void)state;
    assert_int_equal(hsx_umodule_count, HSX_UMOD_COUNT);
    for (size_t i = 0; i < hsx_umodule_count; i++) {
        const struct hsx_umodule *m = hsx_umodules[i];
        assert_non_null(m);
        assert_ptr_equal(hsx_umod_by_id(m->id), m);
        assert_ptr_equal(hsx_umod_by_name(m->name), m);
        assert_int_equal(hsx_umod_index(m), i);
        assert_false(hsx_umod_is_future(m->name));
        if (i > 0)
            assert_true(hsx_umodules[i - 1]->id < m->id); /* ID order */
        /* Events: both decoders or neither, and a record that fits a queue file's. */
        assert_true(!m->decode_record == !m->decode_nest);
        assert_true(!m->nl_nest == !m->decode_nest);
        assert_true(m->record_size + sizeof(struct hsx_mbox_record) <= HSX_MBOX_RECORD_MAX);
        if (m->nl_nest)
            assert_ptr_equal(hsx_umod_by_nest(m->nl_nest), m);
        /* Capabilities: a selector, the common rights, no admin. */
        if (m->flags & HSX_UMOD_CAPS) {
            assert_non_null(m->sel.ops);
            assert_non_null(m->sel.word);
            assert_true(m->sel.limit > 0);
            assert_int_equal(m->rights & HSX_CAP_R_ADMIN, 0);
            assert_int_equal(m->rights & (HSX_CAP_R_READ | HSX_CAP_R_WRITE),
                             HSX_CAP_R_READ | HSX_CAP_R_WRITE);
            for (const struct hsx_umod_right *r = m->own; r && r->name; r++)
                assert_true(r->bit >= 0x10000 && (m->rights & r->bit));
        }
    }
    assert_ptr_equal(hsx_umod_by_id(HSX_MODULE_FS), &hsx_umod_fs);
    assert_ptr_equal(hsx_umod_by_name("fs"), &hsx_umod_fs);
    assert_null(hsx_umod_by_id(0x16)); /* an ID the uAPI has not given */
    assert_false(hsx_umod_is_future("fs"));
    assert_false(hsx_umod_is_future("fram"));
    assert_false(hsx_umod_is_future("can"));
    assert_false(hsx_umod_is_future("uart"));
}

static void names_are_the_uapis(void **state)
{
    char buf[HSX_MBOX_NAME_MAX], want[HSX_MBOX_NAME_MAX];
    (void)state;

    assert_string_equal(hsx_umod_node_path(&hsx_umod_timer, -1, buf, sizeof(buf)), HSX_DEV_TIMER);
    assert_string_equal(hsx_umod_node_path(&hsx_umod_gpio, -1, buf, sizeof(buf)), HSX_DEV_GPIO);
    assert_null(hsx_umod_node_path(&hsx_umod_gpio, 0, buf, sizeof(buf))); /* no instances */
    assert_null(hsx_umod_node_path(&hsx_umod_core, -1, buf, sizeof(buf)));
    assert_null(hsx_umod_node_path(&hsx_umod_gpio, -1, buf, 4));

    snprintf(want, sizeof(want), HSX_MBOX_TIMER_FMT, 4000000000u);
    assert_string_equal(hsx_umod_mailbox_name(&hsx_umod_timer, 0, 4000000000u, buf, sizeof(buf)),
                        want);
    snprintf(want, sizeof(want), HSX_MBOX_GPIO_FMT, 63u);
    assert_string_equal(hsx_umod_mailbox_name(&hsx_umod_gpio, 0, 63, buf, sizeof(buf)), want);
    snprintf(want, sizeof(want), HSX_MBOX_CAP_FMT, (unsigned long long)UINT64_MAX);
    assert_string_equal(hsx_umod_mailbox_name(&hsx_umod_core, 0, UINT64_MAX, buf, sizeof(buf)),
                        want);
    assert_null(hsx_umod_mailbox_name(&hsx_umod_gpio, 1, 0, buf, sizeof(buf)));

    assert_string_equal(hsx_umod_node_path(&hsx_umod_can, -1, buf, sizeof(buf)), HSX_DEV_CAN);
    assert_string_equal(hsx_umod_node_path(&hsx_umod_can, 15, buf, sizeof(buf)), "hsx/can15");
    snprintf(want, sizeof(want), HSX_MBOX_CAN_RX_FMT, 15u);
    assert_string_equal(hsx_umod_mailbox_name(&hsx_umod_can, 0, 15, buf, sizeof(buf)), want);
    snprintf(want, sizeof(want), HSX_MBOX_CAN_ERR_FMT, 0u);
    assert_string_equal(hsx_umod_mailbox_name(&hsx_umod_can, 1, 0, buf, sizeof(buf)), want);
    /* The spec's name for bus 0's frames is fixed: the object does not change it. */
    assert_string_equal(hsx_umod_mailbox_name(&hsx_umod_can, 2, 0, buf, sizeof(buf)),
                        HSX_MBOX_CAN_RX);
    assert_string_equal(hsx_umod_mailbox_name(&hsx_umod_can, 2, 7, buf, sizeof(buf)),
                        HSX_MBOX_CAN_RX);
    assert_null(hsx_umod_mailbox_name(&hsx_umod_can, 2, 0, buf, 5));

    /* Every format has exactly one conversion, a %llu, or none: a fixed name. */
    for (size_t i = 0; i < hsx_umodule_count; i++) {
        for (size_t k = 0; k < HSX_UMOD_MAILBOXES_MAX && hsx_umodules[i]->mailboxes[k]; k++) {
            const char *fmt = hsx_umodules[i]->mailboxes[k];
            const char *pct = strchr(fmt, '%');
            assert_int_equal(strncmp(fmt, "hal:", 4), 0);
            if (!pct)
                continue;
            assert_int_equal(strncmp(pct, "%llu", 4), 0);
            assert_null(strchr(pct + 1, '%'));
        }
    }
}

static uint32_t next_random(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

static void mailboxes_name_their_module(void **state)
{
    (void)state;
    assert_ptr_equal(hsx_umod_by_mailbox("hal:uart:3:rx"), &hsx_umod_uart);
    assert_ptr_equal(hsx_umod_by_mailbox("hal:gpio:5"), &hsx_umod_gpio);
    assert_ptr_equal(hsx_umod_by_mailbox("hal:timer:32767"), &hsx_umod_timer);
    assert_null(hsx_umod_by_mailbox("hal:uart:3"));
    assert_null(hsx_umod_by_mailbox("hal:uart::rx"));
    assert_null(hsx_umod_by_mailbox("hal:gpio:5x"));
    assert_null(hsx_umod_by_mailbox("hal:uart:1:rxx"));
    assert_null(hsx_umod_by_mailbox(NULL));
    assert_ptr_equal(hsx_umod_by_mailbox("hal:can:rx"), &hsx_umod_can);
    assert_ptr_equal(hsx_umod_by_mailbox("hal:can:15:rx"), &hsx_umod_can);
    assert_ptr_equal(hsx_umod_by_mailbox("hal:can:0:err"), &hsx_umod_can);
    assert_null(hsx_umod_by_mailbox("hal:can:rxx"));
    assert_null(hsx_umod_by_mailbox("hal:can::rx"));
    assert_null(hsx_umod_by_mailbox("hal:can:err"));
    /* A byte stream asks for the deepest queue the kernel gives. */
    assert_int_equal(hsx_umod_uart.queue_len, HSX_MBOX_QUEUE_MAX);
}

/* An ID of either format, the ends of each more often. */
static uint32_t random_can_id(uint32_t *seed)
{
    static const uint32_t edges[] = {0, HSX_CAN_SFF_MASK, HSX_CAN_SEL_EXT,
                                     HSX_CAN_SEL_EXT | HSX_CAN_EFF_MASK};
    uint32_t pick = next_random(seed) % 6;

    if (pick < 4)
        return edges[pick];
    return pick == 4 ? next_random(seed) % (HSX_CAN_SFF_MASK + 1)
                     : HSX_CAN_SEL_EXT | (next_random(seed) & HSX_CAN_EFF_MASK);
}

/* A valid CAN selector: some buses, each range present or not, low to high. */
static void random_can_selector(uint32_t *seed, uint32_t buses, union hsx_cap_selector *sel)
{
    sel->can.buses = next_random(seed) & ((1u << buses) - 1);
    if (!sel->can.buses)
        sel->can.buses = 1;
    for (int tx = 0; tx < 2; tx++) {
        if (next_random(seed) % 3 == 0)
            continue;
        uint32_t a = random_can_id(seed), b = random_can_id(seed);
        sel->can.flags |= tx ? HSX_CAN_SEL_TX : HSX_CAN_SEL_RX;
        *(tx ? &sel->can.tx_first : &sel->can.rx_first) = a < b ? a : b;
        *(tx ? &sel->can.tx_last : &sel->can.rx_last) = a < b ? b : a;
    }
}

/* A valid FRAM selector: some devices, one to three ranges, sorted and apart. */
static void random_fram_selector(uint32_t *seed, uint32_t devices, union hsx_cap_selector *sel)
{
    uint32_t at = next_random(seed) % 0x1000;

    sel->fram.devices = (uint16_t)(next_random(seed) & ((1u << devices) - 1));
    if (!sel->fram.devices)
        sel->fram.devices = 1;
    for (unsigned int i = 0, n = 1 + next_random(seed) % HSX_FRAM_SEL_RANGES; i < n; i++) {
        uint32_t first = at, last = first + next_random(seed) % 0x40000;
        if (last >= HSX_FRAM_PART_MAX)
            break;
        sel->fram.ranges[i].first = first;
        sel->fram.ranges[i].last = last;
        sel->fram.nranges++;
        at = last + 2 + next_random(seed) % 0x10000;
    }
}

/* Formatting a selector and parsing the text gives the selector back, for every module. */
static void selectors_read_back_as_written(void **state)
{
    char text[HSX_UMOD_TEXT_MAX], why[128];
    uint32_t seed = 20261204;
    (void)state;

    for (size_t i = 0; i < hsx_umodule_count; i++) {
        const struct hsx_umodule *m = hsx_umodules[i];
        if (!(m->flags & HSX_UMOD_CAPS))
            continue;
        for (int round = 0; round < 5000; round++) {
            union hsx_cap_selector sel = {.raw = {0}}, back, all;
            if (m->sel.kind == HSX_UMOD_SEL_SET) {
                sel.raw[0] = ((uint64_t)next_random(&seed) << 40 ^
                              (uint64_t)next_random(&seed) << 16 ^ next_random(&seed));
                if (round % 3 == 0)
                    sel.raw[0] &= sel.raw[0] >> 1; /* more runs */
                if (m->sel.limit < 64)
                    sel.raw[0] &= (UINT64_C(1) << m->sel.limit) - 1;
                if (sel.raw[0] == 0)
                    sel.raw[0] = 1;
            } else if (m->sel.kind == HSX_UMOD_SEL_CAN) {
                random_can_selector(&seed, m->sel.limit, &sel);
            } else if (m->sel.kind == HSX_UMOD_SEL_FRAM) {
                random_fram_selector(&seed, m->sel.limit, &sel);
            } else if (m->sel.kind == HSX_UMOD_SEL_FS) {
                sel.fs.roots = next_random(&seed) ^ next_random(&seed) << 16;
                if (sel.fs.roots == 0)
                    sel.fs.roots = 1;
            } else {
                sel.timer.max_timers = 1 + next_random(&seed) % m->sel.limit;
            }
            m->sel.ops->format(&m->sel, text, sizeof(text), &sel);
            assert_int_equal(m->sel.ops->parse(&m->sel, text, &back, why, sizeof(why)), 0);
            assert_memory_equal(&sel, &back, sizeof(sel));
            assert_int_equal(hsx_umod_sel_check(m, &sel, false, why, sizeof(why)), 0);

            m->sel.ops->all(&m->sel, &all);
            assert_true(hsx_umod_sel_subset(m, &sel, &all));
            union hsx_cap_selector meet, join;
            m->sel.ops->intersect(&m->sel, &sel, &back, &meet);
            m->sel.ops->unite(&m->sel, &sel, &meet, &join);
            assert_memory_equal(&meet, &sel, sizeof(sel));
            assert_memory_equal(&join, &sel, sizeof(sel));
        }
    }
}

static void selectors_refuse_what_the_kernel_refuses(void **state)
{
    union hsx_cap_selector sel;
    char why[128], text[HSX_UMOD_TEXT_MAX];
    (void)state;

    assert_int_equal(hsx_umod_sel_parse(&hsx_umod_gpio, "17,20-23", &sel, why, sizeof(why)), 0);
    assert_int_equal(sel.gpio.pins, (1ull << 17) | (0xfull << 20));
    assert_string_equal(hsx_umod_sel_format(&hsx_umod_gpio, text, sizeof(text), &sel),
                        "pins 17,20-23");
    assert_true(hsx_umod_sel_covers(&hsx_umod_gpio, &sel, 21));
    assert_false(hsx_umod_sel_covers(&hsx_umod_gpio, &sel, 19));
    assert_false(hsx_umod_sel_covers(&hsx_umod_gpio, &sel, 64));
    static const char *const bad_pins[] = {"64", "-1", "20-17", "", "a", "1,,2", "1234567890"};
    for (size_t i = 0; i < sizeof(bad_pins) / sizeof(bad_pins[0]); i++)
        assert_int_equal(hsx_umod_sel_parse(&hsx_umod_gpio, bad_pins[i], &sel, why, sizeof(why)),
                         -EINVAL);
    assert_int_equal(hsx_umod_sel_parse(&hsx_umod_gpio, "64", &sel, why, sizeof(why)), -EINVAL);
    assert_string_equal(why, "pin 64 is out of range 0..63");

    assert_int_equal(hsx_umod_sel_parse(&hsx_umod_timer, "4", &sel, why, sizeof(why)), 0);
    assert_string_equal(hsx_umod_sel_format(&hsx_umod_timer, text, sizeof(text), &sel),
                        "max_timers 4");
    assert_int_equal(hsx_umod_sel_parse(&hsx_umod_timer, "0", &sel, why, sizeof(why)), -EINVAL);
    assert_int_equal(hsx_umod_sel_parse(&hsx_umod_timer, "65", &sel, why, sizeof(why)), -EINVAL);

    /* A request may be all-zero ("all the policy allows"); a grant must say. */
    union hsx_cap_selector zero = {.raw = {0}};
    assert_true(hsx_umod_request_valid(&hsx_umod_gpio, HSX_CAP_R_GPIO_ALL, &zero));
    assert_int_equal(hsx_umod_sel_check(&hsx_umod_gpio, &zero, false, why, sizeof(why)), -EINVAL);
    assert_false(hsx_umod_request_valid(&hsx_umod_timer, HSX_CAP_R_GPIO_IRQ, &zero));
    union hsx_cap_selector wide = {.timer = {.max_timers = 65}};
    assert_false(hsx_umod_request_valid(&hsx_umod_timer, 0, &wide));
    union hsx_cap_selector reserved = {.timer = {.max_timers = 1, .reserved = 1}};
    assert_false(hsx_umod_request_valid(&hsx_umod_timer, 0, &reserved));
    union hsx_cap_selector tail = {.raw = {1, 0, 1, 0}};
    assert_false(hsx_umod_request_valid(&hsx_umod_gpio, 0, &tail));
    assert_false(hsx_umod_request_valid(&hsx_umod_core, 0, &zero));
}

static void rights_read_back_as_written(void **state)
{
    char text[HSX_UMOD_TEXT_MAX], why[128];
    uint32_t rights;
    const char *reason;
    (void)state;

    for (size_t i = 0; i < hsx_umodule_count; i++) {
        const struct hsx_umodule *m = hsx_umodules[i];
        if (!(m->flags & HSX_UMOD_CAPS))
            continue;
        /* Every subset of the module's rights. */
        for (uint32_t sub = m->rights;; sub = (sub - 1) & m->rights) {
            hsx_umod_format_rights(m, text, sizeof(text), sub);
            if (sub) {
                assert_int_equal(hsx_umod_parse_rights(m, text, &rights, why, sizeof(why)), 0);
                assert_int_equal(rights, sub);
            } else {
                assert_string_equal(text, "none");
            }
            if (!sub)
                break;
        }
    }
    assert_string_equal(hsx_umod_format_rights(NULL, text, sizeof(text), HSX_CAP_R_READ | 0x100),
                        "read,0x100");
    assert_int_equal(hsx_umod_parse_rights(&hsx_umod_timer, "read,irq", &rights, why, sizeof(why)),
                     -EINVAL);
    assert_string_equal(why, "'irq' is not a right of timer");
    assert_int_equal(hsx_umod_right_by_name(NULL, "admin", &reason), 0);
    assert_int_equal(hsx_umod_right_by_name(NULL, "irq", &reason), HSX_CAP_R_GPIO_IRQ);
}

/* The sizes the public headers promise, whatever modules are added. */
static void public_structs_keep_their_size(void **state)
{
    (void)state;
    assert_int_equal(sizeof(hsx_mailbox_event_t), HSX_MAILBOX_EVENT_SIZE);
    assert_int_equal(sizeof(((hsx_mailbox_event_t *)0)->u), HSX_MAILBOX_PAYLOAD_SIZE);
    assert_int_equal(offsetof(hsx_mailbox_event_t, u),
                     HSX_MAILBOX_EVENT_SIZE - HSX_MAILBOX_PAYLOAD_SIZE);
    assert_int_equal(sizeof(hsx_gpio_settings_t), HSX_GPIO_SETTINGS_SIZE);
    assert_int_equal(sizeof(hsx_cap_selector_t), 32);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_table_is_consistent),
        cmocka_unit_test(names_are_the_uapis),
        cmocka_unit_test(mailboxes_name_their_module),
        cmocka_unit_test(selectors_read_back_as_written),
        cmocka_unit_test(selectors_refuse_what_the_kernel_refuses),
        cmocka_unit_test(rights_read_back_as_written),
        cmocka_unit_test(public_structs_keep_their_size),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
