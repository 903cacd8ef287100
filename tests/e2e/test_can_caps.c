/* SPDX-License-Identifier: MIT */
/*
 * Capabilities by CAN ID against the real hsx.ko: this program is root and
 * the capability administrator (what hsxd does); unprivileged children hold
 * capabilities for bus 0 with ID ranges. The attack rows: transmitting an ID
 * outside the range, receiving one through a filter that lets everything
 * pass, configuring without the right, listening without READ, and the
 * capability revoked while the holder is blocked waiting for frames.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "can_rig.h"
#include "cap_holder.h"
#include "e2e.h"
#include "hsx_uapi.h"

#define IFACE "vcan0"

static union hsx_cap_selector can_sel(uint32_t flags, uint32_t txf, uint32_t txl, uint32_t rxf,
                                      uint32_t rxl)
{
    union hsx_cap_selector sel = {0};

    sel.can.buses = 0x1;
    sel.can.flags = flags;
    sel.can.tx_first = txf;
    sel.can.tx_last = txl;
    sel.can.rx_first = rxf;
    sel.can.rx_last = rxl;
    return sel;
}

static int tx_id(int fd, unsigned int bus, uint32_t id, uint8_t flags)
{
    struct hsx_can_frame f = {.can_id = id, .flags = flags, .len = 1, .data = {0x5A}};

    return rig_tx(fd, bus, &f, 0, NULL);
}

static int setup(void **state)
{
    if (cap_admin_claim(state))
        return -1;
    rig_unmap_all();
    rig_vcan(IFACE);
    return rig_map(0, IFACE);
}

static int teardown(void **state)
{
    rig_unmap_all();
    rig_sh(RIG_IP " link del " IFACE " 2>/dev/null");
    return cap_admin_release(state);
}

/* ---- transmitting outside the range; configuring without the right ------------ */

static int holder_sends_in_range(int fd, int sock)
{
    struct hsx_can_config c = {.bus = 0};
    struct hsx_can_filter flt = {.bus = 0, .bank = 0, .flags = HSX_CAN_FLT_ON};

    (void)sock;
    CHILD_CHECK(tx_id(fd, 0, 0x100, 0) == 0);
    CHILD_CHECK(tx_id(fd, 0, 0x1FF, 0) == 0);
    CHILD_CHECK(tx_id(fd, 0, 0x0FF, 0) == -EACCES);
    CHILD_CHECK(tx_id(fd, 0, 0x200, 0) == -EACCES);
    /* The same number as an extended ID is another ID. */
    CHILD_CHECK(tx_id(fd, 0, 0x150, HSX_CAN_F_EXT) == -EACCES);
    /* Another bus, bound or not. */
    CHILD_CHECK(tx_id(fd, 1, 0x150, 0) == -EACCES);
    /* CONFIG needs its own right. */
    CHILD_CHECK(ioctl(fd, HSX_IOC_CAN_CONFIG, &c) == -1 && errno == EACCES);
    /* READ covers filters and status. */
    CHILD_CHECK(ioctl(fd, HSX_IOC_CAN_SET_FILTER, &flt) == 0);
    struct hsx_can_status st = {.bus = 0};
    CHILD_CHECK(ioctl(fd, HSX_IOC_CAN_GET_STATUS, &st) == 0);
    return 0;
}

static void transmit_outside_the_range(void **state)
{
    (void)state;
    assert_int_equal(run_granted_holder("can", holder_sends_in_range, HSX_MODULE_CAN,
                                        HSX_CAP_R_READ | HSX_CAP_R_WRITE,
                                        can_sel(HSX_CAN_SEL_TX | HSX_CAN_SEL_RX, 0x100, 0x1FF, 0,
                                                HSX_CAN_SFF_MASK)),
                     0);
}

/* ---- receiving outside the range through a wide filter ---------------------------- */

static int holder_listens_widely(int fd, int sock)
{
    struct hsx_can_filter flt = {.bus = 0, .bank = 3, .flags = HSX_CAN_FLT_ON}; /* mask 0 */
    struct rig_event ev;
    uint32_t got[8];
    int n = 0;

    CHILD_CHECK(ioctl(fd, HSX_IOC_CAN_SET_FILTER, &flt) == 0);
    int q = rig_subscribe(fd, "hal:can:0:rx", 64);
    int spec = rig_subscribe(fd, "hal:can:rx", 64);
    CHILD_CHECK(q >= 0 && spec >= 0);
    /* No transmit range: no frame at all. */
    CHILD_CHECK(tx_id(fd, 0, 0x150, 0) == -EACCES);
    send_byte(sock, 'r'); /* ready: send the frames */
    /* The frames it may see come in the order sent: wait for two, then a little for a wrong third.
     */
    while (n < 8 && rig_next(q, &ev, n < 2 ? E2E_LIVENESS_MS : 300) == 1) {
        CHILD_CHECK(ev.hdr.dropped == 0);
        got[n++] = ev.can.frame.can_id | (ev.can.frame.flags & HSX_CAN_F_EXT ? 0x80000000U : 0);
    }
    CHILD_CHECK(n == 2 && got[0] == 0x150 && got[1] == 0x1FF);
    /* The spec's mailbox is bus 0's and as narrow. */
    CHILD_CHECK(rig_next(spec, &ev, E2E_LIVENESS_MS) == 1 && ev.can.frame.can_id == 0x150);
    CHILD_CHECK(rig_next(spec, &ev, E2E_LIVENESS_MS) == 1 && ev.can.frame.can_id == 0x1FF);
    CHILD_CHECK(rig_next(spec, &ev, 300) == 0);
    return 0;
}

static void receive_outside_the_range(void **state)
{
    struct holder h;
    (void)state;

    start_holder(&h, "can", holder_listens_widely);
    assert_int_equal(mint(h.file, HSX_MODULE_CAN, HSX_CAP_R_READ,
                          can_sel(HSX_CAN_SEL_RX, 0, 0, 0x100, 0x1FF), 30000000000ull, NULL),
                     0);
    send_byte(h.sock, 'g');
    assert_int_equal(recv_byte(h.sock), 'r');
    assert_int_equal(rig_sh("cansend " IFACE " 050#01 && cansend " IFACE " 150#02 && "
                            "cansend " IFACE " 250#03 && cansend " IFACE " 00000150#04 && "
                            "cansend " IFACE " 1FF#05"),
                     0);
    assert_int_equal(finish_holder(&h), 0);
}

/* ---- listening needs READ --------------------------------------------------------- */

static int holder_without_read(int fd, int sock)
{
    struct hsx_can_status st = {.bus = 0};

    (void)sock;
    int q = rig_subscribe(fd, "hal:can:0:rx", 8);
    CHILD_CHECK(q == -EPERM || q == -EACCES);
    CHILD_CHECK(rig_subscribe(fd, "hal:can:0:err", 8) < 0);
    CHILD_CHECK(rig_subscribe(fd, "hal:can:rx", 8) < 0);
    CHILD_CHECK(ioctl(fd, HSX_IOC_CAN_GET_STATUS, &st) == -1 && errno == EACCES);
    CHILD_CHECK(tx_id(fd, 0, 0x10, 0) == 0);
    return 0;
}

static void listening_without_read(void **state)
{
    (void)state;
    assert_int_equal(run_granted_holder("can", holder_without_read, HSX_MODULE_CAN, HSX_CAP_R_WRITE,
                                        can_sel(HSX_CAN_SEL_TX, 0, HSX_CAN_SFF_MASK, 0, 0)),
                     0);
}

/* ---- revoked while blocked waiting for frames ----------------------------------------- */

static int holder_blocks_in_rx(int fd, int sock)
{
    struct rig_event ev;

    int q = rig_subscribe(fd, "hal:can:0:rx", 8);
    CHILD_CHECK(q >= 0);
    send_byte(sock, 'b'); /* about to block */
    CHILD_CHECK(rig_next(q, &ev, E2E_LIVENESS_MS) == 1);
    CHILD_CHECK(ev.hdr.type == HSX_EVT_CLOSED);
    CHILD_CHECK(ev.hdr.close_reason == HSX_CLOSE_REVOKED);
    char byte;
    CHILD_CHECK(read(q, &byte, 1) == 0 || errno == EINVAL); /* end of file */
    CHILD_CHECK(tx_id(fd, 0, 0x10, 0) == -EKEYREVOKED);
    return 0;
}

static void revoked_while_blocked(void **state)
{
    struct holder h;
    uint64_t id;
    (void)state;

    start_holder(&h, "can", holder_blocks_in_rx);
    assert_int_equal(mint(h.file, HSX_MODULE_CAN, HSX_CAP_R_READ | HSX_CAP_R_WRITE,
                          can_sel(HSX_CAN_SEL_TX | HSX_CAN_SEL_RX, 0, 0x7FF, 0, 0x7FF),
                          30000000000ull, &id),
                     0);
    send_byte(h.sock, 'g');
    assert_int_equal(recv_byte(h.sock), 'b');
    usleep(200 * 1000); /* let it block: the test holds either way */
    assert_int_equal(revoke_id(id), 0);
    assert_int_equal(finish_holder(&h), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(transmit_outside_the_range),
        cmocka_unit_test(receive_outside_the_range),
        cmocka_unit_test(listening_without_read),
        cmocka_unit_test(revoked_while_blocked),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
