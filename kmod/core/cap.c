// SPDX-License-Identifier: GPL-2.0
/*
 * Capabilities: the kernel enforces, hsxd decides.
 *
 * A capability is attached to one open file (struct hsx_client) and bound to
 * the process that opened it, its holder. The check on every operation reads
 * only that file's slot for the module: a state flag, one clock read, a
 * pointer compare for the holder and a mask test for the rights, then the
 * module tests its selector (a pin mask, a quota). No crypto, no allocation,
 * no lookup that grows with the number of capabilities.
 *
 * The rules and the check itself are in cap_check.c.
 *
 * Checks run inside an SRCU read-side section that spans the whole operation
 * (the dispatcher takes it), so ending a capability is: flip ->active under
 * hsx_cap_mutex, then synchronize_srcu(). When that returns, no operation
 * that passed its check before the flip is still running, and none can pass
 * after it; only then are the holder's subscriptions and timers torn down and
 * the events posted. A module whose functions list no rights (UART: they
 * call drivers that may block, which no SRCU section may cover) checks in
 * sections of its own and makes its cap_ended hook, which runs here under
 * hsx_cap_mutex, wait for the functions its capability allowed; so for it
 * too, once the ending returned, nothing allowed under it runs.
 *
 * Everything that mints, derives, renews or ends takes hsx_cap_mutex; that
 * is the cold path and may scan the live list (bounded by
 * HSX_CAP_MAX_TOTAL).
 *
 * Lifetime: a capability lives on the live list while active, and in its
 * file's slot until the file closes, it is dropped, or a new one replaces it
 * after it ended; so an operation under an ended capability fails with
 * EKEYREVOKED or EKEYEXPIRED rather than a bare EACCES. It is freed after an
 * SRCU grace period, because checks read it without the mutex.
 */
#include <linux/capability.h>
#include <linux/cred.h>
#include <linux/err.h>
#include <linux/file.h>
#include <linux/hrtimer.h>
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>

#include "cap.h"
#include "compat.h"
#include "core.h"
#include "dev.h"
#include "mailbox.h"

struct srcu_struct hsx_cap_srcu;
bool hsx_cap_enforce = true;

static DEFINE_MUTEX(hsx_cap_mutex);
static LIST_HEAD(hsx_cap_live);		/* active capabilities, by id */
static unsigned int hsx_cap_n_live;
static u64 hsx_cap_next_id = 1;
static struct hsx_client *hsx_cap_admin;
static struct hsx_mbox *hsx_caps_mbox;	/* "hal:caps" */

static void hsx_cap_expiry_work_fn(struct work_struct *work);
static DECLARE_WORK(hsx_cap_expiry_work, hsx_cap_expiry_work_fn);

static atomic64_t hsx_cap_stat_minted = ATOMIC64_INIT(0);
static atomic64_t hsx_cap_stat_revoked = ATOMIC64_INIT(0);
static atomic64_t hsx_cap_stat_expired = ATOMIC64_INIT(0);

/* ---- Events ------------------------------------------------------------ */

static int hsx_cap_fill(struct sk_buff *skb, const void *data)
{
	const struct hsx_cap_record *p = data;
	struct nlattr *nest;

	nest = nla_nest_start(skb, HSX_A_EVT_CAP);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u64_64bit(skb, HSX_CAP_A_ID, p->id, HSX_CAP_A_PAD) ||
	    nla_put_u32(skb, HSX_CAP_A_MODULE, p->module) ||
	    nla_put_u64_64bit(skb, HSX_CAP_A_OBJECT, p->object, HSX_CAP_A_PAD) ||
	    nla_put_u32(skb, HSX_CAP_A_REASON, p->reason) ||
	    nla_put_u32(skb, HSX_CAP_A_HOLDER_PID, p->holder_pid)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Only the holder listens to its capability's mailbox. */
static int hsx_cap_may_subscribe(struct hsx_mbox *mbox, struct hsx_mbox_auth *auth)
{
	const struct hsx_cap *cap = hsx_mbox_owner(mbox);

	return cap->holder == task_tgid(current) ? 0 : -EPERM;
}

/* The administrator's view of every capability ending. */
static int hsx_caps_may_subscribe(struct hsx_mbox *mbox, struct hsx_mbox_auth *auth)
{
	return auth->privileged ? 0 : -EPERM;
}

#define HSX_CAP_PAYLOAD_SIZE \
	(NLA_HDRLEN + 3 * NLA_ALIGN(NLA_HDRLEN + sizeof(u32)) + \
	 2 * (NLA_ALIGN(NLA_HDRLEN + sizeof(u64)) + NLA_HDRLEN))

static const struct hsx_mbox_ops hsx_cap_mbox_ops = {
	.module = HSX_MODULE_CORE,
	.record_size = sizeof(struct hsx_cap_record),
	.hidden = true,		/* another holder's: "no such mailbox" */
	.payload_size = HSX_CAP_PAYLOAD_SIZE,
	.fill = hsx_cap_fill,
	.may_subscribe = hsx_cap_may_subscribe,
};

static const struct hsx_mbox_ops hsx_caps_mbox_ops = {
	.module = HSX_MODULE_CORE,
	.record_size = sizeof(struct hsx_cap_record),
	.hidden = true,		/* to a non-administrator, as if absent */
	.payload_size = HSX_CAP_PAYLOAD_SIZE,
	.fill = hsx_cap_fill,
	.may_subscribe = hsx_caps_may_subscribe,
};

/* ---- Ending ------------------------------------------------------------ */

void hsx_cap_quota_uncharge(struct hsx_cap_quota *quota)
{
	if (!quota)
		return;
	atomic_dec(&quota->used);
	if (refcount_dec_and_test(&quota->refs))
		kfree(quota);
}

static void hsx_cap_free_rcu(struct rcu_head *head)
{
	struct hsx_cap *cap = container_of(head, struct hsx_cap, rcu);

	if (cap->quota && refcount_dec_and_test(&cap->quota->refs))
		kfree(cap->quota);
	put_pid(cap->holder);
	kfree(cap);
}

/*
 * Flip @cap and everything derived from it to ended and collect them on
 * @ended (through ->node, which leaves the live list). Nothing is torn down
 * yet: the caller waits for running operations first.
 */
static void hsx_cap_end_locked(struct hsx_cap *cap, u32 reason, struct list_head *ended)
{
	struct hsx_cap *child;

	lockdep_assert_held(&hsx_cap_mutex);
	if (!cap->active)
		return;
	hsx_cap_disarm_expiry(cap);
	cap->reason = reason;
	/* Publish the reason before the state: hsx_cap_decide() reads them in that order. */
	smp_store_release(&cap->active, false);
	list_move_tail(&cap->node, ended);
	hsx_cap_n_live--;
	/* Recursion is bounded by HSX_CAP_MAX_DEPTH. */
	list_for_each_entry(child, &cap->children, sibling)
		hsx_cap_end_locked(child, HSX_CAP_END_PARENT, ended);
}

/*
 * Tear down what ended: wait until no operation under them runs, then close
 * their subscriptions, stop their module work, tell holder and administrator.
 */
static void hsx_cap_finish_locked(struct list_head *ended)
{
	struct hsx_cap *cap, *tmp;

	lockdep_assert_held(&hsx_cap_mutex);
	if (list_empty(ended))
		return;
	synchronize_srcu(&hsx_cap_srcu);

	/*
	 * Unlink the whole family first: a parent is freed in the loop below
	 * (after a grace period that may end before the loop does), and its
	 * children's siblings point into its children list.
	 */
	list_for_each_entry(cap, ended, node) {
		list_del_init(&cap->sibling);
		cap->parent = NULL;
	}

	list_for_each_entry(cap, ended, node) {
		struct hsx_cap_record p = {
			.id = cap->id,
			.object = cap->sel.raw[0],
			.module = cap->module,
			.reason = cap->reason,
			.holder_pid = cap->holder_nr,
		};

		hsx_mbox_close_token(cap, HSX_CLOSE_REVOKED);
		if (cap->client)
			hsx_client_cap_ended(cap->client, cap->module);
		hsx_mbox_post(cap->mbox, &p);
		hsx_mbox_destroy(cap->mbox, HSX_CLOSE_REVOKED);
		cap->mbox = NULL;
		hsx_mbox_post(hsx_caps_mbox, &p);
		atomic64_inc(cap->reason == HSX_CAP_END_EXPIRED ? &hsx_cap_stat_expired :
								  &hsx_cap_stat_revoked);
	}

	/*
	 * Free only once every one is finished: a grace period may pass while
	 * the loop above sleeps, and a later one's module hooks may still
	 * reach an earlier one (a quota it shares). A detached capability has
	 * no file left to keep it.
	 */
	list_for_each_entry_safe(cap, tmp, ended, node) {
		list_del_init(&cap->node);
		if (!cap->client)
			call_srcu(&hsx_cap_srcu, &cap->rcu, hsx_cap_free_rcu);
	}
}

/*
 * Take @client's capability for @slot out of its file; free it if ended.
 * Context: not between hsx_cap_end_locked() and hsx_cap_finish_locked() of
 * an ended list, which is what ->node links while the capability is on it.
 */
static void hsx_cap_detach_locked(struct hsx_client *client, unsigned int slot)
{
	struct hsx_cap *cap = rcu_dereference_protected(client->caps[slot],
							lockdep_is_held(&hsx_cap_mutex));

	if (!cap)
		return;
	rcu_assign_pointer(client->caps[slot], NULL);
	cap->client = NULL;
	/* One still active, or ended but not finished, is freed when finished. */
	if (!cap->active && list_empty(&cap->node))
		call_srcu(&hsx_cap_srcu, &cap->rcu, hsx_cap_free_rcu);
}

/*
 * The first live capability matching @match, or NULL. Ending one moves its
 * descendants off the live list too, so callers that end what they find
 * search again from the head rather than keep an iterator.
 */
typedef bool (*hsx_cap_match_t)(const struct hsx_cap *cap, const void *data);

static struct hsx_cap *hsx_cap_find_first_locked(hsx_cap_match_t match, const void *data)
{
	struct hsx_cap *cap;

	list_for_each_entry(cap, &hsx_cap_live, node)
		if (match(cap, data))
			return cap;
	return NULL;
}

/* ---- Expiry ------------------------------------------------------------ */

static bool hsx_cap_is_expired(const struct hsx_cap *cap, const void *unused)
{
	return READ_ONCE(cap->expired);
}

static void hsx_cap_expiry_work_fn(struct work_struct *work)
{
	struct hsx_cap *cap;
	LIST_HEAD(ended);

	mutex_lock(&hsx_cap_mutex);
	while ((cap = hsx_cap_find_first_locked(hsx_cap_is_expired, NULL)))
		hsx_cap_end_locked(cap, HSX_CAP_END_EXPIRED, &ended);
	hsx_cap_finish_locked(&ended);
	mutex_unlock(&hsx_cap_mutex);
}

/*
 * At expiry_ns, in hard interrupt context: from here on every check denies
 * (hsx_cap_decide() reads the flag). Ending it sleeps (SRCU, mailboxes), so
 * the rest is the work's, in process context.
 */
static enum hrtimer_restart hsx_cap_expiry_fired(struct hrtimer *timer)
{
	struct hsx_cap *cap = container_of(timer, struct hsx_cap, expiry_timer);

	WRITE_ONCE(cap->expired, true);
	schedule_work(&hsx_cap_expiry_work);
	return HRTIMER_NORESTART;
}

/**
 * hsx_cap_arm_expiry - start @cap's expiry timer for @cap->expiry_ns
 *
 * CLOCK_BOOTTIME keeps counting through suspend and ignores clock_settime();
 * a timer whose time passed while suspended fires on resume.
 */
void hsx_cap_arm_expiry(struct hsx_cap *cap)
{
	hsx_hrtimer_setup(&cap->expiry_timer, hsx_cap_expiry_fired, CLOCK_BOOTTIME,
			  HRTIMER_MODE_ABS);
	hrtimer_start(&cap->expiry_timer, hsx_cap_expiry_ktime(cap->expiry_ns), HRTIMER_MODE_ABS);
}

/*
 * ktime_t is signed: an expiry of 2^63 ns or more would be a time long past
 * and fire at once. Such an expiry (U64_MAX is the natural "never") is
 * KTIME_MAX, which hrtimers never reach.
 */
ktime_t hsx_cap_expiry_ktime(u64 expiry_ns)
{
	return expiry_ns >= KTIME_MAX ? KTIME_MAX : ns_to_ktime(expiry_ns);
}

/* Stop @cap's expiry timer, waiting for a callback that is running. */
void hsx_cap_disarm_expiry(struct hsx_cap *cap)
{
	hrtimer_cancel(&cap->expiry_timer);
}

/* ---- Minting and deriving ---------------------------------------------- */

static bool hsx_client_serves(const struct hsx_client *client, u32 module)
{
	return module >= HSX_MODULE_FIRST && module < HSX_MODULE_CORE &&
	       (hsx_client_modules(client) & BIT(hsx_module_slot(module)));
}

static unsigned int hsx_cap_count_holder_locked(const struct pid *holder)
{
	struct hsx_cap *cap;
	unsigned int n = 0;

	list_for_each_entry(cap, &hsx_cap_live, node)
		n += cap->holder == holder;
	return n;
}

static bool hsx_pid_alive(struct pid *pid)
{
	bool alive;

	rcu_read_lock();
	alive = pid_task(pid, PIDTYPE_TGID);
	rcu_read_unlock();
	return alive;
}

/*
 * Create a capability on @target (its opener becomes the holder), derived
 * from @parent if not NULL. The spec has been validated by the caller.
 */
static int hsx_cap_attach_new_locked(struct hsx_client *target, struct hsx_cap *parent,
				     u32 module, u32 rights, const union hsx_cap_selector *sel,
				     u64 expiry_ns, u64 *id)
{
	unsigned int slot = hsx_module_slot(module);
	struct hsx_cap_quota *quota = NULL;
	const struct hsx_module *mod;
	char name[HSX_MBOX_NAME_MAX];
	struct hsx_cap *cap, *old;
	int ret;

	lockdep_assert_held(&hsx_cap_mutex);
	if (!hsx_client_serves(target, module))
		return -EINVAL;
	old = rcu_dereference_protected(target->caps[slot], lockdep_is_held(&hsx_cap_mutex));
	if (old && old->active)
		return -EEXIST;
	if (!hsx_pid_alive(target->opener))
		return -ESRCH;
	if (hsx_cap_n_live >= HSX_CAP_MAX_TOTAL ||
	    hsx_cap_count_holder_locked(target->opener) >= HSX_CAP_MAX_PER_HOLDER)
		return -EDQUOT;

	/* Only a minted capability brings a quota; derived ones share it. */
	mod = hsx_module_find(module);
	if (!parent && mod && mod->cap && mod->cap->quota && mod->cap->quota(sel)) {
		quota = kzalloc(sizeof(*quota), GFP_KERNEL);
		if (!quota)
			return -ENOMEM;
		refcount_set(&quota->refs, 1);
		quota->limit = mod->cap->quota(sel);
	}
	cap = kzalloc(sizeof(*cap), GFP_KERNEL);
	if (!cap) {
		kfree(quota);
		return -ENOMEM;
	}
	cap->id = hsx_cap_next_id++;
	cap->module = module;
	cap->rights = rights;
	cap->sel = *sel;
	cap->expiry_ns = expiry_ns;
	cap->holder = get_pid(target->opener);
	cap->holder_nr = pid_nr(target->opener);
	INIT_LIST_HEAD(&cap->children);
	INIT_LIST_HEAD(&cap->sibling);

	snprintf(name, sizeof(name), HSX_MBOX_CAP_FMT, (unsigned long long)cap->id);
	cap->mbox = hsx_mbox_create(name, &hsx_cap_mbox_ops, cap);
	if (IS_ERR(cap->mbox)) {
		ret = PTR_ERR(cap->mbox);
		put_pid(cap->holder);
		kfree(cap);
		kfree(quota);
		return ret;
	}

	if (parent) {
		cap->parent = parent;
		cap->depth = parent->depth + 1;
		list_add_tail(&cap->sibling, &parent->children);
		cap->quota = parent->quota;
		if (cap->quota)
			refcount_inc(&cap->quota->refs);
	} else {
		cap->quota = quota;
	}
	cap->active = true;
	list_add_tail(&cap->node, &hsx_cap_live);
	hsx_cap_n_live++;
	hsx_cap_arm_expiry(cap);

	hsx_cap_detach_locked(target, slot);	/* an ended predecessor */
	cap->client = target;
	rcu_assign_pointer(target->caps[slot], cap);

	atomic64_inc(&hsx_cap_stat_minted);
	*id = cap->id;
	return 0;
}

/* The /dev/hsx file behind @fd in the caller's table; fput() it if not NULL. */
static struct file *hsx_cap_fget(int fd, struct hsx_client **client)
{
	struct file *file = fget(fd);

	*client = file ? hsx_client_from_file(file) : NULL;
	return file;
}

static void hsx_cap_fput(struct file *file)
{
	if (file)
		fput(file);
}

long hsx_cap_ioctl_mint(struct hsx_client *client, void *arg)
{
	struct hsx_cap_mint *m = arg;
	struct hsx_client *target;
	struct file *file;
	int ret;

	if (!client->cap_admin)
		return -EPERM;
	if (m->reserved || m->fd < 0)
		return -EINVAL;
	ret = hsx_cap_validate_spec(m->module, m->rights, &m->sel);
	if (ret)
		return ret;
	if (m->expiry_ns <= ktime_get_boottime_ns())
		return -EINVAL;

	file = hsx_cap_fget(m->fd, &target);
	mutex_lock(&hsx_cap_mutex);
	ret = target ? hsx_cap_attach_new_locked(target, NULL, m->module, m->rights, &m->sel,
						 m->expiry_ns, &m->id) :
		       -EINVAL;
	mutex_unlock(&hsx_cap_mutex);
	hsx_cap_fput(file);
	return ret;
}

long hsx_cap_ioctl_derive(struct hsx_client *client, void *arg)
{
	struct hsx_cap_derive *d = arg;
	u64 now = ktime_get_boottime_ns();
	struct hsx_client *target;
	struct hsx_cap *src;
	u64 expiry;
	struct file *file;
	int ret;

	if (d->reserved || d->target_fd < 0 || !hsx_client_serves(client, d->module))
		return -EINVAL;
	ret = hsx_cap_validate_spec(d->module, d->rights, &d->sel);
	if (ret)
		return ret;

	file = hsx_cap_fget(d->target_fd, &target);
	mutex_lock(&hsx_cap_mutex);
	src = rcu_dereference_protected(client->caps[hsx_module_slot(d->module)],
					lockdep_is_held(&hsx_cap_mutex));
	ret = src ? hsx_cap_decide(src, task_tgid(current), HSX_CAP_R_GRANT) : -EACCES;
	if (ret)
		goto out;
	expiry = d->expiry_ns ? d->expiry_ns : src->expiry_ns;
	ret = -EINVAL;
	if (!target || target == client || (d->rights & ~src->rights) ||
	    !hsx_cap_sel_subset(d->module, &d->sel, &src->sel) ||
	    expiry > src->expiry_ns || expiry <= now)
		goto out;
	ret = -EMLINK;
	if (src->depth >= HSX_CAP_MAX_DEPTH)
		goto out;
	ret = hsx_cap_attach_new_locked(target, src, d->module, d->rights, &d->sel, expiry,
					&d->id);
out:
	mutex_unlock(&hsx_cap_mutex);
	hsx_cap_fput(file);
	return ret;
}

/* ---- Renewing, revoking, dropping -------------------------------------- */

static bool hsx_cap_has_id(const struct hsx_cap *cap, const void *id)
{
	return cap->id == *(const u64 *)id;
}

/*
 * The holder's pid in @ns while the holder lives, else 0: once it exited, its
 * number may already name another process, which must not be taken for it
 * (barred by hsxd, or hit by a revoke by pid). The capability itself lives on
 * while another process keeps its file open.
 */
static pid_t hsx_cap_holder_nr(const struct hsx_cap *cap, struct pid_namespace *ns)
{
	return pid_has_task(cap->holder, PIDTYPE_TGID) ? pid_nr_ns(cap->holder, ns) : 0;
}

/* @ns_pid: { pid namespace, pid number } */
struct hsx_cap_pid_match {
	struct pid_namespace *ns;
	pid_t nr;
};

static bool hsx_cap_held_by(const struct hsx_cap *cap, const void *data)
{
	const struct hsx_cap_pid_match *m = data;

	return m->nr && hsx_cap_holder_nr(cap, m->ns) == m->nr;
}

long hsx_cap_ioctl_renew(struct hsx_client *client, void *arg)
{
	struct hsx_cap_renew *r = arg;
	struct hsx_cap *cap;
	int ret = 0;

	if (!client->cap_admin)
		return -EPERM;
	if (r->expiry_ns <= ktime_get_boottime_ns())
		return -EINVAL;
	mutex_lock(&hsx_cap_mutex);
	cap = hsx_cap_find_first_locked(hsx_cap_has_id, &r->id);
	if (!cap) {
		ret = -ENOENT;
	} else if (cap->parent) {
		ret = -EINVAL;
	} else {
		/* Once its timer has fired, the capability is past saving. */
		hsx_cap_disarm_expiry(cap);
		if (READ_ONCE(cap->expired)) {
			ret = -ENOENT;
		} else {
			WRITE_ONCE(cap->expiry_ns, r->expiry_ns);
			hrtimer_start(&cap->expiry_timer, hsx_cap_expiry_ktime(r->expiry_ns),
				      HRTIMER_MODE_ABS);
		}
	}
	mutex_unlock(&hsx_cap_mutex);
	return ret;
}

long hsx_cap_ioctl_revoke(struct hsx_client *client, void *arg)
{
	struct hsx_cap_revoke *r = arg;
	struct hsx_cap *cap;
	LIST_HEAD(ended);

	if (!client->cap_admin)
		return -EPERM;
	if ((r->flags & ~HSX_CAP_REVOKE_F_ALL) ||
	    (r->reason != HSX_CAP_END_EXPLICIT && r->reason != HSX_CAP_END_HOLDER_EXITED))
		return -EINVAL;

	mutex_lock(&hsx_cap_mutex);
	if (r->flags & HSX_CAP_REVOKE_BY_PID) {
		struct hsx_cap_pid_match m = { .ns = task_active_pid_ns(current), .nr = r->pid };

		while (r->pid && (cap = hsx_cap_find_first_locked(hsx_cap_held_by, &m)))
			hsx_cap_end_locked(cap, r->reason, &ended);
	} else {
		cap = hsx_cap_find_first_locked(hsx_cap_has_id, &r->id);
		if (cap)
			hsx_cap_end_locked(cap, r->reason, &ended);
	}
	r->count = list_count_nodes(&ended);
	hsx_cap_finish_locked(&ended);
	mutex_unlock(&hsx_cap_mutex);
	return r->count ? 0 : -ENOENT;
}

struct hsx_cap_cover {
	const struct hsx_module *mod;
	u64 object;
};

static bool hsx_cap_covers_object(const struct hsx_cap *cap, const void *data)
{
	const struct hsx_cap_cover *c = data;

	return cap->module == c->mod->id && c->mod->cap->covers(&cap->sel, c->object);
}

/**
 * hsx_cap_revoke_covering - end every capability of @mod that covers @object
 *
 * For an object that goes while its name may be given to another (an FS
 * root's number, bound to another directory next): a capability for the
 * old one must not reach the new one. Ended as revoked (reason EXPLICIT),
 * with everything derived from them.
 * Context: may sleep; holds none of the module's locks its cap_ended takes.
 */
void hsx_cap_revoke_covering(const struct hsx_module *mod, u64 object)
{
	struct hsx_cap_cover c = { .mod = mod, .object = object };
	struct hsx_cap *cap;
	LIST_HEAD(ended);

	mutex_lock(&hsx_cap_mutex);
	while ((cap = hsx_cap_find_first_locked(hsx_cap_covers_object, &c)))
		hsx_cap_end_locked(cap, HSX_CAP_END_EXPLICIT, &ended);
	hsx_cap_finish_locked(&ended);
	mutex_unlock(&hsx_cap_mutex);
}

long hsx_cap_ioctl_drop(struct hsx_client *client, void *arg)
{
	struct hsx_cap_drop *d = arg;
	unsigned int slot;
	struct hsx_cap *cap;
	LIST_HEAD(ended);
	int ret = 0;

	if (d->reserved || !hsx_client_serves(client, d->module))
		return -EINVAL;
	slot = hsx_module_slot(d->module);
	mutex_lock(&hsx_cap_mutex);
	cap = rcu_dereference_protected(client->caps[slot], lockdep_is_held(&hsx_cap_mutex));
	if (!cap) {
		ret = -ENOENT;
	} else if (cap->holder != task_tgid(current)) {
		ret = -EPERM;
	} else {
		hsx_cap_end_locked(cap, HSX_CAP_END_EXPLICIT, &ended);
		hsx_cap_finish_locked(&ended);
		hsx_cap_detach_locked(client, slot);
	}
	mutex_unlock(&hsx_cap_mutex);
	return ret;
}

/**
 * hsx_cap_client_release - a file is closing: end and free its capabilities
 * @client: the file; no operation runs on it any more
 *
 * Closing the file ends its capabilities (and what was derived from them): the
 * reason is HOLDER_EXITED when the holder is exiting, else EXPLICIT.
 */
void hsx_cap_client_release(struct hsx_client *client)
{
	u32 reason = (current->flags & PF_EXITING) ? HSX_CAP_END_HOLDER_EXITED :
						     HSX_CAP_END_EXPLICIT;
	LIST_HEAD(ended);
	unsigned int slot;

	mutex_lock(&hsx_cap_mutex);
	if (hsx_cap_admin == client)
		hsx_cap_admin = NULL;
	for (slot = 0; slot < HSX_MODULE_SLOTS; slot++) {
		struct hsx_cap *cap = rcu_dereference_protected(client->caps[slot],
								lockdep_is_held(&hsx_cap_mutex));

		if (cap)
			hsx_cap_end_locked(cap, reason, &ended);
		/* Before finishing: module hooks must not run on a closing file. */
		hsx_cap_detach_locked(client, slot);
	}
	hsx_cap_finish_locked(&ended);
	mutex_unlock(&hsx_cap_mutex);
}

/**
 * hsx_cap_admin_claim - make @client the capability administrator
 * Return: 0, or -EBUSY while another file is.
 */
int hsx_cap_admin_claim(struct hsx_client *client)
{
	int ret = 0;

	mutex_lock(&hsx_cap_mutex);
	if (hsx_cap_admin)
		ret = -EBUSY;
	else
		hsx_cap_admin = client;
	mutex_unlock(&hsx_cap_mutex);
	if (!ret)
		client->cap_admin = true;
	return ret;
}

/* ---- Looking ----------------------------------------------------------- */

static void hsx_cap_fill_info(const struct hsx_cap *cap, struct hsx_cap_info *info)
{
	memset(info, 0, sizeof(*info));
	info->id = cap->id;
	info->parent_id = cap->parent ? cap->parent->id : 0;
	info->module = cap->module;
	info->rights = cap->rights;
	info->sel = cap->sel;
	info->expiry_ns = READ_ONCE(cap->expiry_ns);
	info->holder_pid = hsx_cap_holder_nr(cap, task_active_pid_ns(current));
	info->state = cap->active ? HSX_CAP_STATE_ACTIVE : HSX_CAP_STATE_ENDED;
	info->reason = cap->active ? 0 : cap->reason;
	info->depth = cap->depth;
}

long hsx_cap_ioctl_info(struct hsx_client *client, void *arg)
{
	struct hsx_cap_query *q = arg;
	struct hsx_cap *cap;

	if (q->reserved || !hsx_client_serves(client, q->module))
		return -EINVAL;
	q->privileged = client->privileged;
	q->enforcing = hsx_cap_enforce;
	mutex_lock(&hsx_cap_mutex);
	cap = rcu_dereference_protected(client->caps[hsx_module_slot(q->module)],
					lockdep_is_held(&hsx_cap_mutex));
	if (cap)
		hsx_cap_fill_info(cap, &q->cap);
	else
		memset(&q->cap, 0, sizeof(q->cap));
	mutex_unlock(&hsx_cap_mutex);
	return 0;
}

long hsx_cap_ioctl_client(struct hsx_client *client, void *arg)
{
	struct hsx_cap_client *c = arg;
	struct hsx_client *target;
	struct file *file;

	if (!client->cap_admin)
		return -EPERM;
	if (c->reserved || c->fd < 0)
		return -EINVAL;
	file = hsx_cap_fget(c->fd, &target);
	if (target) {
		c->opener_pid = pid_nr_ns(target->opener, task_active_pid_ns(current));
		c->alive = hsx_pid_alive(target->opener);
		c->privileged = target->privileged;
		c->modules = hsx_client_modules(target) & ~BIT(hsx_module_slot(HSX_MODULE_CORE));
	}
	hsx_cap_fput(file);
	return target ? 0 : -EINVAL;
}

long hsx_cap_ioctl_list(struct hsx_client *client, void *arg)
{
	struct hsx_cap_list *l = arg;
	struct hsx_cap *cap;
	int ret = -ENOENT;

	if (!client->cap_admin)
		return -EPERM;
	mutex_lock(&hsx_cap_mutex);
	list_for_each_entry(cap, &hsx_cap_live, node) {
		if (cap->id > l->after_id) {
			hsx_cap_fill_info(cap, &l->info);
			ret = 0;
			break;
		}
	}
	mutex_unlock(&hsx_cap_mutex);
	return ret;
}

/* ---- sysfs and setup --------------------------------------------------- */

u64 hsx_cap_stat(enum hsx_cap_stat_id which)
{
	switch (which) {
	case HSX_CAP_STAT_ACTIVE:
		return READ_ONCE(hsx_cap_n_live);
	case HSX_CAP_STAT_MINTED:
		return atomic64_read(&hsx_cap_stat_minted);
	case HSX_CAP_STAT_DENIED:
		return hsx_cap_denials();
	case HSX_CAP_STAT_REVOKED:
		return atomic64_read(&hsx_cap_stat_revoked);
	case HSX_CAP_STAT_EXPIRED:
		return atomic64_read(&hsx_cap_stat_expired);
	}
	return 0;
}

pid_t hsx_cap_admin_pid(void)
{
	pid_t nr = 0;

	mutex_lock(&hsx_cap_mutex);
	if (hsx_cap_admin)
		nr = pid_vnr(hsx_cap_admin->opener);
	mutex_unlock(&hsx_cap_mutex);
	return nr;
}

int hsx_cap_init(bool enforce)
{
	int ret;

	hsx_cap_enforce = enforce;
	ret = init_srcu_struct(&hsx_cap_srcu);
	if (ret)
		return ret;
	hsx_caps_mbox = hsx_mbox_create(HSX_MBOX_CAPS, &hsx_caps_mbox_ops, NULL);
	if (IS_ERR(hsx_caps_mbox)) {
		ret = PTR_ERR(hsx_caps_mbox);
		cleanup_srcu_struct(&hsx_cap_srcu);
		return ret;
	}
	if (!enforce)
		pr_warn("CAPABILITY ENFORCEMENT IS OFF (enforce=0): every user may use every module; for development only\n");
	return 0;
}

/* Context: every /dev/hsx file is closed (they pin the module). */
void hsx_cap_exit(void)
{
	cancel_work_sync(&hsx_cap_expiry_work);
	WARN_ON(!list_empty(&hsx_cap_live));
	hsx_mbox_destroy(hsx_caps_mbox, HSX_CLOSE_OWNER_GONE);
	srcu_barrier(&hsx_cap_srcu);
	cleanup_srcu_struct(&hsx_cap_srcu);
}
