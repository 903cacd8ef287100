// SPDX-License-Identifier: GPL-2.0
/*
 * FS roots: a directory bound to a root number by the administrator
 * (HSX_IOC_FS_MAP), with its quotas and the credentials every operation
 * beneath it runs with. A bound root is an instance (/dev/hsx/fs<n>,
 * /sys/hal/fs/<n>/); unbinding it removes the instance, which waits for
 * every operation on it and then closes the files its handles hold, so
 * that nothing keeps the directory's filesystem busy.
 *
 * Locking: hsx_fs_bind_mutex (binding, unbinding) > a root's lock (its
 * counters and handles) > the VFS's. hsx_fs_roots_lock guards the table
 * for lookups.
 */
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kobject.h>
#include <linux/mount.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/sysfs.h>
#include <linux/uidgid.h>

#include "cap.h"
#include "core.h"
#include "fs.h"
#include "instance.h"

static DEFINE_MUTEX(hsx_fs_bind_mutex);
static DEFINE_SPINLOCK(hsx_fs_roots_lock);
static struct hsx_fs_root *hsx_fs_roots[HSX_FS_MAX_ROOTS];

/* ---- the counters --------------------------------------------------------------------- */

/* Is @inode open through one of @root's handles? Context: under root->lock. */
bool hsx_fs_inode_open(struct hsx_fs_root *root, struct inode *inode)
{
	struct hsx_fs_handle *h;

	lockdep_assert_held(&root->lock);
	list_for_each_entry(h, &root->handles, root_node)
		if (h->file && file_inode(h->file) == inode)
			return true;
	return false;
}

/* A regular file of @size bytes no longer counts. Context: under root->lock. */
void hsx_fs_uncharge_file(struct hsx_fs_root *root, struct inode *inode, u64 size)
{
	lockdep_assert_held(&root->lock);
	root->used_bytes -= min(root->used_bytes, size);
	if (root->used_files)
		root->used_files--;
}

/**
 * hsx_fs_charge - a file went from @old_size to @new_size bytes
 * Context: under root->lock, from the check that it fits to the change.
 */
void hsx_fs_charge(struct hsx_fs_root *root, u64 old_size, u64 new_size)
{
	lockdep_assert_held(&root->lock);
	if (new_size >= old_size)
		root->used_bytes += new_size - old_size;
	else
		root->used_bytes -= min(root->used_bytes, old_size - new_size);
}

/* Bytes a file may still grow by. Context: under root->lock. */
u64 hsx_fs_room(const struct hsx_fs_root *root)
{
	return root->quota_bytes - min(root->used_bytes, root->quota_bytes);
}

/* ---- binding -------------------------------------------------------------------------- */

/*
 * The directory owner's fsuid and fsgid, no supplementary groups, no
 * capabilities: whatever the owner may not do beneath it, nobody may
 * through hsx. Made from the administrator's credentials (never
 * prepare_kernel_cred(NULL), which is full root).
 */
static const struct cred *hsx_fs_owner_cred(const struct inode *dir)
{
	struct group_info *none;
	struct cred *cred;

	cred = prepare_creds();
	if (!cred)
		return NULL;
	none = groups_alloc(0);
	if (!none) {
		abort_creds(cred);
		return NULL;
	}
	set_groups(cred, none);
	put_group_info(none);
	/* Every id the owner's, not the administrator's (FUSE checks uid, euid and suid). */
	cred->uid = dir->i_uid;
	cred->euid = dir->i_uid;
	cred->suid = dir->i_uid;
	cred->fsuid = dir->i_uid;
	cred->gid = dir->i_gid;
	cred->egid = dir->i_gid;
	cred->sgid = dir->i_gid;
	cred->fsgid = dir->i_gid;
	cap_clear(cred->cap_effective);
	cap_clear(cred->cap_permitted);
	cap_clear(cred->cap_inheritable);
	cap_clear(cred->cap_ambient);
	return cred;
}

static void hsx_fs_root_free(struct hsx_fs_root *root)
{
	if (root->path.dentry)
		path_put(&root->path);
	if (root->cred)
		put_cred(root->cred);
	kfree(root);
}

static struct hsx_fs_root *hsx_fs_root_alloc(const struct hsx_fs_map *m, const struct path *dir)
{
	struct hsx_fs_root *root = kzalloc(sizeof(*root), GFP_KERNEL);

	if (!root)
		return NULL;
	mutex_init(&root->lock);
	INIT_LIST_HEAD(&root->handles);
	root->flags = m->flags & HSX_FS_MAP_READ_ONLY;
	root->quota_bytes = m->quota_bytes;
	root->quota_files = m->quota_files;
	root->used_bytes = m->used_bytes;
	root->used_files = m->used_files;
	root->cred = hsx_fs_owner_cred(d_inode(dir->dentry));
	if (!root->cred) {
		kfree(root);
		return NULL;
	}
	root->path = *dir;
	path_get(&root->path);
	return root;
}

/* The root bound to @dir, or -1. Context: under hsx_fs_bind_mutex. */
static int hsx_fs_find_dir(const struct path *dir)
{
	unsigned int i;

	for (i = 0; i < HSX_FS_MAX_ROOTS; i++)
		if (hsx_fs_roots[i] && path_equal(&hsx_fs_roots[i]->path, dir))
			return i;
	return -1;
}

static int hsx_fs_bind_locked(struct hsx_fs_map *m, const struct path *dir)
{
	struct hsx_fs_root *root;
	struct hsx_instance *inst;
	int existing, index;

	lockdep_assert_held(&hsx_fs_bind_mutex);
	existing = hsx_fs_find_dir(dir);
	if (existing >= 0 && (m->flags & HSX_FS_MAP_ANY)) {
		m->root = existing;
		m->flags |= HSX_FS_MAP_EXISTING;
		return 0;
	}
	if (existing >= 0)
		return -EEXIST;
	if (m->flags & HSX_FS_MAP_ANY) {
		for (index = 0; index < HSX_FS_MAX_ROOTS && hsx_fs_roots[index]; index++)
			;
		if (index == HSX_FS_MAX_ROOTS)
			return -ENOSPC;
	} else {
		index = m->root;
		if (hsx_fs_roots[index])
			return -EBUSY;
	}
	root = hsx_fs_root_alloc(m, dir);
	if (!root)
		return -ENOMEM;
	root->index = index;
	spin_lock(&hsx_fs_roots_lock);
	hsx_fs_roots[index] = root;
	spin_unlock(&hsx_fs_roots_lock);
	/* The node last: the root is whole before anyone can open it. */
	inst = hsx_instance_add(&hsx_fs_module, index, 0666, &hsx_fs_root_group, root);
	spin_lock(&hsx_fs_roots_lock);
	if (IS_ERR(inst))
		hsx_fs_roots[index] = NULL;
	else
		root->inst = inst;
	spin_unlock(&hsx_fs_roots_lock);
	if (IS_ERR(inst)) {
		hsx_fs_root_free(root);
		return PTR_ERR(inst);
	}
	m->root = index;
	pr_info("fs: root %u bound (%llu bytes, %llu files)\n", index, m->quota_bytes,
		m->quota_files);
	return 0;
}

/* The instance goes; the memory with its last reference. Context: under the bind mutex. */
static void hsx_fs_unbind_locked(struct hsx_fs_root *root)
{
	lockdep_assert_held(&hsx_fs_bind_mutex);
	spin_lock(&hsx_fs_roots_lock);
	hsx_fs_roots[root->index] = NULL;
	spin_unlock(&hsx_fs_roots_lock);
	pr_info("fs: root %u unbound\n", root->index);
	hsx_instance_remove(root->inst);
}

/**
 * hsx_fs_map - HSX_IOC_FS_MAP for the administrator: bind or unbind a root
 * Return: 0 (@m->root and @m->flags out), or an errno as the uAPI says.
 */
int hsx_fs_map(struct hsx_fs_map *m)
{
	struct hsx_fs_root *root;
	struct file *dir;
	int ret;

	if (m->reserved || m->flags & ~(HSX_FS_MAP_READ_ONLY | HSX_FS_MAP_ANY))
		return -EINVAL;
	if (!(m->flags & HSX_FS_MAP_ANY) && m->root >= HSX_FS_MAX_ROOTS)
		return -EINVAL;
	if (m->dirfd == -1) {
		if (m->flags || m->quota_bytes || m->quota_files || m->used_bytes || m->used_files)
			return -EINVAL;
		mutex_lock(&hsx_fs_bind_mutex);
		root = hsx_fs_roots[m->root];
		if (root) {
			hsx_fs_unbind_locked(root);
			/*
			 * Before the number can be bound again (under the
			 * mutex): a capability for this root must not reach
			 * the next directory bound as it.
			 */
			hsx_cap_revoke_covering(&hsx_fs_module, m->root);
		}
		mutex_unlock(&hsx_fs_bind_mutex);
		return root ? 0 : -ENXIO;
	}
	if (!m->quota_bytes || !m->quota_files || m->used_bytes > m->quota_bytes ||
	    m->used_files > m->quota_files)
		return -EINVAL;
	dir = fget_raw(m->dirfd);	/* O_PATH will do */
	if (!dir)
		return -EBADF;
	ret = d_is_dir(dir->f_path.dentry) ? 0 : -ENOTDIR;
	if (!ret) {
		mutex_lock(&hsx_fs_bind_mutex);
		ret = hsx_fs_bind_locked(m, &dir->f_path);
		mutex_unlock(&hsx_fs_bind_mutex);
	}
	fput(dir);
	return ret;
}

/* Module unload: every root unbound, each instance's operations over. */
void hsx_fs_roots_exit(void)
{
	unsigned int i;

	mutex_lock(&hsx_fs_bind_mutex);
	for (i = 0; i < HSX_FS_MAX_ROOTS; i++)
		if (hsx_fs_roots[i])
			hsx_fs_unbind_locked(hsx_fs_roots[i]);
	mutex_unlock(&hsx_fs_bind_mutex);
}

/* The bound root @index with a reference to its instance, or NULL. */
struct hsx_fs_root *hsx_fs_root_get(unsigned int index)
{
	struct hsx_fs_root *root;

	if (index >= HSX_FS_MAX_ROOTS)
		return NULL;
	spin_lock(&hsx_fs_roots_lock);
	root = hsx_fs_roots[index];
	if (root && root->inst)
		hsx_instance_get(root->inst);
	else
		root = NULL;
	spin_unlock(&hsx_fs_roots_lock);
	return root;
}

void hsx_fs_root_put(struct hsx_fs_root *root)
{
	hsx_instance_put(root->inst);	/* may free root */
}

/*
 * No operation runs on the root and none will: close its handles' files
 * and let go of the directory, so that its filesystem can be unmounted
 * while applications still hold their (dead) handles.
 */
void hsx_fs_instance_gone(struct hsx_instance *inst)
{
	struct hsx_fs_root *root = inst->priv;
	struct hsx_fs_handle *h;
	struct path dir;

	mutex_lock(&root->lock);
	list_for_each_entry(h, &root->handles, root_node) {
		if (h->file) {
			fput(h->file);
			h->file = NULL;
		}
	}
	dir = root->path;
	root->path.dentry = NULL;
	root->path.mnt = NULL;
	mutex_unlock(&root->lock);
	path_put(&dir);
}

void hsx_fs_instance_release(struct hsx_instance *inst)
{
	hsx_fs_root_free(inst->priv);
}

/* ---- /sys/hal/fs/<n> ------------------------------------------------------------------- */

static struct hsx_fs_root *hsx_fs_root_of(struct kobject *kobj)
{
	return hsx_instance_of_dir(kobj)->priv;
}

/* The counters under the root's lock: a quota and its usage read together. */
static ssize_t hsx_fs_u64_show(struct kobject *kobj, char *buf, size_t offset)
{
	struct hsx_fs_root *root = hsx_fs_root_of(kobj);
	u64 v;

	mutex_lock(&root->lock);
	v = *(u64 *)((char *)root + offset);
	mutex_unlock(&root->lock);
	return sysfs_emit(buf, "%llu\n", v);
}

/* One show function per field, since sysfs passes no field. */
#define HSX_FS_U64_SHOW(name)									\
static ssize_t name##_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)	\
{												\
	return hsx_fs_u64_show(kobj, buf, offsetof(struct hsx_fs_root, name));			\
}

HSX_FS_U64_SHOW(quota_bytes)
HSX_FS_U64_SHOW(quota_files)
HSX_FS_U64_SHOW(used_bytes)
HSX_FS_U64_SHOW(used_files)

static ssize_t hsx_fs_counter_show(struct kobject *kobj, char *buf, size_t offset)
{
	atomic64_t *counter = (atomic64_t *)((char *)hsx_fs_root_of(kobj) + offset);

	return sysfs_emit(buf, "%lld\n", atomic64_read(counter));
}

#define HSX_FS_COUNTER_SHOW(name)								\
static ssize_t name##_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)	\
{												\
	return hsx_fs_counter_show(kobj, buf, offsetof(struct hsx_fs_root, name));		\
}

HSX_FS_COUNTER_SHOW(denials)
HSX_FS_COUNTER_SHOW(quota_denials)
HSX_FS_COUNTER_SHOW(refusals)
HSX_FS_COUNTER_SHOW(bytes_read)
HSX_FS_COUNTER_SHOW(bytes_written)

static ssize_t handles_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct hsx_fs_root *root = hsx_fs_root_of(kobj);
	unsigned int n;

	mutex_lock(&root->lock);
	n = root->nhandles;
	mutex_unlock(&root->lock);
	return sysfs_emit(buf, "%u\n", n);
}

static ssize_t owner_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	const struct cred *cred = hsx_fs_root_of(kobj)->cred;

	return sysfs_emit(buf, "%u:%u\n", from_kuid(&init_user_ns, cred->fsuid),
			  from_kgid(&init_user_ns, cred->fsgid));
}

static ssize_t read_only_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", !!(hsx_fs_root_of(kobj)->flags & HSX_FS_MAP_READ_ONLY));
}

/* Where it is, as the administrator's mount namespace sees it. */
static ssize_t path_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	struct hsx_fs_root *root = hsx_fs_root_of(kobj);
	struct path dir = {};
	ssize_t ret;
	char *p;

	mutex_lock(&root->lock);
	if (root->path.dentry) {
		dir = root->path;
		path_get(&dir);
	}
	mutex_unlock(&root->lock);
	if (!dir.dentry)
		return -ENODEV;
	p = d_path(&dir, buf, PAGE_SIZE - 1);
	path_put(&dir);
	if (IS_ERR(p))
		return PTR_ERR(p);
	ret = strlen(p);
	memmove(buf, p, ret);
	buf[ret++] = '\n';
	return ret;
}

static struct kobj_attribute hsx_fs_attr_quota_bytes =
	__ATTR(quota_bytes, 0400, quota_bytes_show, NULL);
static struct kobj_attribute hsx_fs_attr_quota_files =
	__ATTR(quota_files, 0400, quota_files_show, NULL);
static struct kobj_attribute hsx_fs_attr_used_bytes =
	__ATTR(used_bytes, 0400, used_bytes_show, NULL);
static struct kobj_attribute hsx_fs_attr_used_files =
	__ATTR(used_files, 0400, used_files_show, NULL);
static struct kobj_attribute hsx_fs_attr_denials = __ATTR(denials, 0400, denials_show, NULL);
static struct kobj_attribute hsx_fs_attr_quota_denials =
	__ATTR(quota_denials, 0400, quota_denials_show, NULL);
static struct kobj_attribute hsx_fs_attr_refusals = __ATTR(refusals, 0400, refusals_show, NULL);
static struct kobj_attribute hsx_fs_attr_bytes_read =
	__ATTR(bytes_read, 0400, bytes_read_show, NULL);
static struct kobj_attribute hsx_fs_attr_bytes_written =
	__ATTR(bytes_written, 0400, bytes_written_show, NULL);
static struct kobj_attribute hsx_fs_attr_handles = __ATTR(handles, 0400, handles_show, NULL);
static struct kobj_attribute hsx_fs_attr_owner = __ATTR(owner, 0400, owner_show, NULL);
static struct kobj_attribute hsx_fs_attr_read_only = __ATTR(read_only, 0400, read_only_show, NULL);
static struct kobj_attribute hsx_fs_attr_path = __ATTR(path, 0400, path_show, NULL);

static struct attribute *hsx_fs_root_attrs[] = {
	&hsx_fs_attr_path.attr,
	&hsx_fs_attr_owner.attr,
	&hsx_fs_attr_read_only.attr,
	&hsx_fs_attr_quota_bytes.attr,
	&hsx_fs_attr_quota_files.attr,
	&hsx_fs_attr_used_bytes.attr,
	&hsx_fs_attr_used_files.attr,
	&hsx_fs_attr_handles.attr,
	&hsx_fs_attr_denials.attr,
	&hsx_fs_attr_quota_denials.attr,
	&hsx_fs_attr_refusals.attr,
	&hsx_fs_attr_bytes_read.attr,
	&hsx_fs_attr_bytes_written.attr,
	NULL,
};

const struct attribute_group hsx_fs_root_group = {
	.attrs = hsx_fs_root_attrs,
};
