// SPDX-License-Identifier: MIT
#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

#include "capspec.h"
#include "cli.h"
#include "hsx_cap.h"
#include "output.h"

void hsxctl_error(const char *fmt, ...)
{
    va_list ap;

    fputs("hsxctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int hsxctl_fail_hal(int code, const char *fmt, ...)
{
    int err = hsx_hal_errno();
    va_list ap;

    fputs("hsxctl: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, ": %s", hsx_hal_strerror(code));
    if (err)
        fprintf(stderr, " (%s)", strerror(err));
    fputc('\n', stderr);
    return HSXCTL_EXIT_FAILURE;
}

void hsxctl_print_bits(FILE *out, uint32_t bits, const struct hsxctl_bit_name *names,
                       const char *sep, int json)
{
    bool first = true;

    if (json)
        fputc('[', out);
    for (; names->name; names++) {
        if (!(bits & names->bit))
            continue;
        fprintf(out, json ? "%s\"%s\"" : "%s%s", first ? "" : json ? "," : sep, names->name);
        first = false;
    }
    if (json)
        fputc(']', out);
    else if (first)
        fputc('-', out);
}

void hsxctl_print_instances(FILE *out, unsigned int count, const bool *bound, int one, int json,
                            const char *none, void (*print)(FILE *out, unsigned int i, void *ctx),
                            void *ctx)
{
    unsigned int shown = 0;

    if (one >= 0) {
        print(out, (unsigned int)one, ctx);
        if (json)
            fputc('\n', out);
        return;
    }
    if (json)
        fputc('[', out);
    for (unsigned int i = 0; i < count; i++) {
        if (!bound[i])
            continue;
        if (json && shown)
            fputc(',', out);
        print(out, i, ctx);
        shown++;
    }
    if (json)
        fputs("]\n", out);
    else if (shown == 0)
        fprintf(out, "%s\n", none);
}

void print_hex(FILE *out, const uint8_t *data, size_t len)
{
    for (size_t i = 0; i < len; i++)
        fprintf(out, "%02x", data[i]);
}

void print_hexdump(FILE *out, uint32_t addr, const uint8_t *data, size_t len)
{
    for (size_t line = 0; line < len; line += 16) {
        size_t n = len - line < 16 ? len - line : 16;
        int width = fprintf(out, "%08zx:", (size_t)addr + line);
        for (size_t i = 0; i < n; i++)
            width += fprintf(out, "%s%02x", i % 2 ? "" : " ", data[line + i]);
        /* The text starts where it would after 16 bytes: 10 + 16 * 2 + 8 - 1 columns. */
        fprintf(out, "%*s", 51 - width, "");
        for (size_t i = 0; i < n; i++) {
            uint8_t c = data[line + i];
            fputc(c >= 0x20 && c < 0x7f ? c : '.', out);
        }
        fputc('\n', out);
    }
}

void print_text(FILE *out, const char *text)
{
    for (const unsigned char *s = (const unsigned char *)text; *s; s++) {
        if (*s == '\n' || *s == '\t')
            fputc(' ', out);
        else if (*s < 0x20 || *s == 0x7f)
            fputc('?', out);
        else
            fputc(*s, out);
    }
}

size_t hsxctl_utf8_length(const unsigned char *s)
{
    static const struct {
        unsigned char mask, lead;
        uint32_t min;
    } forms[] = {
        {0x80, 0x00, 0x0},     /* 0xxxxxxx */
        {0xe0, 0xc0, 0x80},    /* 110xxxxx 10xxxxxx */
        {0xf0, 0xe0, 0x800},   /* 1110xxxx 10xxxxxx 10xxxxxx */
        {0xf8, 0xf0, 0x10000}, /* 11110xxx 10xxxxxx 10xxxxxx 10xxxxxx */
    };

    for (size_t len = 1; len <= 4; len++) {
        if ((s[0] & forms[len - 1].mask) != forms[len - 1].lead)
            continue;
        uint32_t cp = s[0] & (unsigned char)~forms[len - 1].mask;
        for (size_t i = 1; i < len; i++) {
            if ((s[i] & 0xc0) != 0x80)
                return 0;
            cp = cp << 6 | (s[i] & 0x3f);
        }
        /* Overlong forms, surrogates and values beyond Unicode are not UTF-8. */
        if (cp < forms[len - 1].min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return 0;
        return len;
    }
    return 0;
}

void json_string(FILE *out, const char *text)
{
    const unsigned char *s = (const unsigned char *)text;

    fputc('"', out);
    while (*s) {
        size_t len = hsxctl_utf8_length(s);

        if (len == 0) {
            fputs("\\ufffd", out);
            s++;
        } else if (len > 1) {
            fwrite(s, 1, len, out);
            s += len;
        } else {
            switch (*s) {
            case '"':
                fputs("\\\"", out);
                break;
            case '\\':
                fputs("\\\\", out);
                break;
            case '\n':
                fputs("\\n", out);
                break;
            case '\t':
                fputs("\\t", out);
                break;
            case '\r':
                fputs("\\r", out);
                break;
            default:
                if (*s < 0x20 || *s == 0x7f)
                    fprintf(out, "\\u%04x", *s);
                else
                    fputc(*s, out);
            }
            s++;
        }
    }
    fputc('"', out);
}

/* A JSON number must not have leading zeros or a plus sign; keep it short enough for int64. */
static bool plain_integer(const char *text)
{
    const char *digits = text[0] == '-' ? text + 1 : text;
    size_t len = strlen(digits);

    if (len == 0 || len > 18 || (digits[0] == '0' && len > 1))
        return false;
    for (size_t i = 0; i < len; i++) {
        if (!isdigit((unsigned char)digits[i]))
            return false;
    }
    return true;
}

void json_value(FILE *out, const char *text)
{
    if (plain_integer(text))
        fputs(text, out);
    else
        json_string(out, text);
}

static void print_timestamp(FILE *out, uint64_t ns)
{
    fprintf(out, "t=%" PRIu64 ".%06" PRIu64 "s", ns / 1000000000u, ns % 1000000000u / 1000u);
}

const char *edge_name(uint32_t edge)
{
    static const char *const names[] = {
        [HSX_GPIO_EDGE_NONE] = "none",
        [HSX_GPIO_EDGE_RISING] = "rising",
        [HSX_GPIO_EDGE_FALLING] = "falling",
        [HSX_GPIO_EDGE_BOTH] = "both",
    };

    return edge < sizeof(names) / sizeof(names[0]) ? names[edge] : "?";
}

/* A capability's end ("hal:caps", "hal:cap:<id>"): what it covered, in its module's words. */
static void print_cap_end(FILE *out, const hsx_mailbox_event_t *ev, int json)
{
    union hsx_cap_selector sel = {.raw = {ev->u.cap.object}};
    char buf[32], objects[HSX_UMOD_TEXT_MAX];
    const char *module = capspec_module_name(buf, sizeof(buf), ev->u.cap.module);
    const char *reason = hsx_cap_reason_name((hsx_cap_reason_t)ev->u.cap.reason);

    capspec_format_selector(objects, sizeof(objects), ev->u.cap.module, &sel);
    if (json) {
        fprintf(out, ",\"module\":\"cap\",\"cap\":{\"id\":%" PRIu64 ",\"module\":", ev->u.cap.id);
        json_string(out, module);
        fprintf(out, ",\"object\":%" PRIu64 ",\"objects\":", ev->u.cap.object);
        json_string(out, objects);
        fprintf(out, ",\"reason\":\"%s\",\"reason_code\":%" PRIu32 ",\"holder_pid\":%" PRIu32 "}",
                reason, ev->u.cap.reason, ev->u.cap.holder_pid);
        return;
    }
    fprintf(out, " cap=%" PRIu64 " module=", ev->u.cap.id);
    for (const char *c = module; *c; c++)
        fputc(*c == ' ' ? '-' : *c, out);
    fprintf(out, " object=0x%" PRIx64 " (%s) reason=", ev->u.cap.object, objects);
    /* One word, as the other fields are: "holder exited" reads holder-exited. */
    for (const char *c = reason; *c; c++)
        fputc(*c == ' ' ? '-' : *c, out);
    if (!hsx_cap_end_reason(ev->u.cap.reason))
        fprintf(out, "(%" PRIu32 ")", ev->u.cap.reason);
    fprintf(out, " holder_pid=%" PRIu32, ev->u.cap.holder_pid);
}

void print_event(FILE *out, const char *mailbox, const hsx_mailbox_event_t *ev, int json)
{
    bool closed = ev->type == HSX_MAILBOX_EVENT_CLOSED;
    /* A HAL module's event is its descriptor's to format; a capability's end is the core's. */
    const struct hsx_umodule *m = hsx_umod_by_id(ev->module);
    bool formatted = m && m->format_event;
    bool cap = !closed && ev->module == HSX_MAILBOX_MODULE_CORE;
    char text[512];

    if (json) {
        fputs("{\"mailbox\":", out);
        json_string(out, mailbox);
        fprintf(out,
                ",\"mailbox_id\":%" PRIu32 ",\"type\":\"%s\",\"seq\":%" PRIu64
                ",\"timestamp_ns\":%" PRIu64 ",\"dropped\":%" PRIu32 ",\"dropped_total\":%" PRIu64,
                ev->mailbox_id, closed ? "closed" : "data", ev->seq, ev->timestamp_ns, ev->dropped,
                ev->dropped_total);
        if (formatted) {
            fputs(",\"module\":", out);
            json_string(out, m->name);
            fputs(m->format_event(text, sizeof(text), ev, true), out);
        } else if (cap) {
            print_cap_end(out, ev, 1);
        } else if (!closed) {
            fputs(",\"module\":null", out);
        }
        fputs("}\n", out);
        return;
    }

    fprintf(out, "%s seq=%" PRIu64 " ", mailbox, ev->seq);
    print_timestamp(out, ev->timestamp_ns);
    if (closed)
        fputs(" closed", out);
    else if (formatted)
        fputs(m->format_event(text, sizeof(text), ev, false), out);
    else if (cap)
        print_cap_end(out, ev, 0);
    else
        fputs(" module=unknown", out);
    fprintf(out, " dropped=%" PRIu32, ev->dropped);
    if (ev->dropped_total)
        fprintf(out, " dropped_total=%" PRIu64, ev->dropped_total);
    fputc('\n', out);
}

void print_expiry(FILE *out, hsx_timer_t timer, const hsx_timer_event_ex_t *ev, int json)
{
    if (json) {
        fprintf(out,
                "{\"timer\":%u,\"seq\":%" PRIu64 ",\"timestamp_ns\":%" PRIu64
                ",\"tick_us\":%" PRIu64 ",\"overruns\":%" PRIu32 ",\"expirations\":%" PRIu64
                ",\"dropped\":%" PRIu32 ",\"dropped_total\":%" PRIu64 "}\n",
                (unsigned int)timer, ev->seq, ev->timestamp_ns, ev->tick_us, ev->overruns,
                ev->expirations, ev->dropped, ev->dropped_total);
        return;
    }
    fprintf(out,
            "timer=%u seq=%" PRIu64 " tick_us=%" PRIu64 " overruns=%" PRIu32 " expirations=%" PRIu64
            " dropped=%" PRIu32,
            (unsigned int)timer, ev->seq, ev->tick_us, ev->overruns, ev->expirations, ev->dropped);
    if (ev->dropped_total)
        fprintf(out, " dropped_total=%" PRIu64, ev->dropped_total);
    fputc('\n', out);
}

void print_edge(FILE *out, const hsx_gpio_event_ex_t *ev, int json)
{
    if (json) {
        fprintf(out,
                "{\"timestamp_ns\":%" PRIu64
                ",\"pin\":%u,\"edge\":\"%s\",\"value\":%u,\"seq\":%" PRIu64 ",\"line_seq\":%" PRIu64
                ",\"dropped\":%" PRIu32 ",\"dropped_total\":%" PRIu64 "}\n",
                ev->timestamp_ns, ev->pin, edge_name(ev->edge), ev->value, ev->seq, ev->line_seq,
                ev->dropped, ev->dropped_total);
        return;
    }
    fprintf(out,
            "%" PRIu64 ".%09" PRIu64 " pin=%u %s value=%u seq=%" PRIu64 " line_seq=%" PRIu64
            " dropped=%" PRIu32,
            ev->timestamp_ns / 1000000000u, ev->timestamp_ns % 1000000000u, ev->pin,
            edge_name(ev->edge), ev->value, ev->seq, ev->line_seq, ev->dropped);
    if (ev->dropped_total)
        fprintf(out, " dropped_total=%" PRIu64, ev->dropped_total);
    fputc('\n', out);
}

void print_pin_info(FILE *out, const hsx_gpio_info_t *info, int json)
{
    if (json) {
        fprintf(out, "{\"pin\":%u,\"mapped\":%s", info->pin, info->mapped ? "true" : "false");
        if (info->mapped) {
            fputs(",\"chip\":", out);
            json_string(out, info->chip);
            fprintf(out, ",\"offset\":%" PRIu32 ",\"name\":", info->offset);
            json_string(out, info->name);
        }
        fputc('}', out);
        return;
    }
    fprintf(out, "pin=%u", info->pin);
    if (!info->mapped) {
        fputs(" unmapped\n", out);
        return;
    }
    fputs(" chip=", out);
    print_text(out, info->chip);
    fprintf(out, " offset=%" PRIu32 " name=", info->offset);
    print_text(out, info->name[0] ? info->name : "-");
    fputc('\n', out);
}
