/* SPDX-License-Identifier: MIT */
/*
 * CAN selectors (HSX_UMOD_SEL_CAN): the uAPI's can member of union
 * hsx_cap_selector, a set of buses and at most one ID range each way. What
 * hsxd's decisions and the library's checks need of them besides the ops
 * (module_sel_can.c has the text form and the rules).
 *
 * IDs are in the HSX_CAN_SEL_EXT encoding: a standard ID as it is
 * (0..0x7ff), an extended one with HSX_CAN_SEL_EXT set, so one range
 * may run from standard IDs into extended ones. A range is present or not;
 * an absent one covers no frame.
 */
#ifndef HSX_MODULE_SEL_CAN_H
#define HSX_MODULE_SEL_CAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsx_uapi.h"

/* Every ID there is, first to last. */
#define HSX_UMOD_CAN_ID_FIRST 0u
#define HSX_UMOD_CAN_ID_LAST (HSX_CAN_SEL_EXT | HSX_CAN_EFF_MASK)

/*
 * The objects covers() takes, as hsx.ko's capability check names them: a
 * bus, or a frame's direction and its ID (hsx_umod_can_id()) on a bus.
 */
#define HSX_UMOD_CAN_OBJ_BUS(bus) ((uint64_t)(bus) << 32)
#define HSX_UMOD_CAN_OBJ_TX(bus, id) (HSX_UMOD_CAN_OBJ_BUS(bus) | (UINT64_C(1) << 40) | (id))
#define HSX_UMOD_CAN_OBJ_RX(bus, id) (HSX_UMOD_CAN_OBJ_BUS(bus) | (UINT64_C(1) << 41) | (id))

struct hsx_umod_can_range {
    bool present;
    uint32_t first, last; /* HSX_CAN_SEL_EXT encoding; 0-0 when absent */
};

/* A frame's ID as a range holds it: can_id, with HSX_CAN_SEL_EXT for an extended one. */
static inline uint32_t hsx_umod_can_id(uint32_t can_id, bool extended)
{
    return extended ? HSX_CAN_SEL_EXT | (can_id & HSX_CAN_EFF_MASK) : can_id & HSX_CAN_SFF_MASK;
}

/* Is id an ID in that encoding (a standard one, or an extended one with the bit)? */
bool hsx_umod_can_id_valid(uint32_t id);

/* sel's transmit (tx) or receive range, and setting one (absent: 0-0, its flag cleared). */
struct hsx_umod_can_range hsx_umod_can_range_of(const union hsx_cap_selector *sel, bool tx);
void hsx_umod_can_set_range(union hsx_cap_selector *sel, bool tx, struct hsx_umod_can_range r);

/* Whether every ID of narrow is in wide (an absent narrow is in any range). */
bool hsx_umod_can_range_within(struct hsx_umod_can_range narrow, struct hsx_umod_can_range wide);

/* The IDs in both (absent if none). */
struct hsx_umod_can_range hsx_umod_can_range_meet(struct hsx_umod_can_range a,
                                                  struct hsx_umod_can_range b);

/* How many IDs it covers: 0 for an absent range. */
uint64_t hsx_umod_can_range_ids(struct hsx_umod_can_range r);

/* "0x100-0x1ff", "ext:0x18ff0000-0x18ffffff", "std", "all"; "none" when absent. Returns buf. */
char *hsx_umod_can_format_range(char *buf, size_t size, struct hsx_umod_can_range r);

#endif /* HSX_MODULE_SEL_CAN_H */
