// SPDX-License-Identifier: MIT
/*
 * hsxctl's fs commands without a kernel: their command lines (roots, "any",
 * quotas with units, paths as hsx.ko takes them beneath a root, the file to
 * put), checked before anything is opened or bound.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../tools/hsxctl/cli.c"
#include "../../tools/hsxctl/cli_can.c"
#include "../../tools/hsxctl/cli_fram.c"
#include "../../tools/hsxctl/output.c"

#include "hsxctl_parse.h"

static void sizes_take_units(void **state)
{
    uint64_t v = 0;
    uint32_t s = 0;
    (void)state;

    assert_int_equal(hsxctl_parse_size("4096", 1, INT64_MAX, &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(hsxctl_parse_size("64k", 1, INT64_MAX, &v), 0);
    assert_int_equal(v, 65536);
    assert_int_equal(hsxctl_parse_size("64K", 1, INT64_MAX, &v), 0);
    assert_int_equal(v, 65536);
    assert_int_equal(hsxctl_parse_size("10M", 1, INT64_MAX, &v), 0);
    assert_int_equal(v, 10u << 20);
    assert_int_equal(hsxctl_parse_size("3G", 1, INT64_MAX, &v), 0);
    assert_int_equal(v, 3ull << 30);
    assert_int_equal(hsxctl_parse_size("8589934591G", 1, INT64_MAX, &v), 0);
    assert_int_equal(v, 8589934591ull << 30);
    assert_int_equal(hsxctl_parse_size("9223372036854775807", 1, INT64_MAX, &v), 0);
    assert_int_equal(v, INT64_MAX);

    /* Nothing is stored unless it is taken. */
    v = 7;
    assert_int_equal(hsxctl_parse_size("8589934592G", 1, INT64_MAX, &v), -ERANGE);
    assert_int_equal(hsxctl_parse_size("9223372036854775808", 1, INT64_MAX, &v), -ERANGE);
    assert_int_equal(hsxctl_parse_size("99999999999999999999", 1, INT64_MAX, &v), -ERANGE);
    assert_int_equal(hsxctl_parse_size("0", 1, INT64_MAX, &v), -ERANGE);
    assert_int_equal(hsxctl_parse_size("0k", 1, INT64_MAX, &v), -ERANGE);
    assert_int_equal(hsxctl_parse_size("2k", 1, 2047, &v), -ERANGE);
    assert_int_equal(hsxctl_parse_size("k", 1, INT64_MAX, &v), -EINVAL);
    assert_int_equal(hsxctl_parse_size("", 1, INT64_MAX, &v), -EINVAL);
    assert_int_equal(hsxctl_parse_size(NULL, 1, INT64_MAX, &v), -EINVAL);
    assert_int_equal(hsxctl_parse_size("1T", 1, INT64_MAX, &v), -EINVAL);
    assert_int_equal(hsxctl_parse_size("1m", 1, INT64_MAX, &v), -EINVAL);
    assert_int_equal(hsxctl_parse_size("1kk", 1, INT64_MAX, &v), -EINVAL);
    assert_int_equal(hsxctl_parse_size("-1", 1, INT64_MAX, &v), -EINVAL);
    assert_int_equal(hsxctl_parse_size(" 1", 1, INT64_MAX, &v), -EINVAL);
    assert_int_equal(hsxctl_parse_size("0x10", 1, INT64_MAX, &v), -EINVAL);
    assert_int_equal(hsxctl_parse_size("1.5M", 1, INT64_MAX, &v), -EINVAL);
    assert_int_equal(v, 7);

    /* Durations share the parser and keep their units. */
    assert_int_equal(hsxctl_parse_duration("2h", 86400, &s), 0);
    assert_int_equal(s, 7200);
    assert_int_equal(hsxctl_parse_duration("0s", 86400, &s), -ERANGE);
    assert_int_equal(hsxctl_parse_duration("2d", 86400, &s), -ERANGE);
    assert_int_equal(hsxctl_parse_duration("1k", 86400, &s), -EINVAL);
}

static void map_and_unmap(void **state)
{
    struct hsxctl_cmdline cmd;
    (void)state;

    assert_int_equal(parse("fs map 0 /var/lib/x --quota-bytes 1M --quota-files 100", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_FS_MAP);
    assert_int_equal(cmd.root, 0);
    assert_false(cmd.any_root);
    assert_string_equal(cmd.dir, "/var/lib/x");
    assert_int_equal(cmd.quota_bytes, 1u << 20);
    assert_int_equal(cmd.quota_files, 100);
    assert_false(cmd.read_only);
    assert_false(cmd.json);
    assert_int_equal(
        parse("fs map any rel/dir --read-only --quota-files 1k --quota-bytes 2G --json", &cmd), 0);
    assert_true(cmd.any_root);
    assert_string_equal(cmd.dir, "rel/dir");
    assert_int_equal(cmd.quota_bytes, 2ull << 30);
    assert_int_equal(cmd.quota_files, 1024);
    assert_true(cmd.read_only);
    assert_true(cmd.json);
    assert_int_equal(parse("fs map 31 /d --quota-bytes 1 --quota-files 1", &cmd), 0);
    assert_int_equal(cmd.root, 31);
    assert_int_equal(parse("fs unmap 7", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_FS_UNMAP);
    assert_int_equal(cmd.root, 7);

    expect_usage_error("fs map 0 /d --quota-files 1",
                       "--quota-bytes is required; usage: hsxctl fs map ROOT|any DIR");
    expect_usage_error("fs map 0 /d --quota-bytes 1", "--quota-files is required");
    expect_usage_error("fs map 0 /d", "--quota-bytes is required");
    expect_usage_error("fs map 32 /d --quota-bytes 1 --quota-files 1",
                       "ROOT '32' is out of range (0..31)");
    expect_usage_error("fs map all /d --quota-bytes 1 --quota-files 1", "invalid ROOT 'all'");
    expect_usage_error("fs map 0 /d --quota-bytes 0 --quota-files 1",
                       "--quota-bytes '0' is out of range (1..9223372036854775807)");
    expect_usage_error("fs map 0 /d --quota-bytes 1 --quota-files 8589934592G",
                       "--quota-files '8589934592G' is out of range");
    expect_usage_error("fs map 0 /d --quota-bytes 10X --quota-files 1",
                       "invalid --quota-bytes '10X': a number, or with a unit k, M or G");
    expect_usage_error("fs map 0 /d --quota-bytes -5 --quota-files 1",
                       "negative numbers are not allowed");
    expect_usage_error("fs map 0 /d --quota-bytes", "option '--quota-bytes' needs a value");
    expect_usage_error("fs map 0", "missing argument; usage: hsxctl fs map");
    expect_usage_error("fs map 0 /d /e --quota-bytes 1 --quota-files 1", "unexpected argument");
    expect_usage_error("fs unmap any", "invalid ROOT 'any'");
    expect_usage_error("fs unmap", "missing argument; usage: hsxctl fs unmap ROOT");
    expect_usage_error("fs unmap 0 --read-only", "'--read-only' does not apply");
    expect_usage_error("fs ls 0 --quota-bytes 1", "'--quota-bytes' does not apply");
    expect_usage_error("fs", "missing subcommand (map, unmap, ls, cat, put, rm, mv, mkdir, stat "
                             "or df)");
    expect_usage_error("fs frob", "unknown command 'fs frob'");
}

static void commands_take_paths(void **state)
{
    struct hsxctl_cmdline cmd;
    (void)state;

    assert_int_equal(parse("fs ls 3", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_FS_LS);
    assert_int_equal(cmd.root, 3);
    assert_string_equal(cmd.path, "");
    assert_int_equal(parse("fs ls 3 a/b --json", &cmd), 0);
    assert_string_equal(cmd.path, "a/b");
    assert_true(cmd.json);
    assert_int_equal(parse("fs stat 0", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_FS_STAT);
    assert_string_equal(cmd.path, "");
    /* "." and "/" are the root itself where a path may be left out. */
    assert_int_equal(parse("fs ls 3 .", &cmd), 0);
    assert_string_equal(cmd.path, "");
    assert_int_equal(parse("fs stat 3 /", &cmd), 0);
    assert_string_equal(cmd.path, "");
    assert_int_equal(parse("fs stat 0 state.json --json", &cmd), 0);
    assert_string_equal(cmd.path, "state.json");
    assert_int_equal(parse("fs cat 1 dir/file", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_FS_CAT);
    assert_string_equal(cmd.path, "dir/file");
    assert_int_equal(parse("fs put 1 f", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_FS_PUT);
    assert_string_equal(cmd.path, "f");
    assert_null(cmd.file);
    assert_int_equal(parse("fs put 1 f -", &cmd), 0);
    assert_string_equal(cmd.file, "-");
    assert_int_equal(parse("fs put 1 f /etc/hostname", &cmd), 0);
    assert_string_equal(cmd.file, "/etc/hostname");
    assert_int_equal(parse("fs rm 2 old", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_FS_RM);
    assert_int_equal(parse("fs mkdir 2 a/new", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_FS_MKDIR);
    assert_string_equal(cmd.path, "a/new");
    assert_int_equal(parse("fs mv 2 a/x b/y", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_FS_MV);
    assert_string_equal(cmd.path, "a/x");
    assert_string_equal(cmd.path2, "b/y");
    /* A name may start with '.', and hold '.' and UTF-8; only the exact "." and ".." are not. */
    assert_int_equal(parse("fs cat 0 .config/..x/...", &cmd), 0);
    assert_int_equal(parse("fs cat 0 caf\xc3\xa9/\xe2\x82\xac", &cmd), 0);
    assert_int_equal(parse("fs df", &cmd), 0);
    assert_int_equal(cmd.command, HSXCTL_FS_DF);
    assert_false(cmd.have_root);
    assert_int_equal(parse("fs df 5 --json", &cmd), 0);
    assert_true(cmd.have_root);
    assert_int_equal(cmd.root, 5);

    expect_usage_error("fs cat 0 ../etc/passwd",
                       "invalid PATH '../etc/passwd': '.' and '..' are not names");
    expect_usage_error("fs cat 0 a/../../b", "'.' and '..' are not names");
    expect_usage_error("fs ls 0 ..", "'.' and '..' are not names");
    expect_usage_error("fs cat 0 .", "'.' and '..' are not names");
    expect_usage_error("fs cat 0 /etc/passwd", "no leading '/'");
    expect_usage_error("fs rm 0 /", "no leading '/'");
    expect_usage_error("fs ls 0 ./", "'.' and '..' are not names");
    expect_usage_error("fs ls 0 //", "no leading '/'");
    expect_usage_error("fs mkdir 0 a/", "invalid PATH 'a/': a trailing '/'");
    expect_usage_error("fs rm 0 a//b", "an empty name between two '/'");
    expect_usage_error("fs put 0 .hsx-tmp.f", "names starting with .hsx-tmp. are hsx's own");
    expect_usage_error("fs cat 0 d/.hsx-tmp.", "are hsx's own");
    expect_usage_error("fs cat 0 a\x01", "invalid PATH: a control character");
    expect_usage_error("fs cat 0 a\x7f", "a control character");
    expect_usage_error("fs cat 0 a\xff", "invalid PATH: a name that is not UTF-8");
    expect_usage_error("fs cat 0 \xc0\xaf", "not UTF-8"); /* an overlong '/' */
    expect_usage_error("fs mv 0 a ../b", "invalid NEW '../b'");
    expect_usage_error("fs mv 0 /a b", "invalid OLD '/a'");
    expect_usage_error("fs mv 0 a", "missing argument; usage: hsxctl fs mv ROOT OLD NEW");
    expect_usage_error("fs cat 0", "missing argument; usage: hsxctl fs cat ROOT PATH");
    expect_usage_error("fs cat 0 a b", "unexpected argument 'b'");
    expect_usage_error("fs put 0 a b c", "unexpected argument 'c'");
    expect_usage_error("fs cat 0 a --json", "'--json' does not apply");
    expect_usage_error("fs rm 0 a --json", "'--json' does not apply");
    expect_usage_error("fs ls 32", "ROOT '32' is out of range (0..31)");
    expect_usage_error("fs ls x", "invalid ROOT 'x'");
    expect_usage_error("fs df any", "invalid ROOT 'any'");
    expect_usage_error("fs df 1 2", "unexpected argument '2'");
    expect_usage_error("fs stat 0 a b", "unexpected argument 'b'");
    expect_usage_error("help fs frob", "unknown command 'fs frob'");
}

/* What hsxctl_fs_path_check() says of path: its result, and (when refused) why. */
static int check(const char *path, const char **why)
{
    *why = NULL;
    int ret = hsxctl_fs_path_check(path, why);
    if (ret == 0)
        assert_null(*why);
    else
        assert_non_null(*why);
    return ret;
}

static void paths_as_the_kernel_takes_them(void **state)
{
    static char path[HSX_FS_PATH_MAX + 2];
    const char *why;
    (void)state;

    assert_int_equal(check("", &why), 0); /* the root itself */
    assert_int_equal(check("a", &why), 0);
    assert_int_equal(check("a b/c d", &why), 0);
    assert_int_equal(check("a/b/c", &why), 0);
    assert_int_equal(check("...", &why), 0);
    assert_int_equal(check(".hsx-tmp", &why), 0);
    assert_int_equal(check("a.hsx-tmp.b", &why), 0);
    assert_int_equal(check("\xf0\x9f\x98\x80", &why), 0); /* four bytes of UTF-8 */

    /* A name of HSX_FS_NAME_MAX bytes, not one more. */
    memset(path, 'n', HSX_FS_NAME_MAX);
    path[HSX_FS_NAME_MAX] = '\0';
    assert_int_equal(check(path, &why), 0);
    path[HSX_FS_NAME_MAX] = 'n';
    path[HSX_FS_NAME_MAX + 1] = '\0';
    assert_int_equal(check(path, &why), -ENAMETOOLONG);
    assert_string_equal(why, "a name longer than 255 bytes");
    /* A path of HSX_FS_PATH_MAX bytes (names of 200 bytes and a last one of 19), not one more. */
    memset(path, 'p', HSX_FS_PATH_MAX);
    for (int i = 200; i < HSX_FS_PATH_MAX - 1; i += 201)
        path[i] = '/';
    path[HSX_FS_PATH_MAX] = '\0';
    assert_int_equal(check(path, &why), 0);
    path[HSX_FS_PATH_MAX] = 'p';
    path[HSX_FS_PATH_MAX + 1] = '\0';
    assert_int_equal(check(path, &why), -ENAMETOOLONG);
    assert_string_equal(why, "longer than 1024 bytes");

    assert_int_equal(check("/a", &why), -EINVAL);
    assert_string_equal(why, "it is relative to the root: no leading '/'");
    assert_int_equal(check("a/", &why), -EINVAL);
    assert_string_equal(why, "a trailing '/'");
    assert_int_equal(check("a//b", &why), -EINVAL);
    assert_string_equal(why, "an empty name between two '/'");
    assert_int_equal(check("a/..", &why), -EINVAL);
    assert_int_equal(check("./a", &why), -EINVAL);
    assert_int_equal(check(".hsx-tmp.x", &why), -EINVAL);
    assert_int_equal(check("a\nb", &why), -EILSEQ);
    assert_string_equal(why, "a control character");
    assert_int_equal(check("a\tb", &why), -EILSEQ);
    assert_int_equal(check("\xed\xa0\x80", &why), -EILSEQ); /* a surrogate */
    assert_string_equal(why, "a name that is not UTF-8");
    assert_int_equal(check("\xe2\x82", &why), -EILSEQ); /* cut short */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sizes_take_units),
        cmocka_unit_test(map_and_unmap),
        cmocka_unit_test(commands_take_paths),
        cmocka_unit_test(paths_as_the_kernel_takes_them),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
