/* SPDX-License-Identifier: MIT */
/*
 * The policy file: who may acquire which capabilities. Read with libconfig
 * and checked completely; the format is documented in policy.conf.example and
 * hsxd(8). What a request gets from the rules is decide.h's business.
 */
#ifndef HSXD_POLICY_H
#define HSXD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capspec.h"
#include "hsxd_proto.h"
#include "peer.h"

#define POLICY_VERSION 1
#define POLICY_NAME_MAX 64
#define POLICY_LIFETIME_DEFAULT 3600u
#define POLICY_LIFETIME_MAX ((uint32_t)HSXD_LIFETIME_MAX)
#define POLICY_RULES_MAX 1024
#define POLICY_FILE_MAX (1024 * 1024)

/* What a rule matches on (struct policy_rule.match). */
#define POLICY_MATCH_UID (1u << 0)
#define POLICY_MATCH_GID (1u << 1) /* primary or supplementary group */
#define POLICY_MATCH_EXE (1u << 2)
#define POLICY_MATCH_CGROUP (1u << 3)

/*
 * A rule's grants, one per module, by module ID: the uAPI keeps every ID
 * within HSX_MODULE_FIRST..HSX_MODULE_CORE (an ioctl number holds it in four
 * bits), so the table needs no count of the modules there are.
 */
#define POLICY_SLOTS (HSX_MODULE_CORE - HSX_MODULE_FIRST + 1)
static inline size_t policy_slot(uint32_t module)
{
    return module - HSX_MODULE_FIRST;
}

/* What a rule grants for one module; sel is as in a capability. */
struct policy_grant {
    bool present;
    uint32_t rights;
    union hsx_cap_selector sel;
};

/*
 * An fs grant that has hsxd bind the root (fs = { root = "..."; }): the
 * directory's template, the quotas it is bound with, and its storage owner
 * (whose credentials hsx.ko uses beneath it). See fs_root.h.
 */
struct policy_fs {
    char *root; /* "/var/lib/hsx/fs/%u/%n": %u the client's uid, %n the rule's name */
    uint64_t quota_bytes;
    uint64_t quota_files;
    uint32_t owner_uid;
    uint32_t owner_gid;
    bool uses_name; /* root has %n */
};

/**
 * struct policy_rule - one rule, from the file or from a runtime grant
 * @name: the rule's name, or "rule N" after its position
 * @line: where it starts in the file; 0 for a runtime grant
 * @match: POLICY_MATCH_* that must all hold
 * @uid, @gid, @exe, @cgroup: what they must equal (@cgroup: or be below)
 * @exe_id: the file @exe named when the policy was read; the program run
 *	must be that file too. Unknown (it did not exist): the rule matches
 *	nothing.
 * @lifetime_s: how long a capability minted under it lasts
 * @expires_ns: runtime grants: CLOCK_BOOTTIME when it lapses; 0 for the file's
 * @grant: per module, at policy_slot() of its ID
 * @fs: its fs grant's root template, NULL if it names roots (or grants no fs)
 */
struct policy_rule {
    char name[POLICY_NAME_MAX];
    unsigned int line;
    unsigned int match;
    uint32_t uid;
    uint32_t gid;
    char *exe;
    struct file_id exe_id;
    char *cgroup;
    uint32_t lifetime_s;
    uint64_t expires_ns;
    struct policy_grant grant[POLICY_SLOTS];
    struct policy_fs *fs;
};

/*
 * @notes: what is valid but worth a warning, as lines "PATH:LINE: text"
 * (a rule whose program is not there: it matches nothing); NULL if none.
 */
struct policy {
    uint32_t lifetime_s;
    size_t nrules;
    struct policy_rule *rules;
    char *notes;
};

/*
 * Read and check the policy at path. strict: the file must be owned by root
 * and writable by nobody else, as hsxd requires of its own policy. Returns 0
 * with *out set, or -1 with every problem found written to err as lines
 * "PATH:LINE: reason" (at most err_size bytes, NUL-terminated).
 */
int policy_load(const char *path, bool strict, struct policy **out, char *err, size_t err_size);

void policy_free(struct policy *policy);

#endif /* HSXD_POLICY_H */
