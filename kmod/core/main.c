// SPDX-License-Identifier: GPL-2.0
/*
 * hsx.ko: the executive-space HAL. Init brings the parts up in dependency
 * order (sysfs root, mailbox transport, HAL modules, then the device nodes
 * that let user space in); exit takes them down in reverse.
 */
#include <linux/ktime.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <net/genetlink.h>

#include "cap.h"
#include "core.h"
#include "debugfs.h"
#include "dev.h"
#include "genl.h"
#include "instance.h"
#include "mailbox.h"
#include "sysfs.h"

static bool enforce = true;
module_param(enforce, bool, 0444);
MODULE_PARM_DESC(enforce, "Enforce capabilities (default Y). N is for development only: every user may use every module");

/*
 * What user space reaches (the netlink family, the device nodes) comes last
 * and goes first: a request may need any part below it, down to the
 * capabilities' SRCU. The HAL modules come up in hsx_modules[] order, after
 * the class their instances' nodes belong to.
 */
static int __init hsx_init(void)
{
	u64 start = ktime_get_ns();
	int ret;

	ret = hsx_sysfs_init();
	if (ret)
		return ret;
	hsx_mbox_init(hsx_genl_transport_get());
	ret = hsx_cap_init(enforce);
	if (ret)
		goto err_mbox;
	ret = hsx_cap_sysfs_init();
	if (ret)
		goto err_cap;
	hsx_debugfs_init();
	ret = hsx_instance_init();
	if (ret)
		goto err_cap_sysfs;
	ret = hsx_dev_init();
	if (ret)
		goto err_instance;
	ret = hsx_modules_init();
	if (ret)
		goto err_dev;
	ret = hsx_genl_init();
	if (ret)
		goto err_modules;
	ret = hsx_dev_nodes_init();
	if (ret)
		goto err_genl;

	hsx_init_ns = ktime_get_ns() - start;
	pr_info("HSX HAL %s loaded (ABI %u) in %llu us\n", HSX_VERSION_STRING, HSX_ABI_VERSION,
		div_u64(hsx_init_ns, NSEC_PER_USEC));
	return 0;

err_genl:
	hsx_genl_exit();
err_modules:
	hsx_modules_exit();
err_dev:
	hsx_dev_exit();
err_instance:
	hsx_instance_exit();
err_cap_sysfs:
	hsx_debugfs_exit();
	hsx_cap_sysfs_exit();
err_cap:
	hsx_cap_exit();
err_mbox:
	hsx_mbox_exit();
	hsx_sysfs_exit();
	return ret;
}

static void __exit hsx_exit(void)
{
	hsx_dev_nodes_exit();
	hsx_genl_exit();
	hsx_modules_exit();
	hsx_dev_exit();
	hsx_instance_exit();
	hsx_debugfs_exit();
	hsx_cap_sysfs_exit();
	hsx_cap_exit();
	hsx_mbox_exit();
	hsx_sysfs_exit();
	pr_info("HSX HAL unloaded\n");
}

module_init(hsx_init);
module_exit(hsx_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("HSX HAL developers");
MODULE_DESCRIPTION("HSX hardware abstraction layer: capability-checked UART, CAN, GPIO, timers, FRAM, FS");
MODULE_VERSION(HSX_VERSION_STRING);
MODULE_ALIAS_GENL_FAMILY(HSX_GENL_NAME);
