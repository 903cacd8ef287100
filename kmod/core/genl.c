// SPDX-License-Identifier: GPL-2.0
/*
 * The generic netlink family "hsx": mailbox subscriptions and event delivery.
 *
 * Events are queued to each subscriber's socket rather than multicast: only a
 * subscriber that was allowed to open a mailbox sees its events, and the
 * kernel learns, per subscriber, whether an event could be queued, which is
 * what drop accounting needs. Queuing never blocks: a full receive buffer
 * fails the delivery, which the mailbox core counts.
 *
 * To the socket, not to its port number: a closing netlink socket gives its
 * number back before the URELEASE notice that ends its subscriptions, and a
 * socket that binds the number in between must not get the events. The
 * subscription holds a reference to the socket that asked.
 */
#include <linux/file.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <net/genetlink.h>
#include <net/net_namespace.h>
#include <net/sock.h>

#include "cap.h"
#include "dev.h"
#include "genl.h"
#include "mailbox.h"

static struct genl_family hsx_genl_family;

static const struct nla_policy hsx_genl_policy[HSX_A_MAX + 1] = {
	[HSX_A_MBOX_ID] = { .type = NLA_U32 },
	[HSX_A_MBOX_NAME] = { .type = NLA_NUL_STRING, .len = HSX_MBOX_NAME_MAX - 1 },
	[HSX_A_MBOX_AUTH_FD] = { .type = NLA_U32 },
};

/*
 * Tell user space why, not only the errno. NL_SET_ERR_MSG* needs literals.
 * The words follow the errno alone: a hidden mailbox its owner refuses is
 * -ENOENT, and must read as a missing one (hsx_mbox_admit_locked()).
 */
static void hsx_genl_subscribe_extack(struct genl_info *info, int err)
{
	const struct nlattr *attr = info->attrs[HSX_A_MBOX_NAME];

	switch (err) {
	case -ENOENT:
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "no such mailbox");
		break;
	case -EPERM:
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "not allowed to listen to this mailbox");
		break;
	case -EEXIST:
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "already subscribed on this socket");
		break;
	case -ENOSPC:
		NL_SET_ERR_MSG_ATTR(info->extack, attr, "subscription limit reached");
		break;
	}
}

/*
 * Subscribe the sender. Netlink runs this in the sender's task, so the auth
 * fd is looked up in the sender's own table, and the capability check sees
 * the sender as current. The SRCU section keeps the capability alive while
 * may_subscribe looks at it; revoking it then waits for this to finish, and
 * ends the subscription.
 */
static int hsx_genl_subscribe(struct sk_buff *skb, struct genl_info *info, const char *name,
			      u32 *id)
{
	struct hsx_mbox_auth auth = {
		.privileged = netlink_capable(skb, CAP_SYS_ADMIN),
	};
	struct file *file = NULL;
	int idx, ret;

	if (info->attrs[HSX_A_MBOX_AUTH_FD]) {
		file = fget(nla_get_u32(info->attrs[HSX_A_MBOX_AUTH_FD]));
		auth.client = file ? hsx_client_from_file(file) : NULL;
		if (!auth.client) {
			NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HSX_A_MBOX_AUTH_FD],
					    "not an open /dev/hsx file");
			ret = -EBADF;
			goto out;
		}
	}
	idx = srcu_read_lock(&hsx_cap_srcu);
	ret = hsx_mbox_subscribe(name, info->snd_portid, NETLINK_CB(skb).sk, &auth, id);
	srcu_read_unlock(&hsx_cap_srcu, idx);
out:
	if (file)
		fput(file);
	return ret;
}

static int hsx_genl_mbox_open(struct sk_buff *skb, struct genl_info *info)
{
	char name[HSX_MBOX_NAME_MAX];
	struct sk_buff *reply;
	void *hdr;
	u32 id;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, HSX_A_MBOX_NAME))
		return -EINVAL;
	nla_strscpy(name, info->attrs[HSX_A_MBOX_NAME], sizeof(name));

	reply = genlmsg_new(nla_total_size(sizeof(u32)) + nla_total_size(sizeof(name)),
			    GFP_KERNEL);
	if (!reply)
		return -ENOMEM;

	ret = hsx_genl_subscribe(skb, info, name, &id);
	if (ret) {
		hsx_genl_subscribe_extack(info, ret);
		goto err_free;
	}

	hdr = genlmsg_put_reply(reply, info, &hsx_genl_family, 0, HSX_CMD_MBOX_OPEN);
	if (!hdr || nla_put_u32(reply, HSX_A_MBOX_ID, id) ||
	    nla_put_string(reply, HSX_A_MBOX_NAME, name)) {
		hsx_mbox_unsubscribe(id, info->snd_portid, NETLINK_CB(skb).sk);
		ret = -EMSGSIZE;
		goto err_free;
	}
	genlmsg_end(reply, hdr);
	/* A subscriber that never learns its mailbox ID must not stay one. */
	ret = genlmsg_reply(reply, info);
	if (ret)
		hsx_mbox_unsubscribe(id, info->snd_portid, NETLINK_CB(skb).sk);
	return ret;

err_free:
	nlmsg_free(reply);
	return ret;
}

static int hsx_genl_mbox_close(struct sk_buff *skb, struct genl_info *info)
{
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, HSX_A_MBOX_ID))
		return -EINVAL;
	ret = hsx_mbox_unsubscribe(nla_get_u32(info->attrs[HSX_A_MBOX_ID]),
				   info->snd_portid, NETLINK_CB(skb).sk);
	if (ret)
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[HSX_A_MBOX_ID],
				    "not subscribed to this mailbox");
	return ret;
}

static int hsx_genl_put_info(struct sk_buff *skb, const struct hsx_mbox_info *mi)
{
	if (nla_put_u32(skb, HSX_A_MBOX_ID, mi->id) ||
	    nla_put_string(skb, HSX_A_MBOX_NAME, mi->name) ||
	    nla_put_u32(skb, HSX_A_MBOX_SUBSCRIBERS, mi->subscribers) ||
	    nla_put_u64_64bit(skb, HSX_A_MBOX_SEQ, mi->seq, HSX_A_PAD) ||
	    nla_put_u64_64bit(skb, HSX_A_MBOX_EVENTS, mi->events, HSX_A_PAD) ||
	    nla_put_u64_64bit(skb, HSX_A_MBOX_DROPS, mi->drops, HSX_A_PAD))
		return -EMSGSIZE;
	return 0;
}

/*
 * Decided once, in the requester's task, when the dump starts: whether it
 * sees every mailbox (CAP_SYS_ADMIN), else whose (hsx_mbox_principal()).
 * cb->args[1]: 1 for all; cb->args[2]: the principal's uid.
 */
static int hsx_genl_mbox_dump_start(struct netlink_callback *cb)
{
	cb->args[1] = netlink_capable(cb->skb, CAP_SYS_ADMIN);
	cb->args[2] = __kuid_val(hsx_mbox_principal());
	return 0;
}

/*
 * cb->args[0]: the next mailbox ID to dump. The administrator sees every
 * mailbox; anyone else only those its own subscriptions (on any socket or
 * queue file) listen to.
 */
static int hsx_genl_mbox_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	kuid_t principal = KUIDT_INIT((uid_t)cb->args[2]);
	const kuid_t *filter = cb->args[1] ? NULL : &principal;
	unsigned long cursor = cb->args[0];
	struct hsx_mbox_info mi;
	void *hdr;

	cb->seq = hsx_mbox_generation();
	for (;;) {
		unsigned long next = cursor;

		if (hsx_mbox_info_next(&next, &mi, filter))
			break;
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				  &hsx_genl_family, NLM_F_MULTI, HSX_CMD_MBOX_GET);
		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (hsx_genl_put_info(skb, &mi)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cursor = next;
	}
	cb->args[0] = cursor;
	return skb->len;
}

static const struct genl_ops hsx_genl_ops[] = {
	{
		.cmd = HSX_CMD_MBOX_OPEN,
		.doit = hsx_genl_mbox_open,
	},
	{
		.cmd = HSX_CMD_MBOX_CLOSE,
		.doit = hsx_genl_mbox_close,
	},
	{
		.cmd = HSX_CMD_MBOX_GET,
		.start = hsx_genl_mbox_dump_start,
		.dumpit = hsx_genl_mbox_dump,
	},
};

static struct genl_family hsx_genl_family __ro_after_init = {
	.name = HSX_GENL_NAME,
	.version = HSX_GENL_VERSION,
	.maxattr = HSX_A_MAX,
	.policy = hsx_genl_policy,
	.ops = hsx_genl_ops,
	.n_ops = ARRAY_SIZE(hsx_genl_ops),
	.parallel_ops = true,
	.module = THIS_MODULE,
};

/* An event of @type, with the payload of a mailbox with @payload_ops if not NULL. */
static size_t hsx_genl_event_size(u16 type, const struct hsx_mbox_ops *payload_ops)
{
	size_t size = nla_total_size(sizeof(u32)) +		/* MBOX_ID */
		      nla_total_size(sizeof(u16)) +		/* EVT_TYPE */
		      nla_total_size_64bit(sizeof(u64)) * 3 +	/* SEQ, TIMESTAMP, DROPPED_TOTAL */
		      nla_total_size(sizeof(u32));		/* DROPPED */

	if (payload_ops)
		size += payload_ops->payload_size;
	if (type == HSX_EVT_CLOSED)
		size += nla_total_size(sizeof(u32));
	return size;
}

/* A data event's message, made ahead of the event (a subscriber's spare). */
static void *hsx_genl_alloc(const struct hsx_mbox_ops *ops, gfp_t gfp)
{
	return genlmsg_new(hsx_genl_event_size(HSX_EVT_DATA, ops), gfp);
}

static void hsx_genl_free(void *buf)
{
	nlmsg_free(buf);
}

/*
 * What netlink_unicast() does for a message from the kernel (port 0) to a
 * user socket, to this socket only: headers reset for socket filters, a
 * filter that rejects the message takes it as delivered, a full receive
 * buffer is told to the reader as ENOBUFS (netlink_overrun()'s job, which
 * the readers act on by asking for what they missed). Not done: the nlmon
 * tap, which sees hsx's replies and dumps but not its events.
 */
static int hsx_genl_queue(struct sock *sk, struct sk_buff *skb)
{
	enum skb_drop_reason reason = SKB_DROP_REASON_NOT_SPECIFIED;
	int ret;

	if (sock_flag(sk, SOCK_DEAD)) {
		nlmsg_free(skb);
		return -ECONNREFUSED;
	}
	skb_reset_network_header(skb);
	skb_reset_mac_header(skb);
	ret = sock_queue_rcv_skb_reason(sk, skb, &reason);
	if (!ret)
		return 0;
	nlmsg_free(skb);
	if (reason == SKB_DROP_REASON_SOCKET_FILTER)
		return 0;
	if (!sock_flag(sk, SOCK_DEAD)) {
		WRITE_ONCE(sk->sk_err, ENOBUFS);
		sk_error_report(sk);
	}
	return -ENOBUFS;
}

/*
 * Atomic context: called by the mailbox core under its spinlock, BHs off.
 * @dest: the subscriber's socket
 * @buf: NULL, or a message from hsx_genl_alloc() for a data event like @ev.
 */
static int hsx_genl_deliver(u32 portid, void *dest, const struct hsx_mbox_event *ev, void *buf)
{
	struct sock *sk = dest;
	struct sk_buff *skb = buf;
	void *hdr;

	if (!skb)
		skb = genlmsg_new(hsx_genl_event_size(ev->type, ev->payload ? ev->ops : NULL),
				  GFP_ATOMIC);
	if (!skb)
		return -ENOMEM;

	hdr = genlmsg_put(skb, 0, 0, &hsx_genl_family, 0, HSX_CMD_MBOX_EVENT);
	if (!hdr ||
	    nla_put_u32(skb, HSX_A_MBOX_ID, ev->mbox_id) ||
	    nla_put_u16(skb, HSX_A_EVT_TYPE, ev->type) ||
	    nla_put_u64_64bit(skb, HSX_A_EVT_SEQ, ev->seq, HSX_A_PAD) ||
	    nla_put_u64_64bit(skb, HSX_A_EVT_TIMESTAMP_NS, ev->timestamp_ns, HSX_A_PAD) ||
	    nla_put_u32(skb, HSX_A_EVT_DROPPED, ev->dropped) ||
	    nla_put_u64_64bit(skb, HSX_A_EVT_DROPPED_TOTAL, ev->dropped_total, HSX_A_PAD))
		goto err_size;
	if (ev->payload && ev->ops->fill(skb, ev->payload))
		goto err_size;
	if (ev->type == HSX_EVT_CLOSED &&
	    nla_put_u32(skb, HSX_A_EVT_CLOSE_REASON, ev->close_reason))
		goto err_size;
	genlmsg_end(skb, hdr);

	return hsx_genl_queue(sk, skb);

err_size:
	WARN_ON_ONCE(1);	/* hsx_genl_event_size() is wrong */
	nlmsg_free(skb);
	return -EMSGSIZE;
}

static void hsx_genl_sock_hold(void *dest)
{
	sock_hold(dest);
}

static void hsx_genl_sock_put(void *dest)
{
	sock_put(dest);
}

/* netlink_release() orphans the socket before it sends URELEASE. */
static bool hsx_genl_sock_gone(void *dest)
{
	return sock_flag((struct sock *)dest, SOCK_DEAD);
}

static const struct hsx_mbox_transport hsx_genl_transport = {
	.deliver = hsx_genl_deliver,
	.alloc = hsx_genl_alloc,
	.free = hsx_genl_free,
	.dest_hold = hsx_genl_sock_hold,
	.dest_put = hsx_genl_sock_put,
	.dest_gone = hsx_genl_sock_gone,
};

/* A socket that closes loses its subscriptions. */
static int hsx_genl_netlink_event(struct notifier_block *nb, unsigned long event,
				  void *ptr)
{
	struct netlink_notify *n = ptr;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    !net_eq(n->net, &init_net))
		return NOTIFY_DONE;
	hsx_mbox_release_port(n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block hsx_genl_notifier = {
	.notifier_call = hsx_genl_netlink_event,
};

/* Mailboxes deliver through netlink from the start; the family comes later. */
const struct hsx_mbox_transport *hsx_genl_transport_get(void)
{
	return &hsx_genl_transport;
}

/*
 * User-facing: registered after every part a request reaches (mailboxes,
 * capabilities and their SRCU, the modules), unregistered before them.
 * Unregistering waits for requests in flight.
 */
int hsx_genl_init(void)
{
	int ret;

	ret = netlink_register_notifier(&hsx_genl_notifier);
	if (ret)
		return ret;
	ret = genl_register_family(&hsx_genl_family);
	if (ret)
		netlink_unregister_notifier(&hsx_genl_notifier);
	return ret;
}

void hsx_genl_exit(void)
{
	genl_unregister_family(&hsx_genl_family);
	netlink_unregister_notifier(&hsx_genl_notifier);
}
