// SPDX-License-Identifier: MIT
/*
 * Queue-file records: decoding each module's record, rejecting what is short
 * or unknown, and delivering exactly the event the netlink decoder delivers
 * for the same kernel event.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "core/record.h"
#include "core/wire.h"
#include "helpers.h"

static void a_gpio_record_decodes(void **state)
{
    unsigned char buf[HSX_MBOX_RECORD_MAX];
    struct test_event sent = test_edge(7, 5, 9, HSX_GPIO_E_FALLING, 0);
    hsx_mailbox_event_t ev;
    (void)state;

    sent.dropped = 2;
    sent.dropped_total = 6;
    size_t len = test_put_record(buf, &sent, test_record_size(HSX_MODULE_GPIO));
    assert_int_equal(hsx_record_decode(buf, len, &ev), 0);
    assert_int_equal(ev.type, HSX_MAILBOX_EVENT_DATA);
    assert_int_equal(ev.module, HSX_MAILBOX_MODULE_GPIO);
    assert_int_equal(ev.mailbox_id, 7);
    assert_int_equal(ev.seq, 5);
    assert_int_equal(ev.dropped, 2);
    assert_int_equal(ev.dropped_total, 6);
    assert_int_equal(ev.u.gpio.pin, 9);
    assert_int_equal(ev.u.gpio.edge, HSX_GPIO_E_FALLING);
    assert_int_equal(ev.u.gpio.value, 0);
    assert_int_equal(ev.u.gpio.timestamp_ns, 5000000000ULL);
    assert_int_equal(ev.u.gpio.line_seq, 5);
}

static void a_capability_record_decodes(void **state)
{
    unsigned char buf[HSX_MBOX_RECORD_MAX];
    struct test_event sent = test_cap_end(4, 1, 77, HSX_MODULE_GPIO, 0x30, 2);
    hsx_mailbox_event_t ev;
    (void)state;

    size_t len = test_put_record(buf, &sent, test_record_size(HSX_MODULE_CORE));
    assert_int_equal(hsx_record_decode(buf, len, &ev), 0);
    assert_int_equal(ev.module, HSX_MAILBOX_MODULE_CORE);
    assert_int_equal(ev.u.cap.id, 77);
    assert_int_equal(ev.u.cap.module, HSX_MODULE_GPIO);
    assert_int_equal(ev.u.cap.object, 0x30);
    assert_int_equal(ev.u.cap.reason, 2);
    assert_int_equal(ev.u.cap.holder_pid, 4242);
}

static void a_close_record_decodes(void **state)
{
    unsigned char buf[HSX_MBOX_RECORD_MAX];
    struct test_event sent = test_closed(4, 9, HSX_CLOSE_OWNER_GONE);
    hsx_mailbox_event_t ev;
    (void)state;

    size_t len = test_put_record(buf, &sent, test_record_size(HSX_MODULE_GPIO));
    assert_int_equal(hsx_record_decode(buf, len, &ev), 0);
    assert_int_equal(ev.type, HSX_MAILBOX_EVENT_CLOSED);
    assert_int_equal(ev.module, HSX_MAILBOX_MODULE_NONE);
    assert_int_equal(ev.close_reason, HSX_MAILBOX_CLOSE_OWNER_GONE);
    assert_int_equal(ev.seq, 9);
}

static void short_records_are_malformed(void **state)
{
    unsigned char buf[HSX_MBOX_RECORD_MAX];
    struct test_event sent = test_edge(7, 5, 9, HSX_GPIO_E_RISING, 1);
    uint32_t size = test_record_size(HSX_MODULE_GPIO);
    struct hsx_mbox_record *hdr = (struct hsx_mbox_record *)buf;
    hsx_mailbox_event_t ev;
    (void)state;

    test_put_record(buf, &sent, size);
    assert_int_equal(hsx_record_decode(buf, sizeof(*hdr) - 1, &ev), -EBADMSG);
    /* Read fewer bytes than the record says it has. */
    assert_int_equal(hsx_record_decode(buf, size - 1, &ev), -EBADMSG);
    /* A size smaller than the header. */
    hdr->size = sizeof(*hdr) - 8;
    assert_int_equal(hsx_record_decode(buf, size, &ev), -EBADMSG);
    /* A size that leaves no room for the module's record. */
    hdr->size = size - 8;
    assert_int_equal(hsx_record_decode(buf, size, &ev), -EBADMSG);
    /* A larger size than the module record needs is fine: later kernels may add fields. */
    hdr->size = size + 8;
    assert_int_equal(hsx_record_decode(buf, size + 8, &ev), 0);
    assert_int_equal(ev.u.gpio.value, 1);
}

static void values_no_event_can_hold_are_refused(void **state)
{
    unsigned char buf[HSX_MBOX_RECORD_MAX];
    hsx_mailbox_event_t ev;
    (void)state;

    struct test_event sent = test_edge(7, 5, HSX_GPIO_MAX_PINS, HSX_GPIO_E_RISING, 1);
    size_t len = test_put_record(buf, &sent, test_record_size(HSX_MODULE_GPIO));
    assert_int_equal(hsx_record_decode(buf, len, &ev), -EPROTO);
    sent = test_edge(7, 5, 1, HSX_GPIO_E_BOTH, 1);
    len = test_put_record(buf, &sent, test_record_size(HSX_MODULE_GPIO));
    assert_int_equal(hsx_record_decode(buf, len, &ev), -EPROTO);
    sent = test_edge(7, 5, 1, HSX_GPIO_E_RISING, 2);
    len = test_put_record(buf, &sent, test_record_size(HSX_MODULE_GPIO));
    assert_int_equal(hsx_record_decode(buf, len, &ev), -EPROTO);
    sent = test_cap_end(4, 1, 0, HSX_MODULE_GPIO, 0x30, 2); /* capability 0 */
    len = test_put_record(buf, &sent, test_record_size(HSX_MODULE_CORE));
    assert_int_equal(hsx_record_decode(buf, len, &ev), -EPROTO);
    sent = test_expiry(3, 1);
    len = test_put_record(buf, &sent, test_record_size(HSX_MODULE_TIMER));
    ((struct hsx_mbox_record *)buf)->type = 3;
    assert_int_equal(hsx_record_decode(buf, len, &ev), -EPROTO);
}

/* A module this library does not know is delivered without its record, as over netlink. */
static void an_unknown_module_is_passed_on_as_none(void **state)
{
    unsigned char buf[HSX_MBOX_RECORD_MAX];
    struct test_event sent = test_expiry(3, 1);
    hsx_mailbox_event_t ev;
    (void)state;

    size_t len = test_put_record(buf, &sent, test_record_size(HSX_MODULE_TIMER));
    ((struct hsx_mbox_record *)buf)->module = HSX_MODULE_FRAM;
    assert_int_equal(hsx_record_decode(buf, len, &ev), 0);
    assert_int_equal(ev.type, HSX_MAILBOX_EVENT_DATA);
    assert_int_equal(ev.module, HSX_MAILBOX_MODULE_NONE);
    assert_int_equal(ev.seq, 1);
}

static uint32_t next_random(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return *state >> 8;
}

static uint64_t random64(uint32_t *seed)
{
    return ((uint64_t)next_random(seed) << 40) ^ ((uint64_t)next_random(seed) << 16) ^
           next_random(seed);
}

/* Any value a field may take, with the edges of the ranges more often. */
static uint32_t random32(uint32_t *seed, uint32_t limit)
{
    switch (next_random(seed) % 4) {
    case 0:
        return 0;
    case 1:
        return limit - 1;
    default:
        return next_random(seed) % limit;
    }
}

/* A CAN event of any kind with values in and just out of range, the nest with its bytes. */
static void random_can(uint32_t *seed, struct test_event *e)
{
    struct hsx_can_record *r = &e->can_rec;

    e->can = true;
    r->bus = random32(seed, HSX_CAN_MAX_BUSES + 1);
    r->kind = (uint8_t)random32(seed, HSX_CAN_EV_TX_FAILED + 2);
    r->frame.flags = (uint8_t)random32(seed, 0x41);
    r->frame.can_id = random32(seed, r->frame.flags & HSX_CAN_F_EXT ? HSX_CAN_EFF_MASK + 2
                                                                    : HSX_CAN_SFF_MASK + 2);
    r->frame.len = (uint8_t)random32(seed, HSX_CAN_DATA_MAX + 2);
    /* A reason (TX_FAILED's, PERIODIC_END's) is small: in range a fair part of the time */
    r->error =
        random32(seed, next_random(seed) % 2 ? HSX_CAN_END_FAILED + 2 : HSX_CAN_EFF_MASK + 2);
    r->state = (uint8_t)random32(seed, HSX_CAN_PERIODIC_MAX + 1);
    r->tx_errors = (uint16_t)next_random(seed);
    r->rx_errors = (uint16_t)next_random(seed);
    r->cookie = random64(seed);
    for (size_t i = 0; i < sizeof(r->frame.data); i++)
        r->frame.data[i] = (uint8_t)next_random(seed);
    /* The bytes the frame carries, and sometimes more: never fewer (that is malformed). */
    uint32_t needed =
        r->kind != HSX_CAN_EV_ERROR && (r->frame.flags & HSX_CAN_F_RTR) ? 0 : r->frame.len;
    if (needed > HSX_CAN_DATA_MAX)
        needed = HSX_CAN_DATA_MAX;
    e->can_data_len = needed + random32(seed, HSX_CAN_DATA_MAX - needed + 1);
}

/* The same kernel event, sent either way, is the same event to the application. */
static void records_and_netlink_decode_alike(void **state)
{
    unsigned char nl[HSX_NL_BUFSIZE], rec[HSX_MBOX_RECORD_MAX];
    uint32_t seed = 20261121;
    (void)state;

    for (int i = 0; i < 20000; i++) {
        struct test_event e = {
            .mailbox_id = next_random(&seed),
            .seq = random64(&seed),
            .timestamp_ns = random64(&seed),
            .dropped = random32(&seed, UINT32_MAX),
            .dropped_total = random64(&seed),
        };
        uint16_t module = HSX_MODULE_TIMER;

        switch (next_random(&seed) % 5) {
        case 0:
            e.type = HSX_EVT_CLOSED;
            e.close_reason = 1 + random32(&seed, 4);
            break;
        case 1:
            e.timer = true;
            e.timer_id = random32(&seed, UINT32_MAX);
            e.tick_us = random64(&seed);
            e.overruns = random32(&seed, UINT32_MAX);
            e.expirations = random64(&seed);
            break;
        case 2:
            module = HSX_MODULE_GPIO;
            e.gpio = true;
            e.pin = random32(&seed, HSX_GPIO_MAX_PINS + 2);
            e.edge = random32(&seed, 4);
            e.value = random32(&seed, 3);
            e.edge_ns = random64(&seed);
            e.line_seq = random64(&seed);
            break;
        case 3:
            module = HSX_MODULE_CAN;
            random_can(&seed, &e);
            break;
        default:
            module = HSX_MODULE_CORE;
            e.cap = true;
            e.cap_id = random32(&seed, 3);
            e.cap_module = random32(&seed, 0x20);
            e.cap_object = random64(&seed);
            e.cap_reason = random32(&seed, 6);
            e.cap_holder = next_random(&seed);
            break;
        }

        hsx_mailbox_event_t from_nl, from_rec;
        memset(&from_nl, 0xa5, sizeof(from_nl));
        memset(&from_rec, 0x5a, sizeof(from_rec));
        size_t nl_len = test_put_event(nl, &e);
        size_t rec_len = test_put_record(rec, &e, test_record_size(module));
        int nl_ret = hsx_wire_decode_datagram(nl, nl_len, TEST_FAMILY, &from_nl);
        int rec_ret = hsx_record_decode(rec, rec_len, &from_rec);

        /* The datagram decoder says 1 for "an event"; both say the same errno otherwise. */
        assert_int_equal(rec_ret, nl_ret == 1 ? 0 : nl_ret);
        if (rec_ret == 0)
            assert_memory_equal(&from_nl, &from_rec, sizeof(from_nl));
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_gpio_record_decodes),
        cmocka_unit_test(a_capability_record_decodes),
        cmocka_unit_test(a_close_record_decodes),
        cmocka_unit_test(short_records_are_malformed),
        cmocka_unit_test(values_no_event_can_hold_are_refused),
        cmocka_unit_test(an_unknown_module_is_passed_on_as_none),
        cmocka_unit_test(records_and_netlink_decode_alike),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
