/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSX_GENL_H
#define _HSX_GENL_H

int hsx_genl_init(void);
void hsx_genl_exit(void);

#endif /* _HSX_GENL_H */
