// SPDX-License-Identifier: MIT
/*
 * The FS module (0x14) to user space: /dev/hsx/fs (every root) and
 * /dev/hsx/fs<n> (root n), no mailboxes (every function is synchronous),
 * and capabilities on sets of roots (core/module_sel_fs.c).
 */
#include "modules.h"

/*
 * A policy's fs = { roots = ...; rights = [...]; } names roots the
 * administrator bound; hsxd's own keys (root, quota_bytes, quota_files,
 * owner: daemon/policy_fs.c) have it bind one from a template instead.
 */
static const struct hsx_umod_sel_key keys[] = {
    {.name = "roots", .example = "0-3", .required = false, .list = true},
    {NULL, NULL, false, false, false},
};

const struct hsx_umodule hsx_umod_fs = {
    .id = HSX_MODULE_FS,
    .name = "fs",
    .flags = HSX_UMOD_NODE | HSX_UMOD_INSTANCES | HSX_UMOD_CAPS,
    .rights = HSX_CAP_R_FS_ALL,
    .sel =
        {
            .kind = HSX_UMOD_SEL_FS,
            .ops = &hsx_umod_sel_fs_ops,
            .word = "roots",
            .noun = "root",
            .limit = HSX_FS_MAX_ROOTS,
            .keys = keys,
        },
};
