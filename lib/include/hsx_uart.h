/* SPDX-License-Identifier: MIT */
#ifndef HSX_UART_H
#define HSX_UART_H

#include "hsx_hal_types.h"

/* UART port identifiers */
#define HSX_UART_0  0
#define HSX_UART_1  1
#define HSX_UART_2  2

/* UART configuration */
typedef enum {
    HSX_UART_BAUD_9600   = 9600,
    HSX_UART_BAUD_19200  = 19200,
    HSX_UART_BAUD_38400  = 38400,
    HSX_UART_BAUD_57600  = 57600,
    HSX_UART_BAUD_115200 = 115200,
} hsx_uart_baud_t;

typedef enum {
    HSX_UART_PARITY_NONE = 0,
    HSX_UART_PARITY_EVEN = 1,
    HSX_UART_PARITY_ODD  = 2,
} hsx_uart_parity_t;

typedef enum {
    HSX_UART_STOP_1 = 1,
    HSX_UART_STOP_2 = 2,
} hsx_uart_stop_bits_t;

typedef struct {
    hsx_uart_baud_t baud;
    hsx_uart_parity_t parity;
    hsx_uart_stop_bits_t stop_bits;
} hsx_uart_config_t;

/* UART status flags */
#define HSX_UART_STATUS_TX_READY  0x01
#define HSX_UART_STATUS_RX_READY  0x02
#define HSX_UART_STATUS_OVERRUN   0x04
#define HSX_UART_STATUS_PARITY_ERR 0x08

/* UART RX event data */
typedef struct {
    uint8_t port;
    uint8_t data[32];
    uint8_t length;
    uint8_t flags;
} hsx_uart_rx_event_t;

/**
 * Initialize UART port with default configuration.
 * 
 * @param port UART port number (HSX_UART_0, HSX_UART_1, etc.)
 * @return HSX_HAL_OK on success, error code otherwise
 */
int hsx_uart_init(uint8_t port);

/**
 * Configure UART port parameters.
 * 
 * @param port UART port number
 * @param config Pointer to configuration structure
 * @return HSX_HAL_OK on success, error code otherwise
 */
int hsx_uart_config(uint8_t port, const hsx_uart_config_t* config);

/**
 * Write data to UART (synchronous, uses syscall).
 * Blocks until all data is written or timeout occurs.
 * 
 * @param port UART port number
 * @param data Pointer to data buffer
 * @param length Number of bytes to write
 * @return Number of bytes written, or negative error code
 */
int hsx_uart_write(uint8_t port, const void* data, uint32_t length);

/**
 * Read data from UART (non-blocking poll, uses syscall).
 * Returns immediately with available data.
 * 
 * @param port UART port number
 * @param buffer Pointer to receive buffer
 * @param max_length Maximum bytes to read
 * @return Number of bytes read, or negative error code
 */
int hsx_uart_read_poll(uint8_t port, void* buffer, uint32_t max_length);

/**
 * Read data from UART (blocking, uses mailbox).
 * Blocks until data arrives or timeout occurs.
 * 
 * @param port UART port number
 * @param buffer Pointer to receive buffer
 * @param max_length Maximum bytes to read
 * @param timeout_ms Timeout in milliseconds (HSX_HAL_TIMEOUT_INF for infinite)
 * @return Number of bytes read, or negative error code
 */
int hsx_uart_read(uint8_t port, void* buffer, uint32_t max_length, uint32_t timeout_ms);

/**
 * Register callback for UART RX events (mailbox-based).
 * Callback is invoked when data arrives on the specified port.
 * 
 * @param port UART port number
 * @param callback Callback function
 * @param user_data User data passed to callback
 * @return HSX_HAL_OK on success, error code otherwise
 */
int hsx_uart_set_rx_callback(uint8_t port, hsx_hal_event_callback_t callback, void* user_data);

/**
 * Get UART status flags.
 * 
 * @param port UART port number
 * @return Status flags (HSX_UART_STATUS_*)
 */
uint32_t hsx_uart_get_status(uint8_t port);

/**
 * printf-style formatted output to UART.
 * 
 * @param port UART port number
 * @param format Format string (printf-style)
 * @param ... Variable arguments
 * @return Number of characters written, or negative error code
 */
int hsx_uart_printf(uint8_t port, const char* format, ...);

/* ---- Additions (not in the spec) ---------------------------------------- */

#include <stddef.h>

/*
 * Ports are 0..HSX_UART_MAX_PORTS-1, each bound by the administrator to a
 * serial port of the machine (see /sys/hal/uart/<n>/tty). hsx_uart_init()
 * subscribes this process to the port's received bytes (hsx_uart_read()
 * returns what arrived from then on), then configures 115200 8N1 if this
 * process may configure the port: one that may not (a reader, without the
 * config right) gets HSX_HAL_OK and the port keeps its settings. It returns
 * the subscription's error (the settings are then left alone), or an error
 * of the configuration other than HSX_HAL_DENIED. A port may be used by
 * several processes at once; each receives every byte.
 *
 * A break or an overrun with no byte after it arrives on its own: a read
 * returns the bytes before it (with its flag in hsx_uart_read_info_t.flags),
 * and one that has no bytes yet returns 0 for it. So hsx_uart_read() may
 * return 0 when only such a line condition arrived; hsx_uart_read_ex() says
 * which (HSX_UART_RX_BREAK, HSX_UART_RX_OVERRUN).
 */
#define HSX_UART_MAX_PORTS 16

/* More parities: the line's parity bit is always 1 (mark) or 0 (space). */
#define HSX_UART_PARITY_MARK  3
#define HSX_UART_PARITY_SPACE 4

/* More status bits (hsx_uart_get_status()). The error bits are sticky until read. */
#define HSX_UART_STATUS_FRAMING_ERR 0x10
#define HSX_UART_STATUS_BREAK       0x20
#define HSX_UART_STATUS_TX_EMPTY    0x40 /* every byte written has left the buffer */

/*
 * Flags of a received event (hsx_uart_rx_event_t.flags, hsx_uart_read_info_t.flags):
 * these four only. A flag a later hsx.ko may set that this library does not
 * know is dropped (an event of no byte and no known flag is not delivered).
 */
#define HSX_UART_RX_OVERRUN 0x01 /* the hardware lost bytes after the last one */
#define HSX_UART_RX_PARITY  0x02 /* the last byte had a parity error */
#define HSX_UART_RX_FRAMING 0x04 /* the last byte had a framing error */
#define HSX_UART_RX_BREAK   0x08 /* a break came after the last byte */

/*
 * The life of a callback's subscription (hsx_uart_set_rx_callback()): events
 * with length 0 and one of these flags, made by the library, never by the
 * line. A callback stays set while its port is unbound (hsxctl uart unmap, a
 * USB adapter unplugged):
 *
 *   HSX_UART_RX_UNBOUND  the port went away. Nothing is received until the
 *                        port is bound again; the library then subscribes
 *                        again by itself, trying after 20 ms, then doubling
 *                        the interval up to 1 s, for as long as it takes.
 *   HSX_UART_RX_REBOUND  subscribed to the port's new binding: its bytes
 *                        follow. The new binding counts its bytes from 0;
 *                        those it received before this event (within the
 *                        last interval, at most 1 s) are not delivered, and
 *                        hsx_uart_get_status_ex() rx_bytes counts them.
 *   HSX_UART_RX_ENDED    the subscription ended for good: the capability it
 *                        was made under was revoked or expired, or a
 *                        subscription to the new binding was denied, or the
 *                        port came back while this process held another
 *                        capability than that one (it was revoked or expired
 *                        during the gap, and another acquired since). No
 *                        event follows and the callback is no longer set;
 *                        the library does not ask hsxd for the capability
 *                        again on the callback's behalf. Setting a callback
 *                        again (an explicit call) subscribes afresh.
 *
 * A callback removed (NULL) while its port is unbound is not subscribed
 * again. Removing or replacing a callback, whenever it is done, returns
 * once the callback is not running, and it never runs after that, nor gets
 * a notice made for it: the callback that replaced it gets the port's
 * events only. hsx_uart_read() and hsx_uart_wait_event() report an
 * unbinding as HSX_HAL_CLOSED instead, once, and their next call
 * subscribes again.
 *
 * So an event of length 0 carries either a condition of the line (a break
 * or an overrun with no byte: HSX_UART_RX_BREAK, HSX_UART_RX_OVERRUN, with
 * no other flag of the three below) or a notice (exactly one of the three
 * below, and no line flag): test flags & (HSX_UART_RX_UNBOUND |
 * HSX_UART_RX_REBOUND | HSX_UART_RX_ENDED) first. The bits of the notices
 * are the library's (hsx_uapi.h HSX_UART_RX_F_LIBRARY): the line never sets
 * them. CAN callbacks get the same notices as event kinds of their own
 * (hsx_can.h HSX_CAN_EVENT_UNBOUND...), but for the spec's
 * hsx_can_set_rx_callback(), whose frames cannot carry one.
 */
#define HSX_UART_RX_UNBOUND 0x10
#define HSX_UART_RX_REBOUND 0x20
#define HSX_UART_RX_ENDED   0x40

/* Flow control. */
typedef enum {
    HSX_UART_FLOW_NONE = 0,
    HSX_UART_FLOW_RTSCTS = 1,
    HSX_UART_FLOW_XONXOFF = 2,
} hsx_uart_flow_t;

/** Everything a port can be configured with. */
typedef struct {
    uint32_t baud;      /* any rate from 1 to 16000000 the driver can reach within 3% */
    uint8_t data_bits;  /* 5..8; 0 means 8 */
    uint8_t parity;     /* HSX_UART_PARITY_* */
    uint8_t stop_bits;  /* 1 or 2 */
    uint8_t flow;       /* hsx_uart_flow_t */
    uint32_t reserved[2]; /* zero */
} hsx_uart_settings_t;

#define HSX_UART_SETTINGS_SIZE 16
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
_Static_assert(sizeof(hsx_uart_settings_t) == HSX_UART_SETTINGS_SIZE,
               "hsx_uart_settings_t has the size it promises");
#endif

/**
 * Configure a port with the full set of line settings.
 *
 * @param baud_actual If not NULL, receives the rate the driver achieved
 * @return HSX_HAL_OK, HSX_HAL_INVALID_PARAM (a value out of range, or a rate
 *         or frame the driver cannot do: the port keeps its settings)
 */
int hsx_uart_configure(uint8_t port, const hsx_uart_settings_t *settings, uint32_t *baud_actual);

/**
 * Write with an explicit timeout (HSX_HAL_TIMEOUT_INF: none). A signal does
 * not end the write: it goes on while bytes keep going and time is left.
 * hsx_uart_write() (timeout 0) waits each time as long as the rest of the
 * bytes take at the port's rate, and a second more, and goes on while each
 * such wait lets some go.
 *
 * @return Bytes written (fewer than length when the timeout passed, or a
 *         wait let none go), or a negative error code when none were
 */
int hsx_uart_write_timeout(uint8_t port, const void *data, uint32_t length, uint32_t timeout_ms);

/** What one hsx_uart_read_ex() learnt besides the bytes. */
typedef struct {
    uint8_t flags;       /* HSX_UART_RX_* of the events the bytes came from, or'ed */
    uint64_t lost_bytes; /* bytes this process missed before these (it read too slowly) */
    uint64_t rx_offset;  /* the port's count of received bytes before the first byte */
} hsx_uart_read_info_t;

/**
 * hsx_uart_read() that also reports line errors and lost bytes. Like it,
 * returns as soon as any bytes are there, with all that are queued (up to
 * max_length), up to a break or an overrun with no byte: 0 when that came
 * first, with its flag in info->flags. Concurrent readers of one port in
 * this process take turns: each call returns a run of consecutive bytes, and
 * no byte is returned twice.
 */
int hsx_uart_read_ex(uint8_t port, void *buffer, uint32_t max_length, uint32_t timeout_ms,
                     hsx_uart_read_info_t *info);

/** The whole status of a port. */
typedef struct {
    uint32_t status;       /* HSX_UART_STATUS_* (reading clears the sticky error bits) */
    uint32_t rx_available; /* bytes hsx_uart_read_poll() would return now */
    uint32_t tx_pending;   /* bytes written but not sent yet */
    uint32_t lines;        /* HSX_UART_LINE_* */
    uint32_t baud;         /* the rate in force */
    uint64_t rx_bytes, tx_bytes;
    uint64_t overruns, parity_errors, framing_errors, breaks;
    uint64_t rx_dropped;   /* bytes the port's poll buffer had no room for */
} hsx_uart_status_t;

int hsx_uart_get_status_ex(uint8_t port, hsx_uart_status_t *status);

/* Modem lines. */
#define HSX_UART_LINE_RTS 0x01
#define HSX_UART_LINE_DTR 0x02
#define HSX_UART_LINE_CTS 0x04
#define HSX_UART_LINE_DSR 0x08
#define HSX_UART_LINE_DCD 0x10
#define HSX_UART_LINE_RI  0x20
#define HSX_UART_LINE_LOOP 0x40 /* set/clear only: the UART's local loopback, for diagnostics */

/**
 * Raise the lines in set and lower those in clear (RTS, DTR and LOOP only),
 * then read every line.
 *
 * @param lines If not NULL, receives HSX_UART_LINE_* after the change
 * @return HSX_HAL_OK, HSX_HAL_UNSUPPORTED (the port has no modem lines)
 */
int hsx_uart_set_lines(uint8_t port, uint32_t set, uint32_t clear, uint32_t *lines);

/** Send a break of duration_ms (1..10000) milliseconds; returns when it ended. */
int hsx_uart_send_break(uint8_t port, uint32_t duration_ms);

/** Wait until every byte written has been sent (0: as long as they should take). */
int hsx_uart_drain(uint8_t port, uint32_t timeout_ms);

#define HSX_UART_DISCARD_RX 0x1 /* what hsx_uart_read_poll() would return */
#define HSX_UART_DISCARD_TX 0x2 /* what is written but not sent yet */

int hsx_uart_discard(uint8_t port, uint32_t which);

/*
 * Line events. A port posts, to every process subscribed to it, besides the
 * bytes: IDLE once the line was quiet for a gap after bytes arrived (Zephyr's
 * RX inactivity), TX_DONE once every byte written has left the transmitter,
 * MODEM when CTS, DSR, DCD or RI changes. hsx_uart_read() skips them;
 * hsx_uart_wait_event() returns every event, bytes included, so a process
 * reads a port with one or the other.
 */
#define HSX_UART_EVENTS_IDLE    0x1
#define HSX_UART_EVENTS_TX_DONE 0x2
#define HSX_UART_EVENTS_MODEM   0x4

typedef enum {
    HSX_UART_EVENT_DATA = 0,    /* bytes: data, length, flags; offset before data[0] */
    HSX_UART_EVENT_IDLE = 1,    /* offset = bytes received so far */
    HSX_UART_EVENT_TX_DONE = 2, /* offset = bytes written so far */
    HSX_UART_EVENT_MODEM = 3,   /* lines = every modem line now (HSX_UART_LINE_*) */
} hsx_uart_event_kind_t;

typedef struct {
    uint8_t port;
    uint8_t kind;   /* hsx_uart_event_kind_t */
    uint8_t length; /* DATA: bytes in data */
    uint8_t flags;  /* DATA: HSX_UART_RX_* */
    uint32_t lines;
    uint64_t offset;
    uint64_t timestamp_ns; /* CLOCK_MONOTONIC when it was posted */
    uint64_t lost_bytes;   /* DATA: bytes this process missed before these */
    uint8_t data[32];
} hsx_uart_event_t;

/**
 * Choose the line events the port posts (HSX_UART_EVENTS_*; 0: none).
 *
 * @param idle_ms With HSX_UART_EVENTS_IDLE, the quiet gap: 1..10000 ms
 * @return HSX_HAL_OK, HSX_HAL_UNSUPPORTED (MODEM on a port without modem lines)
 */
int hsx_uart_set_events(uint8_t port, uint32_t events, uint32_t idle_ms);

/**
 * The port's next event of any kind: bytes (as hsx_uart_read() would
 * return them, at most one event's worth) or a line event.
 *
 * @return HSX_HAL_OK, HSX_HAL_TIMEOUT, HSX_HAL_CLOSED (the port was unbound),
 *         HSX_HAL_BUSY (a callback is set)
 */
int hsx_uart_wait_event(uint8_t port, hsx_uart_event_t *event, uint32_t timeout_ms);

/** Where a port is bound and how it is set. */
typedef struct {
    uint8_t port;
    bool bound;
    bool from_device_tree;
    char tty[32]; /* "ttyS1"; "" when not bound */
    hsx_uart_settings_t settings;
    uint32_t baud_actual;
} hsx_uart_info_t;

int hsx_uart_get_info(uint8_t port, hsx_uart_info_t *info);

#endif /* HSX_UART_H */
