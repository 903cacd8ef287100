// SPDX-License-Identifier: MIT
/*
 * What a request gets: matching on each part of an identity, the union of
 * several rules, narrowing to the request, the rectangle rule for pins, the
 * quota rule for timers, CAN's rule for buses and ID ranges (no ID a single
 * rule does not grant), lifetimes, runtime grants, and the words of a
 * denial.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "decide.h"

#define S 1000000000ull
#define NOW (1000 * S)
#define GPIO policy_slot(HSX_MODULE_GPIO)
#define TIMER policy_slot(HSX_MODULE_TIMER)
#define CAN policy_slot(HSX_MODULE_CAN)

static struct policy_rule rules[8];
static struct policy policy = {.lifetime_s = 3600, .rules = rules};

static const uint32_t groups[] = {20, 27};
static struct identity app = {
    .pid = 42,
    .uid = 1000,
    .gid = 1000,
    .groups = groups,
    .ngroups = 2,
    .exe = "/usr/bin/app",
    .exe_id = {.dev = 8, .ino = 42, .btime_ns = 7},
    .cgroup = "/system.slice/app.service",
};

static int reset(void **state)
{
    (void)state;
    memset(rules, 0, sizeof(rules));
    policy.nrules = 0;
    return 0;
}

static struct policy_rule *add_rule(const char *name, unsigned int match)
{
    struct policy_rule *r = &rules[policy.nrules++];

    snprintf(r->name, sizeof(r->name), "%s", name);
    r->match = match;
    r->uid = 1000;
    r->lifetime_s = 3600;
    return r;
}

static void gpio_grant(struct policy_rule *r, uint32_t rights, uint64_t pins)
{
    r->grant[GPIO] =
        (struct policy_grant){.present = true, .rights = rights, .sel.gpio.pins = pins};
}

static void timer_grant(struct policy_rule *r, uint32_t rights, uint32_t max)
{
    r->grant[TIMER] =
        (struct policy_grant){.present = true, .rights = rights, .sel.timer.max_timers = max};
}

static struct decision d;

static bool ask_gpio(uint32_t rights, uint64_t pins)
{
    struct cap_want want = {.module = HSX_MODULE_GPIO, .rights = rights, .sel.gpio.pins = pins};

    return decide(&policy, NULL, 0, &app, &want, NOW, &d);
}

static bool ask_timer(uint32_t rights, uint32_t max)
{
    struct cap_want want = {
        .module = HSX_MODULE_TIMER, .rights = rights, .sel.timer.max_timers = max};

    return decide(&policy, NULL, 0, &app, &want, NOW, &d);
}

#define R HSX_CAP_R_READ
#define W HSX_CAP_R_WRITE
#define G HSX_CAP_R_GRANT
#define IRQ HSX_CAP_R_GPIO_IRQ
#define PIN(n) (UINT64_C(1) << (n))

static void matching(void **state)
{
    struct policy_rule r = {.match = POLICY_MATCH_UID, .uid = 1000};
    (void)state;

    assert_true(rule_matches(&r, &app, NOW));
    r.uid = 1001;
    assert_false(rule_matches(&r, &app, NOW));

    /* Groups: the primary one or any supplementary one. */
    r = (struct policy_rule){.match = POLICY_MATCH_GID, .gid = 1000};
    assert_true(rule_matches(&r, &app, NOW));
    r.gid = 27;
    assert_true(rule_matches(&r, &app, NOW));
    r.gid = 28;
    assert_false(rule_matches(&r, &app, NOW));

    r = (struct policy_rule){
        .match = POLICY_MATCH_EXE, .exe = "/usr/bin/app", .exe_id = app.exe_id};
    assert_true(rule_matches(&r, &app, NOW));
    r.exe = "/usr/bin/ap";
    assert_false(rule_matches(&r, &app, NOW));
    struct identity replaced = app;
    replaced.exe = "/usr/bin/app (deleted)";
    r.exe = "/usr/bin/app";
    assert_false(rule_matches(&r, &replaced, NOW));
    /* The path, but another file: bind-mounted over it, or an inode number reused. */
    struct identity impostor = app;
    impostor.exe_id.ino = 43;
    assert_false(rule_matches(&r, &impostor, NOW));
    impostor.exe_id = app.exe_id;
    impostor.exe_id.btime_ns = 8;
    assert_false(rule_matches(&r, &impostor, NOW));
    impostor.exe_id.btime_ns = 0; /* a filesystem without birth times */
    assert_true(rule_matches(&r, &impostor, NOW));
    /* A rule whose program was not there when the policy was read matches nothing. */
    r.exe_id = (struct file_id){0};
    impostor.exe_id = r.exe_id;
    assert_false(rule_matches(&r, &impostor, NOW));

    /* cgroup: the path or below it, on a component boundary. */
    r = (struct policy_rule){.match = POLICY_MATCH_CGROUP, .cgroup = "/system.slice"};
    assert_true(rule_matches(&r, &app, NOW));
    r.cgroup = "/system.slice/app.service";
    assert_true(rule_matches(&r, &app, NOW));
    r.cgroup = "/system.slice/app";
    assert_false(rule_matches(&r, &app, NOW));
    r.cgroup = "/";
    assert_true(rule_matches(&r, &app, NOW));
    struct identity unknown = app;
    unknown.cgroup = "";
    assert_false(rule_matches(&r, &unknown, NOW));

    /* Every part named must hold. */
    r = (struct policy_rule){
        .match = POLICY_MATCH_UID | POLICY_MATCH_EXE, .uid = 1000, .exe = "/usr/bin/other"};
    assert_false(rule_matches(&r, &app, NOW));

    /* A rule that names nothing matches nothing; a lapsed runtime grant neither. */
    r = (struct policy_rule){0};
    assert_false(rule_matches(&r, &app, NOW));
    r = (struct policy_rule){.match = POLICY_MATCH_UID, .uid = 1000, .expires_ns = NOW};
    assert_false(rule_matches(&r, &app, NOW));
    r.expires_ns = NOW + 1;
    assert_true(rule_matches(&r, &app, NOW));
}

static void everything_allowed_when_asked_for_all(void **state)
{
    (void)state;
    gpio_grant(add_rule("blinky", POLICY_MATCH_UID), R | W, PIN(17) | PIN(18));

    assert_true(ask_gpio(0, 0));
    assert_int_equal(d.rights, R | W);
    assert_true(d.sel.gpio.pins == (PIN(17) | PIN(18)));
    assert_int_equal(d.lifetime_s, 3600);
    assert_string_equal(d.rules, "blinky");
}

static void the_request_is_narrowed(void **state)
{
    (void)state;
    gpio_grant(add_rule("blinky", POLICY_MATCH_UID), R | W, PIN(17) | PIN(18));

    assert_true(ask_gpio(R, PIN(17)));
    assert_int_equal(d.rights, R);
    assert_true(d.sel.gpio.pins == PIN(17));

    /* Asked more than allowed: the extra is dropped, not the request refused. */
    assert_true(ask_gpio(R | W | IRQ, PIN(17) | PIN(40)));
    assert_int_equal(d.rights, R | W);
    assert_true(d.sel.gpio.pins == PIN(17));

    /* Nothing asked for is allowed: denied, and the words say what is. */
    assert_false(ask_gpio(IRQ, PIN(17)));
    assert_string_equal(d.why,
                        "gpio: asked for irq on pins 17; the rules grant read,write on pins 17-18");
    assert_false(ask_gpio(R, PIN(63)));
    assert_non_null(strstr(d.why, "asked for read on pins 63"));
}

static void rules_are_united_as_a_rectangle(void **state)
{
    (void)state;
    gpio_grant(add_rule("a", POLICY_MATCH_UID), R, PIN(1) | PIN(2) | PIN(3));
    gpio_grant(add_rule("b", POLICY_MATCH_UID), R | W, PIN(3) | PIN(4));
    gpio_grant(add_rule("c", POLICY_MATCH_EXE), IRQ, PIN(3)); /* exe does not match */
    rules[2].exe = "/usr/bin/other";
    rules[2].exe_id = app.exe_id;

    /* All: read and write are granted somewhere; only pins 3-4 have both. */
    assert_true(ask_gpio(0, 0));
    assert_int_equal(d.rights, R | W);
    assert_true(d.sel.gpio.pins == (PIN(3) | PIN(4)));
    /* a gives read on pin 3 too: it is named, and its lifetime counts. */
    assert_string_equal(d.rules, "a, b");

    /* Read alone: every pin either rule gives, and both rules named. */
    assert_true(ask_gpio(R, 0));
    assert_true(d.sel.gpio.pins == (PIN(1) | PIN(2) | PIN(3) | PIN(4)));
    assert_string_equal(d.rules, "a, b");

    /* Pins 1 and 4 with write: only 4 has it. */
    assert_true(ask_gpio(R | W, PIN(1) | PIN(4)));
    assert_int_equal(d.rights, R | W);
    assert_true(d.sel.gpio.pins == PIN(4));
}

static void no_pin_with_every_right_falls_back_to_the_lowest(void **state)
{
    (void)state;
    gpio_grant(add_rule("reader", POLICY_MATCH_UID), R, PIN(5) | PIN(6));
    gpio_grant(add_rule("writer", POLICY_MATCH_UID), W, PIN(10));

    assert_true(ask_gpio(0, 0));
    assert_int_equal(d.rights, R);
    assert_true(d.sel.gpio.pins == (PIN(5) | PIN(6)));
    assert_string_equal(d.rules, "reader");

    assert_true(ask_gpio(W, 0));
    assert_int_equal(d.rights, W);
    assert_true(d.sel.gpio.pins == PIN(10));
}

static void timers_get_the_least_quota_of_their_rights(void **state)
{
    (void)state;
    timer_grant(add_rule("small", POLICY_MATCH_UID), R | W, 2);
    timer_grant(add_rule("big", POLICY_MATCH_UID), R, 8);

    assert_true(ask_timer(0, 0));
    assert_int_equal(d.rights, R | W);
    assert_int_equal(d.sel.timer.max_timers, 2);

    assert_true(ask_timer(R, 0));
    assert_int_equal(d.sel.timer.max_timers, 8);
    assert_string_equal(d.rules, "small, big");

    assert_true(ask_timer(R, 3));
    assert_int_equal(d.sel.timer.max_timers, 3);

    assert_true(ask_timer(R | W | G, 64));
    assert_int_equal(d.rights, R | W);
    assert_int_equal(d.sel.timer.max_timers, 2);

    assert_false(ask_timer(G, 0));
    assert_string_equal(d.why, "timer: asked for grant; the rules grant read,write");
}

static void lifetimes(void **state)
{
    struct policy_rule grant = {.name = "grant 1",
                                .match = POLICY_MATCH_UID,
                                .uid = 1000,
                                .lifetime_s = 600,
                                .expires_ns = NOW + 90 * S + S / 2};
    struct cap_want want = {.module = HSX_MODULE_GPIO};
    (void)state;

    gpio_grant(add_rule("long", POLICY_MATCH_UID), R, PIN(1));
    gpio_grant(add_rule("short", POLICY_MATCH_UID), R, PIN(2));
    rules[1].lifetime_s = 60;

    /* The shortest of the rules it comes from. */
    assert_true(ask_gpio(R, PIN(1) | PIN(2)));
    assert_int_equal(d.lifetime_s, 60);
    assert_true(ask_gpio(R, PIN(1)));
    assert_int_equal(d.lifetime_s, 3600);

    /* No longer than asked. */
    want.sel.gpio.pins = PIN(1);
    want.lifetime_s = 10;
    assert_true(decide(&policy, NULL, 0, &app, &want, NOW, &d));
    assert_int_equal(d.lifetime_s, 10);
    want.lifetime_s = 100000;
    assert_true(decide(&policy, NULL, 0, &app, &want, NOW, &d));
    assert_int_equal(d.lifetime_s, 3600);

    /* A runtime grant: what is left of it (whole seconds). */
    gpio_grant(&grant, R | W, PIN(7));
    want = (struct cap_want){.module = HSX_MODULE_GPIO, .sel.gpio.pins = PIN(7)};
    assert_true(decide(&policy, &grant, 1, &app, &want, NOW, &d));
    assert_int_equal(d.lifetime_s, 90);
    assert_int_equal(d.rights, R | W);
    assert_string_equal(d.rules, "grant 1");
    /* Less than a second left still gives one; lapsed gives nothing. */
    assert_true(decide(&policy, &grant, 1, &app, &want, grant.expires_ns - 1, &d));
    assert_int_equal(d.lifetime_s, 1);
    assert_false(decide(&policy, &grant, 1, &app, &want, grant.expires_ns, &d));
}

static void denials_say_why(void **state)
{
    struct cap_want want = {.module = HSX_MODULE_GPIO};
    (void)state;

    assert_false(decide(&policy, NULL, 0, &app, &want, NOW, &d));
    assert_string_equal(d.why, "no policy rule matches uid 1000, exe /usr/bin/app");
    assert_false(decide(NULL, NULL, 0, &app, &want, NOW, &d));

    timer_grant(add_rule("t", POLICY_MATCH_UID), R, 1);
    assert_false(decide(&policy, NULL, 0, &app, &want, NOW, &d));
    assert_string_equal(d.why, "1 rule matches uid 1000, but none grants gpio");
    timer_grant(add_rule("t2", POLICY_MATCH_UID), R, 1);
    assert_false(decide(&policy, NULL, 0, &app, &want, NOW, &d));
    assert_string_equal(d.why, "2 rules match uid 1000, but none grants gpio");

    want.module = 0x16; /* an ID the uAPI has not given */
    assert_false(decide(&policy, NULL, 0, &app, &want, NOW, &d));
    assert_string_equal(d.why, "hsxd grants no capabilities for module 0x16");
}

static void renewals_need_all_of_it(void **state)
{
    union hsx_cap_selector pins = {.gpio.pins = PIN(1) | PIN(2)};
    union hsx_cap_selector two = {.timer.max_timers = 2};
    (void)state;

    gpio_grant(add_rule("a", POLICY_MATCH_UID), R | W, PIN(1) | PIN(2));
    struct cap_want want = {.module = HSX_MODULE_GPIO, .rights = R | W, .sel = pins};
    assert_true(decide(&policy, NULL, 0, &app, &want, NOW, &d));
    assert_true(decision_covers(&d, HSX_MODULE_GPIO, R | W, &pins));

    /* The policy now gives one pin less: the capability is not renewed. */
    rules[0].grant[GPIO].sel.gpio.pins = PIN(1);
    assert_true(decide(&policy, NULL, 0, &app, &want, NOW, &d));
    assert_false(decision_covers(&d, HSX_MODULE_GPIO, R | W, &pins));
    rules[0].grant[GPIO].sel.gpio.pins = PIN(1) | PIN(2);
    rules[0].grant[GPIO].rights = R;
    assert_true(decide(&policy, NULL, 0, &app, &want, NOW, &d));
    assert_false(decision_covers(&d, HSX_MODULE_GPIO, R | W, &pins));

    timer_grant(&rules[0], R, 1);
    want = (struct cap_want){.module = HSX_MODULE_TIMER, .rights = R, .sel = two};
    assert_true(decide(&policy, NULL, 0, &app, &want, NOW, &d));
    assert_false(decision_covers(&d, HSX_MODULE_TIMER, R, &two));
    rules[0].grant[TIMER].sel.timer.max_timers = 2;
    assert_true(decide(&policy, NULL, 0, &app, &want, NOW, &d));
    assert_true(decision_covers(&d, HSX_MODULE_TIMER, R, &two));

    d.allowed = false;
    assert_false(decision_covers(&d, HSX_MODULE_TIMER, R, &two));
}

static void deciding_again(void **state)
{
    union hsx_cap_selector pins = {.gpio.pins = PIN(1) | PIN(2)};
    union hsx_cap_selector two = {.timer.max_timers = 2};
    const uint64_t expiry = NOW + 600 * S;
    (void)state;

    struct policy_rule *r = add_rule("a", POLICY_MATCH_UID);
    gpio_grant(r, R | W, PIN(1) | PIN(2));
    timer_grant(r, R, 2);
    r->lifetime_s = 600;
    assert_int_equal(
        decide_again(&policy, NULL, 0, &app, HSX_MODULE_GPIO, R | W, &pins, 0, expiry, NOW, &d),
        VERDICT_ALLOWED);
    /* Later, under the same rules: still all of it. */
    assert_int_equal(decide_again(&policy, NULL, 0, &app, HSX_MODULE_GPIO, R | W, &pins, 0, expiry,
                                  NOW + 300 * S, &d),
                     VERDICT_ALLOWED);

    /* A pin, a right, or a timer less: narrower, and d says what it would give. */
    r->grant[GPIO].sel.gpio.pins = PIN(2);
    assert_int_equal(
        decide_again(&policy, NULL, 0, &app, HSX_MODULE_GPIO, R | W, &pins, 0, expiry, NOW, &d),
        VERDICT_NARROWER);
    assert_true(d.sel.gpio.pins == PIN(2));
    r->grant[GPIO] =
        (struct policy_grant){.present = true, .rights = R, .sel.gpio.pins = pins.gpio.pins};
    assert_int_equal(
        decide_again(&policy, NULL, 0, &app, HSX_MODULE_GPIO, R | W, &pins, 0, expiry, NOW, &d),
        VERDICT_NARROWER);
    assert_int_equal(d.rights, R);
    r->grant[TIMER].sel.timer.max_timers = 1;
    assert_int_equal(
        decide_again(&policy, NULL, 0, &app, HSX_MODULE_TIMER, R, &two, 0, expiry, NOW, &d),
        VERDICT_NARROWER);
    r->grant[TIMER].sel.timer.max_timers = 2;

    /* A shorter life than the capability has left, by more than the second a grant rounds to. */
    r->lifetime_s = 599;
    assert_int_equal(
        decide_again(&policy, NULL, 0, &app, HSX_MODULE_TIMER, R, &two, 0, expiry, NOW, &d),
        VERDICT_ALLOWED);
    r->lifetime_s = 598;
    assert_int_equal(
        decide_again(&policy, NULL, 0, &app, HSX_MODULE_TIMER, R, &two, 0, expiry, NOW, &d),
        VERDICT_SHORTER);
    /* A renewal does not ask about the expiry: it replaces it. */
    assert_int_equal(decide_again(&policy, NULL, 0, &app, HSX_MODULE_TIMER, R, &two, 0, 0, NOW, &d),
                     VERDICT_ALLOWED);

    /* No rule at all: denied, with the words of a denial. */
    policy.nrules = 0;
    assert_int_equal(
        decide_again(&policy, NULL, 0, &app, HSX_MODULE_TIMER, R, &two, 0, expiry, NOW, &d),
        VERDICT_DENIED);
    assert_string_equal(d.why, "no policy rule matches uid 1000, exe /usr/bin/app");

    /* A runtime grant's lifetime is what is left of it, in whole seconds: no false shortening. */
    struct policy_rule grant = {.match = POLICY_MATCH_UID,
                                .uid = 1000,
                                .lifetime_s = 120,
                                .expires_ns = NOW + 120 * S + S / 10};
    grant.grant[TIMER] = (struct policy_grant){.present = true, .rights = R, .sel = two};
    struct cap_want want = {.module = HSX_MODULE_TIMER, .rights = R, .sel = two};
    assert_true(decide(&policy, &grant, 1, &app, &want, NOW, &d));
    uint64_t granted = NOW + (uint64_t)d.lifetime_s * S;
    for (uint64_t later = NOW; later < NOW + 100 * S; later += S / 20)
        assert_int_equal(decide_again(&policy, &grant, 1, &app, HSX_MODULE_TIMER, R, &two, 0,
                                      granted, later, &d),
                         VERDICT_ALLOWED);
}

/* ---- CAN: buses and ID ranges ------------------------------------------------------------- */

static union hsx_cap_selector can_sel(const char *text)
{
    union hsx_cap_selector sel = {.raw = {0}};
    char why[128];

    if (text &&
        hsx_umod_sel_parse(capspec_module_by_id(HSX_MODULE_CAN), text, &sel, why, sizeof(why)) < 0)
        fail_msg("'%s': %s", text, why);
    return sel;
}

static void can_grant(struct policy_rule *r, uint32_t rights, const char *sel)
{
    r->grant[CAN] = (struct policy_grant){.present = true, .rights = rights, .sel = can_sel(sel)};
}

/* Ask for rights on the selector text (NULL: all the policy allows). */
static bool ask_can(uint32_t rights, const char *sel)
{
    struct cap_want want = {.module = HSX_MODULE_CAN, .rights = rights, .sel = can_sel(sel)};

    return decide(&policy, NULL, 0, &app, &want, NOW, &d);
}

/* The decision is rights on the selector text. */
static void expect_can(uint32_t rights, const char *sel)
{
    char text[HSX_UMOD_TEXT_MAX];

    assert_true(d.allowed);
    hsx_umod_sel_format(capspec_module_by_id(HSX_MODULE_CAN), text, sizeof(text), &d.sel);
    if (d.rights != rights || strcmp(text + strlen("buses "), sel) != 0)
        fail_msg("expected 0x%x on \"%s\", got 0x%x on \"%s\"", rights, sel, d.rights, text);
}

#define CFG HSX_CAP_R_CAN_CONFIG

static void can_requests_are_narrowed_to_the_rule(void **state)
{
    (void)state;
    can_grant(add_rule("ecu", POLICY_MATCH_UID), R | W, "0 tx 0x100-0x1ff rx std");

    assert_true(ask_can(0, NULL));
    expect_can(R | W, "0 tx 0x100-0x1ff rx std");
    assert_string_equal(d.rules, "ecu");
    /* A transmit range wider than granted: narrowed to the rule's. */
    assert_true(ask_can(R | W, "0 tx all rx all"));
    expect_can(R | W, "0 tx 0x100-0x1ff rx std");
    assert_true(ask_can(W, "0 tx 0x180-0x3ff"));
    expect_can(W, "0 tx 0x180-0x1ff");
    /* No ID of it granted: refused, and the words say what is. */
    assert_false(ask_can(W, "0 tx 0x300-0x3ff"));
    assert_string_equal(d.why, "can: asked for write on buses 0 tx 0x300-0x3ff; ecu grants "
                               "read,write on buses 0 tx 0x100-0x1ff rx std");
    assert_false(ask_can(R, "1 rx std"));
    /* Rights the rule does not give are dropped; another bus is none of it. */
    assert_true(ask_can(R | W | CFG | G, "0-1 tx 0x100 rx 0x7ff"));
    expect_can(R | W, "0 tx 0x100 rx 0x7ff");
}

/* Attack: a receiver asks to send too, everywhere. */
static void receiving_only_gives_no_transmit_range(void **state)
{
    (void)state;
    can_grant(add_rule("logger", POLICY_MATCH_UID), R, "0-1 rx all");

    assert_true(ask_can(R | W, "0-1 tx all rx all"));
    expect_can(R, "0-1 rx all");
    assert_int_equal(d.sel.can.flags, HSX_CAN_SEL_RX);
    assert_int_equal(d.sel.can.tx_first | d.sel.can.tx_last, 0);
    assert_false(ask_can(W, "0 tx all"));

    /* Write without a transmit range in the rule sends nothing: no write either. */
    reset(NULL);
    can_grant(add_rule("odd", POLICY_MATCH_UID), R | W, "0 rx std");
    assert_true(ask_can(0, NULL));
    expect_can(R, "0 rx std");
}

/* Rules that grant different rights combine where each right keeps its own rule's range. */
static void rights_of_separate_rules_combine(void **state)
{
    (void)state;
    can_grant(add_rule("listen", POLICY_MATCH_GID), R, "0-1 rx all");
    rules[0].gid = 27;
    can_grant(add_rule("talk", POLICY_MATCH_UID), W, "0 tx 0x100-0x1ff");

    /* Read on 0-1, write on 0: both rights only on bus 0. */
    assert_true(ask_can(0, NULL));
    expect_can(R | W, "0 tx 0x100-0x1ff rx all");
    assert_string_equal(d.rules, "listen, talk");
    assert_true(ask_can(R, NULL));
    expect_can(R, "0-1 rx all");
    assert_string_equal(d.rules, "listen");
}

/* Attack: two ranges with a gap between them never become the hull. */
static void ranges_of_two_rules_are_never_bridged(void **state)
{
    (void)state;
    can_grant(add_rule("low", POLICY_MATCH_UID), W, "0 tx 0x100-0x1ff");
    can_grant(add_rule("high", POLICY_MATCH_UID), W, "0 tx 0x300-0x30f");

    assert_true(ask_can(W, "0 tx 0x100-0x30f"));
    expect_can(W, "0 tx 0x100-0x1ff"); /* the wider rule's, not 0x100-0x30f */
    assert_string_equal(d.rules, "low");
    assert_true(ask_can(W, "0 tx 0x300-0x3ff"));
    expect_can(W, "0 tx 0x300-0x30f");
    assert_string_equal(d.rules, "high");
    /* Overlapping rules still give no more than one of them. */
    can_grant(add_rule("mid", POLICY_MATCH_UID), W, "0 tx 0x180-0x2ff");
    assert_true(ask_can(W, NULL));
    expect_can(W, "0 tx 0x180-0x2ff");
}

/* A bus keeps only the range its own rule grants: no bus gets another bus's range. */
static void each_bus_needs_a_rule_with_the_whole_range(void **state)
{
    (void)state;
    can_grant(add_rule("bus0", POLICY_MATCH_UID), W, "0 tx 0x100-0x1ff");
    can_grant(add_rule("bus1", POLICY_MATCH_UID), W, "1 tx std");

    assert_true(ask_can(W, NULL));
    expect_can(W, "1 tx std"); /* the widest range; bus 0 does not have it */
    assert_true(ask_can(W, "0-1 tx 0x100-0x1ff"));
    expect_can(W, "0-1 tx 0x100-0x1ff"); /* each bus by its own rule */
    assert_string_equal(d.rules, "bus0, bus1");
    assert_true(ask_can(W, "0 tx all"));
    expect_can(W, "0 tx 0x100-0x1ff");
    /* A request's absent range asks for no ID, as a capability's means none: nothing to send. */
    assert_false(ask_can(W, "0"));

    /* No bus with every right: the lowest bus's rights. */
    reset(NULL);
    can_grant(add_rule("cfg", POLICY_MATCH_UID), CFG, "2");
    can_grant(add_rule("status", POLICY_MATCH_UID), R, "3");
    assert_true(ask_can(0, NULL));
    expect_can(CFG, "2");
}

/* Delegating needs one rule that grants all of the capability with grant. */
static void grant_only_from_a_rule_that_has_it_all(void **state)
{
    (void)state;
    can_grant(add_rule("owner", POLICY_MATCH_UID), R | W | G, "0 tx 0x100-0x1ff");
    can_grant(add_rule("listen", POLICY_MATCH_UID), R, "0 rx std");

    assert_true(ask_can(0, NULL));
    expect_can(R | W, "0 tx 0x100-0x1ff rx std"); /* listen's range is not owner's to give */
    assert_true(ask_can(R | W | G, "0 tx 0x100-0x1ff"));
    expect_can(R | W | G, "0 tx 0x100-0x1ff");
    assert_string_equal(d.rules, "owner, listen"); /* listen gives read on bus 0 too */
}

static void can_capabilities_are_decided_again(void **state)
{
    const uint64_t expiry = NOW + 600 * S;
    (void)state;
    struct policy_rule *r = add_rule("ecu", POLICY_MATCH_UID);
    can_grant(r, R | W, "0 tx 0x100-0x1ff rx std");

    assert_true(ask_can(0, NULL));
    union hsx_cap_selector held = d.sel;
    assert_int_equal(
        decide_again(&policy, NULL, 0, &app, HSX_MODULE_CAN, R | W, &held, 0, expiry, NOW, &d),
        VERDICT_ALLOWED);
    /* The rule now grants fewer IDs: narrower, and d says what it would give. */
    can_grant(r, R | W, "0 tx 0x100-0x17f rx std");
    assert_int_equal(
        decide_again(&policy, NULL, 0, &app, HSX_MODULE_CAN, R | W, &held, 0, expiry, NOW, &d),
        VERDICT_NARROWER);
    expect_can(R | W, "0 tx 0x100-0x17f rx std");
    assert_false(decision_covers(&d, HSX_MODULE_CAN, R | W, &held));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(matching, reset),
        cmocka_unit_test_setup(everything_allowed_when_asked_for_all, reset),
        cmocka_unit_test_setup(the_request_is_narrowed, reset),
        cmocka_unit_test_setup(rules_are_united_as_a_rectangle, reset),
        cmocka_unit_test_setup(no_pin_with_every_right_falls_back_to_the_lowest, reset),
        cmocka_unit_test_setup(timers_get_the_least_quota_of_their_rights, reset),
        cmocka_unit_test_setup(lifetimes, reset),
        cmocka_unit_test_setup(denials_say_why, reset),
        cmocka_unit_test_setup(renewals_need_all_of_it, reset),
        cmocka_unit_test_setup(deciding_again, reset),
        cmocka_unit_test_setup(can_requests_are_narrowed_to_the_rule, reset),
        cmocka_unit_test_setup(receiving_only_gives_no_transmit_range, reset),
        cmocka_unit_test_setup(rights_of_separate_rules_combine, reset),
        cmocka_unit_test_setup(ranges_of_two_rules_are_never_bridged, reset),
        cmocka_unit_test_setup(each_bus_needs_a_rule_with_the_whole_range, reset),
        cmocka_unit_test_setup(grant_only_from_a_rule_that_has_it_all, reset),
        cmocka_unit_test_setup(can_capabilities_are_decided_again, reset),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
