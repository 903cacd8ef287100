// SPDX-License-Identifier: MIT
/*
 * Reading the policy. libconfig parses the syntax; everything else is checked
 * here, setting by setting, so that an administrator gets every mistake at
 * once, each with its line: unknown keys (a typo must not silently widen or
 * narrow a rule), wrong types, out-of-range numbers, unknown users, groups,
 * modules and rights, and rules that match everyone or grant nothing.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <libconfig.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs_root.h"
#include "policy.h"
#include "policy_file.h"

/* Problems beyond this many are counted, not listed: one mistake can cause many. */
#define PROBLEMS_LISTED 20

/* The problems found while a file is checked, reported in line order at the end. */
struct checker {
    const char *path;
    unsigned int problems;
    struct {
        unsigned int line; /* 0: the file as a whole */
        char text[256];
    } problem[PROBLEMS_LISTED];
    size_t notes_len;
    char notes[4096]; /* "PATH:LINE: text" lines, for struct policy.notes */
};

static void problem(struct checker *c, unsigned int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void problem(struct checker *c, unsigned int line, const char *fmt, ...)
{
    va_list ap;

    if (c->problems >= PROBLEMS_LISTED) {
        c->problems++;
        return;
    }
    c->problem[c->problems].line = line;
    va_start(ap, fmt);
    vsnprintf(c->problem[c->problems].text, sizeof(c->problem[0].text), fmt, ap);
    va_end(ap);
    c->problems++;
}

static void note(struct checker *c, unsigned int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Something valid worth a warning; beyond the room for them, dropped. */
static void note(struct checker *c, unsigned int line, const char *fmt, ...)
{
    size_t room = sizeof(c->notes) - c->notes_len;
    va_list ap;

    int n = snprintf(c->notes + c->notes_len, room, "%s%s:%u: ", c->notes_len ? "\n" : "", c->path,
                     line);
    if (n < 0 || (size_t)n >= room) {
        c->notes[c->notes_len] = '\0';
        return;
    }
    va_start(ap, fmt);
    int m = vsnprintf(c->notes + c->notes_len + (size_t)n, room - (size_t)n, fmt, ap);
    va_end(ap);
    if (m < 0 || (size_t)m >= room - (size_t)n)
        c->notes[c->notes_len] = '\0';
    else
        c->notes_len += (size_t)n + (size_t)m;
}

/* "PATH:LINE: text" lines, by line (problems of one line in the order found). */
static void report(struct checker *c, char *err, size_t size)
{
    unsigned int listed = c->problems < PROBLEMS_LISTED ? c->problems : PROBLEMS_LISTED;
    size_t len = 0;
    bool done[PROBLEMS_LISTED] = {false};

    for (unsigned int n = 0; n < listed; n++) {
        unsigned int next = 0;
        while (done[next])
            next++;
        for (unsigned int i = next + 1; i < listed; i++) {
            if (!done[i] && c->problem[i].line < c->problem[next].line)
                next = i;
        }
        done[next] = true;
        int w = c->problem[next].line
                    ? snprintf(err + len, size - len, "%s%s:%u: %s", len ? "\n" : "", c->path,
                               c->problem[next].line, c->problem[next].text)
                    : snprintf(err + len, size - len, "%s%s: %s", len ? "\n" : "", c->path,
                               c->problem[next].text);
        if (w < 0 || (size_t)w >= size - len)
            return;
        len += (size_t)w;
    }
    if (c->problems > PROBLEMS_LISTED)
        snprintf(err + len, size - len, "\n%s: %u more problems not shown", c->path,
                 c->problems - PROBLEMS_LISTED);
}

static unsigned int line_of(const config_setting_t *s)
{
    return config_setting_source_line(s);
}

static const char *type_name(const config_setting_t *s)
{
    switch (config_setting_type(s)) {
    case CONFIG_TYPE_GROUP:
        return "a group { ... }";
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        return "a number";
    case CONFIG_TYPE_FLOAT:
        return "a fraction";
    case CONFIG_TYPE_STRING:
        return "a string";
    case CONFIG_TYPE_BOOL:
        return "a boolean";
    case CONFIG_TYPE_ARRAY:
        return "an array [ ... ]";
    case CONFIG_TYPE_LIST:
        return "a list ( ... )";
    default:
        return "something else";
    }
}

static bool is_int(const config_setting_t *s)
{
    int type = config_setting_type(s);
    return type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64;
}

/* An integer setting in min..max. */
static bool get_number(struct checker *c, const config_setting_t *s, const char *what,
                       long long min, long long max, long long *value)
{
    if (!is_int(s)) {
        problem(c, line_of(s), "%s must be a number, not %s", what, type_name(s));
        return false;
    }
    long long v = config_setting_get_int64(s);
    if (v < min || v > max) {
        problem(c, line_of(s), "%s %lld is out of range %lld..%lld", what, v, min, max);
        return false;
    }
    *value = v;
    return true;
}

/* A string setting, not empty. */
static const char *get_string(struct checker *c, const config_setting_t *s, const char *what)
{
    if (config_setting_type(s) != CONFIG_TYPE_STRING) {
        problem(c, line_of(s), "%s must be a string, not %s", what, type_name(s));
        return NULL;
    }
    const char *text = config_setting_get_string(s);
    if (!text || !text[0]) {
        problem(c, line_of(s), "%s is empty", what);
        return NULL;
    }
    return text;
}

/* Report members of group s whose names are not in allowed (NULL-terminated). */
static void unknown_keys(struct checker *c, const config_setting_t *s, const char *where,
                         const char *const *allowed, const char *expected)
{
    for (int i = 0; i < config_setting_length(s); i++) {
        const config_setting_t *m = config_setting_get_elem(s, (unsigned int)i);
        const char *name = config_setting_name(m);
        bool known = false;

        for (const char *const *a = allowed; *a && !known; a++)
            known = strcmp(*a, name) == 0;
        if (!known)
            problem(c, line_of(m), "unknown key '%s' %s (expected %s)", name, where, expected);
    }
}

/* ---- a module's grant ------------------------------------------------------------- */

/*
 * One value of a selector key: a number (unless the key takes text only), or
 * a string the module's selector reads ("17,20-23", "4", "0x100-0x1ff"),
 * added to *sel.
 */
static void add_value(struct checker *c, const config_setting_t *s, const struct hsx_umodule *m,
                      unsigned int index, const struct hsx_umod_sel_key *key,
                      union hsx_cap_selector *sel)
{
    const struct hsx_umod_sel *k = &m->sel;
    char why[160], number[24];
    const char *text;

    if (is_int(s) && !key->text_only) {
        snprintf(number, sizeof(number), "%lld", config_setting_get_int64(s));
        text = number;
    } else if (config_setting_type(s) == CONFIG_TYPE_STRING) {
        text = config_setting_get_string(s);
    } else {
        problem(c, line_of(s), "%s: expected %s such as \"%s\", not %s", key->name,
                key->text_only ? "a string" : "a number or a string", key->example, type_name(s));
        return;
    }
    if (k->ops->parse_key(k, index, text, sel, why, sizeof(why)) < 0)
        problem(c, line_of(s), "%s: %s", key->name, why);
}

/*
 * The selector from the grant's keys (the module's, see struct
 * hsx_umod_sel_key): each a value, or, for a key that takes a list, an array
 * or list of values, added in turn.
 */
static void get_selector(struct checker *c, const config_setting_t *grant,
                         const struct hsx_umodule *m, const struct hsx_umod_sel_key *keys,
                         size_t nkeys, union hsx_cap_selector *sel)
{
    const struct hsx_umod_sel *k = &m->sel;
    unsigned int before = c->problems;
    char why[160];

    memset(sel, 0, sizeof(*sel));
    for (size_t i = 0; i < nkeys; i++) {
        const config_setting_t *s = config_setting_get_member(grant, keys[i].name);
        if (!s) {
            if (keys[i].required)
                problem(c, line_of(grant), "%s: %s is missing", m->name, keys[i].name);
            continue;
        }
        if ((config_setting_is_array(s) || config_setting_is_list(s)) && keys[i].list) {
            for (int e = 0; e < config_setting_length(s); e++)
                add_value(c, config_setting_get_elem(s, (unsigned int)e), m, (unsigned int)i,
                          &keys[i], sel);
            if (config_setting_length(s) == 0 && c->problems == before)
                problem(c, line_of(s), "%s is empty: a grant needs at least one %s", keys[i].name,
                        k->noun);
        } else {
            add_value(c, s, m, (unsigned int)i, &keys[i], sel);
        }
    }
    /* Whatever the keys said, the kernel must take it as a capability's. */
    if (c->problems == before && k->ops->check(k, sel, false, why, sizeof(why)) < 0)
        problem(c, line_of(grant), "%s: %s", m->name, why);
}

/* rights: an array of names, or one string "read,write". */
static uint32_t get_rights(struct checker *c, const config_setting_t *s,
                           const struct hsx_umodule *m)
{
    uint32_t rights = 0, more;
    unsigned int before = c->problems;
    char why[128];

    if (config_setting_type(s) == CONFIG_TYPE_STRING) {
        if (hsx_umod_parse_rights(m, config_setting_get_string(s), &rights, why, sizeof(why)) < 0)
            problem(c, line_of(s), "rights: %s", why);
    } else if (config_setting_is_array(s) || config_setting_is_list(s)) {
        for (int i = 0; i < config_setting_length(s); i++) {
            const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);
            if (config_setting_type(e) != CONFIG_TYPE_STRING) {
                problem(c, line_of(e), "rights: expected names such as \"read\", not %s",
                        type_name(e));
                continue;
            }
            if (hsx_umod_parse_rights(m, config_setting_get_string(e), &more, why, sizeof(why)) < 0)
                problem(c, line_of(e), "rights: %s", why);
            else
                rights |= more;
        }
    } else {
        problem(c, line_of(s),
                "rights must be an array of names such as [\"read\", \"write\"], "
                "not %s",
                type_name(s));
    }
    if (rights == 0 && c->problems == before)
        problem(c, line_of(s), "rights is empty: a grant needs at least one right");
    return rights;
}

/*
 * An FS grant's own keys (HSX_UMOD_SEL_FS): root, a directory template
 * hsxd binds a root to for each client (fs_root.h), with the quotas and
 * the storage owner it is bound with; or roots the administrator bound.
 */
static const char *const fs_keys[] = {"root", "quota_bytes", "quota_files", "owner", NULL};

static bool lookup_user(struct checker *c, const config_setting_t *s, uint32_t *uid);

static void check_fs_root(struct checker *c, const config_setting_t *s, const struct hsx_umodule *m,
                          struct policy_grant *grant, struct policy_fs **out)
{
    const config_setting_t *root = config_setting_get_member(s, "root");
    const config_setting_t *roots = config_setting_get_member(s, "roots");
    const config_setting_t *owner = config_setting_get_member(s, "owner");
    struct policy_fs fs = {.root = NULL};
    unsigned int before = c->problems;
    bool uses_name;
    long long n;
    char why[160];

    if (roots)
        problem(c, line_of(roots),
                "fs: give root (a directory hsxd binds) or roots (bound "
                "already), not both");
    const char *tmpl = get_string(c, root, "root");
    if (tmpl && fs_root_template_check(tmpl, &uses_name, why, sizeof(why)) < 0)
        problem(c, line_of(root), "fs: %s", why);
    fs.uses_name = tmpl && uses_name;
    for (unsigned int i = 1; i <= 2; i++) {
        const config_setting_t *q = config_setting_get_member(s, fs_keys[i]);
        uint64_t *quota = i == 1 ? &fs.quota_bytes : &fs.quota_files;
        if (!q)
            problem(c, line_of(s), "fs: %s is missing (a root is bound with its quotas)",
                    fs_keys[i]);
        else if (get_number(c, q, fs_keys[i], 1, INT64_MAX, &n))
            *quota = (uint64_t)n;
    }
    if (owner && lookup_user(c, owner, &fs.owner_uid)) {
        struct passwd pw, *found = NULL;
        char buf[4096];
        getpwuid_r(fs.owner_uid, &pw, buf, sizeof(buf), &found);
        fs.owner_gid = found ? pw.pw_gid : 0;
    }
    if (c->problems != before)
        return;
    fs.root = strdup(tmpl);
    *out = fs.root ? malloc(sizeof(fs)) : NULL;
    if (!*out) {
        free(fs.root);
        problem(c, line_of(s), "out of memory");
        return;
    }
    **out = fs;
    /* Whichever root hsxd binds: decided for each client (daemon/decide_fs.c). */
    m->sel.ops->all(&m->sel, &grant->sel);
}

static void check_grant(struct checker *c, const config_setting_t *s, const struct hsx_umodule *m,
                        struct policy_grant *grant, struct policy_fs **fs)
{
    struct hsx_umod_sel_key keys[HSX_UMOD_SEL_KEYS_MAX];
    const size_t nkeys = hsx_umod_sel_keys(&m->sel, keys);
    const bool is_fs = m->sel.kind == HSX_UMOD_SEL_FS;
    const char *allowed[HSX_UMOD_SEL_KEYS_MAX + 2 + sizeof(fs_keys) / sizeof(fs_keys[0])];
    char where[32], expected[128];
    size_t len = 0, nallowed = nkeys;

    grant->present = true;
    if (!config_setting_is_group(s)) {
        problem(c, line_of(s), "%s must be a group { %s = ...; rights = [...]; }, not %s", m->name,
                keys[0].name, type_name(s));
        return;
    }
    /* "pins or rights", "bus, tx_ids, rx_ids or rights" */
    expected[0] = '\0';
    for (size_t i = 0; i < nkeys; i++) {
        allowed[i] = keys[i].name;
        int n = snprintf(expected + len, sizeof(expected) - len, "%s, ", keys[i].name);
        if (n > 0 && (size_t)n < sizeof(expected) - len)
            len += (size_t)n;
    }
    for (size_t i = 0; is_fs && fs_keys[i]; i++) {
        allowed[nallowed++] = fs_keys[i];
        int n = snprintf(expected + len, sizeof(expected) - len, "%s, ", fs_keys[i]);
        if (n > 0 && (size_t)n < sizeof(expected) - len)
            len += (size_t)n;
    }
    if (len >= 2)
        len -= 2;
    snprintf(expected + len, sizeof(expected) - len, " or rights");
    allowed[nallowed] = "rights";
    allowed[nallowed + 1] = NULL;
    snprintf(where, sizeof(where), "in %s", m->name);
    unknown_keys(c, s, where, allowed, expected);

    const config_setting_t *r = config_setting_get_member(s, "rights");
    if (r)
        grant->rights = get_rights(c, r, m);
    else
        problem(c, line_of(s), "%s: rights is missing", m->name);
    if (is_fs && config_setting_get_member(s, "root")) {
        check_fs_root(c, s, m, grant, fs);
        return;
    }
    for (size_t i = 1; is_fs && fs_keys[i]; i++) {
        const config_setting_t *k = config_setting_get_member(s, fs_keys[i]);
        if (k)
            problem(c, line_of(k), "fs: %s goes with root: roots named are bound already",
                    fs_keys[i]);
    }
    if (is_fs && !config_setting_get_member(s, "roots")) {
        problem(c, line_of(s), "fs: give root (a directory hsxd binds for each client) or roots");
        return;
    }
    get_selector(c, s, m, keys, nkeys, &grant->sel);
}

/* ---- match ------------------------------------------------------------------------ */

static bool lookup_user(struct checker *c, const config_setting_t *s, uint32_t *uid)
{
    const char *name = get_string(c, s, "user");
    struct passwd pw, *found = NULL;
    char buf[4096];

    if (!name)
        return false;
    int err = getpwnam_r(name, &pw, buf, sizeof(buf), &found);
    if (!found) {
        problem(c, line_of(s), "unknown user '%s'%s%s", name, err ? ": " : "",
                err ? strerror(err) : "");
        return false;
    }
    *uid = pw.pw_uid;
    return true;
}

static bool lookup_group(struct checker *c, const config_setting_t *s, uint32_t *gid)
{
    const char *name = get_string(c, s, "group");
    struct group gr, *found = NULL;
    char buf[16384];

    if (!name)
        return false;
    int err = getgrnam_r(name, &gr, buf, sizeof(buf), &found);
    if (!found) {
        problem(c, line_of(s), "unknown group '%s'%s%s", name, err ? ": " : "",
                err ? strerror(err) : "");
        return false;
    }
    *gid = gr.gr_gid;
    return true;
}

/* An absolute path for exe or cgroup; duplicated into *out. */
static void get_path(struct checker *c, const config_setting_t *s, const char *what, char **out)
{
    const char *path = get_string(c, s, what);

    if (!path)
        return;
    if (path[0] != '/') {
        problem(c, line_of(s), "%s must be an absolute path starting with '/': '%s'", what, path);
        return;
    }
    size_t len = strlen(path);
    if (len > 1 && path[len - 1] == '/') {
        problem(c, line_of(s), "%s must not end with '/': '%s'", what, path);
        return;
    }
    if (len >= 4096) {
        problem(c, line_of(s), "%s is longer than 4095 characters", what);
        return;
    }
    *out = strdup(path);
    if (!*out)
        problem(c, line_of(s), "out of memory");
}

/* uid and user (likewise gid and group) name the same thing: one of them. */
static void get_id(struct checker *c, const config_setting_t *match, const char *number_key,
                   const char *name_key, unsigned int flag, struct policy_rule *rule)
{
    const config_setting_t *number = config_setting_get_member(match, number_key);
    const config_setting_t *name = config_setting_get_member(match, name_key);
    uint32_t *id = flag == POLICY_MATCH_UID ? &rule->uid : &rule->gid;
    long long n;

    if (number && name) {
        problem(c, line_of(name), "give %s or %s, not both", number_key, name_key);
        return;
    }
    /*
     * libconfig 1.5 (Debian 12) reads integers past INT32_MAX wrapped, so
     * larger ids cannot be written reliably; the bound says so.
     */
    if (number && get_number(c, number, number_key, 0, INT32_MAX, &n)) {
        *id = (uint32_t)n;
        rule->match |= flag;
    }
    if (name && (flag == POLICY_MATCH_UID ? lookup_user(c, name, id) : lookup_group(c, name, id)))
        rule->match |= flag;
}

static void check_match(struct checker *c, const config_setting_t *s, struct policy_rule *rule)
{
    static const char *const keys[] = {"uid", "user", "gid", "group", "exe", "cgroup", NULL};
    unsigned int before = c->problems;

    if (!config_setting_is_group(s)) {
        problem(c, line_of(s), "match must be a group { user = ...; exe = ...; }, not %s",
                type_name(s));
        return;
    }
    unknown_keys(c, s, "in match", keys, "uid, user, gid, group, exe or cgroup");
    get_id(c, s, "uid", "user", POLICY_MATCH_UID, rule);
    get_id(c, s, "gid", "group", POLICY_MATCH_GID, rule);
    const config_setting_t *exe = config_setting_get_member(s, "exe");
    if (exe) {
        get_path(c, exe, "exe", &rule->exe);
        rule->match |= rule->exe ? POLICY_MATCH_EXE : 0;
    }
    /*
     * The path names the file now; the program must be that file, so that
     * the same path in a mount namespace of the client's own names nothing.
     */
    int err = rule->exe ? file_id_of(rule->exe, &rule->exe_id) : 0;
    if (err < 0)
        note(c, line_of(exe),
             "exe %s: %s: the rule matches no process until hsxd reads the policy again with "
             "the program there",
             rule->exe, strerror(-err));
    const config_setting_t *cgroup = config_setting_get_member(s, "cgroup");
    if (cgroup) {
        get_path(c, cgroup, "cgroup", &rule->cgroup);
        rule->match |= rule->cgroup ? POLICY_MATCH_CGROUP : 0;
    }
    /* A rule that matches every process is a mistake, not a way to say "everyone". */
    if (rule->match == 0 && c->problems == before)
        problem(c, line_of(s),
                "match is empty: give at least one of uid, user, gid, group, exe, "
                "cgroup");
    /* Anyone can run a program, and make it do their bidding (LD_PRELOAD, ptrace). */
    if (rule->match == POLICY_MATCH_EXE)
        problem(c, line_of(s),
                "exe alone matches whoever runs the program, with whatever LD_PRELOAD or "
                "debugger: give uid, user, gid, group or cgroup too");
}

/* ---- rules ------------------------------------------------------------------------ */

static void check_rule(struct checker *c, const config_setting_t *s, size_t index,
                       uint32_t lifetime, struct policy *policy)
{
    struct policy_rule *rule = &policy->rules[index];
    char modules[128];
    bool grants = false;
    long long n;

    rule->line = line_of(s);
    rule->lifetime_s = lifetime;
    snprintf(rule->name, sizeof(rule->name), "rule %zu", index + 1);
    if (!config_setting_is_group(s)) {
        problem(c, line_of(s), "rule %zu must be a group { match = {...}; gpio = {...}; }, not %s",
                index + 1, type_name(s));
        return;
    }
    for (int i = 0; i < config_setting_length(s); i++) {
        const config_setting_t *m = config_setting_get_elem(s, (unsigned int)i);
        const char *key = config_setting_name(m);
        const struct hsx_umodule *module = capspec_module_by_name(key);

        if (module) {
            check_grant(c, m, module, &rule->grant[policy_slot(module->id)], &rule->fs);
            grants = true;
        } else if (hsx_umod_is_future(key)) {
            problem(c, line_of(m), "module '%s' has no capabilities in this hsxd yet (expected %s)",
                    key, capspec_module_list(modules, sizeof(modules)));
            grants = true;
        } else if (strcmp(key, "name") == 0) {
            const char *name = get_string(c, m, "name");
            if (name && strlen(name) >= POLICY_NAME_MAX)
                problem(c, line_of(m), "name is longer than %d characters", POLICY_NAME_MAX - 1);
            else if (name)
                snprintf(rule->name, sizeof(rule->name), "%s", name);
        } else if (strcmp(key, "lifetime") == 0) {
            if (get_number(c, m, "lifetime", 1, POLICY_LIFETIME_MAX, &n))
                rule->lifetime_s = (uint32_t)n;
        } else if (strcmp(key, "match") != 0) {
            problem(c, line_of(m),
                    "unknown key '%s' in a rule (expected name, match, lifetime, %s)", key,
                    capspec_module_list(modules, sizeof(modules)));
        }
    }
    const config_setting_t *match = config_setting_get_member(s, "match");
    if (match)
        check_match(c, match, rule);
    else
        problem(c, line_of(s), "%s has no match: say whose processes it is for", rule->name);
    if (!grants)
        problem(c, line_of(s), "%s grants nothing: give %s", rule->name,
                capspec_module_list(modules, sizeof(modules)));
    if (rule->fs && rule->fs->uses_name && !fs_root_name_ok(rule->name))
        problem(c, line_of(s),
                "%s: its fs root names it (%%n): give it a name of letters, digits, '.', '_' "
                "and '-'",
                rule->name);
    for (size_t i = 0; i < index; i++) {
        if (strcmp(policy->rules[i].name, rule->name) == 0)
            problem(c, line_of(s), "the name '%s' is taken by the rule at line %u", rule->name,
                    policy->rules[i].line);
    }
}

static void check_root(struct checker *c, const config_setting_t *root, struct policy *policy)
{
    static const char *const keys[] = {"version", "lifetime", "rules", NULL};
    long long n;

    unknown_keys(c, root, "at the top level", keys, "version, lifetime or rules");
    const config_setting_t *version = config_setting_get_member(root, "version");
    if (version && get_number(c, version, "version", 0, 1000, &n) && n != POLICY_VERSION)
        problem(c, line_of(version), "version %lld is not supported (this hsxd reads version %d)",
                n, POLICY_VERSION);
    policy->lifetime_s = POLICY_LIFETIME_DEFAULT;
    const config_setting_t *lifetime = config_setting_get_member(root, "lifetime");
    if (lifetime && get_number(c, lifetime, "lifetime", 1, POLICY_LIFETIME_MAX, &n))
        policy->lifetime_s = (uint32_t)n;

    const config_setting_t *rules = config_setting_get_member(root, "rules");
    if (!rules) {
        problem(c, 0, "no rules: write 'rules = ( ... );' (an empty list denies everything)");
        return;
    }
    if (!config_setting_is_list(rules)) {
        problem(c, line_of(rules), "rules must be a list ( { ... }, { ... } ), not %s",
                type_name(rules));
        return;
    }
    int count = config_setting_length(rules);
    if (count > POLICY_RULES_MAX) {
        problem(c, line_of(rules), "%d rules; at most %d are allowed", count, POLICY_RULES_MAX);
        return;
    }
    policy->rules = calloc(count ? (size_t)count : 1, sizeof(*policy->rules));
    if (!policy->rules) {
        problem(c, 0, "out of memory");
        return;
    }
    policy->nrules = (size_t)count;
    for (int i = 0; i < count; i++)
        check_rule(c, config_setting_get_elem(rules, (unsigned int)i), (size_t)i,
                   policy->lifetime_s, policy);
}

/* ---- the file ----------------------------------------------------------------------- */

/* libconfig's bound (scanctx.h): a file at that depth includes none. */
#define INCLUDE_DEPTH_MAX 10
/* Directives followed, in all: included files may include each other many times. */
#define INCLUDES_MAX 64

/*
 * The files the policy @includes, each checked as the policy itself is
 * (policy_file.c) before libconfig parses any: one anybody may write would
 * let anybody grant themselves anything.
 */
struct includes {
    struct checker *c;
    bool strict;
    unsigned int depth; /* of the file whose directives are followed */
    size_t count;
    char *names[INCLUDES_MAX]; /* as written, as libconfig records them */
};

static bool check_include(const char *name, void *arg)
{
    struct includes *inc = arg;
    char why[PATH_MAX + 128];
    size_t len;

    if (!name) {
        problem(inc->c, 0, "an @include names a path longer than %d bytes", PATH_MAX);
        return false;
    }
    if (inc->depth >= INCLUDE_DEPTH_MAX)
        return true; /* libconfig refuses it, and says so */
    if (inc->count >= INCLUDES_MAX) {
        problem(inc->c, 0, "%s: more than %d @include directives", name, INCLUDES_MAX);
        return false;
    }
    char *text = policy_file_read(name, inc->strict, &len, why, sizeof(why));
    if (!text) {
        problem(inc->c, 0, "%s: %s", name, why);
        return false;
    }
    if (!(inc->names[inc->count] = strdup(name))) {
        problem(inc->c, 0, "%s: out of memory", name);
        free(text);
        return false;
    }
    inc->count++;
    inc->depth++;
    bool ok = policy_each_include(text, len, check_include, inc);
    inc->depth--;
    free(text);
    return ok;
}

/* Every file libconfig read was checked first (it reads by name; see policy_file.c). */
static void check_read(struct checker *c, const config_t *cfg, const struct includes *inc)
{
    for (unsigned int i = 0; i < cfg->num_filenames; i++) {
        size_t k = 0;
        while (k < inc->count && strcmp(inc->names[k], cfg->filenames[i]))
            k++;
        if (k == inc->count)
            problem(c, 0, "%s: included without being checked", cfg->filenames[i]);
    }
}

/* Parse text, whose includes were all found acceptable, and check what it says. */
static void parse(struct checker *c, char *text, size_t len, const struct includes *inc,
                  struct policy *policy)
{
    /* A stream, not config_read_string(): all of it, a NUL byte too, as from the file. */
    FILE *f = len ? fmemopen(text, len, "r") : NULL;
    config_t cfg;

    if (len && !f) {
        problem(c, 0, "cannot read: %s", strerror(errno));
        return;
    }
    config_init(&cfg);
    if (!(f ? config_read(&cfg, f) : config_read_string(&cfg, ""))) {
        /* A syntax error may be in a file the policy @includes: name that one. */
        static char file[4096];
        snprintf(file, sizeof(file), "%s",
                 config_error_file(&cfg) ? config_error_file(&cfg) : c->path);
        c->path = file;
        problem(c, (unsigned int)config_error_line(&cfg), "%s", config_error_text(&cfg));
    } else {
        check_read(c, &cfg, inc);
        check_root(c, config_root_setting(&cfg), policy);
    }
    config_destroy(&cfg);
    if (f)
        fclose(f);
}

int policy_load(const char *path, bool strict, struct policy **out, char *err, size_t err_size)
{
    /* Static: too large for a small stack, and policies are read one at a time. */
    static struct checker c;
    static struct includes inc;
    struct policy *policy = calloc(1, sizeof(*policy));
    char why[PATH_MAX + 128];
    size_t len = 0;

    c.path = path;
    c.problems = 0;
    c.notes_len = 0;
    c.notes[0] = '\0';
    if (err_size)
        err[0] = '\0';
    if (!policy) {
        snprintf(err, err_size, "%s: out of memory", path);
        return -1;
    }
    /* The policy, then every file it includes, checked before any is parsed. */
    char *text = policy_file_read(path, strict, &len, why, sizeof(why));
    inc = (struct includes){.c = &c, .strict = strict};
    if (!text)
        problem(&c, 0, "%s", why);
    else if (policy_each_include(text, len, check_include, &inc))
        parse(&c, text, len, &inc, policy);
    for (size_t i = 0; i < inc.count; i++)
        free(inc.names[i]);
    free(text);
    if (c.problems) {
        report(&c, err, err_size);
        policy_free(policy);
        return -1;
    }
    if (c.notes_len && !(policy->notes = strdup(c.notes))) {
        snprintf(err, err_size, "%s: out of memory", path);
        policy_free(policy);
        return -1;
    }
    *out = policy;
    return 0;
}

void policy_free(struct policy *policy)
{
    if (!policy)
        return;
    for (size_t i = 0; i < policy->nrules; i++) {
        free(policy->rules[i].exe);
        free(policy->rules[i].cgroup);
        if (policy->rules[i].fs)
            free(policy->rules[i].fs->root);
        free(policy->rules[i].fs);
    }
    free(policy->rules);
    free(policy->notes);
    free(policy);
}
