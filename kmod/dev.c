// SPDX-License-Identifier: GPL-2.0
/*
 * The "hsx" device class and its nodes under /dev/hsx/. Each open file is a
 * client; the HAL modules its node serves keep their per-client state in it
 * and tear it down on release. An open file pins the module (the cdev's
 * owner), so hsx.ko cannot be unloaded while any client exists.
 */
#include <linux/capability.h>
#include <linux/cdev.h>
#include <linux/compat.h>
#include <linux/device.h>
#include <linux/fs.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "cap.h"
#include "compat.h"
#include "core.h"
#include "dev.h"
#include "dispatch.h"
#include "mbox_queue.h"

static long hsx_core_version(struct hsx_client *client, void *arg)
{
	struct hsx_core_version *v = arg;

	v->abi = HSX_ABI_VERSION;
	v->major = HSX_VERSION_MAJOR;
	v->minor = HSX_VERSION_MINOR;
	v->patch = HSX_VERSION_PATCH;
	v->admin = client->admin;
	return 0;
}

/*
 * Capability functions carry no rights: the holder's ones check the caller
 * against the file's capability themselves, the administrator's need the
 * capability administrator's file.
 */
static const struct hsx_ioctl_op hsx_core_ops[] = {
	[HSX_CORE_FN_VERSION] = { HSX_IOC_CORE_VERSION, hsx_core_version },
	[HSX_CORE_FN_CAP_INFO] = { HSX_IOC_CAP_INFO, hsx_cap_ioctl_info },
	[HSX_CORE_FN_CAP_DERIVE] = { HSX_IOC_CAP_DERIVE, hsx_cap_ioctl_derive },
	[HSX_CORE_FN_CAP_DROP] = { HSX_IOC_CAP_DROP, hsx_cap_ioctl_drop },
	/* The mailbox's owner decides who may listen, as for netlink. */
	[HSX_CORE_FN_MBOX_OPEN] = { HSX_IOC_MBOX_OPEN, hsx_mbox_ioctl_open },
	[HSX_CORE_FN_CAP_CLIENT] = { HSX_IOC_CAP_CLIENT, hsx_cap_ioctl_client },
	[HSX_CORE_FN_CAP_MINT] = { HSX_IOC_CAP_MINT, hsx_cap_ioctl_mint },
	[HSX_CORE_FN_CAP_RENEW] = { HSX_IOC_CAP_RENEW, hsx_cap_ioctl_renew },
	[HSX_CORE_FN_CAP_REVOKE] = { HSX_IOC_CAP_REVOKE, hsx_cap_ioctl_revoke },
	[HSX_CORE_FN_CAP_LIST] = { HSX_IOC_CAP_LIST, hsx_cap_ioctl_list },
};

const struct hsx_module hsx_core_module = {
	.id = HSX_MODULE_CORE,
	.name = "core",
	.ops = hsx_core_ops,
	.n_ops = ARRAY_SIZE(hsx_core_ops),
};

static const struct hsx_module *const hsx_ctl_modules[] = {
	&hsx_core_module, &hsx_timer_module, &hsx_gpio_module, NULL,
};

static const struct hsx_module *const hsx_timer_modules[] = {
	&hsx_core_module, &hsx_timer_module, NULL,
};

static const struct hsx_module *const hsx_gpio_modules[] = {
	&hsx_core_module, &hsx_gpio_module, NULL,
};

static const struct hsx_node hsx_nodes[] = {
	{ .name = "ctl", .mode = 0600, .admin = true, .modules = hsx_ctl_modules },
	{ .name = "timer", .mode = 0666, .modules = hsx_timer_modules },
	{ .name = "gpio", .mode = 0666, .modules = hsx_gpio_modules },
};

static struct class *hsx_class;
static dev_t hsx_devt;
static struct cdev hsx_cdev;

static void hsx_client_release_modules(struct hsx_client *client,
				       const struct hsx_module *const *end)
{
	const struct hsx_module *const *mod = end;

	while (mod-- != client->node->modules)
		if ((*mod)->release)
			(*mod)->release(client);
}

static int hsx_open(struct inode *inode, struct file *file)
{
	unsigned int minor = iminor(inode);
	const struct hsx_module *const *mod;
	const struct hsx_node *node;
	struct hsx_client *client;
	bool privileged;
	int ret;

	if (minor >= ARRAY_SIZE(hsx_nodes))
		return -ENXIO;
	node = &hsx_nodes[minor];
	/*
	 * Privilege is decided once, here, by the opener's credentials in the
	 * initial user namespace; never again at ioctl time.
	 */
	privileged = file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN);
	if (node->admin && !privileged)
		return -EPERM;

	client = kzalloc(sizeof(*client), GFP_KERNEL);
	if (!client)
		return -ENOMEM;
	client->node = node;
	client->admin = node->admin;
	client->privileged = privileged;
	client->tgid = task_tgid_nr(current);
	client->opener = get_pid(task_tgid(current));
	/* O_EXCL on the admin node asks to be the one capability administrator. */
	if (node->admin && (file->f_flags & O_EXCL)) {
		ret = hsx_cap_admin_claim(client);
		if (ret)
			goto err_free;
	}

	for (mod = node->modules; *mod; mod++) {
		if (!(*mod)->open)
			continue;
		ret = (*mod)->open(client);
		if (ret) {
			hsx_client_release_modules(client, mod);
			goto err_free;
		}
	}

	file->private_data = client;
	return stream_open(inode, file);

err_free:
	hsx_cap_client_release(client);
	put_pid(client->opener);
	kfree(client);
	return ret;
}

static int hsx_release(struct inode *inode, struct file *file)
{
	struct hsx_client *client = file->private_data;
	const struct hsx_module *const *end = client->node->modules;

	while (*end)
		end++;
	/* Capabilities first: their end stops what modules did under them. */
	hsx_cap_client_release(client);
	hsx_client_release_modules(client, end);
	put_pid(client->opener);
	kfree(client);
	return 0;
}

static long hsx_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	return hsx_dispatch(file->private_data, cmd, arg);
}

#ifdef CONFIG_COMPAT
/*
 * Every argument struct has one layout on 32- and 64-bit, so only a
 * pointer needs converting; the number an _IO function takes does not.
 */
static long hsx_compat_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	if (_IOC_DIR(cmd) != _IOC_NONE)
		arg = (unsigned long)compat_ptr(arg);
	return hsx_dispatch(file->private_data, cmd, arg);
}
#endif

static const struct file_operations hsx_fops = {
	.owner = THIS_MODULE,
	.open = hsx_open,
	.release = hsx_release,
	.unlocked_ioctl = hsx_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl = hsx_compat_ioctl,
#endif
	/* No .llseek: stream_open() makes lseek fail with ESPIPE. */
};

/**
 * hsx_client_from_file - the client behind a file, if it is a /dev/hsx file
 * @file: any file, e.g. from fget() of a descriptor user space passed in
 */
struct hsx_client *hsx_client_from_file(struct file *file)
{
	return file->f_op == &hsx_fops ? file->private_data : NULL;
}

/* Bit hsx_module_slot(id) for each HAL module the client's node serves. */
u32 hsx_client_modules(const struct hsx_client *client)
{
	const struct hsx_module *const *mod;
	u32 mask = 0;

	for (mod = client->node->modules; *mod; mod++)
		mask |= BIT(hsx_module_slot((*mod)->id));
	return mask;
}

/* The client's capability for @module ended: let the module stop its work. */
void hsx_client_cap_ended(struct hsx_client *client, u8 module)
{
	const struct hsx_module *const *mod;

	for (mod = client->node->modules; *mod; mod++)
		if ((*mod)->id == module && (*mod)->cap_ended)
			(*mod)->cap_ended(client);
}

static char *hsx_devnode(HSX_DEVNODE_CONST struct device *dev, umode_t *mode)
{
	unsigned int minor = MINOR(dev->devt);

	if (mode && minor < ARRAY_SIZE(hsx_nodes))
		*mode = hsx_nodes[minor].mode;
	return kasprintf(GFP_KERNEL, HSX_DEV_DIR "/%s", dev_name(dev));
}

int hsx_dev_init(void)
{
	unsigned int i;
	int ret;

	ret = alloc_chrdev_region(&hsx_devt, 0, ARRAY_SIZE(hsx_nodes), "hsx");
	if (ret)
		return ret;

	hsx_class = hsx_class_create("hsx");
	if (IS_ERR(hsx_class)) {
		ret = PTR_ERR(hsx_class);
		goto err_region;
	}
	hsx_class->devnode = hsx_devnode;

	cdev_init(&hsx_cdev, &hsx_fops);
	hsx_cdev.owner = THIS_MODULE;
	ret = cdev_add(&hsx_cdev, hsx_devt, ARRAY_SIZE(hsx_nodes));
	if (ret)
		goto err_class;

	for (i = 0; i < ARRAY_SIZE(hsx_nodes); i++) {
		struct device *dev;

		dev = device_create(hsx_class, NULL, MKDEV(MAJOR(hsx_devt), i), NULL,
				    "%s", hsx_nodes[i].name);
		if (IS_ERR(dev)) {
			ret = PTR_ERR(dev);
			goto err_devices;
		}
	}
	return 0;

err_devices:
	while (i--)
		device_destroy(hsx_class, MKDEV(MAJOR(hsx_devt), i));
	cdev_del(&hsx_cdev);
err_class:
	class_destroy(hsx_class);
err_region:
	unregister_chrdev_region(hsx_devt, ARRAY_SIZE(hsx_nodes));
	return ret;
}

void hsx_dev_exit(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(hsx_nodes); i++)
		device_destroy(hsx_class, MKDEV(MAJOR(hsx_devt), i));
	cdev_del(&hsx_cdev);
	class_destroy(hsx_class);
	unregister_chrdev_region(hsx_devt, ARRAY_SIZE(hsx_nodes));
}
