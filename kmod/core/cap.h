/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Capabilities: what an unprivileged open file may do. See the
 * "Capabilities" section of uapi/hsx_uapi.h for the contract and cap.c for
 * how it is kept.
 */
#ifndef _HSX_CAP_H
#define _HSX_CAP_H

#include <linux/hrtimer.h>
#include <linux/list.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/srcu.h>
#include <linux/types.h>

#include "hsx_uapi.h"

struct hsx_client;
struct hsx_mbox;
struct pid;

/**
 * struct hsx_cap - one capability
 * @id: never reused while hsx.ko is loaded
 * @module: HSX_MODULE_* it applies to
 * @rights: HSX_CAP_R_*
 * @sel: the objects it covers
 * @expiry_ns: CLOCK_BOOTTIME; written under hsx_cap_mutex, read locklessly
 * @active: cleared, under hsx_cap_mutex, when it ends; read locklessly
 * @reason: enum hsx_cap_end_reason once ended
 * @holder: the opener of @client; a reference
 * @holder_nr: @holder's pid in the initial namespace, for events
 * @client: the file it is attached to; NULL once detached
 * @parent: what it was derived from, NULL if minted
 * @children: derived capabilities, linked by @sibling
 * @depth: 0 minted, parent's + 1 derived
 * @quota: the countable quota (max_timers) this capability and every one
 *	derived from it share; NULL for modules without one. A reference.
 * @mbox: "hal:cap:<id>", while active
 * @node: in the list of live capabilities, ordered by @id
 * @rcu: freed after an SRCU grace period: checks read it locklessly
 */
struct hsx_cap {
	u64 id;
	u8 module;
	u32 rights;
	union hsx_cap_selector sel;
	u64 expiry_ns;
	/* Fires at expiry_ns and sets expired: the check reads no clock. */
	struct hrtimer expiry_timer;
	bool expired;
	bool active;
	u32 reason;
	struct pid *holder;
	pid_t holder_nr;
	struct hsx_client *client;
	struct hsx_cap *parent;
	struct list_head children;
	struct list_head sibling;
	unsigned int depth;
	struct hsx_cap_quota *quota;
	struct hsx_mbox *mbox;
	struct list_head node;
	struct rcu_head rcu;
};

/**
 * struct hsx_cap_quota - a count a capability tree shares
 * @refs: one per capability of the tree, one per object charged to it
 * @used: objects charged
 * @limit: the minted capability's selector count (max_timers)
 *
 * Deriving never multiplies a quota: a derived capability's objects are
 * charged to its root's count as well as limited by its own selector. Kept
 * apart from the capabilities because an object may outlive the one it was
 * charged under by a little (it is torn down after its capability ended).
 */
struct hsx_cap_quota {
	refcount_t refs;
	atomic_t used;
	u32 limit;
};

/* Read-side protection of every capability a check looks at. */
extern struct srcu_struct hsx_cap_srcu;
/* The module parameter "enforce"; set once at load. */
extern bool hsx_cap_enforce;
bool hsx_cap_unrestricted(const struct hsx_client *client);

int hsx_cap_init(bool enforce);
void hsx_cap_exit(void);
bool hsx_cap_enforcing(void);

/* Checks: call under srcu_read_lock(&hsx_cap_srcu). */
struct hsx_module;
int hsx_cap_check(struct hsx_client *client, u8 module, u32 need);
bool hsx_cap_covers(struct hsx_client *client, const struct hsx_module *mod, u64 object);
int hsx_cap_check_held(struct hsx_client *client, const struct hsx_module *mod, u32 need,
		       u64 object);
int hsx_cap_may(struct hsx_client *client, const struct hsx_module *mod, u32 need, u64 object);
int hsx_cap_check_object(struct hsx_client *client, const struct hsx_module *mod, u32 need,
			 u64 object);
u32 hsx_cap_quota(struct hsx_client *client, const struct hsx_module *mod);
/*
 * Charge one object to the tree quota of @client's capability for @mod.
 * Returns the quota to hand back to hsx_cap_quota_uncharge() when the object
 * goes, NULL when the file needs no capability, or ERR_PTR(-EDQUOT).
 */
struct hsx_cap_quota *hsx_cap_quota_charge(struct hsx_client *client,
					   const struct hsx_module *mod);
void hsx_cap_quota_uncharge(struct hsx_cap_quota *quota);
/* Any expiry past what ktime_t holds means never. */
ktime_t hsx_cap_expiry_ktime(u64 expiry_ns);

/*
 * Mailbox authorization: may the sender listen to a mailbox of @mod's
 * @object? Returns the capability used (the subscription's token), NULL when
 * none was needed, or an ERR_PTR. Call under srcu_read_lock(&hsx_cap_srcu).
 */
const void *hsx_cap_authorize(struct hsx_client *client, bool privileged,
			      const struct hsx_module *mod, u32 need, u64 object);

/* The client side: its file's lifetime. */
void hsx_cap_client_release(struct hsx_client *client);
void hsx_cap_revoke_covering(const struct hsx_module *mod, u64 object);
int hsx_cap_admin_claim(struct hsx_client *client);

/* Counters and state for /sys/hal/caps (cap_sysfs.c). */
enum hsx_cap_stat_id {
	HSX_CAP_STAT_ACTIVE,
	HSX_CAP_STAT_MINTED,
	HSX_CAP_STAT_DENIED,
	HSX_CAP_STAT_REVOKED,
	HSX_CAP_STAT_EXPIRED,
};

u64 hsx_cap_stat(enum hsx_cap_stat_id which);
u64 hsx_cap_denials(void);
pid_t hsx_cap_admin_pid(void);
int hsx_cap_sysfs_init(void);
void hsx_cap_sysfs_exit(void);

/* The ioctls. */
long hsx_cap_ioctl_info(struct hsx_client *client, void *arg);
long hsx_cap_ioctl_derive(struct hsx_client *client, void *arg);
long hsx_cap_ioctl_drop(struct hsx_client *client, void *arg);
long hsx_cap_ioctl_client(struct hsx_client *client, void *arg);
long hsx_cap_ioctl_mint(struct hsx_client *client, void *arg);
long hsx_cap_ioctl_renew(struct hsx_client *client, void *arg);
long hsx_cap_ioctl_revoke(struct hsx_client *client, void *arg);
long hsx_cap_ioctl_list(struct hsx_client *client, void *arg);

/* Pure rules, exposed for KUnit. */
int hsx_cap_validate_spec(u32 module, u32 rights, const union hsx_cap_selector *sel);
bool hsx_cap_sel_subset(u32 module, const union hsx_cap_selector *inner,
			const union hsx_cap_selector *outer);
int hsx_cap_decide(const struct hsx_cap *cap, const struct pid *caller, u32 need);
/* Start @cap's expiry timer; hsx_cap_disarm_expiry() before freeing it. */
void hsx_cap_arm_expiry(struct hsx_cap *cap);
void hsx_cap_disarm_expiry(struct hsx_cap *cap);
u32 hsx_cap_module_rights(u32 module);

/* For the in-kernel microbenchmark. */
u64 hsx_cap_bench_check_ps(unsigned int iterations, bool srcu_per_check);

#endif /* _HSX_CAP_H */
