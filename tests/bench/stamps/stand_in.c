// SPDX-License-Identifier: MIT
/*
 * A stand-in for gpio_vs_libgpiod's process layout, for read_stamps.so's
 * tests (tests/bench/stamps/run): one child process per side, one after
 * the other, each with a named reader thread that takes EDGES "edges"
 * through a pipe, and a main thread that reads the clock, then makes each
 * edge and waits until the reader has seen it; the child ends with
 * _exit(). Between edges the reader makes a read that fails (EAGAIN) and
 * reads the clock again: no edge, which read_stamps.so must not count.
 * Built twice, once with _FORTIFY_SOURCE (read() becomes __read_chk()).
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EDGES 160

static int edge_pipe[2], empty_pipe[2];
static sem_t seen;
static volatile size_t one = 1; /* not a constant: a fortified read() of it is __read_chk() */

static void *reader(void *arg)
{
    static char buf[8];
    struct timespec ts;

    (void)arg;
    for (int i = 0; i < EDGES; i++) {
        if (read(edge_pipe[0], buf, one) != 1)
            return NULL;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        sem_post(&seen);
        if (read(empty_pipe[0], buf, one) >= 0 || errno != EAGAIN)
            return NULL;
        clock_gettime(CLOCK_MONOTONIC, &ts);
    }
    return NULL;
}

static int side(const char *name)
{
    struct timespec ts;
    pthread_t thread;

    if (pipe(edge_pipe) || pipe(empty_pipe) || fcntl(empty_pipe[0], F_SETFL, O_NONBLOCK) ||
        sem_init(&seen, 0, 0) || pthread_create(&thread, NULL, reader, NULL))
        return -1;
    pthread_setname_np(thread, name);
    for (int i = 0; i < EDGES; i++) {
        clock_gettime(CLOCK_MONOTONIC, &ts);
        if (write(edge_pipe[1], "e", 1) != 1)
            return -1;
        while (sem_wait(&seen) && errno == EINTR)
            ;
    }
    return pthread_join(thread, NULL) ? -1 : 0;
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        int status;
        pid_t pid;

        fflush(NULL);
        pid = fork();
        if (pid < 0)
            return EXIT_FAILURE;
        if (pid == 0)
            _exit(side(argv[i]) ? 1 : 0);
        if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
            return EXIT_FAILURE;
    }
    return EXIT_SUCCESS;
}
