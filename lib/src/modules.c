// SPDX-License-Identifier: MIT
/*
 * The table of HAL modules in user space: one line per module, as
 * kmod/modules.c is in the kernel. Nothing else in lib/src/core names one.
 */
#include "modules.h"

/* In ID order (a netlink event's nest is looked for in this order); the core last. */
const struct hsx_umodule *const hsx_umodules[] = {
    [HSX_UMOD_UART] = &hsx_umod_uart,   [HSX_UMOD_CAN] = &hsx_umod_can,
    [HSX_UMOD_TIMER] = &hsx_umod_timer, [HSX_UMOD_FRAM] = &hsx_umod_fram,
    [HSX_UMOD_FS] = &hsx_umod_fs,       [HSX_UMOD_GPIO] = &hsx_umod_gpio,
    [HSX_UMOD_CORE] = &hsx_umod_core,
#ifdef HSX_TEST_MODULES
    [HSX_UMOD_COUNT] = &hsx_umod_dummy, /* no events: where it is does not matter */
#endif
};

const size_t hsx_umodule_count = sizeof(hsx_umodules) / sizeof(hsx_umodules[0]);

/* The modules the uAPI numbers that have no descriptor yet (policies call them "not yet"). */
const char *const hsx_umod_future[] = {NULL};
