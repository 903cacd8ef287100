/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module parameters that bind instances to the kernel's devices by name
 * ("0=ttyS1,1=ttyUSB0", "0=can0"): one parser for every module's.
 */
#ifndef _HSX_BINDING_H
#define _HSX_BINDING_H

#include <linux/types.h>

int hsx_parse_binding(const char *param, unsigned int max_index,
		      bool (*name_ok)(const char *name), unsigned int *index, char *name,
		      size_t len, const char **next);

#endif /* _HSX_BINDING_H */
