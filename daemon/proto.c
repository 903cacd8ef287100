// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "capspec.h"
#include "policy.h"
#include "proto.h"

_Static_assert(sizeof(union hsx_cap_selector) == sizeof(struct hsx_can_config) &&
                   sizeof(union hsx_cap_selector) == sizeof(struct hsxd_can_restart),
               "CAN_CONFIG's and CAN_RESTART's arguments take the selector's place, and no more");
_Static_assert(offsetof(struct hsxd_can_restart, bus) == offsetof(struct hsx_can_config, bus),
               "every CAN request names its bus in one place");

const char *proto_op_name(char *buf, size_t size, uint32_t op)
{
    static const char *const names[] = {
        [HSXD_OP_ACQUIRE] = "acquire",
        [HSXD_OP_RENEW] = "renew",
        [HSXD_OP_LIST] = "list",
        [HSXD_OP_GRANT] = "grant",
        [HSXD_OP_REVOKE] = "revoke",
        [HSXD_OP_END] = "end",
        [HSXD_OP_CAN_CONFIG] = "can-config",
        [HSXD_OP_CAN_RESTART] = "can-restart",
        [HSXD_OP_CAN_RESTART_MS] = "can-restart-ms",
    };

    if (op < sizeof(names) / sizeof(names[0]) && names[op])
        return names[op];
    snprintf(buf, size, "op %u", op);
    return buf;
}

static bool all_zero(const void *p, size_t len)
{
    const unsigned char *b = p;

    for (size_t i = 0; i < len; i++) {
        if (b[i])
            return false;
    }
    return true;
}

/* Fields of struct hsxd_request, for "every field an op does not use is zero". */
#define F_MODULE (1u << 0)
#define F_RIGHTS (1u << 1)
#define F_SEL (1u << 2)
#define F_CAP_ID (1u << 3)
#define F_PID (1u << 4)
#define F_UID (1u << 5)
#define F_LIFETIME (1u << 6)
#define F_FLAGS (1u << 7)

static const char *unused_field(const struct hsxd_request *r, unsigned int used)
{
    if (!(used & F_MODULE) && r->module)
        return "module";
    if (!(used & F_RIGHTS) && r->rights)
        return "rights";
    if (!(used & F_SEL) && !all_zero(&r->sel, sizeof(r->sel)))
        return "sel";
    if (!(used & F_CAP_ID) && r->cap_id)
        return "cap_id";
    if (!(used & F_PID) && r->pid)
        return "pid";
    if (!(used & F_UID) && r->uid)
        return "uid";
    if (!(used & F_LIFETIME) && r->lifetime_s)
        return "lifetime_s";
    if (!(used & F_FLAGS) && r->flags)
        return "flags";
    return NULL;
}

/* module, rights and sel of an ACQUIRE (may be "all": zero) or a GRANT (must say what). */
static int check_spec(const struct hsxd_request *r, bool grant, char *why, size_t size)
{
    const struct hsx_umodule *m = capspec_module_by_id(r->module);
    char name[32], detail[128];

    if (!m) {
        snprintf(why, size, "%s has no capabilities in hsxd",
                 capspec_module_name(name, sizeof(name), r->module));
        return -EINVAL;
    }
    if (r->rights & ~m->rights) {
        snprintf(why, size, "rights 0x%x are not rights of %s", r->rights & ~m->rights, m->name);
        return -EINVAL;
    }
    if (grant && !r->rights) {
        snprintf(why, size, "a grant needs rights");
        return -EINVAL;
    }
    if (hsx_umod_sel_check(m, &r->sel, !grant, detail, sizeof(detail)) < 0) {
        snprintf(why, size, "%s selector: %s", m->name, detail);
        return -EINVAL;
    }
    return 0;
}

/* A CAN_CONFIG's bus and settings, as HSX_IOC_CAN_CONFIG takes them. */
static int check_can_config(const struct hsxd_request *r, char *why, size_t size)
{
    const struct hsx_can_config *c = &r->can_config;
    char name[32];

    if (r->module != HSX_MODULE_CAN) {
        snprintf(why, size, "can-config is for can, not %s",
                 capspec_module_name(name, sizeof(name), r->module));
        return -EINVAL;
    }
    if (c->bus >= HSX_CAN_MAX_BUSES)
        snprintf(why, size, "bus %u: buses are 0..%d", c->bus, HSX_CAN_MAX_BUSES - 1);
    else if (c->bitrate > HSX_CAN_BITRATE_MAX || c->data_bitrate > HSX_CAN_BITRATE_MAX)
        snprintf(why, size, "bitrates are at most %u bit/s", HSX_CAN_BITRATE_MAX);
    else if (c->mode & ~(uint32_t)HSX_CAN_MODE_ALL)
        snprintf(why, size, "unknown modes 0x%x", c->mode & ~(uint32_t)HSX_CAN_MODE_ALL);
    else if (c->data_bitrate && !(c->mode & HSX_CAN_MODE_FD))
        snprintf(why, size, "a data bitrate is the FD data phase's: it needs the fd mode");
    else if (!all_zero(c->reserved, sizeof(c->reserved)))
        snprintf(why, size, "can_config.reserved must be zero");
    else
        return 0;
    return -EINVAL;
}

/* A CAN_RESTART's bus, or a CAN_RESTART_MS's bus and delay. */
static int check_can_restart(const struct hsxd_request *r, char *why, size_t size)
{
    const struct hsxd_can_restart *c = &r->can_restart;
    char name[32];

    if (r->module != HSX_MODULE_CAN) {
        snprintf(why, size, "%s is for can, not %s",
                 r->op == HSXD_OP_CAN_RESTART ? "can-restart" : "can-restart-ms",
                 capspec_module_name(name, sizeof(name), r->module));
        return -EINVAL;
    }
    if (c->bus >= HSX_CAN_MAX_BUSES)
        snprintf(why, size, "bus %u: buses are 0..%d", c->bus, HSX_CAN_MAX_BUSES - 1);
    else if (r->op == HSXD_OP_CAN_RESTART && c->restart_ms)
        snprintf(why, size, "can-restart takes no restart_ms (can-restart-ms sets it)");
    else if (c->restart_ms > HSXD_CAN_RESTART_MS_MAX)
        snprintf(why, size, "restart-ms is at most %u, not %u", HSXD_CAN_RESTART_MS_MAX,
                 c->restart_ms);
    else if (!all_zero(c->reserved, sizeof(c->reserved)))
        snprintf(why, size, "can_restart.reserved must be zero");
    else
        return 0;
    return -EINVAL;
}

static bool is_client_op(uint32_t op)
{
    return op == HSXD_OP_ACQUIRE || op == HSXD_OP_RENEW || op == HSXD_OP_CAN_CONFIG ||
           op == HSXD_OP_CAN_RESTART || op == HSXD_OP_CAN_RESTART_MS;
}

int proto_check_request(const void *buf, size_t len, int nfds, bool admin, struct hsxd_request *req,
                        char *why, size_t why_size)
{
    static const unsigned int used[] = {
        [HSXD_OP_ACQUIRE] = F_MODULE | F_RIGHTS | F_SEL | F_LIFETIME,
        [HSXD_OP_RENEW] = F_MODULE | F_LIFETIME,
        [HSXD_OP_LIST] = 0,
        [HSXD_OP_GRANT] = F_MODULE | F_RIGHTS | F_SEL | F_UID | F_LIFETIME,
        [HSXD_OP_REVOKE] = F_CAP_ID | F_PID | F_FLAGS,
        [HSXD_OP_CAN_CONFIG] = F_MODULE | F_SEL,  /* can_config is in sel's place */
        [HSXD_OP_CAN_RESTART] = F_MODULE | F_SEL, /* can_restart too */
        [HSXD_OP_CAN_RESTART_MS] = F_MODULE | F_SEL,
    };
    char name[16];
    __u32 version;

    /* The version first: a peer of another version may send another size. */
    if (len >= sizeof(version)) {
        memcpy(&version, buf, sizeof(version));
        if (version != HSXD_PROTO_VERSION) {
            snprintf(why, why_size, "protocol version %u; hsxd speaks version %d", version,
                     HSXD_PROTO_VERSION);
            return -EPROTO;
        }
    }
    if (len != sizeof(*req)) {
        snprintf(why, why_size, "a request of %zu bytes; expected %zu", len, sizeof(*req));
        return -EINVAL;
    }
    memcpy(req, buf, sizeof(*req));
    if (!proto_op_known(req->op)) {
        snprintf(why, why_size, "unknown operation %u", req->op);
        return -EINVAL;
    }
    const char *op = proto_op_name(name, sizeof(name), req->op);
    const bool client = is_client_op(req->op);
    if (!client && !admin) {
        snprintf(why, why_size, "%s is for administrators only (CAP_SYS_ADMIN)", op);
        return -EPERM;
    }
    if (nfds != (client ? 1 : 0)) {
        snprintf(why, why_size,
                 client ? "%s needs exactly one /dev/hsx file descriptor, not %d"
                        : "%s takes no file descriptor, got %d",
                 op, nfds);
        return -EINVAL;
    }
    const char *field = unused_field(req, used[req->op]);
    if (field) {
        snprintf(why, why_size, "%s does not use %s: it must be zero", op, field);
        return -EINVAL;
    }

    switch (req->op) {
    case HSXD_OP_ACQUIRE:
        return check_spec(req, false, why, why_size);
    case HSXD_OP_RENEW:
        if (!capspec_module_by_id(req->module)) {
            snprintf(why, why_size, "%s has no capabilities in hsxd",
                     capspec_module_name(name, sizeof(name), req->module));
            return -EINVAL;
        }
        return 0;
    case HSXD_OP_GRANT:
        if (req->uid == UINT32_MAX) {
            snprintf(why, why_size, "uid %u is not a user", req->uid);
            return -EINVAL;
        }
        if (req->lifetime_s < 1 || req->lifetime_s > POLICY_LIFETIME_MAX) {
            snprintf(why, why_size, "a grant lasts 1..%u seconds, not %u", POLICY_LIFETIME_MAX,
                     req->lifetime_s);
            return -EINVAL;
        }
        return check_spec(req, true, why, why_size);
    case HSXD_OP_CAN_CONFIG:
        return check_can_config(req, why, why_size);
    case HSXD_OP_CAN_RESTART:
    case HSXD_OP_CAN_RESTART_MS:
        return check_can_restart(req, why, why_size);
    case HSXD_OP_REVOKE:
        if (req->flags & ~HSXD_REVOKE_F_PID) {
            snprintf(why, why_size, "unknown revoke flags 0x%x", req->flags & ~HSXD_REVOKE_F_PID);
            return -EINVAL;
        }
        if ((req->flags & HSXD_REVOKE_F_PID) ? (!req->pid || req->cap_id)
                                             : (!req->cap_id || req->pid)) {
            snprintf(why, why_size, "revoke needs a capability id, or a pid with the pid flag");
            return -EINVAL;
        }
        return 0;
    default:
        return 0;
    }
}

bool proto_op_known(uint32_t op)
{
    return (op >= HSXD_OP_ACQUIRE && op <= HSXD_OP_REVOKE) ||
           (op >= HSXD_OP_CAN_CONFIG && op <= HSXD_OP_CAN_RESTART_MS);
}

int proto_check_reply(const void *buf, size_t len, uint32_t op, struct hsxd_reply *reply, char *why,
                      size_t why_size)
{
    if (len != sizeof(*reply)) {
        snprintf(why, why_size, "a reply of %zu bytes; expected %zu", len, sizeof(*reply));
        return -EPROTO;
    }
    memcpy(reply, buf, sizeof(*reply));
    if (reply->version != HSXD_PROTO_VERSION) {
        snprintf(why, why_size, "hsxd speaks protocol version %u; this program speaks %d",
                 reply->version, HSXD_PROTO_VERSION);
        return -EPROTO;
    }
    /* Besides its own op: END after a LIST, or op 0 for a refusal before the request was read. */
    if (reply->op != op && !(op == HSXD_OP_LIST && reply->op == HSXD_OP_END) &&
        !(reply->op == 0 && reply->status < 0)) {
        snprintf(why, why_size, "a reply to operation %u; expected %u", reply->op, op);
        return -EPROTO;
    }
    if (reply->status > 0 || reply->status < -4095) {
        snprintf(why, why_size, "a reply with status %d", reply->status);
        return -EPROTO;
    }
    if (!memchr(reply->message, '\0', sizeof(reply->message))) {
        snprintf(why, why_size, "a reply whose message is not terminated");
        return -EPROTO;
    }
    return 0;
}
