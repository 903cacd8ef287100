// SPDX-License-Identifier: MIT
/*
 * FRAM's capabilities in words and in hsxd: the selector kind (text, the
 * kernel's form, combining without over-granting), fram = { ... } rules in
 * a policy (each problem with its line), and decisions from several rules.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/module_sel_fram.h"
#include "decide.h"
#include "modules.h"
#include "policy.h"

#define FRAM policy_slot(HSX_MODULE_FRAM)
#define R HSX_CAP_R_READ
#define W HSX_CAP_R_WRITE
#define G HSX_CAP_R_GRANT

static const struct hsx_umodule *const m = &hsx_umod_fram;
static char why[160], text[HSX_UMOD_TEXT_MAX], err[4096];

static union hsx_cap_selector sel_of(const char *words)
{
    union hsx_cap_selector sel;

    if (hsx_umod_sel_parse(m, words, &sel, why, sizeof(why)) < 0)
        fail_msg("'%s' refused: %s", words, why);
    return sel;
}

static const char *format(const union hsx_cap_selector *sel)
{
    return hsx_umod_sel_format(m, text, sizeof(text), sel);
}

static void expect_refused_text(const char *words, const char *message)
{
    union hsx_cap_selector sel;

    assert_int_equal(hsx_umod_sel_parse(m, words, &sel, why, sizeof(why)), -EINVAL);
    if (!strstr(why, message))
        fail_msg("'%s': expected \"%s\", got \"%s\"", words, message, why);
}

static void text_reads_back_in_the_kernels_form(void **state)
{
    (void)state;
    union hsx_cap_selector sel = sel_of("0 0x0000-0x0fff,0x2000-0x20ff");
    assert_int_equal(sel.fram.devices, 1);
    assert_int_equal(sel.fram.nranges, 2);
    assert_string_equal(format(&sel), "devices 0 0x0000-0x0fff,0x2000-0x20ff");
    assert_int_equal(hsx_umod_sel_check(m, &sel, false, why, sizeof(why)), 0);

    /* Out of order, overlapping and touching: merged and sorted. */
    sel = sel_of("0-1,3 0x2000-0x20ff, 0x100-0x1ff,0x0-0xff,0x2080-0x3000,4096");
    assert_string_equal(format(&sel), "devices 0-1,3 0x0000-0x01ff,0x1000,0x2000-0x3000");
    sel = sel_of("7 all");
    assert_string_equal(format(&sel), "devices 7 0x0000-0xffffff");
    sel = sel_of("0 0-9,10-19,20-29,30-39");
    assert_string_equal(format(&sel), "devices 0 0x0000-0x0027");
    assert_int_equal(hsx_umod_sel_check(m, &sel, false, why, sizeof(why)), 0);
}

static void bad_text_is_refused(void **state)
{
    (void)state;
    expect_refused_text("0", "write devices, then address ranges");
    expect_refused_text("8 0x0-0xff", "device 8 is out of range 0..7");
    expect_refused_text("0 0x100-0xff", "range 0x100-0xff is reversed");
    expect_refused_text("0 0x0-0x1000000", "past the largest part");
    expect_refused_text("0 0x0-0xff,,0x200", "empty range");
    expect_refused_text("0 0x0-0xf,0x20-0x2f,0x40-0x4f,0x60-0x6f",
                        "more than 3 address ranges once those that overlap or touch are merged");
    expect_refused_text("0 0xg", "is not an address");
    expect_refused_text("0 -5", "is not an address");
}

static void the_kernels_rules_are_checked(void **state)
{
    (void)state;
    static const union hsx_cap_selector zero;
    union hsx_cap_selector sel = sel_of("0 0x0-0xff,0x200-0x2ff");
    assert_int_equal(hsx_umod_sel_check(m, &zero, true, why, sizeof(why)), 0);
    assert_int_equal(hsx_umod_sel_check(m, &zero, false, why, sizeof(why)), -EINVAL);

    union hsx_cap_selector bad = sel;
    bad.fram.ranges[1].first = 0x100; /* touches the first: not the kernel's form */
    assert_int_equal(hsx_umod_sel_check(m, &bad, false, why, sizeof(why)), -EINVAL);
    bad = sel;
    bad.fram.ranges[2].last = 1; /* an unused range that is not 0-0 */
    assert_int_equal(hsx_umod_sel_check(m, &bad, false, why, sizeof(why)), -EINVAL);
    bad = sel;
    bad.fram.nranges = 4;
    assert_int_equal(hsx_umod_sel_check(m, &bad, false, why, sizeof(why)), -EINVAL);
    bad = sel;
    bad.fram.devices = 0x100;
    assert_int_equal(hsx_umod_sel_check(m, &bad, false, why, sizeof(why)), -EINVAL);
    bad = sel;
    bad.fram.reserved = 1;
    assert_int_equal(hsx_umod_sel_check(m, &bad, false, why, sizeof(why)), -EINVAL);
}

static void covers_as_the_kernel_checks(void **state)
{
    (void)state;
    union hsx_cap_selector sel = sel_of("0,2 0x0000-0x0fff,0x2000-0x20ff");
    assert_true(hsx_umod_sel_covers(m, &sel, HSX_UMOD_FRAM_OBJ(0, 0, 0xfff)));
    assert_true(hsx_umod_sel_covers(m, &sel, HSX_UMOD_FRAM_OBJ(2, 0x2000, 0x2000)));
    assert_true(hsx_umod_sel_covers(m, &sel, HSX_UMOD_FRAM_OBJ_DEV(2)));
    assert_false(hsx_umod_sel_covers(m, &sel, HSX_UMOD_FRAM_OBJ_DEV(1)));
    assert_false(hsx_umod_sel_covers(m, &sel, HSX_UMOD_FRAM_OBJ(1, 0, 0)));
    /* Straddling a range's end, or the gap between two, is not covered. */
    assert_false(hsx_umod_sel_covers(m, &sel, HSX_UMOD_FRAM_OBJ(0, 0xff0, 0x100f)));
    assert_false(hsx_umod_sel_covers(m, &sel, HSX_UMOD_FRAM_OBJ(0, 0xfff, 0x2000)));
    assert_false(hsx_umod_sel_covers(m, &sel, HSX_UMOD_FRAM_OBJ(0, 0x20ff, 0x2100)));
}

/* Combining never gives an address, device or right that neither side gives. */
static void combining_never_over_grants(void **state)
{
    const struct hsx_umod_sel *k = &m->sel;
    union hsx_cap_selector out;
    (void)state;

    union hsx_cap_selector a = sel_of("0 0x0-0xff,0x1000-0x10ff");
    union hsx_cap_selector b = sel_of("0-1 0x80-0x17ff");
    k->ops->intersect(k, &a, &b, &out);
    assert_string_equal(format(&out), "devices 0 0x0080-0x00ff,0x1000-0x10ff");
    k->ops->unite(k, &a, &b, &out); /* neither holds the other: the larger, not a bridge */
    assert_string_equal(format(&out), "devices 0-1 0x0080-0x17ff");
    assert_true(hsx_umod_sel_subset(m, &out, &b));

    /* Same devices: ranges merged, if three ranges hold them. */
    a = sel_of("0 0x0-0xff");
    b = sel_of("0 0x100-0x1ff,0x400-0x4ff");
    k->ops->unite(k, &a, &b, &out);
    assert_string_equal(format(&out), "devices 0 0x0000-0x01ff,0x0400-0x04ff");
    a = sel_of("0 0x0-0xf,0x20-0x2f");
    b = sel_of("0 0x40-0x4f,0x60-0x6f");
    k->ops->unite(k, &a, &b, &out);
    assert_true(hsx_umod_sel_subset(m, &out, &a) || hsx_umod_sel_subset(m, &out, &b));

    /* Five pieces of two three-range selectors: the three largest kept. */
    a = sel_of("0 0x0-0x9,0x20-0x2f,0x40-0x7f");
    b = sel_of("0 0x5-0x25,0x2a-0x45,0x50-0x51");
    k->ops->intersect(k, &a, &b, &out);
    assert_string_equal(format(&out), "devices 0 0x0020-0x0025,0x002a-0x002f,0x0040-0x0045");
    assert_true(hsx_umod_sel_subset(m, &out, &a) && hsx_umod_sel_subset(m, &out, &b));

    /* A narrower range set in a wider one, and not the other way. */
    a = sel_of("0 0x0-0xfff");
    b = sel_of("0 0x0-0x7ff,0x800-0xfff");
    assert_true(hsx_umod_sel_subset(m, &b, &a) && hsx_umod_sel_subset(m, &a, &b));
    b = sel_of("0 0x0-0xfff,0x2000");
    assert_false(hsx_umod_sel_subset(m, &b, &a));
}

static struct policy *load(const char *policy_text)
{
    char dir[64], path[128];
    struct policy *policy = NULL;

    snprintf(dir, sizeof(dir), "/tmp/hsxd-fram.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/policy.conf", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(policy_text, f);
    fclose(f);
    int ret = policy_load(path, false, &policy, err, sizeof(err));
    unlink(path);
    rmdir(dir);
    return ret == 0 ? policy : NULL;
}

static void expect_refused(const char *grant, const char *message)
{
    char policy_text[512];

    snprintf(policy_text, sizeof(policy_text), "rules = ( { match = { uid = 1000; };\n  %s } );\n",
             grant);
    assert_null(load(policy_text));
    if (!strstr(err, message))
        fail_msg("expected \"%s\" in:\n%s", message, err);
}

static void a_policy_grants_ranges(void **state)
{
    (void)state;
    struct policy *policy =
        load("rules = ( { name = \"logger\"; match = { uid = 1000; };\n"
             "  fram = { device = 0; ranges = \"0x0000-0x0fff\"; rights = [\"read\", \"write\"]; "
             "}; } );\n");
    if (!policy)
        fail_msg("refused:\n%s", err);
    const struct policy_grant *g = &policy->rules[0].grant[FRAM];
    assert_true(g->present);
    assert_int_equal(g->rights, R | W);
    assert_string_equal(format(&g->sel), "devices 0 0x0000-0x0fff");
    policy_free(policy);

    /* Lists of devices and ranges, merged. */
    policy = load("rules = ( { match = { uid = 1000; };\n"
                  "  fram = { device = (0, \"2-3\"); ranges = [\"0x2000-0x20ff\", "
                  "\"0x0-0xff\", \"0x100-0x1ff\"]; rights = \"read,grant\"; }; } );\n");
    if (!policy)
        fail_msg("refused:\n%s", err);
    assert_string_equal(format(&policy->rules[0].grant[FRAM].sel),
                        "devices 0,2-3 0x0000-0x01ff,0x2000-0x20ff");
    policy_free(policy);

    expect_refused("fram = { device = 8; ranges = \"0x0-0xff\"; rights = \"read\"; };",
                   ":2: device: device 8 is out of range 0..7");
    expect_refused("fram = { device = 0; ranges = \"0x0-0x1000000\"; rights = \"read\"; };",
                   ":2: ranges: address 0x1000000 is past the largest part (0x0-0xffffff)");
    expect_refused("fram = { device = 0; ranges = 4096; rights = \"read\"; };",
                   ":2: ranges: expected a string such as \"0x0000-0x0fff,0x2000-0x20ff\"");
    expect_refused("fram = { device = 0; ranges = [\"0x0-0xf\", \"0x20-0x2f\", \"0x40-0x4f\", "
                   "\"0x60-0x6f\"]; rights = \"read\"; };",
                   ":2: ranges: more than 3 address ranges");
    expect_refused("fram = { device = 0; rights = \"read\"; };", "fram: ranges is missing");
    expect_refused("fram = { ranges = \"all\"; rights = \"read\"; };", "fram: device is missing");
    expect_refused("fram = { device = 0; ranges = \"all\"; rights = \"config\"; };",
                   ":2: rights: 'config' is not a right of fram");
    expect_refused("fram = { device = 0; ranges = \"0x20-0x10\"; rights = \"read\"; };",
                   ":2: ranges: range 0x20-0x10 is reversed");
}

static struct policy_rule rules[3];
static struct policy policy = {.lifetime_s = 3600, .rules = rules, .nrules = 3};
static const struct identity user = {.pid = 42, .uid = 1000, .gid = 1000, .exe = "/bin/t"};

static void rule(size_t i, const char *name, uint32_t rights, const char *words)
{
    memset(&rules[i], 0, sizeof(rules[i]));
    snprintf(rules[i].name, sizeof(rules[i].name), "%s", name);
    rules[i].match = POLICY_MATCH_UID;
    rules[i].uid = 1000;
    rules[i].lifetime_s = 600;
    if (!rights)
        return;
    rules[i].grant[FRAM].present = true;
    rules[i].grant[FRAM].rights = rights;
    rules[i].grant[FRAM].sel = sel_of(words);
}

static bool ask(uint32_t rights, const char *words, struct decision *d)
{
    struct cap_want want = {.module = HSX_MODULE_FRAM, .rights = rights};

    if (words)
        want.sel = sel_of(words);
    return decide(&policy, NULL, 0, &user, &want, 1000000000ull, d);
}

static void decisions_come_from_whole_rules(void **state)
{
    struct decision d;
    (void)state;

    /* Read on one range, write on another: no capability bridges the two. */
    rule(0, "readers", R, "0 0x0-0xfff");
    rule(1, "writers", W, "0 0x2000-0x20ff");
    rule(2, "none", 0, NULL);
    assert_true(ask(0, NULL, &d));
    assert_int_equal(d.rights, R);
    assert_string_equal(format(&d.sel), "devices 0 0x0000-0x0fff");
    assert_string_equal(d.rules, "readers");
    assert_true(ask(W, NULL, &d));
    assert_int_equal(d.rights, W);
    assert_string_equal(format(&d.sel), "devices 0 0x2000-0x20ff");
    assert_false(ask(W, "0 0x0-0xff", &d));
    assert_non_null(strstr(d.why, "fram: asked for write on devices 0 0x0000-0x00ff"));

    /* The same rights on two ranges: one capability with both. */
    rule(1, "more", R, "0 0x1000-0x10ff,0x3000-0x30ff");
    assert_true(ask(0, NULL, &d));
    assert_int_equal(d.rights, R);
    assert_string_equal(format(&d.sel), "devices 0 0x0000-0x10ff,0x3000-0x30ff");
    assert_string_equal(d.rules, "readers, more");

    /* Rights added where one rule has them over all of it; grant only from one with all. */
    rule(0, "rw", R | W | G, "0-1 0x0-0xffff");
    rule(1, "read", R, "0 0x0-0xfff");
    assert_true(ask(0, "0 0x0-0xff", &d));
    assert_int_equal(d.rights, R | W | G);
    assert_string_equal(format(&d.sel), "devices 0 0x0000-0x00ff");
    rule(0, "rw", R | W, "0-1 0x0-0xffff");
    rule(1, "read", R | G, "0 0x0-0xfff");
    assert_true(ask(0, NULL, &d));
    assert_int_equal(d.rights, R | W);
    assert_true(ask(R | G, "0 0x0-0xff", &d));
    assert_int_equal(d.rights, R | G);
    assert_false(ask(G, NULL, &d));

    /* Renewals: what it holds, asked again, is covered. */
    union hsx_cap_selector held = sel_of("0 0x0-0xff");
    assert_int_equal(
        decide_again(&policy, NULL, 0, &user, HSX_MODULE_FRAM, R, &held, 0, 0, 1000000000ull, &d),
        VERDICT_ALLOWED);
    held = sel_of("0 0x0-0xff,0x20000");
    assert_int_equal(
        decide_again(&policy, NULL, 0, &user, HSX_MODULE_FRAM, R, &held, 0, 0, 1000000000ull, &d),
        VERDICT_NARROWER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(text_reads_back_in_the_kernels_form),
        cmocka_unit_test(bad_text_is_refused),
        cmocka_unit_test(the_kernels_rules_are_checked),
        cmocka_unit_test(covers_as_the_kernel_checks),
        cmocka_unit_test(combining_never_over_grants),
        cmocka_unit_test(a_policy_grants_ranges),
        cmocka_unit_test(decisions_come_from_whole_rules),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
