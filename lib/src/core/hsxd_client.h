/* SPDX-License-Identifier: MIT */
/*
 * The client side of hsxd's protocol (uapi/hsxd_proto.h): building requests,
 * checking replies (pure functions), and one request/reply exchange over
 * hsxd's socket with the application's device file attached.
 */
#ifndef HSX_HSXD_CLIENT_H
#define HSX_HSXD_CLIENT_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hsxd_proto.h"

/* How long an exchange may take, connecting included. */
#define HSX_HSXD_TIMEOUT_MS 2000

/* An ACQUIRE or RENEW request for module; rights and sel as in struct hsxd_request. */
void hsx_hsxd_request_init(struct hsxd_request *req, uint32_t op, uint32_t module, uint32_t rights,
                           const union hsx_cap_selector *sel);

/*
 * Check a reply of len bytes to req, and NUL-terminate its message (control
 * characters become '?': it goes to a terminal). Returns 0 for a reply the
 * library can use (status 0 with a capability that matches the request, or
 * a refusal, also one with op 0: hsxd turned the connection away before
 * reading the request), -EPROTO for another protocol version, or -EBADMSG for anything
 * malformed: wrong length, op, status, a capability of another module, with
 * rights or objects beyond the request, with HSX_CAP_R_ADMIN, or without ID
 * or expiry.
 */
int hsx_hsxd_check_reply(const struct hsxd_request *req, struct hsxd_reply *reply, size_t len);

/*
 * One exchange: connect to hsxd's socket, check that root serves it (before
 * anything is sent: a fake daemon must not get the file), send req with fd
 * attached, and wait for the reply, until HSX_HSXD_TIMEOUT_MS or cancel_fd
 * (if >= 0) becomes readable. Returns 0 with *reply checked (its status may
 * be a refusal), or -errno: -ENOENT or -ECONNREFUSED hsxd is not running,
 * -EACCES its socket may not be connected to, -EPERM it is not served by
 * root, -ETIMEDOUT no answer in time, -ECANCELED cancelled, -EPROTO or
 * -EBADMSG as hsx_hsxd_check_reply(), or another local failure.
 */
int hsx_hsxd_call(const struct hsxd_request *req, int fd, struct hsxd_reply *reply, int cancel_fd);

/*
 * Why an exchange gave nothing, in words for the application's user: "hsxd
 * refused: <its message>" when it answered (ret 0, reply->status < 0), or
 * what kept it from answering (ret, as hsx_hsxd_call() returns it: "hsxd is
 * not running (start hsxd.service)", a fake daemon, no answer in time, ...).
 * Returns buf.
 */
char *hsx_hsxd_describe(char *buf, size_t size, int ret, const struct hsxd_reply *reply);

/* Is ret (hsx_hsxd_call()'s) "hsxd is not running": no socket, or no one listening on it? */
static inline int hsx_hsxd_not_running(int ret)
{
    return ret == -ENOENT || ret == -ECONNREFUSED;
}

/* $HSX_HAL_HSXD_SOCKET if set (and the process is not setuid), else HSXD_SOCKET_PATH. */
const char *hsx_hsxd_socket_path(void);

/*
 * For lib/tests only: the uid hsxd must run as (0 unless changed), so a fake
 * daemon run by the test's own user is trusted or, set to another uid,
 * refused; and the exchange's timeout (0 restores HSX_HSXD_TIMEOUT_MS).
 */
void hsx_hsxd_set_trusted_uid(uid_t uid);
void hsx_hsxd_set_timeout_ms(unsigned int ms);

#endif /* HSX_HSXD_CLIENT_H */
