// SPDX-License-Identifier: GPL-2.0
#include <linux/errno.h>
#include <linux/kernel.h>
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
