// SPDX-License-Identifier: MIT
/*
 * The can commands' command lines: a bus, an interface's name, a frame as
 * cansend writes it, a bitrate and modes. Checked completely here, as the
 * rest of cli.c's, so a bad command line does nothing.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "can/can_module.h"
#include "cli.h"
#include "hsx_uapi.h"

static const struct {
    const char *word;
    uint32_t mode;
} mode_words[] = {
    {"loopback", HSX_CAN_MODE_LOOPBACK},
    {"listen-only", HSX_CAN_MODE_LISTEN_ONLY},
    {"fd", HSX_CAN_MODE_FD},
};

#define MODES (sizeof(mode_words) / sizeof(mode_words[0]))

const char *hsxctl_can_modes(char *buf, size_t size, uint32_t mode)
{
    size_t used = 0;

    snprintf(buf, size, "-");
    for (size_t i = 0; i < MODES; i++) {
        if (!(mode & mode_words[i].mode))
            continue;
        int n = snprintf(buf + used, size - used, "%s%s", used ? "," : "", mode_words[i].word);
        if (n < 0 || (size_t)n >= size - used)
            break;
        used += (size_t)n;
    }
    return buf;
}

static int hex_digit(char c)
{
    static const char digits[] = "0123456789abcdef";
    const char *at = c ? strchr(digits, tolower((unsigned char)c)) : NULL;

    return at ? (int)(at - digits) : -1;
}

/* Bytes as cansend takes them: pairs of hex digits, '.' allowed between them. */
static int parse_bytes(const char *text, uint8_t *out, size_t max, size_t *count, const char **why)
{
    size_t n = 0;
    bool after_byte = false; /* a '.' may come only between two bytes */

    for (const char *s = text; *s;) {
        if (*s == '.' && after_byte && hex_digit(s[1]) >= 0) {
            after_byte = false;
            s++;
            continue;
        }
        if (hex_digit(s[0]) < 0 || hex_digit(s[1]) < 0) {
            *why = "the data is pairs of hex digits (DEADBEEF, or DE.AD.BE.EF)";
            return -EINVAL;
        }
        if (n == max) {
            *why = max == 8 ? "a classic frame has at most 8 bytes (## sends CAN FD)"
                            : "a CAN FD frame has at most 64 bytes";
            return -EINVAL;
        }
        out[n++] = (uint8_t)(hex_digit(s[0]) << 4 | hex_digit(s[1]));
        after_byte = true;
        s += 2;
    }
    *count = n;
    return 0;
}

int hsxctl_parse_can_frame(const char *text, hsx_can_fd_frame_t *frame, const char **why)
{
    const char *hash = strchr(text, '#');
    uint32_t id = 0;

    memset(frame, 0, sizeof(*frame));
    size_t digits = hash ? (size_t)(hash - text) : 0;
    if (!hash || (digits != 3 && digits != 8)) {
        *why = hash ? "an ID is 3 hex digits (standard: 123) or 8 (extended: 12345678)"
                    : "write ID#DATA (123#DEADBEEF, 123#R, 123##1DEADBEEF)";
        return -EINVAL;
    }
    for (size_t i = 0; i < digits; i++) {
        if (hex_digit(text[i]) < 0) {
            *why = "an ID is 3 hex digits (standard: 123) or 8 (extended: 12345678)";
            return -EINVAL;
        }
        id = id << 4 | (uint32_t)hex_digit(text[i]);
    }
    if (digits == 8)
        frame->flags |= HSX_CAN_EXT_FRAME;
    if (id > (digits == 8 ? HSX_CAN_EFF_MASK : HSX_CAN_SFF_MASK)) {
        *why = digits == 8 ? "an extended ID is at most 1FFFFFFF" : "a standard ID is at most 7FF";
        return -EINVAL;
    }
    frame->can_id = id;

    const char *rest = hash + 1;
    size_t max = 8, len = 0;
    if (*rest == 'R' || *rest == 'r') {
        /* A remote request: no data, the length it asks for (0..8). */
        frame->flags |= HSX_CAN_RTR_FRAME;
        if (rest[1] && (rest[1] < '0' || rest[1] > '8' || rest[2])) {
            *why = "a remote request is ID#R, or ID#R with its length 0..8 (123#R4)";
            return -EINVAL;
        }
        frame->len = rest[1] ? (uint8_t)(rest[1] - '0') : 0;
        return 0;
    }
    if (*rest == '#') {
        int flags = hex_digit(rest[1]);
        /* cansend's flags nibble: 1 is CANFD_BRS; ESI (2) is the receiver's to see. */
        if (flags < 0 || (flags & ~1)) {
            *why = "a CAN FD frame is ID##F with F its flags: 0, or 1 for the bit-rate switch";
            return -EINVAL;
        }
        frame->flags |= HSX_CAN_FD_FRAME | (flags ? HSX_CAN_BRS_FRAME : 0);
        rest += 2;
        max = HSX_CAN_DATA_MAX;
    }
    if (parse_bytes(rest, frame->data, max, &len, why) < 0)
        return -EINVAL;
    frame->len = (uint8_t)len;
    if (!hsx_can_frame_valid(frame->can_id, frame->flags, frame->len, HSX_CAN_F_TX)) {
        *why = "a CAN FD frame has 0 to 8, 12, 16, 20, 24, 32, 48 or 64 bytes";
        return -EINVAL;
    }
    return 0;
}

/* An interface's name as the kernel takes one (dev_valid_name()): 1..15 bytes, no '/'. */
static bool ifname_ok(const char *name)
{
    size_t len = strlen(name);

    if (len == 0 || len >= HSX_CAN_IFNAME_MAX || !strcmp(name, ".") || !strcmp(name, ".."))
        return false;
    for (size_t i = 0; i < len; i++) {
        if (name[i] == '/' || name[i] == ':' || isspace((unsigned char)name[i]) ||
            !isprint((unsigned char)name[i]))
            return false;
    }
    return true;
}

/* BITRATE and the modes after it, for can config. */
static int parse_config(const char *name, const char *const *positional, struct hsxctl_cmdline *cmd,
                        FILE *err)
{
    uint64_t value;
    int ret =
        hsxctl_parse_number(err, name, "BITRATE", positional[1], 0, HSX_CAN_BITRATE_MAX, &value);

    if (ret)
        return ret;
    cmd->bitrate = (uint32_t)value;
    for (int i = 2; i < HSXCTL_POSITIONAL_MAX && positional[i]; i++) {
        size_t m = 0;
        while (m < MODES && strcmp(positional[i], mode_words[m].word) != 0)
            m++;
        if (m == MODES) {
            fprintf(err, "hsxctl: %s: unknown mode '%s' (expected loopback, listen-only or fd)\n",
                    name, positional[i]);
            return HSXCTL_EXIT_USAGE;
        }
        if (cmd->can_mode & mode_words[m].mode) {
            fprintf(err, "hsxctl: %s: mode '%s' is given twice\n", name, positional[i]);
            return HSXCTL_EXIT_USAGE;
        }
        cmd->can_mode |= mode_words[m].mode;
    }
    if (cmd->data_bitrate && !(cmd->can_mode & HSX_CAN_MODE_FD)) {
        fprintf(err, "hsxctl: %s: --data-bitrate is CAN FD's data phase: give the mode fd too\n",
                name);
        return HSXCTL_EXIT_USAGE;
    }
    return HSXCTL_EXIT_OK;
}

int hsxctl_parse_can_arguments(const char *name, const char *const *positional,
                               struct hsxctl_cmdline *cmd, FILE *err)
{
    const char *why;
    uint64_t value;

    if (!positional[0]) /* can dump, can status without BUS */
        return HSXCTL_EXIT_OK;
    int ret =
        hsxctl_parse_number(err, name, "BUS", positional[0], 0, HSX_CAN_MAX_BUSES - 1, &value);
    if (ret)
        return ret;
    cmd->bus = (uint8_t)value;
    cmd->have_bus = true;
    switch (cmd->command) {
    case HSXCTL_CAN_MAP:
        /* An empty name unbinds. */
        if (positional[1][0] != '\0' && !ifname_ok(positional[1])) {
            fprintf(err,
                    "hsxctl: %s: invalid IFNAME '%s': an interface's name (can0) has 1 to %d "
                    "characters, without '/', ':' or blanks\n",
                    name, positional[1], HSX_CAN_IFNAME_MAX - 1);
            return HSXCTL_EXIT_USAGE;
        }
        cmd->ifname = positional[1];
        return HSXCTL_EXIT_OK;
    case HSXCTL_CAN_SEND:
        if (hsxctl_parse_can_frame(positional[1], &cmd->frame, &why) < 0) {
            fprintf(err, "hsxctl: %s: invalid FRAME '%s': %s\n", name, positional[1], why);
            return HSXCTL_EXIT_USAGE;
        }
        if (cmd->timeout_ms > HSX_CAN_TIMEOUT_MAX_MS) {
            fprintf(err, "hsxctl: %s: --timeout '%u' is out of range (1..%u)\n", name,
                    cmd->timeout_ms, HSX_CAN_TIMEOUT_MAX_MS);
            return HSXCTL_EXIT_USAGE;
        }
        return HSXCTL_EXIT_OK;
    case HSXCTL_CAN_CONFIG:
        return parse_config(name, positional, cmd, err);
    default:
        return HSXCTL_EXIT_OK;
    }
}
