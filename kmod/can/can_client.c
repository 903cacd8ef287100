// SPDX-License-Identifier: GPL-2.0
/*
 * What one open file keeps for CAN: its filter banks, its sender identity
 * (a kernel CAN socket, made at its first TX, whose pointer its frames carry
 * in skb->sk), the buses it used; and the subscriptions made through it,
 * each with a listener: what decides, before anything is copied, which
 * frames of the bus are the subscriber's.
 *
 * Lifetimes. The file's state is kref'd: the file holds one reference, each
 * listener one, so a subscription that outlives its file (netlink, a queue
 * file) still filters by the banks the file set last. Banks are replaced
 * whole under RCU: the receive path reads them in softirq.
 */
#include <linux/can.h>
#include <linux/err.h>
#include <linux/net.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <net/sock.h>

#include "can.h"
#include "cap.h"
#include "core.h"
#include "instance.h"
#include "mailbox.h"

/*
 * What sk_user_data of hsx's sockets points to: frames they sent are hsx's;
 * those of the NOWAIT sockets await a record, the job sockets' are periodic
 * jobs', whose echoes are no TX_DONE.
 */
static char hsx_can_sock_tag;
static char hsx_can_nowait_tag;
static char hsx_can_job_sock_tag;

struct hsx_can_client *hsx_can_client_of(struct hsx_client *client)
{
	return client->priv[hsx_module_slot(HSX_MODULE_CAN)];
}

int hsx_can_client_open(struct hsx_client *client)
{
	struct hsx_can_client *cc = kzalloc(sizeof(*cc), GFP_KERNEL);

	if (!cc)
		return -ENOMEM;
	kref_init(&cc->ref);
	mutex_init(&cc->lock);
	spin_lock_init(&cc->users_lock);
	client->priv[hsx_module_slot(HSX_MODULE_CAN)] = cc;
	return 0;
}

/* Context: process (a socket is released). */
static void hsx_can_client_free(struct kref *ref)
{
	struct hsx_can_client *cc = container_of(ref, struct hsx_can_client, ref);
	unsigned int bus;

	for (bus = 0; bus < HSX_CAN_MAX_BUSES; bus++)
		kfree(rcu_dereference_protected(cc->banks[bus], true));
	if (cc->sock)
		sock_release(cc->sock);
	if (cc->nowait_sock)
		sock_release(cc->nowait_sock);
	if (cc->job_sock)
		sock_release(cc->job_sock);
	mutex_destroy(&cc->lock);
	kfree(cc);
}

/*
 * Context: process. The banks are freed at once: nothing reads them but
 * listeners, which hold references, and the file, which is gone.
 */
void hsx_can_client_put(struct hsx_can_client *cc)
{
	kref_put(&cc->ref, hsx_can_client_free);
}

void hsx_can_client_release(struct hsx_client *client)
{
	struct hsx_can_client *cc = hsx_can_client_of(client);
	unsigned int bus;

	/* First: the jobs send, and the watches post, for the file. */
	hsx_can_jobs_release(cc);
	hsx_can_watches_release(cc);
	for (bus = 0; bus < HSX_CAN_MAX_BUSES; bus++) {
		struct hsx_can_bus *used = cc->used[bus];
		struct hsx_can_banks *banks;

		/* Its NOWAIT frames still awaiting their echo: failed, as the file is gone. */
		if (used && cc->nowait_sock)
			hsx_can_pending_fail(used, cc->nowait_sock->sk, HSX_CAN_TXF_CLOSED);

		/* Its banks count no more among the bus's (the binding they were counted on). */
		mutex_lock(&cc->lock);
		banks = rcu_dereference_protected(cc->banks[bus], lockdep_is_held(&cc->lock));
		if (banks && used && cc->banks_counted_on[bus] == used)
			atomic_sub(banks->on, &used->filters_on);
		mutex_unlock(&cc->lock);
		if (!used)
			continue;
		atomic_dec(&used->users);
		hsx_instance_put(used->inst);
	}
	client->priv[hsx_module_slot(HSX_MODULE_CAN)] = NULL;
	hsx_can_client_put(cc);
}

/* The file uses @bus: count it among the bus's users, once. */
void hsx_can_note_user(struct hsx_client *client, struct hsx_can_bus *bus)
{
	struct hsx_can_client *cc = hsx_can_client_of(client);
	struct hsx_can_bus *old = NULL;

	if (READ_ONCE(cc->used[bus->index]) == bus)
		return;
	spin_lock(&cc->users_lock);
	if (cc->used[bus->index] != bus) {
		old = cc->used[bus->index];
		cc->used[bus->index] = bus;
		cc->seen_errors[bus->index] = atomic64_read(&bus->error_frames);
		hsx_instance_get(bus->inst);
		atomic_inc(&bus->users);
	}
	spin_unlock(&cc->users_lock);
	if (old) {
		/* A binding the bus had before: this file counts there no more. */
		atomic_dec(&old->users);
		hsx_instance_put(old->inst);
	}
}

/* Error frames on @bus since this file last asked (or first used it). */
u64 hsx_can_errors_since(struct hsx_client *client, struct hsx_can_bus *bus)
{
	struct hsx_can_client *cc = hsx_can_client_of(client);
	u64 now = atomic64_read(&bus->error_frames), seen;

	spin_lock(&cc->users_lock);
	seen = cc->used[bus->index] == bus ? cc->seen_errors[bus->index] : now;
	cc->seen_errors[bus->index] = now;
	spin_unlock(&cc->users_lock);
	return now - seen;
}

/* Where the file keeps its socket of @kind. */
static struct socket **hsx_can_sock_slot(struct hsx_can_client *cc, enum hsx_can_sock_kind kind)
{
	switch (kind) {
	case HSX_CAN_SOCK_NOWAIT:
		return &cc->nowait_sock;
	case HSX_CAN_SOCK_JOB:
		return &cc->job_sock;
	default:
		return &cc->sock;
	}
}

/**
 * hsx_can_client_sock - one of the file's sender identities, made at first use
 * @cc: the file's CAN state
 * @kind: which: its waiting TXs', its NOWAIT TXs' or its periodic jobs'
 * @sk: set to its socket's sock
 *
 * A CAN_RAW socket that is never bound: it receives nothing and costs
 * nothing on the receive path; it only names the frames the file sends.
 */
int hsx_can_client_sock(struct hsx_can_client *cc, enum hsx_can_sock_kind kind,
			struct sock **sk)
{
	static char *const tags[] = {
		[HSX_CAN_SOCK_WAIT] = &hsx_can_sock_tag,
		[HSX_CAN_SOCK_NOWAIT] = &hsx_can_nowait_tag,
		[HSX_CAN_SOCK_JOB] = &hsx_can_job_sock_tag,
	};
	struct socket **slot = hsx_can_sock_slot(cc, kind);
	struct socket *sock;
	int ret = 0;

	mutex_lock(&cc->lock);
	if (!*slot) {
		ret = sock_create_kern(&init_net, PF_CAN, SOCK_RAW, CAN_RAW, &sock);
		/*
		 * No memory for the socket's inode is ENFILE from the socket
		 * layer ("no more sockets"); this socket is hsx's own, not one
		 * of the caller's files: it is what the uAPI says, ENOMEM.
		 */
		if (ret == -ENFILE)
			ret = -ENOMEM;
		if (!ret) {
			sock->sk->sk_user_data = tags[kind];
			/* Read locklessly by the receive path (hsx_can_listener_sk()). */
			smp_store_release(slot, sock);
		}
	}
	if (!ret)
		*sk = (*slot)->sk;
	mutex_unlock(&cc->lock);
	return ret;
}

/* Was the frame of @skb sent through a /dev/hsx file (a TX or a job)? */
bool hsx_can_sent_by_hsx(const struct sock *sk)
{
	const void *tag = sk ? READ_ONCE(sk->sk_user_data) : NULL;

	return tag == &hsx_can_sock_tag || tag == &hsx_can_nowait_tag ||
	       tag == &hsx_can_job_sock_tag;
}

/* Was it sent with HSX_CAN_TX_NOWAIT? */
bool hsx_can_sent_nowait(const struct sock *sk)
{
	return sk && READ_ONCE(sk->sk_user_data) == &hsx_can_nowait_tag;
}

/* Was it sent by a periodic job? */
bool hsx_can_sent_by_job(const struct sock *sk)
{
	return sk && READ_ONCE(sk->sk_user_data) == &hsx_can_job_sock_tag;
}

/* ---- filter banks ------------------------------------------------------------ */

int hsx_can_check_filter(const struct hsx_can_filter *f)
{
	if (f->bank >= HSX_CAN_FILTERS || f->flags & ~HSX_CAN_FLT_ALL ||
	    f->reserved[0] || f->reserved[1] || f->reserved[2])
		return -EINVAL;
	if (!(f->flags & HSX_CAN_FLT_ON))
		return f->flags || f->id || f->mask ? -EINVAL : 0;
	if ((f->flags & HSX_CAN_FLT_STD) && (f->flags & HSX_CAN_FLT_EXT))
		return -EINVAL;
	if (f->id > HSX_CAN_EFF_MASK || f->mask > HSX_CAN_EFF_MASK)
		return -EINVAL;
	return 0;
}

/**
 * hsx_can_banks_pass - does a frame pass a file's banks for its bus?
 * @banks: the banks, or NULL when none was ever set
 * @id: the frame's ID (without flags)
 * @flags: its HSX_CAN_F_*
 */
bool hsx_can_banks_pass(const struct hsx_can_banks *banks, u32 id, u8 flags)
{
	bool ext = flags & HSX_CAN_F_EXT;
	unsigned int i;

	if (!banks || !banks->on)
		return true;
	for (i = 0; i < HSX_CAN_FILTERS; i++) {
		const struct hsx_can_filter *b = &banks->bank[i];

		if (!(b->flags & HSX_CAN_FLT_ON) ||
		    (b->flags & HSX_CAN_FLT_STD && ext) || (b->flags & HSX_CAN_FLT_EXT && !ext))
			continue;
		if ((id & b->mask) == (b->id & b->mask))
			return true;
	}
	return false;
}

/*
 * Set one bank of @cc for @bus: a copy of the banks with it changed replaces
 * them, so the receive path always sees a whole set. The banks are per bus
 * number and outlive a binding: the count in sysfs moves to the binding the
 * file sets them on.
 */
int hsx_can_set_banks(struct hsx_can_client *cc, struct hsx_can_bus *bus,
		      const struct hsx_can_filter *f)
{
	struct hsx_can_banks *old, *new = kzalloc(sizeof(*new), GFP_KERNEL);
	bool was_on, is_on = f->flags & HSX_CAN_FLT_ON;
	unsigned int counted;

	if (!new)
		return -ENOMEM;
	mutex_lock(&cc->lock);
	old = rcu_dereference_protected(cc->banks[bus->index], lockdep_is_held(&cc->lock));
	if (old)
		memcpy(new->bank, old->bank, sizeof(new->bank));
	was_on = new->bank[f->bank].flags & HSX_CAN_FLT_ON;
	new->bank[f->bank] = *f;
	new->on = (old ? old->on : 0) - was_on + is_on;
	rcu_assign_pointer(cc->banks[bus->index], new);
	counted = cc->banks_counted_on[bus->index] == bus && old ? old->on : 0;
	atomic_add((int)new->on - (int)counted, &bus->filters_on);
	cc->banks_counted_on[bus->index] = bus;
	mutex_unlock(&cc->lock);
	kfree_rcu(old, rcu);
	return 0;
}

/* ---- the mailboxes' listeners ----------------------------------------------- */

/**
 * struct hsx_can_listener - what decides which frames one subscription gets
 * @cc: the file it was made through (a reference), or NULL for a privileged
 *	netlink socket that named none: every frame, no filters
 * @all: no capability limits it (a privileged file or socket)
 * @has_rx: the capability has a receive range
 * @rx_first: its first ID, as hsx_can_sel_id() names them
 * @rx_last: its last
 */
struct hsx_can_listener {
	struct hsx_can_client *cc;
	bool all;
	bool has_rx;
	u32 rx_first;
	u32 rx_last;
};

static const struct sock *hsx_can_listener_sk(const struct hsx_can_listener *l,
					      enum hsx_can_sock_kind kind)
{
	struct socket *sock;

	if (!l->cc)
		return NULL;
	/* Pairs with hsx_can_client_sock()'s release: the socket is whole. */
	sock = smp_load_acquire(hsx_can_sock_slot(l->cc, kind));
	return sock ? sock->sk : NULL;
}

/* Context: the bus's receive path (softirq, under RCU), under the mailbox's lock. */
static bool hsx_can_accept_rx(const void *filter, const void *payload)
{
	const struct hsx_can_listener *l = filter;
	const struct hsx_can_event *ev = payload;
	const struct hsx_can_record *r = &ev->rec;
	bool own_tx, own_job;
	u32 selid;
	bool pass;

	/* A record of one file's (a job's end, a watch's timeout): its subscriptions only. */
	if (ev->to)
		return l->cc == ev->to;
	own_tx = ev->sender && (ev->sender == hsx_can_listener_sk(l, HSX_CAN_SOCK_WAIT) ||
				ev->sender == hsx_can_listener_sk(l, HSX_CAN_SOCK_NOWAIT));
	/* Its own frames come back to it only as TX_DONE or TX_FAILED; its jobs' not at all. */
	if (r->kind == HSX_CAN_EV_TX_DONE || r->kind == HSX_CAN_EV_TX_FAILED)
		return own_tx;
	own_job = ev->sender && ev->sender == hsx_can_listener_sk(l, HSX_CAN_SOCK_JOB);
	if (own_tx || own_job)
		return false;
	if (!l->all) {
		selid = hsx_can_sel_id(r->frame.can_id, r->frame.flags);
		if (!l->has_rx || selid < l->rx_first || selid > l->rx_last)
			return false;
	}
	if (!l->cc)
		return true;
	rcu_read_lock();
	pass = hsx_can_banks_pass(rcu_dereference(l->cc->banks[r->bus]), r->frame.can_id,
				  r->frame.flags);
	rcu_read_unlock();
	return pass;
}

static void hsx_can_listener_put(void *filter)
{
	struct hsx_can_listener *l = filter;

	if (l->cc)
		hsx_can_client_put(l->cc);
	kfree(l);
}

/*
 * Listening to a bus needs READ on it; which frames come is the listener's
 * (the capability's receive range, the file's banks).
 */
static int hsx_can_may_subscribe(struct hsx_mbox *mbox, struct hsx_mbox_auth *auth)
{
	const struct hsx_can_bus *bus = hsx_mbox_owner(mbox);
	const struct hsx_cap *cap;
	struct hsx_can_listener *l;

	cap = hsx_cap_authorize(auth->client, auth->privileged, &hsx_can_module,
				HSX_CAP_R_READ, HSX_CAN_OBJ_BUS(bus->index));
	if (IS_ERR(cap))
		return PTR_ERR(cap);
	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	if (cap) {
		l->has_rx = cap->sel.can.flags & HSX_CAN_SEL_RX;
		l->rx_first = cap->sel.can.rx_first;
		l->rx_last = cap->sel.can.rx_last;
	} else {
		l->all = true;
	}
	if (auth->client && hsx_can_client_of(auth->client)) {
		l->cc = hsx_can_client_of(auth->client);
		kref_get(&l->cc->ref);
	}
	auth->token = cap;
	auth->filter = l;
	return 0;
}

static int hsx_can_fill(struct sk_buff *skb, const void *payload)
{
	const struct hsx_can_record *r = &((const struct hsx_can_event *)payload)->rec;
	struct nlattr *nest;
	u32 len = r->frame.len;

	nest = nla_nest_start(skb, HSX_A_EVT_CAN);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u32(skb, HSX_CAN_A_BUS, r->bus) ||
	    nla_put_u32(skb, HSX_CAN_A_KIND, r->kind) ||
	    nla_put_u32(skb, HSX_CAN_A_ID, r->kind == HSX_CAN_EV_ERROR ? r->error :
			r->frame.can_id) ||
	    nla_put_u32(skb, HSX_CAN_A_FLAGS, r->frame.flags) ||
	    nla_put_u32(skb, HSX_CAN_A_LEN, len) ||
	    nla_put(skb, HSX_CAN_A_DATA, r->frame.flags & HSX_CAN_F_RTR ? 0 : len,
		    r->frame.data) ||
	    ((r->kind == HSX_CAN_EV_TX_DONE || r->kind == HSX_CAN_EV_TX_FAILED) &&
	     nla_put_u64_64bit(skb, HSX_CAN_A_COOKIE, r->cookie, HSX_CAN_A_PAD)) ||
	    (r->kind == HSX_CAN_EV_TX_FAILED && nla_put_u32(skb, HSX_CAN_A_REASON, r->error)) ||
	    (r->kind == HSX_CAN_EV_ERROR &&
	     (nla_put_u32(skb, HSX_CAN_A_STATE, r->state) ||
	      nla_put_u32(skb, HSX_CAN_A_TX_ERRORS, r->tx_errors) ||
	      nla_put_u32(skb, HSX_CAN_A_RX_ERRORS, r->rx_errors))) ||
	    (r->kind == HSX_CAN_EV_RX_TIMEOUT &&
	     (nla_put_u32(skb, HSX_CAN_A_STATE, r->state) ||
	      nla_put_u64_64bit(skb, HSX_CAN_A_COOKIE, r->cookie, HSX_CAN_A_PAD))) ||
	    (r->kind == HSX_CAN_EV_PERIODIC_END &&
	     (nla_put_u32(skb, HSX_CAN_A_STATE, r->state) ||
	      nla_put_u64_64bit(skb, HSX_CAN_A_COOKIE, r->cookie, HSX_CAN_A_PAD) ||
	      nla_put_u32(skb, HSX_CAN_A_TX_ERRORS, r->tx_errors) ||
	      nla_put_u32(skb, HSX_CAN_A_REASON, r->error)))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * The nest, the nine u32 attributes there are (no kind has them all: ERROR
 * and PERIODIC_END have eight), the data, a u64 with room for a pad attribute.
 */
#define HSX_CAN_PAYLOAD_SIZE (NLA_HDRLEN + 9 * NLA_ALIGN(NLA_HDRLEN + sizeof(u32)) + \
			      NLA_ALIGN(NLA_HDRLEN + HSX_CAN_DATA_MAX) +		\
			      NLA_ALIGN(NLA_HDRLEN + sizeof(u64)) + NLA_HDRLEN)

const struct hsx_mbox_ops hsx_can_rx_mbox_ops = {
	.module = HSX_MODULE_CAN,
	.record_size = sizeof(struct hsx_can_record),
	.payload_size = HSX_CAN_PAYLOAD_SIZE,
	.fill = hsx_can_fill,
	.may_subscribe = hsx_can_may_subscribe,
	.accept = hsx_can_accept_rx,
	.filter_put = hsx_can_listener_put,
};

/* Error frames: every subscriber with READ on the bus, no filters. */
static int hsx_can_may_subscribe_err(struct hsx_mbox *mbox, struct hsx_mbox_auth *auth)
{
	const struct hsx_can_bus *bus = hsx_mbox_owner(mbox);
	const void *token;

	token = hsx_cap_authorize(auth->client, auth->privileged, &hsx_can_module,
				  HSX_CAP_R_READ, HSX_CAN_OBJ_BUS(bus->index));
	if (IS_ERR(token))
		return PTR_ERR(token);
	auth->token = token;
	return 0;
}

const struct hsx_mbox_ops hsx_can_err_mbox_ops = {
	.module = HSX_MODULE_CAN,
	.record_size = sizeof(struct hsx_can_record),
	.payload_size = HSX_CAN_PAYLOAD_SIZE,
	.fill = hsx_can_fill,
	.may_subscribe = hsx_can_may_subscribe_err,
};
