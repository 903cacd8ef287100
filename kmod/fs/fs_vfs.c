// SPDX-License-Identifier: GPL-2.0
/*
 * FS paths and what is done with them beneath a root.
 *
 * A path is checked as bytes first (hsx_fs_check_path(): no "." or "..",
 * no empty component, valid UTF-8 without control characters), so that
 * nothing the kernel's walk could take two ways ever reaches it. Then its
 * directory part is resolved with vfs_path_lookup() from the root, with
 * openat2's own scoping: LOOKUP_BENEATH (the walk never leaves the root,
 * and its end is checked to be under it), LOOKUP_NO_SYMLINKS and
 * LOOKUP_NO_MAGICLINKS (no link of any kind is followed), LOOKUP_NO_XDEV
 * (no mount is crossed). Its last component is looked up in that directory
 * alone and acted on there, as ksmbd does: a link there is refused, not
 * followed, and a mount point is refused, not entered. Only regular files
 * and directories are served.
 *
 * Everything here runs under the root's credentials (fs.c overrides them),
 * so the filesystem's own permission checks, quotas and LSM hooks apply to
 * the storage owner, never to whoever called.
 */
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mount.h>
#include <linux/namei.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "compat.h"
#include "fs.h"

#define HSX_FS_LOOKUP (LOOKUP_BENEATH | LOOKUP_NO_SYMLINKS | LOOKUP_NO_MAGICLINKS | LOOKUP_NO_XDEV)
/* A rename racing a walk makes it EAGAIN; retried this often, then reported. */
#define HSX_FS_LOOKUP_TRIES	8

/* ---- the rules for paths ------------------------------------------------------------ */

/* Valid UTF-8, shortest form, no surrogates, no control characters (C0, DEL, C1). */
static bool hsx_fs_utf8_ok(const u8 *s, unsigned int len)
{
	unsigned int i = 0, k, n;
	u32 cp, min;

	while (i < len) {
		u8 c = s[i];

		if (c < 0x80) {
			if (c < 0x20 || c == 0x7f)
				return false;
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0) {
			n = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			n = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			n = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		if (len - i - 1 < n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) || cp < 0xa0)
			return false;
		i += n + 1;
	}
	return true;
}

/**
 * hsx_fs_name_ok - may @name (@len bytes) be one component of a path?
 * Not "." or "..", not hsx's temporary files', 1..HSX_FS_NAME_MAX bytes of
 * UTF-8 without control characters (so without NUL, and without the
 * newline LISTDIR separates names with); '/' never reaches here.
 */
bool hsx_fs_name_ok(const char *name, unsigned int len)
{
	const unsigned int tmp = sizeof(HSX_FS_TMP_PREFIX) - 1;

	if (!len || len > HSX_FS_NAME_MAX)
		return false;
	if (name[0] == '.' && (len == 1 || (len == 2 && name[1] == '.')))
		return false;
	if (len >= tmp && !memcmp(name, HSX_FS_TMP_PREFIX, tmp))
		return false;
	return hsx_fs_utf8_ok((const u8 *)name, len);
}

/**
 * hsx_fs_check_path - is @p (@len bytes) a path an application may name?
 * @may_be_root: the empty path (the root itself) is allowed
 *
 * Return: 0, -ENAMETOOLONG (the path or a component too long), -EINVAL.
 */
int hsx_fs_check_path(const char *p, u32 len, bool may_be_root)
{
	u32 start = 0, i;

	if (!len)
		return may_be_root ? 0 : -EINVAL;
	if (len > HSX_FS_PATH_MAX)
		return -ENAMETOOLONG;
	for (i = 0; i <= len; i++) {
		if (i < len && p[i] != '/')
			continue;
		if (i - start > HSX_FS_NAME_MAX)
			return -ENAMETOOLONG;
		if (!hsx_fs_name_ok(p + start, i - start))
			return -EINVAL;
		start = i + 1;
	}
	return 0;
}

/**
 * hsx_fs_name_get - copy a path in once, check it and split it
 * Return: 0 and @n filled (hsx_fs_name_put() it), or an errno.
 */
int hsx_fs_name_get(const struct hsx_fs_path *up, bool may_be_root, struct hsx_fs_name *n)
{
	char *slash;
	int ret;

	memset(n, 0, sizeof(*n));
	if (up->reserved)
		return -EINVAL;
	if (up->len > HSX_FS_PATH_MAX)
		return -ENAMETOOLONG;
	n->buf = kmalloc(up->len + 1, GFP_KERNEL);
	if (!n->buf)
		return -ENOMEM;
	ret = -EFAULT;
	if (copy_from_user(n->buf, u64_to_user_ptr(up->ptr), up->len))
		goto err;
	n->buf[up->len] = '\0';
	ret = hsx_fs_check_path(n->buf, up->len, may_be_root);
	if (ret)
		goto err;
	if (!up->len) {
		n->dir = n->buf;
		return 0;
	}
	slash = strrchr(n->buf, '/');
	if (slash) {
		*slash = '\0';
		n->dir = n->buf;
		n->last = slash + 1;
	} else {
		n->dir = "";
		n->last = n->buf;
	}
	n->last_len = strlen(n->last);
	return 0;
err:
	kfree(n->buf);
	n->buf = NULL;
	return ret;
}

void hsx_fs_name_put(struct hsx_fs_name *n)
{
	kfree(n->buf);
	n->buf = NULL;
}

/* ---- resolution ---------------------------------------------------------------------- */

/**
 * hsx_fs_lookup_parent - the directory @n's last component is in
 * Return: 0 and @parent held, or ELOOP, EXDEV, ENOENT, ENOTDIR, EAGAIN, ...
 * (LOOKUP_FOLLOW so that a link as its last component is ELOOP, as every
 * other link is under LOOKUP_NO_SYMLINKS, not ENOTDIR.)
 */
int hsx_fs_lookup_parent(struct hsx_fs_root *root, const struct hsx_fs_name *n,
			 struct path *parent)
{
	unsigned int tries = 0;
	int ret;

	if (!n->dir[0]) {
		*parent = root->path;
		path_get(parent);
		return 0;
	}
	do {
		ret = vfs_path_lookup(root->path.dentry, root->path.mnt, n->dir,
				      HSX_FS_LOOKUP | LOOKUP_DIRECTORY | LOOKUP_FOLLOW, parent);
	} while (ret == -EAGAIN && ++tries < HSX_FS_LOOKUP_TRIES);
	return ret;
}

/**
 * hsx_fs_served - what hsx makes of @dentry
 * Return: HSX_FS_T_FILE, HSX_FS_T_DIR, or -ENOENT (none), -ELOOP (a link),
 * -EXDEV (something is mounted on it), -EOPNOTSUPP (anything else).
 */
int hsx_fs_served(const struct dentry *dentry)
{
	if (d_is_negative(dentry))
		return -ENOENT;
	if (d_is_symlink(dentry))
		return -ELOOP;
	if (d_mountpoint(dentry))
		return -EXDEV;
	if (d_is_reg(dentry))
		return HSX_FS_T_FILE;
	if (d_is_dir(dentry))
		return HSX_FS_T_DIR;
	return -EOPNOTSUPP;
}

/**
 * hsx_fs_lookup - the file or directory @n names (the root for the empty path)
 * Return: 0 and @path held, or an errno (hsx_fs_served()'s included).
 */
int hsx_fs_lookup(struct hsx_fs_root *root, const struct hsx_fs_name *n, struct path *path)
{
	struct path parent;
	struct dentry *dentry;
	int ret;

	if (!n->last) {
		*path = root->path;
		path_get(path);
		return 0;
	}
	ret = hsx_fs_lookup_parent(root, n, &parent);
	if (ret)
		return ret;
	dentry = lookup_one_len_unlocked(n->last, parent.dentry, n->last_len);
	ret = PTR_ERR_OR_ZERO(dentry);
	if (!ret) {
		ret = hsx_fs_served(dentry);
		if (ret < 0) {
			dput(dentry);
		} else {
			path->mnt = mntget(parent.mnt);
			path->dentry = dentry;
			ret = 0;
		}
	}
	path_put(&parent);
	return ret;
}

/*
 * The parent of @n, writable and locked, and @n's dentry in it, for a
 * change; hsx_fs_change_end() undoes it. Context: holding root->lock.
 */
static struct dentry *hsx_fs_change_begin(const struct hsx_fs_name *n, const struct path *parent)
{
	struct dentry *dentry;
	int ret;

	ret = mnt_want_write(parent->mnt);
	if (ret)
		return ERR_PTR(ret);
	inode_lock_nested(d_inode(parent->dentry), I_MUTEX_PARENT);
	dentry = lookup_one_len(n->last, parent->dentry, n->last_len);
	if (IS_ERR(dentry)) {
		inode_unlock(d_inode(parent->dentry));
		mnt_drop_write(parent->mnt);
	}
	return dentry;
}

static void hsx_fs_change_end(const struct path *parent, struct dentry *dentry)
{
	dput(dentry);
	inode_unlock(d_inode(parent->dentry));
	mnt_drop_write(parent->mnt);
}

/* ---- OPEN ---------------------------------------------------------------------------- */

static int hsx_fs_open_flags(u32 flags)
{
	static const int acc[] = {
		[HSX_FS_O_RDONLY] = O_RDONLY,
		[HSX_FS_O_WRONLY] = O_WRONLY,
		[HSX_FS_O_RDWR] = O_RDWR,
	};

	return acc[flags & HSX_FS_O_ACCMODE] | O_LARGEFILE |
	       (flags & HSX_FS_O_APPEND ? O_APPEND : 0);
}

/*
 * Create @n's file in @parent if it is not there; the dentry either way.
 * Context: under root->lock.
 */
static struct dentry *hsx_fs_create_locked(struct hsx_fs_root *root, const struct hsx_fs_name *n,
					   const struct path *parent, bool excl, bool *created)
{
	struct inode *dir = d_inode(parent->dentry);
	struct dentry *dentry;
	int ret;

	lockdep_assert_held(&root->lock);
	dentry = hsx_fs_change_begin(n, parent);
	if (IS_ERR(dentry))
		return dentry;
	ret = 0;
	if (d_is_positive(dentry)) {
		if (excl)
			ret = -EEXIST;
	} else if (root->used_files >= root->quota_files) {
		ret = -EDQUOT;
	} else {
		/* vfs_create(), unlike open(2), applies no umask: the mode is hsx's. */
		ret = vfs_create(HSX_MNT_IDMAP(parent->mnt), dir, dentry, HSX_FS_FILE_MODE, true);
		if (!ret) {
			root->used_files++;
			*created = true;
		}
	}
	dget(dentry);
	hsx_fs_change_end(parent, dentry);
	if (ret) {
		dput(dentry);
		return ERR_PTR(ret);
	}
	return dentry;
}

/**
 * hsx_fs_open_file - open the regular file @n as HSX_FS_O_* @flags say
 * @created: set when it was created
 *
 * O_TRUNC is the caller's (it counts the bytes that go). dentry_open()
 * checks no permission, so this does what may_open() would: the file's
 * mode for the storage owner, and an append-only file kept so.
 */
struct file *hsx_fs_open_file(struct hsx_fs_root *root, const struct hsx_fs_name *n, u32 flags,
			      bool *created)
{
	bool write = flags & HSX_FS_O_WRONLY;
	struct path parent, path;
	struct dentry *dentry;
	struct file *file;
	int ret, mask;

	*created = false;
	ret = hsx_fs_lookup_parent(root, n, &parent);
	if (ret)
		return ERR_PTR(ret);
	if (flags & HSX_FS_O_CREAT) {
		mutex_lock(&root->lock);
		dentry = hsx_fs_create_locked(root, n, &parent, flags & HSX_FS_O_EXCL, created);
		mutex_unlock(&root->lock);
	} else {
		dentry = lookup_one_len_unlocked(n->last, parent.dentry, n->last_len);
	}
	file = ERR_CAST(dentry);
	if (IS_ERR(dentry))
		goto out_parent;
	ret = hsx_fs_served(dentry);
	if (ret == HSX_FS_T_DIR)
		ret = -EISDIR;
	else if (ret == HSX_FS_T_FILE)
		ret = 0;
	if (!ret && !*created) {
		mask = MAY_OPEN | (flags & HSX_FS_O_RDONLY ? MAY_READ : 0) |
		       (write ? MAY_WRITE : 0);
		ret = inode_permission(HSX_MNT_IDMAP(parent.mnt), d_inode(dentry), mask);
		if (!ret && IS_APPEND(d_inode(dentry)) && write &&
		    (!(flags & HSX_FS_O_APPEND) || (flags & HSX_FS_O_TRUNC)))
			ret = -EPERM;
	}
	file = ERR_PTR(ret);
	if (!ret) {
		path.mnt = parent.mnt;
		path.dentry = dentry;
		file = dentry_open(&path, hsx_fs_open_flags(flags), root->cred);
	}
	dput(dentry);
out_parent:
	path_put(&parent);
	return file;
}

/* ---- MKDIR, DELETE, RENAME ---------------------------------------------------------- */

int hsx_fs_mkdir(struct hsx_fs_root *root, const struct hsx_fs_name *n)
{
	struct dentry *dentry;
	struct path parent;
	int ret;

	ret = hsx_fs_lookup_parent(root, n, &parent);
	if (ret)
		return ret;
	mutex_lock(&root->lock);
	dentry = hsx_fs_change_begin(n, &parent);
	ret = PTR_ERR_OR_ZERO(dentry);
	if (ret)
		goto out;
	if (d_is_positive(dentry)) {
		ret = -EEXIST;
	} else if (root->used_files >= root->quota_files) {
		ret = -EDQUOT;
	} else {
		ret = vfs_mkdir(HSX_MNT_IDMAP(parent.mnt), d_inode(parent.dentry), dentry,
				HSX_FS_DIR_MODE);
		if (!ret)
			root->used_files++;
	}
	hsx_fs_change_end(&parent, dentry);
out:
	mutex_unlock(&root->lock);
	path_put(&parent);
	return ret;
}

/*
 * A regular file of @size bytes lost a name: it no longer counts, unless
 * that was its last name and a handle keeps it open (then the handle's
 * closing uncounts it). Context: under root->lock.
 */
static void hsx_fs_unlinked(struct hsx_fs_root *root, struct inode *inode, u64 size)
{
	if (!inode->i_nlink && hsx_fs_inode_open(root, inode))
		return;
	hsx_fs_uncharge_file(root, inode, size);
}

/* Remove the file or empty directory @n in @parent. Context: under root->lock. */
static int hsx_fs_remove_locked(struct hsx_fs_root *root, const struct path *parent,
				const struct hsx_fs_name *n)
{
	struct inode *dir = d_inode(parent->dentry), *inode = NULL;
	struct dentry *dentry;
	u64 size;
	int ret;

	dentry = hsx_fs_change_begin(n, parent);
	if (IS_ERR(dentry))
		return PTR_ERR(dentry);
	ret = hsx_fs_served(dentry);
	if (ret == HSX_FS_T_DIR) {
		ret = vfs_rmdir(HSX_MNT_IDMAP(parent->mnt), dir, dentry);
		if (!ret && root->used_files)
			root->used_files--;
	} else if (ret == HSX_FS_T_FILE) {
		inode = d_inode(dentry);
		ihold(inode);
		size = i_size_read(inode);
		ret = vfs_unlink(HSX_MNT_IDMAP(parent->mnt), dir, dentry, NULL);
		if (!ret)
			hsx_fs_unlinked(root, inode, size);
	}
	hsx_fs_change_end(parent, dentry);
	if (inode)
		iput(inode);
	return ret;
}

int hsx_fs_delete(struct hsx_fs_root *root, const struct hsx_fs_name *n)
{
	struct path parent;
	int ret;

	ret = hsx_fs_lookup_parent(root, n, &parent);
	if (ret)
		return ret;
	mutex_lock(&root->lock);
	ret = hsx_fs_remove_locked(root, &parent, n);
	mutex_unlock(&root->lock);
	path_put(&parent);
	return ret;
}

/* Under lock_rename() of both parents: do_renameat2()'s checks, and hsx's on the kinds. */
static int hsx_fs_rename_check(struct dentry *old, struct dentry *new, struct dentry *trap,
			       u32 flags)
{
	int type = hsx_fs_served(old), ret;

	if (type < 0)
		return type;
	if (old == trap)
		return -EINVAL;		/* a directory into itself */
	if (new == trap)
		return -ENOTEMPTY;	/* over one of its ancestors */
	if (d_is_negative(new))
		return 0;
	if (flags & HSX_FS_RENAME_NOREPLACE)
		return -EEXIST;
	ret = hsx_fs_served(new);
	if (ret < 0)
		return ret;
	if (ret != type)
		return type == HSX_FS_T_DIR ? -ENOTDIR : -EISDIR;
	return 0;
}

/* Rename @from in @p1 to @to in @p2 (on one mount). Context: under root->lock. */
static int hsx_fs_rename_locked(struct hsx_fs_root *root, const struct path *p1,
				const struct hsx_fs_name *from, const struct path *p2,
				const struct hsx_fs_name *to, u32 flags)
{
	struct dentry *trap, *old, *new;
	struct inode *replaced = NULL;
	struct renamedata rd = {};
	u64 size = 0;
	int ret;

	ret = mnt_want_write(p1->mnt);
	if (ret)
		return ret;
	trap = lock_rename(p2->dentry, p1->dentry);
	ret = PTR_ERR_OR_ZERO(trap);
	if (ret)
		goto out_drop;
	old = lookup_one_len(from->last, p1->dentry, from->last_len);
	ret = PTR_ERR_OR_ZERO(old);
	if (ret)
		goto out_unlock;
	new = lookup_one_len(to->last, p2->dentry, to->last_len);
	ret = PTR_ERR_OR_ZERO(new);
	if (ret)
		goto out_old;
	ret = hsx_fs_rename_check(old, new, trap, flags);
	if (ret || (d_is_positive(new) && d_inode(new) == d_inode(old)))
		goto out_new;	/* a name onto itself: nothing to do, as rename(2) */
	if (d_is_positive(new)) {
		replaced = d_inode(new);
		ihold(replaced);
		size = i_size_read(replaced);
	}
	rd.old_dir = d_inode(p1->dentry);
	rd.old_dentry = old;
	rd.new_dir = d_inode(p2->dentry);
	rd.new_dentry = new;
	rd.flags = flags & HSX_FS_RENAME_NOREPLACE ? RENAME_NOREPLACE : 0;
	hsx_renamedata_set(&rd, p1->mnt);
	ret = vfs_rename(&rd);
	if (!ret && replaced && S_ISDIR(replaced->i_mode) && root->used_files)
		root->used_files--;
	else if (!ret && replaced)
		hsx_fs_unlinked(root, replaced, size);
out_new:
	dput(new);
out_old:
	dput(old);
out_unlock:
	unlock_rename(p2->dentry, p1->dentry);
out_drop:
	mnt_drop_write(p1->mnt);
	if (replaced)
		iput(replaced);
	return ret;
}

int hsx_fs_rename(struct hsx_fs_root *root, const struct hsx_fs_name *from,
		  const struct hsx_fs_name *to, u32 flags)
{
	struct path p1, p2;
	int ret;

	ret = hsx_fs_lookup_parent(root, from, &p1);
	if (ret)
		return ret;
	ret = hsx_fs_lookup_parent(root, to, &p2);
	if (!ret) {
		mutex_lock(&root->lock);
		ret = hsx_fs_rename_locked(root, &p1, from, &p2, to, flags);
		mutex_unlock(&root->lock);
		path_put(&p2);
	}
	path_put(&p1);
	return ret;
}

/* ---- REPLACE ------------------------------------------------------------------------- */

/* Write all @len bytes of @buf to @file from 0, and sync them. */
static int hsx_fs_write_all(struct file *file, const void *buf, u32 len)
{
	loff_t pos = 0;
	ssize_t n;

	while (pos < len) {
		n = kernel_write(file, buf + pos, len - pos, &pos);
		if (n < 0)
			return n;
		if (!n)
			return -EIO;
	}
	return vfs_fsync(file, 0);
}

/*
 * The new content in the temporary file @tmp of @parent, synced. Context:
 * under root->lock; the quota for it checked.
 */
static int hsx_fs_replace_write(struct hsx_fs_root *root, const struct path *parent,
				const struct hsx_fs_name *tmp, const void *buf, u32 len)
{
	bool created = false;
	struct dentry *dentry;
	struct path path;
	struct file *f;
	int ret;

	dentry = hsx_fs_create_locked(root, tmp, parent, true, &created);
	if (IS_ERR(dentry))
		return PTR_ERR(dentry);
	path.mnt = parent->mnt;
	path.dentry = dentry;
	f = dentry_open(&path, O_WRONLY | O_LARGEFILE, root->cred);
	dput(dentry);
	if (IS_ERR(f))
		return PTR_ERR(f);
	ret = hsx_fs_write_all(f, buf, len);
	root->used_bytes += i_size_read(file_inode(f));
	fput(f);
	return ret;
}

/**
 * hsx_fs_replace - @n holds @len bytes of @buf, or what it held (see the uAPI)
 * Context: @buf is kernel memory.
 */
int hsx_fs_replace(struct hsx_fs_root *root, const struct hsx_fs_name *n, const void *buf,
		   u32 len)
{
	const unsigned int plen = sizeof(HSX_FS_TMP_PREFIX) - 1;
	char tmpname[HSX_FS_NAME_MAX + 1];
	struct hsx_fs_name tmp = { .last = tmpname };
	struct dentry *target;
	struct path parent;
	struct file *dir;
	int ret, cleanup;

	if (plen + n->last_len > HSX_FS_NAME_MAX)
		return -ENAMETOOLONG;
	tmp.last_len = snprintf(tmpname, sizeof(tmpname), HSX_FS_TMP_PREFIX "%s", n->last);
	ret = hsx_fs_lookup_parent(root, n, &parent);
	if (ret)
		return ret;
	/*
	 * The directory opened for its sync before anything changes: after
	 * the rename, only the sync itself may fail (an allocation failing
	 * there would leave the new content in place behind an error).
	 */
	dir = dentry_open(&parent, O_RDONLY | O_DIRECTORY, root->cred);
	ret = PTR_ERR_OR_ZERO(dir);
	if (ret)
		goto out_parent;
	mutex_lock(&root->lock);
	target = lookup_one_len_unlocked(n->last, parent.dentry, n->last_len);
	ret = PTR_ERR_OR_ZERO(target);
	if (ret)
		goto out;
	ret = hsx_fs_served(target);
	dput(target);
	if (ret == HSX_FS_T_DIR)
		ret = -EISDIR;
	if (ret != HSX_FS_T_FILE && ret != -ENOENT)
		goto out;
	/* A temporary file a power loss left: its bytes and file count go with it. */
	ret = hsx_fs_remove_locked(root, &parent, &tmp);
	if (ret && ret != -ENOENT)
		goto out;
	/* Old and new side by side until the rename. */
	if (root->used_files >= root->quota_files ||
	    len > hsx_fs_room(root)) {
		ret = -EDQUOT;
		goto out;
	}
	ret = hsx_fs_replace_write(root, &parent, &tmp, buf, len);
	if (!ret)
		ret = hsx_fs_rename_locked(root, &parent, &tmp, &parent, n, 0);
	if (!ret)
		ret = vfs_fsync(dir, 0);
	if (ret) {
		cleanup = hsx_fs_remove_locked(root, &parent, &tmp);
		if (cleanup && cleanup != -ENOENT)
			pr_warn_ratelimited("fs: root %u: a temporary file stays (%d)\n",
					    root->index, cleanup);
	}
out:
	mutex_unlock(&root->lock);
	fput(dir);
out_parent:
	path_put(&parent);
	return ret;
}

/* ---- LISTDIR ------------------------------------------------------------------------- */

struct hsx_fs_lister {
	struct dir_context ctx;
	char *buf;
	u32 max;
	u32 len;
	u64 needed;
	u32 count;
	bool seen;
};

static bool hsx_fs_list_one(struct dir_context *ctx, const char *name, int namlen, loff_t offset,
			    u64 ino, unsigned int d_type)
{
	struct hsx_fs_lister *l = container_of(ctx, struct hsx_fs_lister, ctx);

	l->seen = true;
	if (fatal_signal_pending(current))
		return false;
	/* "." and "..", hsx's temporary files, names no path could name. */
	if (namlen <= 0 || !hsx_fs_name_ok(name, namlen))
		return true;
	if (d_type != DT_REG && d_type != DT_DIR && d_type != DT_UNKNOWN)
		return true;
	l->count++;
	if (l->needed + namlen + 1 <= l->max) {
		memcpy(l->buf + l->len, name, namlen);
		l->buf[l->len + namlen] = '\n';
		l->len += namlen + 1;
	}
	l->needed += namlen + 1;
	return true;
}

/**
 * hsx_fs_listdir - the names in directory @n, each followed by '\n', into
 *	@buf (@max bytes, kernel memory)
 * Return: 0 with @len, @needed and @count (@len 0 when @needed > @max), or
 * an errno.
 */
int hsx_fs_listdir(struct hsx_fs_root *root, const struct hsx_fs_name *n, char *buf, u32 max,
		   u32 *len, u32 *needed, u32 *count)
{
	struct hsx_fs_lister l = {
		.ctx.actor = hsx_fs_list_one, .buf = buf, .max = max,
	};
	struct file *dir;
	struct path path;
	int ret;

	ret = hsx_fs_lookup(root, n, &path);
	if (ret)
		return ret;
	ret = d_is_dir(path.dentry) ? 0 : -ENOTDIR;
	if (!ret)
		ret = inode_permission(HSX_MNT_IDMAP(path.mnt), d_inode(path.dentry),
				       MAY_READ | MAY_EXEC);
	if (ret)
		goto out;
	dir = dentry_open(&path, O_RDONLY | O_DIRECTORY | O_LARGEFILE, root->cred);
	ret = PTR_ERR_OR_ZERO(dir);
	if (ret)
		goto out;
	do {
		l.seen = false;
		ret = iterate_dir(dir, &l.ctx);
	} while (!ret && l.seen && !fatal_signal_pending(current));
	fput(dir);
	if (!ret && fatal_signal_pending(current))
		ret = -EINTR;
	if (!ret) {
		*needed = min_t(u64, l.needed, U32_MAX);
		*len = l.needed <= max ? l.len : 0;
		*count = l.count;
	}
out:
	path_put(&path);
	return ret;
}
