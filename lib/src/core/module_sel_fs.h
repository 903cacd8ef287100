/* SPDX-License-Identifier: MIT */
/*
 * FS selectors (HSX_UMOD_SEL_FS): the uAPI's fs member of union
 * hsx_cap_selector, a set of roots (bit n of fs.roots is root n, the
 * reserved word zero). What hsxd's decisions and the tests need of them
 * besides the ops (module_sel_fs.c).
 */
#ifndef HSX_MODULE_SEL_FS_H
#define HSX_MODULE_SEL_FS_H

#include <stdint.h>

#include "hsx_uapi.h"

/* The selector of root alone. */
static inline union hsx_cap_selector hsx_umod_fs_sel(unsigned int root)
{
    union hsx_cap_selector sel = {.raw = {0}};

    sel.fs.roots = root < HSX_FS_MAX_ROOTS ? UINT32_C(1) << root : 0;
    return sel;
}

#endif /* HSX_MODULE_SEL_FS_H */
