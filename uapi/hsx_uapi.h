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
 *  - the argument is copied in once, validated, handled, and copied out once;
 *  - a function without an argument struct (_IO) takes a number instead of
 *    a pointer, with the same rule: bits it does not define must be zero.
 *
 * Asynchronous events: mailboxes
 * ------------------------------
 * Events are posted to named mailboxes ("hal:timer:<id>", "hal:gpio:<pin>",
 * "hal:uart:<n>:rx", "hal:can:rx"). A subscriber receives them either in a
 * queue file of its own (HSX_IOC_MBOX_OPEN, below: fixed-size records, the
 * quicker way) or over the generic netlink family HSX_GENL_NAME: a socket
 * subscribes with HSX_CMD_MBOX_OPEN and then receives HSX_CMD_MBOX_EVENT
 * messages, unicast to its port, until it sends HSX_CMD_MBOX_CLOSE or is
 * closed. Netlink commands:
 *
 * HSX_CMD_MBOX_OPEN (NLM_F_REQUEST, NLM_F_ACK recommended)
 *	in:  HSX_A_MBOX_NAME (NUL-terminated, < HSX_MBOX_NAME_MAX bytes);
 *	     HSX_A_MBOX_AUTH_FD, optional: a /dev/hsx file of the sender whose
 *	     capability authorizes listening (see Capabilities). A subscription
 *	     made under a capability closes with HSX_CLOSE_REVOKED when it ends.
 *	out: a HSX_CMD_MBOX_OPEN reply with HSX_A_MBOX_ID and HSX_A_MBOX_NAME.
 *	     The subscription starts before the reply is sent, so events may
 *	     arrive between the reply and the ack.
 *	who: a HAL module decides who may listen to its mailboxes; a timer's
 *	     mailbox admits its creator's effective uid and CAP_SYS_ADMIN;
 *	     "hal:gpio:<pin>" a privileged socket (opened with CAP_SYS_ADMIN)
 *	     or a capability with HSX_CAP_R_GPIO_IRQ on the pin; "hal:cap:<id>"
 *	     the capability's holder; "hal:caps" a privileged socket.
 *	errors: ENOENT no such mailbox, or one whose object the caller has
 *		no claim on (a timer of another effective uid, another
 *		holder's "hal:cap:<id>", "hal:caps" without CAP_SYS_ADMIN):
 *		those answer exactly as a name no mailbox has, extended ack
 *		"no such mailbox" included, so live timer and capability IDs
 *		cannot be probed; EPERM or EACCES not allowed to listen to a
 *		mailbox whose existence is public ("hal:gpio:<pin>",
 *		"hal:uart:<n>:rx"), EACCES meaning: obtain a capability and
 *		retry; EEXIST already subscribed on this socket, ENOSPC a limit
 *		(subscribers per mailbox, subscriptions per socket, in total)
 *
 * HSX_CMD_MBOX_CLOSE (NLM_F_REQUEST)
 *	in:  HSX_A_MBOX_ID
 *	errors: ENOENT this socket is not subscribed to that mailbox
 *
 * HSX_CMD_MBOX_GET (NLM_F_REQUEST | NLM_F_DUMP)
 *	out: one message per mailbox with HSX_A_MBOX_ID, HSX_A_MBOX_NAME,
 *	     HSX_A_MBOX_SUBSCRIBERS, HSX_A_MBOX_SEQ, HSX_A_MBOX_EVENTS,
 *	     HSX_A_MBOX_DROPS: every mailbox for a sender with CAP_SYS_ADMIN,
 *	     else only those a subscription of the sender's user listens to
 *	     (on any socket or queue file). A dump interrupted by a change is
 *	     flagged with NLM_F_DUMP_INTR; retry it.
 *
 * HSX_CMD_MBOX_EVENT (kernel to subscriber)
 *	One event per message: HSX_A_MBOX_ID (as returned by the open),
 *	HSX_A_EVT_TYPE, HSX_A_EVT_SEQ, HSX_A_EVT_TIMESTAMP_NS,
 *	HSX_A_EVT_DROPPED, HSX_A_EVT_DROPPED_TOTAL, and for HSX_EVT_DATA one
 *	module nest (HSX_A_EVT_TIMER, ...), for HSX_EVT_CLOSED
 *	HSX_A_EVT_CLOSE_REASON.
 *
 * Delivery guarantees. HSX_A_EVT_SEQ counts every event posted to the mailbox
 * (per mailbox, starting at 1); on a mailbox whose events are each meant for
 * some subscribers only (a CAN bus's rx mailboxes: see there), it counts the
 * events meant for this subscriber, starting at 1. When an event cannot be queued to a
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
#define HSX_MODULE_TEST		0x1e	/* reserved for test-only modules (kmod/tests/) */
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
#define HSX_DEV_GPIO		"hsx/gpio"
#define HSX_DEV_UART		"hsx/uart"
#define HSX_DEV_CAN		"hsx/can"
#define HSX_DEV_FS		"hsx/fs"

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

/* ---- Capabilities (core module) --------------------------------------- */

/*
 * The kernel enforces, hsxd decides. When enforcement is on (the default; the
 * module parameter enforce=0 turns it off for development, loudly), an
 * operation on a /dev/hsx file succeeds only if
 *  - the file was opened by a process with CAP_SYS_ADMIN in the initial user
 *    namespace (decided once, at open: "privileged"; root keeps full access
 *    without hsxd), or
 *  - the file holds an active capability for the operation's module, the
 *    caller is the capability's holder, the capability has the operation's
 *    rights and its selector covers the operation's object.
 *
 * A capability is attached to one open file of one process, its holder: the
 * process that opened that file. Passed to another process (SCM_RIGHTS) or
 * inherited (fork), the file is useless there: operations fail with EPERM.
 * Capabilities are never named by user space to authorize anything; their
 * ids exist for listing, renewal and revocation only.
 *
 * Denials: EACCES no capability, or not the rights or objects needed;
 * EPERM the caller is not the holder; EKEYEXPIRED expired; EKEYREVOKED
 * revoked (any reason). The library maps all of them to HSX_HAL_DENIED.
 *
 * Minting is done by the capability administrator: the process that opened
 * /dev/hsx/ctl with O_EXCL and CAP_SYS_ADMIN (one at a time; a second gets
 * EBUSY). hsxd receives an application's device file over its socket
 * (SCM_RIGHTS), identifies the opener with HSX_IOC_CAP_CLIENT, and mints onto
 * that file. Capabilities outlive the administrator's file: restarting hsxd
 * revokes nothing.
 *
 * Expiry is absolute CLOCK_BOOTTIME (counts suspend, immune to clock_settime).
 * Delegation (HSX_IOC_CAP_DERIVE) needs HSX_CAP_R_GRANT and can only narrow
 * rights, selector and expiry; revoking a capability revokes everything
 * derived from it (reason HSX_CAP_END_PARENT).
 *
 * Events. When a capability ends, its holder's subscriptions made under it
 * close with HSX_CLOSE_REVOKED, its timers are cancelled, and an
 * HSX_EVT_DATA event with the nest HSX_A_EVT_CAP is posted to the mailbox
 * "hal:cap:<id>" (holder only; then closed) and to "hal:caps" (the
 * administrator's view of every capability ending).
 */

/* Rights. Bits 0..15 are common, 16..31 belong to the module. */
#define HSX_CAP_R_READ		0x1U
#define HSX_CAP_R_WRITE		0x2U
#define HSX_CAP_R_GRANT		0x4U	/* may derive narrower capabilities */
#define HSX_CAP_R_ADMIN		0x8U	/* never in a capability: see above */
#define HSX_CAP_R_GPIO_IRQ	0x10000U /* GPIO: set_interrupt, listen to hal:gpio:<pin> */
#define HSX_CAP_R_TIMER_ALL	(HSX_CAP_R_READ | HSX_CAP_R_WRITE | HSX_CAP_R_GRANT)
#define HSX_CAP_R_GPIO_ALL	(HSX_CAP_R_READ | HSX_CAP_R_WRITE | HSX_CAP_R_GRANT | \
				 HSX_CAP_R_GPIO_IRQ)

/*
 * Which objects a capability covers; the member is chosen by the module.
 * GPIO: bit n of @gpio.pins is pin n. TIMER: at most @timer.max_timers
 * timers alive at once on the holder's file (1..HSX_TIMER_DEFAULT_PER_OPEN).
 * UART: bit n of @uart.ports is port n.
 * CAN: bit n of @can.buses is bus n; frames it may send have an ID in
 * tx_first..tx_last (with HSX_CAN_SEL_TX in flags), frames it may receive one
 * in rx_first..rx_last (HSX_CAN_SEL_RX); see HSX_CAN_SEL_EXT. A capability
 * without a range may send, or receive, no frame at all.
 * FRAM: bit n of @fram.devices is device n; the accesses it allows lie
 * within one of its @fram.nranges (1..HSX_FRAM_SEL_RANGES) address ranges,
 * each first..last inclusive, in the application's address space (the
 * device's reserved area is outside it); the ranges are sorted, apart and
 * not adjacent (two that touch are one range).
 * FS: bit n of @fs.roots is root n (HSX_MODULE_FS's section).
 * Later modules add members; the union keeps its size.
 */
union hsx_cap_selector {
	struct {
		__aligned_u64 pins;
	} gpio;
	struct {
		__u32 max_timers;
		__u32 reserved;
	} timer;
	struct {
		__u32 ports;	/* bit n: port n */
		__u32 reserved;
	} uart;
	struct {
		__u32 buses;	/* bit n: bus n */
		__u32 flags;	/* HSX_CAN_SEL_TX, HSX_CAN_SEL_RX: which ranges it has */
		__u32 tx_first;	/* IDs it may send, first to last, as HSX_CAN_SEL_EXT says */
		__u32 tx_last;
		__u32 rx_first;	/* IDs it may receive */
		__u32 rx_last;
		__u32 reserved[2];
	} can;
	struct {
		__u16 devices;	/* bit n: device n */
		__u16 nranges;	/* ranges in use, 1..HSX_FRAM_SEL_RANGES */
		__u32 reserved;
		struct {
			__u32 first;
			__u32 last;
		} ranges[3];	/* HSX_FRAM_SEL_RANGES */
	} fram;
	struct {
		__u32 roots;	/* bit n: root n */
		__u32 reserved;
	} fs;
	__aligned_u64 raw[4];
};

/* Why a capability ended: HSX_CAP_A_REASON, struct hsx_cap_info.reason. */
enum hsx_cap_end_reason {
	HSX_CAP_END_EXPLICIT = 1,	/* revoked by the administrator, or dropped */
	HSX_CAP_END_EXPIRED = 2,	/* its expiry passed */
	HSX_CAP_END_HOLDER_EXITED = 3,	/* its holder exited (or closed the file) */
	HSX_CAP_END_PARENT = 4,		/* the capability it was derived from ended */
};

#define HSX_CAP_MAX_DEPTH	4	/* derivation levels below a minted capability */
#define HSX_CAP_MAX_TOTAL	4096	/* live capabilities, system-wide */
#define HSX_CAP_MAX_PER_HOLDER	64	/* live capabilities per holder process */
#define HSX_MBOX_CAP_FMT	"hal:cap:%llu"
#define HSX_MBOX_CAPS		"hal:caps"

/* Capability states, struct hsx_cap_info.state. */
#define HSX_CAP_STATE_ACTIVE	1
#define HSX_CAP_STATE_ENDED	2

/**
 * struct hsx_cap_info - one capability, as HSX_IOC_CAP_INFO and _LIST show it
 * @id: never reused while the module is loaded; 0 = none
 * @parent_id: the capability it was derived from, 0 if minted
 * @module: HSX_MODULE_*
 * @rights: HSX_CAP_R_*
 * @sel: the objects it covers
 * @expiry_ns: CLOCK_BOOTTIME
 * @holder_pid: the holder's pid, in the caller's pid namespace (0 if not
 *	visible there, or once the holder exited while another process keeps
 *	the capability's file open)
 * @state: HSX_CAP_STATE_*
 * @reason: enum hsx_cap_end_reason once ended, else 0
 * @depth: 0 minted, 1.. derived
 * @reserved: zero
 */
struct hsx_cap_info {
	__aligned_u64 id;
	__aligned_u64 parent_id;
	__u32 module;
	__u32 rights;
	union hsx_cap_selector sel;
	__aligned_u64 expiry_ns;
	__u32 holder_pid;
	__u32 state;
	__u32 reason;
	__u32 depth;
};

/**
 * struct hsx_cap_query - HSX_IOC_CAP_INFO (any file): this file's capability
 * @module: in, HSX_MODULE_*; served by this file's node
 * @privileged: out, 1 when this file was opened privileged (no capability
 *	needed)
 * @enforcing: out, 1 when the module enforces capabilities
 * @reserved: zero
 * @cap: out, the capability attached for @module; cap.id == 0 when none
 */
struct hsx_cap_query {
	__u32 module;
	__u32 privileged;
	__u32 enforcing;
	__u32 reserved;
	struct hsx_cap_info cap;
};

/**
 * struct hsx_cap_derive - HSX_IOC_CAP_DERIVE (holder): delegate
 * @target_fd: in, an open /dev/hsx file of the process to receive the
 *	capability (it sent it over a socket); it must serve @module and hold
 *	no capability for it. Its opener becomes the holder.
 * @module: in, which of this file's capabilities to derive from
 * @rights: in, a subset of the source's rights, without HSX_CAP_R_ADMIN
 * @reserved: zero
 * @sel: in, a subset of the source's selector
 * @expiry_ns: in, CLOCK_BOOTTIME, at most the source's; 0 = the source's
 * @id: out, the new capability
 *
 * Errors: EACCES the source lacks HSX_CAP_R_GRANT; EINVAL anything wider
 * than the source, or a bad target; EEXIST the target already holds one;
 * EMLINK HSX_CAP_MAX_DEPTH reached; EDQUOT a limit reached; the denials of
 * any operation for the source itself.
 */
struct hsx_cap_derive {
	__s32 target_fd;
	__u32 module;
	__u32 rights;
	__u32 reserved;
	union hsx_cap_selector sel;
	__aligned_u64 expiry_ns;
	__aligned_u64 id;
};

/**
 * struct hsx_cap_drop - HSX_IOC_CAP_DROP (holder): end this file's capability
 * @module: in
 * @reserved: zero
 */
struct hsx_cap_drop {
	__u32 module;
	__u32 reserved;
};

/**
 * struct hsx_cap_client - HSX_IOC_CAP_CLIENT (capability admin)
 * @fd: in, an open /dev/hsx file (received from an application)
 * @opener_pid: out, pid of the process that opened it, in the caller's pid
 *	namespace; 0 if not visible
 * @alive: out, 1 while that very process (not a reuse of its pid) lives
 * @privileged: out, 1 when the file was opened privileged
 * @modules: out, bit (module - HSX_MODULE_FIRST) for each module it serves
 * @reserved: zero
 *
 * hsxd identifies the opener by @opener_pid (/proc), then calls MINT, which
 * fails with ESRCH if that process has exited since: a recycled pid can never
 * be granted what its previous owner was.
 */
struct hsx_cap_client {
	__s32 fd;
	__u32 opener_pid;
	__u32 alive;
	__u32 privileged;
	__u32 modules;
	__u32 reserved;
};

/**
 * struct hsx_cap_mint - HSX_IOC_CAP_MINT (capability admin)
 * @fd: in, the application's /dev/hsx file; its opener becomes the holder
 * @module: in, served by that file
 * @rights: in, without HSX_CAP_R_ADMIN
 * @reserved: zero
 * @sel: in
 * @expiry_ns: in, CLOCK_BOOTTIME, in the future
 * @id: out
 *
 * Errors: EINVAL bad spec or file, EEXIST the file already holds a live
 * capability for @module (renew it instead), ESRCH the opener has exited,
 * EDQUOT HSX_CAP_MAX_PER_HOLDER or HSX_CAP_MAX_TOTAL reached.
 */
struct hsx_cap_mint {
	__s32 fd;
	__u32 module;
	__u32 rights;
	__u32 reserved;
	union hsx_cap_selector sel;
	__aligned_u64 expiry_ns;
	__aligned_u64 id;
};

/**
 * struct hsx_cap_renew - HSX_IOC_CAP_RENEW (capability admin)
 * @id: in, a live capability that was minted (not derived)
 * @expiry_ns: in, the new CLOCK_BOOTTIME expiry, in the future
 *
 * Errors: ENOENT no such live capability, EINVAL a derived one or a past
 * expiry.
 */
struct hsx_cap_renew {
	__aligned_u64 id;
	__aligned_u64 expiry_ns;
};

/**
 * struct hsx_cap_revoke - HSX_IOC_CAP_REVOKE (capability admin)
 * @id: in, the capability; HSX_CAP_REVOKE_BY_PID: ignored
 * @pid: in, with HSX_CAP_REVOKE_BY_PID: every capability of this holder (in
 *	the caller's pid namespace)
 * @flags: in, HSX_CAP_REVOKE_*
 * @reason: in, enum hsx_cap_end_reason (EXPLICIT or HOLDER_EXITED)
 * @count: out, capabilities ended, derived ones included
 *
 * When it returns, no operation under the revoked capabilities is running
 * and none can start. Errors: ENOENT nothing live matched.
 */
struct hsx_cap_revoke {
	__aligned_u64 id;
	__u32 pid;
	__u32 flags;
	__u32 reason;
	__u32 count;
};

#define HSX_CAP_REVOKE_BY_PID	0x1U
#define HSX_CAP_REVOKE_F_ALL	HSX_CAP_REVOKE_BY_PID

/**
 * struct hsx_cap_list - HSX_IOC_CAP_LIST (capability admin): iterate
 * @after_id: in, 0 to start; then the previous @info.id
 * @info: out, the live capability with the smallest id above @after_id
 *
 * Errors: ENOENT no more.
 */
struct hsx_cap_list {
	__aligned_u64 after_id;
	struct hsx_cap_info info;
};

#define HSX_CORE_FN_CAP_INFO	0x1
#define HSX_CORE_FN_CAP_DERIVE	0x2
#define HSX_CORE_FN_CAP_DROP	0x3
#define HSX_CORE_FN_CAP_CLIENT	0x8	/* capability admin, 0x8-0xc */
#define HSX_CORE_FN_CAP_MINT	0x9
#define HSX_CORE_FN_CAP_RENEW	0xa
#define HSX_CORE_FN_CAP_REVOKE	0xb
#define HSX_CORE_FN_CAP_LIST	0xc

#define HSX_IOC_CAP_INFO \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CORE, HSX_CORE_FN_CAP_INFO), \
	      struct hsx_cap_query)
#define HSX_IOC_CAP_DERIVE \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CORE, HSX_CORE_FN_CAP_DERIVE), \
	      struct hsx_cap_derive)
#define HSX_IOC_CAP_DROP \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CORE, HSX_CORE_FN_CAP_DROP), \
	     struct hsx_cap_drop)
#define HSX_IOC_CAP_CLIENT \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CORE, HSX_CORE_FN_CAP_CLIENT), \
	      struct hsx_cap_client)
#define HSX_IOC_CAP_MINT \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CORE, HSX_CORE_FN_CAP_MINT), \
	      struct hsx_cap_mint)
#define HSX_IOC_CAP_RENEW \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CORE, HSX_CORE_FN_CAP_RENEW), \
	     struct hsx_cap_renew)
#define HSX_IOC_CAP_REVOKE \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CORE, HSX_CORE_FN_CAP_REVOKE), \
	      struct hsx_cap_revoke)
#define HSX_IOC_CAP_LIST \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CORE, HSX_CORE_FN_CAP_LIST), \
	      struct hsx_cap_list)

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

/* ---- UART module 0x10 -------------------------------------------------- */

/*
 * HSX ports are 0..HSX_UART_MAX_PORTS-1. Each is bound to one tty of the
 * kernel (a 16550 "ttyS1", a USB adapter "ttyUSB0", the Pi's "ttyAMA0"), by
 * the device tree (an "hsx,uart" node's hsx-uarts phandles: port i is entry
 * i), by the module parameter uart_map ("0=ttyS1,1=ttyS2") or by the admin
 * ioctl HSX_IOC_UART_MAP. While bound, hsx.ko holds the tty open itself
 * with its own line discipline attached: a user open() of the tty fails with
 * EBUSY, and unbinding gives it back as it was.
 *
 * Every function takes the port in its argument and is served by
 * /dev/hsx/uart, and by /dev/hsx/uart<n> for port n only (another port there
 * is EINVAL). A bound port is an instance: /sys/hal/uart/<n>/. Once its tty
 * is gone (a USB adapter unplugged, or the port unbound), every function on
 * it fails with ENODEV and "hal:uart:<n>:rx" closes.
 *
 * Received bytes go to the port's receive buffer (HSX_UART_RX_BUFFER bytes,
 * read by HSX_IOC_UART_READ_POLL) and, as events of up to
 * HSX_UART_DATA_MAX bytes, to the mailbox "hal:uart:<n>:rx". Each is
 * independent: a full buffer drops the newest bytes from the buffer only
 * (counted in rx_dropped and flagged HSX_UART_ST_OVERRUN); a subscriber
 * that does not keep up loses events, counted for it as for every mailbox.
 * Every data event carries the port's count of bytes received before it
 * (offset), so a receiver can tell exactly how many bytes it missed.
 *
 * The mailbox also carries the line's events a port is asked for with
 * HSX_IOC_UART_SET_EVENTS: IDLE once the line has been quiet for a gap after
 * bytes arrived, TX_DONE once every byte written has left the transmitter,
 * MODEM when an input line (CTS, DSR, DCD, RI) changes, polled every
 * HSX_UART_MODEM_POLL_MS. Each record says its kind.
 */
#define HSX_UART_MAX_PORTS	16
#define HSX_UART_TTY_NAME_MAX	32	/* tty name, with NUL */
#define HSX_UART_RX_BUFFER	4096
#define HSX_UART_XFER_MAX	65536	/* bytes per WRITE or READ_POLL call */
#define HSX_UART_DATA_MAX	32	/* bytes per event, as the spec's */
#define HSX_UART_BAUD_MAX	16000000U
#define HSX_UART_BREAK_MAX_MS	10000U
#define HSX_UART_TIMEOUT_MAX_MS	600000U
#define HSX_MBOX_UART_FMT	"hal:uart:%u:rx"
#define HSX_UART_IDLE_MAX_MS	10000U
#define HSX_UART_MODEM_POLL_MS	10

/* Rights on ports, besides HSX_CAP_R_READ (receive) and _WRITE (transmit). */
#define HSX_CAP_R_UART_CONFIG	0x10000U /* CONFIG, DISCARD, BREAK, LOOP, SET_EVENTS */
#define HSX_CAP_R_UART_MODEM	0x20000U /* set RTS and DTR */
#define HSX_CAP_R_UART_ALL	(HSX_CAP_R_READ | HSX_CAP_R_WRITE | HSX_CAP_R_GRANT | \
				 HSX_CAP_R_UART_CONFIG | HSX_CAP_R_UART_MODEM)

/* Parity: the spec's values, then the additions. */
#define HSX_UART_PAR_NONE	0
#define HSX_UART_PAR_EVEN	1
#define HSX_UART_PAR_ODD	2
#define HSX_UART_PAR_MARK	3
#define HSX_UART_PAR_SPACE	4

/* Flow control. */
#define HSX_UART_FC_NONE	0
#define HSX_UART_FC_RTSCTS	1
#define HSX_UART_FC_XONXOFF	2

/* Status bits, struct hsx_uart_status.status: the spec's, then the additions. */
#define HSX_UART_ST_TX_READY	0x01	/* the transmit buffer has room */
#define HSX_UART_ST_RX_READY	0x02	/* the receive buffer has bytes */
#define HSX_UART_ST_OVERRUN		0x04	/* bytes lost since the last GET_STATUS */
#define HSX_UART_ST_PARITY_ERR	0x08	/* a parity error since the last GET_STATUS */
#define HSX_UART_ST_FRAMING_ERR	0x10	/* a framing error since the last GET_STATUS */
#define HSX_UART_ST_BREAK		0x20	/* a break since the last GET_STATUS */
#define HSX_UART_ST_TX_EMPTY	0x40	/* nothing left to send, FIFO included */

/* Flags of a data event (struct hsx_uart_record.flags): its last byte's. */
#define HSX_UART_RX_F_OVERRUN	0x01	/* the hardware lost bytes before it */
#define HSX_UART_RX_F_PARITY	0x02	/* it had a parity error */
#define HSX_UART_RX_F_FRAMING	0x04	/* it had a framing error */
#define HSX_UART_RX_F_BREAK	0x08	/* it is the 0 of a break */
/*
 * Kept for libhsx_hal, never set by hsx.ko: the library's notices to a
 * callback (hsx_uart.h HSX_UART_RX_UNBOUND, _REBOUND, _ENDED) share the
 * byte of these flags. A new line flag takes 0x80 or widens the field; the
 * library drops flags it does not know.
 */
#define HSX_UART_RX_F_LIBRARY	0x70

/* Modem lines, struct hsx_uart_modem (the TIOCM_* meaning). */
#define HSX_UART_LN_RTS	0x01
#define HSX_UART_LN_DTR	0x02
#define HSX_UART_LN_CTS	0x04
#define HSX_UART_LN_DSR	0x08
#define HSX_UART_LN_DCD	0x10
#define HSX_UART_LN_RI	0x20
#define HSX_UART_LN_LOOP	0x40	/* the UART's local loopback (diagnostics) */
#define HSX_UART_LN_OUT	(HSX_UART_LN_RTS | HSX_UART_LN_DTR | HSX_UART_LN_LOOP)

/* Kinds of record, struct hsx_uart_record.kind. */
#define HSX_UART_EV_DATA	0	/* bytes received: data, length, flags, offset */
#define HSX_UART_EV_IDLE	1	/* quiet for the gap after bytes: offset = bytes so far */
#define HSX_UART_EV_TX_DONE	2	/* all written bytes sent: offset = bytes written so far */
#define HSX_UART_EV_MODEM	3	/* an input line changed: lines = every line now */

/* Which events a port posts besides DATA, struct hsx_uart_events.events. */
#define HSX_UART_EVF_IDLE	0x1U
#define HSX_UART_EVF_TX_DONE	0x2U
#define HSX_UART_EVF_MODEM	0x4U
#define HSX_UART_EVF_ALL	(HSX_UART_EVF_IDLE | HSX_UART_EVF_TX_DONE | HSX_UART_EVF_MODEM)

/**
 * struct hsx_uart_xfer - HSX_IOC_UART_WRITE, HSX_IOC_UART_READ_POLL
 * @port: in
 * @len: in, bytes at @buf, at most HSX_UART_XFER_MAX; 0 is allowed
 * @buf: in, user address of the bytes (u64 for 32-bit callers too)
 * @timeout_ms: in, WRITE: how long to wait for room, 0 for the default
 *	(long enough for @len bytes at the port's rate, and a second more),
 *	at most HSX_UART_TIMEOUT_MAX_MS; READ_POLL: zero
 * @done: out, bytes written or read
 * @reserved: zero
 *
 * WRITE returns once every byte is in the tty's transmit buffer, or when
 * the timeout passes or a signal arrives: @done says how many went (the
 * call then succeeds if any did, else fails with ETIMEDOUT or EINTR).
 * Writers of one port are serialized: one write's bytes are never
 * interleaved with another's. READ_POLL never blocks; @done is 0 when the
 * buffer is empty.
 */
struct hsx_uart_xfer {
	__u32 port;
	__u32 len;
	__aligned_u64 buf;
	__u32 timeout_ms;
	__u32 done;
	__aligned_u64 reserved;
};

/**
 * struct hsx_uart_config - HSX_IOC_UART_CONFIG
 * @port: in
 * @baud: in, 1..HSX_UART_BAUD_MAX, any rate (not only the standard ones)
 * @parity: in, HSX_UART_PAR_*
 * @stop_bits: in, 1 or 2
 * @data_bits: in, 5..8; 0 means 8
 * @flow: in, HSX_UART_FC_*
 * @baud_actual: out, the rate the driver achieved
 * @reserved: zero
 *
 * Errors: EINVAL a value out of range, or a rate the driver cannot come
 * within 3% of (the port keeps its previous configuration).
 */
struct hsx_uart_config {
	__u32 port;
	__u32 baud;
	__u32 parity;
	__u32 stop_bits;
	__u32 data_bits;
	__u32 flow;
	__u32 baud_actual;
	__u32 reserved;
};

/**
 * struct hsx_uart_status - HSX_IOC_UART_GET_STATUS
 * @port: in
 * @status: out, HSX_UART_ST_*; reading clears the sticky error bits
 * @rx_available: out, bytes in the receive buffer
 * @tx_pending: out, bytes in the transmit buffer not sent yet
 * @lines: out, HSX_UART_LN_* (0 when the driver has no modem lines)
 * @baud: out, the port's rate now
 * @rx_bytes, @tx_bytes: out, since the port was bound
 * @overruns, @parity_errors, @framing_errors, @breaks: out, as the line
 *	reported them (hardware overruns included)
 * @rx_dropped: out, bytes the full receive buffer dropped
 * @reserved: zero
 */
struct hsx_uart_status {
	__u32 port;
	__u32 status;
	__u32 rx_available;
	__u32 tx_pending;
	__u32 lines;
	__u32 baud;
	__aligned_u64 rx_bytes;
	__aligned_u64 tx_bytes;
	__aligned_u64 overruns;
	__aligned_u64 parity_errors;
	__aligned_u64 framing_errors;
	__aligned_u64 breaks;
	__aligned_u64 rx_dropped;
	__aligned_u64 reserved;
};

/**
 * struct hsx_uart_modem - HSX_IOC_UART_MODEM: set and read the modem lines
 * @port: in
 * @set: in, HSX_UART_LN_OUT bits to raise (needs HSX_CAP_R_UART_MODEM
 *	when not 0, and HSX_CAP_R_UART_CONFIG too for HSX_UART_LN_LOOP)
 * @clear: in, HSX_UART_LN_OUT bits to lower (as @set)
 * @lines: out, HSX_UART_LN_* after the change (LOOP is never read back)
 *
 * Errors: EOPNOTSUPP the driver has no modem lines.
 */
struct hsx_uart_modem {
	__u32 port;
	__u32 set;
	__u32 clear;
	__u32 lines;
};

/**
 * struct hsx_uart_ctl - HSX_IOC_UART_BREAK, _DRAIN, _DISCARD
 * @port: in
 * @value: in, BREAK: its duration in ms, 1..HSX_UART_BREAK_MAX_MS; DRAIN:
 *	how long to wait for the transmitter to empty, 0 for the default
 *	(as a WRITE's), at most HSX_UART_TIMEOUT_MAX_MS; DISCARD:
 *	HSX_UART_DC_* bits
 * @reserved: zero
 *
 * DRAIN fails with ETIMEDOUT when bytes are still unsent at the end.
 */
struct hsx_uart_ctl {
	__u32 port;
	__u32 value;
	__aligned_u64 reserved;
};

#define HSX_UART_DC_RX	0x1U	/* the receive buffer */
#define HSX_UART_DC_TX	0x2U	/* what is not sent yet */

/**
 * struct hsx_uart_info - HSX_IOC_UART_INFO
 * @port: in
 * @bound: out, 1 when the port is bound to a tty
 * @from_dt: out, 1 when the binding comes from the device tree
 * @reserved: zero
 * @tty: out, the tty's name ("ttyS1"), empty when unbound
 * @config: out, the port's configuration (@config.port is @port)
 */
struct hsx_uart_info {
	__u32 port;
	__u32 bound;
	__u32 from_dt;
	__u32 reserved;
	char tty[HSX_UART_TTY_NAME_MAX];
	struct hsx_uart_config config;
};

/**
 * struct hsx_uart_map - HSX_IOC_UART_MAP (admin node only)
 * @port: the port
 * @reserved: zero
 * @tty: the tty's name ("ttyS1", no "/dev/"); empty unbinds the port
 *
 * Errors: EPERM not the admin node, EBUSY the port is bound (unbind first)
 * or the tty is open (by a user, or bound to another port), ENODEV no such
 * tty, EINVAL a bad name, EOPNOTSUPP the binding comes from the device tree.
 * Unbinding ends every user of the port (ENODEV, the mailbox closes) and
 * discards what was written but not sent yet.
 */
struct hsx_uart_map {
	__u32 port;
	__u32 reserved;
	char tty[HSX_UART_TTY_NAME_MAX];
};

/**
 * struct hsx_uart_events - HSX_IOC_UART_SET_EVENTS: the line events a port
 *	posts to its mailbox, for every subscriber (needs HSX_CAP_R_UART_CONFIG)
 * @port: in
 * @events: HSX_UART_EVF_*; 0 turns them off
 * @idle_ms: the quiet gap for IDLE, 1..HSX_UART_IDLE_MAX_MS; 0 without IDLE
 * @reserved: zero
 *
 * Errors: EINVAL a bit or gap out of range, EOPNOTSUPP MODEM on a port
 * without modem lines. The setting lasts as long as the binding.
 */
struct hsx_uart_events {
	__u32 port;
	__u32 events;
	__u32 idle_ms;
	__u32 reserved;
};

#define HSX_UART_FN_WRITE	0x0
#define HSX_UART_FN_READ_POLL	0x1
#define HSX_UART_FN_CONFIG	0x2
#define HSX_UART_FN_GET_STATUS	0x3
#define HSX_UART_FN_MODEM	0x4	/* additions from here on */
#define HSX_UART_FN_BREAK	0x5
#define HSX_UART_FN_DRAIN	0x6
#define HSX_UART_FN_DISCARD	0x7
#define HSX_UART_FN_INFO	0x8
#define HSX_UART_FN_MAP		0x9
#define HSX_UART_FN_SET_EVENTS	0xa

#define HSX_IOC_UART_WRITE \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_UART, HSX_UART_FN_WRITE), struct hsx_uart_xfer)
#define HSX_IOC_UART_READ_POLL \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_UART, HSX_UART_FN_READ_POLL), \
	      struct hsx_uart_xfer)
#define HSX_IOC_UART_CONFIG \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_UART, HSX_UART_FN_CONFIG), \
	      struct hsx_uart_config)
#define HSX_IOC_UART_GET_STATUS \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_UART, HSX_UART_FN_GET_STATUS), \
	      struct hsx_uart_status)
#define HSX_IOC_UART_MODEM \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_UART, HSX_UART_FN_MODEM), struct hsx_uart_modem)
#define HSX_IOC_UART_BREAK \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_UART, HSX_UART_FN_BREAK), struct hsx_uart_ctl)
#define HSX_IOC_UART_DRAIN \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_UART, HSX_UART_FN_DRAIN), struct hsx_uart_ctl)
#define HSX_IOC_UART_DISCARD \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_UART, HSX_UART_FN_DISCARD), struct hsx_uart_ctl)
#define HSX_IOC_UART_INFO \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_UART, HSX_UART_FN_INFO), struct hsx_uart_info)
#define HSX_IOC_UART_MAP \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_UART, HSX_UART_FN_MAP), struct hsx_uart_map)
#define HSX_IOC_UART_SET_EVENTS \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_UART, HSX_UART_FN_SET_EVENTS), \
	     struct hsx_uart_events)

/* The UART event posted to "hal:uart:<n>:rx" is the nest HSX_A_EVT_UART. */

/* ---- CAN module 0x11 --------------------------------------------------- */

/*
 * HSX buses are 0..HSX_CAN_MAX_BUSES-1. Each is bound to one SocketCAN
 * network interface ("can0", "vcan0", a USB adapter's "can1") of the initial
 * network namespace, by the device tree (an "hsx,can" node's hsx-cans
 * phandles: bus i is entry i's controller's interface), by the module
 * parameter can_map ("0=vcan0,1=can0") or by the admin ioctl
 * HSX_IOC_CAN_MAP; a renamed interface keeps its bus.
 * hsx.ko sends and receives through the kernel's CAN core, as can-raw and
 * can-bcm do, so the interface stays the kernel's: candump, a raw socket and
 * hsx see the same bus. The spec has one bus: its calls act on bus 0.
 *
 * Every function takes the bus in its argument and is served by /dev/hsx/can,
 * and by /dev/hsx/can<n> for bus n only (another bus there is EINVAL). A
 * bound bus is an instance: /sys/hal/can/<n>/. Once its interface is gone
 * (deleted, its driver unbound, its USB adapter unplugged) or the bus is
 * unbound, every function on it fails with ENODEV and its mailboxes close
 * with HSX_CLOSE_GONE.
 *
 * Receiving. Every frame on the bus goes to the mailbox "hal:can:<n>:rx"
 * (bus 0's also to "hal:can:rx", the spec's name): frames from the wire and
 * frames other local programs sent (flagged HSX_CAN_F_LOCAL), not the ones
 * sent through the subscriber's own /dev/hsx file. Each subscriber receives
 * only the frames whose ID its capability covers for receiving (see
 * struct hsx_cap_selector's can member) and that pass the filters set with
 * HSX_IOC_CAN_SET_FILTER on the file the subscription was made with (none
 * enabled: every frame). A frame a subscriber is not to receive is no event
 * for it: never queued, never counted as its drop, and its sequence numbers
 * (HSX_A_EVT_SEQ) count only the events meant for it, so a gap in them is
 * exactly what it lost. Error frames and controller state changes go to
 * "hal:can:<n>:err" (HSX_CAN_EV_ERROR records): those from the bus only (the
 * controller's driver, a vxcan's other end), never an error frame a local
 * program sent, which would fake the bus's state.
 *
 * Sending. HSX_IOC_CAN_TX waits until the interface echoes the frame back,
 * which an IFF_ECHO driver (a real controller, vcan with echo=1) does once
 * the frame was on the wire, and other interfaces once it was queued; or
 * until its timeout: ETIMEDOUT (the frame may still go out later). With
 * HSX_CAN_TX_NOWAIT it returns once the frame is queued, and the echo is
 * posted as a HSX_CAN_EV_TX_DONE record to the bus's rx mailbox, for the
 * subscriptions of the sending file only; so is the echo of a waiting TX
 * that came after its timeout (with a cookie the failed call did not
 * return). A NOWAIT frame whose echo did not come is posted there as a
 * HSX_CAN_EV_TX_FAILED record (cookie, frame, reason HSX_CAN_TXF_*) and
 * counted in the bus's tx_failed: its timeout passed, the interface went
 * down or away, the controller went bus-off (which drops its queue) or the
 * file was closed. TX_FAILED means "not confirmed", not "not sent": a frame
 * already handed to the controller may still have gone out (a timeout in
 * particular). Each cookie of a NOWAIT send gets exactly one record,
 * TX_DONE or TX_FAILED: an echo after the TX_FAILED (the frame went out
 * late) is counted in tx_frames, not posted. A NOWAIT send's timeout_ms
 * (0: HSX_CAN_TX_TIMEOUT_DEFAULT_MS) bounds both the wait for room in a full
 * transmit queue, within the call, and the wait for the echo, after it.
 * At most HSX_CAN_TX_PENDING_MAX NOWAIT frames of one file, and
 * HSX_CAN_TX_PENDING_BUS_MAX of all files, await their echo on a bus; one
 * more is EAGAIN at once (a limit of hsx's). A full transmit queue (ENOBUFS
 * from the CAN core: the interface's limit) is waited out until the
 * timeout, then ENOBUFS. The bus's tx_failed counts the TX calls that
 * returned an error (EAGAIN and ENOBUFS included) and the TX_FAILED
 * records: a NOWAIT frame is counted once, as either.
 *
 * Bitrate and controller modes belong to the interface and need
 * CAP_NET_ADMIN to change (rtnetlink): HSX_IOC_CAN_CONFIG only checks them,
 * and hsxd changes them (rtnetlink, by interface index) for applications its
 * policy gives the "config" right on the bus.
 */
#define HSX_CAN_MAX_BUSES	16
#define HSX_CAN_IFNAME_MAX	16	/* interface name, with NUL (IFNAMSIZ) */
#define HSX_CAN_FILTERS		16	/* filter banks per file and bus, the spec's 0..15 */
#define HSX_CAN_DATA_MAX	64	/* bytes of a CAN FD frame; classic: 8 */
#define HSX_CAN_SFF_MASK	0x000007ffU	/* standard (11-bit) IDs */
#define HSX_CAN_EFF_MASK	0x1fffffffU	/* extended (29-bit) IDs */
#define HSX_CAN_TX_TIMEOUT_DEFAULT_MS	1000U
#define HSX_CAN_TIMEOUT_MAX_MS	600000U
#define HSX_CAN_TX_PENDING_MAX	64	/* NOWAIT frames of one file awaiting their echo, per bus */
#define HSX_CAN_TX_PENDING_BUS_MAX 256	/* NOWAIT frames of all files awaiting echo, per bus */
#define HSX_MBOX_CAN_RX_FMT	"hal:can:%u:rx"
#define HSX_MBOX_CAN_ERR_FMT	"hal:can:%u:err"
#define HSX_MBOX_CAN_RX		"hal:can:rx"	/* bus 0's frames, as the spec names it */

/* Rights on buses, besides HSX_CAP_R_READ (receive, status) and _WRITE (transmit). */
#define HSX_CAP_R_CAN_CONFIG	0x10000U /* CONFIG: ask for a bitrate or mode */
#define HSX_CAP_R_CAN_ALL	(HSX_CAP_R_READ | HSX_CAP_R_WRITE | HSX_CAP_R_GRANT | \
				 HSX_CAP_R_CAN_CONFIG)

/*
 * IDs in a capability's ranges: a standard ID as it is (0..0x7ff), an
 * extended one with HSX_CAN_SEL_EXT set (0x80000000..0x9fffffff), so that
 * "0x100-0x1ff" covers standard IDs only and one range can cover both formats.
 */
#define HSX_CAN_SEL_EXT		0x80000000U
#define HSX_CAN_SEL_TX		0x1U	/* struct hsx_cap_selector can.flags: tx range present */
#define HSX_CAN_SEL_RX		0x2U	/* rx range present */

/* Frame flags, struct hsx_can_frame.flags; the first two are the spec's HSX_CAN_*_FRAME. */
#define HSX_CAN_F_EXT		0x01	/* 29-bit ID */
#define HSX_CAN_F_RTR		0x02	/* remote request (classic frames only) */
#define HSX_CAN_F_FD		0x04	/* CAN FD frame */
#define HSX_CAN_F_BRS		0x08	/* FD: bit-rate switch */
#define HSX_CAN_F_ESI		0x10	/* FD, received: the sender was error passive */
#define HSX_CAN_F_LOCAL		0x20	/* received: sent by a program on this host */
#define HSX_CAN_F_TX		(HSX_CAN_F_EXT | HSX_CAN_F_RTR | HSX_CAN_F_FD | HSX_CAN_F_BRS)

/**
 * struct hsx_can_frame - one CAN or CAN FD frame
 * @can_id: 0..HSX_CAN_SFF_MASK, or 0..HSX_CAN_EFF_MASK with HSX_CAN_F_EXT
 * @len: payload bytes: 0..8; FD: 0..8, 12, 16, 20, 24, 32, 48 or 64; RTR:
 *	the requested length 0..8 (no data is sent)
 * @flags: HSX_CAN_F_*; on TX only those of HSX_CAN_F_TX
 * @reserved: zero
 * @data: @len bytes; the rest is ignored on TX and zero on RX
 */
struct hsx_can_frame {
	__u32 can_id;
	__u8 len;
	__u8 flags;
	__u8 reserved[2];
	__u8 data[HSX_CAN_DATA_MAX];
};

/* struct hsx_can_tx.flags */
#define HSX_CAN_TX_NOWAIT	0x1U	/* return once queued; then a TX_DONE or TX_FAILED record */
#define HSX_CAN_TX_ALL		HSX_CAN_TX_NOWAIT

/**
 * struct hsx_can_tx - HSX_IOC_CAN_TX
 * @bus: in
 * @timeout_ms: in, how long to wait for room and the echo, 0 for
 *	HSX_CAN_TX_TIMEOUT_DEFAULT_MS, at most HSX_CAN_TIMEOUT_MAX_MS
 * @flags: in, HSX_CAN_TX_*
 * @reserved: zero
 * @cookie: out, the frame's number on this file, as its TX_DONE or TX_FAILED record has it
 * @frame: in
 *
 * Needs HSX_CAP_R_WRITE with the frame's ID in the capability's tx range.
 * Errors: EINVAL a bad frame (see struct hsx_can_frame), EMSGSIZE an FD
 * frame on an interface not in FD mode, ENETDOWN the interface is down,
 * ENOBUFS its queue stayed full, ETIMEDOUT no echo in time, EINTR a signal
 * (the frame may have gone), EAGAIN (NOWAIT) HSX_CAN_TX_PENDING_MAX frames
 * of this file, or HSX_CAN_TX_PENDING_BUS_MAX of all, await their echo on
 * the bus.
 */
struct hsx_can_tx {
	__u32 bus;
	__u32 timeout_ms;
	__u32 flags;
	__u32 reserved;
	__aligned_u64 cookie;
	struct hsx_can_frame frame;
};

/* Controller modes, struct hsx_can_config.mode (as the interface's ctrlmode). */
#define HSX_CAN_MODE_LOOPBACK		0x1U
#define HSX_CAN_MODE_LISTEN_ONLY	0x2U
#define HSX_CAN_MODE_FD			0x4U
#define HSX_CAN_MODE_ALL	(HSX_CAN_MODE_LOOPBACK | HSX_CAN_MODE_LISTEN_ONLY | HSX_CAN_MODE_FD)
#define HSX_CAN_BITRATE_MAX	8000000U

/**
 * struct hsx_can_config - HSX_IOC_CAN_CONFIG: is the bus set up as asked?
 * @bus: in
 * @bitrate: in, bit/s, 1..HSX_CAN_BITRATE_MAX; 0: any
 * @data_bitrate: in, FD data phase, as @bitrate; 0: any
 * @mode: in, HSX_CAN_MODE_* the interface must be in (and no others)
 * @reserved: zero
 *
 * Returns 0 when the interface already runs so. Errors: EOPNOTSUPP the
 * interface has no bitrate or modes (vcan, vxcan) and some were asked for;
 * EREMCHG it runs otherwise: changing it needs CAP_NET_ADMIN, which
 * hsx.ko does not lend (the library asks hsxd). Needs HSX_CAP_R_CAN_CONFIG.
 */
struct hsx_can_config {
	__u32 bus;
	__u32 bitrate;
	__u32 data_bitrate;
	__u32 mode;
	__u32 reserved[4];
};

/* struct hsx_can_filter.flags */
#define HSX_CAN_FLT_ON		0x1U	/* the bank is on; without it: off, all else zero */
#define HSX_CAN_FLT_STD		0x2U	/* only standard frames (else both formats) */
#define HSX_CAN_FLT_EXT		0x4U	/* only extended frames */
#define HSX_CAN_FLT_ALL		(HSX_CAN_FLT_ON | HSX_CAN_FLT_STD | HSX_CAN_FLT_EXT)

/**
 * struct hsx_can_filter - HSX_IOC_CAN_SET_FILTER: one of this file's banks
 * @bus: in
 * @bank: in, 0..HSX_CAN_FILTERS-1
 * @id: in, 0..HSX_CAN_EFF_MASK
 * @mask: in, 0..HSX_CAN_EFF_MASK: the ID bits compared
 * @flags: in, HSX_CAN_FLT_*
 * @reserved: zero
 *
 * A frame passes when no bank of the file for the bus is on, or when it
 * matches one that is: (frame ID & @mask) == (@id & @mask), in the bank's
 * format. The banks apply to this file's subscriptions to the bus's rx
 * mailboxes, those already made included. Needs HSX_CAP_R_READ.
 */
struct hsx_can_filter {
	__u32 bus;
	__u32 bank;
	__u32 id;
	__u32 mask;
	__u32 flags;
	__u32 reserved[3];
};

/* Controller states, struct hsx_can_status.state (as the kernel's enum can_state). */
#define HSX_CAN_STATE_ACTIVE	0	/* error active */
#define HSX_CAN_STATE_WARNING	1	/* an error counter reached 96 */
#define HSX_CAN_STATE_PASSIVE	2	/* an error counter reached 128 */
#define HSX_CAN_STATE_BUS_OFF	3
#define HSX_CAN_STATE_STOPPED	4	/* the interface is down */
#define HSX_CAN_STATE_SLEEPING	5
#define HSX_CAN_STATE_NONE	6	/* no controller (vcan, vxcan) */

/* struct hsx_can_status.status */
#define HSX_CAN_ST_UP		0x01	/* the interface is up */
#define HSX_CAN_ST_BUS_OFF	0x02
#define HSX_CAN_ST_PASSIVE	0x04	/* error passive */
#define HSX_CAN_ST_WARNING	0x08	/* error warning */
#define HSX_CAN_ST_ERRORS	0x10	/* error frames since this file's last GET_STATUS */
#define HSX_CAN_ST_FD		0x20	/* the interface carries FD frames */

/**
 * struct hsx_can_status - HSX_IOC_CAN_GET_STATUS
 * @bus: in
 * @status: out, HSX_CAN_ST_*
 * @state: out, HSX_CAN_STATE_*
 * @tx_errors: out, the controller's transmit error counter (0 without one)
 * @rx_errors: out, its receive error counter
 * @bitrate: out, bit/s, 0 without one
 * @data_bitrate: out, FD data phase
 * @mode: out, HSX_CAN_MODE_*
 * @rx_frames: out, frames the bus received (its own echoes not counted)
 * @tx_frames: out, frames sent through hsx and echoed
 * @tx_failed: out, sends that failed or timed out
 * @error_frames: out, error frames received
 * @bus_off: out, times the controller went bus-off
 * @reserved: zero
 */
struct hsx_can_status {
	__u32 bus;
	__u32 status;
	__u32 state;
	__u32 tx_errors;
	__u32 rx_errors;
	__u32 bitrate;
	__u32 data_bitrate;
	__u32 mode;
	__aligned_u64 rx_frames;
	__aligned_u64 tx_frames;
	__aligned_u64 tx_failed;
	__aligned_u64 error_frames;
	__aligned_u64 bus_off;
	__aligned_u64 reserved;
};

/**
 * struct hsx_can_info - HSX_IOC_CAN_INFO
 * @bus: in
 * @bound: out, 1 when the bus is bound (else every other field is zero)
 * @from_dt: out, 1 when the device tree bound it (an "hsx,can" node)
 * @mtu: out, the interface's MTU: 16 (classic frames), 72 (FD frames too),
 *	more (CAN XL, which hsx does not carry)
 * @ifindex: out, the interface's index
 * @reserved: zero
 * @ifname: out, the interface's name
 */
struct hsx_can_info {
	__u32 bus;
	__u32 bound;
	__u32 from_dt;
	__u32 mtu;
	__u32 ifindex;
	__u32 reserved;
	char ifname[HSX_CAN_IFNAME_MAX];
};

/**
 * struct hsx_can_map - HSX_IOC_CAN_MAP (admin node only)
 * @bus: in
 * @reserved: zero
 * @ifname: in, the interface to bind @bus to; "" to unbind it
 *
 * Errors: EBUSY bound already (or the interface is the controller's of a
 * bus the device tree reserves), ENODEV no such interface, EINVAL not a CAN
 * interface or a bad name, ENXIO unbinding a bus not bound, EOPNOTSUPP the
 * device tree reserves the bus (bound or not).
 */
struct hsx_can_map {
	__u32 bus;
	__u32 reserved;
	char ifname[HSX_CAN_IFNAME_MAX];
};

/*
 * Periodic transmission (HSX_IOC_CAN_PERIODIC), what can-bcm's TX_SETUP
 * gives: a job of the open file sends one frame on a bus every @interval_us
 * from a kernel timer, @count times or until stopped; UPDATE replaces the
 * frame in place, so the next send carries it and the period has no gap.
 * Each send is checked as HSX_IOC_CAN_TX is (HSX_CAP_R_WRITE, the frame's ID
 * in the capability's tx range), but not against the calling process: the
 * job acts for the file that started it. A job ends by itself when its
 * count is reached, when the capability ends or stops covering it, when the
 * bus's interface goes away, or when a send fails for good. A full queue
 * (ENOBUFS), a down interface or no memory are counted as failed sends and
 * the job goes on, backing off: after n failed sends in a row it waits 2^n
 * periods, at most HSX_CAN_PERIODIC_BACKOFF_MAX, before it tries again (one
 * sent frame and it keeps its period again). Its end is posted as a
 * HSX_CAN_EV_PERIODIC_END record to the bus's rx mailbox (that bus's
 * "hal:can:<n>:rx" only: the spec's "hal:can:rx" has bus 0's frames, no
 * records), for the file's own subscriptions only (those made under an ended capability closed with
 * it: QUERY, under a capability again, still tells). A job stopped by STOP
 * or by closing the file posts nothing, and a send it loses to the close
 * is not counted as failed. An ended job keeps its slot (QUERY reads its
 * counts and end) until STOP or START frees it. STOP ends the sending, not
 * what was already sent: a frame handed to the driver before STOP may
 * still leave its queue or FIFO after STOP returns. The frames the job
 * sends reach the file's subscriptions neither as frames nor as TX_DONE.
 *
 * Bounds. A file has HSX_CAN_PERIODIC_MAX slots (a slot past them is
 * EINVAL); a bus runs at most HSX_CAN_PERIODIC_BUS_MAX jobs of all its
 * files, and at most HSX_CAN_PERIODIC_BUS_FPS frames a second of them all
 * (each job counted at 1000000 / @interval_us, rounded up): a START past
 * either is ENOSPC, and the job is not started (the slot keeps the ended
 * job it held). A job counts while it runs: ended, it counts no more. A
 * frame longer than the interface carries (an FD frame on a classic
 * interface, by its MTU) is EMSGSIZE at START and UPDATE.
 *
 * The interval floor is the timer module's (HSX_TIMER_PERIOD_MIN_US):
 * 100 us is about what a 1 Mbit/s bus needs for one 8-byte frame (~130
 * bits), so a shorter period could only fill the queue and fail sends.
 */
#define HSX_CAN_PERIODIC_MAX		16	/* jobs per open file, over every bus */
#define HSX_CAN_PERIODIC_BUS_MAX	64	/* jobs per bus, over every file */
#define HSX_CAN_PERIODIC_BUS_FPS	20000	/* their frames a second per bus */
#define HSX_CAN_PERIODIC_BACKOFF_MAX	64	/* periods a failing job waits at most */
#define HSX_CAN_PERIODIC_MIN_US		HSX_TIMER_PERIOD_MIN_US
#define HSX_CAN_PERIODIC_MAX_US		HSX_TIMER_PERIOD_MAX_US

/* struct hsx_can_periodic.op */
#define HSX_CAN_PER_START	0	/* start a job in a free slot (or one whose job ended) */
#define HSX_CAN_PER_UPDATE	1	/* replace the running job's frame */
#define HSX_CAN_PER_STOP	2	/* stop the job and free the slot; counts returned */
#define HSX_CAN_PER_QUERY	3	/* read the job's counts and state */

/* Why a job ended: struct hsx_can_periodic.end, the PERIODIC_END record's @error. */
#define HSX_CAN_END_NONE	0	/* running */
#define HSX_CAN_END_COUNT	1	/* it sent @count frames */
#define HSX_CAN_END_REVOKED	2	/* the capability ended, or covers the frame no more */
#define HSX_CAN_END_GONE	3	/* the bus's interface went away, or the bus was unbound */
#define HSX_CAN_END_FAILED	4	/* a send failed for good (not a full queue, a down link) */

/**
 * struct hsx_can_periodic - HSX_IOC_CAN_PERIODIC
 * @bus: in; STOP, UPDATE and QUERY: the job's
 * @slot: in, 0..HSX_CAN_PERIODIC_MAX-1: the job, this file's number for it
 * @op: in, HSX_CAN_PER_*
 * @flags: in, zero (none defined)
 * @interval_us: in (START), HSX_CAN_PERIODIC_MIN_US..HSX_CAN_PERIODIC_MAX_US;
 *	the first frame goes at once, the next ones every @interval_us
 * @count: in (START), frames to send, then the job ends; 0: until stopped
 * @sent: out (STOP, QUERY), frames handed to the interface
 * @failed: out (STOP, QUERY), sends that failed (each also in the bus's
 *	tx_failed)
 * @end: out (STOP, QUERY), HSX_CAN_END_*
 * @reserved: zero
 * @frame: in (START, UPDATE), as for HSX_IOC_CAN_TX
 *
 * Needs HSX_CAP_R_WRITE with the frame's ID in the tx range (START, UPDATE,
 * and QUERY with the job's frame). STOP needs nothing: the slot is freed
 * whatever the capability, and its counts are returned only where QUERY's
 * check passes (else zero, @end as the job's). Errors: EINVAL bad argument,
 * EBUSY START on a running job's slot, ENOSPC the bus's bounds (above),
 * EMSGSIZE a frame the interface does not carry, ENOENT no job in the slot
 * (or another bus's), ESRCH UPDATE of an ended job, ENODEV the bus's
 * interface is gone; the capability's denials (EACCES, EKEYREVOKED, ...).
 */
struct hsx_can_periodic {
	__u32 bus;
	__u32 slot;
	__u32 op;
	__u32 flags;
	__u32 interval_us;
	__u32 count;
	__aligned_u64 sent;
	__aligned_u64 failed;
	__u32 end;
	__u32 reserved;
	struct hsx_can_frame frame;
};

/*
 * RX-timeout watches (HSX_IOC_CAN_WATCH), what can-bcm's RX_SETUP with
 * RX_TIMEOUT gives: a watch of the open file on a bus for the frames whose
 * ID matches @id under @mask (one format: HSX_CAN_FLT_STD or _EXT). When
 * none came for @timeout_us since the watch was armed or since the last
 * one, a HSX_CAN_EV_RX_TIMEOUT record goes to the bus's rx mailbox for the
 * file's own subscriptions, once: the watch then stays quiet until the
 * next matching frame, which starts the timeout again (one record per
 * silence). Every frame on the bus counts, whoever sent it, and whatever
 * the file's filter banks. Arming needs HSX_CAP_R_READ with the IDs from
 * the lowest to the highest the watch matches (id & mask to (id & mask) |
 * ~mask, in the format) in the capability's rx range; checked again when a
 * record would be posted. A watch ends (@end) when its file's capability
 * ends (HSX_CAN_END_REVOKED, at once), when the capability no longer
 * covers it at a timeout (REVOKED too), or when the bus's interface goes
 * away (HSX_CAN_END_GONE); an ended watch counts and posts nothing more,
 * and keeps its slot for QUERY until DISARM or ARM. No record says it
 * ended: the subscriptions it posted to were made under the capability
 * and closed with it; QUERY under a capability again tells. Closing the
 * file or DISARM ends it.
 *
 * Bounds. A file has HSX_CAN_WATCH_MAX slots (a slot past them is EINVAL);
 * a bus has at most HSX_CAN_WATCH_BUS_MAX watches of all its files: an ARM
 * past it is ENOSPC; an ended watch counts no more. A received frame
 * costs each watch of its bus one compare, and a matching one a counter
 * and a timestamp: the watch's timer is not restarted per frame, but looks
 * at the last frame's time when it fires.
 */
#define HSX_CAN_WATCH_MAX		16	/* watches per open file, over every bus */
#define HSX_CAN_WATCH_BUS_MAX		64	/* watches per bus, over every file */

/* struct hsx_can_watch.op */
#define HSX_CAN_WATCH_ARM	0	/* (re)arm the slot's watch */
#define HSX_CAN_WATCH_DISARM	1	/* end it, free the slot; counts returned */
#define HSX_CAN_WATCH_QUERY	2	/* read its counts */

/**
 * struct hsx_can_watch - HSX_IOC_CAN_WATCH
 * @bus: in; DISARM and QUERY: the watch's
 * @slot: in, 0..HSX_CAN_WATCH_MAX-1
 * @op: in, HSX_CAN_WATCH_*
 * @flags: in (ARM), HSX_CAN_FLT_STD or HSX_CAN_FLT_EXT: the format watched
 * @id: in (ARM), the ID, within the format's mask
 * @mask: in (ARM), the ID bits compared, within the format's mask
 * @timeout_us: in (ARM), HSX_CAN_PERIODIC_MIN_US..HSX_CAN_PERIODIC_MAX_US
 * @end: in, zero; out (DISARM, QUERY), HSX_CAN_END_NONE while it watches,
 *	else HSX_CAN_END_REVOKED or HSX_CAN_END_GONE
 * @frames: out (DISARM, QUERY), matching frames since armed
 * @timeouts: out (DISARM, QUERY), timeouts since armed (records posted or not)
 *
 * @flags, @id, @mask and @timeout_us are zero for DISARM and QUERY. QUERY
 * needs what ARM needs (HSX_CAP_R_READ over the watched IDs); DISARM needs
 * nothing: the slot is freed whatever the capability, and its counts are
 * returned only where QUERY's check passes (else zero, @end as the watch's).
 * ARM on a slot with a watch replaces it. Errors: EINVAL bad argument,
 * EACCES an ID the capability may not receive (and the capability's other
 * denials), ENOSPC the bus's bound, ENOENT no watch in the slot (or another
 * bus's), ENODEV the bus's interface is gone.
 */
struct hsx_can_watch {
	__u32 bus;
	__u32 slot;
	__u32 op;
	__u32 flags;
	__u32 id;
	__u32 mask;
	__u32 timeout_us;
	__u32 end;
	__aligned_u64 frames;
	__aligned_u64 timeouts;
};

#define HSX_CAN_FN_TX		0x0
#define HSX_CAN_FN_CONFIG	0x1
#define HSX_CAN_FN_SET_FILTER	0x2
#define HSX_CAN_FN_GET_STATUS	0x3
#define HSX_CAN_FN_INFO		0x4	/* additions from here on */
#define HSX_CAN_FN_MAP		0x5
#define HSX_CAN_FN_PERIODIC	0x6
#define HSX_CAN_FN_WATCH	0x7

#define HSX_IOC_CAN_TX \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CAN, HSX_CAN_FN_TX), struct hsx_can_tx)
#define HSX_IOC_CAN_CONFIG \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CAN, HSX_CAN_FN_CONFIG), struct hsx_can_config)
#define HSX_IOC_CAN_SET_FILTER \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CAN, HSX_CAN_FN_SET_FILTER), \
	     struct hsx_can_filter)
#define HSX_IOC_CAN_GET_STATUS \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CAN, HSX_CAN_FN_GET_STATUS), \
	      struct hsx_can_status)
#define HSX_IOC_CAN_INFO \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CAN, HSX_CAN_FN_INFO), struct hsx_can_info)
#define HSX_IOC_CAN_MAP \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CAN, HSX_CAN_FN_MAP), struct hsx_can_map)
#define HSX_IOC_CAN_PERIODIC \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CAN, HSX_CAN_FN_PERIODIC), \
	      struct hsx_can_periodic)
#define HSX_IOC_CAN_WATCH \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CAN, HSX_CAN_FN_WATCH), struct hsx_can_watch)

/* Kinds of record, struct hsx_can_record.kind. */
#define HSX_CAN_EV_FRAME	0	/* a frame received: frame, timestamp */
#define HSX_CAN_EV_TX_DONE	1	/* a NOWAIT frame of this file was echoed: cookie, frame */
#define HSX_CAN_EV_ERROR	2	/* an error frame: error, state, counters, frame.data */
/*
 * An ERROR record of error class 0 is no frame: the interface came up (a
 * restart by down and up sends no "restarted" error frame) with its
 * controller in another state than the last error frame said; state is the
 * controller's now, the rest zero.
 */
/*
 * A periodic job of this file ended by itself: state its slot, error its
 * HSX_CAN_END_*, cookie the frames it sent, tx_errors its failed sends (at
 * most 0xffff: QUERY has them all), frame its last frame.
 */
#define HSX_CAN_EV_PERIODIC_END	3
/*
 * A watch of this file saw no matching frame for its timeout: state its
 * slot, cookie its timeouts so far (this one included), frame.can_id and
 * the EXT flag its ID, frame.len 0.
 */
#define HSX_CAN_EV_RX_TIMEOUT	4
/*
 * TX_FAILED: a NOWAIT frame of this file was not confirmed (no echo came; it
 * may still have gone out): cookie, frame, and error the reason
 * (HSX_CAN_TXF_*). Readers skip kinds and reasons they do not know: more
 * may come.
 */
#define HSX_CAN_EV_TX_FAILED	5
/* Further kinds from here on. */

/* Why a NOWAIT frame was not confirmed: the TX_FAILED record's error. */
#define HSX_CAN_TXF_TIMEOUT	1	/* its timeout passed */
#define HSX_CAN_TXF_DOWN	2	/* the interface was set down (not deleted: GONE) */
#define HSX_CAN_TXF_BUS_OFF	3	/* the controller went bus-off */
#define HSX_CAN_TXF_GONE	4	/* the interface went away, or the bus was unbound */
#define HSX_CAN_TXF_CLOSED	5	/* the sending file was closed */

/*
 * The CAN event posted to the bus's mailboxes is the nest HSX_A_EVT_CAN. An
 * ERROR record's @error is the error frame's class (CAN_ERR_* of
 * <linux/can/error.h>, CAN_ERR_FLAG removed) and frame.data its eight detail
 * bytes, as the kernel's CAN drivers fill them.
 */

/* ---- FRAM module 0x13 --------------------------------------------------- */

/*
 * FRAM devices are 0..HSX_FRAM_MAX_DEVICES-1 (the spec's calls act on
 * device 0). Each is bound to one nvmem device of the kernel (an at25 SPI
 * FRAM "spi0.0", an at24 I2C EEPROM "0-00500", hsx_fram_sim.ko's simulated
 * part "hsx-fram-sim0", any other provider), by the device tree (an
 * "hsx,fram" node's hsx-frams phandles: device i is entry i), by the module
 * parameter fram_map ("0=spi0.0") or by the admin ioctl HSX_IOC_FRAM_MAP. A bound
 * device is an instance: /dev/hsx/fram<n>, /sys/hal/fram/<n>/. Every
 * function takes the device in its argument and is served by /dev/hsx/fram
 * and by /dev/hsx/fram<n> for device n only (another there is EINVAL). Once
 * the nvmem device is gone (its driver unbound, or the device unmapped),
 * every function on it fails with ENODEV.
 *
 * Address space. The application sees addresses 0..size-1, where size is
 * the part's size less hsx's reserved area at its end (GET_SIZE and INFO
 * say both). hsx checks every access itself: addr < size, len <= size -
 * addr, len <= HSX_FRAM_XFER_MAX (the nvmem core does not check).
 *
 * Wear. Every write adds one to the write count of each block of
 * HSX_FRAM_BLOCK_SIZE bytes it touches (the count of the first block wins
 * for GET_WEAR's address). The counts live in the reserved area as an
 * HSX_FRAM record (below), written back at most once every
 * HSX_FRAM_WEAR_FLUSH_MS and when the device is unbound: they survive a
 * reload and a reboot, and a power loss forgets at most the writes of the
 * last HSX_FRAM_WEAR_FLUSH_MS. A part smaller than HSX_FRAM_WEAR_MIN_SIZE
 * has no reserved area: its counts start at 0 when it is bound
 * (HSX_FRAM_F_WEAR_VOLATILE).
 *
 * Records (HSX_IOC_FRAM_RECORD_READ/_WRITE) survive a power loss in the
 * middle of their write: a record group of @slots slots (2..HSX_FRAM_SLOTS_MAX)
 * of @slot_size bytes each lies at @base + id * slots * slot_size. Each
 * slot holds a header (struct hsx_fram_slot_header, little-endian) and the
 * payload after it. A write goes to the slot after the current one,
 * payload first and header last, with a sequence number one above the
 * current one and a CRC-32C over the header (crc as 0) and the payload; a
 * read takes the slot with a valid CRC and the highest sequence. A write
 * cut anywhere leaves the previous record whole and readable; rotating
 * through the slots spreads the wear.
 */
#define HSX_FRAM_MAX_DEVICES	8
#define HSX_CAP_R_FRAM_ALL	(HSX_CAP_R_READ | HSX_CAP_R_WRITE | HSX_CAP_R_GRANT)
#define HSX_FRAM_NAME_MAX	32	/* nvmem device name, with NUL */
#define HSX_FRAM_PART_MAX	0x1000000U	/* bytes of the largest part hsx binds (16 MiB) */
#define HSX_FRAM_XFER_MAX	65536	/* bytes per READ or WRITE */
#define HSX_FRAM_BLOCK_SIZE	256	/* bytes per wear count */
#define HSX_FRAM_WEAR_MIN_SIZE	2048	/* smaller parts keep their counts in memory only */
#define HSX_FRAM_WEAR_FLUSH_MS	1000
#define HSX_FRAM_SEL_RANGES	3	/* address ranges per capability */
#define HSX_FRAM_SLOTS_MAX	16
#define HSX_FRAM_RECORD_MAX	4096	/* payload bytes per record */
#define HSX_FRAM_SLOT_MAGIC	0x52585348U	/* "HSXR" little-endian */

/* struct hsx_fram_info.flags */
#define HSX_FRAM_F_READ_ONLY	 0x1U	/* the provider has no write */
#define HSX_FRAM_F_WEAR_VOLATILE 0x2U	/* no reserved area: counts since binding */

/* struct hsx_fram_record.flags, out */
#define HSX_FRAM_REC_F_CORRUPT	0x1U	/* a slot of the group failed its CRC */
#define HSX_FRAM_REC_F_TRUNCATED 0x2U	/* READ: the payload was longer than the room */

/**
 * struct hsx_fram_xfer - HSX_IOC_FRAM_READ, HSX_IOC_FRAM_WRITE
 * @dev: in
 * @addr: in, first address, < size
 * @len: in, 1..HSX_FRAM_XFER_MAX, at most size - @addr
 * @reserved: zero
 * @buf: in, user address of the bytes (u64 for 32-bit callers too)
 * @done: out, bytes read or written
 * @reserved2: zero
 *
 * The capability must cover the whole range, or nothing is done (EACCES).
 * A WRITE goes to the part in chunks of up to 1 KiB, cut at 1 KiB
 * boundaries, a READ in chunks of up to 4 KiB; one that fails in the device
 * after some chunks went reports their bytes in @done and succeeds if any
 * did; so does a READ whose buffer faults part way (at most the bytes
 * before the fault, as read(2)). A WRITE's buffer is copied whole first.
 * Errors: EFAULT a buffer that took or gave nothing (nothing written),
 * EINVAL a range outside the device
 * or a bad length (nothing is read or written), EROFS a read-only part,
 * EIO the device failed, ENODEV the device is gone.
 */
struct hsx_fram_xfer {
	__u32 dev;
	__u32 addr;
	__u32 len;
	__u32 reserved;
	__aligned_u64 buf;
	__u32 done;
	__u32 reserved2;
};

/**
 * struct hsx_fram_wear - HSX_IOC_FRAM_GET_WEAR
 * @dev: in
 * @addr: in, < size; a capability must cover its whole block (within
 *	size), since the count is the whole block's writes
 * @count: out, writes to the block holding @addr
 * @block: out, that block's number (@addr / HSX_FRAM_BLOCK_SIZE)
 * @reserved: zero
 */
struct hsx_fram_wear {
	__u32 dev;
	__u32 addr;
	__aligned_u64 count;
	__u32 block;
	__u32 reserved;
};

/**
 * struct hsx_fram_info - HSX_IOC_FRAM_INFO (HSX_IOC_FRAM_GET_SIZE is its @size)
 * @dev: in
 * @bound: out, 1 when bound (else every other field is zero)
 * @size: out, the application's bytes: the part's less @reserved
 * @part_size: out, the part's size
 * @reserved: out, bytes at the end kept by hsx for the wear counts
 * @block_size: out, HSX_FRAM_BLOCK_SIZE
 * @flags: out, HSX_FRAM_F_*
 * @pad: zero
 * @name: out, the nvmem device's name
 */
struct hsx_fram_info {
	__u32 dev;
	__u32 bound;
	__u32 size;
	__u32 part_size;
	__u32 reserved;
	__u32 block_size;
	__u32 flags;
	__u32 pad;
	char name[HSX_FRAM_NAME_MAX];
};

/**
 * struct hsx_fram_map - HSX_IOC_FRAM_MAP (admin node only)
 * @dev: in
 * @size: in, the part's size when the kernel cannot tell it (0: ask the kernel)
 * @name: in, the nvmem device to bind @dev to; "" to unbind it
 *
 * Errors: EBUSY bound already, ENODEV no such nvmem device (or its driver
 * is going), EINVAL a bad name or a size the kernel contradicts, ENXIO
 * unbinding a device not bound, EOPNOTSUPP a device the device tree
 * reserves, bound or waiting for its provider (its binding is the
 * firmware's), or a kernel without the nvmem core, EBUSY also a part a
 * device-tree device reserves, ENOSPC its provider on a fifth kind of bus.
 */
struct hsx_fram_map {
	__u32 dev;
	__u32 size;
	char name[HSX_FRAM_NAME_MAX];
};

/**
 * struct hsx_fram_record - HSX_IOC_FRAM_RECORD_READ, _WRITE
 * @dev: in
 * @id: in, the record's number in its region
 * @base: in, the region's first address
 * @slot_size: in, bytes per slot, header included; a multiple of 8
 * @slots: in, slots per record, 2..HSX_FRAM_SLOTS_MAX
 * @len: in, WRITE: payload bytes, at most slot_size - the header and
 *	HSX_FRAM_RECORD_MAX; READ: room at @buf; out, READ: the payload's
 *	length, which is more than the room when only the room's bytes were
 *	copied (HSX_FRAM_REC_F_TRUNCATED)
 * @buf: in, user address of the payload
 * @seq: out, the record's sequence number (1 for the first write)
 * @flags: out, HSX_FRAM_REC_F_*
 * @reserved: zero
 *
 * The whole group, base + id * slots * slot_size and its slots * slot_size
 * bytes, must be in range (and, for a capability, in one of its ranges:
 * READ needs the read right, WRITE read and write). Errors: EROFS WRITE
 * to a read-only part, ENODATA no
 * record was ever written there, EBADMSG READ: slots hold a record but
 * every one fails its CRC, EIO the device failed (a WRITE that failed
 * leaves the previous record, unless the part took the whole new header
 * before its driver reported the error: then the new one).
 */
struct hsx_fram_record {
	__u32 dev;
	__u32 id;
	__u32 base;
	__u32 slot_size;
	__u32 slots;
	__u32 len;
	__aligned_u64 buf;
	__aligned_u64 seq;
	__u32 flags;
	__u32 reserved;
};

/**
 * struct hsx_fram_slot_header - the first bytes of a record's slot, little-endian
 * @magic: HSX_FRAM_SLOT_MAGIC
 * @id: the record's id
 * @seq: its sequence number, one above the one it replaced
 * @len: payload bytes after the header
 * @crc: CRC-32C (Castagnoli, initial ~0, final ~0) over the header with
 *	@crc as 0, then the payload
 */
struct hsx_fram_slot_header {
	__le32 magic;
	__le32 id;
	__le64 seq;
	__le32 len;
	__le32 crc;
};

#define HSX_FRAM_FN_READ		0x0
#define HSX_FRAM_FN_WRITE		0x1
#define HSX_FRAM_FN_GET_SIZE		0x2
#define HSX_FRAM_FN_GET_WEAR		0x3
#define HSX_FRAM_FN_INFO		0x4	/* additions from here on */
#define HSX_FRAM_FN_MAP			0x5
#define HSX_FRAM_FN_RECORD_READ		0x6
#define HSX_FRAM_FN_RECORD_WRITE	0x7

#define HSX_IOC_FRAM_READ \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FRAM, HSX_FRAM_FN_READ), struct hsx_fram_xfer)
#define HSX_IOC_FRAM_WRITE \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FRAM, HSX_FRAM_FN_WRITE), struct hsx_fram_xfer)
#define HSX_IOC_FRAM_GET_SIZE \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FRAM, HSX_FRAM_FN_GET_SIZE), \
	      struct hsx_fram_info)
#define HSX_IOC_FRAM_GET_WEAR \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FRAM, HSX_FRAM_FN_GET_WEAR), \
	      struct hsx_fram_wear)
#define HSX_IOC_FRAM_INFO \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FRAM, HSX_FRAM_FN_INFO), struct hsx_fram_info)
#define HSX_IOC_FRAM_MAP \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FRAM, HSX_FRAM_FN_MAP), struct hsx_fram_map)
#define HSX_IOC_FRAM_RECORD_READ \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FRAM, HSX_FRAM_FN_RECORD_READ), \
	      struct hsx_fram_record)
#define HSX_IOC_FRAM_RECORD_WRITE \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FRAM, HSX_FRAM_FN_RECORD_WRITE), \
	      struct hsx_fram_record)

/* ---- FS module 0x14 ----------------------------------------------------- */

/*
 * A private file tree per application. Roots are 0..HSX_FS_MAX_ROOTS-1, each
 * bound by the administrator (HSX_IOC_FS_MAP, hsxd from its policy) to a
 * directory, with byte and file quotas and the credentials every operation
 * beneath it runs with: the directory owner's uid and gid, no supplementary
 * groups and no capabilities (so the tree belongs to a storage owner and is
 * reachable only through hsx, and a file in it that the owner cannot use,
 * the application cannot either). A bound root is an instance:
 * /dev/hsx/fs<n>, /sys/hal/fs/<n>/. Every function that takes a root is
 * served by /dev/hsx/fs and by /dev/hsx/fs<n> for root n only (another
 * there is EINVAL). Once a root is unbound, every function on it fails with
 * ENODEV and its handles are dead.
 * Unbinding a root also revokes every capability that covers it (reason
 * HSX_CAP_END_EXPLICIT, with what was derived from them) before its number
 * can be bound again, so that none reaches the next directory bound as it.
 *
 * Paths (struct hsx_fs_path) are relative to the root: @len bytes at @ptr,
 * no NUL among them (a NUL is EINVAL, not the end), components separated by
 * one '/', each 1..HSX_FS_NAME_MAX bytes of valid UTF-8 without control
 * characters (newline included: LISTDIR separates names with it), never
 * "." or "..", never starting with HSX_FS_TMP_PREFIX (hsx's own); no
 * leading or trailing '/'. The empty path (@len 0) is the root itself, for
 * LISTDIR and STAT only. Resolution is the kernel's scoped lookup, as
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS |
 * RESOLVE_NO_XDEV) from the root: a symlink anywhere in a path is ELOOP, a
 * mount crossed EXDEV, a rename racing the walk EAGAIN retried in the kernel
 * (then EAGAIN). Only regular files and directories are served: anything
 * else (FIFO, device node, socket) is EOPNOTSUPP, skipped by LISTDIR.
 *
 * Handles. OPEN returns a handle: a small number (0..HSX_FS_HANDLES_PER_FILE-1)
 * valid on the /dev/hsx file it was opened through, and only for the process
 * that holds that file's capability. No file descriptor of the underlying
 * file is ever handed out: when the capability ends (revoked, expired, its
 * holder gone) or the root is unbound, the file's handles end with it, the
 * operation in progress stops at its next chunk, and later ones on them fail
 * (EKEYREVOKED, EKEYEXPIRED, ENODEV; EINVAL once closed).
 *
 * Quotas. A root has a quota of bytes (the sum of its regular files' sizes,
 * a file unlinked while a handle keeps it open counting until that handle
 * closes) and of files (regular files and directories below the root).
 * WRITE, TRUNCATE and REPLACE past the bytes, OPEN with HSX_FS_O_CREAT and
 * MKDIR past the files fail with EDQUOT; a WRITE that fits in part writes
 * that part and returns its length, as write(2) does on a full disk. The
 * administrator states the usage found in the tree when mapping it; from
 * then on the tree changes only through hsx.
 *
 * Rights: HSX_CAP_R_READ for OPEN for reading, READ, SEEK, STAT, LISTDIR,
 * INFO; HSX_CAP_R_WRITE for OPEN for writing (or creating or truncating),
 * WRITE, TRUNCATE, FSYNC, REPLACE, DELETE, RENAME, MKDIR. A capability
 * with READ alone is a read-only view of the tree.
 *
 * Errors common to the path functions: EINVAL a bad path (above), a bad
 * flag or a nonzero reserved field, ENAMETOOLONG over HSX_FS_PATH_MAX or a
 * component over HSX_FS_NAME_MAX, ENOENT, ENOTDIR, EISDIR, EEXIST,
 * ENOTEMPTY as their system calls, ELOOP, EXDEV, EOPNOTSUPP (above), EDQUOT
 * a quota, EROFS a root mapped read-only, ENXIO a root not bound; ENOSPC
 * and EIO the filesystem's own (full, or failing). The capability is
 * checked first: a capability without the right a call needs answers
 * EACCES before a handle opened without it answers EBADF.
 */
#define HSX_FS_MAX_ROOTS	32
#define HSX_CAP_R_FS_ALL	(HSX_CAP_R_READ | HSX_CAP_R_WRITE | HSX_CAP_R_GRANT)
#define HSX_FS_PATH_MAX		1024	/* bytes of a path, at most */
#define HSX_FS_NAME_MAX		255	/* bytes of one component, at most */
#define HSX_FS_XFER_MAX		0x100000U	/* bytes per READ, WRITE or REPLACE */
#define HSX_FS_LIST_MAX		0x100000U	/* room LISTDIR fills at most */
#define HSX_FS_HANDLES_PER_FILE	64
#define HSX_FS_TMP_PREFIX	".hsx-tmp."	/* REPLACE's temporary files */
#define HSX_FS_FILE_MODE	0600	/* of the files and ... */
#define HSX_FS_DIR_MODE		0700	/* ... directories hsx creates */

/* OPEN flags: the spec's values; EXCL is an addition. */
#define HSX_FS_O_RDONLY		0x0001
#define HSX_FS_O_WRONLY		0x0002
#define HSX_FS_O_RDWR		0x0003
#define HSX_FS_O_CREAT		0x0004
#define HSX_FS_O_TRUNC		0x0008
#define HSX_FS_O_APPEND		0x0010
#define HSX_FS_O_EXCL		0x0020	/* with CREAT: EEXIST if it exists */
#define HSX_FS_O_ACCMODE	0x0003
#define HSX_FS_O_ALL		0x003f

/* struct hsx_fs_io.flags */
#define HSX_FS_IO_AT		0x1U	/* at @offset, the handle's position untouched */

/* struct hsx_fs_stat.type */
#define HSX_FS_T_FILE		1
#define HSX_FS_T_DIR		2

/* struct hsx_fs_pathop.flags, RENAME */
#define HSX_FS_RENAME_NOREPLACE	0x1U	/* EEXIST if the new name exists */

/* struct hsx_fs_map.flags, struct hsx_fs_info.flags */
#define HSX_FS_MAP_READ_ONLY	0x1U	/* nothing beneath it is changed */
#define HSX_FS_MAP_ANY		0x2U	/* MAP in: the first free root, or the directory's */
#define HSX_FS_MAP_EXISTING	0x4U	/* MAP out, with ANY: the directory was bound already */

/**
 * struct hsx_fs_path - a path relative to a root (see above)
 * @ptr: user address of its bytes
 * @len: 0..HSX_FS_PATH_MAX
 * @reserved: zero
 */
struct hsx_fs_path {
	__aligned_u64 ptr;
	__u32 len;
	__u32 reserved;
};

/**
 * struct hsx_fs_open - HSX_IOC_FS_OPEN
 * @root: in
 * @flags: in, HSX_FS_O_*: one access mode; TRUNC and APPEND need write
 * @path: in, a regular file (created 0600 with CREAT)
 * @handle: out
 * @reserved: zero
 *
 * Errors: the path functions', EMFILE HSX_FS_HANDLES_PER_FILE open.
 */
struct hsx_fs_open {
	__u32 root;
	__u32 flags;
	struct hsx_fs_path path;
	__s32 handle;
	__u32 reserved;
};

/**
 * struct hsx_fs_io - HSX_IOC_FS_READ, HSX_IOC_FS_WRITE
 * @handle: in
 * @flags: in, HSX_FS_IO_*
 * @buf: in, user address
 * @len: in, 0..HSX_FS_XFER_MAX
 * @done: out, bytes read (0 at the end of the file) or written
 * @offset: in, with HSX_FS_IO_AT: where; without, ignored (zero)
 *
 * Without HSX_FS_IO_AT the handle's position is used and advanced (an
 * APPEND handle writes at the end). Errors: EBADF the handle was not opened
 * for it, EDQUOT, EINVAL an unknown handle.
 */
struct hsx_fs_io {
	__s32 handle;
	__u32 flags;
	__aligned_u64 buf;
	__u32 len;
	__u32 done;
	__aligned_u64 offset;
};

/**
 * struct hsx_fs_handle_op - HSX_IOC_FS_CLOSE, HSX_IOC_FS_FSYNC,
 *	HSX_IOC_FS_SEEK, HSX_IOC_FS_TRUNCATE
 * @handle: in
 * @whence: in, SEEK: SEEK_SET, SEEK_CUR or SEEK_END (0, 1, 2); else zero
 * @offset: in, SEEK: the offset; TRUNCATE: the new size; out, SEEK: the
 *	new position; else zero
 */
struct hsx_fs_handle_op {
	__s32 handle;
	__u32 whence;
	__s64 offset;
};

/**
 * struct hsx_fs_stat - HSX_IOC_FS_STAT
 * @root: in
 * @handle: in, -1: the file or directory at @path; else that handle's file
 *	(@path zero)
 * @path: in
 * @size: out, bytes (a directory's as its filesystem says)
 * @mtime_ns: out, last modification, CLOCK_REALTIME nanoseconds
 * @type: out, HSX_FS_T_*
 * @reserved: zero
 */
struct hsx_fs_stat {
	__u32 root;
	__s32 handle;
	struct hsx_fs_path path;
	__aligned_u64 size;
	__s64 mtime_ns;
	__u32 type;
	__u32 reserved;
};

/**
 * struct hsx_fs_listdir - HSX_IOC_FS_LISTDIR
 * @root: in
 * @max: in, room at @buf, 1..HSX_FS_LIST_MAX
 * @path: in, a directory; empty: the root
 * @buf: in, user address
 * @len: out, bytes written: every name followed by '\n', no NUL
 * @needed: out, bytes all names need; when more than @max, nothing is
 *	written and @len is 0 (the call succeeds, so that @needed reaches the
 *	caller: an ioctl's argument is copied out on success only; the
 *	library's hsx_fs_listdir() answers HSX_HAL_TOO_SMALL)
 * @count: out, names (all of them, also when they did not fit)
 * @reserved: zero
 *
 * Names are in the directory's order, regular files and directories only,
 * without "." and "..", without REPLACE's temporary files.
 */
struct hsx_fs_listdir {
	__u32 root;
	__u32 max;
	struct hsx_fs_path path;
	__aligned_u64 buf;
	__u32 len;
	__u32 needed;
	__u32 count;
	__u32 reserved;
};

/**
 * struct hsx_fs_pathop - HSX_IOC_FS_DELETE, _RENAME, _MKDIR
 * @root: in
 * @flags: in, RENAME: HSX_FS_RENAME_*; else zero
 * @path: in, DELETE: a file or an empty directory; RENAME: the old name;
 *	MKDIR: the new directory (0700)
 * @path2: in, RENAME: the new name (replaced if it exists and is of the
 *	same kind, a directory only when empty); else zero
 */
struct hsx_fs_pathop {
	__u32 root;
	__u32 flags;
	struct hsx_fs_path path;
	struct hsx_fs_path path2;
};

/**
 * struct hsx_fs_replace - HSX_IOC_FS_REPLACE: the file at @path holds
 *	exactly @len bytes from @buf, or (on an error) what it held before
 * @root: in
 * @reserved: zero
 * @path: in, a regular file or a name not yet in use
 * @buf: in, user address
 * @len: in, 0..HSX_FS_XFER_MAX
 * @reserved2: zero
 *
 * The bytes go to a temporary file beside it (HSX_FS_TMP_PREFIX + its
 * name), are synced, and the temporary file is renamed over @path, and the
 * directory synced: after a power loss @path holds the old or the new
 * content, whole. The quotas count the temporary file while it exists.
 * One error comes after the rename: the directory's sync failing (its
 * errno, EIO most often); then @path holds the new content, which a power
 * loss may still undo.
 */
struct hsx_fs_replace {
	__u32 root;
	__u32 reserved;
	struct hsx_fs_path path;
	__aligned_u64 buf;
	__u32 len;
	__u32 reserved2;
};

/**
 * struct hsx_fs_info - HSX_IOC_FS_INFO
 * @root: in
 * @bound: out, 1 when bound (else every other field is zero)
 * @flags: out, HSX_FS_MAP_READ_ONLY
 * @handles: out, handles open on it, every file's
 * @quota_bytes: out
 * @used_bytes: out
 * @quota_files: out
 * @used_files: out
 * @owner_uid: out, the storage owner, whose credentials it runs with
 * @owner_gid: out
 */
struct hsx_fs_info {
	__u32 root;
	__u32 bound;
	__u32 flags;
	__u32 handles;
	__aligned_u64 quota_bytes;
	__aligned_u64 used_bytes;
	__aligned_u64 quota_files;
	__aligned_u64 used_files;
	__u32 owner_uid;
	__u32 owner_gid;
};

/**
 * struct hsx_fs_map - HSX_IOC_FS_MAP (admin node only)
 * @root: in; out with HSX_FS_MAP_ANY: the root bound to the directory
 * @flags: in, HSX_FS_MAP_READ_ONLY and HSX_FS_MAP_ANY; out, with ANY,
 *	HSX_FS_MAP_EXISTING when the directory was bound already: then
 *	nothing changed (its quotas and flags stay those it was bound with)
 * @dirfd: in, a directory the caller opened (O_PATH will do); -1 to unbind
 *	@root
 * @reserved: zero
 * @quota_bytes: in, 1.., the byte quota
 * @quota_files: in, 1.., the file quota
 * @used_bytes: in, the bytes already in the tree (the sum of its regular
 *	files' sizes)
 * @used_files: in, the files and directories already below it
 *
 * Errors: EBADF @dirfd is no open file, EBUSY @root is bound, EEXIST
 * (without ANY) the directory is another root's (a directory is one root
 * only), ENOSPC no free root, ENXIO unbinding a root not bound, ENOTDIR
 * not a directory, EINVAL a quota of 0 or below the usage.
 */
struct hsx_fs_map {
	__u32 root;
	__u32 flags;
	__s32 dirfd;
	__u32 reserved;
	__aligned_u64 quota_bytes;
	__aligned_u64 quota_files;
	__aligned_u64 used_bytes;
	__aligned_u64 used_files;
};

#define HSX_FS_FN_OPEN		0x0
#define HSX_FS_FN_READ		0x1
#define HSX_FS_FN_WRITE		0x2
#define HSX_FS_FN_CLOSE		0x3
#define HSX_FS_FN_SEEK		0x4	/* additions, 0x4..0x9 and 0xe */
#define HSX_FS_FN_STAT		0x5
#define HSX_FS_FN_FSYNC		0x6
#define HSX_FS_FN_REPLACE	0x7
#define HSX_FS_FN_INFO		0x8
#define HSX_FS_FN_MAP		0x9
#define HSX_FS_FN_LISTDIR	0xa
#define HSX_FS_FN_DELETE	0xb
#define HSX_FS_FN_RENAME	0xc
#define HSX_FS_FN_MKDIR		0xd
#define HSX_FS_FN_TRUNCATE	0xe

#define HSX_IOC_FS_OPEN \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FS, HSX_FS_FN_OPEN), struct hsx_fs_open)
#define HSX_IOC_FS_READ \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FS, HSX_FS_FN_READ), struct hsx_fs_io)
#define HSX_IOC_FS_WRITE \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FS, HSX_FS_FN_WRITE), struct hsx_fs_io)
#define HSX_IOC_FS_CLOSE \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FS, HSX_FS_FN_CLOSE), struct hsx_fs_handle_op)
#define HSX_IOC_FS_SEEK \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FS, HSX_FS_FN_SEEK), struct hsx_fs_handle_op)
#define HSX_IOC_FS_STAT \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FS, HSX_FS_FN_STAT), struct hsx_fs_stat)
#define HSX_IOC_FS_FSYNC \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FS, HSX_FS_FN_FSYNC), struct hsx_fs_handle_op)
#define HSX_IOC_FS_REPLACE \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FS, HSX_FS_FN_REPLACE), struct hsx_fs_replace)
#define HSX_IOC_FS_INFO \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FS, HSX_FS_FN_INFO), struct hsx_fs_info)
#define HSX_IOC_FS_MAP \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FS, HSX_FS_FN_MAP), struct hsx_fs_map)
#define HSX_IOC_FS_LISTDIR \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FS, HSX_FS_FN_LISTDIR), struct hsx_fs_listdir)
#define HSX_IOC_FS_DELETE \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FS, HSX_FS_FN_DELETE), struct hsx_fs_pathop)
#define HSX_IOC_FS_RENAME \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FS, HSX_FS_FN_RENAME), struct hsx_fs_pathop)
#define HSX_IOC_FS_MKDIR \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FS, HSX_FS_FN_MKDIR), struct hsx_fs_pathop)
#define HSX_IOC_FS_TRUNCATE \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_FS, HSX_FS_FN_TRUNCATE), \
	     struct hsx_fs_handle_op)

/* ---- GPIO module 0x15 ------------------------------------------------- */

/*
 * HSX pins are 0..HSX_GPIO_MAX_PINS-1. Each is bound to one gpiochip line,
 * either by the device tree (an "hsx,gpio" node's hsx-gpios property: pin i
 * is entry i) or, without one, by the module parameter gpio_map or the admin
 * ioctl HSX_IOC_GPIO_MAP. A line is requested from gpiolib when a pin is
 * first configured and released when its last user closes.
 *
 * Sharing. Pins are shared by every open file of /dev/hsx/gpio: a file that
 * configures, reads, writes or sets the interrupt of a pin becomes one of its
 * users and keeps its line held until it closes. A pin's configuration and its
 * interrupt setting are the pin's, not a file's: the last CONFIG wins, and
 * disabling the interrupt (or changing its edge, which restarts line_seq)
 * does so for every listener. The mailbox "hal:gpio:<pin>" exists while the
 * pin is configured; who may subscribe: see HSX_CMD_MBOX_OPEN.
 *
 * Errors common to the pin functions: EINVAL bad argument, or the pin is not
 * configured (READ, WRITE, TOGGLE, SET_INTERRUPT, *_MULTI); ENXIO the pin is
 * not bound to a line; ENODEV its chip does not exist; EPERM WRITE or TOGGLE
 * of an input; EBUSY CONFIG of a pin whose interrupt is enabled to anything
 * but an input.
 */
#define HSX_GPIO_MAX_PINS	64
#define HSX_GPIO_LABEL_MAX	32	/* chip label and line name, with NUL */
#define HSX_MBOX_GPIO_FMT	"hal:gpio:%u"

/* Modes, pulls and edges: the values of the spec's hsx_gpio.h enums. */
#define HSX_GPIO_M_INPUT	0
#define HSX_GPIO_M_OUTPUT	1
#define HSX_GPIO_M_ANALOG	2
#define HSX_GPIO_P_NONE		0
#define HSX_GPIO_P_UP		1
#define HSX_GPIO_P_DOWN		2
#define HSX_GPIO_E_NONE		0
#define HSX_GPIO_E_RISING	1
#define HSX_GPIO_E_FALLING	2
#define HSX_GPIO_E_BOTH		3

/* Flags of struct hsx_gpio_config. */
#define HSX_GPIO_F_ACTIVE_LOW	0x1U	/* values are inverted */
#define HSX_GPIO_F_OPEN_DRAIN	0x2U	/* output drives low only */
#define HSX_GPIO_F_OPEN_SOURCE	0x4U	/* output drives high only */
#define HSX_GPIO_F_INIT_HIGH	0x8U	/* output starts at (logical) 1 */
#define HSX_GPIO_F_ALL		0xfU

/* Most debounce the kernel accepts, in microseconds. */
#define HSX_GPIO_DEBOUNCE_MAX_US	1000000U

/*
 * HSX_IOC_GPIO_READ, HSX_IOC_GPIO_WRITE and HSX_IOC_GPIO_TOGGLE take a number,
 * not a pointer: HSX_GPIO_VALUE_ARG(pin, value), with value 0 or 1 for WRITE
 * and 0 for the others; any other bit set fails with EINVAL. READ and TOGGLE
 * return the pin's logical value (after active-low), TOGGLE the new one; WRITE
 * returns 0. No argument memory is read or written: these are the operations
 * an application repeats, so they cost no more than an ioctl must.
 */
#define HSX_GPIO_VALUE_PIN_MASK		0xffUL
#define HSX_GPIO_VALUE_SHIFT		8
#define HSX_GPIO_VALUE_ARG(pin, value) \
	((unsigned long)(pin) | ((unsigned long)(value) << HSX_GPIO_VALUE_SHIFT))

/**
 * struct hsx_gpio_config - HSX_IOC_GPIO_CONFIG
 * @pin: the pin
 * @mode: HSX_GPIO_M_*; ANALOG fails with EOPNOTSUPP (no backend has it)
 * @pull: HSX_GPIO_P_*
 * @flags: HSX_GPIO_F_*; OPEN_DRAIN, OPEN_SOURCE and INIT_HIGH need OUTPUT,
 *	and OPEN_DRAIN excludes OPEN_SOURCE
 * @debounce_us: 0 or up to HSX_GPIO_DEBOUNCE_MAX_US, inputs only; the chip's
 *	debouncer when it has one, else the kernel debounces in software
 * @reserved: zero
 *
 * Errors: EINVAL, ENXIO the pin is not mapped, ENODEV its chip is gone,
 * EBUSY its line is used by another consumer.
 */
struct hsx_gpio_config {
	__u32 pin;
	__u32 mode;
	__u32 pull;
	__u32 flags;
	__u32 debounce_us;
	__u32 reserved[3];
};

/**
 * struct hsx_gpio_interrupt - HSX_IOC_GPIO_SET_INTERRUPT
 * @pin: a configured input
 * @edge: HSX_GPIO_E_RISING, _FALLING or _BOTH (ignored when disabling)
 * @enable: 1 to post edges to "hal:gpio:<pin>", 0 to stop
 * @reserved: zero
 *
 * Errors besides the common ones: EOPNOTSUPP the line has no interrupt,
 * which is also what gpiolib reports (ENXIO from gpiod_to_irq()) when its
 * chip could not map one for want of memory.
 */
struct hsx_gpio_interrupt {
	__u32 pin;
	__u32 edge;
	__u32 enable;
	__u32 reserved;
};

/**
 * struct hsx_gpio_multi - HSX_IOC_GPIO_READ_MULTI, HSX_IOC_GPIO_WRITE_MULTI
 * @mask: bit n selects pin n; every selected pin must be configured (and,
 *	for WRITE_MULTI, an output)
 * @values: bit n is pin n's logical value; out for READ_MULTI
 * @reserved: zero
 *
 * Pins on one gpiochip are read or written in one chip operation.
 */
struct hsx_gpio_multi {
	__aligned_u64 mask;
	__aligned_u64 values;
	__aligned_u64 reserved;
};

/**
 * struct hsx_gpio_info - HSX_IOC_GPIO_INFO
 * @pin: in
 * @mapped: 1 when the pin is bound to a line
 * @offset: the line's offset on its chip
 * @chip: the chip's label
 * @name: the pin's name from the device tree (hsx-gpio-names), else the
 *	line's name while a file holds the line; empty otherwise
 * @reserved: zero
 */
struct hsx_gpio_info {
	__u32 pin;
	__u32 mapped;
	__u32 offset;
	__u32 reserved;
	char chip[HSX_GPIO_LABEL_MAX];
	char name[HSX_GPIO_LABEL_MAX];
};

/**
 * struct hsx_gpio_map - HSX_IOC_GPIO_MAP (admin node only)
 * @pin: the pin
 * @offset: line offset on the chip
 * @chip: the chip's label (e.g. "gpio-sim.0-node0" or "pinctrl-bcm2835");
 *	an empty label unmaps the pin
 * @reserved: zero
 *
 * Errors: EPERM not the admin node, EBUSY the pin is in use, EINVAL a label
 * too long or not NUL-terminated, EOPNOTSUPP the bindings come from the
 * device tree and are fixed.
 */
struct hsx_gpio_map {
	__u32 pin;
	__u32 offset;
	char chip[HSX_GPIO_LABEL_MAX];
	__u32 reserved[2];
};

/* The GPIO event posted to "hal:gpio:<pin>" is the nest HSX_A_EVT_GPIO. */

#define HSX_GPIO_FN_READ		0x0
#define HSX_GPIO_FN_WRITE		0x1
#define HSX_GPIO_FN_CONFIG		0x2
#define HSX_GPIO_FN_SET_INTERRUPT	0x3
#define HSX_GPIO_FN_TOGGLE		0x4	/* additions from here on */
#define HSX_GPIO_FN_READ_MULTI		0x5
#define HSX_GPIO_FN_WRITE_MULTI		0x6
#define HSX_GPIO_FN_INFO		0x7
#define HSX_GPIO_FN_MAP			0x8

#define HSX_IOC_GPIO_READ \
	_IO(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_GPIO, HSX_GPIO_FN_READ))
#define HSX_IOC_GPIO_WRITE \
	_IO(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_GPIO, HSX_GPIO_FN_WRITE))
#define HSX_IOC_GPIO_CONFIG \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_GPIO, HSX_GPIO_FN_CONFIG), struct hsx_gpio_config)
#define HSX_IOC_GPIO_SET_INTERRUPT \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_GPIO, HSX_GPIO_FN_SET_INTERRUPT), \
	     struct hsx_gpio_interrupt)
#define HSX_IOC_GPIO_TOGGLE \
	_IO(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_GPIO, HSX_GPIO_FN_TOGGLE))
#define HSX_IOC_GPIO_READ_MULTI \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_GPIO, HSX_GPIO_FN_READ_MULTI), \
	      struct hsx_gpio_multi)
#define HSX_IOC_GPIO_WRITE_MULTI \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_GPIO, HSX_GPIO_FN_WRITE_MULTI), \
	     struct hsx_gpio_multi)
#define HSX_IOC_GPIO_INFO \
	_IOWR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_GPIO, HSX_GPIO_FN_INFO), struct hsx_gpio_info)
#define HSX_IOC_GPIO_MAP \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_GPIO, HSX_GPIO_FN_MAP), struct hsx_gpio_map)

/* ---- Mailboxes: queue files --------------------------------------------- */

/*
 * A subscription can also be a file of its own, which is the quicker way to
 * receive events: no message is built, allocated or parsed per event.
 * HSX_IOC_MBOX_OPEN on any /dev/hsx file subscribes to the named mailbox with
 * that file's authority (as HSX_A_MBOX_AUTH_FD does for netlink; the same
 * mailboxes admit the same callers) and returns a new file descriptor, with
 * O_CLOEXEC set. The subscription ends when the last reference to that file
 * is closed.
 *
 * read() returns whole records, as many as fit: each a struct
 * hsx_mbox_record followed by the module's record (struct hsx_gpio_record,
 * struct hsx_timer_record, struct hsx_cap_record), all of one size for one
 * file, given in hsx_mbox_record.size. A buffer smaller than one record
 * fails with EINVAL. Without a record queued read() blocks, or fails with
 * EAGAIN on a non-blocking file; poll() reports EPOLLIN when one is queued.
 *
 * Sequence numbers, drops and the close notice work as for netlink
 * subscribers: a full queue drops the event for this subscriber only and
 * counts it in the next record's dropped and dropped_total. The close notice
 * (HSX_EVT_CLOSED, its payload zero) is never dropped: it is read after every
 * record queued before it, and then read() returns 0 (end of file) and
 * poll() reports EPOLLHUP.
 *
 * errors of HSX_IOC_MBOX_OPEN: as HSX_CMD_MBOX_OPEN's (ENOENT also for a
 * mailbox whose object the caller has no claim on, EPERM or EACCES not
 * allowed to listen to a public one), EINVAL a bad name, length or flag,
 * ENOSPC a limit (subscribers per mailbox, subscriptions in total, queued
 * records in total), EMFILE no free file descriptor.
 */

/**
 * struct hsx_mbox_open - HSX_IOC_MBOX_OPEN (core module, every node)
 * @name: the mailbox, NUL-terminated
 * @queue_len: records the queue holds, 1..HSX_MBOX_QUEUE_MAX; 0 for
 *	HSX_MBOX_QUEUE_DEFAULT
 * @flags: HSX_MBOX_O_*
 * @reserved: zero
 */
struct hsx_mbox_open {
	char name[64];		/* HSX_MBOX_NAME_MAX */
	__u32 queue_len;
	__u32 flags;
	__u32 reserved[2];
};

#define HSX_MBOX_O_NONBLOCK	0x1U	/* the new file is O_NONBLOCK */
#define HSX_MBOX_O_ALL		HSX_MBOX_O_NONBLOCK

#define HSX_MBOX_QUEUE_DEFAULT	64
#define HSX_MBOX_QUEUE_MAX	1024
#define HSX_MBOX_QUEUE_TOTAL	131072	/* records queued by all queue files at most */

#define HSX_CORE_FN_MBOX_OPEN	0x4
#define HSX_IOC_MBOX_OPEN \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CORE, HSX_CORE_FN_MBOX_OPEN), \
	     struct hsx_mbox_open)

/**
 * struct hsx_mbox_queue_info - HSX_IOC_MBOX_QUEUE_INFO, on a queue file
 * @mbox_id: the mailbox, as in its records
 * @record_size: bytes of each record (struct hsx_mbox_record included)
 * @queue_len: records the queue holds
 * @queued: records queued now, the close notice included
 */
struct hsx_mbox_queue_info {
	__u32 mbox_id;
	__u32 record_size;
	__u32 queue_len;
	__u32 queued;
};

#define HSX_CORE_FN_MBOX_QUEUE_INFO	0x5	/* on the queue file, not a node */
#define HSX_IOC_MBOX_QUEUE_INFO \
	_IOR(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CORE, HSX_CORE_FN_MBOX_QUEUE_INFO), \
	     struct hsx_mbox_queue_info)

/*
 * HSX_IOC_MBOX_QUEUE_END (argument 0), on a queue file: end the subscription
 * now, for every copy of the file (one a child inherited across fork()
 * included), as HSX_CMD_MBOX_CLOSE does for a netlink socket. Records queued
 * before stay readable; then read() returns 0. No close notice is queued: the
 * subscriber ended it. ENOENT when it had ended already.
 */
#define HSX_CORE_FN_MBOX_QUEUE_END	0x6	/* on the queue file, not a node */
#define HSX_IOC_MBOX_QUEUE_END \
	_IO(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CORE, HSX_CORE_FN_MBOX_QUEUE_END))

/*
 * HSX_IOC_MBOX_QUEUE_SET_TIMEOUT (a __u64 of nanoseconds), on a queue file:
 * how long a blocking read() waits for a record before it fails with
 * ETIMEDOUT, for every copy of the file; 0, the default, waits without end.
 * A wait with a deadline is then one read(), as a timerfd's reader waits,
 * instead of a poll and a timer beside it. EINVAL above
 * HSX_MBOX_QUEUE_TIMEOUT_MAX_NS (2^32 - 1 ms, the library's longest timeout).
 * Non-blocking reads are not affected. With a timeout, a signal ends a read
 * with EINTR, also under SA_RESTART (a restarted read would wait its whole
 * timeout again), as a socket's with SO_RCVTIMEO. The timeout bounds the
 * wait for a record, not the wait for another reader of the same file.
 */
#define HSX_CORE_FN_MBOX_QUEUE_SET_TIMEOUT	0x7	/* on the queue file, not a node */
#define HSX_IOC_MBOX_QUEUE_SET_TIMEOUT \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CORE, HSX_CORE_FN_MBOX_QUEUE_SET_TIMEOUT), \
	     __u64)
#define HSX_MBOX_QUEUE_TIMEOUT_MAX_NS	4294967295000000ULL

/*
 * HSX_IOC_MBOX_QUEUE_KICK (argument 0), on a queue file: end one blocking
 * read() that waits for a record, with EINTR: the one waiting now, whichever
 * copy of the file it reads (readers take turns; the others wait on), or,
 * with none waiting, the next one that would. Kicks are not counted: one kept
 * ends one read. A read that finds records, the close notice or the end of
 * the file returns them and leaves the kick kept; non-blocking reads and
 * poll() do not see kicks. A reader treats EINTR
 * as "look at what you were told, then read again". For a thread that blocks
 * in read() to be told by another of work to do (the library's callback
 * thread, waiting in one queue file's read(), when a callback is set).
 */
#define HSX_CORE_FN_MBOX_QUEUE_KICK	0xd	/* on the queue file, not a node */
#define HSX_IOC_MBOX_QUEUE_KICK \
	_IO(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CORE, HSX_CORE_FN_MBOX_QUEUE_KICK))

/*
 * HSX_IOC_MBOX_QUEUE_LINK (a __s32: another queue file's descriptor, or -1),
 * on a queue file (the source): from now on each record, the close notice and
 * the end (HSX_IOC_MBOX_QUEUE_END) of it kick the other file (the target) as
 * HSX_IOC_MBOX_QUEUE_KICK would, so that a thread blocked in the target's
 * read() returns (EINTR) to
 * look at the source too; the source's own waiters (poll(), epoll, an
 * io_uring poll) are woken before, so that what they queue for that thread
 * is there when it looks. A kick still kept is not repeated: after EINTR,
 * read or poll the source before blocking on the target again. A source
 * that a read would return from at once (records, the close notice, its end)
 * when it is linked kicks its target at once. A source has one target
 * at a time: linking again moves it, -1 unlinks. The link ends when either
 * file's last copy is closed. A file is a source or a target, never both:
 * ELOOP for a source that others link to, or a target that links on itself.
 * EBADF for a descriptor that is not open, EINVAL for a file that is not a
 * queue file or is the source itself. For a thread that waits in one file's
 * read() while another file's rare events must reach it too (the library's
 * callback thread, with a capability's watch beside the mailbox it reads).
 */
#define HSX_CORE_FN_MBOX_QUEUE_LINK	0xe	/* on the queue file, not a node */
#define HSX_IOC_MBOX_QUEUE_LINK \
	_IOW(HSX_IOC_MAGIC, HSX_IOC_NR(HSX_MODULE_CORE, HSX_CORE_FN_MBOX_QUEUE_LINK), __s32)

/**
 * struct hsx_mbox_record - the header of a record read from a queue file
 * @size: bytes of the record, this header included; the next one starts there
 * @type: HSX_EVT_DATA or HSX_EVT_CLOSED
 * @module: whose record follows: HSX_MODULE_GPIO, HSX_MODULE_TIMER, or
 *	HSX_MODULE_CORE for capability events
 * @mbox_id: the mailbox, as HSX_A_MBOX_ID
 * @dropped: events dropped for this subscriber since its previous record
 * @seq: the mailbox's sequence number of this event (HSX_A_EVT_SEQ)
 * @timestamp_ns: CLOCK_MONOTONIC of the event: a GPIO edge's interrupt, a
 *	timer's expiry, else when it was posted (as HSX_A_EVT_TIMESTAMP_NS)
 * @dropped_total: events dropped for this subscriber since it subscribed
 * @close_reason: enum hsx_close_reason, for HSX_EVT_CLOSED; else 0
 * @reserved: zero
 */
struct hsx_mbox_record {
	__u32 size;
	__u16 type;
	__u16 module;
	__u32 mbox_id;
	__u32 dropped;
	__aligned_u64 seq;
	__aligned_u64 timestamp_ns;
	__aligned_u64 dropped_total;
	__u32 close_reason;
	__u32 reserved;
};

/* No record of a queue file is larger: a buffer this big reads any one. */
#define HSX_MBOX_RECORD_MAX	256

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
/*
 * Each user's share of those (by effective uid at subscribe; a file opened
 * with CAP_SYS_ADMIN is not counted), so that one user cannot lock out the
 * rest: ENOSPC past it.
 */
#define HSX_MBOX_USER_SUBSCRIPTIONS	(HSX_MBOX_MAX_SUBSCRIPTIONS / 4)
#define HSX_MBOX_USER_PER_MAILBOX	(HSX_MBOX_MAX_SUBSCRIBERS / 2)
#define HSX_MBOX_USER_QUEUE_RECORDS	(HSX_MBOX_QUEUE_TOTAL / 4)

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
	HSX_CLOSE_REVOKED = 4,		/* the capability it was opened under ended */
	HSX_CLOSE_GONE = 5,		/* its device went away or was unbound */
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
	HSX_A_EVT_TIMESTAMP_NS,	/* u64: CLOCK_MONOTONIC of the event (see hsx_mbox_record) */
	HSX_A_EVT_DROPPED,	/* u32: dropped for this subscriber since its last event */
	HSX_A_EVT_DROPPED_TOTAL, /* u64: dropped for this subscriber in all */
	HSX_A_EVT_TIMER,	/* nest: enum hsx_timer_attr */
	HSX_A_EVT_CLOSE_REASON,	/* u32: enum hsx_close_reason, on HSX_EVT_CLOSED */
	HSX_A_EVT_GPIO,		/* nest: enum hsx_gpio_attr */
	HSX_A_MBOX_AUTH_FD,	/* u32: MBOX_OPEN: a /dev/hsx file whose capability admits */
	HSX_A_EVT_CAP,		/* nest: enum hsx_cap_attr */
	HSX_A_EVT_UART,		/* nest: enum hsx_uart_attr */
	HSX_A_EVT_CAN,		/* nest: enum hsx_can_attr */
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

enum hsx_gpio_attr {
	HSX_GPIO_A_UNSPEC,
	HSX_GPIO_A_PAD,
	HSX_GPIO_A_PIN,		/* u32 */
	HSX_GPIO_A_EDGE,	/* u32: HSX_GPIO_E_RISING or _FALLING */
	HSX_GPIO_A_VALUE,	/* u32: logical value after the edge */
	HSX_GPIO_A_TIMESTAMP_NS, /* u64: CLOCK_MONOTONIC of the edge, taken in its IRQ */
	HSX_GPIO_A_LINE_SEQ,	/* u64: edges seen on this pin since its interrupt was enabled */
	__HSX_GPIO_A_MAX
};

#define HSX_GPIO_A_MAX (__HSX_GPIO_A_MAX - 1)

enum hsx_uart_attr {
	HSX_UART_A_UNSPEC,
	HSX_UART_A_PAD,
	HSX_UART_A_PORT,	/* u32 */
	HSX_UART_A_DATA,	/* binary: the bytes, 0..HSX_UART_DATA_MAX */
	HSX_UART_A_FLAGS,	/* u32: HSX_UART_RX_F_* */
	HSX_UART_A_OFFSET,	/* u64: see struct hsx_uart_record */
	HSX_UART_A_KIND,	/* u32: HSX_UART_EV_*; absent means DATA */
	HSX_UART_A_LINES,	/* u32: HSX_UART_LN_*, for MODEM */
	__HSX_UART_A_MAX
};

#define HSX_UART_A_MAX (__HSX_UART_A_MAX - 1)

enum hsx_can_attr {
	HSX_CAN_A_UNSPEC,
	HSX_CAN_A_PAD,
	HSX_CAN_A_BUS,		/* u32 */
	HSX_CAN_A_KIND,		/* u32: HSX_CAN_EV_*; absent means FRAME */
	HSX_CAN_A_ID,		/* u32: the frame's ID; ERROR: the error class */
	HSX_CAN_A_FLAGS,	/* u32: HSX_CAN_F_* */
	HSX_CAN_A_LEN,		/* u32: the frame's length (an RTR's requested one) */
	HSX_CAN_A_DATA,		/* binary: the payload, 0..HSX_CAN_DATA_MAX bytes */
	HSX_CAN_A_COOKIE,	/* u64: TX_DONE/_FAILED: hsx_can_tx.cookie; see the kinds */
	HSX_CAN_A_STATE,	/* u32: ERROR: HSX_CAN_STATE_* after it */
	HSX_CAN_A_TX_ERRORS,	/* u32: ERROR: the transmit error counter */
	HSX_CAN_A_RX_ERRORS,	/* u32: ERROR: the receive error counter */
	HSX_CAN_A_REASON,	/* u32: TX_FAILED: HSX_CAN_TXF_*; PERIODIC_END: HSX_CAN_END_* */
	__HSX_CAN_A_MAX
};

#define HSX_CAN_A_MAX (__HSX_CAN_A_MAX - 1)

/* A capability ended: posted to "hal:cap:<id>" and "hal:caps". */
enum hsx_cap_attr {
	HSX_CAP_A_UNSPEC,
	HSX_CAP_A_PAD,
	HSX_CAP_A_ID,		/* u64 */
	HSX_CAP_A_MODULE,	/* u32: object type, HSX_MODULE_* */
	HSX_CAP_A_OBJECT,	/* u64: object id: the selector's first word (GPIO pins) */
	HSX_CAP_A_REASON,	/* u32: enum hsx_cap_end_reason */
	HSX_CAP_A_HOLDER_PID,	/* u32: in the initial pid namespace */
	__HSX_CAP_A_MAX
};

#define HSX_CAP_A_MAX (__HSX_CAP_A_MAX - 1)

/*
 * Module records: what follows struct hsx_mbox_record in a queue file. Each
 * carries the same fields as the module's netlink nest, with the same
 * meaning; reserved fields are zero.
 */

/* After a record with module HSX_MODULE_TIMER: as enum hsx_timer_attr. */
struct hsx_timer_record {
	__u32 id;
	__u32 overruns;
	__aligned_u64 tick_us;
	__aligned_u64 expirations;
};

/* After a record with module HSX_MODULE_GPIO: as enum hsx_gpio_attr. */
struct hsx_gpio_record {
	__u32 pin;
	__u32 edge;
	__u32 value;
	__u32 reserved;
	__aligned_u64 timestamp_ns;
	__aligned_u64 line_seq;
};

/* After a record with module HSX_MODULE_UART: as enum hsx_uart_attr. */
struct hsx_uart_record {
	__u32 port;
	__u8 kind;
	__u8 length;
	__u8 flags;
	__u8 reserved;
	__aligned_u64 offset;
	__u32 lines;
	__u32 reserved2;
	__u8 data[HSX_UART_DATA_MAX];
};

/* After a record with module HSX_MODULE_CAN: as enum hsx_can_attr. */
struct hsx_can_record {
	__u32 bus;
	__u8 kind;
	__u8 state;
	__u8 reserved[2];
	__aligned_u64 cookie;
	__u32 error;
	__u16 tx_errors;
	__u16 rx_errors;
	struct hsx_can_frame frame;
};

/* After a record with module HSX_MODULE_CORE: as enum hsx_cap_attr. */
struct hsx_cap_record {
	__aligned_u64 id;
	__aligned_u64 object;
	__u32 module;
	__u32 reason;
	__u32 holder_pid;
	__u32 reserved;
};

#endif /* _UAPI_HSX_UAPI_H */
