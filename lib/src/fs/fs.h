/* SPDX-License-Identifier: MIT */
/*
 * FS, inside the library: what the tests (and hsxctl) share with fs.c.
 * FS keeps no state behind a lock (fs.c), so it has no fork hooks.
 */
#ifndef HSX_FS_INTERNAL_H
#define HSX_FS_INTERNAL_H

#include "hsx_uapi.h"

/*
 * The root a file's capability gives the spec's calls (HSX_IOC_CAP_INFO's
 * answer q): the lowest of a capability in force, else 0 (a file that needs
 * none, or holds none yet: the call is denied, and access.c acquires one).
 */
int hsx_fs_root_of(const struct hsx_cap_query *q);

/*
 * The code of a failed FS call, for the errnos FS gives a meaning of its
 * own (hsx_fs.h: EEXIST and the path's kind INVALID_PARAM, EROFS
 * READ_ONLY); code otherwise. Keeps err for hsx_hal_errno().
 */
int hsx_fs_code(int code, int err);

#endif /* HSX_FS_INTERNAL_H */
