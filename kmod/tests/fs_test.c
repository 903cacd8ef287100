// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit: the FS module's rules: which paths an application may name (the
 * byte-level half of the confinement, before the kernel's scoped walk) and
 * what a capability's roots cover and narrow to. The walk itself, links,
 * mounts, races and quotas are tests/e2e/test_fs_kernel.c's.
 */
#include <kunit/test.h>
#include <linux/string.h>

#include "../fs/fs.h"
#include "core.h"

static int check(const char *p, bool may_be_root)
{
	return hsx_fs_check_path(p, strlen(p), may_be_root);
}

static void paths_an_application_may_name(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, check("a", false), 0);
	KUNIT_EXPECT_EQ(test, check("a/b/c.txt", false), 0);
	KUNIT_EXPECT_EQ(test, check(".hidden", false), 0);
	KUNIT_EXPECT_EQ(test, check("...", false), 0);
	KUNIT_EXPECT_EQ(test, check("caf\xc3\xa9/\xe2\x82\xac/\xf0\x9f\x98\x80", false), 0);
	KUNIT_EXPECT_EQ(test, check("", true), 0);		/* the root, where allowed */
	KUNIT_EXPECT_EQ(test, check("", false), -EINVAL);
}

static void paths_that_could_leave_the_root(struct kunit *test)
{
	static const char *const bad[] = {
		"..", "../x", "a/..", "a/../../x", "a/../b", ".", "./a", "a/.", "/a", "/",
		"a//b", "a/", "//a",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, check(bad[i], false), -EINVAL, "path %s", bad[i]);
}

static void bytes_no_name_may_hold(struct kunit *test)
{
	static const char *const bad[] = {
		"a\nb",			/* LISTDIR's separator */
		"a\tb", "\x7f", "\x01",
		"\xc2\x85",		/* C1 control (NEL) */
		"\xff", "\xfe\xff",	/* never UTF-8 */
		"\xc0\xaf",		/* overlong '/' */
		"\xe0\x80\xaf",		/* overlong '/' */
		"\x80",			/* a lone continuation byte */
		"\xc3",			/* cut short */
		"\xed\xa0\x80",		/* a surrogate */
		"\xf4\x90\x80\x80",	/* past U+10FFFF */
		HSX_FS_TMP_PREFIX "x",	/* REPLACE's own */
	};
	const char nul[] = { 'a', '\0', 'b' };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, check(bad[i], false), -EINVAL, "case %u", i);
	/* A NUL within the length is no end: the path is refused, not cut. */
	KUNIT_EXPECT_EQ(test, hsx_fs_check_path(nul, sizeof(nul), false), -EINVAL);
}

static void lengths(struct kunit *test)
{
	char *p = kunit_kzalloc(test, HSX_FS_PATH_MAX + 2, GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 'n', HSX_FS_NAME_MAX);
	KUNIT_EXPECT_EQ(test, hsx_fs_check_path(p, HSX_FS_NAME_MAX, false), 0);
	p[HSX_FS_NAME_MAX] = 'n';
	KUNIT_EXPECT_EQ(test, hsx_fs_check_path(p, HSX_FS_NAME_MAX + 1, false), -ENAMETOOLONG);
	/* HSX_FS_PATH_MAX bytes of short components, then one more. */
	for (i = 0; i < HSX_FS_PATH_MAX + 1; i++)
		p[i] = i % 2 ? '/' : 'd';
	KUNIT_EXPECT_EQ(test, hsx_fs_check_path(p, HSX_FS_PATH_MAX - 1, false), 0);
	KUNIT_EXPECT_EQ(test, hsx_fs_check_path(p, HSX_FS_PATH_MAX + 1, false), -ENAMETOOLONG);
}

static void names_listdir_shows(struct kunit *test)
{
	KUNIT_EXPECT_TRUE(test, hsx_fs_name_ok("a", 1));
	KUNIT_EXPECT_FALSE(test, hsx_fs_name_ok(".", 1));
	KUNIT_EXPECT_FALSE(test, hsx_fs_name_ok("..", 2));
	KUNIT_EXPECT_FALSE(test, hsx_fs_name_ok(HSX_FS_TMP_PREFIX "cfg", 12));
	KUNIT_EXPECT_FALSE(test, hsx_fs_name_ok("a\nb", 3));
	KUNIT_EXPECT_FALSE(test, hsx_fs_name_ok("", 0));
}

static void capability_roots(struct kunit *test)
{
	const struct hsx_cap_ops *ops = hsx_fs_module.cap;
	union hsx_cap_selector one = { .fs = { .roots = BIT(3) } };
	union hsx_cap_selector two = { .fs = { .roots = BIT(3) | BIT(31) } };
	union hsx_cap_selector none = {};
	union hsx_cap_selector junk = { .fs = { .roots = 1, .reserved = 1 } };
	union hsx_cap_selector tail = { .fs = { .roots = 1 } };

	tail.raw[3] = 1;
	KUNIT_EXPECT_EQ(test, ops->validate(&one), 0);
	KUNIT_EXPECT_EQ(test, ops->validate(&two), 0);
	KUNIT_EXPECT_EQ(test, ops->validate(&none), -EINVAL);
	KUNIT_EXPECT_EQ(test, ops->validate(&junk), -EINVAL);
	KUNIT_EXPECT_EQ(test, ops->validate(&tail), -EINVAL);
	KUNIT_EXPECT_TRUE(test, ops->subset(&one, &two));
	KUNIT_EXPECT_FALSE(test, ops->subset(&two, &one));
	KUNIT_EXPECT_TRUE(test, hsx_fs_sel_covers(&one, 3));
	KUNIT_EXPECT_FALSE(test, hsx_fs_sel_covers(&one, 4));
	KUNIT_EXPECT_TRUE(test, hsx_fs_sel_covers(&two, 31));
	KUNIT_EXPECT_FALSE(test, hsx_fs_sel_covers(&two, 32));
	KUNIT_EXPECT_FALSE(test, hsx_fs_sel_covers(&two, BIT_ULL(32) | 3));
	KUNIT_EXPECT_EQ(test, ops->rights, (u32)HSX_CAP_R_FS_ALL);
}

static struct kunit_case hsx_fs_cases[] = {
	KUNIT_CASE(paths_an_application_may_name),
	KUNIT_CASE(paths_that_could_leave_the_root),
	KUNIT_CASE(bytes_no_name_may_hold),
	KUNIT_CASE(lengths),
	KUNIT_CASE(names_listdir_shows),
	KUNIT_CASE(capability_roots),
	{}
};

static struct kunit_suite hsx_fs_suite = {
	.name = "hsx_fs",
	.test_cases = hsx_fs_cases,
};

kunit_test_suite(hsx_fs_suite);
