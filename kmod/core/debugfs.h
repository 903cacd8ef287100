/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSX_DEBUGFS_H
#define _HSX_DEBUGFS_H

#include <linux/types.h>

/* Set once by hsx_init(), shown as /sys/kernel/debug/hsx/init_ns. */
extern u64 hsx_init_ns;

void hsx_debugfs_init(void);
void hsx_debugfs_exit(void);

#endif /* _HSX_DEBUGFS_H */
