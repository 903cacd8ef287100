// SPDX-License-Identifier: GPL-2.0
/*
 * The HAL modules hsx.ko is made of. A module is one descriptor (struct
 * hsx_module, in its own files) and one entry here; the core (nodes, the
 * dispatcher, capabilities, /sys/hal) loops over this table and names no
 * module itself.
 */
#include <linux/kobject.h>
#include <linux/sysfs.h>

#include "can/can.h"
#include "core.h"
#include "fram/fram.h"
#include "fs/fs.h"
#include "gpio/gpio.h"
#include "sysfs.h"
#include "timer/timer.h"
#include "uart/uart.h"

const struct hsx_module *const hsx_modules[] = {
	&hsx_uart_module,
#if IS_ENABLED(CONFIG_CAN) && !defined(HSX_NO_CAN)
	&hsx_can_module,
#endif
	&hsx_timer_module,
	&hsx_fram_module,
	&hsx_fs_module,
	&hsx_gpio_module,
#ifdef HSX_TEST_MODULES
	&hsx_dummy_module,
#endif
	NULL,
};

/* /sys/hal/<name> of each module, by slot: set at init, before the module's. */
static struct kobject *hsx_module_dirs[HSX_MODULE_SLOTS];

/**
 * hsx_module_find - the module with ID @id
 * Return: its descriptor, or NULL when hsx.ko has no such module (yet).
 */
const struct hsx_module *hsx_module_find(u32 id)
{
	const struct hsx_module *const *pos;
	const struct hsx_module *mod;

	for (pos = hsx_modules; (mod = *pos); pos++)
		if (mod->id == id)
			return mod;
	return NULL;
}

struct kobject *hsx_module_dir(const struct hsx_module *mod)
{
	return hsx_module_dirs[hsx_module_slot(mod->id)];
}

/*
 * The module's group goes first: its attributes read what exit tears down.
 */
void hsx_module_down(const struct hsx_module *mod)
{
	unsigned int slot = hsx_module_slot(mod->id);

	if (mod->sysfs_group)
		sysfs_remove_group(hsx_module_dirs[slot], mod->sysfs_group);
	if (mod->exit)
		mod->exit(mod);
	hsx_sysfs_remove_dir(hsx_module_dirs[slot], NULL);
	hsx_module_dirs[slot] = NULL;
}

/*
 * The module's /sys/hal directory (for its instances and entries), the
 * module, then its attributes: they may read anything init sets up, so
 * user space sees them only once init succeeded.
 */
int hsx_module_up(const struct hsx_module *mod)
{
	unsigned int slot = hsx_module_slot(mod->id);
	struct kobject *dir;
	int ret;

	dir = hsx_sysfs_add_dir(mod->name, NULL);
	if (!dir)
		return -ENOMEM;
	hsx_module_dirs[slot] = dir;
	ret = mod->init ? mod->init(mod) : 0;
	if (ret)
		goto err_dir;
	if (mod->sysfs_group) {
		ret = sysfs_create_group(dir, mod->sysfs_group);
		if (ret) {
			if (mod->exit)
				mod->exit(mod);
			goto err_dir;
		}
	}
	return 0;

err_dir:
	hsx_sysfs_remove_dir(dir, NULL);
	hsx_module_dirs[slot] = NULL;
	pr_err("module %s: init failed: %d\n", mod->name, ret);
	return ret;
}

/* Every module, in table order. */
int hsx_modules_init(void)
{
	const struct hsx_module *const *pos;
	const struct hsx_module *mod;
	int ret;

	for (pos = hsx_modules; (mod = *pos); pos++) {
		ret = hsx_module_up(mod);
		if (ret)
			goto err_unwind;
	}
	return 0;

err_unwind:
	while (pos-- != hsx_modules)
		hsx_module_down(*pos);
	return ret;
}

/* Context: every client is gone (open files pin hsx.ko). */
void hsx_modules_exit(void)
{
	const struct hsx_module *const *pos = hsx_modules;

	while (*pos)
		pos++;
	while (pos-- != hsx_modules)
		hsx_module_down(*pos);
}
