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
#include "instance.h"
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

/*
 * The nodes, made from hsx_modules[] at init: "ctl" (minor 0) serves the
 * core and every module to administrators; each module's own node (minor
 * 1 + its slot) and its instances' nodes serve the core and the module.
 */
static const struct hsx_module *hsx_ctl_modules[HSX_MODULE_SLOTS + 2];
static const struct hsx_module *hsx_module_node_modules[HSX_MODULE_SLOTS][3];
static struct hsx_node hsx_nodes[HSX_DEV_STATIC_MINORS];

static struct class *hsx_class;
static dev_t hsx_devt;
static struct cdev hsx_cdev;

static void hsx_dev_build_nodes(void)
{
	const struct hsx_module *const *pos;
	const struct hsx_module *mod;
	unsigned int n = 0;

	hsx_ctl_modules[n++] = &hsx_core_module;
	hsx_nodes[0] = (struct hsx_node){
		.name = "ctl", .mode = 0600, .admin = true, .modules = hsx_ctl_modules,
	};
	for (pos = hsx_modules; (mod = *pos); pos++) {
		unsigned int slot = hsx_module_slot(mod->id);
		const struct hsx_module **list = hsx_module_node_modules[slot];

		hsx_ctl_modules[n++] = mod;
		list[0] = &hsx_core_module;
		list[1] = mod;
		list[2] = NULL;
		hsx_nodes[1 + slot] = (struct hsx_node){
			.name = mod->name, .mode = mod->node_mode, .modules = list,
		};
	}
	hsx_ctl_modules[n] = NULL;
}

/* The node a module's instances are opened as: the module's own. */
const struct hsx_node *hsx_dev_instance_node(const struct hsx_instance *inst)
{
	return &hsx_nodes[1 + hsx_module_slot(inst->mod->id)];
}

static void hsx_client_release_modules(struct hsx_client *client,
				       const struct hsx_module *const *end)
{
	const struct hsx_module *const *mod = end;

	while (mod-- != client->node->modules)
		if ((*mod)->release)
			(*mod)->release(client);
}

/**
 * hsx_client_create - a client of @node (of instance @inst if not NULL)
 * @privileged: the opener has CAP_SYS_ADMIN in the initial user namespace
 * @claim_admin: ask to be the capability administrator (ctl with O_EXCL)
 *
 * Takes a reference to @inst. Return: the client or an ERR_PTR().
 */
struct hsx_client *hsx_client_create(const struct hsx_node *node, struct hsx_instance *inst,
				     bool privileged, bool claim_admin)
{
	const struct hsx_module *const *mod;
	struct hsx_client *client;
	int idx, ret;

	if (node->admin && !privileged)
		return ERR_PTR(-EPERM);
	client = kzalloc(sizeof(*client), GFP_KERNEL);
	if (!client)
		return ERR_PTR(-ENOMEM);
	client->node = node;
	client->admin = node->admin;
	client->privileged = privileged;
	client->tgid = task_tgid_nr(current);
	client->opener = get_pid(task_tgid(current));
	if (inst) {
		kref_get(&inst->ref);
		client->inst = inst;
	}
	if (claim_admin) {
		ret = hsx_cap_admin_claim(client);
		if (ret)
			goto err_free;
	}

	/* An instance removed meanwhile: its module's open must not see it. */
	idx = inst ? srcu_read_lock(&inst->srcu) : 0;
	ret = inst && hsx_instance_gone(inst) ? -ENODEV : 0;
	for (mod = node->modules; !ret && *mod; mod++) {
		if (!(*mod)->open)
			continue;
		ret = (*mod)->open(client);
		if (ret)
			hsx_client_release_modules(client, mod);
	}
	if (inst)
		srcu_read_unlock(&inst->srcu, idx);
	if (ret)
		goto err_free;
	return client;

err_free:
	hsx_cap_client_release(client);
	hsx_instance_put(client->inst);
	put_pid(client->opener);
	kfree(client);
	return ERR_PTR(ret);
}

/* The file closed: capabilities first, their end stops what modules did under them. */
void hsx_client_destroy(struct hsx_client *client)
{
	const struct hsx_module *const *end = client->node->modules;

	while (*end)
		end++;
	WRITE_ONCE(client->closing, true);
	/*
	 * Seen before the capabilities go: work that finds one gone reads
	 * closing after that (pairs with the smp_rmb() in its readers).
	 */
	smp_mb();
	hsx_cap_client_release(client);
	hsx_client_release_modules(client, end);
	hsx_instance_put(client->inst);
	put_pid(client->opener);
	kfree(client);
}

static int hsx_open(struct inode *inode, struct file *file)
{
	unsigned int minor = iminor(inode);
	struct hsx_instance *inst = NULL;
	const struct hsx_node *node;
	struct hsx_client *client;

	if (minor >= HSX_DEV_STATIC_MINORS) {
		inst = hsx_instance_get_by_minor(minor);
		if (IS_ERR(inst))
			return PTR_ERR(inst);
		node = hsx_dev_instance_node(inst);
	} else {
		node = &hsx_nodes[minor];
		if (!node->modules)
			return -ENXIO;
	}
	/*
	 * Privilege is decided once, here, by the opener's credentials in the
	 * initial user namespace; never again at ioctl time.
	 */
	client = hsx_client_create(node, inst,
				   file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN),
				   node->admin && (file->f_flags & O_EXCL));
	hsx_instance_put(inst);		/* the client has its own */
	if (IS_ERR(client))
		return PTR_ERR(client);
	file->private_data = client;
	return stream_open(inode, file);
}

static int hsx_release(struct inode *inode, struct file *file)
{
	hsx_client_destroy(file->private_data);
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
	const struct hsx_instance *inst = dev_get_drvdata(dev);

	if (mode && inst)
		*mode = inst->mode;
	else if (mode && minor < HSX_DEV_STATIC_MINORS)
		*mode = hsx_nodes[minor].mode;
	return kasprintf(GFP_KERNEL, HSX_DEV_DIR "/%s", dev_name(dev));
}

/**
 * hsx_dev_node_add - make /dev/hsx/<name> for an instance's minor
 * Context: the caller made sure @minor is its own.
 */
int hsx_dev_node_add(unsigned int minor, struct hsx_instance *inst, const char *fmt, ...)
{
	struct device *dev;
	va_list args;
	char name[32];

	va_start(args, fmt);
	vsnprintf(name, sizeof(name), fmt, args);
	va_end(args);
	dev = device_create(hsx_class, NULL, MKDEV(MAJOR(hsx_devt), minor), inst, "%s", name);
	return PTR_ERR_OR_ZERO(dev);
}

void hsx_dev_node_remove(unsigned int minor)
{
	device_destroy(hsx_class, MKDEV(MAJOR(hsx_devt), minor));
}

/*
 * The class, the minors and the static nodes. Instances' nodes come and go
 * later, between hsx_dev_init() and hsx_dev_exit().
 */
int hsx_dev_init(void)
{
	int ret;

	hsx_dev_build_nodes();
	ret = alloc_chrdev_region(&hsx_devt, 0, HSX_DEV_MINORS, "hsx");
	if (ret)
		return ret;

	hsx_class = hsx_class_create("hsx");
	if (IS_ERR(hsx_class)) {
		ret = PTR_ERR(hsx_class);
		goto err_region;
	}
	hsx_class->devnode = hsx_devnode;
	return 0;

err_region:
	unregister_chrdev_region(hsx_devt, HSX_DEV_MINORS);
	return ret;
}

static void hsx_dev_static_nodes_destroy(void)
{
	unsigned int i;

	/* Destroying a node that was never made is a no-op. */
	for (i = 0; i < HSX_DEV_STATIC_MINORS; i++)
		device_destroy(hsx_class, MKDEV(MAJOR(hsx_devt), i));
}

/*
 * User-facing: the nodes come last at load, and go first at unload. The
 * cdev last of all: until then an open of a node finds nothing (ENXIO), so
 * no file can be open when a failure here unwinds the load.
 */
int hsx_dev_nodes_init(void)
{
	unsigned int i;
	int ret;

	for (i = 0; i < HSX_DEV_STATIC_MINORS; i++) {
		struct device *dev;

		if (!hsx_nodes[i].modules || !hsx_nodes[i].mode)
			continue;
		dev = device_create(hsx_class, NULL, MKDEV(MAJOR(hsx_devt), i), NULL,
				    "%s", hsx_nodes[i].name);
		if (IS_ERR(dev)) {
			hsx_dev_static_nodes_destroy();
			return PTR_ERR(dev);
		}
	}

	cdev_init(&hsx_cdev, &hsx_fops);
	hsx_cdev.owner = THIS_MODULE;
	ret = cdev_add(&hsx_cdev, hsx_devt, HSX_DEV_MINORS);
	if (ret)
		hsx_dev_static_nodes_destroy();
	return ret;
}

void hsx_dev_nodes_exit(void)
{
	cdev_del(&hsx_cdev);
	hsx_dev_static_nodes_destroy();
}

void hsx_dev_exit(void)
{
	class_destroy(hsx_class);
	unregister_chrdev_region(hsx_devt, HSX_DEV_MINORS);
}
