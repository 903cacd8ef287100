// SPDX-License-Identifier: MIT
/*
 * hsxctl status: is hsx.ko there, which version and ABI, and what it shows
 * under /sys/hal. Module directories are printed generically, so a module
 * added to hsx.ko shows up without a change here.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hsx_mailbox.h"
#include "hsx_uapi.h"
#include "hsxctl.h"
#include "output.h"
#include "sysfs.h"

struct abi {
    bool known;
    struct hsx_core_version version;
    const char *node;
    int err; /* why it is not known */
};

/* The admin node answers root only; the timer node answers anyone allowed to use timers. */
static struct abi read_abi(void)
{
    const char *nodes[] = {HSX_DEV_PATH(HSX_DEV_CTL), HSX_DEV_PATH(HSX_DEV_TIMER)};
    struct abi abi = {.err = ENOENT};

    for (size_t i = geteuid() == 0 ? 0 : 1; i < sizeof(nodes) / sizeof(nodes[0]); i++) {
        int fd = open(nodes[i], O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            abi.err = errno;
            continue;
        }
        int ret = ioctl(fd, HSX_IOC_CORE_VERSION, &abi.version);
        abi.err = errno;
        close(fd);
        if (ret == 0) {
            abi.known = true;
            abi.node = nodes[i];
            break;
        }
    }
    return abi;
}

static void print_attrs_text(const struct sysfs_dir *dir)
{
    for (size_t i = 0; i < dir->nattrs; i++) {
        const struct sysfs_attr *attr = &dir->attrs[i];
        if (attr->value) {
            printf("  %-16s ", attr->name);
            print_text(stdout, attr->value);
            putchar('\n');
        } else
            printf("  %-16s (unreadable: %s)\n", attr->name, strerror(attr->err));
    }
    if (dir->nentries) {
        printf("  %-16s", "entries");
        for (size_t i = 0; i < dir->nentries; i++)
            printf(" %s", dir->entries[i]);
        putchar('\n');
    }
}

static void print_attrs_json(const struct sysfs_dir *dir)
{
    fputs("{\"attributes\":{", stdout);
    for (size_t i = 0; i < dir->nattrs; i++) {
        printf("%s", i ? "," : "");
        json_string(stdout, dir->attrs[i].name);
        putchar(':');
        if (dir->attrs[i].value)
            json_value(stdout, dir->attrs[i].value);
        else
            fputs("null", stdout);
    }
    fputs("},\"entries\":[", stdout);
    for (size_t i = 0; i < dir->nentries; i++) {
        printf("%s", i ? "," : "");
        json_string(stdout, dir->entries[i]);
    }
    fputs("]}", stdout);
}

static void print_abi(const struct abi *abi, bool json)
{
    const struct hsx_core_version *v = &abi->version;

    if (json) {
        if (!abi->known) {
            fputs("\"abi\":null,\"abi_error\":", stdout);
            json_string(stdout, strerror(abi->err));
            return;
        }
        printf("\"abi\":{\"kernel\":%u,\"hsxctl\":%d,\"release\":\"%u.%u.%u\",\"node\":", v->abi,
               HSX_ABI_VERSION, v->major, v->minor, v->patch);
        json_string(stdout, abi->node);
        printf(",\"admin\":%s}", v->admin ? "true" : "false");
        return;
    }
    if (!abi->known) {
        printf("%-10s unavailable (%s)\n", "abi:", strerror(abi->err));
        return;
    }
    printf("%-10s %u (hsxctl %d), release %u.%u.%u, via %s%s\n", "abi:", v->abi, HSX_ABI_VERSION,
           v->major, v->minor, v->patch, abi->node, v->admin ? " as admin" : "");
}

int cmd_status(const struct hsxctl_cmdline *cmd)
{
    char version[256] = "unknown";
    struct sysfs_dir root, module;
    bool json = cmd->json;

    if (!require_hsx_loaded()) {
        if (json)
            puts("{\"loaded\":false}");
        return HSXCTL_EXIT_FAILURE;
    }
    sysfs_read_value(HSX_SYSFS_ROOT "/version", version, sizeof(version));
    struct abi abi = read_abi();
    int mailboxes = hsx_mailbox_list(NULL, 0);
    int mailbox_err = hsx_hal_errno();
    int ret = sysfs_read_dir(HSX_SYSFS_ROOT, &root);
    if (ret < 0) {
        hsxctl_error("cannot read %s: %s", HSX_SYSFS_ROOT, strerror(-ret));
        return HSXCTL_EXIT_FAILURE;
    }

    if (json) {
        fputs("{\"loaded\":true,\"version\":", stdout);
        json_string(stdout, version);
        putchar(',');
        print_abi(&abi, true);
        if (mailboxes >= 0)
            printf(",\"mailboxes\":%d", mailboxes);
        else
            fputs(",\"mailboxes\":null", stdout);
        fputs(",\"hal\":", stdout);
        print_attrs_json(&(struct sysfs_dir){.attrs = root.attrs, .nattrs = root.nattrs});
        fputs(",\"modules\":{", stdout);
    } else {
        printf("%-10s loaded, version ", "hsx.ko:");
        print_text(stdout, version);
        putchar('\n');
        print_abi(&abi, false);
        if (mailboxes >= 0)
            printf("%-10s %d\n", "mailboxes:", mailboxes);
        else
            printf("%-10s unavailable (%s%s%s)\n", "mailboxes:", hsx_hal_strerror(mailboxes),
                   mailbox_err ? ": " : "", mailbox_err ? strerror(mailbox_err) : "");
        printf("%s\n", HSX_SYSFS_ROOT);
        print_attrs_text(&(struct sysfs_dir){.attrs = root.attrs, .nattrs = root.nattrs});
    }

    /* Each subdirectory of /sys/hal is a module (or a group such as "mailbox"). */
    for (size_t i = 0; i < root.nentries; i++) {
        char path[512];

        snprintf(path, sizeof(path), "%s/%s", HSX_SYSFS_ROOT, root.entries[i]);
        ret = sysfs_read_dir(path, &module);
        if (json) {
            printf("%s", i ? "," : "");
            json_string(stdout, root.entries[i]);
            putchar(':');
            if (ret < 0)
                fputs("null", stdout);
            else
                print_attrs_json(&module);
        } else {
            printf("%s\n", path);
            if (ret < 0)
                printf("  (unreadable: %s)\n", strerror(-ret));
            else
                print_attrs_text(&module);
        }
        if (ret == 0)
            sysfs_free_dir(&module);
    }
    if (json)
        puts("}}");
    sysfs_free_dir(&root);

    if (abi.known && abi.version.abi != HSX_ABI_VERSION) {
        hsxctl_error("ABI mismatch: hsx.ko speaks ABI %u, hsxctl was built for ABI %d",
                     abi.version.abi, HSX_ABI_VERSION);
        return HSXCTL_EXIT_FAILURE;
    }
    return HSXCTL_EXIT_OK;
}
