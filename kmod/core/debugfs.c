// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/kernel/debug/hsx: what is for developers, not for users. /sys/hal
 * keeps state and counters, which any read may cost nothing to produce;
 * these files run work when read.
 *
 *   bench_check_ps       picoseconds per capability check, over
 *                        HSX_CAP_BENCH_ITERATIONS checks
 *   bench_check_srcu_ps  the same, each check in its own SRCU section, as an
 *                        operation's is
 *   init_ns              how long hsx.ko's init took, module load excluded
 *   uart_hangup          test builds only: writing a UART port's number hangs
 *                        its tty up (as an unplugged USB adapter's); reading
 *                        says by how much that changed hsx.ko's reference
 *                        count before the port unbound (0 when balanced)
 */
#include <linux/debugfs.h>
#include <linux/fs.h>

#include "cap.h"
#include "debugfs.h"
#include "../uart/uart.h"

/* Iterations of one read: long enough to swamp the clock reads. */
#define HSX_CAP_BENCH_ITERATIONS 200000

static struct dentry *hsx_debugfs_dir;
u64 hsx_init_ns;

static int hsx_bench_check_get(void *data, u64 *val)
{
	*val = hsx_cap_bench_check_ps(HSX_CAP_BENCH_ITERATIONS, false);
	return 0;
}

static int hsx_bench_check_srcu_get(void *data, u64 *val)
{
	*val = hsx_cap_bench_check_ps(HSX_CAP_BENCH_ITERATIONS, true);
	return 0;
}

DEFINE_DEBUGFS_ATTRIBUTE(hsx_bench_check_fops, hsx_bench_check_get, NULL, "%llu\n");
DEFINE_DEBUGFS_ATTRIBUTE(hsx_bench_check_srcu_fops, hsx_bench_check_srcu_get, NULL, "%llu\n");

#if defined(HSX_TEST_MODULES) && IS_ENABLED(CONFIG_MODULE_UNLOAD)
static int hsx_uart_hangup_delta;

static int hsx_uart_hangup_get(void *data, u64 *val)
{
	*val = (s64)READ_ONCE(hsx_uart_hangup_delta);
	return 0;
}

static int hsx_uart_hangup_set(void *data, u64 val)
{
	int delta, ret;

	if (val > U32_MAX)
		return -EINVAL;
	ret = hsx_uart_test_hangup(val, &delta);
	if (!ret)
		WRITE_ONCE(hsx_uart_hangup_delta, delta);
	return ret;
}

DEFINE_DEBUGFS_ATTRIBUTE(hsx_uart_hangup_fops, hsx_uart_hangup_get, hsx_uart_hangup_set,
			 "%lld\n");

static void hsx_debugfs_test_init(void)
{
	debugfs_create_file_unsafe("uart_hangup", 0600, hsx_debugfs_dir, NULL,
				   &hsx_uart_hangup_fops);
}
#else
static void hsx_debugfs_test_init(void)
{
}
#endif

/* debugfs failing is no reason to fail the module: its calls take an ERR_PTR parent. */
void hsx_debugfs_init(void)
{
	hsx_debugfs_dir = debugfs_create_dir("hsx", NULL);
	debugfs_create_file_unsafe("bench_check_ps", 0400, hsx_debugfs_dir, NULL,
				   &hsx_bench_check_fops);
	debugfs_create_file_unsafe("bench_check_srcu_ps", 0400, hsx_debugfs_dir, NULL,
				   &hsx_bench_check_srcu_fops);
	debugfs_create_u64("init_ns", 0400, hsx_debugfs_dir, &hsx_init_ns);
	hsx_debugfs_test_init();
}

/* Waits for reads in progress: nothing runs the check after this. */
void hsx_debugfs_exit(void)
{
	debugfs_remove_recursive(hsx_debugfs_dir);
	hsx_debugfs_dir = NULL;
}
