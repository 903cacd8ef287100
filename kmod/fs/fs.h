/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HAL module 0x14 (FS): a private file tree per application. fs.c is the
 * module: its functions, handles and capability checks. fs_root.c binds
 * roots to directories and keeps their quotas; fs_vfs.c checks paths and
 * resolves them beneath a root with the kernel's scoped lookup.
 */
#ifndef _HSX_FS_H
#define _HSX_FS_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/path.h>
#include <linux/types.h>

#include "hsx_uapi.h"

struct cred;
struct file;
struct hsx_instance;

/**
 * struct hsx_fs_root - one root: a directory bound to a root number
 * @index: the root number
 * @inst: its instance; its priv is this, freed with it
 * @path: the directory, held until the instance is gone
 * @cred: what every operation beneath it runs with: the directory owner's
 *	fsuid and fsgid, no groups, no capabilities
 * @flags: HSX_FS_MAP_READ_ONLY
 * @lock: serializes what changes sizes or the number of files (writes,
 *	truncations, creations, deletions, renames) with the counters below,
 *	so that a quota is exact; guards @handles and @nhandles
 * @quota_bytes: most bytes of regular files
 * @quota_files: most files and directories
 * @used_bytes: bytes now, with those of unlinked files a handle keeps open
 * @used_files: files and directories now, likewise
 * @handles: its open handles (struct hsx_fs_handle.root_node)
 * @nhandles: how many
 * @denials: operations on it a capability refused
 * @quota_denials: operations refused with EDQUOT
 * @refusals: paths refused for leaving the tree or naming what is not a
 *	regular file or directory (ELOOP, EXDEV, EOPNOTSUPP)
 * @bytes_read: through READ
 * @bytes_written: through WRITE and REPLACE
 */
struct hsx_fs_root {
	unsigned int index;
	struct hsx_instance *inst;
	struct path path;
	const struct cred *cred;
	u32 flags;
	struct mutex lock;		/* see above */
	u64 quota_bytes;
	u64 quota_files;
	u64 used_bytes;
	u64 used_files;
	struct list_head handles;
	unsigned int nhandles;
	atomic64_t denials;
	atomic64_t quota_denials;
	atomic64_t refusals;
	atomic64_t bytes_read;
	atomic64_t bytes_written;
};

/**
 * struct hsx_fs_handle - an open file, as a handle of one /dev/hsx file
 * @ref: the file's table holds one, each operation on it another
 * @root: its root; the handle holds a reference to its instance
 * @file: the open file; NULL once the root is gone (instance_gone)
 * @flags: HSX_FS_O_* it was opened with
 * @pos_lock: serializes operations on the handle, so its position moves
 *	as one caller's
 * @root_node: in @root->handles, under @root->lock
 */
struct hsx_fs_handle {
	struct kref ref;
	struct hsx_fs_root *root;
	struct file *file;
	u32 flags;
	struct mutex pos_lock;		/* see above */
	struct list_head root_node;
};

struct hsx_module;

/* HAL module 0x14: private file trees. */
extern const struct hsx_module hsx_fs_module;

/* Roots (fs_root.c). */
extern const struct attribute_group hsx_fs_root_group;
struct hsx_fs_root *hsx_fs_root_get(unsigned int index);
void hsx_fs_root_put(struct hsx_fs_root *root);
int hsx_fs_map(struct hsx_fs_map *m);
void hsx_fs_roots_exit(void);
void hsx_fs_instance_gone(struct hsx_instance *inst);
void hsx_fs_instance_release(struct hsx_instance *inst);
void hsx_fs_charge(struct hsx_fs_root *root, u64 old_size, u64 new_size);
u64 hsx_fs_room(const struct hsx_fs_root *root);
void hsx_fs_uncharge_file(struct hsx_fs_root *root, struct inode *inode, u64 size);
bool hsx_fs_inode_open(struct hsx_fs_root *root, struct inode *inode);

/* Paths (fs_vfs.c). Context for the walks: under the root's credentials. */

/* A path copied in and checked: @dir (may be "") and @last (NULL for the root). */
struct hsx_fs_name {
	char *buf;
	const char *dir;
	const char *last;
	unsigned int last_len;
};

int hsx_fs_check_path(const char *p, u32 len, bool may_be_root);
bool hsx_fs_name_ok(const char *name, unsigned int len);
int hsx_fs_name_get(const struct hsx_fs_path *up, bool may_be_root, struct hsx_fs_name *n);
void hsx_fs_name_put(struct hsx_fs_name *n);
int hsx_fs_lookup_parent(struct hsx_fs_root *root, const struct hsx_fs_name *n,
			 struct path *parent);
int hsx_fs_lookup(struct hsx_fs_root *root, const struct hsx_fs_name *n, struct path *path);
int hsx_fs_served(const struct dentry *dentry);
struct file *hsx_fs_open_file(struct hsx_fs_root *root, const struct hsx_fs_name *n, u32 flags,
			      bool *created);
int hsx_fs_mkdir(struct hsx_fs_root *root, const struct hsx_fs_name *n);
int hsx_fs_delete(struct hsx_fs_root *root, const struct hsx_fs_name *n);
int hsx_fs_rename(struct hsx_fs_root *root, const struct hsx_fs_name *from,
		  const struct hsx_fs_name *to, u32 flags);
int hsx_fs_listdir(struct hsx_fs_root *root, const struct hsx_fs_name *n, char *buf, u32 max,
		   u32 *len, u32 *needed, u32 *count);
int hsx_fs_replace(struct hsx_fs_root *root, const struct hsx_fs_name *n, const void *buf,
		   u32 len);

/* The capability's object: a root. */
bool hsx_fs_sel_covers(const union hsx_cap_selector *sel, u64 object);

#endif /* _HSX_FS_H */
