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
 */
#include <linux/debugfs.h>
#include <linux/fs.h>

#include "cap.h"
#include "debugfs.h"

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

/* debugfs failing is no reason to fail the module: its calls take an ERR_PTR parent. */
void hsx_debugfs_init(void)
{
	hsx_debugfs_dir = debugfs_create_dir("hsx", NULL);
	debugfs_create_file_unsafe("bench_check_ps", 0400, hsx_debugfs_dir, NULL,
				   &hsx_bench_check_fops);
	debugfs_create_file_unsafe("bench_check_srcu_ps", 0400, hsx_debugfs_dir, NULL,
				   &hsx_bench_check_srcu_fops);
	debugfs_create_u64("init_ns", 0400, hsx_debugfs_dir, &hsx_init_ns);
}

/* Waits for reads in progress: nothing runs the check after this. */
void hsx_debugfs_exit(void)
{
	debugfs_remove_recursive(hsx_debugfs_dir);
	hsx_debugfs_dir = NULL;
}
