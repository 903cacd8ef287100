// SPDX-License-Identifier: GPL-2.0
/* KUnit only: see core_rig.h. */
#include <linux/srcu.h>

#include "../core/cap.h"
#include "../core/core.h"
#include "../core/dev.h"
#include "../core/instance.h"
#include "../core/sysfs.h"
#include "core_rig.h"

int hsx_test_core_up(const struct hsx_module *mod)
{
	int ret;

	ret = init_srcu_struct(&hsx_cap_srcu);
	if (ret)
		return ret;
	ret = hsx_sysfs_init();
	if (ret)
		goto err_srcu;
	ret = hsx_instance_init();
	if (ret)
		goto err_sysfs;
	ret = hsx_dev_init();
	if (ret)
		goto err_instance;
	ret = hsx_module_up(mod);
	if (ret)
		goto err_dev;
	return 0;

err_dev:
	hsx_dev_exit();
err_instance:
	hsx_instance_exit();
err_sysfs:
	hsx_sysfs_exit();
err_srcu:
	cleanup_srcu_struct(&hsx_cap_srcu);
	return ret;
}

void hsx_test_core_down(const struct hsx_module *mod)
{
	hsx_module_down(mod);
	hsx_dev_exit();
	hsx_instance_exit();
	hsx_sysfs_exit();
	cleanup_srcu_struct(&hsx_cap_srcu);
}
