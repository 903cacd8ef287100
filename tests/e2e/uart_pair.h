/* SPDX-License-Identifier: MIT */
/*
 * What the UART end-to-end tests share: the test board's back-to-back pair
 * (ports 0 and 1 are ttyS2 and ttyS3, wired together by tests/vm/run),
 * binding it through the admin node, and reading exactly what was sent.
 */
#ifndef HSX_E2E_UART_PAIR_H
#define HSX_E2E_UART_PAIR_H

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include "e2e.h"
#include "hsx_uapi.h"
#include "hsx_uart.h"

#define TX 0 /* port 0: ttyS2 */
#define RX 1 /* port 1: ttyS3 */
#define TTY_TX "ttyS2"
#define TTY_RX "ttyS3"
#define USB_PORT 2 /* ttyUSB0, QEMU's usb-serial (stock kernel) */

static int map_port(unsigned int port, const char *tty)
{
    return e2e_map_uart(port, tty);
}

static void bind_pair(void)
{
    /* A test killed before its teardown may have left them bound. */
    map_port(TX, "");
    map_port(RX, "");
    assert_int_equal(map_port(TX, TTY_TX), 0);
    assert_int_equal(map_port(RX, TTY_RX), 0);
    assert_int_equal(hsx_uart_init(TX), HSX_HAL_OK);
    assert_int_equal(hsx_uart_init(RX), HSX_HAL_OK);
}

static void unbind_pair(void)
{
    map_port(TX, "");
    map_port(RX, "");
}

static int setup(void **state)
{
    (void)state;
    bind_pair();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unbind_pair();
    return 0;
}

/* Read exactly len bytes from port, however they are cut into events. */
static void read_exactly(uint8_t port, uint8_t *buf, size_t len)
{
    size_t got = 0;
    uint64_t start = e2e_now_ms();

    while (got < len) {
        hsx_uart_read_info_t info;
        int n = hsx_uart_read_ex(port, buf + got, (uint32_t)(len - got), 2000, &info);
        if (n == HSX_HAL_TIMEOUT && e2e_now_ms() - start < E2E_LIVENESS_MS)
            continue;
        if (n <= 0)
            fail_msg("read on port %u after %zu of %zu bytes: %d (errno %d)", port, got, len, n,
                     hsx_hal_errno());
        assert_int_equal(info.lost_bytes, 0);
        got += (size_t)n;
    }
}

/* Take what arrived from earlier tests so each starts clean. */
static void drain_rx(uint8_t port)
{
    uint8_t buf[4096];

    while (hsx_uart_read(port, buf, sizeof(buf), 200) > 0)
        ;
    assert_int_equal(hsx_uart_discard(port, HSX_UART_DISCARD_RX), HSX_HAL_OK);
}

#endif /* HSX_E2E_UART_PAIR_H */
