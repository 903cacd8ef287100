/* SPDX-License-Identifier: MIT */
/*
 * Driving hsxctl's command-line parser from a test: a command line given as
 * one string, and the usage error it must give. Include after cmocka.h and
 * tools/hsxctl/cli.c; shared by the tests of every hsxctl command group.
 */
#ifndef HSX_TESTS_HSXCTL_PARSE_H
#define HSX_TESTS_HSXCTL_PARSE_H

/* Parse a command line given as one string (words split on spaces); keep stderr's text. */
static char err_text[1024];

static int parse(const char *line, struct hsxctl_cmdline *cmd)
{
    /* Static, as a program's argv: cmd may point into it (the words of fram write). */
    static char buf[512];
    static char *argv[32];
    int argc = 1;

    memset(argv, 0, sizeof(argv));
    argv[0] = "hsxctl";

    snprintf(buf, sizeof(buf), "%s", line);
    for (char *word = strtok(buf, " "); word && argc < 31; word = strtok(NULL, " "))
        argv[argc++] = word;
    memset(err_text, 0, sizeof(err_text));
    FILE *err = fmemopen(err_text, sizeof(err_text), "w");
    assert_non_null(err);
    int ret = hsxctl_parse(argc, argv, cmd, err);
    fclose(err);
    return ret;
}

static void expect_usage_error(const char *line, const char *message)
{
    struct hsxctl_cmdline cmd;

    assert_int_equal(parse(line, &cmd), HSXCTL_EXIT_USAGE);
    if (!strstr(err_text, message))
        fail_msg("'%s': expected \"%s\" in \"%s\"", line, message, err_text);
}

#endif /* HSX_TESTS_HSXCTL_PARSE_H */
