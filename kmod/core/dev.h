/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The "hsx" class and its nodes under /dev/hsx: the static ones (ctl and a
 * node per module) and the instances' (instance.c).
 */
#ifndef _HSX_DEV_H
#define _HSX_DEV_H

#include <linux/types.h>

struct file;
struct hsx_client;
struct hsx_instance;
struct hsx_node;

/* Minors: 0 ctl, 1 + slot a module's node, then instances' from here. */
#define HSX_DEV_STATIC_MINORS		(1 + 16)
#define HSX_DEV_INSTANCE_MINOR_FIRST	32
#define HSX_DEV_MINORS			65536	/* instances' minors cycle through them */

int hsx_dev_init(void);
void hsx_dev_exit(void);
int hsx_dev_nodes_init(void);
void hsx_dev_nodes_exit(void);
__printf(3, 4)
int hsx_dev_node_add(unsigned int minor, struct hsx_instance *inst, const char *fmt, ...);
void hsx_dev_node_remove(unsigned int minor);

const struct hsx_node *hsx_dev_instance_node(const struct hsx_instance *inst);
struct hsx_client *hsx_client_create(const struct hsx_node *node, struct hsx_instance *inst,
				     bool privileged, bool claim_admin);
void hsx_client_destroy(struct hsx_client *client);
struct hsx_client *hsx_client_from_file(struct file *file);
u32 hsx_client_modules(const struct hsx_client *client);
void hsx_client_cap_ended(struct hsx_client *client, u8 module);

#endif /* _HSX_DEV_H */
