/* SPDX-License-Identifier: MIT */
/*
 * FS roots that hsxd binds (fs_root.c): a rule's fs = { root = "..."; }
 * template expanded for a client, the directory made safely, the tree's
 * usage measured, and the directory bound to a root of hsx.ko (admin.h).
 */
#ifndef HSXD_FS_ROOT_H
#define HSXD_FS_ROOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "policy.h"

/* The longest directory a template may give, with its NUL. */
#define FS_ROOT_PATH_MAX 4096
/* Directories below the root the usage walk descends, at most. */
#define FS_ROOT_DEPTH_MAX 128

/*
 * A template as the policy gives it: absolute, '%u' (the client's uid),
 * '%n' (the rule's name) and '%%' its only escapes, no "." or ".."
 * component, no empty one, no trailing '/'. 0 (*uses_name: has %n), or
 * -EINVAL with why filled.
 */
int fs_root_template_check(const char *tmpl, bool *uses_name, char *why, size_t why_size);

/* Whether a rule's name may stand for %n: 1..64 of [A-Za-z0-9._-], not "." or "..". */
bool fs_root_name_ok(const char *name);

/*
 * tmpl for uid and name into out (size bytes); the result checked as a
 * template is (a name or uid cannot add a component). 0, or -EINVAL /
 * -ENAMETOOLONG with why filled.
 */
int fs_root_expand(const char *tmpl, uint32_t uid, const char *name, char *out, size_t size,
                   char *why, size_t why_size);

/*
 * The directory path (absolute, as fs_root_expand() gives it), walked from
 * "/" one component at a time with openat(O_NOFOLLOW | O_DIRECTORY): a
 * symlink or a non-directory on the way is refused. Missing components are
 * made 0700: the parents hsxd's (root:root), the last one owner_uid's and
 * owner_gid's. An existing last one must belong to owner_uid. Returns the
 * directory's descriptor (O_RDONLY), or -errno with why filled.
 */
int fs_root_open(const char *path, uint32_t owner_uid, uint32_t owner_gid, char *why,
                 size_t why_size);

/*
 * The usage of the tree at dirfd, as hsx.ko counts it: bytes, the sum of
 * its regular files' sizes; files, its regular files and directories below
 * it. Symlinks, special files and other mounts are not followed nor
 * counted (hsx.ko serves none of them). 0, or -errno with why filled.
 */
int fs_root_usage(int dirfd, uint64_t *bytes, uint64_t *files, char *why, size_t why_size);

/*
 * For a client of uid: fs's template expanded with name, the directory made
 * (fs_root_open()), measured, and bound through ctl with HSX_FS_MAP_ANY and
 * fs's quotas, or found bound already (HSX_FS_MAP_EXISTING: as it was
 * bound, its quotas unchanged). *root the root, dir the directory
 * (dir_size bytes). 0, or -errno with why filled.
 */
int fs_root_bind(int ctl, const struct policy_fs *fs, const char *name, uint32_t uid,
                 uint32_t *root, char *dir, size_t dir_size, char *why, size_t why_size);

#endif /* HSXD_FS_ROOT_H */
