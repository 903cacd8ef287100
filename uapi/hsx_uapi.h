/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * HSX HAL: the one contract between hsx.ko and user space.
 *
 * Every number that crosses the boundary is defined here and nowhere else:
 * module IDs, ioctl numbers and their argument structs, limits, the generic
 * netlink family that carries mailbox events, and its attributes.
 *
 * Synchronous operations
 * ----------------------
 * Each HAL module has a device node under /dev/hsx/ ("timer", later "gpio",
 * "uart0", ...) plus the admin node "ctl". Operations are ioctls whose number
 * encodes the spec's (module, function) pair:
 *
 *	nr = ((module - HSX_MODULE_FIRST) << 4) | function
 *
 * so the dispatcher in hsx.ko routes by module ID exactly as the spec's SVC
 * dispatcher would. Rules shared by every ioctl:
 *  - an unknown magic, module or function number fails with ENOTTY;
 *  - a known function with the wrong size or direction fails with EINVAL;
 *  - every argument struct is fixed-size, a multiple of 8 bytes, laid out the
 *    same on 32- and 64-bit; fields named "reserved" and all undefined flag
 *    bits must be zero on input, otherwise EINVAL;
 *  - the argument is copied in once, validated, handled, and copied out once.
 *
 * Asynchronous events: mailboxes
 * ------------------------------
 * Events are posted to named mailboxes ("hal:timer:<id>", "hal:gpio:<pin>",
 * "hal:uart:<n>:rx", "hal:can:rx") and delivered over the generic netlink
 * family HSX_GENL_NAME. A socket subscribes with HSX_CMD_MBOX_OPEN and then
 * receives HSX_CMD_MBOX_EVENT messages, unicast to its port, until it sends
 * HSX_CMD_MBOX_CLOSE or is closed. Commands:
 *
 * HSX_CMD_MBOX_OPEN (NLM_F_REQUEST, NLM_F_ACK recommended)
 *	in:  HSX_A_MBOX_NAME (NUL-terminated, < HSX_MBOX_NAME_MAX bytes)
 *	out: a HSX_CMD_MBOX_OPEN reply with HSX_A_MBOX_ID and HSX_A_MBOX_NAME.
 *	     The subscription starts before the reply is sent, so events may
 *	     arrive between the reply and the ack.
 *	who: a HAL module decides who may listen to its mailboxes; a timer's
 *	     mailbox admits its creator's effective uid and CAP_SYS_ADMIN.
 *	errors: ENOENT no such mailbox, EPERM not allowed to listen,
 *		EEXIST already subscribed on this socket, ENOSPC a limit
 *		(subscribers per mailbox, subscriptions per socket, in total)
 *
 * HSX_CMD_MBOX_CLOSE (NLM_F_REQUEST)
 *	in:  HSX_A_MBOX_ID
 *	errors: ENOENT this socket is not subscribed to that mailbox
 *
 * HSX_CMD_MBOX_GET (NLM_F_REQUEST | NLM_F_DUMP)
 *	out: one message per mailbox with HSX_A_MBOX_ID, HSX_A_MBOX_NAME,
 *	     HSX_A_MBOX_SUBSCRIBERS, HSX_A_MBOX_SEQ, HSX_A_MBOX_EVENTS,
 *	     HSX_A_MBOX_DROPS. A dump interrupted by a change is flagged with
 *	     NLM_F_DUMP_INTR; retry it.
 *
 * HSX_CMD_MBOX_EVENT (kernel to subscriber)
 *	One event per message: HSX_A_MBOX_ID (as returned by the open),
 *	HSX_A_EVT_TYPE, HSX_A_EVT_SEQ, HSX_A_EVT_TIMESTAMP_NS,
 *	HSX_A_EVT_DROPPED, HSX_A_EVT_DROPPED_TOTAL, and for HSX_EVT_DATA one
 *	module nest (HSX_A_EVT_TIMER, ...), for HSX_EVT_CLOSED
 *	HSX_A_EVT_CLOSE_REASON.
 *
 * Delivery guarantees. HSX_A_EVT_SEQ counts every event posted to the mailbox
 * (per mailbox, starting at 1). When an event cannot be queued to a
 * subscriber (its socket receive buffer is full, or memory is short), the
 * event is dropped for that subscriber only, and the drop is counted: the
 * next event it does receive carries HSX_A_EVT_DROPPED (drops since the
 * previous delivered event) and HSX_A_EVT_DROPPED_TOTAL (all drops since it
 * subscribed). Nothing is lost silently. HSX_A_EVT_SEQ counts HSX_EVT_CLOSED
 * too, strictly increasing per mailbox. When a mailbox is destroyed (its
 * timer cancelled, its owner closed) every subscriber receives a final event
 * of type HSX_EVT_CLOSED and its subscription ends. That notice is never
 * dropped: if a subscriber's buffer is full, the kernel keeps it and retries
 * until it is queued or the socket is closed.
 */
#ifndef _UAPI_HSX_UAPI_H
#define _UAPI_HSX_UAPI_H

#include <linux/ioctl.h>
#include <linux/types.h>

#define HSX_ABI_VERSION		1

/* HAL module IDs, as in the spec. HSX_MODULE_CORE carries common and admin functions. */
#define HSX_MODULE_UART		0x10
#define HSX_MODULE_CAN		0x11
#define HSX_MODULE_TIMER	0x12
#define HSX_MODULE_FRAM		0x13
#define HSX_MODULE_FS		0x14
#define HSX_MODULE_GPIO		0x15
#define HSX_MODULE_CORE		0x1f
#define HSX_MODULE_FIRST	HSX_MODULE_UART

#define HSX_IOC_MAGIC		0xB8
#define HSX_IOC_NR(module, fn)	((((module) - HSX_MODULE_FIRST) << 4) | (fn))
#define HSX_IOC_NR_MODULE(nr)	(((nr) >> 4) + HSX_MODULE_FIRST)
#define HSX_IOC_NR_FN(nr)	((nr) & 0xf)

/* Device nodes, relative to /dev. */
#define HSX_DEV_DIR		"hsx"
#define HSX_DEV_CTL		"hsx/ctl"
#define HSX_DEV_TIMER		"hsx/timer"

/* ---- Core module (every node) ---------------------------------------- */

/**
 * struct hsx_core_version - HSX_IOC_CORE_VERSION
 * @abi: HSX_ABI_VERSION of the running module
 * @major, @minor, @patch: release of the running module
 * @admin: 1 when this file was opened as the admin (ctl node with
 *	CAP_SYS_ADMIN in the initial user namespace), else 0
 * @reserved: zero
 */
struct hsx_core_version {
	__u32 abi;
	__u32 major;
	__u32 minor;
	__u32 patch;
	__u32 admin;
	__u32 reserved[3];
};

#define HSX_CORE_FN_VERSION	0x0
#define HSX_IOC_CORE_VERSION \
	_IOR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CORE, HSX_CORE_FN_VERSION), \
	     struct hsx_core_version)

/* ---- Timer module 0x12 ----------------------------------------------- */

/* Tick unit: microseconds of CLOCK_MONOTONIC. */
#define HSX_TIMER_TICK_FREQ		1000000U
/* Period bounds for TIMER_CREATE, inclusive. */
#define HSX_TIMER_PERIOD_MIN_US		100U
#define HSX_TIMER_PERIOD_MAX_US		3600000000U
/*
 * Timer IDs are 1..HSX_TIMER_ID_MAX: the spec's hsx_timer_t is 16 bits wide
 * and its library returns errors as negative values in the same type.
 */
#define HSX_TIMER_ID_MAX		0x7fff
/* Default timers per open file and in total; module parameters may lower them. */
#define HSX_TIMER_DEFAULT_PER_OPEN	64
#define HSX_TIMER_DEFAULT_TOTAL		1024

/**
 * struct hsx_timer_tick - HSX_IOC_TIMER_GET_TICK
 * @tick_us: CLOCK_MONOTONIC in microseconds
 * @reserved: zero
 */
struct hsx_timer_tick {
	__aligned_u64 tick_us;
	__aligned_u64 reserved;
};

/**
 * struct hsx_timer_freq - HSX_IOC_TIMER_GET_TICK_FREQ
 * @ticks_per_sec: HSX_TIMER_TICK_FREQ
 * @reserved: zero
 */
struct hsx_timer_freq {
	__u32 ticks_per_sec;
	__u32 reserved;
};

/* Flags for struct hsx_timer_create. */
#define HSX_TIMER_F_ONE_SHOT	0x1U	/* fire once, then stay until cancelled */
#define HSX_TIMER_F_STOPPED	0x2U	/* create unarmed; arm with TIMER_START */
#define HSX_TIMER_F_ALL		(HSX_TIMER_F_ONE_SHOT | HSX_TIMER_F_STOPPED)

/**
 * struct hsx_timer_create - HSX_IOC_TIMER_CREATE
 * @period_us: in, HSX_TIMER_PERIOD_MIN_US..HSX_TIMER_PERIOD_MAX_US
 * @flags: in, HSX_TIMER_F_*
 * @timer_id: out, the new timer; its events go to mailbox "hal:timer:<id>"
 * @reserved: zero
 *
 * The timer belongs to the open file that created it and is destroyed when
 * that file is closed. Errors: EINVAL bad period or flags, EMFILE this file's
 * limit reached, ENOSPC the system-wide limit reached.
 */
struct hsx_timer_create {
	__u32 period_us;
	__u32 flags;
	__u32 timer_id;
	__u32 reserved;
};

/**
 * struct hsx_timer_id - HSX_IOC_TIMER_CANCEL, HSX_IOC_TIMER_START
 * @timer_id: the timer
 * @reserved: zero
 *
 * Errors: ENOENT no such timer, EPERM the timer belongs to another open file
 * (the admin node may cancel any timer), EALREADY start on an armed timer.
 */
struct hsx_timer_id {
	__u32 timer_id;
	__u32 reserved;
};

#define HSX_TIMER_FN_GET_TICK		0x0
#define HSX_TIMER_FN_GET_TICK_FREQ	0x1
#define HSX_TIMER_FN_CREATE		0x2
#define HSX_TIMER_FN_CANCEL		0x3
#define HSX_TIMER_FN_START		0x4	/* addition: arm a HSX_TIMER_F_STOPPED timer */

#define HSX_IOC_TIMER_GET_TICK \
	_IOR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_TIMER, HSX_TIMER_FN_GET_TICK), \
	     struct hsx_timer_tick)
#define HSX_IOC_TIMER_GET_TICK_FREQ \
	_IOR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_TIMER, HSX_TIMER_FN_GET_TICK_FREQ), \
	     struct hsx_timer_freq)
#define HSX_IOC_TIMER_CREATE \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_TIMER, HSX_TIMER_FN_CREATE), \
	      struct hsx_timer_create)
#define HSX_IOC_TIMER_CANCEL \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_TIMER, HSX_TIMER_FN_CANCEL), \
	     struct hsx_timer_id)
#define HSX_IOC_TIMER_START \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_TIMER, HSX_TIMER_FN_START), \
	     struct hsx_timer_id)

/* ---- Mailboxes: generic netlink --------------------------------------- */

#define HSX_GENL_NAME		"hsx"
#define HSX_GENL_VERSION	1

/* Mailbox names, including the terminating NUL. */
#define HSX_MBOX_NAME_MAX	64
#define HSX_MBOX_TIMER_FMT	"hal:timer:%u"
/* Limits that bound the kernel's memory whatever user space asks for. */
#define HSX_MBOX_MAX_SUBSCRIBERS	32	/* per mailbox */
#define HSX_MBOX_MAX_PER_SOCKET		64	/* subscriptions per netlink socket */
#define HSX_MBOX_MAX_SUBSCRIPTIONS	8192	/* in total */

enum hsx_cmd {
	HSX_CMD_UNSPEC,
	HSX_CMD_MBOX_OPEN,
	HSX_CMD_MBOX_CLOSE,
	HSX_CMD_MBOX_GET,
	HSX_CMD_MBOX_EVENT,
	__HSX_CMD_MAX
};

#define HSX_CMD_MAX (__HSX_CMD_MAX - 1)

enum hsx_event_type {
	HSX_EVT_DATA = 1,	/* a module event; the module nest is present */
	HSX_EVT_CLOSED = 2,	/* the mailbox is gone; no more events follow */
};

/* Why a mailbox was destroyed: HSX_A_EVT_CLOSE_REASON of HSX_EVT_CLOSED. */
enum hsx_close_reason {
	HSX_CLOSE_CANCELLED = 1,	/* its owner cancelled the object */
	HSX_CLOSE_OWNER_GONE = 2,	/* its owner closed its device file or exited */
	HSX_CLOSE_ADMIN = 3,		/* an administrator cancelled the object */
};

enum hsx_attr {
	HSX_A_UNSPEC,
	HSX_A_PAD,
	HSX_A_MBOX_ID,		/* u32 */
	HSX_A_MBOX_NAME,	/* NUL-terminated string */
	HSX_A_MBOX_SUBSCRIBERS,	/* u32 */
	HSX_A_MBOX_SEQ,		/* u64: sequence number of the last event posted */
	HSX_A_MBOX_EVENTS,	/* u64: events posted */
	HSX_A_MBOX_DROPS,	/* u64: deliveries dropped, over all subscribers */
	HSX_A_EVT_TYPE,		/* u16: enum hsx_event_type */
	HSX_A_EVT_SEQ,		/* u64 */
	HSX_A_EVT_TIMESTAMP_NS,	/* u64: CLOCK_MONOTONIC when posted */
	HSX_A_EVT_DROPPED,	/* u32: dropped for this subscriber since its last event */
	HSX_A_EVT_DROPPED_TOTAL, /* u64: dropped for this subscriber in all */
	HSX_A_EVT_TIMER,	/* nest: enum hsx_timer_attr */
	HSX_A_EVT_CLOSE_REASON,	/* u32: enum hsx_close_reason, on HSX_EVT_CLOSED */
	__HSX_A_MAX
};

#define HSX_A_MAX (__HSX_A_MAX - 1)

enum hsx_timer_attr {
	HSX_TIMER_A_UNSPEC,
	HSX_TIMER_A_PAD,
	HSX_TIMER_A_ID,		/* u32 */
	HSX_TIMER_A_TICK_US,	/* u64: CLOCK_MONOTONIC at expiry, microseconds */
	HSX_TIMER_A_OVERRUNS,	/* u32: periods missed before this expiry */
	HSX_TIMER_A_EXPIRATIONS, /* u64: periods elapsed since the timer was armed */
	__HSX_TIMER_A_MAX
};

#define HSX_TIMER_A_MAX (__HSX_TIMER_A_MAX - 1)

#endif /* _UAPI_HSX_UAPI_H */
