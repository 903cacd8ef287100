/* SPDX-License-Identifier: MIT */
/*
 * hsxctl's command line: what the user asked for, checked completely before
 * anything is done. Kept free of libhsx_hal calls so the unit tests can link
 * it alone.
 */
#ifndef HSXCTL_CLI_H
#define HSXCTL_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Exit statuses. */
#define HSXCTL_EXIT_OK 0
#define HSXCTL_EXIT_FAILURE 1 /* the command ran and failed */
#define HSXCTL_EXIT_USAGE 2   /* the command line was wrong; nothing was done */

enum hsxctl_command {
    HSXCTL_HELP,
    HSXCTL_VERSION,
    HSXCTL_STATUS,
    HSXCTL_TIMER_CREATE,
    HSXCTL_TIMER_CANCEL,
    HSXCTL_TIMER_LIST,
    HSXCTL_LISTEN,
};

struct hsxctl_cmdline {
    enum hsxctl_command command;
    bool json;
    const char *help_topic; /* HSXCTL_HELP: "timer create", "listen", ...; NULL for all */

    uint32_t period_us; /* timer create */
    bool one_shot;
    uint32_t timer_id;   /* timer cancel */
    const char *mailbox; /* listen */
    uint64_t count;      /* timer create, listen: events before exiting; 0 = no limit */
    uint32_t timeout_ms; /* listen: give up after this long without an event; 0 = never */
};

/* Options a command may take. */
#define HSXCTL_TAKES_JSON (1u << 0)
#define HSXCTL_TAKES_COUNT (1u << 1)
#define HSXCTL_TAKES_TIMEOUT (1u << 2)
#define HSXCTL_TAKES_ONE_SHOT (1u << 3)

/* One entry per command, in the order of the help text. */
struct hsxctl_command_info {
    enum hsxctl_command command;
    const char *name; /* "timer create" */
    unsigned int options;
    int arguments; /* positional arguments */
    const char *synopsis;
    const char *help;
};

extern const struct hsxctl_command_info hsxctl_commands[];
extern const unsigned int hsxctl_command_count;

/*
 * Parse argv. Returns HSXCTL_EXIT_OK with *cmd filled, or HSXCTL_EXIT_USAGE
 * after printing what is wrong to err.
 */
int hsxctl_parse(int argc, char **argv, struct hsxctl_cmdline *cmd, FILE *err);

/*
 * A decimal number in min..max: digits only (no sign, space or base prefix).
 * Returns 0, -EINVAL if text is not a number, or -ERANGE if it is out of range.
 */
int hsxctl_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *value);

/* The command whose name (one or two words) is given, or NULL. */
const struct hsxctl_command_info *hsxctl_find_command(const char *name);

#endif /* HSXCTL_CLI_H */
