/* SPDX-License-Identifier: MIT */
/*
 * The UART module's volumes and lifetimes, on the test board's back-to-back
 * pair (uart_pair.h): a 1 MiB transfer compared byte for byte, a reader that
 * stops reading (what it lost is counted exactly, nothing else is lost),
 * unbinding under a blocked reader and giving the tty back as it was, kill -9
 * in the middle of a read and of a write, a USB adapter unplugged, a stalled
 * line and a stalled user buffer that hold up no unbinding and no other
 * reader, a read whose buffer faults and loses no byte, and a callback that
 * the port's unbinding does not end.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/userfaultfd.h>
#include <poll.h>
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
#include "rx_trace.h"
#include "uart_pair.h"

struct pump {
    size_t len;
    const uint8_t *data;
    volatile size_t received; /* by the reader, for the writer's window */
    int result;
};

/*
 * The writer keeps at most WINDOW bytes in flight, as RTS/CTS would: QEMU's
 * wire has no flow control, and the test is about exactness, not overrun.
 */
#define WINDOW (16 * 1024)

static void *pump_writer(void *arg)
{
    struct pump *p = arg;
    size_t sent = 0;

    while (sent < p->len) {
        while (sent - __atomic_load_n(&p->received, __ATOMIC_ACQUIRE) >= WINDOW)
            usleep(1000);
        size_t chunk = p->len - sent < 4096 ? p->len - sent : 4096;
        int n = hsx_uart_write(TX, p->data + sent, (uint32_t)chunk);
        if (n <= 0) {
            p->result = n;
            return NULL;
        }
        sent += (size_t)n;
    }
    return NULL;
}

static void one_mebibyte_arrives_exactly(void **state)
{
    const size_t len = 1024 * 1024;
    uint8_t *out = malloc(len), *in = malloc(len);
    struct pump p = {.len = len, .data = out};
    pthread_t writer;
    uint32_t seed = 12345;
    (void)state;

    assert_non_null(out);
    assert_non_null(in);
    for (size_t i = 0; i < len; i++) {
        seed = seed * 1103515245u + 12345u;
        out[i] = (uint8_t)(seed >> 16);
    }
    drain_rx(RX);
    hsx_uart_status_t before;
    assert_int_equal(hsx_uart_get_status_ex(RX, &before), HSX_HAL_OK);
    assert_int_equal(pthread_create(&writer, NULL, pump_writer, &p), 0);
    size_t got = 0;
    while (got < len) {
        hsx_uart_read_info_t info;
        int n = hsx_uart_read_ex(RX, in + got, (uint32_t)(len - got), 10000, &info);
        if (n <= 0)
            fail_msg("read after %zu bytes: %d (errno %d)", got, n, hsx_hal_errno());
        assert_int_equal(info.lost_bytes, 0);
        assert_int_equal(info.flags, 0);
        got += (size_t)n;
        __atomic_store_n(&p.received, got, __ATOMIC_RELEASE);
    }
    pthread_join(writer, NULL);
    assert_int_equal(p.result, 0);
    assert_memory_equal(in, out, len);

    hsx_uart_status_t after;
    assert_int_equal(hsx_uart_get_status_ex(RX, &after), HSX_HAL_OK);
    assert_true(after.rx_bytes - before.rx_bytes == len);
    assert_int_equal(after.overruns, before.overruns);
    free(out);
    free(in);
}

/*
 * A subscriber that stops reading loses only what its queue had no room
 * for, and learns exactly how much; the poll buffer keeps the first 4096
 * bytes and counts the rest.
 */
static void a_reader_that_stops_loses_only_what_is_counted(void **state)
{
    const size_t len = 96 * 1024;
    uint8_t *out = malloc(len), *in = malloc(len);
    (void)state;

    assert_non_null(out);
    assert_non_null(in);
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)(i * 31 + i / 256);
    drain_rx(RX);
    hsx_uart_status_t before, after;
    assert_int_equal(hsx_uart_get_status_ex(RX, &before), HSX_HAL_OK);
    /* Another file, which uses the port from before the loss. */
    int other = e2e_open_node("uart");
    struct hsx_uart_status raw = {.port = RX};
    assert_int_equal(e2e_ioctl(other, HSX_IOC_UART_GET_STATUS, &raw), 0);

    /* Nobody reads while it all arrives. */
    assert_int_equal(hsx_uart_write(TX, out, (uint32_t)len), (int)len);
    assert_int_equal(hsx_uart_drain(TX, 0), HSX_HAL_OK);
    for (uint64_t start = e2e_now_ms(); e2e_now_ms() - start < E2E_LIVENESS_MS;) {
        assert_int_equal(hsx_uart_get_status_ex(RX, &after), HSX_HAL_OK);
        if (after.rx_bytes - before.rx_bytes == len)
            break;
        usleep(20000);
    }
    assert_true(after.rx_bytes - before.rx_bytes == len);
    assert_int_equal(after.rx_available, HSX_UART_RX_BUFFER);
    assert_true(after.rx_dropped - before.rx_dropped == len - HSX_UART_RX_BUFFER);
    assert_true(after.status & HSX_UART_STATUS_OVERRUN);
    /* The other file learns of the loss too: reading status clears it for the reader only. */
    assert_int_equal(e2e_ioctl(other, HSX_IOC_UART_GET_STATUS, &raw), 0);
    assert_true(raw.status & HSX_UART_ST_OVERRUN);
    assert_int_equal(e2e_ioctl(other, HSX_IOC_UART_GET_STATUS, &raw), 0);
    assert_false(raw.status & HSX_UART_ST_OVERRUN);
    close(other);

    /* The poll buffer: the first 4096 bytes, in order. */
    uint8_t first[HSX_UART_RX_BUFFER + 16];
    assert_int_equal(hsx_uart_read_poll(RX, first, sizeof(first)), HSX_UART_RX_BUFFER);
    assert_memory_equal(first, out, HSX_UART_RX_BUFFER);

    /*
     * The mailbox: what is read plus what is reported lost is everything.
     * A loss is learnt from the next event that arrives (its offset), so a
     * marker follows once the queue has room again.
     */
    size_t got = 0, lost = 0;
    int n;
    hsx_uart_read_info_t info;
    bool marked = false;
    for (;;) {
        n = hsx_uart_read_ex(RX, in + got, (uint32_t)(len - got), 500, &info);
        if (n == HSX_HAL_TIMEOUT && !marked) {
            assert_int_equal(hsx_uart_write(TX, "END!", 4), 4);
            marked = true;
            continue;
        }
        if (n <= 0)
            break;
        uint64_t at = info.rx_offset - before.rx_bytes;
        lost += info.lost_bytes;
        if (at + (uint64_t)n > len) {
            /* The marker (in one read or more), after every byte of the flood was read or counted
             * lost. */
            assert_int_equal(at, len);
            uint8_t marker[4];
            size_t have = (size_t)n < sizeof(marker) ? (size_t)n : sizeof(marker);
            memcpy(marker, in + got, have);
            if (have < sizeof(marker))
                read_exactly(RX, marker + have, sizeof(marker) - have);
            assert_memory_equal(marker, "END!", 4);
            break;
        }
        /* Each run is exactly the bytes at its offset. */
        assert_memory_equal(in + got, out + at, (size_t)n);
        got += (size_t)n;
    }
    assert_true(marked);
    assert_true(lost > 0);
    assert_int_equal(got + lost, len);
    assert_int_equal(hsx_uart_discard(RX, HSX_UART_DISCARD_RX), HSX_HAL_OK);
    assert_int_equal(hsx_uart_get_status_ex(RX, &after), HSX_HAL_OK);
    assert_int_equal(after.rx_available, 0);

    free(out);
    free(in);
}

static void *blocked_reader_usb(void *arg)
{
    uint8_t buf[16];

    *(int *)arg = hsx_uart_read(USB_PORT, buf, sizeof(buf), HSX_HAL_TIMEOUT_INF);
    return NULL;
}

static void *blocked_reader(void *arg)
{
    uint8_t buf[16];

    *(int *)arg = hsx_uart_read(RX, buf, sizeof(buf), HSX_HAL_TIMEOUT_INF);
    return NULL;
}

/* Unbinding ends a blocked reader, gives the tty back, and binding again works. */
static void unbinding_ends_users_and_gives_the_tty_back(void **state)
{
    uint8_t buf8[8];
    pthread_t t;
    int result = 1;
    (void)state;

    drain_rx(RX);
    assert_int_equal(pthread_create(&t, NULL, blocked_reader, &result), 0);
    usleep(300000);
    assert_int_equal(map_port(RX, ""), 0);
    pthread_join(t, NULL);
    assert_int_equal(result, HSX_HAL_CLOSED);
    assert_false(e2e_exists("/dev/hsx/uart1"));
    assert_false(e2e_exists("/sys/hal/uart/1"));
    assert_int_equal(hsx_uart_write(RX, "x", 1), HSX_HAL_NO_DEVICE);
    assert_int_equal(hsx_hal_errno(), ENXIO);

    /* The tty is the system's again, with its own line discipline. */
    int fd = open("/dev/" TTY_RX, O_RDWR | O_NOCTTY | O_NONBLOCK);
    assert_true(fd >= 0);
    int ldisc = -1;
    assert_int_equal(ioctl(fd, TIOCGETD, &ldisc), 0);
    assert_int_equal(ldisc, 0); /* N_TTY */
    /* hsx's discipline attaches to no tty hsx did not choose. */
    int ours = 29;
    assert_int_equal(ioctl(fd, TIOCSETD, &ours), -1);
    assert_int_equal(errno, EPERM);
    /* Settings of the system's own, which hsx must give back as they were. */
    struct termios tio;
    assert_int_equal(tcgetattr(fd, &tio), 0);
    cfsetspeed(&tio, B4800);
    tio.c_cflag = (tio.c_cflag & ~CSIZE) | CS7;
    assert_int_equal(tcsetattr(fd, TCSANOW, &tio), 0);
    close(fd);

    assert_int_equal(map_port(RX, TTY_RX), 0);
    assert_int_equal(hsx_uart_init(RX), HSX_HAL_OK); /* 115200 8N1 while hsx has it */
    assert_int_equal(map_port(RX, ""), 0);
    /* A listener learns that the port went at its next read; the one after listens afresh. */
    assert_int_equal(hsx_uart_read(RX, buf8, sizeof(buf8), 0), HSX_HAL_CLOSED);
    fd = open("/dev/" TTY_RX, O_RDWR | O_NOCTTY | O_NONBLOCK);
    assert_true(fd >= 0);
    assert_int_equal(tcgetattr(fd, &tio), 0);
    assert_int_equal(cfgetospeed(&tio), B4800);
    assert_int_equal(tio.c_cflag & CSIZE, CS7);
    cfsetspeed(&tio, B115200);
    tio.c_cflag = (tio.c_cflag & ~CSIZE) | CS8;
    assert_int_equal(tcsetattr(fd, TCSANOW, &tio), 0);
    close(fd);

    /* Serial ports only: a virtual terminal is refused. */
    if (e2e_exists("/sys/class/tty/tty1"))
        assert_int_equal(map_port(5, "tty1"), -EINVAL);

    assert_int_equal(map_port(RX, TTY_RX), 0);
    assert_int_equal(hsx_uart_init(RX), HSX_HAL_OK);
    uint8_t buf[8];
    drain_rx(RX);
    assert_int_equal(hsx_uart_write(TX, "again", 5), 5);
    read_exactly(RX, buf, 5);
    assert_memory_equal(buf, "again", 5);
}

/* A process killed in a read or in a long write leaves the ports working. */
static void kill_9_mid_read_and_mid_write(void **state)
{
    (void)state;
    for (int which = 0; which < 2; which++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            static uint8_t big[1024 * 1024];
            uint8_t buf[16];
            if (which == 0)
                hsx_uart_read(RX, buf, sizeof(buf), HSX_HAL_TIMEOUT_INF);
            else
                hsx_uart_write(TX, big, sizeof(big));
            _exit(0);
        }
        usleep(500000);
        assert_int_equal(kill(pid, SIGKILL), 0);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFSIGNALED(status));
    }
    /*
     * What the killed writer had handed on may still be on the wire, and the
     * receiver's queue is full of it (QEMU's wire is as fast as the CPU and
     * nobody read for half a second): the port keeps what fits and counts the
     * rest, so a marker sent into that flood may be among what is counted.
     * Once the line is quiet and the queue read, the marker must come whole.
     */
    static const char marker[] = "ALIVE-after-kill";
    uint8_t buf[512];
    size_t matched = 0;
    assert_int_equal(hsx_uart_discard(TX, HSX_UART_DISCARD_TX), HSX_HAL_OK);
    drain_rx(RX);
    assert_int_equal(hsx_uart_write(TX, marker, sizeof(marker) - 1), (int)sizeof(marker) - 1);
    for (uint64_t start = e2e_now_ms(); matched < sizeof(marker) - 1;) {
        if (e2e_now_ms() - start >= E2E_LIVENESS_MS)
            fail_msg("the marker did not come back (%zu of its bytes seen)", matched);
        /* (its first event may say how much of the flood was lost: learnt from the next event) */
        int n = hsx_uart_read(RX, buf, sizeof(buf), 1000);
        for (int i = 0; i < n && matched < sizeof(marker) - 1; i++)
            matched = buf[i] == (uint8_t)marker[matched] ? matched + 1
                      : buf[i] == (uint8_t)marker[0]     ? 1
                                                         : 0;
    }
    drain_rx(RX);
}

/* Write "0" or "1" to the USB device's authorized: unplugged and plugged again, as seen. */
static void usb_authorize(const char *usbdev, int on)
{
    char path[128];

    snprintf(path, sizeof(path), "/sys/bus/usb/devices/%s/authorized", usbdev);
    e2e_write_file(path, on ? "1" : "0");
}

/*
 * The USB device ttyUSB0 belongs to ("1-1"): the nearest directory above the
 * tty's with an "authorized" file and no ':' in its name (interfaces have one).
 */
static bool usb_device_of_tty(char *usbdev, size_t len)
{
    char *path = realpath("/sys/class/tty/ttyUSB0", NULL);
    char probe[PATH_MAX + 16];
    bool found = false;

    for (char *slash; path && !found && (slash = strrchr(path, '/')) && slash != path;) {
        *slash = '\0';
        const char *base = strrchr(path, '/') + 1;
        snprintf(probe, sizeof(probe), "%s/authorized", path);
        if (!strchr(base, ':') && access(probe, F_OK) == 0 && strncmp(base, "usb", 3) != 0) {
            snprintf(usbdev, len, "%s", base);
            found = true;
        }
    }
    free(path);
    return found;
}

static bool wait_exists(const char *path, bool want)
{
    for (uint64_t start = e2e_now_ms(); e2e_now_ms() - start < E2E_LIVENESS_MS; usleep(50000))
        if (e2e_exists("%s", path) == want)
            return true;
    return false;
}

/*
 * Whether this kernel can have the test board's USB adapter (ttyUSB0, an
 * FTDI): one without its driver (the debug kernel has no USB at all) says so
 * at once, instead of waiting for an adapter that cannot appear. One with the
 * driver must bring the adapter up: the board has it, so its absence fails.
 */
static bool kernel_has_usb_adapter(void)
{
    if (!e2e_exists("/sys/bus/usb-serial/drivers/ftdi_sio"))
        return false;
    if (!wait_exists("/dev/ttyUSB0", true))
        fail_msg("ftdi_sio loaded, and no ttyUSB0 after %d ms: the test board's adapter",
                 E2E_LIVENESS_MS);
    return true;
}

/*
 * The USB adapter's far end is on the host (tests/vm/uart_peer.c), where no
 * code of the guest runs: a PING through hsx comes back as the host's PONG,
 * the token reversed.
 */
static void a_host_peer_answers(void **state)
{
    char ping[64], want[64], got[64];
    size_t len = 0;
    (void)state;

    if (!kernel_has_usb_adapter()) {
        printf("# no FTDI USB serial driver in this kernel: the stock kernel's run covers it\n");
        skip();
    }
    assert_int_equal(map_port(USB_PORT, "ttyUSB0"), 0);
    assert_int_equal(hsx_uart_init(USB_PORT), HSX_HAL_OK);
    int n = snprintf(ping, sizeof(ping), "PING hsx-%d-abc\n", (int)getpid());
    const char *token = ping + 5;
    size_t tlen = strlen(token) - 1;
    memcpy(want, "PONG ", 5);
    for (size_t i = 0; i < tlen; i++)
        want[5 + i] = token[tlen - 1 - i];
    want[5 + tlen] = '\n';
    want[6 + tlen] = '\0';
    assert_int_equal(hsx_uart_write(USB_PORT, ping, (uint32_t)n), n);
    for (uint64_t start = e2e_now_ms(); len == 0 || got[len - 1] != '\n';) {
        if (e2e_now_ms() - start > E2E_LIVENESS_MS)
            fail_msg("no answer from the host's peer (%zu bytes: %.*s)", len, (int)len, got);
        int r = hsx_uart_read(USB_PORT, got + len, (uint32_t)(sizeof(got) - 1 - len), 1000);
        if (r > 0)
            len += (size_t)r;
        assert_true(len < sizeof(got) - 1);
    }
    got[len] = '\0';
    assert_string_equal(got, want);
    assert_int_equal(map_port(USB_PORT, ""), 0);
}

/* A USB adapter unplugged: its users end with ENODEV and a close, the port unbinds. */
static void usb_adapter_unplugged(void **state)
{
    char usbdev[32];
    pthread_t t;
    int result = 1;
    (void)state;

    if (!kernel_has_usb_adapter()) {
        /* The debug kernel has no USB; vm-stock runs this test. */
        printf("# no FTDI USB serial driver in this kernel: the stock kernel's run covers it\n");
        skip();
    }
    assert_true(usb_device_of_tty(usbdev, sizeof(usbdev)));
    assert_int_equal(map_port(USB_PORT, "ttyUSB0"), 0);
    assert_int_equal(hsx_uart_init(USB_PORT), HSX_HAL_OK);
    assert_int_equal(hsx_uart_write(USB_PORT, "to the adapter", 14), 14);

    assert_int_equal(pthread_create(&t, NULL, blocked_reader_usb, &result), 0);
    usleep(300000);
    usb_authorize(usbdev, 0);
    pthread_join(t, NULL);
    assert_int_equal(result, HSX_HAL_CLOSED);
    assert_true(wait_exists("/sys/hal/uart/2", false));
    assert_false(e2e_exists("/dev/hsx/uart2"));
    assert_int_equal(hsx_uart_write(USB_PORT, "x", 1), HSX_HAL_NO_DEVICE);

    /* Plugged in again: a tty like any other, to bind again. */
    usb_authorize(usbdev, 1);
    assert_true(wait_exists("/dev/ttyUSB0", true));
    assert_int_equal(map_port(USB_PORT, "ttyUSB0"), 0);
    assert_int_equal(hsx_uart_init(USB_PORT), HSX_HAL_OK);
    assert_int_equal(hsx_uart_write(USB_PORT, "again", 5), 5);
    assert_int_equal(map_port(USB_PORT, ""), 0);
}

#define HANGUP_HOOK "/sys/kernel/debug/hsx/uart_hangup"

/*
 * A hangup (what an unplugged adapter's driver does) closes hsx's line
 * discipline at once, and the core drops the discipline's reference to
 * hsx.ko then, long before the port unbinds: the close must take it back,
 * or hsx.ko is one reference short until then (rmmod may succeed with a
 * file open; a second such hangup underflows the count, a WARNING, and
 * one reference leaks for good). Test builds of hsx.ko (the debug kernel's
 * run) have a hook that hangs any serial tty up with the unbinding held off,
 * and says by how much the count changed meanwhile.
 */
static void a_hangup_keeps_module_references(void **state)
{
    char delta[32], port[8];
    (void)state;

    if (!e2e_exists(HANGUP_HOOK)) {
        printf("# no %s: hsx.ko is not a test build (the debug kernel's run covers it)\n",
               HANGUP_HOOK);
        skip();
    }
    snprintf(port, sizeof(port), "%d", RX);
    e2e_write_file(HANGUP_HOOK, port);
    e2e_read_line(HANGUP_HOOK, delta, sizeof(delta));
    assert_string_equal(delta, "0");
    /* The hangup unbinds the port, as an unplugging does; bound again for the next tests. */
    assert_true(wait_exists("/sys/hal/uart/1", false));
    assert_int_equal(hsx_uart_write(RX, "x", 1), HSX_HAL_NO_DEVICE);
    /*
     * A listener learns that the port went at its next read. The unbinding is the hangup's
     * work item, and its node goes before its mailbox closes: the read waits for the close
     * (a liveness bound, not a time that is asserted).
     */
    uint8_t buf[4];
    assert_int_equal(hsx_uart_read(RX, buf, sizeof(buf), 10000), HSX_HAL_CLOSED);
    assert_int_equal(map_port(RX, TTY_RX), 0);
    assert_int_equal(hsx_uart_init(RX), HSX_HAL_OK);
    drain_rx(RX);
    assert_int_equal(hsx_uart_write(TX, "back", 4), 4);
    read_exactly(RX, buf, 4);
    assert_memory_equal(buf, "back", 4);
}

/*
 * Unbinding a port whose line is stopped (flow control, CTS down) discards
 * what was not sent instead of waiting for it: the tty's close would wait
 * its closing_wait (30 s on a 16550) with every other binding held up.
 */
static void unbinding_a_stalled_port_does_not_wait(void **state)
{
    hsx_uart_settings_t flow = {.baud = 115200, .stop_bits = 1, .flow = HSX_UART_FLOW_RTSCTS};
    /*
     * More than the serial core's transmit buffer holds (a page: 4095 bytes
     * in its circ_buf up to Linux 6.9, 4096 in its kfifo from 6.10), so the
     * write stops part-way.
     */
    static uint8_t block[3 * 4096];
    (void)state;

    assert_int_equal(hsx_uart_set_lines(TX, HSX_UART_LINE_LOOP, HSX_UART_LINE_RTS, NULL),
                     HSX_HAL_OK);
    assert_int_equal(hsx_uart_configure(TX, &flow, NULL), HSX_HAL_OK);
    int n = hsx_uart_write_timeout(TX, block, sizeof(block), 200);
    if (n <= 0 || n >= (int)sizeof(block))
        fail_msg("a %zu-byte write to a stopped line returned %d: not a part of it", sizeof(block),
                 n);
    hsx_uart_status_t st;
    assert_int_equal(hsx_uart_get_status_ex(TX, &st), HSX_HAL_OK);
    assert_true(st.tx_pending > 0);

    uint64_t start = e2e_now_ms();
    assert_int_equal(map_port(TX, ""), 0);
    /* A liveness bound, not a timing one: before, this took the 30 s closing wait. */
    assert_true(e2e_now_ms() - start < E2E_LIVENESS_MS);
    assert_int_equal(map_port(TX, TTY_TX), 0);
    assert_int_equal(hsx_uart_init(TX), HSX_HAL_OK);
    drain_rx(TX);
    /* The loopback hsx set went with the binding: the line reaches the peer again. */
    uint8_t buf[8];
    drain_rx(RX);
    assert_int_equal(hsx_uart_write(TX, "wire", 4), 4);
    read_exactly(RX, buf, 4);
    assert_memory_equal(buf, "wire", 4);
}

/* Until @port's poll buffer holds @len bytes. */
static void wait_rx_available(uint8_t port, uint32_t len)
{
    hsx_uart_status_t s;

    for (uint64_t start = e2e_now_ms(); e2e_now_ms() - start < E2E_LIVENESS_MS;) {
        assert_int_equal(hsx_uart_get_status_ex(port, &s), HSX_HAL_OK);
        if (s.rx_available >= len)
            return;
        usleep(20000);
    }
    fail_msg("port %u: %u bytes never arrived in the poll buffer", port, len);
}

/* A page whose fault is never served: userfaultfd, as a FUSE mapping would stall. */
struct stall {
    int uffd;
    uint8_t *page;
    size_t size;
    int result;
};

static bool stall_setup(struct stall *st)
{
    st->size = (size_t)sysconf(_SC_PAGESIZE);
    st->uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC);
    if (st->uffd < 0)
        return false;
    struct uffdio_api api = {.api = UFFD_API};
    st->page = mmap(NULL, st->size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct uffdio_register reg = {
        .range = {.start = (uintptr_t)st->page, .len = st->size},
        .mode = UFFDIO_REGISTER_MODE_MISSING,
    };
    return ioctl(st->uffd, UFFDIO_API, &api) == 0 && st->page != MAP_FAILED &&
           ioctl(st->uffd, UFFDIO_REGISTER, &reg) == 0;
}

static void *stalled_read_poll(void *arg)
{
    struct stall *st = arg;
    int fd = e2e_open_node("uart");
    struct hsx_uart_xfer x = {.port = RX, .len = 16, .buf = (uintptr_t)st->page};

    st->result = e2e_ioctl(fd, HSX_IOC_UART_READ_POLL, &x);
    close(fd);
    return NULL;
}

static void *stalled_write(void *arg)
{
    struct stall *st = arg;
    int fd = e2e_open_node("uart");
    struct hsx_uart_xfer x = {.port = RX, .len = 16, .buf = (uintptr_t)st->page};

    st->result = e2e_ioctl(fd, HSX_IOC_UART_WRITE, &x);
    close(fd);
    return NULL;
}

/*
 * A caller whose buffer faults for ever holds up no one: the port unbinds
 * (before: unbinding waited for the copy, inside the port's SRCU section,
 * and every later binding and rmmod with it).
 */
static void a_stalled_user_buffer_does_not_hold_up_unbinding(void **state)
{
    void *(*fns[2])(void *) = {stalled_read_poll, stalled_write};
    (void)state;

    for (int i = 0; i < 2; i++) {
        struct stall st;
        pthread_t t;

        if (!stall_setup(&st)) {
            printf("# no userfaultfd: %s\n", strerror(errno));
            skip();
        }
        drain_rx(RX);
        if (i == 0) {
            /* Bytes in the poll buffer, so that READ_POLL copies some out. */
            assert_int_equal(hsx_uart_write(TX, "stall", 5), 5);
            wait_rx_available(RX, 5);
        }
        assert_int_equal(pthread_create(&t, NULL, fns[i], &st), 0);
        usleep(300000); /* in its copy, stalled */
        uint64_t start = e2e_now_ms();
        assert_int_equal(map_port(RX, ""), 0);
        assert_true(e2e_now_ms() - start < E2E_LIVENESS_MS);
        /* Let the copy go: closing the userfaultfd serves the fault. */
        close(st.uffd);
        pthread_join(t, NULL);
        assert_true(st.result == -ENODEV || st.result == -ENXIO || st.result == 0);
        munmap(st.page, st.size);
        assert_int_equal(map_port(RX, TTY_RX), 0);
        assert_int_equal(hsx_uart_init(RX), HSX_HAL_OK);
    }
}

/* A READ_POLL on a file of its own, in a thread; finished once it returned. */
struct poll_read {
    uint8_t *buf;
    uint32_t len;
    int result;
    uint32_t done;
    int finished;
};

static void *read_poll_thread(void *arg)
{
    struct poll_read *r = arg;
    int fd = e2e_open_node("uart");
    struct hsx_uart_xfer x = {.port = RX, .len = r->len, .buf = (uintptr_t)r->buf};

    r->result = e2e_ioctl(fd, HSX_IOC_UART_READ_POLL, &x);
    r->done = x.done;
    close(fd);
    __atomic_store_n(&r->finished, 1, __ATOMIC_SEQ_CST);
    return NULL;
}

/* Start @r's READ_POLL; with @stall, return once it is stalled in its page's fault. */
static void start_read_poll(pthread_t *t, struct poll_read *r, struct stall *stall)
{
    assert_int_equal(pthread_create(t, NULL, read_poll_thread, r), 0);
    if (!stall)
        return;
    struct pollfd pfd = {.fd = stall->uffd, .events = POLLIN};
    struct uffd_msg msg;
    assert_int_equal(poll(&pfd, 1, E2E_LIVENESS_MS), 1);
    assert_int_equal(read(stall->uffd, &msg, sizeof(msg)), (ssize_t)sizeof(msg));
    assert_int_equal(msg.event, UFFD_EVENT_PAGEFAULT);
}

static bool read_poll_returns(struct poll_read *r)
{
    for (uint64_t start = e2e_now_ms(); e2e_now_ms() - start < E2E_LIVENESS_MS;) {
        if (__atomic_load_n(&r->finished, __ATOMIC_SEQ_CST))
            return true;
        usleep(10000);
    }
    return false;
}

/*
 * @text in the poll buffer, @first's READ_POLL stalled in @st's page fault,
 * then @second's started: whether @second returned meanwhile.
 */
static bool second_reader_returns(const char *text, struct stall *st, pthread_t t[2],
                                  struct poll_read *first, struct poll_read *second)
{
    uint32_t len = (uint32_t)strlen(text);

    assert_int_equal(hsx_uart_write(TX, text, len), (int)len);
    wait_rx_available(RX, len);
    first->buf = st->page;
    start_read_poll(&t[0], first, st);
    start_read_poll(&t[1], second, NULL);
    return read_poll_returns(second);
}

/*
 * A reader stalled in its buffer's page fault (userfaultfd; a FUSE mapping)
 * holds up no other reader of the port (before: READ_POLL held the port's
 * read lock across its copy out, and every other READ_POLL waited for it).
 * Each gets its own run of the bytes, in order; the stalled one's arrive
 * once its fault is served.
 */
static void a_stalled_reader_holds_up_no_other_reader(void **state)
{
    struct stall st;
    uint8_t other[16];
    pthread_t t[2];
    (void)state;

    if (!stall_setup(&st)) {
        printf("# no userfaultfd: %s\n", strerror(errno));
        skip();
    }
    drain_rx(RX);
    struct poll_read first = {.len = 7};
    struct poll_read second = {.buf = other, .len = sizeof(other)};
    bool not_held = second_reader_returns("stalled+rest", &st, t, &first, &second);

    /* Serve the fault: the stalled copy goes on. */
    static uint8_t zeros[65536];
    struct uffdio_copy copy = {.dst = (uintptr_t)st.page, .src = (uintptr_t)zeros, .len = st.size};
    assert_int_equal(ioctl(st.uffd, UFFDIO_COPY, &copy), 0);
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    assert_true(not_held);
    assert_int_equal(second.result, 0);
    assert_int_equal(second.done, 5);
    assert_memory_equal(other, "+rest", 5);
    assert_int_equal(first.result, 0);
    assert_int_equal(first.done, 7);
    assert_memory_equal(st.page, "stalled", 7);
    close(st.uffd);
    munmap(st.page, st.size);
}

/*
 * A READ_POLL whose buffer faults (EFAULT) loses no byte: the bytes go back,
 * in order, for the next read. When another reader took later bytes
 * meanwhile, they cannot go back in order: they are counted as dropped
 * (rx_dropped, OVERRUN), never lost silently.
 */
static void a_faulting_read_poll_loses_no_byte(void **state)
{
    hsx_uart_status_t before, after;
    uint8_t buf[16];
    pthread_t t[2];
    struct stall st;
    (void)state;

    drain_rx(RX);
    assert_int_equal(hsx_uart_write(TX, "kept", 4), 4);
    wait_rx_available(RX, 4);
    uint8_t *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(none != MAP_FAILED);
    struct poll_read bad = {.buf = none, .len = 4};
    read_poll_thread(&bad);
    assert_int_equal(bad.result, -EFAULT);
    munmap(none, 4096);
    assert_int_equal(hsx_uart_read_poll(RX, buf, sizeof(buf)), 4);
    assert_memory_equal(buf, "kept", 4);

    /* Taken past by another reader while the first faults: counted. */
    if (!stall_setup(&st)) {
        printf("# no userfaultfd: %s\n", strerror(errno));
        skip();
    }
    assert_int_equal(hsx_uart_get_status_ex(RX, &before), HSX_HAL_OK);
    struct poll_read first = {.len = 5};
    struct poll_read second = {.buf = buf, .len = sizeof(buf)};
    bool not_held = second_reader_returns("first+second", &st, t, &first, &second);
    /* The page goes: the stalled copy fails once woken (the userfaultfd closed). */
    munmap(st.page, st.size);
    close(st.uffd);
    pthread_join(t[0], NULL);
    pthread_join(t[1], NULL);
    assert_true(not_held);
    assert_int_equal(second.done, 7);
    assert_memory_equal(buf, "+second", 7);
    assert_int_equal(first.result, -EFAULT);
    assert_int_equal(hsx_uart_get_status_ex(RX, &after), HSX_HAL_OK);
    assert_true(after.rx_dropped - before.rx_dropped == 5);
    assert_true(after.status & HSX_UART_STATUS_OVERRUN);
    assert_int_equal(after.rx_available, 0);
}

/*
 * An application with only a callback: the port unbound and bound again,
 * the callback is told of the gap and receives what is sent after, with no
 * call of the application's. Removed while the port is unbound, it is not
 * subscribed again.
 */
static void a_callback_outlives_unbinding(void **state)
{
    static struct rx_trace t = RX_TRACE_INIT;
    const hsx_uart_settings_t s8n1 = {.baud = 115200, .data_bits = 8, .stop_bits = 1};
    char got[sizeof(t.text)];
    (void)state;

    drain_rx(RX);
    assert_int_equal(hsx_uart_set_rx_callback(RX, rx_trace_callback, &t), HSX_HAL_OK);
    assert_int_equal(hsx_uart_write(TX, "before", 6), 6);
    assert_true(rx_trace_wait(&t, "before", E2E_LIVENESS_MS));

    assert_int_equal(map_port(RX, ""), 0);
    assert_true(rx_trace_wait(&t, "<U>", E2E_LIVENESS_MS));
    usleep(300000); /* the library tries meanwhile, backing off */
    assert_int_equal(map_port(RX, TTY_RX), 0);
    /* Configuring touches no subscription: the library subscribes by itself. */
    assert_int_equal(hsx_uart_configure(RX, &s8n1, NULL), HSX_HAL_OK);
    if (!rx_trace_wait(&t, "<R>", E2E_LIVENESS_MS)) {
        rx_trace_get(&t, got, sizeof(got));
        fail_msg("not subscribed again after the port was bound again: \"%s\"", got);
    }
    assert_int_equal(hsx_uart_write(TX, "after", 5), 5);
    assert_true(rx_trace_wait(&t, "after", E2E_LIVENESS_MS));
    rx_trace_get(&t, got, sizeof(got));
    assert_string_equal(got, "before<U><R>after");
    assert_int_equal(t.bad, 0);

    /* Removed while unbound: nothing subscribes it again, nothing calls it. */
    assert_int_equal(map_port(RX, ""), 0);
    assert_true(rx_trace_wait(&t, "<U>", E2E_LIVENESS_MS));
    assert_int_equal(hsx_uart_set_rx_callback(RX, NULL, NULL), HSX_HAL_OK);
    assert_int_equal(map_port(RX, TTY_RX), 0);
    assert_int_equal(hsx_uart_configure(RX, &s8n1, NULL), HSX_HAL_OK);
    usleep(2500000); /* more than the longest interval between tries, twice */
    assert_int_equal(hsx_uart_write(TX, "gone", 4), 4);
    usleep(300000);
    rx_trace_get(&t, got, sizeof(got));
    assert_string_equal(got, "before<U><R>after<U>");
    /* A reader subscribes as before. */
    uint8_t buf[4];
    assert_int_equal(hsx_uart_init(RX), HSX_HAL_OK);
    drain_rx(RX);
    assert_int_equal(hsx_uart_write(TX, "read", 4), 4);
    read_exactly(RX, buf, 4);
    assert_memory_equal(buf, "read", 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_mebibyte_arrives_exactly),
        cmocka_unit_test(a_reader_that_stops_loses_only_what_is_counted),
        cmocka_unit_test(unbinding_ends_users_and_gives_the_tty_back),
        cmocka_unit_test(kill_9_mid_read_and_mid_write),
        cmocka_unit_test(a_host_peer_answers),
        cmocka_unit_test(usb_adapter_unplugged),
        cmocka_unit_test(a_hangup_keeps_module_references),
        cmocka_unit_test(unbinding_a_stalled_port_does_not_wait),
        cmocka_unit_test(a_stalled_user_buffer_does_not_hold_up_unbinding),
        cmocka_unit_test(a_stalled_reader_holds_up_no_other_reader),
        cmocka_unit_test(a_faulting_read_poll_loses_no_byte),
        cmocka_unit_test(a_callback_outlives_unbinding),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
