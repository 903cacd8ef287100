/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSX_GENL_H
#define _HSX_GENL_H

struct hsx_mbox_transport;

const struct hsx_mbox_transport *hsx_genl_transport_get(void);
int hsx_genl_init(void);
void hsx_genl_exit(void);

#endif /* _HSX_GENL_H */
