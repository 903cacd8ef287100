// SPDX-License-Identifier: MIT
/*
 * hsxctl fram map | unmap | info | read | write | wear | record get | record set.
 *
 * A device is bound by the administrator to an nvmem device of the machine
 * (an SPI FRAM, an I2C EEPROM, a simulated part); hsx.ko keeps its wear
 * counts in an area at the part's end. Everything but map goes through
 * libhsx_hal, so an unprivileged user gets what hsxd's policy allows.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hsx_fram.h"
#include "hsx_uapi.h"
#include "hsxctl.h"
#include "output.h"
#include "sysfs.h"

static const struct hsxctl_kind fram_kind = {
    .noun = "device", .group = "fram", .list = "info", .target = "nvmem device", .a = "an"};

/* A failed library call on dev, in the device's terms where they are known. Returns 1. */
static int fram_fail(int code, unsigned int dev, const char *what)
{
    return hsxctl_fail_instance(&fram_kind, code, dev, what);
}

/* ---- map, unmap --------------------------------------------------------------------- */

int cmd_fram_map(const struct hsxctl_cmdline *cmd)
{
    struct hsx_fram_map arg = {.dev = cmd->dev, .size = cmd->part_size};
    const char *nvmem = cmd->command == HSXCTL_FRAM_UNMAP ? "" : cmd->nvmem;
    hsx_fram_info_t info;

    /* The parser kept the name shorter than the field. */
    memcpy(arg.name, nvmem, strlen(nvmem));
    int ret = hsxctl_map(&(struct hsxctl_map){.module = "FRAM",
                                              .noun = "device",
                                              .index = cmd->dev,
                                              .name = nvmem,
                                              .request = HSX_IOC_FRAM_MAP,
                                              .arg = &arg});
    if (ret >= 0)
        return ret;
    if (ret == -EBUSY && hsx_fram_get_info(cmd->dev, &info) == HSX_HAL_OK && info.bound)
        hsxctl_error("device %u is bound to %s: unbind it first ('hsxctl fram unmap %u')", cmd->dev,
                     info.name, cmd->dev);
    else if (ret == -EBUSY)
        hsxctl_error("%s is bound to another device", nvmem);
    else if (ret == -ENODEV)
        hsxctl_error("there is no nvmem device named %s (see /sys/bus/nvmem/devices)", nvmem);
    else if (cmd->part_size)
        hsxctl_error("hsx.ko refused %s of %u bytes: the kernel knows another size", nvmem,
                     cmd->part_size);
    else
        hsxctl_error("hsx.ko refused the nvmem device %s: %s", nvmem, strerror(-ret));
    return HSXCTL_EXIT_FAILURE;
}

/* ---- info --------------------------------------------------------------------------- */

/* What /sys/hal/fram/<n>/ adds (root only); known is false where it could not be read. */
struct fram_sysfs {
    bool known;
    unsigned long long writes, wear_max, wear_block;
};

struct fram_infos {
    const struct hsxctl_cmdline *cmd;
    hsx_fram_info_t info[HSX_FRAM_MAX_DEVICES];
    struct fram_sysfs sysfs[HSX_FRAM_MAX_DEVICES];
    bool bound[HSX_FRAM_MAX_DEVICES];
};

static const struct hsxctl_bit_name fram_flags[] = {
    {HSX_FRAM_READ_ONLY, "read-only"},
    {HSX_FRAM_WEAR_VOLATILE, "wear-volatile"},
    {0, NULL},
};

static struct fram_sysfs read_sysfs(unsigned int dev)
{
    char path[64], writes[32], wear[64];
    struct fram_sysfs s = {0};

    snprintf(path, sizeof(path), HSX_SYSFS_ROOT "/fram/%u/writes", dev);
    if (sysfs_read_value(path, writes, sizeof(writes)) < 0)
        return s;
    snprintf(path, sizeof(path), HSX_SYSFS_ROOT "/fram/%u/wear_max", dev);
    if (sysfs_read_value(path, wear, sizeof(wear)) < 0)
        return s;
    s.known = sscanf(writes, "%llu", &s.writes) == 1 &&
              sscanf(wear, "%llu %llu", &s.wear_max, &s.wear_block) == 2;
    return s;
}

static void print_device(FILE *out, unsigned int dev, void *ctx)
{
    const struct fram_infos *f = ctx;
    const hsx_fram_info_t *i = &f->info[dev];
    const struct fram_sysfs *s = &f->sysfs[dev];

    if (!f->cmd->json && !f->bound[dev]) {
        fprintf(out, "%-4u (not bound)\n", dev);
        return;
    }
    if (!f->cmd->json) {
        fprintf(out, "%-4u %-20s %-9u %-9u %-9u %-6u ", dev, i->name, i->size, i->part_size,
                i->wear_area, i->block_size);
        if (s->known)
            fprintf(out, "%-7llu %llu@%-8llu ", s->writes, s->wear_max, s->wear_block);
        else
            fprintf(out, "%-7s %-10s ", "-", "-");
        hsxctl_print_bits(out, i->flags, fram_flags, ",", 0);
        fputc('\n', out);
        return;
    }
    fprintf(out, "{\"dev\":%u,\"bound\":%s", dev, f->bound[dev] ? "true" : "false");
    if (f->bound[dev]) {
        fputs(",\"nvmem\":", out);
        json_string(out, i->name);
        fprintf(out, ",\"size\":%u,\"part_size\":%u,\"reserved\":%u,\"block_size\":%u,\"flags\":",
                i->size, i->part_size, i->wear_area, i->block_size);
        hsxctl_print_bits(out, i->flags, fram_flags, ",", 1);
        if (s->known)
            fprintf(out, ",\"writes\":%llu,\"wear_max\":{\"count\":%llu,\"block\":%llu}", s->writes,
                    s->wear_max, s->wear_block);
    }
    fputc('}', out);
}

int cmd_fram_info(const struct hsxctl_cmdline *cmd)
{
    static struct fram_infos f;
    unsigned int first = cmd->have_dev ? cmd->dev : 0;
    unsigned int end = cmd->have_dev ? cmd->dev + 1u : HSX_FRAM_MAX_DEVICES;

    /* Ask everything first, so that a failure prints nothing but the error. */
    memset(&f, 0, sizeof(f));
    f.cmd = cmd;
    for (unsigned int dev = first; dev < end; dev++) {
        int ret = hsx_fram_get_info((uint8_t)dev, &f.info[dev]);
        if (ret == HSX_HAL_DENIED && !cmd->have_dev)
            continue; /* a device this user's capability does not cover: not listed */
        if (ret != HSX_HAL_OK)
            return fram_fail(ret, dev, "describe");
        f.bound[dev] = f.info[dev].bound;
        if (f.bound[dev])
            f.sysfs[dev] = read_sysfs(dev);
    }
    if (!cmd->json)
        printf("%-4s %-20s %-9s %-9s %-9s %-6s %-7s %-10s %s\n", "DEV", "NVMEM", "SIZE",
               "PART_SIZE", "RESERVED", "BLOCK", "WRITES", "WEAR_MAX", "FLAGS");
    hsxctl_print_instances(stdout, HSX_FRAM_MAX_DEVICES, f.bound, cmd->have_dev ? cmd->dev : -1,
                           cmd->json, "no devices are bound", print_device, &f);
    return HSXCTL_EXIT_OK;
}

/* ---- read --------------------------------------------------------------------------- */

int cmd_fram_read(const struct hsxctl_cmdline *cmd)
{
    uint8_t *buf = malloc(cmd->len);
    uint32_t done = 0;

    if (!buf) {
        hsxctl_error("out of memory");
        return HSXCTL_EXIT_FAILURE;
    }
    /* Everything first, so that a failure prints nothing but the error. */
    while (done < cmd->len) {
        uint32_t n = cmd->len - done < HSX_FRAM_XFER_MAX ? cmd->len - done : HSX_FRAM_XFER_MAX;
        int ret = hsx_fram_read_ex(cmd->dev, cmd->addr + done, buf + done, n);
        if (ret <= 0) {
            free(buf);
            if (ret == HSX_HAL_INVALID_PARAM && hsx_hal_errno() == EINVAL)
                return hsxctl_fail_hal(ret,
                                       "cannot read %u bytes at 0x%x of device %u (is it "
                                       "past the device's size? see 'hsxctl fram info')",
                                       cmd->len, cmd->addr, cmd->dev);
            return fram_fail(ret ? ret : HSX_HAL_ERROR, cmd->dev, "read");
        }
        done += (uint32_t)ret;
    }
    if (cmd->raw) {
        fwrite(buf, 1, cmd->len, stdout);
    } else if (cmd->json) {
        printf("{\"dev\":%u,\"addr\":%u,\"data\":\"", cmd->dev, cmd->addr);
        print_hex(stdout, buf, cmd->len);
        puts("\"}");
    } else {
        print_hexdump(stdout, cmd->addr, buf, cmd->len);
    }
    free(buf);
    return HSXCTL_EXIT_OK;
}

/* ---- write, record set: the bytes ----------------------------------------------------- */

/* The bytes to write: the words' (the parser counted them) or FILE's. NULL after saying why. */
static uint8_t *data_of(const struct hsxctl_cmdline *cmd, uint32_t max, uint32_t *len)
{
    if (!cmd->file) {
        uint8_t *buf = malloc(cmd->data_len ? cmd->data_len : 1);
        if (buf) {
            hsxctl_fram_data(cmd, buf, cmd->data_len);
            *len = cmd->data_len;
        } else {
            hsxctl_error("out of memory");
        }
        return buf;
    }
    const bool stdin_ = strcmp(cmd->file, "-") == 0;
    FILE *file = stdin_ ? stdin : fopen(cmd->file, "rb");
    const char *what = stdin_ ? "standard input" : cmd->file;
    uint8_t *buf = malloc((size_t)max + 1);
    size_t n = 0;

    if (!file || !buf) {
        if (!file)
            hsxctl_error("cannot open %s: %s", cmd->file, strerror(errno));
        else
            hsxctl_error("out of memory");
        free(buf);
        if (file && !stdin_)
            fclose(file);
        return NULL;
    }
    /* One byte more than max tells a file that is too long. */
    n = fread(buf, 1, (size_t)max + 1, file);
    bool failed = ferror(file);
    if (!stdin_)
        fclose(file);
    if (failed || n > max || (n == 0 && cmd->command == HSXCTL_FRAM_WRITE)) {
        if (failed)
            hsxctl_error("cannot read %s: %s", what, strerror(errno));
        else if (n)
            hsxctl_error("%s has more than the %u bytes that fit", what, max);
        else
            hsxctl_error("%s is empty: no bytes to write", what);
        free(buf);
        return NULL;
    }
    *len = (uint32_t)n;
    return buf;
}

int cmd_fram_write(const struct hsxctl_cmdline *cmd)
{
    uint32_t len = 0, done = 0;
    uint8_t *buf = data_of(cmd, HSX_FRAM_PART_MAX - cmd->addr, &len);
    int ret = HSXCTL_EXIT_OK;

    if (!buf)
        return HSXCTL_EXIT_FAILURE;
    while (done < len) {
        uint32_t n = len - done < HSX_FRAM_XFER_MAX ? len - done : HSX_FRAM_XFER_MAX;
        int wrote = hsx_fram_write_ex(cmd->dev, cmd->addr + done, buf + done, n);
        if (wrote < 0 && done == 0) {
            ret = wrote == HSX_HAL_INVALID_PARAM && hsx_hal_errno() == EINVAL
                      ? hsxctl_fail_hal(wrote,
                                        "cannot write %u bytes at 0x%x of device %u (is it "
                                        "past the device's size? see 'hsxctl fram info')",
                                        len, cmd->addr, cmd->dev)
                      : fram_fail(wrote, cmd->dev, "write to");
            break;
        }
        if (wrote < 0 || (uint32_t)wrote < n) {
            if (wrote > 0)
                done += (uint32_t)wrote;
            hsxctl_error("only %u of %u bytes were written to device %u at 0x%x", done, len,
                         cmd->dev, cmd->addr);
            ret = HSXCTL_EXIT_FAILURE;
            break;
        }
        done += n;
    }
    if (ret == HSXCTL_EXIT_OK)
        printf("%u bytes written to device %u at 0x%x\n", len, cmd->dev, cmd->addr);
    free(buf);
    return ret;
}

/* ---- wear --------------------------------------------------------------------------- */

int cmd_fram_wear(const struct hsxctl_cmdline *cmd)
{
    hsx_fram_wear_t wear;
    int ret = hsx_fram_get_wear_ex(cmd->dev, cmd->addr, &wear);

    if (ret != HSX_HAL_OK)
        return fram_fail(ret, cmd->dev, "read the wear of");
    if (cmd->json)
        printf("{\"dev\":%u,\"addr\":%u,\"block\":%u,\"count\":%" PRIu64 "}\n", cmd->dev, cmd->addr,
               wear.block, wear.count);
    else
        printf("device %u address 0x%x: block %u, %" PRIu64 " writes\n", cmd->dev, cmd->addr,
               wear.block, wear.count);
    return HSXCTL_EXIT_OK;
}

/* ---- record get, record set -------------------------------------------------------------- */

static int record_setup(const struct hsxctl_cmdline *cmd)
{
    int ret = hsx_fram_record_setup(cmd->dev, cmd->base, cmd->slot_size, cmd->slots);

    return ret == HSX_HAL_OK ? HSXCTL_EXIT_OK : fram_fail(ret, cmd->dev, "lay out records on");
}

/* A failed record call: its own errors, else the device's ("read", "a record of"). Returns 1. */
static int record_fail(const struct hsxctl_cmdline *cmd, int code, const char *what, const char *on)
{
    char doing[48];

    if (code == HSX_HAL_INVALID_PARAM && hsx_hal_errno() == EINVAL)
        return hsxctl_fail_hal(code,
                               "cannot %s record %u of device %u (does its group of %u slots at "
                               "0x%x end past the device's size? see 'hsxctl fram info')",
                               what, cmd->record_id, cmd->dev, cmd->slots,
                               cmd->base + cmd->record_id * cmd->slots * cmd->slot_size);
    snprintf(doing, sizeof(doing), "%s %s", what, on);
    return fram_fail(code, cmd->dev, doing);
}

int cmd_fram_record_get(const struct hsxctl_cmdline *cmd)
{
    static uint8_t buf[HSX_FRAM_RECORD_MAX];
    hsx_fram_record_info_t info;
    int ret = record_setup(cmd);

    if (ret != HSXCTL_EXIT_OK)
        return ret;
    int len = hsx_fram_record_read_ex(cmd->record_id, buf, sizeof(buf), &info);
    if (len == HSX_HAL_NO_DATA) {
        hsxctl_error("record %u of device %u holds no valid version: %s", cmd->record_id, cmd->dev,
                     info.flags & HSX_FRAM_RECORD_CORRUPT ? "every slot written is corrupt"
                                                          : "it was never written");
        return HSXCTL_EXIT_FAILURE;
    }
    if (len < 0)
        return record_fail(cmd, len, "read", "a record of");
    const bool corrupt = info.flags & HSX_FRAM_RECORD_CORRUPT;
    if (cmd->json) {
        printf("{\"dev\":%u,\"id\":%u,\"seq\":%" PRIu64 ",\"corrupt\":%s,\"len\":%d,\"data\":\"",
               cmd->dev, cmd->record_id, info.seq, corrupt ? "true" : "false", len);
        print_hex(stdout, buf, (size_t)len);
        puts("\"}");
        return HSXCTL_EXIT_OK;
    }
    printf("record %u: %d bytes, seq %" PRIu64 "%s\n", cmd->record_id, len, info.seq,
           corrupt ? ", a corrupt slot was seen (a write was cut)" : "");
    print_hexdump(stdout, 0, buf, (size_t)len);
    return HSXCTL_EXIT_OK;
}

int cmd_fram_record_set(const struct hsxctl_cmdline *cmd)
{
    uint32_t len = 0;
    int ret = record_setup(cmd);

    if (ret != HSXCTL_EXIT_OK)
        return ret;
    uint8_t *buf = data_of(cmd, cmd->slot_size - HSX_FRAM_SLOT_HEADER, &len);
    if (!buf)
        return HSXCTL_EXIT_FAILURE;
    int wrote = hsx_fram_record_write(cmd->record_id, buf, len);
    free(buf);
    if (wrote < 0)
        return record_fail(cmd, wrote, "write", "a record to");
    printf("record %u: %d bytes written\n", cmd->record_id, wrote);
    return HSXCTL_EXIT_OK;
}
