/* SPDX-License-Identifier: GPL-2.0 */
/*
 * KUnit only: the parts of the core a module with instances needs (the
 * capability SRCU, /sys/hal, instances, device nodes), brought up with one
 * module, and taken down again, by a suite's init and exit.
 */
#ifndef _HSX_TESTS_CORE_RIG_H
#define _HSX_TESTS_CORE_RIG_H

struct hsx_module;

int hsx_test_core_up(const struct hsx_module *mod);
void hsx_test_core_down(const struct hsx_module *mod);

#endif /* _HSX_TESTS_CORE_RIG_H */
