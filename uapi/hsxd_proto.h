/* SPDX-License-Identifier: MIT */
/*
 * The protocol between hsxd and its clients (libhsx_hal, hsxctl): user space
 * only, but kept beside hsx_uapi.h so that every number has one home.
 *
 * Transport: a SOCK_SEQPACKET unix socket at HSXD_SOCKET_PATH. One request
 * message, one reply message (HSXD_OP_LIST: several, the last with
 * HSXD_OP_END). Both sides check the peer: the client that the server runs as
 * root (SO_PEERCRED uid 0), the server who the client is (SO_PEERCRED, pidfd,
 * the sender of each request, SCM_CREDENTIALS, which must be the peer, and
 * for ACQUIRE/RENEW and the CAN ops the opener of the file it sends, which
 * must be the peer itself).
 *
 * HSXD_OP_ACQUIRE	client: a capability for @module on the /dev/hsx file
 *			sent with the request (SCM_RIGHTS, exactly one fd).
 *			@rights and @sel say what is wanted; 0 / all-zero mean
 *			"everything the policy allows". The policy narrows the
 *			request; the reply carries what was minted.
 * HSXD_OP_RENEW	client: extend the capability on the sent file, if the
 *			policy still allows it; the reply carries the new expiry.
 * HSXD_OP_LIST		admin: every live capability, one HSXD_OP_LIST reply
 *			each, then HSXD_OP_END.
 * HSXD_OP_GRANT	admin: a runtime grant (kept in memory until it lapses
 *			or hsxd restarts): uid @uid may acquire @rights on @sel
 *			of @module for @lifetime_s seconds from now. It also
 *			lifts the bars (below) of uid's processes on @module.
 * HSXD_OP_REVOKE	admin: revoke capability @cap_id, or with
 *			HSXD_REVOKE_F_PID every capability of process @pid.
 *			The holder is then barred: hsxd refuses that process
 *			(not a later one with its pid) @cap_id's module, or
 *			with HSXD_REVOKE_F_PID every module, whatever the
 *			policy says, until it exits or a later GRANT to its
 *			uid for the module; the reply's @message says so.
 * HSXD_OP_CAN_CONFIG	client: set CAN bus @can_config.bus to run as
 *			@can_config says (bitrate, data_bitrate, mode: as
 *			HSX_IOC_CAN_CONFIG checks them), which needs
 *			CAP_NET_ADMIN; @module is HSX_MODULE_CAN, and the
 *			client's /dev/hsx file that serves CAN is sent with it
 *			(SCM_RIGHTS, exactly one fd, opened by the client
 *			itself). Allowed to an administrator, and to a client
 *			one of whose rules (or runtime grants) gives the right
 *			"config" (HSX_CAP_R_CAN_CONFIG) on that bus and whose
 *			file holds, as HSX_IOC_CAP_INFO says of it, a
 *			capability of the client's in force with that right
 *			covering the bus (none needed on a file opened
 *			privileged, or when hsx.ko does not enforce); a process
 *			barred from CAN is refused. hsxd stops the bus's
 *			interface, sets what differs over rtnetlink by its
 *			ifindex (modes and bit timings in one request) and
 *			brings it up again if it was up; a setting the driver
 *			refuses, or a failed start, is undone and read back. Status 0: the
 *			interface runs so now (@message says what changed).
 * HSXD_OP_CAN_RESTART	client: restart the controller of CAN bus
 *			@can_restart.bus, which is bus-off (IFLA_CAN_RESTART;
 *			the interface stays up). Sent and allowed as CAN_CONFIG
 *			(the right "config" on the bus, asked of the kernel
 *			again just before the restart, which cannot be undone).
 * HSXD_OP_CAN_RESTART_MS client: have the controller of bus
 *			@can_restart.bus restart by itself @can_restart.restart_ms
 *			ms after it went bus-off (0: never; at most
 *			HSXD_CAN_RESTART_MS_MAX). Sent, allowed, applied (down,
 *			set, up) and checked again afterwards as CAN_CONFIG.
 *
 * Every field an operation does not use must be zero (EINVAL otherwise):
 * ACQUIRE uses @module, @rights, @sel, @lifetime_s; RENEW @module and
 * @lifetime_s; LIST nothing; GRANT @module, @rights, @sel, @uid, @lifetime_s;
 * REVOKE @cap_id, or @pid with @flags; CAN_CONFIG @module and @can_config;
 * CAN_RESTART @module and @can_restart.bus; CAN_RESTART_MS @module,
 * @can_restart.bus and @can_restart.restart_ms.
 *
 * Status: 0, or a negative errno: EACCES the policy denies (or, with a
 * @message starting "revoked by admin:", the process is barred), EPERM the
 * operation is for administrators (root at connect, SO_PEERCRED, with
 * CAP_SYS_ADMIN in its effective set in hsxd's user namespace; uid 0 alone
 * is not one, nor the capability alone), EINVAL a malformed request (or a
 * file opened with CAP_SYS_ADMIN, which needs no capability), ESRCH the client exited or is
 * not the file's opener, EEXIST already holds one (renew instead), ENOENT
 * nothing to renew or revoke, EPROTO a version mismatch, EDQUOT the kernel's
 * limit of capabilities or the asking user's in hsxd (processes holding
 * capabilities, capabilities), ENOSPC too many runtime grants, EAGAIN too many
 * connections. @message says why in words, for the application's user.
 * Any request: EPERM it was sent by another process than the one that
 * connected (SCM_CREDENTIALS). CAN_CONFIG also: EACCES no rule grants
 * "config" on the bus, or the file's capability does not (or it has none),
 * EKEYREVOKED / EKEYEXPIRED it was revoked / has expired, EPERM it is
 * another process's, EOPNOTSUPP the interface has no bitrate or modes (vcan,
 * vxcan), EINVAL FD without a data bitrate or a data bitrate without FD,
 * ENODEV the bus is not bound or its
 * interface is gone, EAGAIN the bus was re-bound during the change,
 * ETIMEDOUT the kernel did not answer within 2 s, ENETDOWN it did not come
 * up again (the change put back), ENOTRECOVERABLE the change could not be
 * put back (@message says how it runs); any other errno is the interface's
 * driver refusing a setting (the kernel's: EDOM no bit timing of its clock
 * is near enough the bitrate, EINVAL, ERANGE, EOPNOTSUPP a mode the
 * controller lacks), the interface read back as it was.
 * CAN_RESTART also (the kernel's IFLA_CAN_RESTART, drivers/net/can/dev):
 * EBUSY the controller is not bus-off (nothing to restart), EALREADY it
 * restarts by itself (restart-ms is set: the kernel's EINVAL), ENETDOWN the
 * interface is down (the kernel's EINVAL), EOPNOTSUPP no controller (vcan,
 * vxcan: hsxd's own answer) or its driver cannot restart one. CAN_RESTART_MS
 * also: EOPNOTSUPP as for CAN_RESTART, ENETDOWN / ENOTRECOVERABLE as
 * CAN_CONFIG's. Both: EAGAIN the bus was changed less than a second ago.
 *
 * Connections. A client may send several requests on one connection, one at
 * a time; hsxd closes a connection idle for 30 s, and after answering a
 * malformed request. A connection hsxd cannot take (64 in all, 8 per uid) gets
 * one reply with op 0 and -EAGAIN before anything is read. A LIST that fails
 * midway ends with a reply of status < 0 (op LIST or END).
 */
#ifndef _HSXD_PROTO_H
#define _HSXD_PROTO_H

#include <linux/types.h>

#include "hsx_uapi.h"

#define HSXD_SOCKET_PATH	"/run/hsx/hsxd.sock"
#define HSXD_POLICY_PATH	"/etc/hsx/policy.conf"
#define HSXD_PROTO_VERSION	1
#define HSXD_MESSAGE_MAX	160
#define HSXD_LIFETIME_MAX	(30 * 24 * 3600)	/* seconds: GRANT, and the policy's */

enum hsxd_op {
	HSXD_OP_ACQUIRE = 1,
	HSXD_OP_RENEW = 2,
	HSXD_OP_LIST = 3,
	HSXD_OP_GRANT = 4,
	HSXD_OP_REVOKE = 5,
	HSXD_OP_END = 6,	/* reply only: the end of a LIST */
	HSXD_OP_CAN_CONFIG = 7,
	HSXD_OP_CAN_RESTART = 8,
	HSXD_OP_CAN_RESTART_MS = 9,
};

/* The longest automatic restart delay hsxd sets (an hour). */
#define HSXD_CAN_RESTART_MS_MAX	3600000U

/**
 * struct hsxd_can_restart - CAN_RESTART, CAN_RESTART_MS: which bus, what delay
 * @bus: 0..HSX_CAN_MAX_BUSES-1
 * @restart_ms: CAN_RESTART_MS: the delay, 0 (off) ..HSXD_CAN_RESTART_MS_MAX;
 *	CAN_RESTART: 0
 * @reserved: zero
 */
struct hsxd_can_restart {
	__u32 bus;
	__u32 restart_ms;
	__u32 reserved[6];
};

#define HSXD_REVOKE_F_PID	0x1U

/**
 * struct hsxd_request - what a client sends
 * @version: HSXD_PROTO_VERSION
 * @op: enum hsxd_op
 * @module: HSX_MODULE_* (ACQUIRE, RENEW, GRANT)
 * @rights: HSX_CAP_R_* wanted (ACQUIRE; 0 = all allowed) or granted (GRANT)
 * @sel: objects wanted (ACQUIRE; all-zero = all allowed) or granted (GRANT)
 * @can_config: CAN_CONFIG: the bus and how it is to run (in @sel's place)
 * @can_restart: CAN_RESTART, CAN_RESTART_MS (in @sel's place)
 * @cap_id: REVOKE
 * @pid: REVOKE with HSXD_REVOKE_F_PID
 * @uid: GRANT
 * @lifetime_s: GRANT: how long the grant lasts (1..HSXD_LIFETIME_MAX);
 *	ACQUIRE, RENEW: the longest the client wants (0 = the policy's)
 * @flags: HSXD_REVOKE_F_*
 */
struct hsxd_request {
	__u32 version;
	__u32 op;
	__u32 module;
	__u32 rights;
	union {
		union hsx_cap_selector sel;
		struct hsx_can_config can_config;
		struct hsxd_can_restart can_restart;
	};
	__aligned_u64 cap_id;
	__u32 pid;
	__u32 uid;
	__u32 lifetime_s;
	__u32 flags;
};

/**
 * struct hsxd_reply - what hsxd answers
 * @version: HSXD_PROTO_VERSION
 * @op: the request's op; HSXD_OP_END closes a LIST
 * @status: 0 or a negative errno
 * @count: REVOKE: capabilities ended
 * @cap: ACQUIRE, RENEW: the capability; LIST: one of them
 * @message: NUL-terminated; why, when @status is not 0
 */
struct hsxd_reply {
	__u32 version;
	__u32 op;
	__s32 status;
	__u32 count;
	struct hsx_cap_info cap;
	char message[HSXD_MESSAGE_MAX];
};

#endif /* _HSXD_PROTO_H */
