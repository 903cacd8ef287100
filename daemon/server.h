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
#include <sys/types.h>

#include "events.h"
#include "hsxd.h"

#define SERVER_CONNS_MAX 64
#define SERVER_CONNS_PER_UID 8
#define SERVER_IDLE_NS (30ull * 1000000000ull)
/* Out of descriptors, how long hsxd stops accepting connections. */
#define SERVER_ACCEPT_PAUSE_NS (1000000000ull)
/*
 * Descriptors hsxd may hold at once: a pidfd per holder, a socket and a
 * pidfd per connection, the descriptors of a request in flight, and its own
 * (admin node, netlink, epoll, signalfd, socket, /proc files being read).
 * hsxd.service's LimitNOFILE is above it.
 */
#define SERVER_FDS_NEEDED (HOLDERS_MAX + 2 * SERVER_CONNS_MAX + 4 + 16)

struct conn;

struct server {
    struct hsxd hsxd;
    const char *socket_path;
    int epoll;
    int listen_fd;
    bool socket_inherited; /* listen_fd is systemd's (hsxd.socket): not ours to unlink */
    dev_t socket_dev;      /* the file hsxd bound at socket_path, when not inherited */
    ino_t socket_ino;
    int signal_fd;
    struct events events;
    struct conn *conns[SERVER_CONNS_MAX];
    unsigned int nconns;
    uint64_t accept_paused_until; /* CLOCK_BOOTTIME ns; 0: accepting */
    bool stop;
};

/*
 * Take the clients' socket at path (world-connectable: every request is
 * authenticated): systemd's when it passes one (socket activation,
 * hsxd.socket), else made here, replacing only a stale socket: with
 * something listening there (hsxd.socket, another hsxd) it fails. Returns 0,
 * or -1 after logging why.
 */
int server_listen(struct server *s, const char *path);

/*
 * Set up the loop: epoll, signals and the sources, with the socket taken
 * (server_listen) and h's admin node and events open. Returns 0, or -1 after
 * logging why.
 */
int server_init(struct server *s);

/* Run until SIGTERM or SIGINT, or a fatal error. Returns the exit status. */
int server_run(struct server *s);

/* Close the connections and the socket (removing its path if hsxd made it); capabilities stay. */
void server_fini(struct server *s);

#endif /* HSXD_SERVER_H */
