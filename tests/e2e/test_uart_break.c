/* SPDX-License-Identifier: MIT */
/*
 * A break on the line, as a real one arrives: the test board's PCI 16550
 * (ttyS4, stock kernel) has the host's uart-peer in telnet mode at its far
 * end (tests/vm/run), which answers "BREAK <token>" with a telnet BREAK, that
 * qemu turns into a break condition on the line, then "AFTER <token>". hsx
 * must report the break in the read's flags, count it in the port's counters
 * and its sticky status, and deliver the bytes around it, not the break's 0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"
#include "hsx_uapi.h"
#include "hsx_uart.h"

#define BRK_PORT 3
#define BRK_TTY "ttyS4"

/* The PCI 16550 needs 8250_pci: Debian's kernels have it, the debug kernel does not. */
static bool break_rig_present(void)
{
    const char *kernel = getenv("HSX_TEST_KERNEL");

    if (e2e_exists("/sys/class/tty/%s/device", BRK_TTY))
        return true;
    if (kernel && (!strncmp(kernel, "stock", 5) || !strcmp(kernel, "rt")))
        fail_msg("no %s on Debian's %s kernel: the PCI 16550 of tests/vm/run is missing", BRK_TTY,
                 kernel);
    printf("# no PCI serial port in this kernel (no 8250_pci): the stock kernel's run covers it\n");
    return false;
}

/* Read until the text ends with want; return the HSX_UART_RX_* flags seen on the way. */
static uint8_t read_until(const char *want, char *got, size_t size)
{
    size_t len = 0, wlen = strlen(want);
    uint8_t flags = 0;

    for (uint64_t start = e2e_now_ms();;) {
        hsx_uart_read_info_t info = {0};

        if (len >= wlen && !memcmp(got + len - wlen, want, wlen))
            return flags;
        if (e2e_now_ms() - start > E2E_LIVENESS_MS)
            fail_msg("no \"%.*s\" from the host's peer (%zu bytes: %.*s)", (int)wlen - 1, want, len,
                     (int)len, got);
        int n = hsx_uart_read_ex(BRK_PORT, got + len, (uint32_t)(size - 1 - len), 1000, &info);
        if (n == HSX_HAL_TIMEOUT)
            continue;
        assert_true(n >= 0);
        assert_int_equal(info.lost_bytes, 0);
        flags |= info.flags;
        len += (size_t)n;
        got[len] = '\0';
        assert_true(len < size - 1);
    }
}

static void a_break_on_the_line_is_reported(void **state)
{
    char ask[64], want[64], got[256];
    hsx_uart_status_t before, after;
    (void)state;

    if (!break_rig_present())
        skip();
    e2e_map_uart(BRK_PORT, "");
    assert_int_equal(e2e_map_uart(BRK_PORT, BRK_TTY), 0);
    assert_int_equal(hsx_uart_init(BRK_PORT), HSX_HAL_OK);
    assert_int_equal(hsx_uart_get_status_ex(BRK_PORT, &before), HSX_HAL_OK);
    assert_int_equal(before.status & HSX_UART_STATUS_BREAK, 0);

    int n = snprintf(ask, sizeof(ask), "BREAK hsx-%d\n", (int)getpid());
    snprintf(want, sizeof(want), "AFTER hsx-%d\n", (int)getpid());
    assert_int_equal(hsx_uart_write(BRK_PORT, ask, (uint32_t)n), n);
    uint8_t flags = read_until(want, got, sizeof(got));

    assert_true(flags & HSX_UART_RX_BREAK);
    assert_int_equal(flags & (HSX_UART_RX_OVERRUN | HSX_UART_RX_PARITY | HSX_UART_RX_FRAMING), 0);
    /* The break's 0 is a condition, not a byte: only the line arrived. */
    assert_string_equal(got, want);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/uart/%d/breaks", BRK_PORT), before.breaks + 1);
    assert_int_equal(hsx_uart_get_status_ex(BRK_PORT, &after), HSX_HAL_OK);
    assert_int_equal(after.breaks, before.breaks + 1);
    assert_true(after.status & HSX_UART_STATUS_BREAK);
    assert_int_equal(after.framing_errors, before.framing_errors);
    /* Sticky until read: the next status has it no more. */
    assert_int_equal(hsx_uart_get_status_ex(BRK_PORT, &after), HSX_HAL_OK);
    assert_int_equal(after.status & HSX_UART_STATUS_BREAK, 0);

    /* Twice: each break is one, and the line goes on after it. */
    assert_int_equal(hsx_uart_write(BRK_PORT, ask, (uint32_t)n), n);
    flags = read_until(want, got, sizeof(got));
    assert_true(flags & HSX_UART_RX_BREAK);
    assert_string_equal(got, want);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/uart/%d/breaks", BRK_PORT), before.breaks + 2);
    assert_int_equal(e2e_map_uart(BRK_PORT, ""), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_break_on_the_line_is_reported),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
