// SPDX-License-Identifier: MIT
#include <stdarg.h>
#include <string.h>

#include "log.h"

void log_open(bool also_stderr)
{
    openlog("hsxd", LOG_PID | LOG_NDELAY | (also_stderr ? LOG_PERROR : 0), LOG_DAEMON);
}

void log_msg(int priority, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsyslog(priority, fmt, ap);
    va_end(ap);
}

void log_lines(int priority, const char *text)
{
    while (*text) {
        size_t len = strcspn(text, "\n");
        syslog(priority, "%.*s", (int)len, text);
        text += len + (text[len] == '\n');
    }
}
