/* SPDX-License-Identifier: MIT */
/*
 * hsxd's log: syslog with facility LOG_DAEMON, which journald collects. One
 * function, so the unit tests can link a recorder in its place.
 */
#ifndef HSXD_LOG_H
#define HSXD_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* Open the log; also_stderr copies every line to standard error (--stderr). */
void log_open(bool also_stderr);

void log_msg(int priority, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Each line of text as a message of its own (the policy checker's report). */
void log_lines(int priority, const char *text);

#endif /* HSXD_LOG_H */
