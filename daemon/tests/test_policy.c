// SPDX-License-Identifier: MIT
/*
 * Reading policy files: good ones in every form the format allows, and bad
 * ones of every kind, each with the line and the words the administrator
 * must see.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "decide.h"
#include "policy.h"
#include "policy_file.h"

/* A rule's grant of each module (policy_slot()). */
#define GPIO policy_slot(HSX_MODULE_GPIO)
#define TIMER policy_slot(HSX_MODULE_TIMER)
#define CAN policy_slot(HSX_MODULE_CAN)

static char dir[64];
static char path[128];
static char err[8192];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/hsxd-policy.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(path, sizeof(path), "%s/policy.conf", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    rmdir(dir);
    return 0;
}

static void write_policy(const char *text)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, 0644);
}

static struct policy *load(const char *text)
{
    struct policy *policy = NULL;

    write_policy(text);
    if (policy_load(path, false, &policy, err, sizeof(err)) < 0)
        fail_msg("expected a valid policy, got:\n%s", err);
    return policy;
}

/* The file fails with "policy.conf:LINE: message" among its problems. */
static void expect_problem(const char *text, unsigned int line, const char *message)
{
    struct policy *policy = NULL;
    char want[512];

    write_policy(text);
    memset(err, 0, sizeof(err));
    assert_int_equal(policy_load(path, false, &policy, err, sizeof(err)), -1);
    assert_null(policy);
    if (line)
        snprintf(want, sizeof(want), "%s:%u: %s", path, line, message);
    else
        snprintf(want, sizeof(want), "%s: %s", path, message);
    if (!strstr(err, want))
        fail_msg("expected \"%s\" in:\n%s", want, err);
}

/* A policy of one rule, for uid 1, that grants grant (a text of a few lines: line 3). */
#define GRANT(grant)                                                                               \
    (snprintf(text, sizeof(text), "rules = (\n { match = { uid = 1; };\n" grant "\n }\n);\n"), text)

static void the_example_is_valid(void **state)
{
    struct policy *policy = NULL;
    (void)state;

    if (policy_load(HSXD_EXAMPLE_POLICY, false, &policy, err, sizeof(err)) < 0)
        fail_msg("%s", err);
    assert_int_equal(policy->nrules, 5);
    assert_int_equal(policy->lifetime_s, 3600);
    const struct policy_rule *files = &policy->rules[4];
    assert_string_equal(files->name, "logger-files");
    assert_non_null(files->fs);
    assert_string_equal(files->fs->root, "/var/lib/hsx/fs/%u/%n");
    assert_int_equal(files->fs->quota_bytes, 1048576);
    assert_int_equal(files->fs->quota_files, 256);
    assert_int_equal(files->grant[policy_slot(HSX_MODULE_FS)].rights,
                     HSX_CAP_R_READ | HSX_CAP_R_WRITE);
    const struct policy_rule *blinky = &policy->rules[0];
    assert_string_equal(blinky->name, "blinky");
    assert_int_equal(blinky->match, POLICY_MATCH_UID | POLICY_MATCH_EXE);
    assert_int_equal(blinky->uid, 1000);
    assert_string_equal(blinky->exe, "/usr/local/bin/blinky");
    assert_int_equal(blinky->lifetime_s, 600);
    assert_true(blinky->grant[GPIO].present); /* gpio */
    assert_true(blinky->grant[GPIO].sel.gpio.pins == ((UINT64_C(1) << 17) | (UINT64_C(0xf) << 20)));
    assert_int_equal(blinky->grant[GPIO].rights,
                     HSX_CAP_R_READ | HSX_CAP_R_WRITE | HSX_CAP_R_GPIO_IRQ);
    assert_true(blinky->grant[TIMER].present); /* timer */
    assert_int_equal(blinky->grant[TIMER].sel.timer.max_timers, 4);
    const struct policy_rule *sensors = &policy->rules[1];
    assert_int_equal(sensors->match, POLICY_MATCH_CGROUP);
    assert_string_equal(sensors->cgroup, "/system.slice/sensors.service");
    assert_int_equal(sensors->lifetime_s, 3600); /* the default */
    assert_false(sensors->grant[TIMER].present);
    const struct policy_grant *engine = &policy->rules[2].grant[CAN];
    assert_int_equal(engine->rights, HSX_CAP_R_READ | HSX_CAP_R_WRITE);
    assert_int_equal(engine->sel.can.buses, 1);
    assert_int_equal(engine->sel.can.tx_first, 0x100);
    assert_int_equal(engine->sel.can.tx_last, 0x1ff);
    assert_int_equal(engine->sel.can.rx_last, 0x7ff);
    policy_free(policy);
}

static void every_form_of_a_rule(void **state)
{
    (void)state;
    struct policy *policy = load("# everything optional left out\n"
                                 "rules = (\n"
                                 "  { match = { user = \"root\"; group = \"root\"; };\n"
                                 "    gpio = { pins = 5; rights = \"read, write\"; }; },\n"
                                 "  { match = { gid = 0; cgroup = \"/\"; };\n"
                                 "    gpio = { pins = [1, 2, 3]; rights = [\"irq\"]; }; },\n"
                                 "  { match = { uid = 2147483647; };\n"
                                 "    gpio = { pins = (0, \"62-63\"); rights = (\"grant\"); };\n"
                                 "    timer = { max_timers = 64; rights = [\"read\"]; }; }\n"
                                 ");\n");
    assert_int_equal(policy->nrules, 3);
    assert_int_equal(policy->lifetime_s, POLICY_LIFETIME_DEFAULT);
    assert_string_equal(policy->rules[0].name, "rule 1");
    assert_int_equal(policy->rules[0].line, 3);
    assert_int_equal(policy->rules[0].match, POLICY_MATCH_UID | POLICY_MATCH_GID);
    assert_int_equal(policy->rules[0].uid, 0);
    assert_int_equal(policy->rules[0].gid, 0);
    assert_true(policy->rules[0].grant[GPIO].sel.gpio.pins == 1u << 5);
    assert_int_equal(policy->rules[0].grant[GPIO].rights, HSX_CAP_R_READ | HSX_CAP_R_WRITE);
    assert_true(policy->rules[1].grant[GPIO].sel.gpio.pins == 0xe);
    assert_int_equal(policy->rules[1].grant[GPIO].rights, HSX_CAP_R_GPIO_IRQ);
    assert_int_equal(policy->rules[2].uid, 2147483647);
    assert_true(policy->rules[2].grant[GPIO].sel.gpio.pins == (1 | (UINT64_C(3) << 62)));
    assert_int_equal(policy->rules[2].grant[TIMER].sel.timer.max_timers, 64);
    policy_free(policy);

    /* No rules at all is a valid policy that denies everything. */
    policy = load("version = 1;\nrules = ();\n");
    assert_int_equal(policy->nrules, 0);
    policy_free(policy);
}

static void structure_errors(void **state)
{
    (void)state;
    expect_problem("rules = (\n  { match = { uid = 1 }; }\n", 3, "syntax error");
    expect_problem("a = 1;\na = 2;\nrules = ();\n", 2, "duplicate setting name");
    expect_problem("version = 1;\n", 0, "no rules");
    expect_problem("rules = { };\n", 1, "rules must be a list");
    expect_problem("rules = ();\ncolour = \"red\";\n", 2,
                   "unknown key 'colour' at the top level (expected version, lifetime or rules)");
    expect_problem("version = 2;\nrules = ();\n", 1, "version 2 is not supported");
    expect_problem("version = \"1\";\nrules = ();\n", 1, "version must be a number, not a string");
    expect_problem("lifetime = 0;\nrules = ();\n", 1, "lifetime 0 is out of range 1..2592000");
    expect_problem("lifetime = 2592001;\nrules = ();\n", 1, "lifetime 2592001 is out of range");
    expect_problem("lifetime = 1.5;\nrules = ();\n", 1,
                   "lifetime must be a number, not a fraction");
    expect_problem("rules = (\n  5\n);\n", 2, "rule 1 must be a group");
    expect_problem("rules = (\n  { name = \"x\"; gpio = { pins = 1; rights = \"read\"; }; }\n);\n",
                   2, "x has no match");
    expect_problem("rules = (\n  { match = { uid = 1; }; }\n);\n", 2,
                   "rule 1 grants nothing: give uart, can, timer, fram, fs, gpio or dummy");
    expect_problem("rules = (\n  { match = { uid = 1; };\n    frob = 1; }\n);\n", 3,
                   "unknown key 'frob' in a rule");
    expect_problem("rules = (\n  { match = { uid = 1; };\n    fs = { }; }\n);\n", 3,
                   "fs: rights is missing");
    expect_problem("rules = (\n  { name = \"a\"; match = { uid = 1; }; timer = { max_timers = 1; "
                   "rights = \"read\"; }; },\n  { name = \"a\"; match = { uid = 2; }; timer = { "
                   "max_timers = 1; rights = \"read\"; }; }\n);\n",
                   3, "the name 'a' is taken by the rule at line 2");
    expect_problem("rules = (\n  { name = \"\"; match = { uid = 1; }; timer = { max_timers = 1; "
                   "rights = \"read\"; }; }\n);\n",
                   2, "name is empty");
}

static void match_errors(void **state)
{
    (void)state;
    const char *tail = "  gpio = { pins = 1; rights = \"read\"; }; }\n);\n";
    char text[512];

#define RULE(match)                                                                                \
    (snprintf(text, sizeof(text), "rules = (\n { match = " match ";\n%s", tail), text)
    expect_problem(RULE("{ }"), 2, "match is empty: give at least one of uid, user");
    expect_problem(RULE("5"), 2, "match must be a group");
    expect_problem(RULE("{ usr = 3; }"), 2, "unknown key 'usr' in match");
    expect_problem(RULE("{ uid = -1; }"), 2, "uid -1 is out of range 0..2147483647");
    /* libconfig 1.5 reads numbers past 2^31 wrapped: this one comes out negative, and refused. */
    expect_problem(RULE("{ uid = 4294967294; }"), 2, "uid -2 is out of range");
    expect_problem(RULE("{ uid = \"1000\"; }"), 2, "uid must be a number, not a string");
    expect_problem(RULE("{ uid = 1; user = \"root\"; }"), 2, "give uid or user, not both");
    expect_problem(RULE("{ gid = 1; group = \"root\"; }"), 2, "give gid or group, not both");
    expect_problem(RULE("{ user = \"no-such-user-hsx\"; }"), 2, "unknown user 'no-such-user-hsx'");
    expect_problem(RULE("{ group = \"no-such-group-hsx\"; }"), 2,
                   "unknown group 'no-such-group-hsx'");
    expect_problem(RULE("{ user = 0; }"), 2, "user must be a string, not a number");
    expect_problem(RULE("{ exe = \"bin/app\"; }"), 2,
                   "exe must be an absolute path starting with '/': 'bin/app'");
    expect_problem(RULE("{ exe = \"\"; }"), 2, "exe is empty");
    expect_problem(RULE("{ exe = \"/usr/bin/app\"; }"), 2,
                   "exe alone matches whoever runs the program");
    expect_problem(RULE("{ cgroup = \"/a/\"; }"), 2, "cgroup must not end with '/'");
    expect_problem(RULE("{ cgroup = \"system.slice\"; }"), 2, "cgroup must be an absolute path");
#undef RULE
}

static void grant_errors(void **state)
{
    (void)state;
    char text[512];

    expect_problem(GRANT("gpio = { pins = 64; rights = \"read\"; };"), 3,
                   "pins: pin 64 is out of range 0..63");
    expect_problem(GRANT("gpio = { pins = -1; rights = \"read\"; };"), 3,
                   "pins: pin -1 is out of range 0..63");
    expect_problem(GRANT("gpio = { pins = \"20-17\"; rights = \"read\"; };"), 3,
                   "pins: range 20-17 is reversed");
    expect_problem(GRANT("gpio = { pins = (1, \"63-64\"); rights = \"read\"; };"), 3,
                   "pins: pin 64 is out of range");
    expect_problem(GRANT("gpio = { pins = []; rights = \"read\"; };"), 3, "pins is empty");
    expect_problem(GRANT("gpio = { pins = 1.0; rights = \"read\"; };"), 3,
                   "pins: expected a number or a string such as \"17,20-23\", not a fraction");
    expect_problem(GRANT("gpio = { pins = 1; };"), 3, "gpio: rights is missing");
    expect_problem(GRANT("gpio = { rights = \"read\"; };"), 3, "gpio: pins is missing");
    expect_problem(GRANT("gpio = { pins = 1; rights = [\"read\", \"exec\"]; };"), 3,
                   "rights: 'exec': unknown right");
    expect_problem(GRANT("gpio = { pins = 1; rights = \"admin\"; };"), 3,
                   "rights: 'admin': the admin right is never granted");
    expect_problem(GRANT("gpio = { pins = 1; rights = []; };"), 3, "rights is empty");
    expect_problem(GRANT("gpio = { pins = 1; rights = [1]; };"), 3,
                   "rights: expected names such as \"read\", not a number");
    expect_problem(GRANT("gpio = { pins = 1; rights = 1; };"), 3, "rights must be an array");
    expect_problem(GRANT("gpio = { pins = 1; rights = \"read\"; edge = 1; };"), 3,
                   "unknown key 'edge' in gpio (expected pins or rights)");
    expect_problem(GRANT("gpio = 5;"), 3, "gpio must be a group");
    expect_problem(GRANT("timer = { max_timers = 0; rights = \"read\"; };"), 3,
                   "max_timers: 0 timers is out of range 1..64");
    expect_problem(GRANT("timer = { max_timers = 65; rights = \"read\"; };"), 3,
                   "max_timers: 65 timers is out of range 1..64");
    expect_problem(GRANT("timer = { max_timers = 1; rights = \"irq\"; };"), 3,
                   "rights: 'irq' is not a right of timer");
    expect_problem(GRANT("timer = { rights = \"read\"; };"), 3, "timer: max_timers is missing");
    expect_problem(GRANT("timer = { max_timers = 1; rights = \"read\"; pins = 1; };"), 3,
                   "unknown key 'pins' in timer (expected max_timers or rights)");
    expect_problem(GRANT("lifetime = 0; timer = { max_timers = 1; rights = \"read\"; };"), 3,
                   "lifetime 0 is out of range");
}

static void can_grants_in_every_form(void **state)
{
    (void)state;
    struct policy *policy =
        load("rules = (\n"
             "  { match = { uid = 1; };\n"
             "    can = { bus = 0; tx_ids = \"0x100-0x1ff\"; rx_ids = \"0x000-0x7ff\";\n"
             "            rights = [\"read\", \"write\"]; }; },\n"
             "  { match = { uid = 2; };\n"
             "    can = { bus = \"0-1\"; rights = \"read, config\"; }; },\n"
             "  { match = { uid = 3; };\n"
             "    can = { bus = (2, \"4-5\"); rx_ids = \"ext:0x18ff0000-0x18ffffff\";\n"
             "            tx_ids = \"all\"; rights = (\"read\", \"write\", \"grant\"); }; }\n"
             ");\n");
    const struct policy_grant *g = &policy->rules[0].grant[CAN];
    assert_true(g->present);
    assert_int_equal(g->rights, HSX_CAP_R_READ | HSX_CAP_R_WRITE);
    assert_int_equal(g->sel.can.buses, 1);
    assert_int_equal(g->sel.can.flags, HSX_CAN_SEL_TX | HSX_CAN_SEL_RX);
    assert_int_equal(g->sel.can.tx_first, 0x100);
    assert_int_equal(g->sel.can.tx_last, 0x1ff);
    assert_int_equal(g->sel.can.rx_first, 0);
    assert_int_equal(g->sel.can.rx_last, 0x7ff);
    /* No ranges: status and configuration, no frame either way. */
    g = &policy->rules[1].grant[CAN];
    assert_int_equal(g->rights, HSX_CAP_R_READ | HSX_CAP_R_CAN_CONFIG);
    assert_int_equal(g->sel.can.buses, 3);
    assert_int_equal(g->sel.can.flags, 0);
    g = &policy->rules[2].grant[CAN];
    assert_int_equal(g->sel.can.buses, (1u << 2) | (3u << 4));
    assert_int_equal(g->sel.can.rx_first, HSX_CAN_SEL_EXT | 0x18ff0000);
    assert_int_equal(g->sel.can.rx_last, HSX_CAN_SEL_EXT | 0x18ffffff);
    assert_int_equal(g->sel.can.tx_first, 0);
    assert_int_equal(g->sel.can.tx_last, HSX_CAN_SEL_EXT | HSX_CAN_EFF_MASK);
    assert_true(g->rights & HSX_CAP_R_GRANT);
    policy_free(policy);
}

static void can_grant_errors(void **state)
{
    (void)state;
    char text[512];

    expect_problem(GRANT("can = { rights = \"read\"; };"), 3, "can: bus is missing");
    expect_problem(GRANT("can = { bus = 16; rights = \"read\"; };"), 3,
                   "bus: bus 16 is out of range 0..15");
    expect_problem(GRANT("can = { bus = \"1-0\"; rights = \"read\"; };"), 3,
                   "bus: range 1-0 is reversed");
    expect_problem(GRANT("can = { bus = 0.5; rights = \"read\"; };"), 3,
                   "bus: expected a number or a string such as \"0-1\", not a fraction");
    expect_problem(GRANT("can = { bus = []; rights = \"read\"; };"), 3,
                   "bus is empty: a grant needs at least one bus");
    /* IDs are written in hex, as text: a number would lose how it was written. */
    expect_problem(GRANT("can = { bus = 0; tx_ids = 256; rights = \"write\"; };"), 3,
                   "tx_ids: expected a string such as \"0x100-0x1ff\", not a number");
    expect_problem(GRANT("can = { bus = 0; tx_ids = \"256\"; rights = \"write\"; };"), 3,
                   "tx_ids: '256' is not a CAN ID: write it in hex with 0x (0x123)");
    expect_problem(GRANT("can = { bus = 0; tx_ids = \"0x800\"; rights = \"write\"; };"), 3,
                   "tx_ids: 0x800 is not a standard ID (0x000-0x7ff): write ext:0x800");
    /* One range each way: a list of them is no range. */
    expect_problem(GRANT("can = { bus = 0; tx_ids = [\"0x1\", \"0x5\"]; rights = \"write\"; };"), 3,
                   "tx_ids: expected a string such as \"0x100-0x1ff\", not an array");
    expect_problem(GRANT("can = { bus = 0; rx_ids = \"0x1ff-0x100\"; rights = \"read\"; };"), 3,
                   "rx_ids: range 0x1ff-0x100 is reversed");
    expect_problem(GRANT("can = { bus = 0; rx_ids = \"\"; rights = \"read\"; };"), 3,
                   "rx_ids: '' is not an ID range (0x100-0x1ff, std, ext or all)");
    expect_problem(GRANT("can = { bus = 0; rx_ids = \"ext:0x20000000\"; rights = \"read\"; };"), 3,
                   "rx_ids: ext:0x20000000 is not an extended ID");
    expect_problem(GRANT("can = { bus = 0; ids = \"std\"; rights = \"read\"; };"), 3,
                   "unknown key 'ids' in can (expected bus, tx_ids, rx_ids or rights)");
    expect_problem(GRANT("can = { bus = 0; rights = [\"irq\"]; };"), 3,
                   "rights: 'irq' is not a right of can");
    expect_problem(GRANT("can = { bus = 0; };"), 3, "can: rights is missing");
    expect_problem(GRANT("can = 0;"), 3, "can must be a group { bus = ...; rights = [...]; }");
}

static void every_problem_is_reported_in_line_order(void **state)
{
    (void)state;
    write_policy("lifetime = 0;\n"
                 "rules = (\n"
                 "  { match = { usr = 1; };\n"
                 "    gpio = { pins = 64; rights = \"read\"; }; }\n"
                 ");\n"
                 "version = 9;\n");
    struct policy *policy = NULL;
    assert_int_equal(policy_load(path, false, &policy, err, sizeof(err)), -1);
    char *lifetime = strstr(err, ":1: lifetime");
    char *usr = strstr(err, ":3: unknown key 'usr'");
    char *pin = strstr(err, ":4: pins");
    char *version = strstr(err, ":6: version 9");
    assert_non_null(lifetime);
    assert_non_null(usr);
    assert_non_null(pin);
    assert_non_null(version);
    assert_true(lifetime < usr && usr < pin && pin < version);

    /* Beyond 20, problems are counted. */
    char text[4096] = "rules = (\n";
    for (int i = 0; i < 25; i++)
        strcat(text, i ? ",\n { match = { uid = 1; }; gpio = { pins = 99; rights = \"read\"; }; }"
                       : " { match = { uid = 1; }; gpio = { pins = 99; rights = \"read\"; }; }");
    strcat(text, ");\n");
    expect_problem(text, 0, "5 more problems not shown");
}

static void the_file_itself(void **state)
{
    struct policy *policy = NULL;
    (void)state;

    unlink(path);
    assert_int_equal(policy_load(path, false, &policy, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "cannot open: No such file or directory"));

    assert_int_equal(policy_load(dir, false, &policy, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not a regular file"));

    /* What anyone may write, anyone may grant themselves: hsxd refuses it. */
    write_policy("rules = ();\n");
    chmod(path, 0666);
    assert_int_equal(policy_load(path, true, &policy, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "must be owned by root and writable by root only"));
    assert_non_null(strstr(err, "mode 0666"));
    assert_int_equal(policy_load(path, false, &policy, err, sizeof(err)), 0);
    policy_free(policy);
    chmod(path, 0644);
    if (geteuid() == 0) {
        assert_int_equal(policy_load(path, true, &policy, err, sizeof(err)), 0);
        policy_free(policy);
    }

    /* Over 1 MiB: refused before it is parsed. */
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (int i = 0; i < 120000; i++)
        fputs("# padding\n", f);
    fclose(f);
    assert_int_equal(policy_load(path, false, &policy, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "too large"));
}

/*
 * An exe rule is bound to the file its path names when the policy is read:
 * the same path naming another file (a mount namespace of the client's own,
 * a program replaced since) is not that program.
 */
static void exe_rules_bind_to_the_file(void **state)
{
    char program[192], text[512];
    (void)state;

    snprintf(program, sizeof(program), "%s/app", dir);
    FILE *f = fopen(program, "w");
    assert_non_null(f);
    fclose(f);
    snprintf(text, sizeof(text),
             "rules = ( { match = { uid = 1; exe = \"%s\"; };\n"
             "  timer = { max_timers = 1; rights = \"read\"; }; } );\n",
             program);
    struct policy *policy = load(text);
    struct identity someone = {.pid = 1, .uid = 1, .exe = program};

    /* The path alone, its file unknown or another, matches nothing. */
    assert_false(rule_matches(&policy->rules[0], &someone, 0));
    assert_null(policy->notes);

    /* The file it named then. */
    assert_int_equal(file_id_of(program, &someone.exe_id), 0);
    assert_true(rule_matches(&policy->rules[0], &someone, 0));
    /* Replaced since: another file at the path, until the policy is read again. */
    struct file_id old_file = someone.exe_id;
    unlink(program);
    f = fopen(program, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(file_id_of(program, &someone.exe_id), 0);
    if (!file_id_same(&old_file, &someone.exe_id))
        assert_false(rule_matches(&policy->rules[0], &someone, 0));
    policy_free(policy);

    /* A program not there is a warning, not an error: the rule matches nothing. */
    unlink(program);
    policy = load(text);
    assert_non_null(policy->notes);
    char want[512];
    snprintf(want, sizeof(want), "%s:1: exe %s: No such file or directory: the rule matches no",
             path, program);
    if (!strstr(policy->notes, want))
        fail_msg("expected \"%s\" in:\n%s", want, policy->notes);
    assert_false(rule_matches(&policy->rules[0], &someone, 0));
    policy_free(policy);
}

/* A file the policy @includes is the policy too: it gets the same checks. */
static void included_files_are_checked_too(void **state)
{
    struct policy *policy = NULL;
    char included[192], text[512];
    (void)state;

    if (geteuid() != 0) {
        skip(); /* the files must be root's */
        return;
    }
    snprintf(included, sizeof(included), "%s/rules.conf", dir);
    FILE *f = fopen(included, "w");
    assert_non_null(f);
    fputs(
        "rules = ( { match = { uid = 1; }; timer = { max_timers = 1; rights = \"read\"; }; } );\n",
        f);
    fclose(f);
    snprintf(text, sizeof(text), "version = 1;\n@include \"%s\"\n", included);
    write_policy(text);

    chmod(included, 0644);
    assert_int_equal(policy_load(path, true, &policy, err, sizeof(err)), 0);
    assert_int_equal(policy->nrules, 1);
    policy_free(policy);

    chmod(included, 0664);
    assert_int_equal(policy_load(path, true, &policy, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "rules.conf: must be owned by root and writable by root only"));
    assert_non_null(strstr(err, "mode 0664"));
    /* Not strict (hsxd's own policy always is): as before. */
    assert_int_equal(policy_load(path, false, &policy, err, sizeof(err)), 0);
    policy_free(policy);

    chmod(included, 0644);
    assert_int_equal(chown(included, 1000, 1000), 0);
    assert_int_equal(policy_load(path, true, &policy, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "owner uid 1000"));
    unlink(included);
}

static void write_file(const char *name, const char *text, mode_t mode)
{
    FILE *f = fopen(name, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(name, mode), 0);
}

static void expect_refused(const char *want, const char *not_wanted)
{
    struct policy *policy = NULL;

    assert_int_equal(policy_load(path, true, &policy, err, sizeof(err)), -1);
    assert_null(policy);
    if (!strstr(err, want))
        fail_msg("expected \"%s\" in:\n%s", want, err);
    if (not_wanted && strstr(err, not_wanted))
        fail_msg("did not expect \"%s\" in:\n%s", not_wanted, err);
}

/*
 * An included file is checked before libconfig parses it: one anybody may
 * write is refused for that, whatever it says (here a syntax error, which
 * libconfig would have reported first), and so is one on a path anybody may
 * change (a directory others may write, a symbolic link).
 */
static void includes_are_checked_before_they_are_parsed(void **state)
{
    char sub[128], included[192], link[192], want[512], text[512];
    struct policy *policy = NULL;
    (void)state;

    if (geteuid() != 0) {
        skip(); /* the files must be root's */
        return;
    }
    snprintf(sub, sizeof(sub), "%s/sub", dir);
    snprintf(included, sizeof(included), "%s/rules.conf", sub);
    snprintf(link, sizeof(link), "%s/link.conf", dir);
    assert_int_equal(mkdir(sub, 0755), 0);
    write_file(included, "this is { not libconfig\n", 0666);
    snprintf(text, sizeof(text), "version = 1;\n@include \"%s\"\n", included);
    write_policy(text);
    snprintf(want, sizeof(want),
             "%s: must be owned by root and writable by root only (owner uid 0, mode 0666)",
             included);
    expect_refused(want, "syntax error");

    /* Writable by root only, in a directory anybody may write: refused, unparsed. */
    assert_int_equal(chmod(included, 0644), 0);
    assert_int_equal(chmod(sub, 0777), 0);
    snprintf(want, sizeof(want),
             "%s: directory %s must be owned by root and writable by root only (owner uid 0, "
             "mode 0777)",
             included, sub);
    expect_refused(want, "syntax error");
    /* A sticky one (as /tmp): others cannot rename or remove root's files in it. */
    assert_int_equal(chmod(sub, 01777), 0);
    expect_refused("syntax error", NULL);
    assert_int_equal(chmod(sub, 0755), 0);

    /* Through a symbolic link: not followed. */
    assert_int_equal(symlink(included, link), 0);
    snprintf(text, sizeof(text), "version = 1;\n@include \"%s\"\n", link);
    write_policy(text);
    snprintf(want, sizeof(want), "%s: is a symbolic link (not followed)", link);
    expect_refused(want, "syntax error");

    /* A good one, including another: accepted, both read. */
    snprintf(text, sizeof(text), "@include \"%s/rules2.conf\"\n", sub);
    write_file(included, text, 0644);
    snprintf(want, sizeof(want), "%s/rules2.conf", sub);
    write_file(want,
               "rules = ( { match = { uid = 1; }; timer = { max_timers = 1; rights = \"read\"; }; "
               "} );\n",
               0644);
    snprintf(text, sizeof(text), "version = 1;\n@include \"%s\"\n", included);
    write_policy(text);
    assert_int_equal(policy_load(path, true, &policy, err, sizeof(err)), 0);
    assert_int_equal(policy->nrules, 1);
    policy_free(policy);
    /* The nested one anybody may write: refused too, naming it. */
    assert_int_equal(chmod(want, 0646), 0);
    char nested[640];
    snprintf(nested, sizeof(nested), "%s: must be owned by root", want);
    expect_refused(nested, NULL);

    unlink(want);
    unlink(included);
    unlink(link);
    rmdir(sub);
}

/* The policy's own directory is checked as an included file's is. */
static void the_policys_directory_is_checked(void **state)
{
    struct policy *policy = NULL;
    char want[512];
    (void)state;

    if (geteuid() != 0) {
        skip();
        return;
    }
    write_policy("rules = ();\n");
    assert_int_equal(chmod(dir, 0777), 0);
    snprintf(want, sizeof(want),
             "%s: directory %s must be owned by root and writable by root only (owner uid 0, "
             "mode 0777)",
             path, dir);
    expect_refused(want, NULL);
    assert_int_equal(chmod(dir, 0700), 0);
    assert_int_equal(policy_load(path, true, &policy, err, sizeof(err)), 0);
    policy_free(policy);
}

struct found {
    int count;
    char names[4][64];
};

static bool note_include(const char *name, void *arg)
{
    struct found *f = arg;

    assert_non_null(name);
    if (f->count < 4)
        snprintf(f->names[f->count], sizeof(f->names[0]), "%s", name);
    f->count++;
    return true;
}

/* The directives found are the ones libconfig follows, names unescaped as it does. */
static void includes_are_found_as_libconfig_finds_them(void **state)
{
    static const char text[] = "@include \"a\"\n"
                               "  \t@include\t \"b\\\"q\\\\\\x\" # the rest is code\n"
                               "x = \"a string\n@include \\\"no\\\" \"; # @include \"no\"\n"
                               "/* a comment\n@include \"no\" */\n"
                               "// @include \"no\"\n"
                               "@includes \"no\"\n"
                               "@include\"no\"\n"
                               "y = 1; @include \"no\"\n"
                               "@include \"c\"";
    struct found f = {0};
    (void)state;

    assert_true(policy_each_include(text, sizeof(text) - 1, note_include, &f));
    assert_int_equal(f.count, 3);
    assert_string_equal(f.names[0], "a");
    assert_string_equal(f.names[1], "b\"q\\x");
    assert_string_equal(f.names[2], "c");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_example_is_valid),
        cmocka_unit_test(every_form_of_a_rule),
        cmocka_unit_test(structure_errors),
        cmocka_unit_test(match_errors),
        cmocka_unit_test(grant_errors),
        cmocka_unit_test(can_grants_in_every_form),
        cmocka_unit_test(can_grant_errors),
        cmocka_unit_test(every_problem_is_reported_in_line_order),
        cmocka_unit_test(the_file_itself),
        cmocka_unit_test(included_files_are_checked_too),
        cmocka_unit_test(includes_are_checked_before_they_are_parsed),
        cmocka_unit_test(the_policys_directory_is_checked),
        cmocka_unit_test(includes_are_found_as_libconfig_finds_them),
        cmocka_unit_test(exe_rules_bind_to_the_file),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
