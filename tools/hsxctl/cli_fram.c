// SPDX-License-Identifier: MIT
/*
 * The fram commands' command lines: a device, an nvmem device's name,
 * addresses and lengths (decimal or 0x hex), a record layout, and the bytes
 * to write. Checked completely here, as the rest of cli.c's, so a bad
 * command line does nothing.
 */
#include <errno.h>
#include <string.h>

#include "cli.h"
#include "hsx_fram.h"
#include "hsx_uapi.h"

long hsxctl_fram_data(const struct hsxctl_cmdline *cmd, uint8_t *out, size_t size)
{
    long count = 0;

    if (cmd->text) {
        size_t len = strlen(cmd->words[0]);
        if (out)
            memcpy(out, cmd->words[0], len < size ? len : size);
        return (long)len;
    }
    for (int i = 0; i < cmd->nwords; i++) {
        size_t at = (size_t)count;
        long n = hsxctl_parse_hex(cmd->words[i], out ? out + (at < size ? at : size) : NULL,
                                  at < size ? size - at : 0);
        if (n < 0)
            return n;
        count += n;
    }
    return count;
}

/* The data of fram write and record set: HEX..., --text TEXT or --file FILE, and at most max. */
static int check_data(const char *name, struct hsxctl_cmdline *cmd, uint32_t max, FILE *err)
{
    const char *usage = cmd->command == HSXCTL_FRAM_WRITE
                            ? "fram write DEV ADDR HEX... | --text TEXT | --file FILE"
                            : "fram record set DEV BASE SLOT_SIZE SLOTS ID HEX... | --text TEXT | "
                              "--file FILE";
    const bool have_words = cmd->nwords > 0, have_file = cmd->file != NULL;

    if (have_file && (have_words || cmd->text)) {
        fprintf(err,
                "hsxctl: %s: give HEX, --text TEXT or --file FILE, not two; usage: hsxctl %s\n",
                name, usage);
        return HSXCTL_EXIT_USAGE;
    }
    if (have_file)
        return HSXCTL_EXIT_OK; /* its size is known when it is read */
    if (!have_words) {
        fprintf(err,
                "hsxctl: %s: no data: give HEX, --text TEXT or --file FILE; usage: hsxctl %s\n",
                name, usage);
        return HSXCTL_EXIT_USAGE;
    }
    if (cmd->text && cmd->nwords != 1) {
        fprintf(err, "hsxctl: %s: --text takes one word: quote the text ('--text \"a b\"')\n",
                name);
        return HSXCTL_EXIT_USAGE;
    }
    long len = hsxctl_fram_data(cmd, NULL, 0);
    if (len < 0) {
        fprintf(err,
                "hsxctl: %s: invalid HEX: pairs of hex digits (48656c6c6f, or 48 65:6c), which "
                "spaces, ':' or '-' may separate (--text writes text)\n",
                name);
        return HSXCTL_EXIT_USAGE;
    }
    if (len == 0 && cmd->command == HSXCTL_FRAM_WRITE) {
        fprintf(err, "hsxctl: %s: no bytes to write\n", name);
        return HSXCTL_EXIT_USAGE;
    }
    if ((unsigned long)len > max) {
        fprintf(err, "hsxctl: %s: %ld bytes are too many: at most %u\n", name, len, max);
        return HSXCTL_EXIT_USAGE;
    }
    cmd->data_len = (uint32_t)len;
    return HSXCTL_EXIT_OK;
}

/* BASE SLOT_SIZE SLOTS ID of fram record, and the data of record set. */
static int parse_record(const char *name, const char *const *positional, struct hsxctl_cmdline *cmd,
                        FILE *err)
{
    uint64_t base, slot_size, slots, id;

    if (hsxctl_parse_address(err, name, "BASE", positional[1], 0, HSX_FRAM_PART_MAX - 1, &base) ||
        hsxctl_parse_address(err, name, "SLOT_SIZE", positional[2], HSX_FRAM_SLOT_HEADER + 8,
                             HSX_FRAM_SLOT_HEADER + HSX_FRAM_RECORD_MAX, &slot_size) ||
        hsxctl_parse_address(err, name, "SLOTS", positional[3], 2, HSX_FRAM_SLOTS_MAX, &slots) ||
        hsxctl_parse_address(err, name, "ID", positional[4], 0, UINT32_MAX, &id))
        return HSXCTL_EXIT_USAGE;
    if (slot_size % 8) {
        fprintf(err, "hsxctl: %s: SLOT_SIZE '%s' is not a multiple of 8\n", name, positional[2]);
        return HSXCTL_EXIT_USAGE;
    }
    /* The record's group must fit the largest part; the device's size is hsx.ko's to check. */
    if (base + (id + 1) * slots * slot_size > HSX_FRAM_PART_MAX) {
        fprintf(err,
                "hsxctl: %s: record %llu of that layout ends past the largest part (%u bytes)\n",
                name, (unsigned long long)id, HSX_FRAM_PART_MAX);
        return HSXCTL_EXIT_USAGE;
    }
    cmd->base = (uint32_t)base;
    cmd->slot_size = (uint32_t)slot_size;
    cmd->slots = (uint32_t)slots;
    cmd->record_id = (uint32_t)id;
    if (cmd->command == HSXCTL_FRAM_RECORD_SET)
        return check_data(name, cmd, cmd->slot_size - HSX_FRAM_SLOT_HEADER, err);
    return HSXCTL_EXIT_OK;
}

int hsxctl_parse_fram_arguments(const char *name, const char *const *positional,
                                struct hsxctl_cmdline *cmd, FILE *err)
{
    uint64_t value;

    if (!positional[0]) /* fram info without DEV */
        return HSXCTL_EXIT_OK;
    if (hsxctl_parse_address(err, name, "DEV", positional[0], 0, HSX_FRAM_MAX_DEVICES - 1, &value))
        return HSXCTL_EXIT_USAGE;
    cmd->dev = (uint8_t)value;
    cmd->have_dev = true;

    switch (cmd->command) {
    case HSXCTL_FRAM_MAP:
        if (!hsxctl_name_ok(positional[1], HSX_FRAM_NAME_MAX)) {
            fprintf(err,
                    "hsxctl: %s: invalid NVMEM '%s': an nvmem device's name (spi0.0, 0-00500) "
                    "has 1 to %d letters, digits, '_', '.' or '-'\n",
                    name, positional[1], HSX_FRAM_NAME_MAX - 1);
            return HSXCTL_EXIT_USAGE;
        }
        cmd->nvmem = positional[1];
        return HSXCTL_EXIT_OK;
    case HSXCTL_FRAM_READ:
    case HSXCTL_FRAM_WRITE:
    case HSXCTL_FRAM_WEAR:
        if (hsxctl_parse_address(err, name, "ADDR", positional[1], 0, HSX_FRAM_PART_MAX - 1,
                                 &value))
            return HSXCTL_EXIT_USAGE;
        cmd->addr = (uint32_t)value;
        if (cmd->command == HSXCTL_FRAM_WRITE)
            return check_data(name, cmd, HSX_FRAM_PART_MAX - cmd->addr, err);
        if (cmd->command != HSXCTL_FRAM_READ)
            return HSXCTL_EXIT_OK;
        if (hsxctl_parse_address(err, name, "LEN", positional[2], 1, HSX_FRAM_PART_MAX - cmd->addr,
                                 &value))
            return HSXCTL_EXIT_USAGE;
        cmd->len = (uint32_t)value;
        if (cmd->json && cmd->raw) {
            fprintf(err, "hsxctl: %s: --json or --raw, not both\n", name);
            return HSXCTL_EXIT_USAGE;
        }
        return HSXCTL_EXIT_OK;
    case HSXCTL_FRAM_RECORD_GET:
    case HSXCTL_FRAM_RECORD_SET:
        return parse_record(name, positional, cmd, err);
    default:
        return HSXCTL_EXIT_OK;
    }
}
