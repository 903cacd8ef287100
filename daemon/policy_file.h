/* SPDX-License-Identifier: MIT */
/*
 * The policy's files as hsxd trusts them: the policy and every file it
 * @includes are opened, checked and read here before libconfig parses any
 * of them.
 */
#ifndef HSXD_POLICY_FILE_H
#define HSXD_POLICY_FILE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Read the file at path whole (at most POLICY_FILE_MAX bytes, NUL-terminated)
 * if hsxd may trust it: a regular file, and with strict, one that only root
 * (or hsxd's own user) can change, on a path only they can change: the file
 * opened with O_NOFOLLOW and checked on its descriptor (owner root or hsxd's
 * uid, not writable by group or others), every directory from / down to it
 * opened one at a time without following a symbolic link and checked the
 * same way (a sticky one, as /tmp, may be writable by all: no one else can
 * rename or remove what is root's in it). Returns the text (the caller frees
 * it), or NULL with why set ("must be owned by root ...").
 */
char *policy_file_read(const char *path, bool strict, size_t *len, char *why, size_t why_size);

/*
 * Call fn with each file text @includes, in order, as libconfig 1.5's
 * scanner finds them: `@include "name"` at the start of a line (after blanks)
 * outside comments and strings, the name unescaped as libconfig does. Stops
 * and returns false once fn does.
 */
bool policy_each_include(const char *text, size_t len, bool (*fn)(const char *name, void *arg),
                         void *arg);

#endif /* HSXD_POLICY_FILE_H */
