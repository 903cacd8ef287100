/* SPDX-License-Identifier: MIT */
/*
 * FRAM selectors (HSX_UMOD_SEL_FRAM): the uAPI's fram member of union
 * hsx_cap_selector, a set of devices and 1..HSX_FRAM_SEL_RANGES address
 * ranges in the kernel's one form: sorted, apart, not touching. What hsxd's
 * decisions and the tests need of them besides the ops
 * (module_sel_fram.c has the text form and the rules).
 */
#ifndef HSX_MODULE_SEL_FRAM_H
#define HSX_MODULE_SEL_FRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsx_uapi.h"

/*
 * The objects covers() takes, as hsx.ko's capability check names them
 * (kmod/fram/fram.h): an access's first..last on a device, or the device
 * alone (its size and binding).
 */
#define HSX_UMOD_FRAM_OBJ(dev, first, last)                                                        \
    (((uint64_t)(dev) << 48) | ((uint64_t)(first) << 24) | (uint64_t)(last))
#define HSX_UMOD_FRAM_OBJ_DEV(dev) ((UINT64_C(1) << 63) | ((uint64_t)(dev) << 48))

/* Ranges being put together: more than a selector holds, until stored. */
#define HSX_UMOD_FRAM_WORK_MAX 8
struct hsx_umod_fram_ranges {
    unsigned int n;
    bool overflow; /* a range could not be added: more than WORK_MAX apart */
    struct {
        uint32_t first, last;
    } r[HSX_UMOD_FRAM_WORK_MAX];
};

/* Add first..last, merging it with those it overlaps or touches; kept sorted. */
void hsx_umod_fram_add(struct hsx_umod_fram_ranges *set, uint32_t first, uint32_t last);

/* sel's ranges (nranges clamped to what it holds). */
void hsx_umod_fram_load(const union hsx_cap_selector *sel, struct hsx_umod_fram_ranges *set);

/*
 * Store set as sel's ranges: 0, or -E2BIG when it has more than
 * HSX_FRAM_SEL_RANGES (sel unchanged).
 */
int hsx_umod_fram_store(union hsx_cap_selector *sel, const struct hsx_umod_fram_ranges *set);

/* Bytes sel's ranges cover. */
uint64_t hsx_umod_fram_bytes(const union hsx_cap_selector *sel);

/* Whether every address of narrow's ranges is in wide's. */
bool hsx_umod_fram_ranges_within(const union hsx_cap_selector *narrow,
                                 const union hsx_cap_selector *wide);

/* "0x0000-0x0fff,0x2000-0x20ff". Returns buf. */
char *hsx_umod_fram_format_ranges(char *buf, size_t size, const union hsx_cap_selector *sel);

#endif /* HSX_MODULE_SEL_FRAM_H */
