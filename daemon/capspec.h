/* SPDX-License-Identifier: MIT */
/*
 * The words of capabilities, over the library's module descriptors
 * (lib/src/core/module.h): which modules have capabilities, their names, a
 * whole capability as one line; and how text a client controls is shown.
 * hsxd's policy, its log and hsxctl's cap commands all speak them, so they
 * live in one place. Rights and selectors are the descriptors' own words
 * (hsx_umod_parse_rights(), hsx_umod_sel_parse(), ...): nothing here names a
 * module.
 */
#ifndef HSXD_CAPSPEC_H
#define HSXD_CAPSPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/module.h"
#include "hsx_uapi.h"

/*
 * The module with HSX_MODULE_* id (or called name) whose capabilities hsxd
 * grants: one of hsx_umodules[] with HSX_UMOD_CAPS and an ID the uAPI's
 * module bits hold (HSX_MODULE_FIRST..HSX_MODULE_CORE). NULL otherwise.
 */
const struct hsx_umodule *capspec_module_by_id(uint32_t id);
const struct hsx_umodule *capspec_module_by_name(const char *name);

/* The names of those modules, for messages: "timer or gpio". Returns buf. */
char *capspec_module_list(char *buf, size_t size);

/* "gpio", or "module 0x13" for one hsxd does not know (buf holds the latter). */
const char *capspec_module_name(char *buf, size_t size, uint32_t module);

/* "pins 17,20-23", "max_timers 4"; a module hsxd does not know: "selector ?". Returns buf. */
char *capspec_format_selector(char *buf, size_t size, uint32_t module,
                              const union hsx_cap_selector *sel);

/* A whole capability: "gpio read,write pins 17" (at most CAPSPEC_CAP_TEXT_MAX bytes). */
#define CAPSPEC_CAP_TEXT_MAX (2 * HSX_UMOD_TEXT_MAX + 32)
char *capspec_format_cap(char *buf, size_t size, uint32_t module, uint32_t rights,
                         const union hsx_cap_selector *sel);

/*
 * Text a client controls (a program's path, a cgroup) as it may be shown in
 * a log line or on a terminal: printable ASCII as is, a backslash as "\\",
 * a line break or tab as "\n", "\r", "\t", any other byte as "\xNN". Cut
 * short to fit size, never inside an escape. Returns buf.
 */
char *capspec_escape(char *buf, size_t size, const char *text);

#endif /* HSXD_CAPSPEC_H */
