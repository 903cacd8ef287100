// SPDX-License-Identifier: GPL-2.0
/*
 * Bus bindings from firmware: a node compatible with "hsx,can" whose
 * "hsx-cans" property lists one CAN controller per HSX bus (entry n binds
 * bus n, <0> leaves a bus unbound). The binding is documented in
 * dts-overlays/hsx,can.yaml; an MCP2515 on the Raspberry Pi's header has an
 * overlay beside it.
 *
 * A controller is named by its node, its SocketCAN interface by the node of
 * the interface's parent device (the controller's driver registers it so:
 * SET_NETDEV_DEV). The probe does not wait for the interfaces: a controller
 * may come long after (an MCP2515 once its SPI controller and its own
 * module are there) and may go and come back; can_bus.c binds each bus when
 * its interface registers, unbinds it when it unregisters, and keeps the bus
 * reserved meanwhile.
 *
 * While the node is bound its buses are the firmware's, bound or not: the
 * admin cannot remap them (HSX_IOC_CAN_MAP says EOPNOTSUPP). The driver
 * cannot be unbound from user space; the node may still go away (an overlay
 * removed, hsx unloaded), and then its buses are unbound and free.
 */
#include <linux/device.h>
#include <linux/err.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/property.h>

#include "binding.h"
#include "can.h"
#include "compat.h"

#define HSX_CAN_FW_LIST "hsx-cans"

/*
 * Each controller, held, at its bus's index; a controller named twice is
 * refused (-EEXIST, said apart from a malformed list's -EINVAL).
 */
static int hsx_can_fw_entry(struct fwnode_handle *ctrl, unsigned int index, void *data)
{
	struct fwnode_handle **ctrls = data;
	unsigned int i;

	for (i = 0; i < index; i++)
		if (ctrls[i] == ctrl)
			return -EEXIST;
	ctrls[index] = fwnode_handle_get(ctrl);
	return 0;
}

/*
 * One node binds at a time (hsx,can.yaml: one per system): the buses the
 * tree bound are all its own, and a second node's removal must not unbind
 * them.
 */
static DEFINE_MUTEX(hsx_can_fw_lock);
static struct device *hsx_can_fw_owner;

static int hsx_can_fw_probe(struct platform_device *pdev)
{
	struct fwnode_handle *ctrls[HSX_CAN_MAX_BUSES] = { };
	unsigned int i, busy = 0;
	int count, ret;

	count = hsx_fw_walk_refs(dev_fwnode(&pdev->dev), HSX_CAN_FW_LIST, HSX_CAN_MAX_BUSES,
				 hsx_can_fw_entry, ctrls);
	if (count == -EEXIST)
		dev_err(&pdev->dev, "refused: %s names a controller twice; see hsx,can.yaml\n",
			HSX_CAN_FW_LIST);
	else if (count < 0)
		dev_err(&pdev->dev,
			"refused: %s is not a list of at most %u phandles; see hsx,can.yaml\n",
			HSX_CAN_FW_LIST, HSX_CAN_MAX_BUSES);
	if (count < 0) {
		ret = count;
		goto out;
	}
	mutex_lock(&hsx_can_fw_lock);
	if (hsx_can_fw_owner) {
		/* Named under the lock: the owner cannot go meanwhile. */
		dev_err(&pdev->dev,
			"refused: the hsx,can node %s binds the CAN buses (one node at a time)\n",
			dev_name(hsx_can_fw_owner));
		ret = -EBUSY;
	} else {
		ret = hsx_can_fw_reserve(ctrls, &busy);
		if (ret == -EBUSY)
			dev_err(&pdev->dev,
				"refused: bus %u or the interface of %pfwP is bound already\n",
				busy, ctrls[busy]);
		if (!ret)
			hsx_can_fw_owner = &pdev->dev;
	}
	mutex_unlock(&hsx_can_fw_lock);
	if (!ret)
		dev_info(&pdev->dev,
			 "HSX CAN buses reserved for the tree (%d entries), bound as their controllers' interfaces register\n",
			 count);
out:
	for (i = 0; i < HSX_CAN_MAX_BUSES; i++)
		fwnode_handle_put(ctrls[i]);
	return ret;
}

static void hsx_can_fw_remove(struct platform_device *pdev)
{
	mutex_lock(&hsx_can_fw_lock);
	if (hsx_can_fw_owner == &pdev->dev) {
		hsx_can_fw_release();
		hsx_can_fw_owner = NULL;
	}
	mutex_unlock(&hsx_can_fw_lock);
}

static const struct of_device_id hsx_can_fw_of_match[] = {
	{ .compatible = "hsx,can" },
	{}
};
MODULE_DEVICE_TABLE(of, hsx_can_fw_of_match);

static struct platform_driver hsx_can_fw_driver = {
	.probe = hsx_can_fw_probe,
	.hsx_platform_remove = hsx_can_fw_remove,
	.driver = {
		.name = "hsx-can-fw",
		.of_match_table = hsx_can_fw_of_match,
		.suppress_bind_attrs = true,
	},
};

/* Context: holding none of can_bus.c's locks (the probe takes them). */
int hsx_can_fw_register(void)
{
	return platform_driver_register(&hsx_can_fw_driver);
}

void hsx_can_fw_unregister(void)
{
	platform_driver_unregister(&hsx_can_fw_driver);
}
