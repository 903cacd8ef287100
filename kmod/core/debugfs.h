/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSX_DEBUGFS_H
#define _HSX_DEBUGFS_H

void hsx_debugfs_init(void);
void hsx_debugfs_exit(void);

#endif /* _HSX_DEBUGFS_H */
