/* SPDX-License-Identifier: MIT */
/*
 * FRAM, inside the library: what hsxctl and the tests share with fram.c.
 * FRAM keeps no state behind a lock (fram.c), so it has no fork hooks.
 */
#ifndef HSX_FRAM_INTERNAL_H
#define HSX_FRAM_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

/* Whether hsx_fram_record_setup() takes that layout (the kernel's rules, the part aside). */
bool hsx_fram_layout_valid(uint8_t dev, uint32_t base, uint32_t slot_size, uint32_t slots);

#endif /* HSX_FRAM_INTERNAL_H */
