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
    HSX_UMOD_TIMER, /* lib/src/timer/timer_module.c */
    HSX_UMOD_GPIO,  /* lib/src/gpio/gpio_module.c */
    HSX_UMOD_CORE,  /* lib/src/core/cap_module.c: capability events, no node */
    HSX_UMOD_COUNT,
};

extern const struct hsx_umodule hsx_umod_timer, hsx_umod_gpio, hsx_umod_core;

#endif /* HSX_MODULES_H */
