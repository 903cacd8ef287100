// SPDX-License-Identifier: MIT
/*
 * The user-space descriptor of the kernel's test module (kmod/tests/dummy.c):
 * a node, instances, one ioctl that needs READ, no events, capabilities over
 * a set of instance indices 0..63 (bit n of raw[0] is instance n, as the
 * kernel's covers() reads it). Built only into test builds, into the table
 * of lib/src/modules.c compiled with HSX_TEST_MODULES (TEST_MODULE_OBJS in
 * the Makefile): hsxd's and hsxctl's unit tests use it to show that a module
 * needs no edit in daemon/ or tools/.
 */
#include "modules.h"

const struct hsx_umodule hsx_umod_dummy = {
    .id = HSX_MODULE_TEST,
    .name = "dummy",
    .flags = HSX_UMOD_NODE | HSX_UMOD_INSTANCES | HSX_UMOD_CAPS,
    .rights = HSX_CAP_R_READ | HSX_CAP_R_GRANT,
    .own = NULL,
    .sel =
        {
            .kind = HSX_UMOD_SEL_SET,
            .ops = &hsx_umod_sel_set_ops,
            .word = "instances",
            .noun = "instance",
            .limit = 64,
        },
};
