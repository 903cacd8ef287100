/* SPDX-License-Identifier: MIT */
/*
 * What hsxd does with a checked request (see proto.h): each handler fills
 * the reply, asks the kernel through admin.h, and logs the grant, denial or
 * revocation. The connection (peer.h) has already said who is asking.
 */
#ifndef HSXD_OPS_H
#define HSXD_OPS_H

#include <stdbool.h>

#include "hsxd.h"

/* ACQUIRE: a capability on fd for who; pidfd is who's (not taken). */
void ops_acquire(struct hsxd *h, const struct identity *who, int pidfd, int fd,
                 const struct hsxd_request *req, struct hsxd_reply *reply);

/* RENEW: a later expiry for the capability on fd, if the policy still allows all of it. */
void ops_renew(struct hsxd *h, const struct identity *who, int fd, const struct hsxd_request *req,
               struct hsxd_reply *reply);

/*
 * CAN_CONFIG: set a bus's bitrate and modes for who, on fd (who's own CAN
 * file), if who is an administrator (admin), or if a rule gives it "config"
 * on that bus and the kernel says fd holds a capability of who's in force
 * with it (can_config.h does it).
 */
void ops_can_config(struct hsxd *h, const struct identity *who, bool admin, int fd,
                    const struct hsxd_request *req, struct hsxd_reply *reply);

/*
 * CAN_RESTART, CAN_RESTART_MS: restart a bus's controller from bus-off, or set
 * the delay of its automatic restart, for who as CAN_CONFIG (the same right,
 * asked of the kernel again; can_restart.h does it).
 */
void ops_can_restart(struct hsxd *h, const struct identity *who, bool admin, int fd,
                     const struct hsxd_request *req, struct hsxd_reply *reply);

/* GRANT, REVOKE: root's. */
void ops_grant(struct hsxd *h, const struct identity *who, const struct hsxd_request *req,
               struct hsxd_reply *reply);
void ops_revoke(struct hsxd *h, const struct identity *who, const struct hsxd_request *req,
                struct hsxd_reply *reply);

/*
 * LIST, one capability at a time: the live one after *after. Returns true
 * with a HSXD_OP_LIST reply and *after advanced, or false with the reply
 * that ends the list (HSXD_OP_END, or an error).
 */
bool ops_list_next(struct hsxd *h, uint64_t *after, struct hsxd_reply *reply);

/*
 * A request refused before it reached a handler (malformed, not root, too
 * many connections): reply with status and why, and log it as a denial
 * (rate-limited). op is the request's, or 0 if it could not be read.
 */
void ops_refuse(struct hsxd *h, const struct identity *who, uint32_t op, int status,
                const char *why, struct hsxd_reply *reply);

/*
 * Log text once per kind (key) per 10 s, counting the repeats (the count is
 * logged as a warning), within the denials' budget of lines: for whatever a
 * client can make hsxd say again and again.
 */
void ops_log_limited(struct hsxd *h, int priority, const char *key, const char *text);

/* Log the denial summaries that are due (all: every one pending); when the next are (0: none). */
uint64_t ops_flush_denials(struct hsxd *h, bool all);

/* Forget runtime grants that have lapsed. */
void ops_expire_grants(struct hsxd *h);

#endif /* HSXD_OPS_H */
