// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl dispatcher: the spec's SVC dispatcher for Linux. An ioctl number
 * names a (module, function) pair; the dispatcher finds the module among the
 * node's modules, checks that the caller's number matches the function's
 * exactly (so a wrong size or direction is caught), copies the argument in
 * once, runs the handler on the kernel copy and copies the result out once.
 * A function without an argument struct (_IO) takes a number: the
 * dispatcher hands it over in the first u64 of the buffer, touching no user
 * memory at all. Handlers never see a user pointer.
 *
 * The capability check sits here, between the copy-in and the handler, so it
 * decides on the kernel copy (no double fetch) and every module gets it the
 * same way. Its SRCU section spans the handler: revoking waits for it. A
 * function that lists no rights is checked by its handler (UART's, which
 * call drivers that may block outside any SRCU section): its module's
 * cap_ended hook then makes revoking wait for it.
 */
#include <linux/errno.h>
#include <linux/ioctl.h>
#include <linux/uaccess.h>

#include "cap.h"
#include "dispatch.h"
#include "instance.h"

/**
 * hsx_dispatch_lookup - find the function an ioctl number names on a node
 * @node: the node the file was opened on
 * @cmd: the ioctl number
 * @err: set to -ENOTTY for an unknown number, -EINVAL for a known function
 *	called with the wrong size or direction
 *
 * Return: the function, or NULL with @err set.
 */
const struct hsx_ioctl_op *hsx_dispatch_lookup(const struct hsx_node *node,
					       unsigned int cmd, long *err)
{
	unsigned int nr = _IOC_NR(cmd);
	unsigned int module_id = HSX_IOC_NR_MODULE(nr);
	unsigned int fn = HSX_IOC_NR_FN(nr);
	const struct hsx_module *const *mod;
	const struct hsx_ioctl_op *op;

	*err = -ENOTTY;
	if (_IOC_TYPE(cmd) != HSX_IOC_MAGIC)
		return NULL;

	for (mod = node->modules; *mod; mod++)
		if ((*mod)->id == module_id)
			break;
	if (!*mod || fn >= (*mod)->n_ops)
		return NULL;

	op = &(*mod)->ops[fn];
	if (!op->handler)
		return NULL;

	if (op->cmd != cmd) {
		*err = -EINVAL;
		return NULL;
	}
	*err = 0;
	return op;
}

/*
 * Run @op on the kernel copy @buf, through the capability check if it needs
 * one; a function with no rights listed checks itself (see the top).
 */
long hsx_dispatch_op(struct hsx_client *client, const struct hsx_ioctl_op *op, void *buf)
{
	int idx;
	long ret;

	if (!op->rights)
		return op->handler(client, buf);
	idx = srcu_read_lock(&hsx_cap_srcu);
	ret = hsx_cap_check(client, HSX_IOC_NR_MODULE(_IOC_NR(op->cmd)), op->rights);
	if (!ret)
		ret = op->handler(client, buf);
	srcu_read_unlock(&hsx_cap_srcu, idx);
	return ret;
}

long hsx_dispatch(struct hsx_client *client, unsigned int cmd, unsigned long arg)
{
	u64 buf[HSX_IOCTL_ARG_MAX / sizeof(u64)];
	void __user *uarg = (void __user *)arg;
	const struct hsx_ioctl_op *op;
	unsigned int size;
	long ret;

	op = hsx_dispatch_lookup(client->node, cmd, &ret);
	if (!op)
		return ret;

	size = _IOC_SIZE(cmd);
	if (WARN_ON_ONCE(size > sizeof(buf)))
		return -EINVAL;

	if (_IOC_DIR(cmd) == _IOC_NONE) {
		buf[0] = arg;
	} else if (_IOC_DIR(cmd) & _IOC_WRITE) {
		if (copy_from_user(buf, uarg, size))
			return -EFAULT;
	} else {
		memset(buf, 0, size);
	}

	if (client->inst && HSX_IOC_NR_MODULE(_IOC_NR(cmd)) == client->inst->mod->id &&
	    !client->inst->mod->enters_instances) {
		/*
		 * The instance may go at any time: its removal waits for this.
		 * Only the module's own functions: the core's (capabilities,
		 * MBOX_OPEN) never touch the instance, and its removal must
		 * not wait for a capability's end to finish.
		 */
		int idx = srcu_read_lock(&client->inst->srcu);

		ret = hsx_instance_gone(client->inst) ? -ENODEV :
						       hsx_dispatch_op(client, op, buf);
		srcu_read_unlock(&client->inst->srcu, idx);
	} else {
		ret = hsx_dispatch_op(client, op, buf);
	}
	if (ret < 0)
		return ret;

	if ((_IOC_DIR(cmd) & _IOC_READ) && copy_to_user(uarg, buf, size))
		return -EFAULT;
	return ret;
}
