// SPDX-License-Identifier: MIT
/*
 * hsxctl uart map | unmap | config | write | read | monitor | status.
 *
 * A port is bound by the administrator to a tty of the machine; while bound,
 * its configuration and its receive buffer are the port's, shared by every
 * process, and outlive each command. read takes bytes from that buffer (so
 * it gets what arrived before it ran); monitor subscribes to the port's
 * mailbox and sees every byte from then on, taking nothing from anyone.
 * map --rs485 sets the tty's RS-485 mode first (uart_rs485.c).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hsx_mailbox.h"
#include "hsx_uapi.h"
#include "hsx_uart.h"
#include "hsxctl.h"
#include "output.h"
#include "uart_print.h"
#include "uart_rs485.h"

/* Bytes read or written at a time. */
#define CHUNK 4096

static const struct hsxctl_kind uart_kind = {
    .noun = "port", .group = "uart", .list = "status", .target = "tty", .a = "a"};

/* A failed library call on port, in the port's terms where they are known. Returns 1. */
static int uart_fail(int code, unsigned int port, const char *what)
{
    return hsxctl_fail_instance(&uart_kind, code, port, what);
}

/* The port's binding and configuration; says why not and returns 1 if it is not bound. */
static int bound_info(unsigned int port, hsx_uart_info_t *info)
{
    int ret = hsx_uart_get_info((uint8_t)port, info);

    if (ret != HSX_HAL_OK)
        return uart_fail(ret, port, "describe");
    if (!info->bound)
        return hsxctl_not_bound(&uart_kind, port);
    return HSXCTL_EXIT_OK;
}

/* ---- map, unmap --------------------------------------------------------------------- */

/*
 * --rs485: the tty's RS-485 mode, set before binding, on a port that is free
 * (so that a map bound to fail changes no tty). The settings it had go to
 * *old, for a map that fails after all.
 */
static int map_rs485(const struct hsxctl_cmdline *cmd, struct hsxctl_rs485_saved *old)
{
    struct serial_rs485 got;
    hsx_uart_info_t info;

    int ret = hsx_uart_get_info(cmd->port, &info);
    if (ret != HSX_HAL_OK)
        return uart_fail(ret, cmd->port, "describe");
    if (info.bound) {
        hsxctl_error("port %u is bound to %s: unbind it first ('hsxctl uart unmap %u')", cmd->port,
                     info.tty, cmd->port);
        return HSXCTL_EXIT_FAILURE;
    }
    ret = hsxctl_rs485_set(cmd->tty, &cmd->rs485, old, &got);
    if (ret == HSXCTL_EXIT_OK)
        hsxctl_print_rs485(stdout, cmd->tty, &got);
    return ret;
}

/* Why hsx.ko refused to bind (ret: its -errno). */
static void map_failed(const struct hsxctl_cmdline *cmd, const char *tty, int ret)
{
    hsx_uart_info_t info;

    if (ret == -EBUSY && hsx_uart_get_info(cmd->port, &info) == HSX_HAL_OK && info.bound)
        hsxctl_error("port %u is bound to %s: unbind it first ('hsxctl uart unmap %u')", cmd->port,
                     info.tty, cmd->port);
    else if (ret == -EBUSY)
        hsxctl_error("%s is in use: a process has it open, or another port is bound to it", tty);
    else if (ret == -ENODEV)
        hsxctl_error("there is no tty named %s", tty);
    else
        hsxctl_error("hsx.ko refused the tty name %s: %s", tty, strerror(-ret));
}

int cmd_uart_map(const struct hsxctl_cmdline *cmd)
{
    struct hsx_uart_map arg = {.port = cmd->port};
    const char *tty = cmd->command == HSXCTL_UART_UNMAP ? "" : cmd->tty;
    const bool rs485 = cmd->command == HSXCTL_UART_MAP && cmd->rs485.enable;
    struct hsxctl_rs485_saved old_rs485;

    if (rs485 && map_rs485(cmd, &old_rs485) != HSXCTL_EXIT_OK)
        return HSXCTL_EXIT_FAILURE;
    /* The parser kept the name shorter than the field. */
    memcpy(arg.tty, tty, strlen(tty));
    int ret = hsxctl_map(&(struct hsxctl_map){.module = "UART",
                                              .noun = "port",
                                              .index = cmd->port,
                                              .name = tty,
                                              .request = HSX_IOC_UART_MAP,
                                              .arg = &arg});
    if (ret < 0) {
        map_failed(cmd, tty, ret);
        ret = HSXCTL_EXIT_FAILURE;
    }
    /* Said after why the bind failed; a tty left in RS-485 mode fails the command too. */
    if (rs485 && ret != HSXCTL_EXIT_OK && hsxctl_rs485_restore(tty, &old_rs485) != HSXCTL_EXIT_OK)
        ret = HSXCTL_EXIT_FAILURE;
    return ret;
}

/* ---- config ------------------------------------------------------------------------- */

int cmd_uart_config(const struct hsxctl_cmdline *cmd)
{
    hsx_uart_info_t info;
    int ret = bound_info(cmd->port, &info);

    if (ret != HSXCTL_EXIT_OK)
        return ret;
    if (cmd->uart_options) {
        /* What was not given stays as it is. */
        hsx_uart_settings_t s = info.settings;
        const hsx_uart_settings_t *given = &cmd->uart;
        if (cmd->uart_options & HSXCTL_TAKES_BAUD)
            s.baud = given->baud;
        if (cmd->uart_options & HSXCTL_TAKES_DATA)
            s.data_bits = given->data_bits;
        if (cmd->uart_options & HSXCTL_TAKES_PARITY)
            s.parity = given->parity;
        if (cmd->uart_options & HSXCTL_TAKES_STOP)
            s.stop_bits = given->stop_bits;
        if (cmd->uart_options & HSXCTL_TAKES_FLOW)
            s.flow = given->flow;
        memset(s.reserved, 0, sizeof(s.reserved));
        ret = hsx_uart_configure(cmd->port, &s, &info.baud_actual);
        if (ret == HSX_HAL_INVALID_PARAM && hsx_hal_errno() == EINVAL) {
            hsxctl_error("port %u cannot be set to %u baud %u%c%u: its driver does not come "
                         "within 3%% of that rate or cannot send that frame (nothing changed)",
                         cmd->port, s.baud, s.data_bits ? s.data_bits : 8u,
                         "NEOMS"[s.parity < 5 ? s.parity : 0], s.stop_bits);
            return HSXCTL_EXIT_FAILURE;
        }
        if (ret != HSX_HAL_OK)
            return uart_fail(ret, cmd->port, "configure");
        info.settings = s;
    }
    print_uart_config(stdout, &info, cmd->json);
    return HSXCTL_EXIT_OK;
}

/* ---- write -------------------------------------------------------------------------- */

/* Send len bytes; says why not and returns 1 if not all went. */
static int send_bytes(unsigned int port, const void *data, size_t len)
{
    int n = hsx_uart_write((uint8_t)port, data, (uint32_t)len);

    if (n < 0)
        return uart_fail(n, port, "write to");
    if ((size_t)n < len) {
        hsxctl_error("only %d of %zu bytes went to port %u in the time they take at its rate "
                     "and a second more (is flow control holding them?)",
                     n, len, port);
        return HSXCTL_EXIT_FAILURE;
    }
    return HSXCTL_EXIT_OK;
}

static int send_file(unsigned int port, const char *path)
{
    const bool stdin_ = strcmp(path, "-") == 0;
    FILE *file = stdin_ ? stdin : fopen(path, "rb");
    unsigned char buf[CHUNK];
    int ret = HSXCTL_EXIT_OK;
    size_t n;

    if (!file) {
        hsxctl_error("cannot open %s: %s", path, strerror(errno));
        return HSXCTL_EXIT_FAILURE;
    }
    while (ret == HSXCTL_EXIT_OK && (n = fread(buf, 1, sizeof(buf), file)) > 0)
        ret = send_bytes(port, buf, n);
    if (ret == HSXCTL_EXIT_OK && ferror(file)) {
        hsxctl_error("cannot read %s: %s", stdin_ ? "standard input" : path, strerror(errno));
        ret = HSXCTL_EXIT_FAILURE;
    }
    if (!stdin_)
        fclose(file);
    return ret;
}

int cmd_uart_write(const struct hsxctl_cmdline *cmd)
{
    int ret;

    if (cmd->file) {
        ret = send_file(cmd->port, cmd->file);
    } else if (cmd->hex) {
        unsigned char bytes[CHUNK];
        long len = hsxctl_parse_hex(cmd->data, NULL, 0);
        unsigned char *buf = (size_t)len <= sizeof(bytes) ? bytes : malloc((size_t)len);
        if (!buf) {
            hsxctl_error("out of memory");
            return HSXCTL_EXIT_FAILURE;
        }
        hsxctl_parse_hex(cmd->data, buf, (size_t)len);
        ret = send_bytes(cmd->port, buf, (size_t)len);
        if (buf != bytes)
            free(buf);
    } else {
        ret = send_bytes(cmd->port, cmd->data, strlen(cmd->data));
    }
    if (ret != HSXCTL_EXIT_OK)
        return ret;
    /* Return once the bytes are on the line, so that whatever comes next sees them sent. */
    int drained = hsx_uart_drain(cmd->port, 0);
    if (drained != HSX_HAL_OK)
        return uart_fail(drained, cmd->port, "wait for the bytes to leave");
    return HSXCTL_EXIT_OK;
}

/* ---- read --------------------------------------------------------------------------- */

static void emit(const uint8_t *buf, size_t len, bool hex)
{
    if (hex) {
        for (size_t i = 0; i < len; i++)
            printf("%02x", buf[i]);
    } else {
        fwrite(buf, 1, len, stdout);
    }
    fflush(stdout);
}

/*
 * The bytes come from the receive buffer only (hsx_uart_read_poll()); the
 * port's mailbox, subscribed to before the buffer is found empty, only wakes
 * the wait (hsx_uart_read_ex()), so no byte is returned twice and none that
 * arrives during the wait is slept through.
 */
int cmd_uart_read(const struct hsxctl_cmdline *cmd)
{
    uint8_t buf[CHUNK], scratch[256];
    const uint64_t start = hsxctl_now_ms();
    uint64_t got = 0;
    bool subscribed = false;
    int ret = HSXCTL_EXIT_OK;

    for (;;) {
        uint32_t room = sizeof(buf);
        if (cmd->count && cmd->count - got < room)
            room = (uint32_t)(cmd->count - got);
        int n = hsx_uart_read_poll(cmd->port, buf, room);
        if (n < 0) {
            ret = uart_fail(n, cmd->port, "read");
            break;
        }
        emit(buf, (size_t)n, cmd->hex);
        got += (uint64_t)n;
        if (cmd->count ? got >= cmd->count : got > 0 && (uint32_t)n < room)
            break;
        if ((uint32_t)n == room)
            continue; /* there may be more */

        /* The buffer is empty. */
        uint32_t wait_ms = HSX_HAL_TIMEOUT_INF;
        if (cmd->timeout_ms) {
            uint64_t waited = hsxctl_now_ms() - start;
            if (waited >= cmd->timeout_ms) {
                if (got)
                    hsxctl_error("%llu of %llu bytes came on port %u within %u ms",
                                 (unsigned long long)got, (unsigned long long)cmd->count, cmd->port,
                                 cmd->timeout_ms);
                else
                    hsxctl_error("no bytes came on port %u within %u ms", cmd->port,
                                 cmd->timeout_ms);
                ret = HSXCTL_EXIT_FAILURE;
                break;
            }
            wait_ms = (uint32_t)(cmd->timeout_ms - waited);
        }
        /* The first time, only subscribe, then look at the buffer again. */
        int woke =
            hsx_uart_read_ex(cmd->port, scratch, sizeof(scratch), subscribed ? wait_ms : 0, NULL);
        subscribed = true;
        if (woke < 0 && woke != HSX_HAL_TIMEOUT) {
            ret = uart_fail(woke, cmd->port, "wait for bytes on");
            break;
        }
    }
    if (cmd->hex && got)
        putchar('\n');
    return ret;
}

/* ---- monitor ------------------------------------------------------------------------ */

struct monitor {
    const struct hsxctl_cmdline *cmd;
    hsx_mailbox_t *mailbox;
    uint64_t received;
    bool offset_known;
    uint64_t next_offset; /* the offset the next event should have */
};

enum drain_result {
    DRAINED,  /* nothing more queued */
    FINISHED, /* the requested number of events arrived */
    FAILED,   /* the port is gone, or an error; reported */
};

static enum drain_result drain(struct monitor *m)
{
    const struct hsxctl_cmdline *cmd = m->cmd;
    hsx_mailbox_event_t ev;

    for (;;) {
        int ret = hsx_mailbox_recv(m->mailbox, &ev, 0);

        if (ret == HSX_HAL_TIMEOUT)
            return DRAINED;
        if (ret == HSX_HAL_CLOSED || (ret == HSX_HAL_OK && ev.type == HSX_MAILBOX_EVENT_CLOSED)) {
            hsxctl_error("port %u was unbound (its mailbox closed)", cmd->port);
            return FAILED;
        }
        if (ret != HSX_HAL_OK) {
            uart_fail(ret, cmd->port, "receive from");
            return FAILED;
        }
        if (ev.module != HSX_MAILBOX_MODULE_UART)
            continue;
        /* The bytes of the data events dropped before this one, counted exactly. */
        uint64_t lost = 0;
        if (ev.u.uart.kind == HSX_UART_EVENT_DATA) {
            if (m->offset_known && ev.u.uart.offset > m->next_offset)
                lost = ev.u.uart.offset - m->next_offset;
            m->offset_known = true;
            m->next_offset = ev.u.uart.offset + ev.u.uart.length;
        }
        print_uart_event(stdout, &ev, lost, cmd->hex, cmd->json);
        fflush(stdout);
        if (cmd->count && ++m->received >= cmd->count)
            return FINISHED;
    }
}

static int monitor_loop(struct monitor *m, int signal_fd)
{
    const struct hsxctl_cmdline *cmd = m->cmd;
    struct pollfd fds[2] = {
        {.fd = hsx_mailbox_fd(m->mailbox), .events = POLLIN},
        {.fd = signal_fd, .events = POLLIN},
    };
    uint64_t last_event = hsxctl_now_ms();

    for (;;) {
        uint64_t before = m->received;

        /* Drain first: events that came with the subscription do not make the fd readable. */
        enum drain_result result = drain(m);
        if (result != DRAINED)
            return result == FINISHED ? HSXCTL_EXIT_OK : HSXCTL_EXIT_FAILURE;
        if (m->received != before)
            last_event = hsxctl_now_ms();

        int ready = hsxctl_poll_since(fds, 2, cmd->timeout_ms, last_event);
        if (ready < 0)
            return HSXCTL_EXIT_FAILURE;
        if (fds[1].revents)
            return HSXCTL_EXIT_OK; /* SIGINT or SIGTERM */
        if (ready == 0) {
            hsxctl_error("nothing came on port %u within %u ms", cmd->port, cmd->timeout_ms);
            return HSXCTL_EXIT_FAILURE;
        }
    }
}

int cmd_uart_monitor(const struct hsxctl_cmdline *cmd)
{
    char name[HSX_MBOX_NAME_MAX];
    struct monitor m = {.cmd = cmd};
    hsx_uart_info_t info;

    int ret = bound_info(cmd->port, &info);
    if (ret != HSXCTL_EXIT_OK)
        return ret;
    int signal_fd = hsxctl_stop_signal_fd();
    if (signal_fd < 0)
        return HSXCTL_EXIT_FAILURE;
    snprintf(name, sizeof(name), HSX_MBOX_UART_FMT, cmd->port);
    ret = hsx_mailbox_open(name, &m.mailbox);
    if (ret != HSX_HAL_OK) {
        close(signal_fd);
        return hsxctl_fail_hal(ret, "cannot subscribe to %s", name);
    }
    ret = monitor_loop(&m, signal_fd);
    hsx_mailbox_close(m.mailbox);
    close(signal_fd);
    return ret;
}

/* ---- status ------------------------------------------------------------------------- */

struct port_statuses {
    const struct hsxctl_cmdline *cmd;
    hsx_uart_info_t info[HSX_UART_MAX_PORTS];
    hsx_uart_status_t status[HSX_UART_MAX_PORTS];
    bool bound[HSX_UART_MAX_PORTS];
};

static void print_port(FILE *out, unsigned int port, void *ctx)
{
    const struct port_statuses *p = ctx;

    print_uart_status(out, &p->info[port], p->bound[port] ? &p->status[port] : NULL, p->cmd->json);
}

/* Ask everything first, so that a failure prints nothing but the error. */
int cmd_uart_status(const struct hsxctl_cmdline *cmd)
{
    static struct port_statuses p;
    unsigned int first = cmd->have_port ? cmd->port : 0;
    unsigned int end = cmd->have_port ? cmd->port + 1u : HSX_UART_MAX_PORTS;

    memset(&p, 0, sizeof(p));
    p.cmd = cmd;
    for (unsigned int port = first; port < end; port++) {
        int ret = hsx_uart_get_info((uint8_t)port, &p.info[port]);
        if (ret != HSX_HAL_OK)
            return uart_fail(ret, port, "describe");
        if (!p.info[port].bound)
            continue;
        ret = hsx_uart_get_status_ex((uint8_t)port, &p.status[port]);
        /* Unbound in between: shown as not bound. */
        if (ret == HSX_HAL_NO_DEVICE)
            continue;
        if (ret != HSX_HAL_OK)
            return uart_fail(ret, port, "read the status of");
        p.bound[port] = true;
    }
    hsxctl_print_instances(stdout, HSX_UART_MAX_PORTS, p.bound, cmd->have_port ? cmd->port : -1,
                           cmd->json, "no ports are bound", print_port, &p);
    return HSXCTL_EXIT_OK;
}
