/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HAL module 0x10 (UART). uart.c is the module: its functions and their
 * capability checks. uart_port.c has the ports: their bindings, what they
 * receive, /sys/hal/uart/<n>. uart_tty.c is the backend: it owns a kernel
 * tty through a line discipline of its own and moves bytes.
 */
#ifndef _HSX_UART_H
#define _HSX_UART_H

#include <linux/atomic.h>
#include <linux/mutex.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/tty.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "hsx_uapi.h"

struct attribute_group;
struct hsx_instance;
struct hsx_mbox;

/* Bits of struct hsx_uart_dev.flags. */
#define HSX_UART_DEAD 0

/**
 * struct hsx_uart_dev - one binding of a port to a tty
 * @port: the HSX port number
 * @inst: the port's instance; its priv is this, freed with it
 * @tty: the tty, held open by hsx (tty_kopen_exclusive) until unbound
 * @name: the tty's name
 * @from_dt: bound from the device tree
 * @mbox: "hal:uart:<port>:rx"
 * @flags: HSX_UART_DEAD: the tty hung up (its device is gone); every
 *	function fails with -ENODEV, and @hangup_work unbinds the port
 * @hangup_work: that work item; it holds a reference to @inst
 * @write_lock: one writer at a time, so writes are never interleaved
 * @config_lock: serializes CONFIG, MODEM and SET_EVENTS (which wait for
 *	it on @wait) and what reads the configuration
 * @wait: writers waiting for room, DRAIN and BREAK waiting, functions
 *	waiting for a port lock; woken by the driver's write_wakeup, by
 *	unlocking, by unbinding and by a capability's end
 * @break_lock: one BREAK at a time
 * @ops_rwsem: held for reading around every call into the tty driver; a
 *	hangup takes it for writing after setting HSX_UART_DEAD, so that no
 *	call reaches the driver after its hangup (usb-serial frees its port
 *	data then)
 * @cap_gen: bumped when a capability ends, to wake waiters at once
 * @rx_lock: guards @rx_buf, @rx_head, @rx_len, @rx_gen, @rx_taken and the
 *	counters
 * @rx_buf: the receive buffer read by READ_POLL
 * @rx_head: index of its oldest byte
 * @rx_len: bytes in it
 * @rx_gen: bumped by a DISCARD of RX
 * @rx_taken: bytes READ_POLL took out of it
 * @status: HSX_UART_ST_* error bits seen since the last GET_STATUS
 * @config: the configuration in force (config.port is @port)
 * @rx_bytes: bytes received, also the rx_offset of the next event
 * @tx_bytes, @overruns, @parity_errors, @framing_errors, @breaks,
 * @rx_dropped: counters for GET_STATUS and sysfs; @overruns also counts
 *	the driver's buffer overruns (see hsx_uart_tty_fold_overruns())
 * @buf_overrun_seen: the driver's buf_overrun count when last folded
 * @buf_overrun_known: @buf_overrun_seen was read from the driver (a failed
 *	read at open leaves it unknown: the first fold only takes it)
 * @fold_lock: one fold at a time, so that a count lower than the last
 *	seen means the driver's went back (reset), never a race of two folds
 * @fw_owner: the firmware node's device that bound the port, or NULL
 * @events: HSX_UART_EVF_* the port posts besides data (under config_lock,
 *	read anywhere with READ_ONCE)
 * @idle_ms: the gap for IDLE
 * @idle_work: posts IDLE; re-armed by every receive
 * @tx_work: waits for the transmitter to empty after a write, posts TX_DONE
 * @modem_work: polls the modem lines while MODEM is on
 * @modem_last: the lines the last poll saw (modem_work's own)
 * @users: open files that used the port (see struct hsx_uart_client)
 */
struct hsx_uart_dev {
	unsigned int port;
	struct hsx_instance *inst;
	struct tty_struct *tty;
	char name[HSX_UART_TTY_NAME_MAX];
	bool from_dt;
	const void *fw_owner;
	struct hsx_mbox *mbox;
	unsigned long flags;
	struct work_struct hangup_work;
	struct mutex write_lock;	/* see above, as the next three */
	struct mutex config_lock;	/* see above */
	wait_queue_head_t wait;
	struct mutex break_lock;	/* see above */
	struct rw_semaphore ops_rwsem;
	unsigned int cap_gen;
	spinlock_t rx_lock;		/* taken in process context only */
	u8 rx_buf[HSX_UART_RX_BUFFER];
	unsigned int rx_head;
	unsigned int rx_len;
	u32 rx_gen;
	u64 rx_taken;
	struct hsx_uart_config config;
	struct ktermios saved_termios;
	u64 rx_bytes;
	atomic64_t tx_bytes;
	u64 overruns;
	u32 buf_overrun_seen;
	bool buf_overrun_known;
	struct mutex fold_lock;	/* see above */
	u64 parity_errors;
	u64 framing_errors;
	u64 breaks;
	u64 rx_dropped;
	u32 events;
	u32 idle_ms;
	struct delayed_work idle_work;
	struct work_struct tx_work;
	struct delayed_work modem_work;
	u32 modem_last;
	atomic_t users;
};

/* What a READ_POLL took out of the buffer, to give it back (uart.c). */
struct hsx_uart_taken {
	u32 gen;
	u64 taken;
};

struct hsx_module;

/* HAL module 0x10: serial ports owned through kernel ttys. */
extern const struct hsx_module hsx_uart_module;

/* The tty backend (uart_tty.c). */
int hsx_uart_tty_init(void);
void hsx_uart_tty_exit(void);
int hsx_uart_tty_open(struct hsx_uart_dev *dev, const char *name);
void hsx_uart_tty_close(struct hsx_uart_dev *dev);
int hsx_uart_tty_configure(struct hsx_uart_dev *dev, struct hsx_uart_config *cfg);
ssize_t hsx_uart_tty_write(struct hsx_uart_dev *dev, const u8 *buf, size_t len);
unsigned int hsx_uart_tty_write_room(struct hsx_uart_dev *dev);
bool hsx_uart_tty_has_room(struct hsx_uart_dev *dev);
unsigned int hsx_uart_tty_pending(struct hsx_uart_dev *dev);
int hsx_uart_tty_lines(struct hsx_uart_dev *dev, u32 set, u32 clear, u32 *lines);
int hsx_uart_tty_break(struct hsx_uart_dev *dev, bool on);
void hsx_uart_tty_wait_sent(struct hsx_uart_dev *dev, long timeout);
void hsx_uart_tty_discard_tx(struct hsx_uart_dev *dev);
void hsx_uart_tty_fold_overruns(struct hsx_uart_dev *dev);

/* The ports (uart_port.c). */
extern const struct attribute_group hsx_uart_port_group;
int hsx_uart_ports_init(void);
void hsx_uart_ports_exit(void);
void hsx_uart_ports_wake(void);
void hsx_uart_unlock_config(struct hsx_uart_dev *dev);
struct hsx_uart_dev *hsx_uart_port_get(unsigned int port);
int hsx_uart_map_port(unsigned int port, const char *tty);
int hsx_uart_fw_bind(unsigned int port, const char *tty, const void *owner);
void hsx_uart_fw_unbind(const void *owner);

/* Bindings from firmware (uart_fw.c). */
int hsx_uart_fw_register(void);
void hsx_uart_fw_unregister(void);
bool hsx_uart_tty_name_ok(const char *name);
void hsx_uart_instance_unplug(struct hsx_instance *inst);
void hsx_uart_instance_gone(struct hsx_instance *inst);
void hsx_uart_instance_release(struct hsx_instance *inst);

int hsx_uart_set_events(struct hsx_uart_dev *dev, u32 events, u32 idle_ms);
void hsx_uart_written(struct hsx_uart_dev *dev);

/* What the backend calls back (uart_port.c). */
void hsx_uart_received(struct hsx_uart_dev *dev, const u8 *cp, const u8 *fp, size_t count);
void hsx_uart_lines_changed(struct hsx_uart_dev *dev);
void hsx_uart_hangup(struct hsx_uart_dev *dev);

#if defined(HSX_TEST_MODULES) && IS_ENABLED(CONFIG_MODULE_UNLOAD)
int hsx_uart_test_hangup(unsigned int port, int *refdelta);
#endif

/* Exposed for KUnit. */
struct hsx_client;
long hsx_uart_write_kbuf(struct hsx_client *client, struct hsx_uart_xfer *x, const u8 *kbuf);
int hsx_uart_take_allowed(struct hsx_client *client, struct hsx_uart_dev *dev, u8 *kbuf, u32 len,
			  struct hsx_uart_taken *mark);
int hsx_uart_validate_config(const struct hsx_uart_config *cfg);
int hsx_uart_parse_map(const char *param, unsigned int *port, char *tty, size_t tty_len,
		       const char **next);
unsigned int hsx_uart_chunk(const u8 *cp, const u8 *fp, size_t count, u8 *data,
			    unsigned int *len, u8 *flags);
#if IS_ENABLED(CONFIG_HSX_KUNIT_TEST)
bool hsx_uart_test_revocation_waits(struct hsx_client *client);
#endif

#endif /* _HSX_UART_H */
