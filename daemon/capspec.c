// SPDX-License-Identifier: MIT
/* The words of capabilities over the module descriptors (capspec.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "capspec.h"

static bool has_caps(const struct hsx_umodule *m)
{
    return m && (m->flags & HSX_UMOD_CAPS) && m->sel.ops && m->id >= HSX_MODULE_FIRST &&
           m->id <= HSX_MODULE_CORE;
}

const struct hsx_umodule *capspec_module_by_id(uint32_t id)
{
    const struct hsx_umodule *m = hsx_umod_by_id(id);

    return has_caps(m) ? m : NULL;
}

const struct hsx_umodule *capspec_module_by_name(const char *name)
{
    const struct hsx_umodule *m = hsx_umod_by_name(name);

    return has_caps(m) ? m : NULL;
}

char *capspec_module_list(char *buf, size_t size)
{
    size_t count = 0, len = 0;

    for (size_t i = 0; i < hsx_umodule_count; i++)
        count += has_caps(hsx_umodules[i]);
    buf[0] = '\0';
    for (size_t i = 0, n = 0; i < hsx_umodule_count; i++) {
        if (!has_caps(hsx_umodules[i]))
            continue;
        n++;
        const char *sep = n == 1 ? "" : n == count ? " or " : ", ";
        int w = snprintf(buf + len, size - len, "%s%s", sep, hsx_umodules[i]->name);
        if (w < 0 || (size_t)w >= size - len) {
            buf[len] = '\0'; /* whole names only */
            break;
        }
        len += (size_t)w;
    }
    return buf;
}

const char *capspec_module_name(char *buf, size_t size, uint32_t module)
{
    const struct hsx_umodule *m = capspec_module_by_id(module);

    if (m)
        return m->name;
    snprintf(buf, size, "module 0x%x", module);
    return buf;
}

char *capspec_format_selector(char *buf, size_t size, uint32_t module,
                              const union hsx_cap_selector *sel)
{
    return hsx_umod_sel_format(capspec_module_by_id(module), buf, size, sel);
}

char *capspec_format_cap(char *buf, size_t size, uint32_t module, uint32_t rights,
                         const union hsx_cap_selector *sel)
{
    char name[32], r[HSX_UMOD_TEXT_MAX], s[HSX_UMOD_TEXT_MAX];

    snprintf(buf, size, "%s %s %s", capspec_module_name(name, sizeof(name), module),
             hsx_umod_format_rights(capspec_module_by_id(module), r, sizeof(r), rights),
             capspec_format_selector(s, sizeof(s), module, sel));
    return buf;
}

char *capspec_escape(char *buf, size_t size, const char *text)
{
    /* The bytes escaped by a letter, and their letters. */
    static const char plain[] = "\\\n\r\t", letter[] = "\\nrt";
    size_t len = 0;

    if (!size)
        return buf;
    for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
        const char *special = strchr(plain, *s);
        char one[5] = {(char)*s, '\0'};

        if (special)
            snprintf(one, sizeof(one), "\\%c", letter[special - plain]);
        else if (*s < 0x20 || *s >= 0x7f)
            snprintf(one, sizeof(one), "\\x%02x", *s);
        size_t n = strlen(one);
        if (len + n >= size)
            break;
        memcpy(buf + len, one, n);
        len += n;
    }
    buf[len] = '\0';
    return buf;
}
