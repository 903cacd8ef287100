// SPDX-License-Identifier: MIT
/*
 * Lookups over the table of modules (lib/src/modules.c), and what every
 * module's descriptor shares: node and mailbox names, the words of rights,
 * selectors through their kind's ops.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/module.h"

extern const char *const hsx_umod_future[];

const struct hsx_umod_right hsx_umod_common_rights[3] = {
    {"read", HSX_CAP_R_READ},
    {"write", HSX_CAP_R_WRITE},
    {"grant", HSX_CAP_R_GRANT},
};

#define COMMON_RIGHTS (sizeof(hsx_umod_common_rights) / sizeof(hsx_umod_common_rights[0]))

const struct hsx_umodule *hsx_umod_by_id(uint32_t id)
{
    for (size_t i = 0; i < hsx_umodule_count; i++) {
        if (hsx_umodules[i]->id == id)
            return hsx_umodules[i];
    }
    return NULL;
}

const struct hsx_umodule *hsx_umod_by_name(const char *name)
{
    for (size_t i = 0; i < hsx_umodule_count; i++) {
        if (strcmp(hsx_umodules[i]->name, name) == 0)
            return hsx_umodules[i];
    }
    return NULL;
}

size_t hsx_umod_index(const struct hsx_umodule *m)
{
    for (size_t i = 0; i < hsx_umodule_count; i++) {
        if (hsx_umodules[i] == m)
            return i;
    }
    return hsx_umodule_count;
}

const struct hsx_umodule *hsx_umod_by_nest(uint16_t attr)
{
    for (size_t i = 0; attr && i < hsx_umodule_count; i++) {
        if (hsx_umodules[i]->nl_nest == attr)
            return hsx_umodules[i];
    }
    return NULL;
}

/*
 * Does name read as fmt ("hal:uart:%llu:rx") with a decimal number for the
 * %llu, or is it fmt, a fixed name?
 */
static bool mailbox_matches(const char *fmt, const char *name)
{
    const char *conv = strstr(fmt, "%llu");
    size_t prefix = conv ? (size_t)(conv - fmt) : 0;

    if (!conv)
        return strcmp(fmt, name) == 0;
    if (strncmp(fmt, name, prefix) != 0)
        return false;
    const char *digits = name + prefix, *end = digits;
    while (*end >= '0' && *end <= '9')
        end++;
    return end > digits && strcmp(end, conv + 4) == 0;
}

const struct hsx_umodule *hsx_umod_by_mailbox(const char *name)
{
    for (size_t i = 0; name && i < hsx_umodule_count; i++) {
        for (size_t j = 0; j < HSX_UMOD_MAILBOXES_MAX && hsx_umodules[i]->mailboxes[j]; j++) {
            if (mailbox_matches(hsx_umodules[i]->mailboxes[j], name))
                return hsx_umodules[i];
        }
    }
    return NULL;
}

bool hsx_umod_is_future(const char *name)
{
    for (size_t i = 0; hsx_umod_future[i]; i++) {
        if (strcmp(hsx_umod_future[i], name) == 0)
            return true;
    }
    return false;
}

char *hsx_umod_node_path(const struct hsx_umodule *m, int instance, char *buf, size_t size)
{
    int n;

    if (instance < 0 && (m->flags & HSX_UMOD_NODE))
        n = snprintf(buf, size, HSX_DEV_DIR "/%s", m->name);
    else if (instance >= 0 && (m->flags & HSX_UMOD_INSTANCES))
        n = snprintf(buf, size, HSX_DEV_DIR "/%s%d", m->name, instance);
    else
        return NULL;
    return n > 0 && (size_t)n < size ? buf : NULL;
}

char *hsx_umod_mailbox_name(const struct hsx_umodule *m, unsigned int index, uint64_t object,
                            char *buf, size_t size)
{
    if (index >= HSX_UMOD_MAILBOXES_MAX || !m->mailboxes[index])
        return NULL;
    if (!strchr(m->mailboxes[index], '%')) {
        int n = snprintf(buf, size, "%s", m->mailboxes[index]);
        return n > 0 && (size_t)n < size ? buf : NULL;
    }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    /* Any other format has exactly one %llu (test_module checks every one). */
    int n = snprintf(buf, size, m->mailboxes[index], (unsigned long long)object);
#pragma GCC diagnostic pop
    return n > 0 && (size_t)n < size ? buf : NULL;
}

/* ---- rights ------------------------------------------------------------------------------ */

/* The right called name among m's own (m NULL: every module's own). */
static uint32_t own_right(const struct hsx_umodule *m, const char *name)
{
    for (size_t i = 0; i < hsx_umodule_count; i++) {
        const struct hsx_umodule *each = hsx_umodules[i];
        if ((m && each != m) || !each->own)
            continue;
        for (const struct hsx_umod_right *r = each->own; r->name; r++) {
            if (strcmp(r->name, name) == 0)
                return r->bit;
        }
    }
    return 0;
}

uint32_t hsx_umod_right_by_name(const struct hsx_umodule *m, const char *name, const char **why)
{
    if (strcmp(name, "admin") == 0) {
        *why = "the admin right is never granted: it belongs to /dev/hsx/ctl";
        return 0;
    }
    for (size_t i = 0; i < COMMON_RIGHTS; i++) {
        if (strcmp(hsx_umod_common_rights[i].name, name) == 0)
            return hsx_umod_common_rights[i].bit;
    }
    uint32_t bit = own_right(m, name);
    if (bit)
        return bit;
    *why = m && own_right(NULL, name) ? "not a right of this module" : "unknown right";
    return 0;
}

/* Append text to buf at *len, never past size; buf stays NUL-terminated. */
static void append(char *buf, size_t size, size_t *len, const char *text)
{
    if (*len + 1 >= size)
        return;
    int n = snprintf(buf + *len, size - *len, "%s", text);
    if (n > 0)
        *len = *len + (size_t)n < size ? *len + (size_t)n : size - 1;
}

/*
 * The name of one right bit for m, or NULL. A module's own rights share bits
 * 16..31 with every other module's, so they are named only with the module.
 */
static const char *right_name(const struct hsx_umodule *m, uint32_t bit)
{
    for (size_t i = 0; i < COMMON_RIGHTS; i++) {
        if (hsx_umod_common_rights[i].bit == bit)
            return hsx_umod_common_rights[i].name;
    }
    for (const struct hsx_umod_right *r = m ? m->own : NULL; r && r->name; r++) {
        if (r->bit == bit)
            return r->name;
    }
    return NULL;
}

char *hsx_umod_format_rights(const struct hsx_umodule *m, char *buf, size_t size, uint32_t rights)
{
    uint32_t unknown = 0;
    size_t len = 0;

    buf[0] = '\0';
    for (uint32_t bit = 1; bit; bit <<= 1) {
        const char *name = rights & bit ? right_name(m, bit) : NULL;
        if (!name) {
            unknown |= rights & bit;
            continue;
        }
        if (len)
            append(buf, size, &len, ",");
        append(buf, size, &len, name);
    }
    if (unknown) {
        char hex[16];
        snprintf(hex, sizeof(hex), "%s0x%x", len ? "," : "", unknown);
        append(buf, size, &len, hex);
    } else if (len == 0) {
        snprintf(buf, size, "none");
    }
    return buf;
}

/* The next comma-separated item of *text, without surrounding blanks; NULL at the end. */
static const char *next_item(const char **text, char *item, size_t size, bool *too_long)
{
    const char *s = *text;

    if (!s)
        return NULL;
    const char *comma = strchr(s, ',');
    size_t len = comma ? (size_t)(comma - s) : strlen(s);
    *text = comma ? comma + 1 : NULL;
    while (len && isblank((unsigned char)*s)) {
        s++;
        len--;
    }
    while (len && isblank((unsigned char)s[len - 1]))
        len--;
    *too_long = len >= size;
    if (*too_long)
        len = size - 1;
    memcpy(item, s, len);
    item[len] = '\0';
    return item;
}

int hsx_umod_parse_rights(const struct hsx_umodule *m, const char *text, uint32_t *rights,
                          char *why, size_t why_size)
{
    char item[32];
    bool too_long;
    uint32_t all = 0;

    for (const char *s = text; next_item(&s, item, sizeof(item), &too_long);) {
        const char *reason = "too long";
        if (item[0] == '\0') {
            snprintf(why, why_size, "empty right in '%s'", text);
            return -EINVAL;
        }
        uint32_t bit = too_long ? 0 : hsx_umod_right_by_name(m, item, &reason);
        /* Another module's own right, or a common one m has not (write, for a reader). */
        if ((!bit && m && !too_long && own_right(NULL, item)) || (bit && m && !(bit & m->rights))) {
            snprintf(why, why_size, "'%s' is not a right of %s", item, m->name);
            return -EINVAL;
        }
        if (!bit) {
            snprintf(why, why_size, "'%s': %s", item, reason);
            return -EINVAL;
        }
        all |= bit;
    }
    *rights = all;
    return 0;
}

/* ---- selectors ---------------------------------------------------------------------------- */

static bool has_caps(const struct hsx_umodule *m)
{
    return m && (m->flags & HSX_UMOD_CAPS) && m->sel.ops;
}

int hsx_umod_sel_parse(const struct hsx_umodule *m, const char *text, union hsx_cap_selector *sel,
                       char *why, size_t why_size)
{
    if (!has_caps(m)) {
        snprintf(why, why_size, "%s has no capabilities", m ? m->name : "this module");
        return -EINVAL;
    }
    return m->sel.ops->parse(&m->sel, text, sel, why, why_size);
}

char *hsx_umod_sel_format(const struct hsx_umodule *m, char *buf, size_t size,
                          const union hsx_cap_selector *sel)
{
    char text[HSX_UMOD_TEXT_MAX];

    if (!has_caps(m))
        snprintf(buf, size, "selector ?");
    else
        snprintf(buf, size, "%s %s", m->sel.word,
                 m->sel.ops->format(&m->sel, text, sizeof(text), sel));
    return buf;
}

int hsx_umod_sel_check(const struct hsx_umodule *m, const union hsx_cap_selector *sel, bool request,
                       char *why, size_t why_size)
{
    if (!has_caps(m)) {
        snprintf(why, why_size, "%s has no capabilities", m ? m->name : "this module");
        return -EINVAL;
    }
    return m->sel.ops->check(&m->sel, sel, request, why, why_size);
}

size_t hsx_umod_sel_keys(const struct hsx_umod_sel *s, struct hsx_umod_sel_key *keys)
{
    size_t n = 0;

    if (!s->keys) {
        keys[0] = (struct hsx_umod_sel_key){
            .name = s->word,
            .example = s->kind == HSX_UMOD_SEL_SET ? "17,20-23" : "4",
            .required = true,
            .list = s->kind == HSX_UMOD_SEL_SET,
        };
        return 1;
    }
    while (n < HSX_UMOD_SEL_KEYS_MAX && s->keys[n].name) {
        keys[n] = s->keys[n];
        n++;
    }
    return n;
}

bool hsx_umod_sel_subset(const struct hsx_umodule *m, const union hsx_cap_selector *narrow,
                         const union hsx_cap_selector *wide)
{
    return has_caps(m) && m->sel.ops->subset(&m->sel, narrow, wide);
}

bool hsx_umod_sel_covers(const struct hsx_umodule *m, const union hsx_cap_selector *sel,
                         uint64_t object)
{
    return has_caps(m) && m->sel.ops->covers(&m->sel, sel, object);
}

bool hsx_umod_request_valid(const struct hsx_umodule *m, uint32_t rights,
                            const union hsx_cap_selector *sel)
{
    char why[128];

    return has_caps(m) && !(rights & ~m->rights) &&
           m->sel.ops->check(&m->sel, sel, true, why, sizeof(why)) == 0;
}
