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
 * While the node is bound its devices are the firmware's: the admin cannot
 * remap them (HSX_IOC_FRAM_MAP says EOPNOTSUPP). The driver cannot be unbound
 * from user space; the node may still go away (an overlay removed, hsx
 * unloaded), and then its devices are unbound.
 *
 * The node's device is a consumer of each provider (a managed device link,
 * fram_dev.c's hsx_fram_link(), kept until either device goes): when a
 * provider's driver unbinds, the driver core unbinds the node first, and
 * all its devices go while the parts still work; when the driver binds
 * again, the core probes the node again and the devices come back, with
 * their numbers and wear counts. The link also keeps the provider's driver
 * from unbinding while the probe takes the parts, so the probe takes no
 * provider's device lock under its own node's (a provider that is the
 * node's parent probes the node from its own probe: the node's probe then
 * waits for it, deferred, instead of deadlocking on the parent's lock).
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

static int hsx_fram_fw_entry(struct fwnode_handle *provider, unsigned int index, void *data)
{
	struct platform_device *pdev = data;
	int ret = hsx_fram_fw_bind(index, provider, &pdev->dev);

	if (ret)
		return dev_err_probe(&pdev->dev, ret, "device %u: cannot bind %pfwP%s\n", index,
				     provider, ret == -EBUSY ? ": bound already" : "");
	return 0;
}

/*
 * One node binds at a time (hsx,fram.yaml: one per system): the devices
 * the tree bound are all its own, and a second node's removal must not
 * unbind them. A second node is refused before it links to any provider,
 * so that no provider's driver coming back probes it again.
 */
static DEFINE_MUTEX(hsx_fram_fw_lock);
static struct device *hsx_fram_fw_owner;

static int hsx_fram_fw_probe(struct platform_device *pdev)
{
	const struct fwnode_handle *fwnode = dev_fwnode(&pdev->dev);
	int count;

	mutex_lock(&hsx_fram_fw_lock);
	if (hsx_fram_fw_owner) {
		/* Named under the lock: the owner cannot go meanwhile. */
		dev_err(&pdev->dev,
			"refused: the hsx,fram node %s binds the FRAM devices (one node at a time)\n",
			dev_name(hsx_fram_fw_owner));
		mutex_unlock(&hsx_fram_fw_lock);
		return -EBUSY;
	}
	/* Every provider there, with its driver, before any device is bound. */
	count = hsx_fw_walk_refs(fwnode, HSX_FRAM_FW_LIST, HSX_FRAM_MAX_DEVICES,
				 hsx_fram_fw_present, NULL);
	if (count == -EINVAL)
		dev_err(&pdev->dev, "invalid %s; see hsx,fram.yaml\n", HSX_FRAM_FW_LIST);
	else if (count < 0)
		dev_err_probe(&pdev->dev, count, "a provider in %s is not there yet\n",
			      HSX_FRAM_FW_LIST);
	if (count >= 0)
		count = hsx_fw_walk_refs(fwnode, HSX_FRAM_FW_LIST, HSX_FRAM_MAX_DEVICES,
					 hsx_fram_fw_entry, pdev);
	if (count < 0) {
		hsx_fram_fw_unbind_all();
	} else {
		hsx_fram_fw_owner = &pdev->dev;
		dev_info(&pdev->dev, "HSX FRAM devices bound by firmware (%d entries)\n", count);
	}
	mutex_unlock(&hsx_fram_fw_lock);
	return count < 0 ? count : 0;
}

static void hsx_fram_fw_remove(struct platform_device *pdev)
{
	mutex_lock(&hsx_fram_fw_lock);
	if (hsx_fram_fw_owner == &pdev->dev) {
		hsx_fram_fw_unbind_all();
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

/* Context: holding none of fram_dev.c's locks (the probe binds). */
int hsx_fram_fw_register(void)
{
	return platform_driver_register(&hsx_fram_fw_driver);
}

void hsx_fram_fw_unregister(void)
{
	platform_driver_unregister(&hsx_fram_fw_driver);
}
