// SPDX-License-Identifier: MIT
/*
 * FS in hsxd: fs = { ... } rules in a policy (each problem with its line),
 * the decision from several rules, and the root hsxd binds from a rule's
 * template: the expansion, the directory made in a temporary tree (a
 * symlink on the way refused), the usage measured, the binding through a
 * fake hsx.ko, and an ACQUIRE from end to end.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "core/module_sel_fs.h"
#include "decide.h"
#include "fake.h"
#include "fs_root.h"
#include "modules.h"
#include "ops.h"
#include "policy.h"

#define FS policy_slot(HSX_MODULE_FS)
#define R HSX_CAP_R_READ
#define W HSX_CAP_R_WRITE
#define G HSX_CAP_R_GRANT
#define NOW (2000ull * 1000000000ull)

static char why[256], err[4096], tmp[64], dir[FS_ROOT_PATH_MAX], policy_text[2048];

static int make_tmp(void **state)
{
    (void)state;
    snprintf(tmp, sizeof(tmp), "/tmp/hsxd-fs.XXXXXX");
    assert_non_null(mkdtemp(tmp));
    return 0;
}

static int remove_tmp(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static struct policy *load(const char *text)
{
    char path[128];
    struct policy *policy = NULL;

    snprintf(path, sizeof(path), "%s/policy.conf", tmp);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    int ret = policy_load(path, false, &policy, err, sizeof(err));
    unlink(path);
    return ret == 0 ? policy : NULL;
}

static void expect_refused(const char *rule, const char *message)
{
    snprintf(policy_text, sizeof(policy_text), "rules = ( { match = { uid = 1000; };\n  %s } );\n",
             rule);
    assert_null(load(policy_text));
    if (!strstr(err, message))
        fail_msg("expected \"%s\" in:\n%s", message, err);
}

/* ---- the policy ---------------------------------------------------------------------------- */

static void a_policy_names_a_template_or_roots(void **state)
{
    (void)state;
    struct policy *policy = load(
        "rules = ( { name = \"logger\"; match = { uid = 1000; };\n"
        "  fs = { root = \"/var/lib/hsx/fs/%u/%n\"; quota_bytes = 1048576; quota_files = 256;\n"
        "         rights = [\"read\", \"write\"]; owner = \"root\"; }; },\n"
        "  { name = \"viewer\"; match = { uid = 1001; };\n"
        "  fs = { roots = \"2-3\"; rights = \"read\"; }; } );\n");
    if (!policy)
        fail_msg("refused:\n%s", err);
    const struct policy_rule *r = &policy->rules[0];
    assert_true(r->grant[FS].present);
    assert_int_equal(r->grant[FS].rights, R | W);
    assert_int_equal(r->grant[FS].sel.fs.roots, UINT32_MAX); /* whichever hsxd binds */
    assert_non_null(r->fs);
    assert_string_equal(r->fs->root, "/var/lib/hsx/fs/%u/%n");
    assert_int_equal(r->fs->quota_bytes, 1048576);
    assert_int_equal(r->fs->quota_files, 256);
    assert_int_equal(r->fs->owner_uid, 0);
    assert_true(r->fs->uses_name);
    r = &policy->rules[1];
    assert_null(r->fs);
    assert_int_equal(r->grant[FS].sel.fs.roots, 0xc);
    policy_free(policy);

    /* Large quotas as libconfig's 64-bit numbers; %u alone needs no name. */
    policy = load("rules = ( { match = { uid = 1000; };\n"
                  "  fs = { root = \"/srv/hsx/%u\"; quota_bytes = 17179869184L; "
                  "quota_files = 1; rights = \"read\"; }; } );\n");
    if (!policy)
        fail_msg("refused:\n%s", err);
    assert_int_equal(policy->rules[0].fs->quota_bytes, 17179869184ull);
    assert_false(policy->rules[0].fs->uses_name);
    policy_free(policy);
}

static void fs_rules_problems_have_their_line(void **state)
{
    (void)state;
    expect_refused("fs = { rights = \"read\"; };",
                   ":2: fs: give root (a directory hsxd binds for each client) or roots");
    expect_refused("fs = { root = \"/a/%u\"; roots = 1; quota_bytes = 1; quota_files = 1;\n"
                   "  rights = \"read\"; };",
                   ":2: fs: give root (a directory hsxd binds) or roots (bound already), not both");
    expect_refused("fs = { root = \"/a/%u\";\n  rights = \"read\"; };",
                   ":2: fs: quota_bytes is missing");
    expect_refused(
        "fs = { root = \"/a/%u\"; quota_bytes = 0; quota_files = 1; rights = \"read\"; };",
        ":2: quota_bytes 0 is out of range");
    expect_refused(
        "fs = { root = \"a/%u\"; quota_bytes = 1; quota_files = 1; rights = \"read\"; };",
        ":2: fs: root must be an absolute path: 'a/%u'");
    expect_refused(
        "fs = { root = \"/a/../%u\"; quota_bytes = 1; quota_files = 1; rights = \"read\"; };",
        ":2: fs: root must not have an empty, '.' or '..' component");
    expect_refused(
        "fs = { root = \"/a/%u/\"; quota_bytes = 1; quota_files = 1; rights = \"read\"; };",
        "nor end with '/'");
    expect_refused(
        "fs = { root = \"/a/%x\"; quota_bytes = 1; quota_files = 1; rights = \"read\"; };",
        ":2: fs: root: '%x' is no escape");
    expect_refused(
        "fs = { root = \"/a/%n\"; quota_bytes = 1; quota_files = 1; rights = \"read\"; };",
        ":1: rule 1: its fs root names it (%n): give it a name");
    expect_refused("fs = { root = \"/a/%u\"; quota_bytes = 1; quota_files = 1;\n"
                   "  owner = \"no-such-user-here\"; rights = \"read\"; };",
                   ":3: unknown user 'no-such-user-here'");
    expect_refused("fs = { roots = 1;\n  quota_files = 4; rights = \"read\"; };",
                   ":3: fs: quota_files goes with root");
    expect_refused("fs = { roots = 32; rights = \"read\"; };",
                   ":2: roots: root 32 is out of range");
    expect_refused("fs = { roots = 1; rights = \"irq\"; };", "'irq' is not a right of fs");
    expect_refused("fs = { roots = 1; rights = \"read\"; quota = 1; };",
                   "unknown key 'quota' in fs (expected roots, root, quota_bytes, quota_files, "
                   "owner or rights)");
}

/* ---- decisions ----------------------------------------------------------------------------- */

static struct policy_fs tree = {.root = "/x/%u", .quota_bytes = 100, .quota_files = 10};
static struct policy_rule rules[3];

static struct policy three_rules(void)
{
    fake_rule(&rules[0], "roots-read", 1000, 60);
    rules[0].grant[FS] = (struct policy_grant){.present = true, .rights = R | G};
    rules[0].grant[FS].sel.fs.roots = 0x6;
    fake_rule(&rules[1], "tree", 1000, 30);
    rules[1].grant[FS] = (struct policy_grant){.present = true, .rights = R | W};
    rules[1].grant[FS].sel.fs.roots = UINT32_MAX;
    rules[1].fs = &tree;
    fake_rule(&rules[2], "other", 2000, 60);
    rules[2].grant[FS] = (struct policy_grant){.present = true, .rights = R | W | G};
    rules[2].grant[FS].sel.fs.roots = 1;
    return (struct policy){.lifetime_s = 60, .nrules = 3, .rules = rules};
}

static void one_rule_gives_the_capability(void **state)
{
    (void)state;
    struct policy policy = three_rules();
    struct identity app = {.pid = 10, .uid = 1000, .gid = 1000, .exe = "", .cgroup = ""};
    struct cap_want want = {.module = HSX_MODULE_FS};
    struct decision d;

    /* The most rights: the template's rule, every root until bound. */
    assert_true(decide(&policy, NULL, 0, &app, &want, NOW, &d));
    assert_int_equal(d.rights, R | W);
    assert_ptr_equal(d.fs_rule, &rules[1]);
    assert_int_equal(d.sel.fs.roots, UINT32_MAX);
    assert_int_equal(d.lifetime_s, 30);
    assert_string_equal(d.rules, "tree");

    /* Read with grant on roots named: the first rule, never united with the tree's write. */
    want.rights = R | G;
    assert_true(decide(&policy, NULL, 0, &app, &want, NOW, &d));
    assert_int_equal(d.rights, R | G);
    assert_null(d.fs_rule);
    assert_int_equal(d.sel.fs.roots, 0x6);
    want.sel.fs.roots = 0x4;
    assert_true(decide(&policy, NULL, 0, &app, &want, NOW, &d));
    assert_int_equal(d.sel.fs.roots, 0x4);

    /* Write on root 2: only the template's rule may give it, once bound there. */
    want.rights = W;
    assert_true(decide(&policy, NULL, 0, &app, &want, NOW, &d));
    assert_ptr_equal(d.fs_rule, &rules[1]);

    /* Grant alone is nothing; another's roots are not this one's. */
    want = (struct cap_want){.module = HSX_MODULE_FS, .rights = G};
    assert_false(decide(&policy, NULL, 0, &app, &want, NOW, &d));
    app.uid = 3000;
    want.rights = 0;
    assert_false(decide(&policy, NULL, 0, &app, &want, NOW, &d));
    assert_string_equal(d.why, "no policy rule matches uid 3000, exe (unknown)");
}

/* ---- the root's directory -------------------------------------------------------------- */

static void templates_expand_for_the_client(void **state)
{
    bool uses_name;
    (void)state;

    assert_int_equal(
        fs_root_expand("/var/lib/hsx/fs/%u/%n", 1000, "logger", dir, sizeof(dir), why, sizeof(why)),
        0);
    assert_string_equal(dir, "/var/lib/hsx/fs/1000/logger");
    assert_int_equal(fs_root_expand("/d/100%%/u%u", 7, "x", dir, sizeof(dir), why, sizeof(why)), 0);
    assert_string_equal(dir, "/d/100%/u7");
    assert_int_equal(fs_root_expand("/d/%n", 7, "a/b", dir, sizeof(dir), why, sizeof(why)),
                     -EINVAL);
    assert_int_equal(fs_root_expand("/d/%n", 7, "..", dir, sizeof(dir), why, sizeof(why)), -EINVAL);
    assert_int_equal(fs_root_expand("/d/%n", 7, "rule 1", dir, sizeof(dir), why, sizeof(why)),
                     -EINVAL);
    assert_non_null(strstr(why, "cannot be a directory's"));
    assert_int_equal(fs_root_expand("/d/%u", 4000000000u, "", dir, 12, why, sizeof(why)),
                     -ENAMETOOLONG);
    assert_int_equal(fs_root_expand("/d/%u", 1, "", dir, 12, why, sizeof(why)), 0);
    assert_int_equal(fs_root_template_check("/a%", &uses_name, why, sizeof(why)), -EINVAL);
    assert_int_equal(fs_root_template_check("/a/%%n", &uses_name, why, sizeof(why)), 0);
    assert_false(uses_name);
    assert_int_equal(fs_root_template_check("//a", &uses_name, why, sizeof(why)), -EINVAL);
    assert_int_equal(fs_root_template_check("/", &uses_name, why, sizeof(why)), -EINVAL);
    assert_true(fs_root_name_ok("my-app_2.0"));
    assert_false(fs_root_name_ok("."));
    assert_false(fs_root_name_ok(""));
}

static void directories_are_made_safely(void **state)
{
    struct stat st;
    (void)state;
    const uid_t me = getuid();

    snprintf(dir, sizeof(dir), "%s/fs/1000/app", tmp);
    int fd = fs_root_open(dir, me, getgid(), why, sizeof(why));
    if (fd < 0)
        fail_msg("%s", why);
    assert_int_equal(fstat(fd, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 07777, 0700);
    close(fd);
    snprintf(dir, sizeof(dir), "%s/fs/1000", tmp);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700); /* a parent hsxd made */

    /* Again: opened as it is. */
    snprintf(dir, sizeof(dir), "%s/fs/1000/app", tmp);
    fd = fs_root_open(dir, me, getgid(), why, sizeof(why));
    assert_true(fd >= 0);
    close(fd);

    /* A symlink on the way, or at the end, is refused; nothing made past it. */
    char target[128], link[128];
    snprintf(target, sizeof(target), "%s/elsewhere", tmp);
    assert_int_equal(mkdir(target, 0700), 0);
    snprintf(link, sizeof(link), "%s/fs/1001", tmp);
    assert_int_equal(symlink(target, link), 0);
    snprintf(dir, sizeof(dir), "%s/fs/1001/app", tmp);
    int ret = fs_root_open(dir, me, getgid(), why, sizeof(why));
    assert_true(ret == -ENOTDIR || ret == -ELOOP); /* O_DIRECTORY | O_NOFOLLOW says either */
    assert_non_null(strstr(why, "a symlink or not a directory"));
    snprintf(dir, sizeof(dir), "%s/elsewhere/app", tmp);
    assert_int_equal(stat(dir, &st), -1);
    snprintf(dir, sizeof(dir), "%s/fs/1001", tmp);
    assert_true(fs_root_open(dir, me, getgid(), why, sizeof(why)) < 0);

    /* A file where a directory should be. */
    snprintf(dir, sizeof(dir), "%s/file", tmp);
    close(open(dir, O_CREAT | O_WRONLY, 0600));
    snprintf(dir, sizeof(dir), "%s/file/app", tmp);
    assert_int_equal(fs_root_open(dir, me, getgid(), why, sizeof(why)), -ENOTDIR);

    /* An existing root of another owner is not taken over. */
    snprintf(dir, sizeof(dir), "%s/fs/1000/app", tmp);
    assert_int_equal(fs_root_open(dir, me + 1, getgid(), why, sizeof(why)), -EPERM);
    assert_non_null(strstr(why, "not to the rule's owner"));

    /* As root: the root made is its owner's, its parents root's. */
    if (me == 0) {
        snprintf(dir, sizeof(dir), "%s/fs/1002/owned", tmp);
        fd = fs_root_open(dir, 1234, 1235, why, sizeof(why));
        assert_true(fd >= 0);
        assert_int_equal(fstat(fd, &st), 0);
        assert_int_equal(st.st_uid, 1234);
        assert_int_equal(st.st_gid, 1235);
        close(fd);
        snprintf(dir, sizeof(dir), "%s/fs/1002", tmp);
        assert_int_equal(stat(dir, &st), 0);
        assert_int_equal(st.st_uid, 0);
    }
}

/* Keep only hsxd.service's CapabilityBoundingSet= in this process: 0, or -1. */
static int keep_hsxd_service_caps(void)
{
    static const int caps[] = {CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_NET_ADMIN, CAP_CHOWN,
                               CAP_DAC_READ_SEARCH};
    struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3};
    struct __user_cap_data_struct data[2] = {0};

    for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
        data[caps[i] / 32].effective |= 1u << (caps[i] % 32);
        data[caps[i] / 32].permitted |= 1u << (caps[i] % 32);
    }
    return (int)syscall(SYS_capset, &header, data);
}

/*
 * With hsxd.service's capabilities only (no CAP_FOWNER, no CAP_DAC_OVERRIDE), a root hsxd makes
 * for another owner is still 0700 and that owner's: the mode is set while hsxd owns it.
 */
static void a_root_is_made_without_cap_fowner(void **state)
{
    struct stat st;
    int status;
    (void)state;

    if (getuid() != 0) {
        skip(); /* only root can give a directory away */
        return;
    }
    snprintf(dir, sizeof(dir), "%s/fs/1003/app", tmp);
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0) {
        int fd =
            keep_hsxd_service_caps() < 0 ? -1 : fs_root_open(dir, 1234, 1235, why, sizeof(why));
        if (fd < 0)
            fprintf(stderr, "fs_root_open: %s\n", why);
        _exit(fd < 0);
    }
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0700);
    assert_int_equal(st.st_uid, 1234);
    assert_int_equal(st.st_gid, 1235);
}

static void write_file(const char *path, size_t size)
{
    char buf[1000] = {0};
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, size, f), size);
    fclose(f);
}

static void usage_counts_files_and_directories(void **state)
{
    char path[FS_ROOT_PATH_MAX + 32];
    uint64_t bytes = 1, files = 1;
    (void)state;

    snprintf(dir, sizeof(dir), "%s/tree", tmp);
    int fd = fs_root_open(dir, getuid(), getgid(), why, sizeof(why));
    assert_true(fd >= 0);
    assert_int_equal(fs_root_usage(fd, &bytes, &files, why, sizeof(why)), 0);
    assert_int_equal(bytes, 0);
    assert_int_equal(files, 0);

    snprintf(path, sizeof(path), "%s/a", dir);
    write_file(path, 100);
    snprintf(path, sizeof(path), "%s/d", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/d/e", dir);
    assert_int_equal(mkdir(path, 0700), 0);
    snprintf(path, sizeof(path), "%s/d/e/b", dir);
    write_file(path, 1000);
    snprintf(path, sizeof(path), "%s/d/.hsx-tmp.c", dir);
    write_file(path, 5);
    /* Not served by hsx.ko, not counted: a symlink (to a large file), a FIFO. */
    snprintf(path, sizeof(path), "%s/link", dir);
    assert_int_equal(symlink("/etc/passwd", path), 0);
    snprintf(path, sizeof(path), "%s/d/fifo", dir);
    assert_int_equal(mkfifo(path, 0600), 0);

    assert_int_equal(fs_root_usage(fd, &bytes, &files, why, sizeof(why)), 0);
    assert_int_equal(bytes, 1105);
    assert_int_equal(files, 5); /* a, d, d/e, d/e/b, d/.hsx-tmp.c */
    close(fd);
}

static void roots_are_bound_once_per_directory(void **state)
{
    struct policy_fs fs = {.root = dir, .quota_bytes = 4096, .quota_files = 8};
    char tmpl[128], path[FS_ROOT_PATH_MAX + 32];
    uint32_t root = 99;
    (void)state;

    fake_reset();
    fs.owner_uid = getuid();
    fs.owner_gid = getgid();
    snprintf(tmpl, sizeof(tmpl), "%s/fs/%%u/%%n", tmp);
    fs.root = tmpl;
    assert_int_equal(
        fs_root_bind(FAKE_CTL, &fs, "app", 1000, &root, dir, sizeof(dir), why, sizeof(why)), 0);
    assert_int_equal(root, 0);
    snprintf(path, sizeof(path), "%s/fs/1000/app", tmp);
    assert_string_equal(dir, path);
    assert_int_equal(fake.fs[0].map.quota_bytes, 4096);
    assert_int_equal(fake.fs[0].map.quota_files, 8);
    assert_int_equal(fake.fs[0].map.used_bytes, 0);

    /* The same directory: its root. Another client's: the next. */
    assert_int_equal(
        fs_root_bind(FAKE_CTL, &fs, "app", 1000, &root, dir, sizeof(dir), why, sizeof(why)), 0);
    assert_int_equal(root, 0);
    assert_int_equal(
        fs_root_bind(FAKE_CTL, &fs, "app", 1001, &root, dir, sizeof(dir), why, sizeof(why)), 0);
    assert_int_equal(root, 1);
    assert_int_equal(fake.fs_maps, 3);

    /* A tree already over its quota: refused, saying so. */
    write_file(strcat(dir, "/big"), 1000);
    fs.quota_bytes = 999;
    fake.fs[1].bound = false;
    assert_int_equal(
        fs_root_bind(FAKE_CTL, &fs, "app", 1001, &root, dir, sizeof(dir), why, sizeof(why)),
        -EINVAL);
    assert_non_null(strstr(why, "holds 1000 bytes in 1 files and directories, over the rule's "
                                "quotas (999 bytes, 8 files)"));
    fake.fail_fs_map = -ENOSPC;
    fs.quota_bytes = 4096;
    assert_int_equal(
        fs_root_bind(FAKE_CTL, &fs, "app", 1001, &root, dir, sizeof(dir), why, sizeof(why)),
        -ENOSPC);
    assert_non_null(strstr(why, "no FS root is free"));
    /* Nothing is asked of hsx.ko for a directory that cannot be made. */
    fake.fail_fs_map = 0;
    unsigned int maps = fake.fs_maps;
    assert_int_equal(
        fs_root_bind(FAKE_CTL, &fs, "a/b", 1001, &root, dir, sizeof(dir), why, sizeof(why)),
        -EINVAL);
    assert_int_equal(fake.fs_maps, maps);
}

/* ---- ACQUIRE ------------------------------------------------------------------------------- */

static void acquire(struct hsxd *h, const struct identity *who, int fd, uint32_t rights,
                    uint32_t roots, struct hsxd_reply *reply)
{
    struct hsxd_request req = {
        .version = 1, .op = HSXD_OP_ACQUIRE, .module = HSX_MODULE_FS, .rights = rights};

    req.sel.fs.roots = roots;
    memset(reply, 0, sizeof(*reply));
    ops_acquire(h, who, -1, fd, &req, reply);
}

static void acquire_binds_the_clients_tree(void **state)
{
    struct identity app = {.pid = 300, .uid = 1000, .gid = 1000, .exe = "", .cgroup = ""};
    struct identity other = {.pid = 301, .uid = 1001, .gid = 1001, .exe = "", .cgroup = ""};
    struct hsxd_reply reply;
    struct stat st;
    (void)state;

    snprintf(policy_text, sizeof(policy_text),
             "rules = ( { name = \"logger\"; match = { gid = 1000; };\n"
             "  fs = { root = \"%s/fs/%%u/%%n\"; quota_bytes = 65536; quota_files = 16;\n"
             "         rights = [\"read\", \"write\"]; owner = \"%s\"; }; },\n"
             "  { name = \"reader\"; match = { uid = 1001; };\n"
             "  fs = { root = \"%s/fs/shared\"; quota_bytes = 1; quota_files = 1;\n"
             "         rights = \"read\"; owner = \"%s\"; }; } );\n",
             tmp, getuid() == 0 ? "root" : getenv("USER"), tmp,
             getuid() == 0 ? "root" : getenv("USER"));
    struct policy *policy = load(policy_text);
    if (!policy)
        fail_msg("refused:\n%s", err);
    struct hsxd *h = fake_hsxd_new(policy);

    int fd = fake_open(app.pid, HSX_MODULE_FS);
    acquire(h, &app, fd, 0, 0, &reply);
    if (reply.status != 0)
        fail_msg("%d %s", reply.status, reply.message);
    assert_int_equal(reply.cap.rights, R | W);
    assert_int_equal(reply.cap.sel.fs.roots, 1);
    assert_int_equal(fake_live(reply.cap.id)->sel.fs.roots, 1);
    snprintf(dir, sizeof(dir), "%s/fs/1000/logger", tmp);
    assert_int_equal(stat(dir, &st), 0);
    assert_int_equal(fake.fs[0].map.quota_bytes, 65536);
    assert_true(fake_log_matching("fs: root 0 is ") > 0);

    /* Read-only, another tree; a request for a root the tree is not: denied. */
    int fd2 = fake_open(other.pid, HSX_MODULE_FS);
    acquire(h, &other, fd2, 0, 1u << 5, &reply);
    assert_int_equal(reply.status, -EACCES);
    assert_non_null(strstr(reply.message, "the tree reader gives is root 1, not one asked for"));
    acquire(h, &other, fd2, 0, 1u << 1, &reply);
    assert_int_equal(reply.status, 0);
    assert_int_equal(reply.cap.rights, R);
    assert_int_equal(reply.cap.sel.fs.roots, 2);

    /* hsx.ko refusing the binding: the client is told, nothing minted. */
    int fd3 = fake_open(302, HSX_MODULE_FS);
    struct identity third = {.pid = 302, .uid = 1002, .gid = 1000, .exe = "", .cgroup = ""};
    fake.fail_fs_map = -ENOSPC;
    acquire(h, &third, fd3, 0, 0, &reply);
    assert_int_equal(reply.status, -ENOSPC);
    assert_non_null(strstr(reply.message, "no FS root is free"));
    assert_int_equal(fake.ncaps, 2);

    fake_hsxd_free(h);
    policy_free(policy);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_policy_names_a_template_or_roots, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(fs_rules_problems_have_their_line, make_tmp, remove_tmp),
        cmocka_unit_test(one_rule_gives_the_capability),
        cmocka_unit_test(templates_expand_for_the_client),
        cmocka_unit_test_setup_teardown(directories_are_made_safely, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(a_root_is_made_without_cap_fowner, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(usage_counts_files_and_directories, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(roots_are_bound_once_per_directory, make_tmp, remove_tmp),
        cmocka_unit_test_setup_teardown(acquire_binds_the_clients_tree, make_tmp, remove_tmp),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
