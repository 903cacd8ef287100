/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSX_DEV_H
#define _HSX_DEV_H

int hsx_dev_init(void);
void hsx_dev_exit(void);

#endif /* _HSX_DEV_H */
