/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module parameters that bind instances to the kernel's devices by name
 * ("0=ttyS1,1=ttyUSB0", "0=can0"): one parser for every module's. And the
 * firmware's: a node's list of references, one per instance.
 */
#ifndef _HSX_BINDING_H
#define _HSX_BINDING_H

#include <linux/types.h>

int hsx_parse_binding(const char *param, unsigned int max_index,
		      bool (*name_ok)(const char *name), unsigned int *index, char *name,
		      size_t len, const char **next);

struct fwnode_handle;

/* Called for entry @index of a firmware list, the reference @ref. */
typedef int (*hsx_fw_ref_fn)(struct fwnode_handle *ref, unsigned int index, void *data);

int hsx_fw_walk_refs(const struct fwnode_handle *fwnode, const char *prop,
		     unsigned int max_index, hsx_fw_ref_fn fn, void *data);

#endif /* _HSX_BINDING_H */
