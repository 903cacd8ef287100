/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _HSX_DEV_H
#define _HSX_DEV_H

int hsx_dev_init(void);
void hsx_dev_exit(void);

#include <linux/types.h>

struct file;
struct hsx_client;

struct hsx_client *hsx_client_from_file(struct file *file);
u32 hsx_client_modules(const struct hsx_client *client);
void hsx_client_cap_ended(struct hsx_client *client, u8 module);

#endif /* _HSX_DEV_H */
