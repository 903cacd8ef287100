// SPDX-License-Identifier: GPL-2.0
/*
 * Capabilities, the hot path: the rules a capability obeys, and the check
 * every operation makes. Nothing here sleeps, allocates or takes a lock; the
 * caller holds hsx_cap_srcu, which keeps the capability it reads alive.
 * cap.c keeps capabilities (mint, derive, end); this file only judges them.
 */
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/lockdep.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uidgid.h>

#include "cap.h"
#include "core.h"

static atomic64_t hsx_cap_stat_denied = ATOMIC64_INIT(0);

bool hsx_cap_enforcing(void)
{
	return hsx_cap_enforce;
}

u64 hsx_cap_denials(void)
{
	return atomic64_read(&hsx_cap_stat_denied);
}

/* ---- The rules: pure functions, KUnit-tested --------------------------- */

/* The capability semantics of module @module, or NULL when it takes none. */
static const struct hsx_cap_ops *hsx_cap_ops_of(u32 module)
{
	const struct hsx_module *mod = hsx_module_find(module);

	return mod ? mod->cap : NULL;
}

/**
 * hsx_cap_module_rights - the rights a capability for @module may carry
 * Return: a mask, 0 for a module that takes no capabilities.
 */
u32 hsx_cap_module_rights(u32 module)
{
	const struct hsx_cap_ops *ops = hsx_cap_ops_of(module);

	return ops ? ops->rights : 0;
}

/**
 * hsx_cap_validate_spec - is this a capability that can exist?
 * @module: HSX_MODULE_*
 * @rights: at least one right, all valid for @module, never ADMIN
 * @sel: what the module's validate op accepts
 *
 * Return: 0 or -EINVAL.
 */
int hsx_cap_validate_spec(u32 module, u32 rights, const union hsx_cap_selector *sel)
{
	const struct hsx_cap_ops *ops = hsx_cap_ops_of(module);

	if (!ops || !rights || (rights & ~ops->rights) || (rights & HSX_CAP_R_ADMIN))
		return -EINVAL;
	return ops->validate(sel);
}

/**
 * hsx_cap_sel_subset - does @inner cover no more than @outer?
 * Both must have passed hsx_cap_validate_spec() for @module.
 */
bool hsx_cap_sel_subset(u32 module, const union hsx_cap_selector *inner,
			const union hsx_cap_selector *outer)
{
	const struct hsx_cap_ops *ops = hsx_cap_ops_of(module);

	return ops && ops->subset(inner, outer);
}

/**
 * hsx_cap_decide - may @caller use @cap for an operation needing @need?
 * @cap: the capability
 * @caller: the calling thread group
 * @need: HSX_CAP_R_* the operation needs
 *
 * Only denies: the order of the tests decides which errno a caller sees, and
 * the state comes first so that a revoked capability always says so. No
 * clock is read: the capability's expiry timer, on CLOCK_BOOTTIME, sets
 * cap->expired at expiry_ns, before the work that ends it runs.
 *
 * Return: 0, -EKEYREVOKED, -EKEYEXPIRED, -EPERM (not the holder) or -EACCES.
 */
int hsx_cap_decide(const struct hsx_cap *cap, const struct pid *caller, u32 need)
{
	/* Pairs with smp_store_release() in hsx_cap_end_locked(). */
	if (!smp_load_acquire(&cap->active))
		return cap->reason == HSX_CAP_END_EXPIRED ? -EKEYEXPIRED : -EKEYREVOKED;
	if (READ_ONCE(cap->expired))
		return -EKEYEXPIRED;
	if (cap->holder != caller)
		return -EPERM;
	if ((cap->rights & need) != need)
		return -EACCES;
	return 0;
}

/* ---- The check: every operation ---------------------------------------- */

static struct hsx_cap *hsx_cap_slot(struct hsx_client *client, u8 module)
{
	return srcu_dereference(client->caps[hsx_module_slot(module)], &hsx_cap_srcu);
}

/* A file no capability restricts: whatever it holds allows it nothing more. */
bool hsx_cap_unrestricted(const struct hsx_client *client)
{
	return client->privileged || !hsx_cap_enforce;
}

static const char *hsx_cap_denial_why(int err)
{
	switch (err) {
	case -EACCES:
		return "its capability does not cover this (or it has none; is hsxd running?)";
	case -EPERM:
		return "it is not the holder of this file's capability";
	case -EKEYEXPIRED:
		return "its capability expired";
	default:
		return "its capability was revoked";
	}
}

/*
 * Count every denial; log the first one per file and module with who, what
 * and why, so that a process retrying in a loop does not flood the log.
 */
static void hsx_cap_denied(struct hsx_client *client, u8 module, u32 need, int err)
{
	atomic64_inc(&hsx_cap_stat_denied);
	if (test_and_set_bit(hsx_module_slot(module), &client->denial_logged))
		return;
	pr_notice_ratelimited("denied: pid %d (%s) uid %u, module 0x%02x, rights 0x%x: %s; further denials on this file are counted in /sys/hal/caps/denied\n",
			      task_tgid_nr(current), current->comm,
			      from_kuid(&init_user_ns, current_uid()), module, need,
			      hsx_cap_denial_why(err));
}

/**
 * hsx_cap_check - may the caller do an operation of @module needing @need?
 * @client: the file the operation came through
 * @module: HSX_MODULE_*
 * @need: HSX_CAP_R_*
 *
 * Context: under srcu_read_lock(&hsx_cap_srcu), held until the operation ends.
 * Return: 0 or a denial (see hsx_cap_decide(); -EACCES without a capability).
 */
int hsx_cap_check(struct hsx_client *client, u8 module, u32 need)
{
	struct hsx_cap *cap;
	int ret;

	if (hsx_cap_unrestricted(client))
		return 0;
	cap = hsx_cap_slot(client, module);
	ret = cap ? hsx_cap_decide(cap, task_tgid(current), need) : -EACCES;
	if (unlikely(ret))
		hsx_cap_denied(client, module, need, ret);
	return ret;
}

/**
 * hsx_cap_covers - does the caller's capability for @mod cover @object?
 * @object: in @mod's terms (a pin mask, a bus, a range), see its cover op
 *
 * Context: after hsx_cap_check() passed, in the same SRCU section.
 */
bool hsx_cap_covers(struct hsx_client *client, const struct hsx_module *mod, u64 object)
{
	struct hsx_cap *cap;

	if (hsx_cap_unrestricted(client))
		return true;
	cap = hsx_cap_slot(client, mod->id);
	if (cap && mod->cap->covers(&cap->sel, object))
		return true;
	hsx_cap_denied(client, mod->id, 0, -EACCES);
	return false;
}

/* hsx_cap_check() and hsx_cap_covers() in one for @caller, neither counted nor logged. */
static int hsx_cap_check_for(struct hsx_client *client, const struct hsx_module *mod,
			     const struct pid *caller, u32 need, u64 object)
{
	struct hsx_cap *cap;
	int ret;

	if (hsx_cap_unrestricted(client))
		return 0;
	cap = hsx_cap_slot(client, mod->id);
	if (!cap)
		return -EACCES;
	ret = hsx_cap_decide(cap, caller ?: cap->holder, need);
	if (!ret && !mod->cap->covers(&cap->sel, object))
		ret = -EACCES;
	return ret;
}

/**
 * hsx_cap_check_held - may work a file runs by itself go on?
 * @client: the file (a periodic job's, whose timer runs in softirq)
 * @mod: the module
 * @need: HSX_CAP_R_*
 * @object: in @mod's terms, as hsx_cap_covers()
 *
 * hsx_cap_check() and hsx_cap_covers() in one, but not for the calling
 * process (there is none): the holder was checked when the work was set up
 * by an operation of the file. Neither counted nor logged as a denial: the
 * work ends, and says so.
 *
 * Context: any but hard IRQ, under srcu_read_lock(&hsx_cap_srcu); never sleeps.
 * Return: 0 or a denial, as hsx_cap_decide().
 */
int hsx_cap_check_held(struct hsx_client *client, const struct hsx_module *mod, u32 need,
		       u64 object)
{
	return hsx_cap_check_for(client, mod, NULL, need, object);
}

/**
 * hsx_cap_may - would the caller's capability allow @need on @object?
 *
 * As hsx_cap_check() and hsx_cap_covers() for the calling process, but a
 * question, not an operation's check: neither counted nor logged as a
 * denial (an operation that needs nothing asks it, to decide what to tell).
 *
 * Context: process, under srcu_read_lock(&hsx_cap_srcu).
 * Return: 0 or a denial, as hsx_cap_decide().
 */
int hsx_cap_may(struct hsx_client *client, const struct hsx_module *mod, u32 need, u64 object)
{
	return hsx_cap_check_for(client, mod, task_tgid(current), need, object);
}

/**
 * hsx_cap_check_object - hsx_cap_check() and hsx_cap_covers() in one
 *
 * For the calling process, as an operation's check (a denial is counted and
 * logged), from one read of the file's capability: two checks each reading
 * the slot may see two capabilities, when one is acquired meanwhile.
 *
 * Context: process, under srcu_read_lock(&hsx_cap_srcu).
 * Return: 0 or a denial, as hsx_cap_decide().
 */
int hsx_cap_check_object(struct hsx_client *client, const struct hsx_module *mod, u32 need,
			 u64 object)
{
	int ret = hsx_cap_check_for(client, mod, task_tgid(current), need, object);

	if (unlikely(ret))
		hsx_cap_denied(client, mod->id, need, ret);
	return ret;
}

/**
 * hsx_cap_quota - how many objects of @mod the caller's file may have
 * Context: after hsx_cap_check() passed, in the same SRCU section.
 */
u32 hsx_cap_quota(struct hsx_client *client, const struct hsx_module *mod)
{
	struct hsx_cap *cap;

	if (hsx_cap_unrestricted(client))
		return U32_MAX;
	cap = hsx_cap_slot(client, mod->id);
	return cap && mod->cap->quota ? mod->cap->quota(&cap->sel) : 0;
}

/**
 * hsx_cap_quota_charge - count one more object against a capability tree
 * @client: the caller's file
 * @mod: whose capability; its cap ops have a quota
 *
 * Context: after hsx_cap_check() passed, in the same SRCU section.
 */
struct hsx_cap_quota *hsx_cap_quota_charge(struct hsx_client *client,
					   const struct hsx_module *mod)
{
	struct hsx_cap_quota *quota;
	struct hsx_cap *cap;

	if (hsx_cap_unrestricted(client))
		return NULL;
	cap = hsx_cap_slot(client, mod->id);
	quota = cap ? cap->quota : NULL;
	if (!quota || !atomic_add_unless(&quota->used, 1, quota->limit))
		return ERR_PTR(-EDQUOT);
	refcount_inc(&quota->refs);
	return quota;
}

/**
 * hsx_cap_authorize - may the sender listen to a mailbox of @mod's @object?
 * @client: the file named by HSX_A_MBOX_AUTH_FD, or the queue file's; NULL
 *	for a netlink subscriber that named none
 * @privileged: the netlink socket was opened with CAP_SYS_ADMIN
 * @mod: the mailbox's owner
 * @need: the rights listening needs (GPIO_IRQ for a pin's edges)
 * @object: what the mailbox is of, in @mod's terms; valid
 *
 * Context: under srcu_read_lock(&hsx_cap_srcu), in the sender's task.
 * Return: the capability the subscription is made under, NULL when none was
 * needed, or ERR_PTR(-EPERM).
 */
const void *hsx_cap_authorize(struct hsx_client *client, bool privileged,
			      const struct hsx_module *mod, u32 need, u64 object)
{
	if (privileged || !hsx_cap_enforce)
		return NULL;
	if (!client)
		return ERR_PTR(-EPERM);
	if (client->privileged)
		return NULL;
	if (hsx_cap_check(client, mod->id, need) || !hsx_cap_covers(client, mod, object))
		return ERR_PTR(-EPERM);
	return hsx_cap_slot(client, mod->id);
}

/* ---- Benchmark --------------------------------------------------------- */

/**
 * hsx_cap_bench_check_ps - the cost of one check, in picoseconds per check
 * @iterations: how many checks to time
 * @srcu_per_check: enter and leave hsx_cap_srcu around each check, as the
 *	dispatcher does around each operation; otherwise one section spans
 *	them all and only the check itself is timed
 *
 * Times the real hsx_cap_check() and hsx_cap_covers() on a GPIO
 * capability held by the caller (a pin mask: the cheapest cover there is).
 *
 * Return: picoseconds per check, or 0 when a check failed or memory ran out.
 */
u64 hsx_cap_bench_check_ps(unsigned int iterations, bool srcu_per_check)
{
	const struct hsx_module *gpio = hsx_module_find(HSX_MODULE_GPIO);
	struct hsx_client *client;
	struct hsx_cap *cap;
	unsigned int i;
	u64 start, end;
	int fails = 0;
	int outer, idx;

	if (!gpio)
		return 0;
	client = kzalloc(sizeof(*client), GFP_KERNEL);
	cap = kzalloc(sizeof(*cap), GFP_KERNEL);
	if (!client || !cap) {
		kfree(client);
		kfree(cap);
		return 0;
	}
	cap->module = HSX_MODULE_GPIO;
	cap->rights = HSX_CAP_R_GPIO_ALL;
	cap->sel.gpio.pins = ~0ULL;
	cap->expiry_ns = U64_MAX;
	cap->holder = task_tgid(current);
	cap->active = true;
	rcu_assign_pointer(client->caps[hsx_module_slot(HSX_MODULE_GPIO)], cap);

	outer = srcu_read_lock(&hsx_cap_srcu);
	/*
	 * A production kernel has no lockdep; on a debug kernel its
	 * bookkeeping in every SRCU enter and srcu_dereference() would be
	 * most of what is timed. Its hooks stay compiled in, so this is still
	 * an upper bound.
	 */
	lockdep_off();
	start = ktime_get_ns();
	for (i = 0; i < iterations; i++) {
		if (srcu_per_check)
			idx = srcu_read_lock(&hsx_cap_srcu);
		fails += hsx_cap_check(client, HSX_MODULE_GPIO, HSX_CAP_R_READ) ||
			 !hsx_cap_covers(client, gpio, BIT_ULL(i & 63));
		if (srcu_per_check)
			srcu_read_unlock(&hsx_cap_srcu, idx);
	}
	end = ktime_get_ns();
	lockdep_on();
	srcu_read_unlock(&hsx_cap_srcu, outer);

	kfree(cap);
	kfree(client);
	if (fails || !iterations)
		return 0;
	return div_u64((end - start) * 1000, iterations);
}
