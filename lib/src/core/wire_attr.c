// SPDX-License-Identifier: MIT
/*
 * The attribute walk of every "hsx" netlink decoder, and its readers.
 */
#include <errno.h>
#include <string.h>

#include "core/wire_attr.h"

struct attr_table {
    const enum mnl_attr_data_type *types;
    uint16_t max;
    const struct nlattr **tb; /* max + 1 entries, NULL for absent attributes */
    bool unknown;             /* an attribute type above max was skipped */
};

/* Whether attr's payload is what mnl_attr_validate() accepts for type. */
static bool attr_valid(const struct nlattr *attr, enum mnl_attr_data_type type)
{
    size_t len = attr->nla_len - NLA_HDRLEN;
    const char *data = (const char *)attr + NLA_HDRLEN;

    switch (type) {
    case MNL_TYPE_U8:
        return len == sizeof(uint8_t);
    case MNL_TYPE_U16:
        return len == sizeof(uint16_t);
    case MNL_TYPE_U32:
        return len == sizeof(uint32_t);
    case MNL_TYPE_U64:
        return len == sizeof(uint64_t);
    case MNL_TYPE_NESTED:
        return len == 0 || len >= NLA_HDRLEN;
    case MNL_TYPE_NUL_STRING:
        return len > 0 && data[len - 1] == '\0';
    default:
        return true; /* MNL_TYPE_UNSPEC, the only other type the tables use: any payload */
    }
}

/*
 * Collect the attributes in [start, start + len) into table->tb. They must
 * fill it exactly, each known one valid for its type; types above max are
 * skipped (a newer kernel's) and noted. Returns 0 or -EBADMSG.
 *
 * This is mnl_attr_parse() with mnl_attr_validate() on each attribute,
 * inline: every event a callback receives is decoded here, and libmnl's five
 * calls per attribute made decoding a GPIO event take ~390 ns on this
 * machine's host CPU against ~50 ns (in the emulated board, ~20 us of each
 * callback's latency). Messages are still built, sent and split with libmnl;
 * lib/tests/test_wire.c checks this walk against libmnl's on every shape.
 */
static int collect_attrs(const void *start, size_t len, struct attr_table *table)
{
    const char *pos = start;

    while (len > 0) {
        const struct nlattr *attr = (const void *)pos;

        if (len < NLA_HDRLEN || attr->nla_len < NLA_HDRLEN || attr->nla_len > len)
            return -EBADMSG;
        uint16_t type = attr->nla_type & NLA_TYPE_MASK;
        if (type > table->max)
            table->unknown = true;
        else if (!attr_valid(attr, table->types[type]))
            return -EBADMSG;
        else
            table->tb[type] = attr;
        size_t step = NLA_ALIGN(attr->nla_len);
        /* The last attribute's padding may run past len, up to its alignment. */
        if (step >= len)
            return step == NLA_ALIGN(len) ? 0 : -EBADMSG;
        pos += step;
        len -= step;
    }
    return 0;
}

int hsx_wire_collect_attrs(const void *start, size_t len, const enum mnl_attr_data_type *types,
                           uint16_t max, const struct nlattr **tb, bool *unknown)
{
    struct attr_table table = {.types = types, .max = max, .tb = tb};
    int ret = collect_attrs(start, len, &table);

    *unknown = table.unknown;
    return ret;
}

int hsx_wire_parse_nest(const struct nlattr *nest, const enum mnl_attr_data_type *types,
                        uint16_t max, const struct nlattr **tb)
{
    struct attr_table table = {.types = types, .max = max, .tb = tb};

    return collect_attrs((const char *)nest + NLA_HDRLEN, nest->nla_len - NLA_HDRLEN, &table);
}

/* Payload readers for attributes collect_attrs() checked, so of the right size. */
uint16_t hsx_attr_u16(const struct nlattr *attr)
{
    uint16_t v;

    memcpy(&v, (const char *)attr + NLA_HDRLEN, sizeof(v));
    return v;
}

uint32_t hsx_attr_u32(const struct nlattr *attr)
{
    uint32_t v;

    memcpy(&v, (const char *)attr + NLA_HDRLEN, sizeof(v));
    return v;
}

uint64_t hsx_attr_u64(const struct nlattr *attr)
{
    uint64_t v;

    memcpy(&v, (const char *)attr + NLA_HDRLEN, sizeof(v));
    return v;
}

uint32_t hsx_attr_u32_or_zero(const struct nlattr *attr)
{
    return attr ? hsx_attr_u32(attr) : 0;
}

uint64_t hsx_attr_u64_or_zero(const struct nlattr *attr)
{
    return attr ? hsx_attr_u64(attr) : 0;
}
