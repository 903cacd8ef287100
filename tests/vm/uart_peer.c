// SPDX-License-Identifier: MIT
/*
 * The test board's host-side serial peer: the far end of the VM's USB serial
 * adapter (qemu's usb-serial, ttyUSB0 in the guest), on the host, where no
 * code of the guest's runs. A guest test drives it with lines:
 *
 *   "PING <token>\n"  ->  "PONG <token reversed>\n"
 *
 * and everything else it receives is only counted. It connects to qemu's
 * chardev socket (retrying while qemu starts), answers until the socket
 * closes, and writes what it saw to a log: lines received, answered, bytes.
 *
 * With --telnet the chardev is a telnet server (telnet=on), the only way the
 * host can put a break on a line qemu emulates: the peer skips qemu's option
 * negotiation, and answers
 *
 *   "BREAK <token>\n"  ->  a telnet BREAK, then "AFTER <token>\n"
 *
 * which a 16550's guest driver receives as a 0 flagged as a break (qemu's
 * serial_receive_break), then the line. In telnet mode a 0xFF of data is
 * IAC IAC on the socket, both ways.
 *
 *   uart-peer [--telnet] SOCKET LOG
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 256

/* Telnet (RFC 854): what qemu's char-socket understands from its client. */
#define TELNET_IAC 255
#define TELNET_BREAK 243
#define TELNET_WILL 251 /* WILL, WONT, DO, DONT: 251..254, each with an option byte */
#define TELNET_DONT 254

static int connect_retrying(const char *path)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    struct timespec pause = {0, 50 * 1000 * 1000};

    if (strlen(path) >= sizeof(sa.sun_path))
        return -1;
    strcpy(sa.sun_path, path);
    for (int tries = 0; tries < 600; tries++) { /* 30 s */
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -1;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
            return fd;
        close(fd);
        nanosleep(&pause, NULL);
    }
    return -1;
}

static int write_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Data bytes: in telnet mode each 0xFF (IAC) is sent twice, as one of data. */
static int write_data(int fd, const char *buf, size_t len, bool telnet)
{
    const char *iac;

    while (telnet && (iac = memchr(buf, TELNET_IAC, len)) != NULL) {
        size_t n = (size_t)(iac - buf) + 1;

        if (write_all(fd, buf, n) || write_all(fd, iac, 1))
            return -1;
        buf += n;
        len -= n;
    }
    return write_all(fd, buf, len);
}

/* One complete line: answer it if it is a PING, or in telnet mode a BREAK. */
static int answer(int fd, const char *line, size_t len, bool telnet, unsigned long *answered)
{
    static const char brk[] = {(char)TELNET_IAC, (char)TELNET_BREAK};
    char reply[LINE_MAX_BYTES + 8];

    if (telnet && len >= 6 && !memcmp(line, "BREAK ", 6)) {
        size_t n = len - 6;
        memcpy(reply, "AFTER ", 6);
        memcpy(reply + 6, line + 6, n);
        reply[6 + n] = '\n';
        (*answered)++;
        return write_all(fd, brk, sizeof(brk)) || write_data(fd, reply, 7 + n, telnet);
    }
    if (len < 5 || memcmp(line, "PING ", 5))
        return 0;
    const char *token = line + 5;
    size_t n = len - 5;
    memcpy(reply, "PONG ", 5);
    for (size_t i = 0; i < n; i++)
        reply[5 + i] = token[n - 1 - i];
    reply[5 + n] = '\n';
    (*answered)++;
    return write_data(fd, reply, 6 + n, telnet);
}

int main(int argc, char **argv)
{
    char line[LINE_MAX_BYTES], buf[512];
    unsigned long bytes = 0, lines = 0, answered = 0;
    size_t have = 0;
    unsigned int iac = 0; /* telnet: 1 after IAC, 2 before its option byte */
    bool telnet = argc == 4 && !strcmp(argv[1], "--telnet");
    int fd;

    if (argc != 3 + telnet) {
        fprintf(stderr, "usage: uart-peer [--telnet] SOCKET LOG\n");
        return 2;
    }
    argv += telnet;
    fd = connect_retrying(argv[1]);
    if (fd < 0) {
        fprintf(stderr, "uart-peer: cannot connect to %s: %s\n", argv[1], strerror(errno));
        return 1;
    }
    for (;;) {
        ssize_t n = read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        bytes += (unsigned long)n;
        for (ssize_t i = 0; i < n; i++) {
            unsigned char c = (unsigned char)buf[i];

            if (telnet && (iac || c == TELNET_IAC)) {
                /* IAC, its command, and the option of WILL/WONT/DO/DONT; IAC IAC is a 0xFF. */
                bool data = iac == 1 && c == TELNET_IAC;

                if (!iac)
                    iac = 1;
                else if (iac == 1 && c >= TELNET_WILL && c <= TELNET_DONT)
                    iac = 2;
                else
                    iac = 0;
                if (!data)
                    continue;
            }
            if (c == '\n' || c == '\r') {
                if (have) {
                    lines++;
                    if (answer(fd, line, have, telnet, &answered))
                        goto out;
                }
                have = 0;
            } else if (have < LINE_MAX_BYTES) {
                line[have++] = (char)c;
            }
        }
    }
out:
    close(fd);
    FILE *log = fopen(argv[2], "we");
    if (log) {
        fprintf(log, "uart-peer: %lu bytes, %lu lines, %lu answered\n", bytes, lines, answered);
        fclose(log);
    }
    return 0;
}
