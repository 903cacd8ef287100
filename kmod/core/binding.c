// SPDX-License-Identifier: GPL-2.0
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/property.h>
#include <linux/string.h>

#include "binding.h"

/**
 * hsx_parse_binding - parse one "INDEX=NAME" binding of a list
 * @param: the binding, and after a ',' those that follow
 * @max_index: indexes are below it
 * @name_ok: whether a NAME is one the module may look up
 * @index: set to INDEX
 * @name: set to NAME, NUL-terminated
 * @len: bytes at @name
 * @next: set to the next binding, or NULL after the last
 *
 * Return: 0, or -EINVAL for a malformed binding.
 */
int hsx_parse_binding(const char *param, unsigned int max_index,
		      bool (*name_ok)(const char *name), unsigned int *index, char *name,
		      size_t len, const char **next)
{
	const char *eq = strchr(param, '='), *end = strchrnul(param, ',');
	char num[4];
	size_t n;

	if (!eq || eq > end || eq == param || eq - param >= sizeof(num))
		return -EINVAL;
	memcpy(num, param, eq - param);
	num[eq - param] = '\0';
	if (kstrtouint(num, 10, index) || *index >= max_index)
		return -EINVAL;
	n = end - (eq + 1);
	if (!n || n >= len)
		return -EINVAL;
	memcpy(name, eq + 1, n);
	name[n] = '\0';
	if (!name_ok(name))
		return -EINVAL;
	*next = *end ? end + 1 : NULL;
	return 0;
}

/**
 * hsx_fw_walk_refs - walk a firmware node's list of bare references
 * @fwnode: the node
 * @prop: the list: one phandle per instance, in index order, <0> for a hole
 * @max_index: the list has at most this many entries
 * @fn: called for each reference, with its index, but not for the holes;
 *	a non-zero return ends the walk
 * @data: passed to @fn
 *
 * Return: the number of entries (instances 0..n-1), -EINVAL for a list
 * longer than @max_index or not of bare references, or what @fn returned.
 */
int hsx_fw_walk_refs(const struct fwnode_handle *fwnode, const char *prop,
		     unsigned int max_index, hsx_fw_ref_fn fn, void *data)
{
	struct fwnode_reference_args ref;
	int count, index, ret;

	count = fwnode_property_count_u32(fwnode, prop);
	if (count <= 0 || count > max_index)
		return -EINVAL;
	for (index = 0; index < count; index++) {
		ret = fwnode_property_get_reference_args(fwnode, prop, NULL, 0, index, &ref);
		if (ret == -ENOENT)
			continue;	/* <0>: a hole */
		if (ret)
			return -EINVAL;
		ret = fn(ref.fwnode, index, data);
		fwnode_handle_put(ref.fwnode);
		if (ret)
			return ret;
	}
	return count;
}
