// SPDX-License-Identifier: MIT
/*
 * Parsing hsxctl's command line. Everything the user typed is checked here,
 * so a bad command line is reported (exit 2) before anything is opened,
 * created or changed.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hsx_uapi.h"

enum option_id {
    OPT_JSON = 'j',
    OPT_COUNT = 'c',
    OPT_TIMEOUT = 't',
    OPT_HELP = 'h',
    OPT_ONE_SHOT = 256,
};

static const struct option options[] = {
    {"json", no_argument, NULL, OPT_JSON},
    {"count", required_argument, NULL, OPT_COUNT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"one-shot", no_argument, NULL, OPT_ONE_SHOT},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};
static const char short_options[] = ":jc:t:h";

const struct hsxctl_command_info hsxctl_commands[] = {
    {HSXCTL_STATUS, "status", HSXCTL_TAKES_JSON, 0, "status [--json]",
     "Show whether hsx.ko is loaded, its version and ABI, the attributes of each\n"
     "module under /sys/hal, and how many mailboxes exist."},
    {HSXCTL_TIMER_CREATE, "timer create",
     HSXCTL_TAKES_JSON | HSXCTL_TAKES_COUNT | HSXCTL_TAKES_ONE_SHOT, 1,
     "timer create PERIOD_US [--one-shot] [--count N] [--json]",
     "Create a timer of PERIOD_US microseconds (100..3600000000), print its ID, then\n"
     "print each expiry until N have arrived (default: 1 for --one-shot, no limit\n"
     "otherwise) or SIGINT/SIGTERM, and cancel it. A timer lives as long as the\n"
     "process that created it, so the command stays until then."},
    {HSXCTL_TIMER_CANCEL, "timer cancel", 0, 1, "timer cancel ID",
     "Cancel any process's timer through the admin node /dev/hsx/ctl.\n"
     "Needs root (CAP_SYS_ADMIN)."},
    {HSXCTL_TIMER_LIST, "timer list", HSXCTL_TAKES_JSON, 0, "timer list [--json]",
     "List every timer with the attributes the kernel shows under /sys/hal/timer/ID/."},
    {HSXCTL_LISTEN, "listen", HSXCTL_TAKES_JSON | HSXCTL_TAKES_COUNT | HSXCTL_TAKES_TIMEOUT, 1,
     "listen MAILBOX [--count N] [--timeout MS] [--json]",
     "Subscribe to MAILBOX (e.g. hal:timer:3) and print its events as they arrive,\n"
     "one line each (one JSON object each with --json). Exits 0 after N events or on\n"
     "SIGINT/SIGTERM; exits 1 if no event comes within MS milliseconds, if the\n"
     "mailbox is destroyed, or on an error."},
    {HSXCTL_HELP, "help", 0, 0, "help [COMMAND]", "Show the help of every command, or of one."},
};
const unsigned int hsxctl_command_count = sizeof(hsxctl_commands) / sizeof(hsxctl_commands[0]);

static unsigned int option_bit(int opt)
{
    switch (opt) {
    case OPT_JSON:
        return HSXCTL_TAKES_JSON;
    case OPT_COUNT:
        return HSXCTL_TAKES_COUNT;
    case OPT_TIMEOUT:
        return HSXCTL_TAKES_TIMEOUT;
    case OPT_ONE_SHOT:
        return HSXCTL_TAKES_ONE_SHOT;
    default:
        return 0;
    }
}

const struct hsxctl_command_info *hsxctl_find_command(const char *name)
{
    for (unsigned int i = 0; i < hsxctl_command_count; i++) {
        if (strcmp(hsxctl_commands[i].name, name) == 0)
            return &hsxctl_commands[i];
    }
    return NULL;
}

int hsxctl_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *value)
{
    char *end;

    /* strtoull() would accept "-1" (as a huge number), " 1", "+1" and "0x1". */
    if (!text || !isdigit((unsigned char)text[0]))
        return -EINVAL;
    errno = 0;
    unsigned long long parsed = strtoull(text, &end, 10);
    if (*end != '\0')
        return -EINVAL;
    if (errno == ERANGE || parsed < min || parsed > max)
        return -ERANGE;
    *value = parsed;
    return 0;
}

static int parse_number(FILE *err, const char *command, const char *what, const char *text,
                        uint64_t min, uint64_t max, uint64_t *value)
{
    int ret = hsxctl_parse_u64(text, min, max, value);

    if (ret == -EINVAL)
        fprintf(err, "hsxctl: %s: invalid %s '%s': not a non-negative decimal integer\n", command,
                what, text);
    else if (ret == -ERANGE)
        fprintf(err, "hsxctl: %s: %s '%s' is out of range (%llu..%llu)\n", command, what, text,
                (unsigned long long)min, (unsigned long long)max);
    return ret ? HSXCTL_EXIT_USAGE : HSXCTL_EXIT_OK;
}

static const char *long_name(int opt)
{
    for (const struct option *o = options; o->name; o++) {
        if (o->val == opt)
            return o->name;
    }
    return "?";
}

/* Options and positional arguments of one command: args[0] is the command's last word. */
static int parse_command(const struct hsxctl_command_info *info, int argc, char **args,
                         struct hsxctl_cmdline *cmd, const char **positional, FILE *err)
{
    const int npositional = info->arguments;
    const char *name = info->name;
    bool have_count = false;
    int opt, ret;

    /* getopt would call "-5" an unknown option; say what it is. */
    for (int i = 1; i < argc; i++) {
        if (args[i][0] == '-' && isdigit((unsigned char)args[i][1])) {
            fprintf(err, "hsxctl: %s: negative numbers are not allowed: '%s'\n", name, args[i]);
            return HSXCTL_EXIT_USAGE;
        }
    }

    optind = 0; /* glibc: start afresh on a new argument vector */
    opterr = 0;
    while ((opt = getopt_long(argc, args, short_options, options, NULL)) != -1) {
        uint64_t value;

        switch (opt) {
        case '?':
            if (optopt)
                fprintf(err, "hsxctl: %s: unknown option '-%c'\n", name, optopt);
            else
                fprintf(err, "hsxctl: %s: unknown option '%s'\n", name, args[optind - 1]);
            return HSXCTL_EXIT_USAGE;
        case ':':
            fprintf(err, "hsxctl: %s: option '--%s' needs a value\n", name, long_name(optopt));
            return HSXCTL_EXIT_USAGE;
        case OPT_HELP:
            *cmd = (struct hsxctl_cmdline){.command = HSXCTL_HELP, .help_topic = name};
            return HSXCTL_EXIT_OK;
        default:
            break;
        }
        if (!(info->options & option_bit(opt))) {
            fprintf(err, "hsxctl: %s: option '--%s' does not apply to this command\n", name,
                    long_name(opt));
            return HSXCTL_EXIT_USAGE;
        }
        switch (opt) {
        case OPT_JSON:
            cmd->json = true;
            break;
        case OPT_ONE_SHOT:
            cmd->one_shot = true;
            break;
        case OPT_COUNT:
            ret = parse_number(err, name, "--count", optarg, 1, UINT64_MAX, &cmd->count);
            if (ret)
                return ret;
            have_count = true;
            break;
        case OPT_TIMEOUT:
            /* UINT32_MAX is the library's "forever". */
            ret = parse_number(err, name, "--timeout", optarg, 1, UINT32_MAX - 1, &value);
            if (ret)
                return ret;
            cmd->timeout_ms = (uint32_t)value;
            break;
        }
    }

    int given = argc - optind;
    if (given != npositional) {
        if (given < npositional)
            fprintf(err, "hsxctl: %s: missing argument; usage: hsxctl %s\n", name, info->synopsis);
        else
            fprintf(err, "hsxctl: %s: unexpected argument '%s'; usage: hsxctl %s\n", name,
                    args[optind + npositional], info->synopsis);
        return HSXCTL_EXIT_USAGE;
    }
    for (int i = 0; i < npositional; i++)
        positional[i] = args[optind + i];

    if (cmd->one_shot && have_count && cmd->count != 1) {
        fprintf(err, "hsxctl: %s: a one-shot timer expires once: --count must be 1\n", name);
        return HSXCTL_EXIT_USAGE;
    }
    if (cmd->command == HSXCTL_TIMER_CREATE && cmd->one_shot)
        cmd->count = 1;
    return HSXCTL_EXIT_OK;
}

static int parse_help(int argc, char **argv, int first, struct hsxctl_cmdline *cmd, FILE *err)
{
    char topic[64];

    *cmd = (struct hsxctl_cmdline){.command = HSXCTL_HELP};
    if (first >= argc)
        return HSXCTL_EXIT_OK;
    if (argc - first > 2) {
        fprintf(err, "hsxctl: help: too many arguments\n");
        return HSXCTL_EXIT_USAGE;
    }
    snprintf(topic, sizeof(topic), "%s%s%s", argv[first], argc - first == 2 ? " " : "",
             argc - first == 2 ? argv[first + 1] : "");
    /* "timer" alone is the group of timer commands. */
    if (strcmp(topic, "timer") == 0) {
        cmd->help_topic = "timer";
        return HSXCTL_EXIT_OK;
    }
    const struct hsxctl_command_info *info = hsxctl_find_command(topic);
    if (!info) {
        fprintf(err, "hsxctl: help: unknown command '%s'\n", topic);
        return HSXCTL_EXIT_USAGE;
    }
    cmd->help_topic = info->name;
    return HSXCTL_EXIT_OK;
}

int hsxctl_parse(int argc, char **argv, struct hsxctl_cmdline *cmd, FILE *err)
{
    static const struct option global_options[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *positional[1] = {NULL};
    uint64_t value;
    int opt, ret;

    *cmd = (struct hsxctl_cmdline){.command = HSXCTL_HELP};
    optind = 0;
    opterr = 0;
    /* "+": stop at the command; what follows is the command's. */
    while ((opt = getopt_long(argc, argv, "+hV", global_options, NULL)) != -1) {
        if (opt == 'h')
            return HSXCTL_EXIT_OK;
        if (opt == 'V') {
            cmd->command = HSXCTL_VERSION;
            return HSXCTL_EXIT_OK;
        }
        if (optopt)
            fprintf(err, "hsxctl: unknown option '-%c'\n", optopt);
        else
            fprintf(err, "hsxctl: unknown option '%s'\n", argv[optind - 1]);
        return HSXCTL_EXIT_USAGE;
    }
    if (optind >= argc) {
        fprintf(err, "hsxctl: no command given; see 'hsxctl --help'\n");
        return HSXCTL_EXIT_USAGE;
    }

    int first = optind;
    const char *word = argv[first];
    char name[32];

    if (strcmp(word, "help") == 0)
        return parse_help(argc, argv, first + 1, cmd, err);
    if (strcmp(word, "timer") == 0) {
        const char *sub = first + 1 < argc ? argv[first + 1] : NULL;
        if (!sub || sub[0] == '-') {
            fprintf(err, "hsxctl: timer: missing subcommand (create, cancel or list)\n");
            return HSXCTL_EXIT_USAGE;
        }
        snprintf(name, sizeof(name), "timer %s", sub);
        first++;
    } else {
        snprintf(name, sizeof(name), "%s", word);
    }
    const struct hsxctl_command_info *info = hsxctl_find_command(name);
    if (!info || info->command == HSXCTL_HELP) {
        fprintf(err, "hsxctl: unknown command '%s'; see 'hsxctl --help'\n", name);
        return HSXCTL_EXIT_USAGE;
    }

    cmd->command = info->command;
    ret = parse_command(info, argc - first, argv + first, cmd, positional, err);
    if (ret != HSXCTL_EXIT_OK || cmd->command == HSXCTL_HELP)
        return ret;

    switch (cmd->command) {
    case HSXCTL_TIMER_CREATE:
        ret = parse_number(err, name, "PERIOD_US", positional[0], HSX_TIMER_PERIOD_MIN_US,
                           HSX_TIMER_PERIOD_MAX_US, &value);
        cmd->period_us = (uint32_t)value;
        return ret;
    case HSXCTL_TIMER_CANCEL:
        ret = parse_number(err, name, "ID", positional[0], 1, HSX_TIMER_ID_MAX, &value);
        cmd->timer_id = (uint32_t)value;
        return ret;
    case HSXCTL_LISTEN:
        if (positional[0][0] == '\0' || strlen(positional[0]) >= HSX_MBOX_NAME_MAX) {
            fprintf(err, "hsxctl: listen: a mailbox name has 1 to %d characters\n",
                    HSX_MBOX_NAME_MAX - 1);
            return HSXCTL_EXIT_USAGE;
        }
        cmd->mailbox = positional[0];
        return HSXCTL_EXIT_OK;
    default:
        return HSXCTL_EXIT_OK;
    }
}
