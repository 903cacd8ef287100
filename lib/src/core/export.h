/* SPDX-License-Identifier: MIT */
/*
 * Symbol visibility. The library is compiled with -fvisibility=hidden, so a
 * function reaches the dynamic symbol table only if its definition is marked
 * HSX_API; libhsx_hal.map then puts it in the HSX_HAL_0.1 version node.
 * Internal functions share the hsx_ prefix (so the static library does not
 * pollute an application's namespace) but stay hidden.
 */
#ifndef HSX_EXPORT_H
#define HSX_EXPORT_H

#define HSX_API __attribute__((visibility("default")))

#endif /* HSX_EXPORT_H */
