/* SPDX-License-Identifier: MIT */
/*
 * The UART module end to end, on the test board's pair of 16550s wired back
 * to back (ttyS2 <-> ttyS3, see tests/vm/run): binding the ttys, the spec's
 * functions and the additions through libhsx_hal, every frame the 16550
 * takes, modem lines, line events, XON/XOFF, rmmod while in use, and bad
 * input. Volumes and lifetimes are test_uart_stress.c's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "e2e.h"
#include "hsx_uapi.h"
#include "hsx_uart.h"
#include "uart_pair.h"

static void binding_owns_the_tty(void **state)
{
    char line[64];
    (void)state;

    e2e_read_line("/sys/hal/uart/0/tty", line, sizeof(line));
    assert_string_equal(line, TTY_TX);
    e2e_read_line("/sys/hal/uart/1/tty", line, sizeof(line));
    assert_string_equal(line, TTY_RX);
    e2e_read_line("/sys/hal/uart/0/config", line, sizeof(line));
    assert_string_equal(line, "115200 8N1 none");
    assert_true(e2e_exists("/dev/hsx/uart0"));
    assert_true(e2e_exists("/dev/hsx/uart1"));
    assert_false(e2e_exists("/dev/hsx/uart2"));

    /* hsx holds the tty: nobody else opens it. */
    int fd = open("/dev/" TTY_TX, O_RDWR | O_NOCTTY | O_NONBLOCK);
    assert_int_equal(fd, -1);
    assert_int_equal(errno, EBUSY);

    /* A bound port, a tty another port holds, a tty that does not exist. */
    assert_int_equal(map_port(TX, TTY_TX), -EBUSY);
    assert_int_equal(map_port(5, TTY_RX), -EBUSY);
    assert_int_equal(map_port(5, "ttyS77"), -ENODEV);
    assert_int_equal(map_port(5, "../null"), -EINVAL);
    assert_int_equal(map_port(HSX_UART_MAX_PORTS, "ttyS1"), -EINVAL);
    assert_int_equal(map_port(5, ""), -ENXIO);

    hsx_uart_info_t info;
    assert_int_equal(hsx_uart_get_info(TX, &info), HSX_HAL_OK);
    assert_true(info.bound);
    assert_false(info.from_device_tree);
    assert_string_equal(info.tty, TTY_TX);
    assert_int_equal(info.settings.baud, 115200);
    assert_int_equal(info.baud_actual, 115200);
    assert_int_equal(hsx_uart_get_info(5, &info), HSX_HAL_OK);
    assert_false(info.bound);
    assert_string_equal(info.tty, "");
}

/* The spec's functions: write on one port, read on the other. */
static void spec_write_read_status(void **state)
{
    const char msg[] = "hello, uart\n";
    uint8_t buf[64];
    (void)state;

    drain_rx(RX);
    assert_int_equal(hsx_uart_write(TX, msg, sizeof(msg) - 1), (int)sizeof(msg) - 1);
    read_exactly(RX, buf, sizeof(msg) - 1);
    assert_memory_equal(buf, msg, sizeof(msg) - 1);

    /* The same bytes wait in the poll buffer, independently of the mailbox. */
    uint32_t st = hsx_uart_get_status(RX);
    assert_true(st & HSX_UART_STATUS_RX_READY);
    assert_true(st & HSX_UART_STATUS_TX_READY);
    assert_false(st & (HSX_UART_STATUS_OVERRUN | HSX_UART_STATUS_PARITY_ERR));
    memset(buf, 0, sizeof(buf));
    assert_int_equal(hsx_uart_read_poll(RX, buf, sizeof(buf)), (int)sizeof(msg) - 1);
    assert_memory_equal(buf, msg, sizeof(msg) - 1);
    assert_int_equal(hsx_uart_read_poll(RX, buf, sizeof(buf)), 0);
    assert_false(hsx_uart_get_status(RX) & HSX_UART_STATUS_RX_READY);

    assert_int_equal(hsx_uart_printf(TX, "n=%d %s", 42, "ok"), 7);
    read_exactly(RX, buf, 7);
    assert_memory_equal(buf, "n=42 ok", 7);
    /* An empty write writes nothing. */
    assert_int_equal(hsx_uart_write(TX, NULL, 0), 0);
}

/* Reading returns once bytes are there, not when the buffer is full. */
static void read_returns_what_is_there(void **state)
{
    uint8_t buf[256];
    (void)state;

    drain_rx(RX);
    assert_int_equal(hsx_uart_write(TX, "abc", 3), 3);
    int n = 0;
    for (uint64_t start = e2e_now_ms(); n < 3 && e2e_now_ms() - start < E2E_LIVENESS_MS;) {
        int got = hsx_uart_read(RX, buf + n, sizeof(buf) - (uint32_t)n, 5000);
        assert_true(got > 0);
        n += got;
    }
    assert_int_equal(n, 3);
    assert_memory_equal(buf, "abc", 3);
    assert_int_equal(hsx_uart_read(RX, buf, sizeof(buf), 100), HSX_HAL_TIMEOUT);
    assert_int_equal(hsx_uart_read(RX, buf, sizeof(buf), 0), HSX_HAL_TIMEOUT);
}

/* Every parity, data size and stop setting the 16550 has, and a range of rates. */
static void every_frame_the_16550_takes(void **state)
{
    static const uint32_t rates[] = {1200, 9600, 19200, 38400, 57600, 115200, 31250};
    uint8_t out[32], in[32];
    uint32_t actual;
    (void)state;

    for (uint8_t parity = 0; parity <= HSX_UART_PARITY_SPACE; parity++) {
        for (uint8_t bits = 5; bits <= 8; bits++) {
            for (uint8_t stop = 1; stop <= 2; stop++) {
                hsx_uart_settings_t s = {
                    .baud = 115200, .data_bits = bits, .parity = parity, .stop_bits = stop};
                assert_int_equal(hsx_uart_configure(TX, &s, &actual), HSX_HAL_OK);
                assert_int_equal(actual, 115200);
                assert_int_equal(hsx_uart_configure(RX, &s, NULL), HSX_HAL_OK);
                for (size_t i = 0; i < sizeof(out); i++)
                    out[i] = (uint8_t)((i * 7 + parity + bits) & ((1u << bits) - 1));
                drain_rx(RX);
                assert_int_equal(hsx_uart_write(TX, out, sizeof(out)), (int)sizeof(out));
                read_exactly(RX, in, sizeof(in));
                for (size_t i = 0; i < sizeof(in); i++)
                    assert_int_equal(in[i] & ((1u << bits) - 1), out[i]);
            }
        }
    }
    for (size_t i = 0; i < sizeof(rates) / sizeof(rates[0]); i++) {
        hsx_uart_settings_t s = {.baud = rates[i], .stop_bits = 1};
        assert_int_equal(hsx_uart_configure(TX, &s, &actual), HSX_HAL_OK);
        assert_true(actual * 100 >= rates[i] * 97 && actual * 100 <= rates[i] * 103);
    }
    char line[64];
    e2e_read_line("/sys/hal/uart/0/config", line, sizeof(line));
    assert_string_equal(line, "31250 8N1 none");
    /* Beyond the 16550's clock (115200 at most): refused, the port keeps its rate. */
    hsx_uart_settings_t fast = {.baud = 921600, .stop_bits = 1};
    assert_int_equal(hsx_uart_configure(TX, &fast, &actual), HSX_HAL_INVALID_PARAM);
    e2e_read_line("/sys/hal/uart/0/config", line, sizeof(line));
    assert_string_equal(line, "31250 8N1 none");
    hsx_uart_settings_t flow = {.baud = 115200, .stop_bits = 1, .flow = HSX_UART_FLOW_XONXOFF};
    assert_int_equal(hsx_uart_configure(TX, &flow, NULL), HSX_HAL_OK);
    e2e_read_line("/sys/hal/uart/0/config", line, sizeof(line));
    assert_string_equal(line, "115200 8N1 xonxoff");
    assert_int_equal(hsx_uart_init(TX), HSX_HAL_OK);
    assert_int_equal(hsx_uart_init(RX), HSX_HAL_OK);
}

static void modem_lines_break_and_drain(void **state)
{
    uint32_t lines = 0;
    (void)state;

    assert_int_equal(hsx_uart_set_lines(TX, HSX_UART_LINE_RTS | HSX_UART_LINE_DTR, 0, &lines),
                     HSX_HAL_OK);
    assert_int_equal(lines & (HSX_UART_LINE_RTS | HSX_UART_LINE_DTR),
                     HSX_UART_LINE_RTS | HSX_UART_LINE_DTR);
    assert_int_equal(hsx_uart_set_lines(TX, 0, HSX_UART_LINE_DTR, &lines), HSX_HAL_OK);
    assert_int_equal(lines & (HSX_UART_LINE_RTS | HSX_UART_LINE_DTR), HSX_UART_LINE_RTS);
    assert_int_equal(hsx_uart_send_break(TX, 50), HSX_HAL_OK);

    static uint8_t block[2048];
    assert_int_equal(hsx_uart_write(TX, block, sizeof(block)), (int)sizeof(block));
    assert_int_equal(hsx_uart_drain(TX, 0), HSX_HAL_OK);
    hsx_uart_status_t st;
    assert_int_equal(hsx_uart_get_status_ex(TX, &st), HSX_HAL_OK);
    assert_int_equal(st.tx_pending, 0);
    assert_true(st.status & HSX_UART_STATUS_TX_EMPTY);
    assert_true(st.tx_bytes >= sizeof(block));
    drain_rx(RX);
}

/* XON/XOFF: the peer's XOFF stops the transmitter, its XON restarts it; neither is data. */
static void xon_xoff_flow_control(void **state)
{
    hsx_uart_settings_t s = {.baud = 115200, .stop_bits = 1, .flow = HSX_UART_FLOW_XONXOFF};
    uint8_t buf[16];
    (void)state;

    drain_rx(TX);
    drain_rx(RX);
    assert_int_equal(hsx_uart_configure(TX, &s, NULL), HSX_HAL_OK);
    assert_int_equal(hsx_uart_write(RX, "\x13", 1), 1); /* XOFF to TX */
    usleep(300000);
    assert_int_equal(hsx_uart_write(TX, "held", 4), 4);
    assert_int_equal(hsx_uart_read(RX, buf, sizeof(buf), 500), HSX_HAL_TIMEOUT);
    assert_int_equal(hsx_uart_write(RX, "\x11", 1), 1); /* XON */
    read_exactly(RX, buf, 4);
    assert_memory_equal(buf, "held", 4);
    /* The flow characters never reached TX's listeners or its buffer. */
    assert_int_equal(hsx_uart_read_poll(TX, buf, sizeof(buf)), 0);
    assert_int_equal(hsx_uart_read(TX, buf, sizeof(buf), 200), HSX_HAL_TIMEOUT);
    assert_int_equal(hsx_uart_init(TX), HSX_HAL_OK);
}

/* While a port is in use, hsx.ko cannot be unloaded; the ports stay bound. */
static void rmmod_is_refused_while_ports_are_in_use(void **state)
{
    (void)state;
    int fd = e2e_open_node("uart0");

    assert_int_equal(syscall(SYS_delete_module, "hsx", O_NONBLOCK), -1);
    assert_true(errno == EWOULDBLOCK || errno == EBUSY);
    assert_true(e2e_exists("/sys/hal/uart/0"));
    assert_int_equal(hsx_uart_write(TX, "still", 5), 5);
    close(fd);
    drain_rx(RX);
}

/* The next event of a kind, skipping others; fails after the liveness bound. */
static void wait_kind(uint8_t port, uint8_t kind, hsx_uart_event_t *ev)
{
    for (uint64_t start = e2e_now_ms(); e2e_now_ms() - start < E2E_LIVENESS_MS;) {
        int ret = hsx_uart_wait_event(port, ev, 1000);
        if (ret == HSX_HAL_TIMEOUT)
            continue;
        assert_int_equal(ret, HSX_HAL_OK);
        if (ev->kind == kind)
            return;
    }
    fail_msg("no event of kind %u on port %u", kind, port);
}

/* IDLE after the bytes stop, TX_DONE once they left, both with the right offsets. */
static void idle_and_tx_done_events(void **state)
{
    hsx_uart_event_t ev;
    hsx_uart_status_t st;
    (void)state;

    drain_rx(RX);
    drain_rx(TX);
    assert_int_equal(hsx_uart_set_events(RX, HSX_UART_EVENTS_IDLE, 50), HSX_HAL_OK);
    assert_int_equal(hsx_uart_set_events(TX, HSX_UART_EVENTS_TX_DONE, 0), HSX_HAL_OK);
    assert_int_equal(hsx_uart_get_status_ex(RX, &st), HSX_HAL_OK);
    uint64_t rx_before = st.rx_bytes;

    assert_int_equal(hsx_uart_write(TX, "0123456789", 10), 10);
    assert_int_equal(hsx_uart_get_status_ex(TX, &st), HSX_HAL_OK);
    wait_kind(TX, HSX_UART_EVENT_TX_DONE, &ev);
    assert_true(ev.offset == st.tx_bytes);

    /* The bytes come first, then one IDLE at the offset after the last. */
    size_t got = 0;
    uint8_t data[16];
    while (got < 10) {
        assert_int_equal(hsx_uart_wait_event(RX, &ev, 5000), HSX_HAL_OK);
        assert_int_equal(ev.kind, HSX_UART_EVENT_DATA);
        memcpy(data + got, ev.data, ev.length);
        got += ev.length;
    }
    assert_memory_equal(data, "0123456789", 10);
    wait_kind(RX, HSX_UART_EVENT_IDLE, &ev);
    assert_true(ev.offset == rx_before + 10);
    assert_true(ev.timestamp_ns > 0);

    /* hsx_uart_read() skips line events. */
    assert_int_equal(hsx_uart_write(TX, "xy", 2), 2);
    read_exactly(RX, data, 2);
    assert_memory_equal(data, "xy", 2);

    assert_int_equal(hsx_uart_set_events(RX, 0, 0), HSX_HAL_OK);
    assert_int_equal(hsx_uart_set_events(TX, 0, 0), HSX_HAL_OK);
    assert_int_equal(hsx_uart_set_events(RX, HSX_UART_EVENTS_IDLE, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_uart_set_events(RX, 0, 5), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_uart_set_events(RX, 0x80, 0), HSX_HAL_INVALID_PARAM);
    drain_rx(TX);
    drain_rx(RX);
}

/*
 * In the 16550's local loopback CTS follows RTS: a MODEM event for each
 * change of the input, with every line's state.
 */
static void modem_change_events(void **state)
{
    hsx_uart_event_t ev;
    (void)state;

    drain_rx(TX);
    assert_int_equal(hsx_uart_set_lines(TX, HSX_UART_LINE_LOOP, HSX_UART_LINE_RTS, NULL),
                     HSX_HAL_OK);
    assert_int_equal(hsx_uart_set_events(TX, HSX_UART_EVENTS_MODEM, 0), HSX_HAL_OK);
    assert_int_equal(hsx_uart_set_lines(TX, HSX_UART_LINE_RTS, 0, NULL), HSX_HAL_OK);
    wait_kind(TX, HSX_UART_EVENT_MODEM, &ev);
    assert_true(ev.lines & HSX_UART_LINE_CTS);
    assert_int_equal(hsx_uart_set_lines(TX, 0, HSX_UART_LINE_RTS, NULL), HSX_HAL_OK);
    wait_kind(TX, HSX_UART_EVENT_MODEM, &ev);
    assert_false(ev.lines & HSX_UART_LINE_CTS);
    assert_int_equal(hsx_uart_set_events(TX, 0, 0), HSX_HAL_OK);
    assert_int_equal(hsx_uart_set_lines(TX, HSX_UART_LINE_RTS, HSX_UART_LINE_LOOP, NULL),
                     HSX_HAL_OK);
    drain_rx(TX);
}

static void bad_input(void **state)
{
    uint8_t buf[4];
    (void)state;

    hsx_uart_config_t spec = {.baud = HSX_UART_BAUD_9600, .stop_bits = HSX_UART_STOP_1};
    assert_int_equal(hsx_uart_init(HSX_UART_MAX_PORTS), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_uart_config(TX, NULL), HSX_HAL_INVALID_PARAM);
    spec.baud = (hsx_uart_baud_t)0;
    assert_int_equal(hsx_uart_config(TX, &spec), HSX_HAL_INVALID_PARAM);
    spec.baud = HSX_UART_BAUD_9600;
    spec.parity = (hsx_uart_parity_t)7;
    assert_int_equal(hsx_uart_config(TX, &spec), HSX_HAL_INVALID_PARAM);
    spec.parity = HSX_UART_PARITY_NONE;
    spec.stop_bits = (hsx_uart_stop_bits_t)3;
    assert_int_equal(hsx_uart_config(TX, &spec), HSX_HAL_INVALID_PARAM);
    hsx_uart_settings_t s = {.baud = 9600, .stop_bits = 1, .data_bits = 9};
    assert_int_equal(hsx_uart_configure(TX, &s, NULL), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_uart_write(TX, NULL, 4), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_uart_write(HSX_UART_MAX_PORTS, buf, 4), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_uart_read(RX, NULL, 4, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_uart_read(RX, buf, 0, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_uart_read_poll(RX, NULL, 4), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_uart_send_break(TX, 0), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_uart_set_lines(TX, HSX_UART_LINE_CTS, 0, NULL), HSX_HAL_INVALID_PARAM);
    assert_int_equal(hsx_uart_discard(TX, 0), HSX_HAL_INVALID_PARAM);
    /* An unbound port is a clear error, not a hang. */
    assert_int_equal(hsx_uart_write(7, "x", 1), HSX_HAL_NO_DEVICE);
    assert_int_equal(hsx_hal_errno(), ENXIO);

    /* The kernel's own checks, past the library. */
    int fd = e2e_open_node("uart");
    struct hsx_uart_xfer x = {.port = TX, .len = HSX_UART_XFER_MAX + 1, .buf = (uintptr_t)buf};
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_UART_WRITE, &x), -EINVAL);
    x.len = 4;
    x.reserved = 1;
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_UART_WRITE, &x), -EINVAL);
    x.reserved = 0;
    x.buf = 0;
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_UART_WRITE, &x), -EINVAL);
    x.buf = 8; /* not mapped */
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_UART_WRITE, &x), -EFAULT);
    x.buf = (uintptr_t)buf;
    x.timeout_ms = 5;
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_UART_READ_POLL, &x), -EINVAL);
    struct hsx_uart_config c = {.port = TX, .baud = 9600, .stop_bits = 1, .reserved = 1};
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_UART_CONFIG, &c), -EINVAL);
    struct hsx_uart_ctl ctl = {.port = TX, .value = HSX_UART_BREAK_MAX_MS + 1};
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_UART_BREAK, &ctl), -EINVAL);
    struct hsx_uart_modem m = {.port = TX, .set = HSX_UART_LN_RTS, .clear = HSX_UART_LN_RTS};
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_UART_MODEM, &m), -EINVAL);
    struct hsx_uart_map map = {.port = 3};
    strcpy(map.tty, "ttyS1");
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_UART_MAP, &map), -EPERM);
    close(fd);

    /* On /dev/hsx/uart0, only port 0. */
    fd = e2e_open_node("uart0");
    struct hsx_uart_status st = {.port = RX};
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_UART_GET_STATUS, &st), -EINVAL);
    st.port = TX;
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_UART_GET_STATUS, &st), 0);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(binding_owns_the_tty),
        cmocka_unit_test(spec_write_read_status),
        cmocka_unit_test(read_returns_what_is_there),
        cmocka_unit_test(every_frame_the_16550_takes),
        cmocka_unit_test(modem_lines_break_and_drain),
        cmocka_unit_test(xon_xoff_flow_control),
        cmocka_unit_test(rmmod_is_refused_while_ports_are_in_use),
        cmocka_unit_test(idle_and_tx_done_events),
        cmocka_unit_test(modem_change_events),
        cmocka_unit_test(bad_input),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
