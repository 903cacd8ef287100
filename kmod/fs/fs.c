// SPDX-License-Identifier: GPL-2.0
/*
 * HAL module 0x14: FS, a private file tree per application (see the uAPI
 * header). This file is the module: its functions, the handles of each
 * open /dev/hsx file, and the capability checks. fs_root.c binds roots,
 * fs_vfs.c resolves paths beneath them and acts on them.
 *
 * Every function checks its own capability: user memory (paths, data) is
 * copied before and after, never inside an SRCU section, so a stalled page
 * fault holds up neither a revocation nor an unbinding; the filesystem is
 * touched only inside hsx_cap_srcu's section (the capability checked) and
 * the root's instance section (the root not gone), under the root's
 * credentials. READ and WRITE do that per chunk of HSX_FS_CHUNK bytes,
 * whose user pages are pinned before and released after: a revocation
 * waits for one chunk, and once it returned nothing more is read or
 * written.
 *
 * Handles live in a table per open file, so they die with the capability
 * (cap_ended closes them), with the file, or with the root (fs_root.c).
 */
#include <linux/bvec.h>
#include <linux/cred.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kref.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/stat.h>
#include <linux/uaccess.h>
#include <linux/uio.h>

#include "cap.h"
#include "compat.h"
#include "core.h"
#include "fs.h"
#include "instance.h"

/* An OPEN with CREAT whose file a DELETE races away makes it again this often. */
#define HSX_FS_OPEN_TRIES	3

/* Bytes one READ or WRITE chunk carries: a capability check each. */
#define HSX_FS_CHUNK	(64 * 1024)

struct hsx_fs_client {
	struct mutex lock;		/* guards handles */
	struct hsx_fs_handle *handles[HSX_FS_HANDLES_PER_FILE];
};

static struct hsx_fs_client *hsx_fs_client_of(struct hsx_client *client)
{
	return client->priv[hsx_module_slot(HSX_MODULE_FS)];
}

/* ---- entering a root -------------------------------------------------------------- */

/* What a function holds while it touches the filesystem beneath a root. */
struct hsx_fs_ctx {
	struct hsx_fs_root *root;
	const struct cred *old_cred;
	int cap_idx;
	int inst_idx;
};

/* A path that left the tree or named what is not served: counted on the root. */
static int hsx_fs_counted(struct hsx_fs_root *root, int ret)
{
	if (ret == -ELOOP || ret == -EXDEV || ret == -EOPNOTSUPP)
		atomic64_inc(&root->refusals);
	else if (ret == -EDQUOT)
		atomic64_inc(&root->quota_denials);
	return ret;
}

/*
 * May @client do what needs @need on root @index? Then enter it: the
 * capability's section, the root's, the root's credentials. A caller
 * without the capability learns nothing of the root (bound or not).
 */
static int hsx_fs_enter(struct hsx_client *client, u32 index, u32 need, struct hsx_fs_ctx *c)
{
	struct hsx_fs_root *root;
	int ret;

	if (index >= HSX_FS_MAX_ROOTS || (client->inst && client->inst->index != index))
		return -EINVAL;
	c->cap_idx = srcu_read_lock(&hsx_cap_srcu);
	ret = hsx_cap_check(client, HSX_MODULE_FS, need);
	if (!ret && !hsx_cap_covers(client, &hsx_fs_module, index))
		ret = -EACCES;
	root = hsx_fs_root_get(index);
	if (ret) {
		if (root) {
			atomic64_inc(&root->denials);
			hsx_fs_root_put(root);
		}
		goto err_cap;
	}
	ret = client->inst ? -ENODEV : -ENXIO;
	if (!root)
		goto err_cap;
	/* On /dev/hsx/fs<n>: the root it was opened on, not a later one. */
	if (client->inst && client->inst != root->inst)
		goto err_root;
	c->inst_idx = srcu_read_lock(&root->inst->srcu);
	ret = -ENODEV;
	if (hsx_instance_gone(root->inst))
		goto err_inst;
	ret = -EROFS;
	if ((need & HSX_CAP_R_WRITE) && (root->flags & HSX_FS_MAP_READ_ONLY))
		goto err_inst;
	c->root = root;
	c->old_cred = override_creds(root->cred);
	return 0;

err_inst:
	srcu_read_unlock(&root->inst->srcu, c->inst_idx);
err_root:
	hsx_fs_root_put(root);
err_cap:
	srcu_read_unlock(&hsx_cap_srcu, c->cap_idx);
	return ret;
}

static void hsx_fs_leave(struct hsx_fs_ctx *c)
{
	revert_creds(c->old_cred);
	srcu_read_unlock(&c->root->inst->srcu, c->inst_idx);
	hsx_fs_root_put(c->root);
	srcu_read_unlock(&hsx_cap_srcu, c->cap_idx);
}

/*
 * Before memory is set aside for a call: may @client do what needs @need
 * on root @index at all? So that a caller without the capability pins
 * nothing (the call checks again when it enters the root).
 */
static int hsx_fs_may(struct hsx_client *client, u32 index, u32 need)
{
	struct hsx_fs_ctx c;
	int ret = hsx_fs_enter(client, index, need, &c);

	if (ret == -ENXIO || ret == -ENODEV || ret == -EROFS)
		return 0;	/* the call itself says so, after its argument's checks */
	if (!ret)
		hsx_fs_leave(&c);
	return ret;
}

/* ---- handles ---------------------------------------------------------------------- */

/*
 * The last reference: out of the root's list; a file unlinked while open
 * stops counting now. Context: no lock of the root held.
 */
static void hsx_fs_handle_release(struct kref *ref)
{
	struct hsx_fs_handle *h = container_of(ref, struct hsx_fs_handle, ref);
	struct hsx_fs_root *root = h->root;
	struct file *file;
	struct inode *inode;

	mutex_lock(&root->lock);
	list_del(&h->root_node);
	root->nhandles--;
	file = h->file;
	h->file = NULL;
	if (file) {
		inode = file_inode(file);
		if (!inode->i_nlink && !hsx_fs_inode_open(root, inode))
			hsx_fs_uncharge_file(root, inode, i_size_read(inode));
	}
	mutex_unlock(&root->lock);
	if (file)
		fput(file);
	hsx_fs_root_put(root);	/* may free root */
	kfree(h);
}

static void hsx_fs_handle_put(struct hsx_fs_handle *h)
{
	kref_put(&h->ref, hsx_fs_handle_release);
}

/*
 * May @client use its handles at all, for @need? Its capability, before
 * the table is looked at: handles a revocation or expiry closed answer
 * what ended them (EKEYREVOKED, EKEYEXPIRED), not EINVAL, and another
 * process than the holder gets EPERM, for CLOSE too.
 */
static int hsx_fs_may_use_handles(struct hsx_client *client, u32 need)
{
	int idx = srcu_read_lock(&hsx_cap_srcu);
	int ret = hsx_cap_check(client, HSX_MODULE_FS, need);

	srcu_read_unlock(&hsx_cap_srcu, idx);
	return ret;
}

/* A slot OPEN reserved while it opens: no handle yet, nobody else's. */
#define HSX_FS_SLOT_RESERVED ((struct hsx_fs_handle *)ERR_PTR(-EBUSY))

static struct hsx_fs_handle *hsx_fs_handle_get(struct hsx_client *client, s32 handle, u32 need)
{
	struct hsx_fs_client *fc = hsx_fs_client_of(client);
	struct hsx_fs_handle *h;
	int ret;

	if (handle < 0 || handle >= HSX_FS_HANDLES_PER_FILE)
		return ERR_PTR(-EINVAL);
	ret = hsx_fs_may_use_handles(client, need);
	if (ret)
		return ERR_PTR(ret);
	mutex_lock(&fc->lock);
	h = fc->handles[handle];
	if (IS_ERR(h))
		h = NULL;
	if (h)
		kref_get(&h->ref);
	mutex_unlock(&fc->lock);
	return h ?: ERR_PTR(-EINVAL);
}

/*
 * Enter @h's root for @need, and see that the handle still has its file.
 * Its position is the caller's under h->pos_lock.
 */
static int hsx_fs_enter_handle(struct hsx_client *client, struct hsx_fs_handle *h, u32 need,
			       struct hsx_fs_ctx *c)
{
	int ret = hsx_fs_enter(client, h->root->index, need, c);

	/* Its root unbound (and maybe bound again to another directory): dead. */
	if (ret == -ENXIO)
		return -ENODEV;
	if (!ret && (c->root != h->root || !h->file)) {
		hsx_fs_leave(c);
		ret = -ENODEV;
	}
	return ret;
}

/* Close every handle of @client's file (its capability ended, or the file). */
static void hsx_fs_close_all(struct hsx_client *client)
{
	struct hsx_fs_client *fc = hsx_fs_client_of(client);
	struct hsx_fs_handle *h[HSX_FS_HANDLES_PER_FILE];
	unsigned int i;

	mutex_lock(&fc->lock);
	for (i = 0; i < HSX_FS_HANDLES_PER_FILE; i++) {
		h[i] = fc->handles[i];
		/* A reserved slot is an OPEN's in progress: it fills or frees it. */
		if (!IS_ERR(h[i]))
			fc->handles[i] = NULL;
	}
	mutex_unlock(&fc->lock);
	for (i = 0; i < HSX_FS_HANDLES_PER_FILE; i++)
		if (!IS_ERR_OR_NULL(h[i]))
			hsx_fs_handle_put(h[i]);
}

/* ---- OPEN, CLOSE -------------------------------------------------------------------- */

static int hsx_fs_check_open_flags(u32 flags)
{
	bool write = flags & HSX_FS_O_WRONLY;

	if (flags & ~HSX_FS_O_ALL || !(flags & HSX_FS_O_ACCMODE))
		return -EINVAL;
	if (!write && (flags & (HSX_FS_O_TRUNC | HSX_FS_O_APPEND | HSX_FS_O_CREAT)))
		return -EINVAL;
	if ((flags & HSX_FS_O_EXCL) && !(flags & HSX_FS_O_CREAT))
		return -EINVAL;
	return 0;
}

/*
 * List the handle of a file just opened on its root, truncating it first
 * when asked, in one section of the root's lock: a DELETE (or a RENAME or
 * REPLACE over it) either came before, unlinked it and uncounted it (then
 * the open fails as if it had found nothing, and nothing is counted twice),
 * or comes after and finds the handle, and leaves the uncounting to its
 * close. Context: in the root's sections.
 */
static int hsx_fs_list_handle(struct hsx_fs_root *root, struct hsx_fs_handle *h, bool trunc)
{
	struct inode *inode = file_inode(h->file);
	u64 old;
	int ret = 0;

	mutex_lock(&root->lock);
	if (!inode->i_nlink) {
		ret = -ENOENT;
	} else if (trunc) {
		old = i_size_read(inode);
		ret = vfs_truncate(&h->file->f_path, 0);
		if (!ret)
			hsx_fs_charge(root, old, 0);
	}
	if (!ret) {
		list_add(&h->root_node, &root->handles);
		root->nhandles++;
	}
	mutex_unlock(&root->lock);
	return ret;
}

/* Reserve a free slot of @client's table, before anything is created. */
static int hsx_fs_reserve(struct hsx_client *client)
{
	struct hsx_fs_client *fc = hsx_fs_client_of(client);
	int i;

	mutex_lock(&fc->lock);
	for (i = 0; i < HSX_FS_HANDLES_PER_FILE && fc->handles[i]; i++)
		;
	if (i < HSX_FS_HANDLES_PER_FILE)
		fc->handles[i] = HSX_FS_SLOT_RESERVED;
	mutex_unlock(&fc->lock);
	return i < HSX_FS_HANDLES_PER_FILE ? i : -EMFILE;
}

/* Fill the reserved @slot with @h, or free it (@h NULL). */
static void hsx_fs_fill(struct hsx_client *client, int slot, struct hsx_fs_handle *h)
{
	struct hsx_fs_client *fc = hsx_fs_client_of(client);

	mutex_lock(&fc->lock);
	fc->handles[slot] = h;
	mutex_unlock(&fc->lock);
}

static long hsx_fs_open(struct hsx_client *client, void *arg)
{
	struct hsx_fs_open *o = arg;
	u32 need = (o->flags & HSX_FS_O_RDONLY ? HSX_CAP_R_READ : 0) |
		   (o->flags & HSX_FS_O_WRONLY ? HSX_CAP_R_WRITE : 0);
	struct hsx_fs_handle *h;
	struct hsx_fs_name n;
	struct hsx_fs_ctx c;
	struct file *file;
	int ret, slot, tries;
	bool created;

	o->handle = -1;
	ret = hsx_fs_check_open_flags(o->flags);
	if (ret || o->reserved)
		return ret ?: -EINVAL;
	ret = hsx_fs_name_get(&o->path, false, &n);
	if (ret)
		return ret;
	slot = hsx_fs_reserve(client);
	ret = slot;
	if (slot < 0)
		goto out_name;
	h = kzalloc(sizeof(*h), GFP_KERNEL);
	ret = -ENOMEM;
	if (!h)
		goto out_slot;
	kref_init(&h->ref);
	mutex_init(&h->pos_lock);
	h->flags = o->flags;
	ret = hsx_fs_enter(client, o->root, need, &c);
	if (ret)
		goto out_free;
	for (tries = 0;; tries++) {
		file = hsx_fs_open_file(c.root, &n, o->flags, &created);
		ret = PTR_ERR_OR_ZERO(file);
		if (!ret) {
			h->file = file;
			h->root = c.root;
			ret = hsx_fs_list_handle(c.root, h,
						 (o->flags & HSX_FS_O_TRUNC) && !created);
		}
		/* Deleted before its handle was listed: CREAT makes it again, as open(2) would. */
		if (ret != -ENOENT || IS_ERR(file) || !(o->flags & HSX_FS_O_CREAT) ||
		    tries == HSX_FS_OPEN_TRIES)
			break;
		fput(file);
	}
	if (ret) {
		if (!IS_ERR(file))
			fput(file);
		hsx_fs_counted(c.root, ret);
		hsx_fs_leave(&c);
		goto out_free;
	}
	/* In the sections: a revocation's cap_ended sees the handle and closes it. */
	hsx_instance_get(c.root->inst);
	hsx_fs_fill(client, slot, h);
	hsx_fs_leave(&c);
	o->handle = slot;
	hsx_fs_name_put(&n);
	return 0;

out_free:
	kfree(h);
out_slot:
	hsx_fs_fill(client, slot, NULL);
out_name:
	hsx_fs_name_put(&n);
	return ret;
}

static long hsx_fs_close(struct hsx_client *client, void *arg)
{
	struct hsx_fs_client *fc = hsx_fs_client_of(client);
	struct hsx_fs_handle_op *op = arg;
	struct hsx_fs_handle *h = NULL;
	int ret;

	if (op->whence || op->offset || op->handle < 0 || op->handle >= HSX_FS_HANDLES_PER_FILE)
		return -EINVAL;
	ret = hsx_fs_may_use_handles(client, 0);
	if (ret)
		return ret;
	mutex_lock(&fc->lock);
	if (!IS_ERR(fc->handles[op->handle]))
		swap(h, fc->handles[op->handle]);
	mutex_unlock(&fc->lock);
	if (!h)
		return -EINVAL;
	hsx_fs_handle_put(h);
	return 0;
}

/* ---- READ, WRITE -------------------------------------------------------------------- */

/*
 * Write @n bytes at *@pos (the end for an APPEND handle), cut to what the
 * byte quota leaves. Context: in the root.
 */
static ssize_t hsx_fs_write_chunk(struct hsx_fs_root *root, struct file *file,
				  struct iov_iter *from, loff_t *pos)
{
	struct inode *inode = file_inode(file);
	size_t n = iov_iter_count(from);
	u64 size, start, room;
	ssize_t ret;

	mutex_lock(&root->lock);
	size = i_size_read(inode);
	start = file->f_flags & O_APPEND ? size : *pos;
	room = hsx_fs_room(root);
	if (start + n > size && start + n - size > room) {
		ret = -EDQUOT;
		if (start >= size + room)
			goto out;
		iov_iter_truncate(from, size + room - start);
	}
	ret = hsx_vfs_iter_write(file, from, pos);
	hsx_fs_charge(root, size, max_t(u64, size, i_size_read(inode)));
out:
	mutex_unlock(&root->lock);
	return ret;
}

/* Pages a chunk of user memory spans at most, wherever it starts. */
#define HSX_FS_CHUNK_PAGES	(DIV_ROUND_UP(HSX_FS_CHUNK, PAGE_SIZE) + 1)

/*
 * A chunk of the caller's buffer: its pages pinned, or (memory that cannot
 * be pinned: an I/O or PFN mapping, a frame buffer's) copied through
 * @bounce, as read(2) would reach it with copy_to_user().
 */
struct hsx_fs_chunk {
	struct page *pages[HSX_FS_CHUNK_PAGES];
	struct bio_vec bv[HSX_FS_CHUNK_PAGES];
	int npages;		/* pinned, or 0 when bounced */
	void *bounce;		/* HSX_FS_CHUNK bytes, set up the first time */
	struct kvec kv;
};

/*
 * Make @it describe the @n bytes at @uaddr for the file to read into
 * (@into_user) or write from, with no page fault left to happen inside the
 * sections (a stalled fault would hold up a revocation): the pages pinned,
 * the file reading or writing them straight (one copy, as read(2) and
 * write(2) make); else a bounce buffer, filled now for a write.
 * Return: 0, -EFAULT, -ENOMEM, -EINTR.
 */
static int hsx_fs_chunk_get(struct hsx_fs_chunk *c, unsigned long uaddr, u32 n, bool into_user,
			    struct iov_iter *it)
{
	u32 off = offset_in_page(uaddr), left = n;
	int i, pinned;

	c->npages = DIV_ROUND_UP(off + n, PAGE_SIZE);
	pinned = pin_user_pages_fast(uaddr & PAGE_MASK, c->npages, into_user ? FOLL_WRITE : 0,
				     c->pages);
	if (pinned == c->npages) {
		for (i = 0; i < c->npages; i++) {
			c->bv[i].bv_page = c->pages[i];
			c->bv[i].bv_offset = i ? 0 : off;
			c->bv[i].bv_len = min_t(u32, left, PAGE_SIZE - c->bv[i].bv_offset);
			left -= c->bv[i].bv_len;
		}
		iov_iter_bvec(it, into_user ? READ : WRITE, c->bv, c->npages, n);
		return 0;
	}
	if (pinned > 0)
		unpin_user_pages(c->pages, pinned);
	c->npages = 0;
	if (pinned < 0 && pinned != -EFAULT)
		return pinned;
	if (!c->bounce)
		c->bounce = kvmalloc(HSX_FS_CHUNK, GFP_KERNEL_ACCOUNT);
	if (!c->bounce)
		return -ENOMEM;
	if (!into_user && copy_from_user(c->bounce, (void __user *)uaddr, n))
		return -EFAULT;
	c->kv.iov_base = c->bounce;
	c->kv.iov_len = n;
	iov_iter_kvec(it, into_user ? READ : WRITE, &c->kv, 1, n);
	return 0;
}

/* After the sections: @got bytes were read into the chunk (READ), or written. */
static int hsx_fs_chunk_put(struct hsx_fs_chunk *c, unsigned long uaddr, ssize_t got,
			    bool into_user)
{
	if (c->npages) {
		unpin_user_pages_dirty_lock(c->pages, c->npages, into_user && got > 0);
		return 0;
	}
	if (into_user && got > 0 && copy_to_user((void __user *)uaddr, c->bounce, got))
		return -EFAULT;
	return 0;
}

static long hsx_fs_io(struct hsx_client *client, struct hsx_fs_io *x, bool write)
{
	u32 need = write ? HSX_CAP_R_WRITE : HSX_CAP_R_READ;
	struct hsx_fs_chunk *chunk;
	struct hsx_fs_handle *h;
	unsigned long uaddr;
	struct hsx_fs_ctx c;
	struct iov_iter it;
	u32 done = 0, n;
	ssize_t got = 0;
	loff_t pos;
	int ret;

	x->done = 0;
	if (x->flags & ~HSX_FS_IO_AT || x->len > HSX_FS_XFER_MAX ||
	    (!(x->flags & HSX_FS_IO_AT) && x->offset) ||
	    x->offset > (u64)(LLONG_MAX - HSX_FS_XFER_MAX))
		return -EINVAL;
	h = hsx_fs_handle_get(client, x->handle, need);
	if (IS_ERR(h))
		return PTR_ERR(h);
	ret = -EBADF;
	if (!(h->flags & (write ? HSX_FS_O_WRONLY : HSX_FS_O_RDONLY)))
		goto out_put;
	ret = -ENOMEM;
	chunk = kzalloc(sizeof(*chunk), GFP_KERNEL_ACCOUNT);
	if (!chunk)
		goto out_put;
	ret = 0;
	mutex_lock(&h->pos_lock);
	while (!ret && done < x->len) {
		n = min_t(u32, x->len - done, HSX_FS_CHUNK);
		uaddr = (unsigned long)(x->buf + done);
		ret = hsx_fs_chunk_get(chunk, uaddr, n, !write, &it);
		if (ret)
			break;
		ret = hsx_fs_enter_handle(client, h, need, &c);
		if (ret) {
			hsx_fs_chunk_put(chunk, uaddr, 0, !write);
			break;
		}
		pos = x->flags & HSX_FS_IO_AT ? x->offset + done : h->file->f_pos;
		if (write)
			got = hsx_fs_write_chunk(c.root, h->file, &it, &pos);
		else
			got = vfs_iter_read(h->file, &it, &pos, 0);
		if (got > 0 && !(x->flags & HSX_FS_IO_AT))
			h->file->f_pos = pos;
		if (got > 0)
			atomic64_add(got, write ? &c.root->bytes_written : &c.root->bytes_read);
		if (got < 0)
			hsx_fs_counted(c.root, got);
		hsx_fs_leave(&c);
		ret = hsx_fs_chunk_put(chunk, uaddr, got, !write);
		if (got <= 0) {
			ret = ret ?: got;
			break;
		}
		if (ret)
			break;
		done += got;
		if (got < n)
			break;
	}
	mutex_unlock(&h->pos_lock);
	kvfree(chunk->bounce);
	kfree(chunk);
	if (done) {
		/* Part of it went: the call reports how much, as read(2) and write(2) do. */
		x->done = done;
		ret = 0;
	}
out_put:
	hsx_fs_handle_put(h);
	return ret;
}

static long hsx_fs_read(struct hsx_client *client, void *arg)
{
	return hsx_fs_io(client, arg, false);
}

static long hsx_fs_write(struct hsx_client *client, void *arg)
{
	return hsx_fs_io(client, arg, true);
}

/* ---- SEEK, FSYNC, TRUNCATE: one call on a handle -------------------------------------- */

static int hsx_fs_seek_op(struct hsx_fs_root *root, struct hsx_fs_handle *h,
			  struct hsx_fs_handle_op *op)
{
	loff_t pos;

	if (op->whence > SEEK_END)
		return -EINVAL;
	pos = vfs_llseek(h->file, op->offset, op->whence);
	if (pos < 0)
		return pos;
	op->offset = pos;
	return 0;
}

static int hsx_fs_fsync_op(struct hsx_fs_root *root, struct hsx_fs_handle *h,
			   struct hsx_fs_handle_op *op)
{
	if (op->whence || op->offset)
		return -EINVAL;
	return vfs_fsync(h->file, 0);
}

static int hsx_fs_truncate_op(struct hsx_fs_root *root, struct hsx_fs_handle *h,
			      struct hsx_fs_handle_op *op)
{
	struct inode *inode = file_inode(h->file);
	u64 old;
	int ret;

	if (op->whence || op->offset < 0)
		return -EINVAL;
	if (!(h->flags & HSX_FS_O_WRONLY))
		return -EBADF;
	mutex_lock(&root->lock);
	old = i_size_read(inode);
	ret = (u64)op->offset > old && (u64)op->offset - old > hsx_fs_room(root) ? -EDQUOT : 0;
	if (!ret)
		ret = vfs_truncate(&h->file->f_path, op->offset);
	if (!ret)
		hsx_fs_charge(root, old, op->offset);
	mutex_unlock(&root->lock);
	return ret;
}

static long hsx_fs_handle_call(struct hsx_client *client, struct hsx_fs_handle_op *op, u32 need,
			       int (*fn)(struct hsx_fs_root *root, struct hsx_fs_handle *h,
					 struct hsx_fs_handle_op *op))
{
	struct hsx_fs_handle *h = hsx_fs_handle_get(client, op->handle, need);
	struct hsx_fs_ctx c;
	int ret;

	if (IS_ERR(h))
		return PTR_ERR(h);
	mutex_lock(&h->pos_lock);
	ret = hsx_fs_enter_handle(client, h, need, &c);
	if (!ret) {
		ret = hsx_fs_counted(c.root, fn(c.root, h, op));
		hsx_fs_leave(&c);
	}
	mutex_unlock(&h->pos_lock);
	hsx_fs_handle_put(h);
	return ret;
}

static long hsx_fs_seek(struct hsx_client *client, void *arg)
{
	return hsx_fs_handle_call(client, arg, HSX_CAP_R_READ, hsx_fs_seek_op);
}

static long hsx_fs_fsync(struct hsx_client *client, void *arg)
{
	return hsx_fs_handle_call(client, arg, HSX_CAP_R_WRITE, hsx_fs_fsync_op);
}

static long hsx_fs_truncate(struct hsx_client *client, void *arg)
{
	return hsx_fs_handle_call(client, arg, HSX_CAP_R_WRITE, hsx_fs_truncate_op);
}

/* ---- STAT, INFO ------------------------------------------------------------------------ */

static int hsx_fs_stat_path(const struct path *path, struct hsx_fs_stat *st)
{
	struct kstat k;
	int ret;

	ret = hsx_fs_served(path->dentry);
	if (ret < 0)
		return ret;
	st->type = ret;
	ret = vfs_getattr(path, &k, STATX_BASIC_STATS, AT_STATX_SYNC_AS_STAT);
	if (ret)
		return ret;
	st->size = k.size;
	st->mtime_ns = timespec64_to_ns(&k.mtime);
	return 0;
}

static long hsx_fs_stat(struct hsx_client *client, void *arg)
{
	struct hsx_fs_stat *st = arg;
	struct hsx_fs_handle *h;
	struct hsx_fs_name n;
	struct hsx_fs_ctx c;
	struct path path;
	int ret;

	if (st->reserved || st->handle < -1)
		return -EINVAL;
	st->size = 0;
	st->mtime_ns = 0;
	st->type = 0;
	if (st->handle >= 0) {
		if (st->path.ptr || st->path.len || st->path.reserved)
			return -EINVAL;
		h = hsx_fs_handle_get(client, st->handle, HSX_CAP_R_READ);
		if (IS_ERR(h))
			return PTR_ERR(h);
		ret = -EINVAL;
		if (h->root->index == st->root) {
			ret = hsx_fs_enter_handle(client, h, HSX_CAP_R_READ, &c);
			if (!ret) {
				ret = hsx_fs_stat_path(&h->file->f_path, st);
				hsx_fs_leave(&c);
			}
		}
		hsx_fs_handle_put(h);
		return ret;
	}
	ret = hsx_fs_name_get(&st->path, true, &n);
	if (ret)
		return ret;
	ret = hsx_fs_enter(client, st->root, HSX_CAP_R_READ, &c);
	if (!ret) {
		ret = hsx_fs_lookup(c.root, &n, &path);
		if (!ret) {
			ret = hsx_fs_stat_path(&path, st);
			path_put(&path);
		}
		hsx_fs_counted(c.root, ret);
		hsx_fs_leave(&c);
	}
	hsx_fs_name_put(&n);
	return ret;
}

static long hsx_fs_info(struct hsx_client *client, void *arg)
{
	struct hsx_fs_info *info = arg;
	u32 index = info->root;
	struct hsx_fs_ctx c;
	int ret;

	memset(info, 0, sizeof(*info));
	info->root = index;
	ret = hsx_fs_enter(client, index, HSX_CAP_R_READ, &c);
	if (ret == -ENXIO)
		return 0;	/* not bound: bound = 0 */
	if (ret)
		return ret;
	info->bound = 1;
	info->flags = c.root->flags;
	info->owner_uid = from_kuid(&init_user_ns, c.root->cred->fsuid);
	info->owner_gid = from_kgid(&init_user_ns, c.root->cred->fsgid);
	mutex_lock(&c.root->lock);
	info->handles = c.root->nhandles;
	info->quota_bytes = c.root->quota_bytes;
	info->used_bytes = c.root->used_bytes;
	info->quota_files = c.root->quota_files;
	info->used_files = c.root->used_files;
	mutex_unlock(&c.root->lock);
	hsx_fs_leave(&c);
	return 0;
}

/* ---- LISTDIR, DELETE, RENAME, MKDIR, REPLACE ------------------------------------------- */

static long hsx_fs_listdir_op(struct hsx_client *client, void *arg)
{
	struct hsx_fs_listdir *l = arg;
	struct hsx_fs_name n;
	struct hsx_fs_ctx c;
	char *kbuf;
	int ret;

	l->len = 0;
	l->needed = 0;
	l->count = 0;
	if (l->reserved || !l->max || l->max > HSX_FS_LIST_MAX)
		return -EINVAL;
	ret = hsx_fs_may(client, l->root, HSX_CAP_R_READ);
	if (ret)
		return ret;
	ret = hsx_fs_name_get(&l->path, true, &n);
	if (ret)
		return ret;
	kbuf = kvmalloc(l->max, GFP_KERNEL_ACCOUNT);
	ret = -ENOMEM;
	if (!kbuf)
		goto out_name;
	ret = hsx_fs_enter(client, l->root, HSX_CAP_R_READ, &c);
	if (!ret) {
		ret = hsx_fs_counted(c.root, hsx_fs_listdir(c.root, &n, kbuf, l->max, &l->len,
							    &l->needed, &l->count));
		hsx_fs_leave(&c);
	}
	if (!ret && l->len && copy_to_user(u64_to_user_ptr(l->buf), kbuf, l->len))
		ret = -EFAULT;
	kvfree(kbuf);
out_name:
	hsx_fs_name_put(&n);
	return ret;
}

static long hsx_fs_pathop(struct hsx_client *client, void *arg, unsigned int fn)
{
	struct hsx_fs_pathop *p = arg;
	struct hsx_fs_name n, n2 = {};
	struct hsx_fs_ctx c;
	int ret;

	if (fn == HSX_FS_FN_RENAME ? p->flags & ~HSX_FS_RENAME_NOREPLACE :
	    p->flags || p->path2.ptr || p->path2.len || p->path2.reserved)
		return -EINVAL;
	ret = hsx_fs_name_get(&p->path, false, &n);
	if (ret)
		return ret;
	if (fn == HSX_FS_FN_RENAME) {
		ret = hsx_fs_name_get(&p->path2, false, &n2);
		if (ret)
			goto out;
	}
	ret = hsx_fs_enter(client, p->root, HSX_CAP_R_WRITE, &c);
	if (ret)
		goto out;
	if (fn == HSX_FS_FN_DELETE)
		ret = hsx_fs_delete(c.root, &n);
	else if (fn == HSX_FS_FN_MKDIR)
		ret = hsx_fs_mkdir(c.root, &n);
	else
		ret = hsx_fs_rename(c.root, &n, &n2, p->flags);
	hsx_fs_counted(c.root, ret);
	hsx_fs_leave(&c);
out:
	hsx_fs_name_put(&n2);
	hsx_fs_name_put(&n);
	return ret;
}

static long hsx_fs_delete_op(struct hsx_client *client, void *arg)
{
	return hsx_fs_pathop(client, arg, HSX_FS_FN_DELETE);
}

static long hsx_fs_rename_op(struct hsx_client *client, void *arg)
{
	return hsx_fs_pathop(client, arg, HSX_FS_FN_RENAME);
}

static long hsx_fs_mkdir_op(struct hsx_client *client, void *arg)
{
	return hsx_fs_pathop(client, arg, HSX_FS_FN_MKDIR);
}

static long hsx_fs_replace_op(struct hsx_client *client, void *arg)
{
	struct hsx_fs_replace *r = arg;
	struct hsx_fs_name n;
	struct hsx_fs_ctx c;
	void *kbuf;
	int ret;

	if (r->reserved || r->reserved2 || r->len > HSX_FS_XFER_MAX)
		return -EINVAL;
	ret = hsx_fs_may(client, r->root, HSX_CAP_R_WRITE);
	if (ret)
		return ret;
	ret = hsx_fs_name_get(&r->path, false, &n);
	if (ret)
		return ret;
	kbuf = kvmalloc(max_t(u32, r->len, 1), GFP_KERNEL_ACCOUNT);
	ret = -ENOMEM;
	if (!kbuf)
		goto out_name;
	ret = copy_from_user(kbuf, u64_to_user_ptr(r->buf), r->len) ? -EFAULT : 0;
	if (!ret)
		ret = hsx_fs_enter(client, r->root, HSX_CAP_R_WRITE, &c);
	if (!ret) {
		ret = hsx_fs_counted(c.root, hsx_fs_replace(c.root, &n, kbuf, r->len));
		if (!ret)
			atomic64_add(r->len, &c.root->bytes_written);
		hsx_fs_leave(&c);
	}
	kvfree(kbuf);
out_name:
	hsx_fs_name_put(&n);
	return ret;
}

/* ---- MAP ---------------------------------------------------------------------------- */

static long hsx_fs_map_op(struct hsx_client *client, void *arg)
{
	if (!client->admin)
		return -EPERM;
	return hsx_fs_map(arg);
}

/* ---- the module's hooks --------------------------------------------------------------- */

static int hsx_fs_client_open(struct hsx_client *client)
{
	struct hsx_fs_client *fc = kzalloc(sizeof(*fc), GFP_KERNEL);

	if (!fc)
		return -ENOMEM;
	mutex_init(&fc->lock);
	client->priv[hsx_module_slot(HSX_MODULE_FS)] = fc;
	return 0;
}

static void hsx_fs_client_release(struct hsx_client *client)
{
	struct hsx_fs_client *fc = hsx_fs_client_of(client);

	if (!fc)
		return;
	hsx_fs_close_all(client);
	kfree(fc);
	client->priv[hsx_module_slot(HSX_MODULE_FS)] = NULL;
}

/* Its capability ended: its handles end with it, at once. */
static void hsx_fs_cap_ended(struct hsx_client *client)
{
	if (hsx_fs_client_of(client))
		hsx_fs_close_all(client);
}

static void hsx_fs_exit(const struct hsx_module *mod)
{
	hsx_fs_roots_exit();
}

/* ---- capabilities: roots ------------------------------------------------------------- */

static int hsx_fs_cap_validate(const union hsx_cap_selector *sel)
{
	if (!sel->fs.roots || sel->fs.reserved || sel->raw[1] || sel->raw[2] || sel->raw[3])
		return -EINVAL;
	return 0;
}

static bool hsx_fs_cap_subset(const union hsx_cap_selector *inner,
			      const union hsx_cap_selector *outer)
{
	return !(inner->fs.roots & ~outer->fs.roots);
}

/* @object: a root number. */
bool hsx_fs_sel_covers(const union hsx_cap_selector *sel, u64 object)
{
	return object < HSX_FS_MAX_ROOTS && (sel->fs.roots & BIT(object));
}

static const struct hsx_cap_ops hsx_fs_cap_ops = {
	.rights = HSX_CAP_R_FS_ALL,
	.validate = hsx_fs_cap_validate,
	.subset = hsx_fs_cap_subset,
	.covers = hsx_fs_sel_covers,
};

/* Every function checks its capability itself (see the top of the file). */
static const struct hsx_ioctl_op hsx_fs_ops[] = {
	[HSX_FS_FN_OPEN] = { HSX_IOC_FS_OPEN, hsx_fs_open },
	[HSX_FS_FN_READ] = { HSX_IOC_FS_READ, hsx_fs_read },
	[HSX_FS_FN_WRITE] = { HSX_IOC_FS_WRITE, hsx_fs_write },
	[HSX_FS_FN_CLOSE] = { HSX_IOC_FS_CLOSE, hsx_fs_close },
	[HSX_FS_FN_SEEK] = { HSX_IOC_FS_SEEK, hsx_fs_seek },
	[HSX_FS_FN_STAT] = { HSX_IOC_FS_STAT, hsx_fs_stat },
	[HSX_FS_FN_FSYNC] = { HSX_IOC_FS_FSYNC, hsx_fs_fsync },
	[HSX_FS_FN_REPLACE] = { HSX_IOC_FS_REPLACE, hsx_fs_replace_op },
	[HSX_FS_FN_INFO] = { HSX_IOC_FS_INFO, hsx_fs_info },
	/* Admin only: the handler checks the node. */
	[HSX_FS_FN_MAP] = { HSX_IOC_FS_MAP, hsx_fs_map_op },
	[HSX_FS_FN_LISTDIR] = { HSX_IOC_FS_LISTDIR, hsx_fs_listdir_op },
	[HSX_FS_FN_DELETE] = { HSX_IOC_FS_DELETE, hsx_fs_delete_op },
	[HSX_FS_FN_RENAME] = { HSX_IOC_FS_RENAME, hsx_fs_rename_op },
	[HSX_FS_FN_MKDIR] = { HSX_IOC_FS_MKDIR, hsx_fs_mkdir_op },
	[HSX_FS_FN_TRUNCATE] = { HSX_IOC_FS_TRUNCATE, hsx_fs_truncate },
};

const struct hsx_module hsx_fs_module = {
	.id = HSX_MODULE_FS,
	.name = "fs",
	.ops = hsx_fs_ops,
	.n_ops = ARRAY_SIZE(hsx_fs_ops),
	.node_mode = 0666,
	.cap = &hsx_fs_cap_ops,
	.exit = hsx_fs_exit,
	.open = hsx_fs_client_open,
	.release = hsx_fs_client_release,
	.cap_ended = hsx_fs_cap_ended,
	.instance_gone = hsx_fs_instance_gone,
	.instance_release = hsx_fs_instance_release,
	.enters_instances = true,
};
