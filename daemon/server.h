/* SPDX-License-Identifier: MIT */
/*
 * hsxd's event loop: one thread, epoll over the listening socket, the
 * clients' connections, the holders' pidfds, the "hal:caps" subscription
 * and a signalfd (SIGHUP reloads the policy, SIGTERM and SIGINT stop).
 * Everything a client can make hsxd hold is bounded: connections in all and
 * per uid, one request in flight per connection, idle connections closed.
 */
#ifndef HSXD_SERVER_H
#define HSXD_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "events.h"
#include "hsxd.h"

#define SERVER_CONNS_MAX 64
#define SERVER_CONNS_PER_UID 8
#define SERVER_IDLE_NS (30ull * 1000000000ull)

struct conn;

struct server {
    struct hsxd hsxd;
    const char *socket_path;
    int epoll;
    int listen_fd;
    int signal_fd;
    struct events events;
    struct conn *conns[SERVER_CONNS_MAX];
    unsigned int nconns;
    bool stop;
};

/*
 * Set up the loop: epoll, signals, the socket at path (world-connectable:
 * every request is authenticated), with h's admin node and events already
 * open. Returns 0, or -1 after logging why.
 */
int server_init(struct server *s, const char *path);

/* Run until SIGTERM or SIGINT, or a fatal error. Returns the exit status. */
int server_run(struct server *s);

/* Close the connections and the socket (removing its path); capabilities stay. */
void server_fini(struct server *s);

#endif /* HSXD_SERVER_H */
