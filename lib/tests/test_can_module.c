// SPDX-License-Identifier: MIT
/*
 * The CAN descriptor (lib/src/can/can_module.c) and the CAN kind of
 * selector (lib/src/core/module_sel_can.c), without a kernel: events
 * decoded from both transports (and refused alike: test_record feeds both
 * random ones), their words, the rules of a frame, and selectors in text
 * and as sets of buses and IDs, as hsx.ko's check sees them.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "can/can.h"
#include "can/can_module.h"
#include "core/module_sel_can.h"
#include "core/record.h"
#include "core/wire.h"
#include "helpers.h"
#include "hsx_can.h"
#include "modules.h"

#define EXT HSX_CAN_SEL_EXT

/*
 * An event of bus with seq 3, as a test_event of both transports: data is
 * the nest's HSX_CAN_A_DATA (its length, sizeof - 1 of a literal: it may hold
 * NUL bytes) and the record's frame.data.
 */
#define can_event(bus, kind, id, flags, len, data)                                                 \
    can_event_of(bus, kind, id, flags, len, data, sizeof(data) - 1)

static struct test_event can_event_of(uint32_t bus, uint8_t kind, uint32_t id, uint8_t flags,
                                      uint8_t len, const char *data, size_t data_len)
{
    struct test_event e = {
        .mailbox_id = 40 + bus,
        .seq = 3,
        .timestamp_ns = 5000,
        .can = true,
        .can_rec = {.bus = bus, .kind = kind, .frame = {.can_id = id, .len = len, .flags = flags}},
    };

    memcpy(e.can_rec.frame.data, data, data_len);
    e.can_data_len = (uint32_t)data_len;
    return e;
}

/* Decode e both ways; both must say ret, and agree on the event. */
static void decode_both(const struct test_event *e, int ret, hsx_mailbox_event_t *ev)
{
    unsigned char nl[HSX_NL_BUFSIZE], rec[HSX_MBOX_RECORD_MAX];
    hsx_mailbox_event_t from_nl;

    size_t nl_len = test_put_event(nl, e);
    size_t rec_len = test_put_record(rec, e, test_record_size(HSX_MODULE_CAN));
    int nl_ret = hsx_wire_decode_datagram(nl, nl_len, TEST_FAMILY, &from_nl);
    assert_int_equal(hsx_record_decode(rec, rec_len, ev), ret);
    assert_int_equal(nl_ret == 1 ? 0 : nl_ret, ret);
    if (ret == 0)
        assert_memory_equal(&from_nl, ev, sizeof(*ev));
}

static void frames_decode_from_both_transports(void **state)
{
    hsx_mailbox_event_t ev;
    (void)state;

    struct test_event e =
        can_event(2, HSX_CAN_EV_FRAME, 0x123, HSX_CAN_F_LOCAL, 4, "\xde\xad\xbe\xef");
    decode_both(&e, 0, &ev);
    assert_int_equal(ev.type, HSX_MAILBOX_EVENT_DATA);
    assert_int_equal(ev.module, HSX_MAILBOX_MODULE_CAN);
    assert_int_equal(ev.seq, 3);
    assert_int_equal(ev.u.can.bus, 2);
    assert_int_equal(ev.u.can.kind, HSX_CAN_EVENT_FRAME);
    assert_int_equal(ev.u.can.id, 0x123);
    assert_int_equal(ev.u.can.flags, HSX_CAN_LOCAL_FRAME);
    assert_int_equal(ev.u.can.len, 4);
    assert_memory_equal(ev.u.can.data, "\xde\xad\xbe\xef", 4);
    assert_int_equal(ev.u.can.data[4], 0);

    /* An FD frame of 12 bytes, with an extended ID; the nest may carry more than its bytes. */
    e = can_event(0, HSX_CAN_EV_FRAME, 0x18ff0001, HSX_CAN_F_EXT | HSX_CAN_F_FD | HSX_CAN_F_BRS, 12,
                  "0123456789abXYZ");
    e.can_rec.cookie = 99; /* a frame has no cookie: not kept */
    decode_both(&e, 0, &ev);
    assert_int_equal(ev.u.can.id, 0x18ff0001);
    assert_int_equal(ev.u.can.len, 12);
    assert_memory_equal(ev.u.can.data, "0123456789ab", 12);
    assert_int_equal(ev.u.can.data[12], 0);
    assert_int_equal(ev.u.can.cookie, 0);

    /* A remote request carries no bytes, whatever length it asks for. */
    e = can_event(1, HSX_CAN_EV_FRAME, 0x7ff, HSX_CAN_F_RTR, 8, "");
    decode_both(&e, 0, &ev);
    assert_int_equal(ev.u.can.len, 8);
    assert_int_equal(ev.u.can.data[0], 0);

    /* TX_DONE: the cookie of the frame sent. */
    e = can_event(3, HSX_CAN_EV_TX_DONE, 0x100, 0, 1, "\x01");
    e.can_rec.cookie = 0x1234567890ull;
    decode_both(&e, 0, &ev);
    assert_int_equal(ev.u.can.kind, HSX_CAN_EVENT_TX_DONE);
    assert_int_equal(ev.u.can.cookie, 0x1234567890ull);

    /* TX_FAILED: the cookie, the frame and why; the library's own kind number. */
    e = can_event(3, HSX_CAN_EV_TX_FAILED, 0x100, HSX_CAN_F_LOCAL, 1, "\x01");
    e.can_rec.cookie = 77;
    e.can_rec.error = HSX_CAN_TXF_DOWN;
    decode_both(&e, 0, &ev);
    assert_int_equal(ev.u.can.kind, HSX_CAN_EVENT_TX_FAILED);
    assert_int_equal(ev.u.can.cookie, 77);
    assert_int_equal(ev.u.can.reason, HSX_CAN_TX_FAILED_DOWN);
    assert_int_equal(ev.u.can.id, 0x100);
    /* Without a reason: refused. With one it does not know (a newer kernel's): as it is. */
    e.can_rec.error = 0;
    decode_both(&e, -EPROTO, &ev);
    e.can_rec.error = HSX_CAN_TXF_CLOSED + 1;
    decode_both(&e, 0, &ev);
    assert_int_equal(ev.u.can.kind, HSX_CAN_EVENT_TX_FAILED);
    assert_int_equal(ev.u.can.reason, HSX_CAN_TXF_CLOSED + 1);

    /* An error: its class, the state after it, the counters and the detail bytes. */
    e = can_event(4, HSX_CAN_EV_ERROR, 0x555, HSX_CAN_F_FD, 8, "\x00\x08\x00\x00\x00\x00\x60\x00");
    e.can_rec.error = 0x4; /* CAN_ERR_CRTL */
    e.can_rec.state = HSX_CAN_STATE_WARNING;
    e.can_rec.tx_errors = 96;
    e.can_rec.rx_errors = 3;
    decode_both(&e, 0, &ev);
    assert_int_equal(ev.u.can.kind, HSX_CAN_EVENT_ERROR);
    assert_int_equal(ev.u.can.id, 0x4);
    assert_int_equal(ev.u.can.flags, 0);
    assert_int_equal(ev.u.can.state, HSX_CAN_STATE_WARNING);
    assert_int_equal(ev.u.can.tx_errors, 96);
    assert_int_equal(ev.u.can.rx_errors, 3);
    assert_memory_equal(ev.u.can.data, "\x00\x08\x00\x00\x00\x00\x60\x00", 8);

    /* A periodic job's end: slot, frames sent, failed sends, the reason; its frame. */
    e = can_event(1, HSX_CAN_EV_PERIODIC_END, 0x321, 0, 2, "\x11\x22");
    e.can_rec.state = 15;
    e.can_rec.cookie = 1000;
    e.can_rec.tx_errors = 7;
    e.can_rec.rx_errors = 9; /* not the job's: dropped */
    e.can_rec.error = HSX_CAN_END_GONE;
    decode_both(&e, 0, &ev);
    assert_int_equal(ev.u.can.kind, HSX_CAN_EVENT_PERIODIC_END);
    assert_int_equal(ev.u.can.id, 0x321);
    assert_int_equal(ev.u.can.state, 15);
    assert_int_equal(ev.u.can.cookie, 1000);
    assert_int_equal(ev.u.can.tx_errors, 7);
    assert_int_equal(ev.u.can.rx_errors, 0);
    assert_int_equal(ev.u.can.reason, HSX_CAN_END_GONE);
    assert_memory_equal(ev.u.can.data, "\x11\x22", 2);
    hsx_can_event_t out;
    hsx_can_event_from_mailbox(&ev, &out);
    assert_int_equal(out.kind, HSX_CAN_EVENT_PERIODIC_END);
    assert_int_equal(out.error_class, HSX_CAN_PERIODIC_END_GONE);
    assert_int_equal(out.rx_errors, 0);
    assert_int_equal(out.frame.can_id, 0x321);

    /* A watch's timeout: its slot, its count, its ID; no bytes. */
    e = can_event(2, HSX_CAN_EV_RX_TIMEOUT, 0x18ff0000, HSX_CAN_F_EXT, 0, "");
    e.can_rec.state = 9;
    e.can_rec.cookie = 4;
    decode_both(&e, 0, &ev);
    assert_int_equal(ev.u.can.kind, HSX_CAN_EVENT_RX_TIMEOUT);
    assert_int_equal(ev.u.can.state, 9);
    assert_int_equal(ev.u.can.cookie, 4);
    hsx_can_event_from_mailbox(&ev, &out);
    assert_int_equal(out.kind, HSX_CAN_EVENT_RX_TIMEOUT);
    assert_int_equal(out.frame.can_id, 0x18ff0000);
    assert_int_equal(out.frame.flags, HSX_CAN_EXT_FRAME);
}

/*
 * Kinds a newer kernel adds (another branch's 3 and 4, the periodic job's end
 * with a reason, and an RX timeout; and any later) are no error: the event
 * is left undecoded (module NONE, which readers pass over), from either
 * transport, a reason with it or not, and the next event decodes.
 */
static void unknown_kinds_are_passed_over(void **state)
{
    hsx_mailbox_event_t ev;
    static const uint8_t kinds[] = {6, 7, 200}; /* past TX_FAILED (5) */
    (void)state;

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        struct test_event e = can_event(1, kinds[i], 0x123, 0, 2, "ab");
        e.can_rec.error = 9; /* a reason (its netlink attribute too) */
        e.can_rec.rx_errors = 2;
        decode_both(&e, 0, &ev);
        assert_int_equal(ev.type, HSX_MAILBOX_EVENT_DATA);
        assert_int_equal(ev.module, HSX_MAILBOX_MODULE_NONE);
    }
    struct test_event e = can_event(1, HSX_CAN_EV_FRAME, 0x123, 0, 2, "ab");
    decode_both(&e, 0, &ev);
    assert_int_equal(ev.module, HSX_MAILBOX_MODULE_CAN);
    assert_int_equal(ev.u.can.id, 0x123);
}

static void malformed_events_are_refused(void **state)
{
    hsx_mailbox_event_t ev;
    (void)state;

    /* Values no frame has: both transports refuse them alike. */
    struct test_event e = can_event(16, HSX_CAN_EV_FRAME, 0x1, 0, 0, "");
    decode_both(&e, -EPROTO, &ev);
    e = can_event(0, HSX_CAN_EV_RX_TIMEOUT, 0x1, 0, 1, "x"); /* a timeout has no bytes */
    decode_both(&e, -EPROTO, &ev);
    e = can_event(0, HSX_CAN_EV_RX_TIMEOUT, 0x1, 0, 0, "");
    e.can_rec.state = HSX_CAN_WATCH_MAX;
    decode_both(&e, -EPROTO, &ev);
    e = can_event(0, HSX_CAN_EV_PERIODIC_END, 0x1, 0, 0, "");
    e.can_rec.error = HSX_CAN_END_COUNT;
    e.can_rec.state = HSX_CAN_PERIODIC_MAX; /* past the slots */
    decode_both(&e, -EPROTO, &ev);
    e = can_event(0, HSX_CAN_EV_FRAME, 0x800, 0, 0, ""); /* 12 bits, not extended */
    decode_both(&e, -EPROTO, &ev);
    e = can_event(0, HSX_CAN_EV_FRAME, 0x20000000, HSX_CAN_F_EXT, 0, "");
    decode_both(&e, -EPROTO, &ev);
    e = can_event(0, HSX_CAN_EV_FRAME, 0x1, 0, 9, "012345678"); /* 9 bytes, classic */
    decode_both(&e, -EPROTO, &ev);
    e = can_event(0, HSX_CAN_EV_FRAME, 0x1, HSX_CAN_F_FD, 9, "012345678"); /* no FD length */
    decode_both(&e, -EPROTO, &ev);
    e = can_event(0, HSX_CAN_EV_FRAME, 0x1, HSX_CAN_F_FD | HSX_CAN_F_RTR, 0, "");
    decode_both(&e, -EPROTO, &ev);
    e = can_event(0, HSX_CAN_EV_FRAME, 0x1, HSX_CAN_F_BRS, 0, ""); /* BRS without FD */
    decode_both(&e, -EPROTO, &ev);
    e = can_event(0, HSX_CAN_EV_FRAME, 0x1, 0x40, 0, ""); /* an unknown flag */
    decode_both(&e, -EPROTO, &ev);
    e = can_event(0, HSX_CAN_EV_ERROR, 0, 0, 8, "01234567");
    e.can_rec.state = HSX_CAN_STATE_NONE + 1;
    decode_both(&e, -EPROTO, &ev);
    e = can_event(0, HSX_CAN_EV_ERROR, 0, 0, 9, "012345678");
    decode_both(&e, -EPROTO, &ev);

    /* The nest's own mistakes: a required attribute missing, fewer bytes than the frame. */
    unsigned char nl[HSX_NL_BUFSIZE];
    static const uint16_t required[] = {HSX_CAN_A_BUS, HSX_CAN_A_ID, HSX_CAN_A_LEN};
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
        e = can_event(0, HSX_CAN_EV_FRAME, 0x1, 0, 1, "x");
        e.can_omit = OMIT(required[i]);
        size_t len = test_put_event(nl, &e);
        assert_int_equal(hsx_wire_decode_datagram(nl, len, TEST_FAMILY, &ev), -EBADMSG);
    }
    e = can_event(0, HSX_CAN_EV_FRAME, 0x1, 0, 4, "abc");
    size_t len = test_put_event(nl, &e);
    assert_int_equal(hsx_wire_decode_datagram(nl, len, TEST_FAMILY, &ev), -EBADMSG);
    e = can_event(0, HSX_CAN_EV_FRAME, 0x1, 0, 1, "x");
    e.can_data_len = HSX_CAN_DATA_MAX + 1; /* past the frame, into the record's reserved room */
    len = test_put_event(nl, &e);
    assert_int_equal(hsx_wire_decode_datagram(nl, len, TEST_FAMILY, &ev), -EBADMSG);
    /* Optional ones default: a frame, no flags; a frame without bytes may leave data out. */
    e = can_event(5, HSX_CAN_EV_FRAME, 0x42, 0, 0, "");
    e.can_omit = OMIT(HSX_CAN_A_KIND) | OMIT(HSX_CAN_A_FLAGS) | OMIT(HSX_CAN_A_DATA) |
                 OMIT(HSX_CAN_A_COOKIE) | OMIT(HSX_CAN_A_STATE);
    len = test_put_event(nl, &e);
    assert_int_equal(hsx_wire_decode_datagram(nl, len, TEST_FAMILY, &ev), 1);
    assert_int_equal(ev.u.can.bus, 5);
    assert_int_equal(ev.u.can.id, 0x42);
    /* A record shorter than the CAN record. */
    unsigned char rec[HSX_MBOX_RECORD_MAX];
    e = can_event(0, HSX_CAN_EV_FRAME, 0x1, 0, 0, "");
    uint32_t size = test_record_size(HSX_MODULE_CAN);
    test_put_record(rec, &e, size);
    ((struct hsx_mbox_record *)rec)->size = size - 1;
    assert_int_equal(hsx_record_decode(rec, size, &ev), -EBADMSG);
}

static void frames_have_rules(void **state)
{
    const uint32_t tx = HSX_CAN_F_TX, any = 0x3f;
    (void)state;

    assert_true(hsx_can_frame_valid(0x7ff, 0, 8, tx));
    assert_true(hsx_can_frame_valid(0x1fffffff, HSX_CAN_F_EXT, 0, tx));
    assert_true(hsx_can_frame_valid(0, HSX_CAN_F_RTR, 8, tx));
    assert_true(hsx_can_frame_valid(0, HSX_CAN_F_FD | HSX_CAN_F_BRS, 64, tx));
    static const uint32_t fd_lengths[] = {0, 5, 8, 12, 16, 20, 24, 32, 48, 64};
    for (size_t i = 0; i < sizeof(fd_lengths) / sizeof(fd_lengths[0]); i++)
        assert_true(hsx_can_frame_valid(1, HSX_CAN_F_FD, fd_lengths[i], tx));
    static const uint32_t not_fd[] = {9, 11, 13, 63, 65, 255};
    for (size_t i = 0; i < sizeof(not_fd) / sizeof(not_fd[0]); i++)
        assert_false(hsx_can_frame_valid(1, HSX_CAN_F_FD, not_fd[i], tx));
    assert_false(hsx_can_frame_valid(0x800, 0, 0, tx));
    assert_false(hsx_can_frame_valid(0x20000000, HSX_CAN_F_EXT, 0, tx));
    assert_false(hsx_can_frame_valid(1, 0, 9, tx));
    assert_false(hsx_can_frame_valid(1, HSX_CAN_F_RTR | HSX_CAN_F_FD, 0, tx));
    assert_false(hsx_can_frame_valid(1, HSX_CAN_F_BRS, 0, tx));
    /* ESI and LOCAL are what a receiver learns; a sender may not set them. */
    assert_false(hsx_can_frame_valid(1, HSX_CAN_F_FD | HSX_CAN_F_ESI, 0, tx));
    assert_true(hsx_can_frame_valid(1, HSX_CAN_F_FD | HSX_CAN_F_ESI, 0, any));
    assert_false(hsx_can_frame_valid(1, HSX_CAN_F_LOCAL, 0, tx));
    assert_true(hsx_can_frame_valid(1, HSX_CAN_F_LOCAL, 0, any));
}

static void frames_read_as_candump_prints_them(void **state)
{
    char buf[HSX_CAN_FRAME_TEXT_MAX];
    uint8_t data[64];
    (void)state;

    for (int i = 0; i < 64; i++)
        data[i] = (uint8_t)i;
    assert_string_equal(
        hsx_can_format_frame(buf, sizeof(buf), 0x123, 0, 4, (const uint8_t *)"\xde\xad\xbe\xef"),
        "123   [4]  DE AD BE EF");
    assert_string_equal(hsx_can_format_frame(buf, sizeof(buf), 0x12345678, HSX_CAN_F_EXT, 2, data),
                        "12345678   [2]  00 01");
    assert_string_equal(hsx_can_format_frame(buf, sizeof(buf), 0x5, 0, 0, data), "005   [0]");
    assert_string_equal(hsx_can_format_frame(buf, sizeof(buf), 0x7ff, HSX_CAN_F_RTR, 3, data),
                        "7FF   [3]  remote request");
    assert_string_equal(hsx_can_format_frame(buf, sizeof(buf), 0x123, HSX_CAN_F_FD, 12, data),
                        "123  [12]  00 01 02 03 04 05 06 07 08 09 0A 0B");
    assert_string_equal(hsx_can_format_frame(buf, sizeof(buf), 0x1, HSX_CAN_F_FD, 2, data),
                        "001  [02]  00 01");
    hsx_can_format_frame(buf, sizeof(buf), 0x1fffffff, HSX_CAN_F_EXT | HSX_CAN_F_FD, 64, data);
    assert_int_equal(strncmp(buf, "1FFFFFFF  [64]  00 01 02", 24), 0);
    assert_int_equal(strlen(buf), 16 + 64 * 3 - 1);
    /* Cut short, never past the buffer. */
    assert_string_equal(hsx_can_format_frame(buf, 12, 0x123, 0, 4, data), "123   [4]  ");

    assert_string_equal(hsx_can_state_name(HSX_CAN_STATE_BUS_OFF), "bus-off");
    assert_string_equal(hsx_can_state_name(HSX_CAN_STATE_NONE + 1), "?");
    assert_string_equal(hsx_can_kind_name(HSX_CAN_EV_TX_DONE), "tx-done");
    assert_string_equal(hsx_can_format_flags(buf, sizeof(buf), 0x3f), "ext,rtr,fd,brs,esi,local");
    assert_string_equal(hsx_can_format_flags(buf, sizeof(buf), 0), "");
}

static void events_format_for_hsxctl(void **state)
{
    char text[512];
    hsx_mailbox_event_t ev;
    (void)state;

    struct test_event e =
        can_event(0, HSX_CAN_EV_FRAME, 0x123, HSX_CAN_F_LOCAL, 4, "\xde\xad\xbe\xef");
    decode_both(&e, 0, &ev);
    hsx_umod_can.format_event(text, sizeof(text), &ev, false);
    assert_string_equal(text, " bus=0  123   [4]  DE AD BE EF flags=local");
    hsx_umod_can.format_event(text, sizeof(text), &ev, true);
    assert_string_equal(text,
                        ",\"can\":{\"bus\":0,\"kind\":\"frame\",\"id\":291,\"flags\":\"local\","
                        "\"len\":4,\"data\":\"deadbeef\",\"cookie\":0}");

    e = can_event(1, HSX_CAN_EV_TX_DONE, 0x18ff0000, HSX_CAN_F_EXT, 1, "\x07");
    e.can_rec.cookie = 7;
    decode_both(&e, 0, &ev);
    hsx_umod_can.format_event(text, sizeof(text), &ev, false);
    assert_string_equal(text, " bus=1 tx-done cookie=7  18FF0000   [1]  07");

    e = can_event(1, HSX_CAN_EV_TX_FAILED, 0x123, HSX_CAN_F_LOCAL, 1, "\x07");
    e.can_rec.cookie = 8;
    e.can_rec.error = HSX_CAN_TXF_TIMEOUT;
    decode_both(&e, 0, &ev);
    hsx_umod_can.format_event(text, sizeof(text), &ev, false);
    assert_string_equal(text,
                        " bus=1 tx-failed cookie=8 reason=timeout  123   [1]  07 flags=local");
    hsx_umod_can.format_event(text, sizeof(text), &ev, true);
    assert_string_equal(text,
                        ",\"can\":{\"bus\":1,\"kind\":\"tx-failed\",\"id\":291,\"flags\":"
                        "\"local\",\"len\":1,\"data\":\"07\",\"cookie\":8,\"reason\":\"timeout\"}");

    e = can_event(1, HSX_CAN_EV_PERIODIC_END, 0x123, 0, 1, "\x07");
    e.can_rec.state = 3;
    e.can_rec.cookie = 100;
    e.can_rec.tx_errors = 2;
    e.can_rec.error = HSX_CAN_END_COUNT;
    decode_both(&e, 0, &ev);
    hsx_umod_can.format_event(text, sizeof(text), &ev, false);
    assert_string_equal(text, " bus=1 periodic-end slot=3 reason=count sent=100 failed=2  123   "
                              "[1]  07");
    hsx_umod_can.format_event(text, sizeof(text), &ev, true);
    assert_string_equal(text,
                        ",\"can\":{\"bus\":1,\"kind\":\"periodic-end\",\"id\":291,\"flags\":"
                        "\"\",\"len\":1,\"data\":\"07\",\"cookie\":100,\"reason\":\"count\"}");

    e = can_event(1, HSX_CAN_EV_RX_TIMEOUT, 0x18ff0000, HSX_CAN_F_EXT, 0, "");
    e.can_rec.state = 2;
    e.can_rec.cookie = 5;
    decode_both(&e, 0, &ev);
    hsx_umod_can.format_event(text, sizeof(text), &ev, false);
    assert_string_equal(text, " bus=1 rx-timeout slot=2 timeouts=5 id=ext:18FF0000");

    e = can_event(2, HSX_CAN_EV_ERROR, 0, 0, 8, "\x00\x08\x00\x00\x00\x00\x60\x00");
    e.can_rec.error = 0x4;
    e.can_rec.state = HSX_CAN_STATE_WARNING;
    e.can_rec.tx_errors = 96;
    decode_both(&e, 0, &ev);
    hsx_umod_can.format_event(text, sizeof(text), &ev, false);
    assert_string_equal(text, " bus=2 error class=0x00000004 state=error-warning tx_errors=96 "
                              "rx_errors=0 data=00 08 00 00 00 00 60 00");
    hsx_umod_can.format_event(text, sizeof(text), &ev, true);
    assert_string_equal(text, ",\"can\":{\"bus\":2,\"kind\":\"error\",\"class\":4,\"state\":"
                              "\"error-warning\",\"tx_errors\":96,\"rx_errors\":0,\"data\":"
                              "\"0008000000006000\"}");
}

/* ---- selectors ---------------------------------------------------------------------------- */

static const struct hsx_umod_sel *can_sel = &hsx_umod_can.sel;

static union hsx_cap_selector sel_of(const char *text)
{
    union hsx_cap_selector sel;
    char why[128];

    if (hsx_umod_sel_parse(&hsx_umod_can, text, &sel, why, sizeof(why)) < 0)
        fail_msg("'%s': %s", text, why);
    return sel;
}

static void expect_parse_error(const char *text, const char *message)
{
    union hsx_cap_selector sel;
    char why[160];

    if (hsx_umod_sel_parse(&hsx_umod_can, text, &sel, why, sizeof(why)) != -EINVAL)
        fail_msg("'%s' was read", text);
    if (!strstr(why, message))
        fail_msg("'%s': expected \"%s\" in \"%s\"", text, message, why);
}

static void selectors_read_and_print(void **state)
{
    char text[HSX_UMOD_TEXT_MAX];
    (void)state;

    union hsx_cap_selector sel = sel_of("0 tx 0x100-0x1ff rx std");
    assert_int_equal(sel.can.buses, 1);
    assert_int_equal(sel.can.flags, HSX_CAN_SEL_TX | HSX_CAN_SEL_RX);
    assert_int_equal(sel.can.tx_first, 0x100);
    assert_int_equal(sel.can.tx_last, 0x1ff);
    assert_int_equal(sel.can.rx_first, 0);
    assert_int_equal(sel.can.rx_last, 0x7ff);
    assert_string_equal(hsx_umod_sel_format(&hsx_umod_can, text, sizeof(text), &sel),
                        "buses 0 tx 0x100-0x1ff rx std");

    static const struct {
        const char *in, *out;
    } forms[] = {
        {"0", "0"},
        {"0-1,3", "0-1,3"},
        {"0, 2 rx ext", "0,2 rx ext"},
        {"15 rx all tx 0x7ff", "15 tx 0x7ff rx all"},
        {"1 tx ext:0x18ff0000-0x18ffffff", "1 tx ext:0x18ff0000-0x18ffffff"},
        {"1 tx ext:0x18FF0000-ext:0x18FFFFFF", "1 tx ext:0x18ff0000-0x18ffffff"},
        {"1 tx 0x700-ext:0x100", "1 tx 0x700-ext:0x00000100"},
        {"1 rx 0x0-0x7ff", "1 rx std"},
        {"1 rx ext:0x0-0x1fffffff", "1 rx ext"},
        {"1 rx 0x000-ext:0x1fffffff", "1 rx all"},
        {"2 tx ext:0x5", "2 tx ext:0x00000005"},
        {"  3   tx   0x001  ", "3 tx 0x001"},
    };
    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        sel = sel_of(forms[i].in);
        can_sel->ops->format(can_sel, text, sizeof(text), &sel);
        assert_string_equal(text, forms[i].out);
        union hsx_cap_selector back = sel_of(text);
        assert_memory_equal(&back, &sel, sizeof(sel));
    }
    union hsx_cap_selector none = {.raw = {0}};
    assert_string_equal(can_sel->ops->format(can_sel, text, sizeof(text), &none), "none");

    expect_parse_error("", "no buses given");
    expect_parse_error("tx 0x1", "no buses given");
    expect_parse_error("16", "bus 16 is out of range 0..15");
    expect_parse_error("0 tx", "tx needs a range");
    expect_parse_error("0 tx 0x1 tx 0x2", "tx is given twice");
    expect_parse_error("0 tx 0x1 both 0x1", "unexpected 'both'");
    expect_parse_error("0 both 0x1", "'0 both 0x1' is not a bus number");
    expect_parse_error("0 tx 100", "'100' is not a CAN ID: write it in hex with 0x");
    expect_parse_error("0 tx 0x800", "0x800 is not a standard ID (0x000-0x7ff): write ext:0x800");
    expect_parse_error("0 tx ext:0x20000000", "not an extended ID");
    expect_parse_error("0 tx 0x1ff-0x100", "range 0x1ff-0x100 is reversed");
    expect_parse_error("0 tx ext:0x7ff-0x1", "range ext:0x7ff-0x1 is reversed");
    expect_parse_error("0 tx -0x1", "is not an ID range");
    expect_parse_error("0 tx 0x1-", "is not a CAN ID");
    expect_parse_error("0 tx 0x", "is not a CAN ID");
    expect_parse_error("0 tx 0x123456789", "is not a CAN ID");
}

static void selectors_check_what_the_kernel_checks(void **state)
{
    union hsx_cap_selector sel, zero = {.raw = {0}};
    char why[128];
    (void)state;

    sel = sel_of("0-15 tx all rx all");
    assert_int_equal(hsx_umod_sel_check(&hsx_umod_can, &sel, false, why, sizeof(why)), 0);
    /* No range at all is a capability: status, no frames. */
    sel = sel_of("3");
    assert_int_equal(hsx_umod_sel_check(&hsx_umod_can, &sel, false, why, sizeof(why)), 0);
    /* All-zero is "all the policy allows" in a request only. */
    assert_int_equal(hsx_umod_sel_check(&hsx_umod_can, &zero, true, why, sizeof(why)), 0);
    assert_int_equal(hsx_umod_sel_check(&hsx_umod_can, &zero, false, why, sizeof(why)), -EINVAL);
    assert_string_equal(why, "no buses given");

    static const struct {
        union hsx_cap_selector sel;
        const char *why;
    } bad[] = {
        {{.can = {.buses = 1u << 16}}, "only buses 0..15"},
        {{.can = {.buses = 0, .flags = HSX_CAN_SEL_TX}}, "no buses given"},
        {{.can = {.buses = 1, .flags = 0x4}}, "unknown flags"},
        {{.can = {.buses = 1, .reserved = {0, 1}}}, "reserved"},
        {{.can = {.buses = 1, .tx_last = 5}}, "an absent tx range must be 0-0"},
        {{.can = {.buses = 1, .rx_first = 1, .rx_last = 1}}, "an absent rx range must be 0-0"},
        {{.can = {.buses = 1, .flags = HSX_CAN_SEL_TX, .tx_first = 0x800, .tx_last = 0x800}},
         "not of CAN IDs"},
        {{.can = {.buses = 1, .flags = HSX_CAN_SEL_RX, .rx_first = 0, .rx_last = EXT | 0x20000000}},
         "not of CAN IDs"},
        {{.can = {.buses = 1, .flags = HSX_CAN_SEL_RX, .rx_first = 0x7ff, .rx_last = 0x100}},
         "reversed"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        for (int request = 0; request < 2; request++) {
            assert_int_equal(
                hsx_umod_sel_check(&hsx_umod_can, &bad[i].sel, request, why, sizeof(why)), -EINVAL);
            if (!strstr(why, bad[i].why))
                fail_msg("row %zu: expected \"%s\" in \"%s\"", i, bad[i].why, why);
        }
    }
    assert_true(hsx_umod_request_valid(&hsx_umod_can, HSX_CAP_R_CAN_ALL, &zero));
    assert_false(hsx_umod_request_valid(&hsx_umod_can, HSX_CAP_R_GPIO_IRQ << 1, &zero));
}

static void selectors_compare_and_cover(void **state)
{
    union hsx_cap_selector wide = sel_of("0-1 tx 0x100-0x1ff rx all"), narrow;
    (void)state;

    narrow = sel_of("1 tx 0x180-0x1ff rx ext");
    assert_true(hsx_umod_sel_subset(&hsx_umod_can, &narrow, &wide));
    assert_false(hsx_umod_sel_subset(&hsx_umod_can, &wide, &narrow));
    narrow = sel_of("1");
    assert_true(hsx_umod_sel_subset(&hsx_umod_can, &narrow, &wide)); /* no range: always within */
    narrow = sel_of("2 tx 0x100");
    assert_false(hsx_umod_sel_subset(&hsx_umod_can, &narrow, &wide)); /* another bus */
    narrow = sel_of("0 tx 0x0ff-0x100");
    assert_false(hsx_umod_sel_subset(&hsx_umod_can, &narrow, &wide)); /* one ID below */
    narrow = sel_of("0 rx 0x1");
    union hsx_cap_selector tx_only = sel_of("0 tx all");
    assert_false(hsx_umod_sel_subset(&hsx_umod_can, &narrow, &tx_only)); /* rx where none */
    narrow = sel_of("0");
    narrow.can.reserved[1] = 1;
    assert_false(hsx_umod_sel_subset(&hsx_umod_can, &narrow, &wide));

    /* Objects as hsx.ko names them: a bus, a frame's direction and ID. */
    assert_true(hsx_umod_sel_covers(&hsx_umod_can, &wide, HSX_UMOD_CAN_OBJ_BUS(1)));
    assert_false(hsx_umod_sel_covers(&hsx_umod_can, &wide, HSX_UMOD_CAN_OBJ_BUS(2)));
    assert_true(hsx_umod_sel_covers(&hsx_umod_can, &wide, HSX_UMOD_CAN_OBJ_TX(0, 0x1ff)));
    assert_false(hsx_umod_sel_covers(&hsx_umod_can, &wide, HSX_UMOD_CAN_OBJ_TX(0, 0x200)));
    assert_false(hsx_umod_sel_covers(&hsx_umod_can, &wide,
                                     HSX_UMOD_CAN_OBJ_TX(0, hsx_umod_can_id(0x100, true))));
    assert_true(hsx_umod_sel_covers(&hsx_umod_can, &wide,
                                    HSX_UMOD_CAN_OBJ_RX(1, hsx_umod_can_id(0x1fffffff, true))));
    assert_false(hsx_umod_sel_covers(&hsx_umod_can, &wide, HSX_UMOD_CAN_OBJ_RX(2, 0x1)));
    union hsx_cap_selector std_only = sel_of("0 rx std");
    assert_true(hsx_umod_sel_covers(&hsx_umod_can, &std_only, HSX_UMOD_CAN_OBJ_RX(0, 0x7ff)));
    assert_false(hsx_umod_sel_covers(&hsx_umod_can, &std_only,
                                     HSX_UMOD_CAN_OBJ_RX(0, hsx_umod_can_id(0x7ff, true))));
    assert_false(hsx_umod_sel_covers(&hsx_umod_can, &tx_only, HSX_UMOD_CAN_OBJ_RX(0, 0x1)));
}

static void assert_sel(const union hsx_cap_selector *got, const char *want)
{
    char text[HSX_UMOD_TEXT_MAX];

    can_sel->ops->format(can_sel, text, sizeof(text), got);
    assert_string_equal(text, want);
}

/* A ∩ B exactly; A ∪ B exactly when it is a selector, else never more than one of them. */
static void selectors_combine_without_over_granting(void **state)
{
    union hsx_cap_selector out, a, b;
    (void)state;

    a = sel_of("0-1 tx 0x100-0x1ff rx std");
    b = sel_of("1-2 tx 0x180-0x2ff");
    can_sel->ops->intersect(can_sel, &a, &b, &out);
    assert_sel(&out, "1 tx 0x180-0x1ff");
    b = sel_of("2 tx all rx all");
    can_sel->ops->intersect(can_sel, &a, &b, &out);
    assert_sel(&out, "none");
    assert_true(can_sel->ops->empty(can_sel, &out));
    assert_memory_equal(&out, &(union hsx_cap_selector){.raw = {0}}, sizeof(out));

    /* Same buses: touching or overlapping ranges make one. */
    a = sel_of("0 tx 0x100-0x17f");
    b = sel_of("0 tx 0x180-0x1ff rx 0x5");
    can_sel->ops->unite(can_sel, &a, &b, &out);
    assert_sel(&out, "0 tx 0x100-0x1ff rx 0x005");
    a = sel_of("0 tx 0x700-0x7ff");
    b = sel_of("0 tx ext:0x0-0x10");
    can_sel->ops->unite(can_sel, &a, &b, &out);
    assert_sel(&out, "0 tx 0x700-ext:0x00000010");
    /* A gap: the range with more IDs, not the hull (which would cover 0x200-0x2ff). */
    a = sel_of("0 tx 0x100-0x1ff");
    b = sel_of("0 tx 0x300-0x30f");
    can_sel->ops->unite(can_sel, &a, &b, &out);
    assert_sel(&out, "0 tx 0x100-0x1ff");
    /* Same ranges: the buses unite. */
    a = sel_of("0 rx std");
    b = sel_of("3 rx std");
    can_sel->ops->unite(can_sel, &a, &b, &out);
    assert_sel(&out, "0,3 rx std");
    /* Neither: the larger, whole (bus 1 never gets bus 0's range). */
    a = sel_of("0 tx 0x100-0x1ff");
    b = sel_of("1-2 tx 0x300");
    can_sel->ops->unite(can_sel, &a, &b, &out);
    assert_sel(&out, "1-2 tx 0x300");
    can_sel->ops->unite(can_sel, &b, &a, &out);
    assert_sel(&out, "1-2 tx 0x300");
    /* One within the other, or empty: the other. */
    a = sel_of("0-1 tx all");
    b = sel_of("1 tx 0x5");
    can_sel->ops->unite(can_sel, &b, &a, &out);
    assert_sel(&out, "0-1 tx all");
    union hsx_cap_selector zero = {.raw = {0}};
    can_sel->ops->unite(can_sel, &zero, &b, &out);
    assert_sel(&out, "1 tx 0x005");

    can_sel->ops->all(can_sel, &out);
    assert_sel(&out, "0-15 tx all rx all");
    assert_int_equal(hsx_umod_can_range_ids(hsx_umod_can_range_of(&out, true)),
                     0x800 + 0x20000000ull);
}

/* A policy's keys, each value added in turn (see daemon/policy.c). */
static void policy_keys_build_a_selector(void **state)
{
    struct hsx_umod_sel_key keys[HSX_UMOD_SEL_KEYS_MAX];
    union hsx_cap_selector sel = {.raw = {0}};
    char why[128];
    (void)state;

    assert_int_equal(hsx_umod_sel_keys(can_sel, keys), 3);
    assert_string_equal(keys[0].name, "bus");
    assert_true(keys[0].required && keys[0].list);
    assert_string_equal(keys[1].name, "tx_ids");
    assert_false(keys[1].required || keys[1].list);
    assert_string_equal(keys[2].name, "rx_ids");
    assert_int_equal(can_sel->ops->parse_key(can_sel, 0, "0", &sel, why, sizeof(why)), 0);
    assert_int_equal(can_sel->ops->parse_key(can_sel, 0, "2-3", &sel, why, sizeof(why)), 0);
    assert_int_equal(can_sel->ops->parse_key(can_sel, 1, "0x100-0x1ff", &sel, why, sizeof(why)), 0);
    assert_int_equal(can_sel->ops->parse_key(can_sel, 2, "ext", &sel, why, sizeof(why)), 0);
    assert_sel(&sel, "0,2-3 tx 0x100-0x1ff rx ext");
    assert_int_equal(can_sel->ops->parse_key(can_sel, 1, "0x100-", &sel, why, sizeof(why)),
                     -EINVAL);
    assert_int_equal(can_sel->ops->parse_key(can_sel, 0, "16", &sel, why, sizeof(why)), -EINVAL);

    /* Modules without keys of their own have one, their word. */
    assert_int_equal(hsx_umod_sel_keys(&hsx_umod_gpio.sel, keys), 1);
    assert_string_equal(keys[0].name, "pins");
    assert_true(keys[0].list);
    assert_int_equal(hsx_umod_sel_keys(&hsx_umod_timer.sel, keys), 1);
    assert_string_equal(keys[0].name, "max_timers");
    assert_false(keys[0].list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(frames_decode_from_both_transports),
        cmocka_unit_test(malformed_events_are_refused),
        cmocka_unit_test(unknown_kinds_are_passed_over),
        cmocka_unit_test(frames_have_rules),
        cmocka_unit_test(frames_read_as_candump_prints_them),
        cmocka_unit_test(events_format_for_hsxctl),
        cmocka_unit_test(selectors_read_and_print),
        cmocka_unit_test(selectors_check_what_the_kernel_checks),
        cmocka_unit_test(selectors_compare_and_cover),
        cmocka_unit_test(selectors_combine_without_over_granting),
        cmocka_unit_test(policy_keys_build_a_selector),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
