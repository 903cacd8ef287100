// SPDX-License-Identifier: GPL-2.0
/*
 * Device bindings from firmware: a node compatible with "hsx,fram" whose
 * "hsx-frams" property lists one nvmem provider per HSX FRAM device (entry n
 * binds device n, <0> leaves a device unbound). The binding is documented in
 * dts-overlays/hsx,fram.yaml; an SPI FRAM on the Raspberry Pi's header has an
 * overlay beside it.
 *
 * A provider is named by its node (an at25's SPI device, an at24's I2C
 * client, hsx_fram_sim.ko's "hsx,fram-sim" part), an nvmem device by the
 * node of its parent, the device whose driver registered it. A provider
 * without its nvmem device yet defers the probe.
 *
 * While the node is bound its devices are the firmware's, bound or not: the
 * admin cannot remap them (HSX_IOC_FRAM_MAP says EOPNOTSUPP). The driver
 * cannot be unbound from user space; the node may still go away (an overlay
 * removed, hsx unloaded), and then its devices are unbound.
 *
 * The probe checks the list and that every provider is there with its
 * driver (else it defers), reserves the node's devices (fram_dev.c's
 * hsx_fram_fw_reserve()) and leaves the binding to fram_dev.c's work item,
 * which takes each provider's device lock outside the node's: the two never
 * nest (a provider that is the node's parent probes the node from its own
 * probe, holding its lock; the work binds once that probe is over). A
 * provider's driver unbinding, or the provider deleted, unbinds the devices
 * on that provider only, and the node stays bound; when a driver binds to
 * a device of the node at that provider's path again (the same device, a
 * new one, or a node removed and put back), its devices are bound again,
 * with their numbers and wear counts.
 */
#include <linux/device.h>
#include <linux/err.h>
#include <linux/mod_devicetable.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/property.h>

#include "binding.h"
#include "compat.h"
#include "fram.h"

#define HSX_FRAM_FW_LIST "hsx-frams"

static int hsx_fram_fw_present(struct fwnode_handle *provider, unsigned int index, void *data)
{
	return hsx_fram_fw_find(provider);
}

/* Each provider, held, at its device's index; a part named twice is refused. */
static int hsx_fram_fw_entry(struct fwnode_handle *provider, unsigned int index, void *data)
{
	struct fwnode_handle **providers = data;
	unsigned int i;

	for (i = 0; i < index; i++)
		if (providers[i] == provider)
			return -EINVAL;
	providers[index] = fwnode_handle_get(provider);
	return 0;
}

/*
 * One node binds at a time (hsx,fram.yaml: one per system): the devices
 * the tree bound are all its own, and a second node's removal must not
 * unbind them.
 */
static DEFINE_MUTEX(hsx_fram_fw_lock);
static struct device *hsx_fram_fw_owner;

/* Every provider there with its driver, then the devices reserved; bound by fram_dev.c. */
static int hsx_fram_fw_take(struct device *dev, struct fwnode_handle **providers)
{
	const struct fwnode_handle *fwnode = dev_fwnode(dev);
	unsigned int busy = 0;
	int count, ret;

	count = hsx_fw_walk_refs(fwnode, HSX_FRAM_FW_LIST, HSX_FRAM_MAX_DEVICES,
				 hsx_fram_fw_present, NULL);
	if (count == -EINVAL)
		dev_err(dev, "invalid %s; see hsx,fram.yaml\n", HSX_FRAM_FW_LIST);
	else if (count < 0)
		return dev_err_probe(dev, count, "a provider in %s is not there yet\n",
				     HSX_FRAM_FW_LIST);
	if (count < 0)
		return count;
	count = hsx_fw_walk_refs(fwnode, HSX_FRAM_FW_LIST, HSX_FRAM_MAX_DEVICES,
				 hsx_fram_fw_entry, providers);
	if (count < 0) {
		dev_err(dev, "invalid %s (a part named twice?); see hsx,fram.yaml\n",
			HSX_FRAM_FW_LIST);
		return count;
	}
	ret = hsx_fram_fw_reserve(providers, &busy);
	if (ret == -EBUSY)
		dev_err(dev, "device %u: refused %pfwP: the device or the part is bound already\n",
			busy, providers[busy]);
	if (ret)
		return ret;
	dev_info(dev, "HSX FRAM devices reserved for the tree (%d entries), bound by their parts\n",
		 count);
	return 0;
}

static int hsx_fram_fw_probe(struct platform_device *pdev)
{
	struct fwnode_handle *providers[HSX_FRAM_MAX_DEVICES] = { };
	unsigned int i;
	int ret;

	mutex_lock(&hsx_fram_fw_lock);
	if (hsx_fram_fw_owner) {
		/* Named under the lock: the owner cannot go meanwhile. */
		dev_err(&pdev->dev,
			"refused: the hsx,fram node %s binds the FRAM devices (one node at a time)\n",
			dev_name(hsx_fram_fw_owner));
		mutex_unlock(&hsx_fram_fw_lock);
		return -EBUSY;
	}
	ret = hsx_fram_fw_take(&pdev->dev, providers);
	if (!ret)
		hsx_fram_fw_owner = &pdev->dev;
	mutex_unlock(&hsx_fram_fw_lock);
	for (i = 0; i < HSX_FRAM_MAX_DEVICES; i++)
		fwnode_handle_put(providers[i]);
	return ret;
}

static void hsx_fram_fw_remove(struct platform_device *pdev)
{
	mutex_lock(&hsx_fram_fw_lock);
	if (hsx_fram_fw_owner == &pdev->dev) {
		hsx_fram_fw_release();
		hsx_fram_fw_owner = NULL;
	}
	mutex_unlock(&hsx_fram_fw_lock);
}

static const struct of_device_id hsx_fram_fw_of_match[] = {
	{ .compatible = "hsx,fram" },
	{}
};
MODULE_DEVICE_TABLE(of, hsx_fram_fw_of_match);

static struct platform_driver hsx_fram_fw_driver = {
	.probe = hsx_fram_fw_probe,
	.hsx_platform_remove = hsx_fram_fw_remove,
	.driver = {
		.name = "hsx-fram-fw",
		.of_match_table = hsx_fram_fw_of_match,
		.suppress_bind_attrs = true,
	},
};

/* Context: holding none of fram_dev.c's locks (the probe watches buses). */
int hsx_fram_fw_register(void)
{
	return platform_driver_register(&hsx_fram_fw_driver);
}

void hsx_fram_fw_unregister(void)
{
	platform_driver_unregister(&hsx_fram_fw_driver);
}
