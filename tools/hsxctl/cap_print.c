// SPDX-License-Identifier: MIT
#include <inttypes.h>

#include "cap_print.h"
#include "capspec.h"
#include "output.h"

#define NS_PER_S 1000000000ull

/* Whole seconds left, rounded up; 0 when it is past. */
static uint64_t seconds_left(uint64_t expiry_ns, uint64_t now_ns)
{
    return expiry_ns > now_ns ? (expiry_ns - now_ns + NS_PER_S - 1) / NS_PER_S : 0;
}

static void print_json(FILE *out, const struct cap_row *row, uint64_t now_ns)
{
    const struct hsx_cap_info *c = &row->info;
    const struct hsx_umodule *m = capspec_module_by_id(c->module);
    char name[32], right[16], text[HSX_UMOD_TEXT_MAX];

    fprintf(out, "{\"id\":%" PRIu64 ",\"parent_id\":%" PRIu64 ",\"depth\":%" PRIu32 ",\"module\":",
            (uint64_t)c->id, (uint64_t)c->parent_id, c->depth);
    json_string(out, capspec_module_name(name, sizeof(name), c->module));
    fputs(",\"rights\":[", out);
    for (uint32_t bit = 1, n = 0; bit; bit <<= 1) {
        if (!(c->rights & bit))
            continue;
        fputs(n++ ? "," : "", out);
        json_string(out, hsx_umod_format_rights(m, right, sizeof(right), bit));
    }
    fputc(']', out);
    /* The selector under its word: a set as the objects in it, anything else as its text. */
    if (m) {
        fputc(',', out);
        json_string(out, m->sel.word);
        fputc(':', out);
    }
    if (m && m->sel.kind == HSX_UMOD_SEL_SET) {
        fputc('[', out);
        for (unsigned int object = 0, n = 0; object < m->sel.limit && object < 64; object++) {
            if (m->sel.ops->covers(&m->sel, &c->sel, object))
                fprintf(out, "%s%u", n++ ? "," : "", object);
        }
        fputc(']', out);
    } else if (m) {
        json_value(out, m->sel.ops->format(&m->sel, text, sizeof(text), &c->sel));
    }
    fprintf(out,
            ",\"expiry_ns\":%" PRIu64 ",\"expires_in_s\":%" PRIu64 ",\"holder_pid\":%" PRIu32
            ",\"exe\":",
            (uint64_t)c->expiry_ns, seconds_left(c->expiry_ns, now_ns), c->holder_pid);
    json_string(out, row->exe);
    fputc('}', out);
}

void print_caps(FILE *out, const struct cap_row *rows, size_t count, uint64_t now_ns, int json)
{
    /* exe: a path read by cap.c (under 256 bytes), escaped: up to four bytes each. */
    char name[32], rights[HSX_UMOD_TEXT_MAX], sel[HSX_UMOD_TEXT_MAX], parent[24], exe[4 * 256];

    if (json) {
        fputc('[', out);
        for (size_t i = 0; i < count; i++) {
            if (i)
                fputc(',', out);
            print_json(out, &rows[i], now_ns);
        }
        fputs("]\n", out);
        return;
    }
    if (count == 0) {
        fputs("no live capabilities\n", out);
        return;
    }
    fprintf(out, "%-6s %-7s %-6s %-20s %-18s %8s %-6s %s\n", "ID", "PID", "MODULE", "RIGHTS",
            "OBJECTS", "LEFT", "PARENT", "PROGRAM");
    for (size_t i = 0; i < count; i++) {
        const struct hsx_cap_info *c = &rows[i].info;
        snprintf(parent, sizeof(parent), "%" PRIu64, (uint64_t)c->parent_id);
        fprintf(out, "%-6" PRIu64 " %-7" PRIu32 " %-6s %-20s %-18s %7" PRIu64 "s %-6s ",
                (uint64_t)c->id, c->holder_pid, capspec_module_name(name, sizeof(name), c->module),
                hsx_umod_format_rights(capspec_module_by_id(c->module), rights, sizeof(rights),
                                       c->rights),
                capspec_format_selector(sel, sizeof(sel), c->module, &c->sel),
                seconds_left(c->expiry_ns, now_ns), c->parent_id ? parent : "-");
        /* A program's path is its owner's to choose: escaped, not cut or passed to the terminal. */
        fprintf(out, "%s\n", rows[i].exe[0] ? capspec_escape(exe, sizeof(exe), rows[i].exe) : "-");
    }
}
