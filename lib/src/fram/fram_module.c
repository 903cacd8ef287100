// SPDX-License-Identifier: MIT
/*
 * The FRAM module (0x13) to user space: /dev/hsx/fram and /dev/hsx/fram<n>,
 * no mailboxes (every function is synchronous), and capabilities on sets of
 * devices with up to three address ranges (core/module_sel_fram.c).
 */
#include "modules.h"

/* A policy's fram = { device = ...; ranges = "..."; rights = [...]; }. */
static const struct hsx_umod_sel_key keys[] = {
    {.name = "device", .example = "0", .required = true, .list = true},
    {.name = "ranges",
     .example = "0x0000-0x0fff,0x2000-0x20ff",
     .required = true,
     .list = true,
     .text_only = true},
    {NULL, NULL, false, false, false},
};

const struct hsx_umodule hsx_umod_fram = {
    .id = HSX_MODULE_FRAM,
    .name = "fram",
    .flags = HSX_UMOD_NODE | HSX_UMOD_INSTANCES | HSX_UMOD_CAPS,
    .rights = HSX_CAP_R_FRAM_ALL,
    .sel =
        {
            .kind = HSX_UMOD_SEL_FRAM,
            .ops = &hsx_umod_sel_fram_ops,
            .word = "devices",
            .noun = "device",
            .limit = HSX_FRAM_MAX_DEVICES,
            .keys = keys,
        },
};
