/* SPDX-License-Identifier: MIT */
/*
 * What a process gets: the rules that match its identity, united, then
 * intersected with what it asked for. Pure functions: no I/O, the time is an
 * argument, so the unit tests can walk every case.
 */
#ifndef HSXD_DECIDE_H
#define HSXD_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsxd_proto.h"
#include "policy.h"

/**
 * struct identity - who a client is
 * @pid, @uid, @gid: from SO_PEERCRED
 * @groups, @ngroups: supplementary groups, from SO_PEERGROUPS
 * @exe: the program, from /proc/<pid>/exe; "" if unknown
 * @exe_id: the file it runs (/proc/<pid>/exe followed); zeros if unknown
 * @cgroup: the cgroup v2 path, from /proc/<pid>/cgroup; "" if unknown
 */
struct identity {
    uint32_t pid;
    uint32_t uid;
    uint32_t gid;
    const uint32_t *groups;
    size_t ngroups;
    const char *exe;
    struct file_id exe_id;
    const char *cgroup;
};

/**
 * struct cap_want - what a client asks for
 * @module: HSX_MODULE_*
 * @rights: HSX_CAP_R_*; 0 = everything allowed
 * @sel: all-zero = everything allowed
 * @lifetime_s: the longest it wants; 0 = what the policy gives
 */
struct cap_want {
    uint32_t module;
    uint32_t rights;
    union hsx_cap_selector sel;
    uint32_t lifetime_s;
};

/**
 * struct decision - what the policy gives
 * @allowed: false: denied, @why says why
 * @rights, @sel, @lifetime_s: the capability to mint
 * @rules: the names of the rules it comes from, for the log
 * @why: a denial's reason, one sentence for the client and the log
 * @fs_rule: FS: the rule whose fs root template gives the capability's root
 *	(@sel is every root until hsxd binds it: fs_root.h); NULL otherwise
 */
struct decision {
    bool allowed;
    uint32_t rights;
    union hsx_cap_selector sel;
    uint32_t lifetime_s;
    const struct policy_rule *fs_rule;
    char rules[128];
    char why[HSXD_MESSAGE_MAX];
};

/* Does rule apply to id at now_ns (CLOCK_BOOTTIME)? */
bool rule_matches(const struct policy_rule *rule, const struct identity *id, uint64_t now_ns);

/*
 * Decide want for id under the policy's rules and the runtime grants (extra,
 * nextra), at now_ns (CLOCK_BOOTTIME). Fills *d; returns d->allowed.
 */
bool decide(const struct policy *policy, const struct policy_rule *extra, size_t nextra,
            const struct identity *id, const struct cap_want *want, uint64_t now_ns,
            struct decision *d);

/* Is the capability (rights, sel) of module within what d allows? */
bool decision_covers(const struct decision *d, uint32_t module, uint32_t rights,
                     const union hsx_cap_selector *sel);

/* What the policy says now of a capability it gave earlier. */
enum verdict {
    VERDICT_ALLOWED,  /* all of it, for as long as it has */
    VERDICT_DENIED,   /* none of it: d->why says why */
    VERDICT_NARROWER, /* some of it: fewer rights or objects (d has what it would give) */
    VERDICT_SHORTER,  /* all of it, but not for so long */
};

/*
 * Decide again a capability id holds: cap's module, rights and sel, and
 * want_lifetime_s as in struct cap_want. expiry_ns: the capability's expiry,
 * to check it against the lifetime the rules give now (to the second: a
 * runtime grant's lifetime is what is left of it, in whole seconds); 0 not
 * to check it. For renewals and reloads. Fills *d.
 */
enum verdict decide_again(const struct policy *policy, const struct policy_rule *extra,
                          size_t nextra, const struct identity *id, uint32_t module,
                          uint32_t rights, const union hsx_cap_selector *sel,
                          uint32_t want_lifetime_s, uint64_t expiry_ns, uint64_t now_ns,
                          struct decision *d);

#endif /* HSXD_DECIDE_H */
