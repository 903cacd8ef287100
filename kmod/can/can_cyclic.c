// SPDX-License-Identifier: GPL-2.0
/*
 * Periodic jobs (HSX_IOC_CAN_PERIODIC), what can-bcm's TX_SETUP gives: a job
 * of an open file sends one frame on a bus every interval, from an hrtimer
 * in soft-IRQ mode, through can_send(), as net/can/bcm.c does. Each send is
 * checked against the file's capability (hsx_cap_check_held(): no process
 * to compare with the holder) in one hsx_cap_srcu section with the send, so
 * once a revocation returned, the job sends nothing more.
 *
 * Work. A bus runs at most HSX_CAN_PERIODIC_BUS_MAX jobs, and at most
 * HSX_CAN_PERIODIC_BUS_FPS frames a second of them all (the bus's job_count
 * and job_fps, charged at START, given back when the job ends or is freed,
 * whichever comes first: an ended job kept for QUERY holds no charge, and
 * is off the bus's list): the timers' softirq work per bus is bounded. A send the queue or the link
 * refuses (ENOBUFS, ENETDOWN, ENOMEM) is counted failed, and the job backs
 * off: 2^n periods after n such sends in a row, at most
 * HSX_CAN_PERIODIC_BACKOFF_MAX, so that a full queue is not fed every
 * period.
 *
 * Locking: the file's lock (struct hsx_can_client.lock) serializes the
 * slots: starting, stopping, freeing. A job's lock guards its frame, counts
 * and end, and is taken in the timer's softirq; a bus's jobs_lock guards its
 * list of jobs and their charge, outside a job's lock. A job's end record is
 * posted under the job's lock, so that once hsx_can_jobs_bus_gone() went
 * through the bus's jobs, none posts to the bus's mailboxes again; and so
 * hsx_can_jobs_bus_gone() posts with the bus's jobs_lock held and BHs off.
 * That is as the timer's own end records are posted (in softirq):
 * hsx_mbox_post() never sleeps and copies into rings already allocated, and
 * the walk is bounded by HSX_CAN_PERIODIC_BUS_MAX.
 *
 * Lifetimes. A job holds a reference to its bus's instance; the file frees
 * its jobs (timer cancelled first) before its CAN state goes, and the jobs'
 * socket lives as long as that state.
 */
#include <linux/can.h>
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/string.h>

#include "can.h"
#include "cap.h"
#include "compat.h"
#include "core.h"
#include "instance.h"
#include "mailbox.h"

/**
 * struct hsx_can_job - one periodic job
 * @timer: sends, in softirq
 * @client: the file it sends for (its capability is checked at each send)
 * @cc: the file's CAN state
 * @bus: the bus, with a reference to its instance
 * @sk: the file's jobs' socket: the frames' owner
 * @slot: its number in the file
 * @interval: the period
 * @lock: guards what follows
 * @frame: what the next send sends
 * @left: sends before the count is reached; with @counted only
 * @counted: it stops after a count
 * @fps: its charge against the bus's HSX_CAN_PERIODIC_BUS_FPS
 * @streak: sends refused in a row (ENOBUFS, ENETDOWN, ENOMEM): the back-off
 * @sent: frames handed to the interface
 * @failed: sends that failed
 * @end: HSX_CAN_END_*; once set, the timer sends no more
 * @bus_node: in the bus's jobs (charged) until it ends; empty after
 */
struct hsx_can_job {
	struct hrtimer timer;
	struct hsx_client *client;
	struct hsx_can_client *cc;
	struct hsx_can_bus *bus;
	struct sock *sk;
	u32 slot;
	ktime_t interval;
	spinlock_t lock;		/* see above */
	struct hsx_can_frame frame;
	u32 left;
	bool counted;
	u32 fps;
	u32 streak;
	u64 sent;
	u64 failed;
	u32 end;
	struct list_head bus_node;
};

/* The uAPI's rules for the argument: 0 or -EINVAL. */
int hsx_can_check_periodic(const struct hsx_can_periodic *p)
{
	if (p->slot >= HSX_CAN_PERIODIC_MAX || p->op > HSX_CAN_PER_QUERY || p->flags ||
	    p->reserved)
		return -EINVAL;
	if (p->op == HSX_CAN_PER_START &&
	    (p->interval_us < HSX_CAN_PERIODIC_MIN_US || p->interval_us > HSX_CAN_PERIODIC_MAX_US))
		return -EINVAL;
	/* What an operation does not take is zero. */
	if (p->op != HSX_CAN_PER_START && (p->interval_us || p->count))
		return -EINVAL;
	if (p->op == HSX_CAN_PER_START || p->op == HSX_CAN_PER_UPDATE)
		return hsx_can_check_frame(&p->frame);
	return memchr_inv(&p->frame, 0, sizeof(p->frame)) ? -EINVAL : 0;
}

/*
 * Does @bus's interface carry @f: an FD frame needs an FD interface (its
 * MTU). 0, -EMSGSIZE, or -ENODEV when it is gone.
 */
static int hsx_can_job_fits(struct hsx_can_bus *bus, const struct hsx_can_frame *f)
{
	netdevice_tracker tracker;
	struct net_device *dev;
	int ret = 0;

	if (!(f->flags & HSX_CAN_F_FD))
		return 0;
	dev = hsx_can_dev_hold(bus, &tracker);
	if (!dev)
		return -ENODEV;
	if (READ_ONCE(dev->mtu) < CANFD_MTU)
		ret = -EMSGSIZE;
	netdev_put(dev, &tracker);
	return ret;
}

/*
 * Take @job off its bus's list and give back its charge, once. Context:
 * under the bus's jobs_lock.
 */
static void hsx_can_job_unlist(struct hsx_can_job *job)
{
	struct hsx_can_bus *bus = job->bus;

	lockdep_assert_held(&bus->jobs_lock);
	if (list_empty(&job->bus_node))
		return;
	list_del_init(&job->bus_node);
	bus->job_count--;
	bus->job_fps -= job->fps;
}

/*
 * End @job for @reason, once: its end record goes to its file's
 * subscriptions of the bus, and its charge back to the bus (by the caller
 * where it holds the bus's jobs_lock: @bus_locked). Context: any but hard
 * IRQ.
 */
static void hsx_can_job_end(struct hsx_can_job *job, u32 reason, bool bus_locked)
{
	struct hsx_can_event ev = {
		.rec.bus = job->bus->index,
		.rec.kind = HSX_CAN_EV_PERIODIC_END,
		.to = job->cc,
	};

	spin_lock_bh(&job->lock);
	if (!job->end) {
		job->end = reason;
		ev.rec.state = job->slot;
		ev.rec.error = reason;
		ev.rec.cookie = job->sent;
		ev.rec.tx_errors = min_t(u64, job->failed, U16_MAX);
		ev.rec.frame = job->frame;
		hsx_mbox_post(job->bus->rx_mbox, &ev);
	}
	spin_unlock_bh(&job->lock);
	if (bus_locked)
		return;
	spin_lock_bh(&job->bus->jobs_lock);
	hsx_can_job_unlist(job);
	spin_unlock_bh(&job->bus->jobs_lock);
}

/*
 * What a failed send (not a denial: see hsx_can_job_fire()) means for the
 * job: it goes on, backing off (0), or ends (why).
 */
static u32 hsx_can_job_end_of(int err)
{
	switch (err) {
	case -ENOBUFS:		/* the queue is full: this period's frame is lost */
	case -ENETDOWN:		/* the interface is down, maybe for a while */
	case -ENOMEM:
		return HSX_CAN_END_NONE;
	case -ENODEV:
		return HSX_CAN_END_GONE;
	default:
		return HSX_CAN_END_FAILED;
	}
}

/*
 * One send, checked: 0, the send's error, or with *@denied the capability's
 * denial. Context: the timer's softirq.
 */
static int hsx_can_job_send(struct hsx_can_job *job, const struct hsx_can_frame *f, bool *denied)
{
	u64 object = HSX_CAN_OBJ_TX(job->bus->index, hsx_can_sel_id(f->can_id, f->flags));
	u32 cookie;
	int idx, ret;

	*denied = false;
	if (hsx_instance_gone(job->bus->inst) || READ_ONCE(job->bus->dead))
		return -ENODEV;
	idx = srcu_read_lock(&hsx_cap_srcu);
	ret = hsx_cap_check_held(job->client, &hsx_can_module, HSX_CAP_R_WRITE, object);
	*denied = ret;
	if (!ret)
		ret = hsx_can_xmit(job->bus, job->sk, f, NULL, NULL, &cookie,
				   GFP_ATOMIC | __GFP_NOWARN);
	srcu_read_unlock(&hsx_cap_srcu, idx);
	return ret;
}

/* The wait after a send: a period, or 2^streak of them while sends are refused. */
static ktime_t hsx_can_job_wait(const struct hsx_can_job *job)
{
	return job->interval * min_t(u32, 1U << job->streak, HSX_CAN_PERIODIC_BACKOFF_MAX);
}

static enum hrtimer_restart hsx_can_job_fire(struct hrtimer *timer)
{
	struct hsx_can_job *job = container_of(timer, struct hsx_can_job, timer);
	struct hsx_can_frame frame;
	u32 end = HSX_CAN_END_NONE;
	ktime_t wait;
	bool denied;
	int ret;

	spin_lock(&job->lock);
	if (job->end) {
		spin_unlock(&job->lock);
		return HRTIMER_NORESTART;
	}
	frame = job->frame;
	spin_unlock(&job->lock);

	ret = hsx_can_job_send(job, &frame, &denied);
	if (denied) {
		/*
		 * Its file closes (its capabilities went first): the close
		 * stops the job, telling nothing. Otherwise the capability
		 * ended or covers the frame no more. Neither is a failed send.
		 */
		smp_rmb();	/* closing after the denial: pairs with hsx_client_destroy() */
		if (!READ_ONCE(job->client->closing))
			hsx_can_job_end(job, HSX_CAN_END_REVOKED, false);
		return HRTIMER_NORESTART;
	}

	spin_lock(&job->lock);
	if (!ret) {
		job->sent++;
		job->streak = 0;
		if (job->counted && !--job->left)
			end = HSX_CAN_END_COUNT;
	} else {
		job->failed++;
		atomic64_inc(&job->bus->tx_failed);
		end = hsx_can_job_end_of(ret);
		if (job->streak < ilog2(HSX_CAN_PERIODIC_BACKOFF_MAX))
			job->streak++;
	}
	wait = hsx_can_job_wait(job);
	spin_unlock(&job->lock);
	if (end) {
		hsx_can_job_end(job, end, false);
		return HRTIMER_NORESTART;
	}
	/* Late by more than a wait: the periods missed are skipped, as bcm's. */
	hrtimer_forward_now(timer, wait);
	return HRTIMER_RESTART;
}

/* Stop and free a job out of its slot. Context: process, under the file's lock. */
static void hsx_can_job_free(struct hsx_can_job *job)
{
	struct hsx_can_bus *bus = job->bus;

	hrtimer_cancel(&job->timer);	/* never fires again: nothing restarts it */
	spin_lock_bh(&bus->jobs_lock);
	hsx_can_job_unlist(job);
	spin_unlock_bh(&bus->jobs_lock);
	kfree(job);
	hsx_instance_put(bus->inst);	/* may free bus */
}

/*
 * May @client read @job: what UPDATE would need for its frame. 0 or a
 * denial; with @ask, a question, neither counted nor logged (STOP needs
 * nothing).
 */
static int hsx_can_job_readable(struct hsx_client *client, struct hsx_can_job *job, bool ask)
{
	u64 object;
	u32 id;

	spin_lock_bh(&job->lock);
	id = hsx_can_sel_id(job->frame.can_id, job->frame.flags);
	spin_unlock_bh(&job->lock);
	object = HSX_CAN_OBJ_TX(job->bus->index, id);
	return ask ? hsx_can_may(client, HSX_CAP_R_WRITE, object) :
		     hsx_can_authorize(client, HSX_CAP_R_WRITE, object);
}

/* Its end always; its counts where @readable. */
static void hsx_can_job_report(struct hsx_can_job *job, struct hsx_can_periodic *p,
			       bool readable)
{
	spin_lock_bh(&job->lock);
	p->sent = readable ? job->sent : 0;
	p->failed = readable ? job->failed : 0;
	p->end = job->end;
	spin_unlock_bh(&job->lock);
}

/* May @client send @p's frame: what START and UPDATE need. 0 or a denial. */
static int hsx_can_job_authorize(struct hsx_client *client, const struct hsx_can_periodic *p)
{
	return hsx_can_authorize(client, HSX_CAP_R_WRITE,
				 HSX_CAN_OBJ_TX(p->bus, hsx_can_sel_id(p->frame.can_id,
								       p->frame.flags)));
}

static long hsx_can_job_start(struct hsx_client *client, struct hsx_can_periodic *p)
{
	struct hsx_can_client *cc = hsx_can_client_of(client);
	struct hsx_can_job *job, *old;
	struct hsx_can_bus *bus;
	bool old_charged;
	struct sock *sk;
	int idx, ret;

	ret = hsx_can_client_sock(cc, HSX_CAN_SOCK_JOB, &sk);
	if (ret)
		return ret;
	job = kzalloc(sizeof(*job), GFP_KERNEL_ACCOUNT);
	if (!job)
		return -ENOMEM;
	bus = hsx_can_get(client, p->bus, &idx);
	if (IS_ERR(bus)) {
		kfree(job);
		return PTR_ERR(bus);
	}
	ret = hsx_can_job_fits(bus, &p->frame);
	if (ret) {
		hsx_can_put(bus, idx);
		kfree(job);
		return ret;
	}
	hsx_hrtimer_setup(&job->timer, hsx_can_job_fire, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	job->client = client;
	job->cc = cc;
	job->bus = bus;
	job->sk = sk;
	job->slot = p->slot;
	job->interval = ns_to_ktime((u64)p->interval_us * NSEC_PER_USEC);
	spin_lock_init(&job->lock);
	INIT_LIST_HEAD(&job->bus_node);
	job->frame = p->frame;
	job->counted = p->count;
	job->left = p->count;
	job->fps = DIV_ROUND_UP(USEC_PER_SEC, p->interval_us);

	mutex_lock(&cc->lock);
	old = cc->jobs[p->slot];
	if (old && !READ_ONCE(old->end)) {
		ret = -EBUSY;
		goto out;
	}
	/*
	 * Again under the file's lock, which hsx_can_jobs_cap_ended() runs
	 * under: a job started during a revocation is refused, not left
	 * running after the revocation ended the file's jobs.
	 */
	ret = hsx_can_job_authorize(client, p);
	if (ret)
		goto out;
	/*
	 * On the bus's list inside the instance's SRCU section: an unbinding
	 * waits for it, then ends every job it finds there. The slot's ended
	 * job still charged (its end being posted) makes room for this one;
	 * refused, the slot keeps it for QUERY.
	 */
	spin_lock_bh(&bus->jobs_lock);
	old_charged = old && old->bus == bus && !list_empty(&old->bus_node);
	if (bus->job_count - old_charged >= HSX_CAN_PERIODIC_BUS_MAX ||
	    bus->job_fps - (old_charged ? old->fps : 0) + job->fps > HSX_CAN_PERIODIC_BUS_FPS) {
		spin_unlock_bh(&bus->jobs_lock);
		ret = -ENOSPC;
		goto out;
	}
	list_add_tail(&job->bus_node, &bus->jobs);
	bus->job_count++;
	bus->job_fps += job->fps;
	spin_unlock_bh(&bus->jobs_lock);
	if (old)
		hsx_can_job_free(old);
	hsx_instance_get(bus->inst);
	cc->jobs[p->slot] = job;
	job = NULL;
	/* The first frame now. */
	hrtimer_start(&cc->jobs[p->slot]->timer, 0, HRTIMER_MODE_REL_SOFT);
out:
	mutex_unlock(&cc->lock);
	kfree(job);
	hsx_can_put(bus, idx);
	return ret;
}

long hsx_can_periodic(struct hsx_client *client, void *arg)
{
	struct hsx_can_client *cc = hsx_can_client_of(client);
	struct hsx_can_periodic *p = arg;
	struct hsx_can_job *job;
	int ret;

	ret = hsx_can_check_bus(client, p->bus) ?: hsx_can_check_periodic(p);
	if (ret)
		return ret;
	hsx_can_frame_clear_tail(&p->frame);
	if (p->op == HSX_CAN_PER_START || p->op == HSX_CAN_PER_UPDATE) {
		ret = hsx_can_job_authorize(client, p);
		if (ret)
			return ret;
	}
	if (p->op == HSX_CAN_PER_START)
		return hsx_can_job_start(client, p);

	mutex_lock(&cc->lock);
	job = cc->jobs[p->slot];
	if (!job || job->bus->index != p->bus) {
		ret = -ENOENT;
		goto out;
	}
	switch (p->op) {
	case HSX_CAN_PER_UPDATE:
		ret = hsx_can_job_fits(job->bus, &p->frame);
		if (ret)
			break;
		/* In place: the timer's next send takes it, the period goes on. */
		spin_lock_bh(&job->lock);
		if (job->end)
			ret = -ESRCH;
		else
			job->frame = p->frame;
		spin_unlock_bh(&job->lock);
		break;
	case HSX_CAN_PER_STOP: {
		/* Freed whatever the capability; the counts only under it. */
		bool readable = !hsx_can_job_readable(client, job, true);

		hrtimer_cancel(&job->timer);
		hsx_can_job_report(job, p, readable);
		cc->jobs[p->slot] = NULL;
		hsx_can_job_free(job);
		break;
	}
	default:
		ret = hsx_can_job_readable(client, job, false);
		if (!ret)
			hsx_can_job_report(job, p, true);
		break;
	}
out:
	mutex_unlock(&cc->lock);
	return ret;
}

/* The file closes: its jobs stop, telling nothing. Context: process. */
void hsx_can_jobs_release(struct hsx_can_client *cc)
{
	unsigned int i;

	mutex_lock(&cc->lock);
	for (i = 0; i < HSX_CAN_PERIODIC_MAX; i++) {
		if (cc->jobs[i])
			hsx_can_job_free(cc->jobs[i]);
		cc->jobs[i] = NULL;
	}
	mutex_unlock(&cc->lock);
}

/*
 * The file's capability ended: its jobs end, before their next send would
 * find out. Context: process, under the file's lock.
 */
void hsx_can_jobs_cap_ended(struct hsx_can_client *cc)
{
	unsigned int i;

	lockdep_assert_held(&cc->lock);
	for (i = 0; i < HSX_CAN_PERIODIC_MAX; i++)
		if (cc->jobs[i])
			hsx_can_job_end(cc->jobs[i], HSX_CAN_END_REVOKED, false);
}

/*
 * The bus goes: every job on it ends while its mailboxes are still there.
 * Their timers fire once more at most, and send nothing. Context: process,
 * after the instance's operations ended (no job is being started).
 */
void hsx_can_jobs_bus_gone(struct hsx_can_bus *bus)
{
	struct hsx_can_job *job, *next;

	spin_lock_bh(&bus->jobs_lock);
	list_for_each_entry_safe(job, next, &bus->jobs, bus_node) {
		hsx_can_job_end(job, HSX_CAN_END_GONE, true);
		hsx_can_job_unlist(job);
	}
	spin_unlock_bh(&bus->jobs_lock);
}
