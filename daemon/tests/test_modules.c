// SPDX-License-Identifier: MIT
/*
 * A module hsxd and hsxctl were never told of: the kernel's test module
 * ("dummy", lib/tests/dummy_module.c), which only this build's table has.
 * Its policy rules, decisions, request checks and listing come from its
 * descriptor alone: nothing in daemon/ or tools/ names it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../tools/hsxctl/cap_print.c"
#include "../../tools/hsxctl/cli.c"
#include "../../tools/hsxctl/cli_can.c"
#include "../../tools/hsxctl/cli_fram.c"
#include "../../tools/hsxctl/output.c"

#include "../../lib/tests/hsxctl_parse.h"
#include "decide.h"
#include "policy.h"
#include "proto.h"

#define DUMMY policy_slot(HSX_MODULE_TEST)
#define R HSX_CAP_R_READ
#define INSTANCE(n) (UINT64_C(1) << (n))

static char dir[64], path[128], err[4096];

/* Load text as a policy; NULL (with err) if it is refused. */
static struct policy *load(const char *text)
{
    struct policy *policy = NULL;

    snprintf(dir, sizeof(dir), "/tmp/hsxd-modules.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/policy.conf", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    int ret = policy_load(path, false, &policy, err, sizeof(err));
    unlink(path);
    rmdir(dir);
    return ret == 0 ? policy : NULL;
}

static void expect_refused(const char *grant, const char *message)
{
    char text[512];

    snprintf(text, sizeof(text), "rules = ( { match = { uid = 1000; };\n  %s } );\n", grant);
    assert_null(load(text));
    if (!strstr(err, message))
        fail_msg("expected \"%s\" in:\n%s", message, err);
}

static void a_policy_grants_it(void **state)
{
    (void)state;
    struct policy *policy = load("rules = ( { name = \"tester\"; match = { uid = 1000; };\n"
                                 "  dummy = { instances = \"1-3\"; rights = [\"read\"]; }; } );\n");
    if (!policy)
        fail_msg("refused:\n%s", err);
    const struct policy_grant *g = &policy->rules[0].grant[DUMMY];
    assert_true(g->present);
    assert_int_equal(g->rights, R);
    assert_true(g->sel.raw[0] == (INSTANCE(1) | INSTANCE(2) | INSTANCE(3)));
    policy_free(policy);

    /* A set takes numbers, strings and lists of them, as pins do. */
    policy = load("rules = ( { match = { uid = 1000; };\n"
                  "  dummy = { instances = (0, \"62-63\"); rights = \"read,grant\"; }; } );\n");
    assert_non_null(policy);
    assert_true(policy->rules[0].grant[DUMMY].sel.raw[0] == (1 | INSTANCE(62) | INSTANCE(63)));
    assert_int_equal(policy->rules[0].grant[DUMMY].rights, R | HSX_CAP_R_GRANT);
    policy_free(policy);

    expect_refused("dummy = { instances = 64; rights = \"read\"; };",
                   ":2: instances: instance 64 is out of range 0..63");
    expect_refused("dummy = { instances = 1; rights = \"write\"; };",
                   ":2: rights: 'write' is not a right of dummy");
    expect_refused("dummy = { instances = 1; rights = \"irq\"; };",
                   ":2: rights: 'irq' is not a right of dummy");
    expect_refused("dummy = { pins = 1; rights = \"read\"; };",
                   "unknown key 'pins' in dummy (expected instances or rights)");
    expect_refused("dummy = { rights = \"read\"; };", "dummy: instances is missing");
    expect_refused("dummy = { instances = []; rights = \"read\"; };",
                   "instances is empty: a grant needs at least one instance");
    expect_refused("dumm = { instances = 1; rights = \"read\"; };",
                   "unknown key 'dumm' in a rule (expected name, match, lifetime, uart, can, "
                   "timer, fram, fs, gpio "
                   "or dummy)");
}

static struct policy_rule rules[2];
static struct policy policy = {.lifetime_s = 3600, .rules = rules, .nrules = 2};
static const struct identity tester = {.pid = 42, .uid = 1000, .gid = 1000, .exe = "/bin/t"};

static bool ask(uint32_t rights, uint64_t instances, struct decision *d)
{
    struct cap_want want = {.module = HSX_MODULE_TEST, .rights = rights, .sel.raw = {instances}};

    return decide(&policy, NULL, 0, &tester, &want, 1000000000ull, d);
}

static void decisions_narrow_to_it(void **state)
{
    struct decision d;
    (void)state;

    memset(rules, 0, sizeof(rules));
    snprintf(rules[0].name, sizeof(rules[0].name), "readers");
    snprintf(rules[1].name, sizeof(rules[1].name), "granters");
    for (int i = 0; i < 2; i++) {
        rules[i].match = POLICY_MATCH_UID;
        rules[i].uid = 1000;
        rules[i].lifetime_s = 600;
    }
    rules[0].grant[DUMMY] = (struct policy_grant){
        .present = true, .rights = R, .sel.raw = {INSTANCE(1) | INSTANCE(2) | INSTANCE(3)}};
    rules[1].grant[DUMMY] = (struct policy_grant){
        .present = true, .rights = R | HSX_CAP_R_GRANT, .sel.raw = {INSTANCE(2)}};

    /* Everything allowed: the rectangle, the most rights first (as for pins). */
    assert_true(ask(0, 0, &d));
    assert_int_equal(d.rights, R | HSX_CAP_R_GRANT);
    assert_true(d.sel.raw[0] == INSTANCE(2));
    assert_true(ask(R, 0, &d));
    assert_true(d.sel.raw[0] == (INSTANCE(1) | INSTANCE(2) | INSTANCE(3)));
    assert_string_equal(d.rules, "readers, granters");
    /* Narrowed to what is asked, and to what is granted. */
    assert_true(ask(R, INSTANCE(2) | INSTANCE(5), &d));
    assert_true(d.sel.raw[0] == INSTANCE(2));
    assert_true(ask(R | HSX_CAP_R_GRANT, INSTANCE(1) | INSTANCE(2), &d));
    assert_int_equal(d.rights, R | HSX_CAP_R_GRANT);
    assert_true(d.sel.raw[0] == INSTANCE(2));
    assert_string_equal(d.rules, "readers, granters");
    assert_true(decision_covers(&d, HSX_MODULE_TEST, R, &(union hsx_cap_selector){.raw = {4}}));
    assert_false(decision_covers(&d, HSX_MODULE_TEST, R, &(union hsx_cap_selector){.raw = {2}}));
    /* Refused in its words. */
    assert_false(ask(HSX_CAP_R_GRANT, INSTANCE(5), &d));
    assert_string_equal(d.why, "dummy: asked for grant on instances 5; the rules grant "
                               "read,grant on instances 1-3");
}

static int check(uint32_t op, uint32_t rights, uint64_t instances, uint64_t more)
{
    struct hsxd_request req = {.version = HSXD_PROTO_VERSION,
                               .op = op,
                               .module = HSX_MODULE_TEST,
                               .rights = rights,
                               .sel.raw = {instances, more},
                               .lifetime_s = op == HSXD_OP_GRANT ? 60 : 0};
    struct hsxd_request out;

    err[0] = '\0';
    return proto_check_request(&req, sizeof(req), op == HSXD_OP_ACQUIRE, true, &out, err,
                               sizeof(err));
}

static void requests_are_checked_by_its_selector(void **state)
{
    (void)state;
    assert_int_equal(check(HSXD_OP_ACQUIRE, R, INSTANCE(63), 0), 0);
    assert_int_equal(check(HSXD_OP_ACQUIRE, 0, 0, 0), 0); /* all the policy allows */
    assert_int_equal(check(HSXD_OP_GRANT, R, INSTANCE(3), 0), 0);
    assert_int_equal(check(HSXD_OP_ACQUIRE, HSX_CAP_R_WRITE, 1, 0), -EINVAL);
    assert_string_equal(err, "rights 0x2 are not rights of dummy");
    assert_int_equal(check(HSXD_OP_ACQUIRE, R, 1, 1), -EINVAL);
    assert_string_equal(err, "dummy selector: only instances 0..63 may be set");
    assert_int_equal(check(HSXD_OP_GRANT, R, 0, 0), -EINVAL);
    assert_string_equal(err, "dummy selector: no instances given");
}

static void hsxctl_lists_and_grants_it(void **state)
{
    static char out_text[2048];
    struct cap_row row = {.info = {.id = 7,
                                   .module = HSX_MODULE_TEST,
                                   .rights = R,
                                   .sel.raw = {INSTANCE(1) | INSTANCE(2) | INSTANCE(3)},
                                   .expiry_ns = 160 * 1000000000ull,
                                   .holder_pid = 99},
                          .exe = "/bin/t"};
    struct hsxctl_cmdline cmd;
    (void)state;

    for (int json = 0; json < 2; json++) {
        memset(out_text, 0, sizeof(out_text));
        FILE *out = fmemopen(out_text, sizeof(out_text), "w");
        assert_non_null(out);
        print_caps(out, &row, 1, 100 * 1000000000ull, json);
        fclose(out);
        if (json)
            assert_string_equal(out_text,
                                "[{\"id\":7,\"parent_id\":0,\"depth\":0,\"module\":\"dummy\","
                                "\"rights\":[\"read\"],\"instances\":[1,2,3],"
                                "\"expiry_ns\":160000000000,\"expires_in_s\":60,"
                                "\"holder_pid\":99,\"exe\":\"/bin/t\"}]\n");
        else
            assert_non_null(strstr(out_text, "\n7      99      dummy  read                 "
                                             "instances 1-3           60s -      /bin/t\n"));
    }

    assert_int_equal(parse("cap grant --uid 1000 dummy read,grant 1-3", &cmd), 0);
    assert_int_equal(cmd.module, HSX_MODULE_TEST);
    assert_int_equal(cmd.rights, R | HSX_CAP_R_GRANT);
    assert_true(cmd.sel.raw[0] == (INSTANCE(1) | INSTANCE(2) | INSTANCE(3)));
    expect_usage_error("cap grant --uid 1 dummy write 1", "'write' is not a right of dummy");
    expect_usage_error("cap grant --uid 1 dummy read 64", "instance 64 is out of range 0..63");
    expect_usage_error(
        "cap grant --uid 1 frob read 1",
        "unknown module 'frob' (expected uart, can, timer, fram, fs, gpio or dummy)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_policy_grants_it),
        cmocka_unit_test(decisions_narrow_to_it),
        cmocka_unit_test(requests_are_checked_by_its_selector),
        cmocka_unit_test(hsxctl_lists_and_grants_it),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
