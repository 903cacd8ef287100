/* SPDX-License-Identifier: MIT */
/*
 * Netlink attributes: the checked walk every decoder of the "hsx" family
 * uses, and readers for what it checked. Pure functions, no libmnl calls
 * (only its type names), so module decoders can be linked on their own.
 */
#ifndef HSX_WIRE_ATTR_H
#define HSX_WIRE_ATTR_H

#include <libmnl/libmnl.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Collect the attributes in [start, start + len) into tb (max + 1 entries,
 * zeroed by the caller) as mnl_attr_parse() with mnl_attr_validate(types[type])
 * on each would, and require them to fill len exactly. Types above max are
 * skipped and set *unknown. Returns 0 or -EBADMSG.
 */
int hsx_wire_collect_attrs(const void *start, size_t len, const enum mnl_attr_data_type *types,
                           uint16_t max, const struct nlattr **tb, bool *unknown);

/* The same over a nest's payload. */
int hsx_wire_parse_nest(const struct nlattr *nest, const enum mnl_attr_data_type *types,
                        uint16_t max, const struct nlattr **tb);

/* Payload readers for attributes the walk checked (so of the right size). */
uint16_t hsx_attr_u16(const struct nlattr *attr);
uint32_t hsx_attr_u32(const struct nlattr *attr);
uint64_t hsx_attr_u64(const struct nlattr *attr);
/* 0 for an absent (NULL) attribute. */
uint32_t hsx_attr_u32_or_zero(const struct nlattr *attr);
uint64_t hsx_attr_u64_or_zero(const struct nlattr *attr);

#endif /* HSX_WIRE_ATTR_H */
