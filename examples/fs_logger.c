/* SPDX-License-Identifier: MIT */
/*
 * FS logger: an application's private file tree. Each run appends a line to
 * logs/boot.log, replaces settings.conf atomically (old or new content,
 * whole, after a power cut), lists its tree and shows its quota; then it
 * tries to leave the tree, and hsx.ko refuses. This is what `make demo` runs
 * on the simulated board, twice, with a root the board script binds.
 *
 *   cc fs_logger.c $(pkg-config --cflags --libs hsx_hal) -o fs_logger
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hsx_fs.h>

static int fail(const char *what, int code)
{
    fprintf(stderr, "fs_logger: %s: %s\n", what, hsx_hal_strerror(code));
    return EXIT_FAILURE;
}

/* How many lines the log holds: this run's number. */
static int count_lines(const char *path)
{
    char buf[512];
    int fd = hsx_fs_open(path, HSX_FS_O_RDONLY), n, lines = 0;

    if (fd < 0)
        return fd;
    while ((n = hsx_fs_read(fd, buf, sizeof(buf))) > 0)
        for (int i = 0; i < n; i++)
            lines += buf[i] == '\n';
    hsx_fs_close(fd);
    return n < 0 ? n : lines;
}

int main(void)
{
    static const char *const escapes[] = {"../etc/passwd", "/etc/passwd", "logs/../../etc"};
    char names[256], settings[64];
    hsx_fs_root_info_t info;
    int ret, fd, run;

    ret = hsx_fs_mkdir("logs");
    if (ret != HSX_HAL_OK && hsx_hal_errno() != EEXIST)
        return fail("mkdir logs", ret);
    fd = hsx_fs_open("logs/boot.log", HSX_FS_O_WRONLY | HSX_FS_O_CREAT | HSX_FS_O_APPEND);
    if (fd < 0)
        return fail("opening logs/boot.log", fd);
    run = count_lines("logs/boot.log") + 1;
    ret = hsx_fs_printf(fd, "run %d\n", run);
    hsx_fs_close(fd);
    if (ret < 0)
        return fail("appending to the log", ret);
    printf("Run: %d (appended to logs/boot.log)\n", run);

    snprintf(settings, sizeof(settings), "last_run=%d\n", run);
    ret = hsx_fs_replace("settings.conf", settings, (uint32_t)strlen(settings));
    if (ret != HSX_HAL_OK)
        return fail("replacing settings.conf", ret);
    printf("settings.conf replaced atomically: %s", settings);

    ret = hsx_fs_listdir("", names, sizeof(names));
    if (ret < 0)
        return fail("listing the root", ret);
    printf("the tree holds:\n%s", names);
    ret = hsx_fs_info(&info);
    if (ret != HSX_HAL_OK)
        return fail("root info", ret);
    printf("quota: %llu of %llu bytes, %llu of %llu files\n", (unsigned long long)info.used_bytes,
           (unsigned long long)info.quota_bytes, (unsigned long long)info.used_files,
           (unsigned long long)info.quota_files);

    for (size_t i = 0; i < sizeof(escapes) / sizeof(escapes[0]); i++) {
        fd = hsx_fs_open(escapes[i], HSX_FS_O_RDONLY);
        if (fd >= 0)
            return fail(escapes[i], HSX_HAL_ERROR); /* never: the tree's edge held */
        printf("open(\"%s\") refused: %s\n", escapes[i], hsx_hal_strerror(fd));
    }
    return EXIT_SUCCESS;
}
