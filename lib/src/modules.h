/* SPDX-License-Identifier: MIT */
/*
 * The table of HAL modules in user space (modules.c): each module's index,
 * which per-module state (open nodes, capability slots) is indexed by.
 * Adding a module is one line here and one in modules.c.
 */
#ifndef HSX_MODULES_H
#define HSX_MODULES_H

#include "core/module.h"

enum hsx_umod_index {
    HSX_UMOD_UART,  /* lib/src/uart/uart_module.c */
    HSX_UMOD_CAN,   /* lib/src/can/can_module.c */
    HSX_UMOD_TIMER, /* lib/src/timer/timer_module.c */
    HSX_UMOD_FRAM,  /* lib/src/fram/fram_module.c */
    HSX_UMOD_FS,    /* lib/src/fs/fs_module.c */
    HSX_UMOD_GPIO,  /* lib/src/gpio/gpio_module.c */
    HSX_UMOD_CORE,  /* lib/src/core/cap_module.c: capability events, no node */
    HSX_UMOD_COUNT,
};

extern const struct hsx_umodule hsx_umod_uart, hsx_umod_can, hsx_umod_timer, hsx_umod_fram,
    hsx_umod_fs, hsx_umod_gpio, hsx_umod_core;

#ifdef HSX_TEST_MODULES
/*
 * Test builds only (hsxd's and hsxctl's unit tests, see TEST_MODULE_OBJS in
 * the Makefile): the kernel's test module, lib/tests/dummy_module.c, after
 * the core at HSX_UMOD_COUNT. It has no index of its own: nothing in the
 * library is indexed for it, and the library's own objects are built without
 * it.
 */
extern const struct hsx_umodule hsx_umod_dummy;
#endif

#endif /* HSX_MODULES_H */
