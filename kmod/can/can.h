/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HAL module 0x11 (CAN). can.c is the module: its functions and their
 * capability checks. can_bus.c has the buses: their bindings to SocketCAN
 * interfaces, what they receive and post, /sys/hal/can/<n>. can_fw.c binds
 * buses from the device tree (an "hsx,can" node). can_client.c
 * has what one open file keeps: its filter banks and its sender identity.
 * can_cyclic.c has its periodic jobs (HSX_IOC_CAN_PERIODIC), can_watch.c
 * its RX-timeout watches (HSX_IOC_CAN_WATCH).
 */
#ifndef _HSX_CAN_H
#define _HSX_CAN_H

#include <linux/atomic.h>
#include <linux/can/dev.h>
#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netdevice.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "hsx_uapi.h"

struct attribute_group;
struct hsx_client;
struct hsx_instance;
struct hsx_mbox;
struct socket;
struct sock;

/* The buckets of a bus's pending NOWAIT frames by cookie: 2^6 for at most 256 frames. */
#define HSX_CAN_PENDING_HASH_BITS	6

/**
 * struct hsx_can_bus - one binding of a bus to a CAN interface
 * @index: the HSX bus number
 * @inst: the bus's instance; its priv is this, freed with it
 * @dev_lock: guards @dev and @dead against the netdev notifier
 * @dev: the interface, held (@tracker) until it unregisters or the bus is
 *	unbound; NULL from then on
 * @tracker: the reference's tracker
 * @dead: the interface went away: every function fails with -ENODEV, and
 *	@gone_work unbinds the bus
 * @gone_work: that work item; it holds a reference to @inst
 * @ifindex: the interface's index, kept for sysfs once @dev is gone
 * @ifname: its name at binding
 * @from_dt: bound from the device tree
 * @rx_mbox: "hal:can:<n>:rx"
 * @spec_mbox: "hal:can:rx" for bus 0, else NULL
 * @err_mbox: "hal:can:<n>:err"
 * @tx_lock: guards @tx_waiting, @tx_pending, @pending_by_cookie,
 *	@pending_count and @pending_next
 * @tx_waiting: blocked TXs waiting for their echo (struct hsx_can_tx_wait)
 * @tx_wait: where they sleep, and those waiting for queue room
 * @tx_pending: NOWAIT frames awaiting their echo (struct hsx_can_pending),
 *	in the order of their deadlines
 * @pending_by_cookie: the same, by cookie, for their echo (in softirq)
 * @pending_count: how many, at most HSX_CAN_TX_PENDING_BUS_MAX
 * @pending_work: fails those whose timeout passed; armed for @pending_next
 * @pending_next: the earliest deadline @pending_work is armed for
 * @pending_armed: @pending_work is armed
 * @rx_frames: frames received, hsx's own echoes not counted
 * @tx_frames: frames sent through hsx and echoed
 * @tx_failed: TX calls that returned an error, and TX_FAILED records
 * @error_frames: error frames from the bus
 * @bus_off: times the controller went bus-off
 * @state: HSX_CAN_STATE_* the last error frame said, or the controller's
 *	when the interface last came up (without a controller:
 *	HSX_CAN_STATE_NONE)
 * @filters_on: filter banks on over every open file, for sysfs
 * @users: open files that used the bus
 * @jobs_lock: guards @jobs, changes to @watches, and the counts below
 * @jobs: the periodic jobs on the bus (struct hsx_can_job), of every file
 * @job_count: how many, at most HSX_CAN_PERIODIC_BUS_MAX
 * @job_fps: their frames a second, at most HSX_CAN_PERIODIC_BUS_FPS
 * @watches: the RX-timeout watches on the bus (struct hsx_can_watcher), of
 *	every file; RCU: the receive path reads it
 * @watch_count: how many, at most HSX_CAN_WATCH_BUS_MAX
 */
struct hsx_can_bus {
	unsigned int index;
	struct hsx_instance *inst;
	spinlock_t dev_lock;		/* see above */
	struct net_device *dev;
	netdevice_tracker tracker;
	bool dead;
	struct work_struct gone_work;
	int ifindex;
	char ifname[HSX_CAN_IFNAME_MAX];
	bool from_dt;
	struct hsx_mbox *rx_mbox;
	struct hsx_mbox *spec_mbox;
	struct hsx_mbox *err_mbox;
	spinlock_t tx_lock;		/* see above */
	struct list_head tx_waiting;
	wait_queue_head_t tx_wait;
	struct list_head tx_pending;
	DECLARE_HASHTABLE(pending_by_cookie, HSX_CAN_PENDING_HASH_BITS);
	unsigned int pending_count;
	struct delayed_work pending_work;
	unsigned long pending_next;
	bool pending_armed;
	atomic64_t rx_frames;
	atomic64_t tx_frames;
	atomic64_t tx_failed;
	atomic64_t error_frames;
	atomic64_t bus_off;
	u8 state;
	atomic_t filters_on;
	atomic_t users;
	spinlock_t jobs_lock;		/* see above */
	struct list_head jobs;
	unsigned int job_count;
	u32 job_fps;
	struct list_head watches;
	unsigned int watch_count;
};

/**
 * struct hsx_can_tx_wait - a TX waiting for its echo
 * @sk: the sender's socket, as the echo carries it
 * @cookie: the frame's mark (can_skb_priv.skbcnt), as the echo carries it
 * @done: set when the echo came
 * @node: in the bus's tx_waiting
 */
struct hsx_can_tx_wait {
	const struct sock *sk;
	u32 cookie;
	bool done;
	struct list_head node;
};

/*
 * Where a NOWAIT frame's entry is: the sender's until can_send() took the
 * frame (SENDING), the bus's after (QUEUED); an echo that came before
 * can_send() returned leaves it ECHOED (posted, off the lists) for
 * hsx_can_pending_queued() to free.
 */
enum hsx_can_pending_state {
	HSX_CAN_PENDING_SENDING,
	HSX_CAN_PENDING_QUEUED,
	HSX_CAN_PENDING_ECHOED,
};

/**
 * struct hsx_can_pending - a NOWAIT frame awaiting its echo
 * @sk: the sender's NOWAIT socket, as the echo carries it (compared only)
 * @cookie: the frame's mark, as the echo carries it
 * @state: enum hsx_can_pending_state; only a QUEUED one may a timeout or the
 *	interface fail (before, a failed can_send() is the call's error)
 * @deadline: when its timeout passes (jiffies)
 * @file_count: the sender's count of its frames pending on the bus
 *	(struct hsx_can_client's pending), which the file outlives
 * @frame: the frame, for the record
 * @node: in the bus's tx_pending; whoever takes it off posts its one record
 * @hnode: in the bus's pending_by_cookie, while on tx_pending
 */
struct hsx_can_pending {
	const struct sock *sk;
	u32 cookie;
	u8 state;
	unsigned long deadline;
	atomic_t *file_count;
	struct hsx_can_frame frame;
	struct list_head node;
	struct hlist_node hnode;
};

/* One bus's filter banks of one file; replaced whole under RCU. */
struct hsx_can_banks {
	struct hsx_can_filter bank[HSX_CAN_FILTERS];
	unsigned int on;
	struct rcu_head rcu;
};

/* A file's sender identities (struct hsx_can_client's sockets). */
enum hsx_can_sock_kind {
	HSX_CAN_SOCK_WAIT,	/* @sock: TXs that wait for their echo */
	HSX_CAN_SOCK_NOWAIT,	/* @nowait_sock: NOWAIT TXs */
	HSX_CAN_SOCK_JOB,	/* @job_sock: periodic jobs' frames */
};

/**
 * struct hsx_can_client - what one open file keeps for CAN
 * @ref: the file's, one per subscription made through it (its listeners)
 * @lock: serializes SET_FILTER, the sockets' creation and the jobs' slots
 * @sock: the file's sender identity on every bus for waiting TXs, made at
 *	its first TX; frames it sent come back with it in skb->sk
 * @nowait_sock: the same for NOWAIT TXs, made at the first: an echo on it
 *	that no pending frame awaits is one already reported failed
 * @job_sock: the same for the frames its periodic jobs send, made at the
 *	first START: their echoes are no TX_DONE
 * @jobs: its periodic jobs by slot, NULL where none
 * @watches: its RX-timeout watches by slot, NULL where none
 * @banks: per bus, its filter banks (RCU), NULL while none was set
 * @banks_counted_on: per bus, the binding whose filters_on counts @banks
 *	(compared only: the binding may be gone)
 * @users_lock: guards @used and @seen_errors
 * @used: per bus, the binding it last used, with a reference to its instance
 * @seen_errors: per bus, the error frames at its last GET_STATUS
 * @pending: per bus number, its NOWAIT frames awaiting their echo (at most
 *	HSX_CAN_TX_PENDING_MAX); changed under the bus's tx_lock
 */
struct hsx_can_client {
	struct kref ref;
	struct mutex lock;		/* see above */
	struct socket *sock;
	struct socket *nowait_sock;
	struct socket *job_sock;
	struct hsx_can_job *jobs[HSX_CAN_PERIODIC_MAX];
	struct hsx_can_watcher *watches[HSX_CAN_WATCH_MAX];
	struct hsx_can_banks __rcu *banks[HSX_CAN_MAX_BUSES];
	const struct hsx_can_bus *banks_counted_on[HSX_CAN_MAX_BUSES];
	spinlock_t users_lock;		/* see above */
	struct hsx_can_bus *used[HSX_CAN_MAX_BUSES];
	u64 seen_errors[HSX_CAN_MAX_BUSES];
	atomic_t pending[HSX_CAN_MAX_BUSES];
};

/**
 * struct hsx_can_event - what the bus posts: the record, and for the
 *	subscribers' filters who sent it
 * @rec: the uAPI record, copied as it is into queue files
 * @sender: the socket a local program sent the frame with, or NULL; an
 *	identity only, never dereferenced
 * @to: for a record of one file only (PERIODIC_END), that file's CAN
 *	state; an identity only
 */
struct hsx_can_event {
	struct hsx_can_record rec;
	const struct sock *sender;
	const struct hsx_can_client *to;
};

/*
 * The interface's controller state (bitrate, state, error counters), or
 * NULL for an interface without one (vcan, vxcan) or a kernel without the
 * CAN device framework.
 */
static inline struct can_priv *hsx_can_priv(struct net_device *dev)
{
#if IS_REACHABLE(CONFIG_CAN_DEV)
	return safe_candev_priv(dev);
#else
	return NULL;
#endif
}

struct hsx_module;

/* HAL module 0x11: CAN buses through the kernel's CAN core. */
extern const struct hsx_module hsx_can_module;

/* The buses (can_bus.c). */
extern const struct attribute_group hsx_can_bus_group;
int hsx_can_buses_init(void);
void hsx_can_buses_exit(void);
void hsx_can_buses_wake(void);
struct hsx_can_bus *hsx_can_bus_get(unsigned int index);
int hsx_can_map_bus(unsigned int index, const char *ifname);
struct net_device *hsx_can_dev_hold(struct hsx_can_bus *bus, netdevice_tracker *tracker);
void hsx_can_instance_unplug(struct hsx_instance *inst);
void hsx_can_instance_gone(struct hsx_instance *inst);
void hsx_can_instance_release(struct hsx_instance *inst);
bool hsx_can_ifname_ok(const char *name);

/* The device tree's buses (can_fw.c, and can_bus.c's slots). */
struct fwnode_handle;
int hsx_can_fw_register(void);
void hsx_can_fw_unregister(void);
int hsx_can_fw_reserve(struct fwnode_handle *const *ctrls, unsigned int *busy);
void hsx_can_fw_release(void);
#if IS_ENABLED(CONFIG_HSX_KUNIT_TEST)
bool hsx_can_fw_test_waits_for(const struct fwnode_handle *fwnode);
u8 hsx_can_test_state_after_up(u8 state, const struct can_priv *priv, const struct can_frame *cf);
#endif

/* What one file keeps (can_client.c). */
int hsx_can_client_open(struct hsx_client *client);
void hsx_can_client_release(struct hsx_client *client);
struct hsx_can_client *hsx_can_client_of(struct hsx_client *client);
void hsx_can_client_put(struct hsx_can_client *cc);
void hsx_can_note_user(struct hsx_client *client, struct hsx_can_bus *bus);
int hsx_can_client_sock(struct hsx_can_client *cc, enum hsx_can_sock_kind kind,
			struct sock **sk);
bool hsx_can_sent_by_hsx(const struct sock *sk);
bool hsx_can_sent_nowait(const struct sock *sk);
bool hsx_can_sent_by_job(const struct sock *sk);

/* NOWAIT frames awaiting their echo (can_pending.c). */
void hsx_can_pending_init(struct hsx_can_bus *bus);
int hsx_can_pending_add(struct hsx_can_bus *bus, struct hsx_can_pending *p);
int hsx_can_pending_queued(struct hsx_can_bus *bus, struct hsx_can_pending *p, int err);
void hsx_can_pending_fail(struct hsx_can_bus *bus, const struct sock *sk, u32 reason);
void hsx_can_pending_echoed(struct hsx_can_bus *bus, const struct sock *sk, u32 cookie, u64 now);
void hsx_can_pending_expire(struct work_struct *work);
int hsx_can_set_banks(struct hsx_can_client *cc, struct hsx_can_bus *bus,
		      const struct hsx_can_filter *f);
u64 hsx_can_errors_since(struct hsx_client *client, struct hsx_can_bus *bus);
extern const struct hsx_mbox_ops hsx_can_rx_mbox_ops;
extern const struct hsx_mbox_ops hsx_can_err_mbox_ops;

/* The module's common steps (can.c), for the periodic jobs too. */
int hsx_can_check_bus(struct hsx_client *client, u32 bus);
int hsx_can_authorize(struct hsx_client *client, u32 need, u64 object);
int hsx_can_may(struct hsx_client *client, u32 need, u64 object);
struct hsx_can_bus *hsx_can_get(struct hsx_client *client, u32 index, int *idx);
void hsx_can_put(struct hsx_can_bus *bus, int idx);
int hsx_can_xmit(struct hsx_can_bus *bus, struct sock *sk, const struct hsx_can_frame *f,
		 struct hsx_can_tx_wait *w, struct hsx_can_pending *p, u32 *cookie, gfp_t gfp);

/* Periodic jobs (can_cyclic.c). */
long hsx_can_periodic(struct hsx_client *client, void *arg);
void hsx_can_jobs_release(struct hsx_can_client *cc);
void hsx_can_jobs_cap_ended(struct hsx_can_client *cc);
void hsx_can_jobs_bus_gone(struct hsx_can_bus *bus);
int hsx_can_check_periodic(const struct hsx_can_periodic *p);

/* RX-timeout watches (can_watch.c). */
long hsx_can_watch(struct hsx_client *client, void *arg);
void hsx_can_watches_release(struct hsx_can_client *cc);
void hsx_can_watches_cap_ended(struct hsx_can_client *cc);
void hsx_can_watches_bus_gone(struct hsx_can_bus *bus);
void hsx_can_watches_rcv(struct hsx_can_bus *bus, const struct hsx_can_frame *f, u64 now_ns);
int hsx_can_check_watch(const struct hsx_can_watch *w);
void hsx_can_watch_span(const struct hsx_can_watch *w, u32 *first, u32 *last);

/* Exposed for KUnit: the pure rules. */
int hsx_can_check_frame(const struct hsx_can_frame *f);
void hsx_can_frame_clear_tail(struct hsx_can_frame *f);
int hsx_can_check_filter(const struct hsx_can_filter *f);
bool hsx_can_banks_pass(const struct hsx_can_banks *banks, u32 id, u8 flags);
u32 hsx_can_sel_id(u32 can_id, u8 flags);
int hsx_can_parse_map(const char *param, unsigned int *bus, char *ifname, size_t len,
		      const char **next);

/*
 * An object a capability covers (hsx_cap_covers()): a bus, and for a frame
 * its direction and ID (as hsx_can_sel_id()).
 */
#define HSX_CAN_OBJ_BUS(bus)		((u64)(bus) << 32)
#define HSX_CAN_OBJ_TX(bus, selid)	(HSX_CAN_OBJ_BUS(bus) | BIT_ULL(40) | (selid))
#define HSX_CAN_OBJ_RX(bus, selid)	(HSX_CAN_OBJ_BUS(bus) | BIT_ULL(41) | (selid))
bool hsx_can_sel_covers(const union hsx_cap_selector *sel, u64 object);

#endif /* _HSX_CAN_H */
