// SPDX-License-Identifier: MIT
/*
 * Opening the policy and the files it @includes as hsxd trusts them, and
 * finding the @include directives before libconfig reads them.
 *
 * libconfig 1.5 (Debian 12) has no include hook (config_set_include_func()
 * came with 1.7): it fopen()s an included file by its name, as written,
 * relative to the current directory. So policy.c has every file checked here
 * first, walking the directives as libconfig's scanner will, and libconfig
 * reads only files found trustworthy, refusing the policy otherwise, before
 * a line of them is parsed. Between the check and libconfig's open only root
 * (or hsxd's user) can change what a name leads to: the file and every
 * directory on its way are theirs alone, and no symbolic link is followed.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy.h"
#include "policy_file.h"

static void say(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *why, size_t size, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(why, size, fmt, ap);
    va_end(ap);
}

/* Only root, or hsxd's own user, may change it. */
static bool owned_safely(const struct stat *st)
{
    if (st->st_uid != 0 && st->st_uid != geteuid())
        return false;
    if (!(st->st_mode & (S_IWGRP | S_IWOTH)))
        return true;
    /* A sticky directory: others may add entries, not rename or remove root's. */
    return S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX);
}

static void say_owner(char *why, size_t size, const char *what, const struct stat *st)
{
    say(why, size, "%smust be owned by root and writable by root only (owner uid %u, mode %04o)",
        what, (unsigned int)st->st_uid, (unsigned int)(st->st_mode & 07777));
}

/* Path's directories, from / down to the file: the one at the moment. */
struct walk {
    int at;             /* its descriptor (O_PATH) */
    char dir[PATH_MAX]; /* its name */
};

/* Is w->at a directory only root (or hsxd's user) can change? */
static bool safe_directory(const struct walk *w, char *why, size_t size)
{
    struct stat st;

    if (fstat(w->at, &st) < 0) {
        say(why, size, "cannot check %s: %s", w->dir, strerror(errno));
    } else if (S_ISLNK(st.st_mode)) {
        say(why, size, "%s is a symbolic link (not followed)", w->dir);
    } else if (!S_ISDIR(st.st_mode)) {
        say(why, size, "%s: not a directory", w->dir);
    } else if (!owned_safely(&st)) {
        char what[PATH_MAX + 16];
        snprintf(what, sizeof(what), "directory %s ", w->dir);
        say_owner(why, size, what, &st);
    } else {
        return true;
    }
    return false;
}

/*
 * Strict: open path's file, each directory from / down checked and none of
 * them, nor the file, a symbolic link. Returns a descriptor, or -1 with why.
 */
static int open_on_a_safe_path(const char *path, char *why, size_t size)
{
    static struct walk w; /* two paths: too large for a small stack */
    char full[PATH_MAX], cwd[PATH_MAX];
    int fd = -1;

    if (path[0] != '/' && !getcwd(cwd, sizeof(cwd))) {
        say(why, size, "cannot resolve: %s", strerror(errno));
        return -1;
    }
    if (snprintf(full, sizeof(full), "%s/%s", path[0] == '/' ? "" : cwd, path) >=
        (int)sizeof(full)) {
        say(why, size, "cannot open: %s", strerror(ENAMETOOLONG));
        return -1;
    }
    w.at = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    snprintf(w.dir, sizeof(w.dir), "/");
    char *save = NULL;
    char *name = strtok_r(full, "/", &save);
    while (w.at >= 0 && safe_directory(&w, why, size)) {
        char *next = name ? strtok_r(NULL, "/", &save) : NULL;
        if (!name) {
            say(why, size, "not a regular file");
        } else if (!next) {
            fd = openat(w.at, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
            if (fd < 0 && errno == ELOOP)
                say(why, size, "is a symbolic link (not followed)");
            else if (fd < 0)
                say(why, size, "cannot open: %s", strerror(errno));
        } else {
            int sub = openat(w.at, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) {
                say(why, size, "cannot open: %s", strerror(errno));
            } else {
                size_t used = strlen(w.dir);
                snprintf(w.dir + used, sizeof(w.dir) - used, "%s%s", used > 1 ? "/" : "", name);
                close(w.at);
                w.at = sub;
                name = next;
                continue;
            }
        }
        break;
    }
    if (w.at < 0)
        say(why, size, "cannot open /: %s", strerror(errno));
    else
        close(w.at);
    return fd;
}

char *policy_file_read(const char *path, bool strict, size_t *len, char *why, size_t why_size)
{
    int fd = strict ? open_on_a_safe_path(path, why, why_size)
                    : open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    struct stat st;
    char *text = NULL;

    if (fd < 0) {
        if (!strict)
            say(why, why_size, "cannot open: %s", strerror(errno));
        return NULL;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        say(why, why_size, "not a regular file");
    } else if (st.st_size > POLICY_FILE_MAX) {
        say(why, why_size, "%lld bytes is too large (at most %d)", (long long)st.st_size,
            POLICY_FILE_MAX);
    } else if (strict && !owned_safely(&st)) {
        /* Whoever can write the policy can grant themselves anything. */
        say_owner(why, why_size, "", &st);
    } else if (!(text = malloc((size_t)st.st_size + 1))) {
        say(why, why_size, "out of memory");
    } else {
        size_t got = 0;
        ssize_t n;
        /* What the descriptor holds now, up to the bound: it may have changed since fstat. */
        while (got < (size_t)st.st_size &&
               (n = read(fd, text + got, (size_t)st.st_size - got)) != 0) {
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                say(why, why_size, "cannot read: %s", strerror(errno));
                free(text);
                text = NULL;
                break;
            }
            got += (size_t)n;
        }
        if (text) {
            text[got] = '\0';
            *len = got;
        }
    }
    close(fd);
    return text;
}

/*
 * libconfig 1.5's scanner (scanner.l): `^[ \t]*@include[ \t]+\"` starts an
 * include in the INITIAL state only, i.e. not inside a block comment or a
 * string (a line comment cannot hold one: it is anchored at the line's start).
 * Its name ends at the first unescaped quote; \\ and \" are a backslash and a
 * quote, any other backslash is dropped (flex's default rule echoes it).
 */
static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

/* At text[i], the start of a line: the name's first character if a directive starts here. */
static size_t include_at(const char *text, size_t len, size_t i)
{
    static const char word[] = "@include";

    while (i < len && blank(text[i]))
        i++;
    if (len - i < sizeof(word) - 1 || memcmp(text + i, word, sizeof(word) - 1))
        return 0;
    i += sizeof(word) - 1;
    if (i >= len || !blank(text[i]))
        return 0;
    while (i < len && blank(text[i]))
        i++;
    return i < len && text[i] == '"' ? i + 1 : 0;
}

/* The directive's name, from its first character at text[i]; i ends on the closing quote. */
static bool include_name(const char *text, size_t len, size_t *i, char *name, size_t size)
{
    size_t n = 0;
    bool fits = true;

    for (; *i < len && text[*i] != '"'; ++*i) {
        if (text[*i] == '\\') {
            if (*i + 1 >= len || (text[*i + 1] != '\\' && text[*i + 1] != '"'))
                continue; /* dropped */
            ++*i;
        }
        if (n + 1 < size)
            name[n++] = text[*i];
        else
            fits = false;
    }
    name[n] = '\0';
    return fits;
}

bool policy_each_include(const char *text, size_t len, bool (*fn)(const char *name, void *arg),
                         void *arg)
{
    enum { CODE, COMMENT, STRING } state = CODE;
    char name[PATH_MAX];

    for (size_t i = 0; i < len; i++) {
        char c = text[i], next = i + 1 < len ? text[i + 1] : '\0';
        size_t start;

        if (state == CODE && (i == 0 || text[i - 1] == '\n') &&
            (start = include_at(text, len, i))) {
            i = start;
            bool fits = include_name(text, len, &i, name, sizeof(name));
            if (i >= len)
                return true; /* unterminated: libconfig says so */
            if (!fn(fits ? name : NULL, arg))
                return false;
        } else if (state == CODE) {
            if (c == '"') {
                state = STRING;
            } else if (c == '/' && next == '*') {
                state = COMMENT;
                i++;
            } else if (c == '#' || (c == '/' && next == '/')) {
                while (i + 1 < len && text[i + 1] != '\n')
                    i++;
            }
        } else if (state == COMMENT) {
            if (c == '*' && next == '/') {
                state = CODE;
                i++;
            }
        } else if (c == '\\') {
            i++; /* an escape: never the string's end */
        } else if (c == '"') {
            state = CODE;
        }
    }
    return true;
}
