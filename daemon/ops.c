// SPDX-License-Identifier: MIT
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "can_config.h"
#include "can_restart.h"
#include "core/module_sel_fs.h"
#include "fs_root.h"
#include "lifecycle.h"
#include "log.h"
#include "ops.h"
#include "proto.h"

#define NS_PER_S 1000000000ull

char *describe_exe(char *buf, size_t size, const char *exe)
{
    return exe && exe[0] ? capspec_escape(buf, size, exe) : strcpy(buf, "?");
}

char *describe_who(char *buf, size_t size, const struct identity *who)
{
    static char exe[PEER_EXE_MAX];

    snprintf(buf, size, "pid %u uid %u exe %s", who->pid, who->uid,
             describe_exe(exe, sizeof(exe), who->exe));
    return buf;
}

/* What an ACQUIRE asks for; zeros read "all". */
static char *describe_want(char *buf, size_t size, const struct hsxd_request *req)
{
    const struct hsx_umodule *m = capspec_module_by_id(req->module);
    union hsx_cap_selector all;

    if (!m)
        return capspec_format_cap(buf, size, req->module, req->rights, &req->sel);
    m->sel.ops->all(&m->sel, &all);
    return capspec_format_cap(buf, size, req->module, req->rights ? req->rights : m->rights,
                              m->sel.ops->empty(&m->sel, &req->sel) ? &all : &req->sel);
}

static void emit_summary(void *ctx, const char *text, uint32_t count)
{
    (void)ctx;
    log_msg(LOG_WARNING, "%s [and %u more like it, not logged]", text, count);
}

uint64_t ops_flush_denials(struct hsxd *h, bool all)
{
    /* At the end of time every window has ended: at exit, no count is lost. */
    ratelimit_flush(&h->denials, all ? UINT64_MAX : boottime_ns(), emit_summary, h);
    return ratelimit_next(&h->denials);
}

static void set_reply(struct hsxd_reply *reply, int status, const char *message)
{
    reply->status = status;
    snprintf(reply->message, sizeof(reply->message), "%s", message);
}

void ops_log_limited(struct hsxd *h, int priority, const char *key, const char *text)
{
    if (ratelimit_admit(&h->denials, key, text, boottime_ns(), emit_summary, h))
        log_msg(priority, "%s", text);
}

/* Refuse: reply, and log once per kind of refusal and identity (not per pid). */
static void deny(struct hsxd *h, const struct identity *who, uint32_t op, const char *what,
                 int status, const char *why, struct hsxd_reply *reply)
{
    char key[RATELIMIT_TEXT_MAX], text[RATELIMIT_TEXT_MAX], who_text[WHO_TEXT_MAX], name[16];
    const char *op_name =
        proto_op_known(op) ? proto_op_name(name, sizeof(name), op) : "a malformed request";

    set_reply(reply, status, why);
    textf(key, sizeof(key), "%u %s %s %s %s", who->uid, who->exe ? who->exe : "", op_name, what,
          why);
    textf(text, sizeof(text), "denied %s%s%s to %s: %s", op_name, what[0] ? " of " : "", what,
          describe_who(who_text, sizeof(who_text), who), why);
    ops_log_limited(h, LOG_WARNING, key, text);
}

/*
 * Refuse a process an administrator barred from module (hsxctl cap revoke),
 * whatever the policy says: EACCES, in words of its own.
 */
static bool refuse_barred(struct hsxd *h, const struct identity *who, uint32_t op, uint32_t module,
                          const char *what, struct hsxd_reply *reply)
{
    char key[RATELIMIT_TEXT_MAX], text[RATELIMIT_TEXT_MAX], who_text[WHO_TEXT_MAX], buf[32],
        op_buf[16], why[HSXD_MESSAGE_MAX];

    if (!lifecycle_barred(h, who->pid, module))
        return false;
    const char *name = capspec_module_name(buf, sizeof(buf), module);
    const char *op_name = proto_op_name(op_buf, sizeof(op_buf), op);
    textf(why, sizeof(why),
          "revoked by admin: no %s capability for this process until an administrator grants "
          "it again (hsxctl cap grant)",
          name);
    set_reply(reply, -EACCES, why);
    textf(key, sizeof(key), "%u %s %s %s barred", who->uid, who->exe ? who->exe : "", op_name,
          what);
    textf(text, sizeof(text),
          "refused: revoked by admin: %s of %s by %s, until it exits or a grant of %s to uid %u",
          op_name, what, describe_who(who_text, sizeof(who_text), who), name, who->uid);
    ops_log_limited(h, LOG_WARNING, key, text);
    return true;
}

/* Refuse who a capability past its uid's share of hsxd (HOLDERS_PER_UID, HOLDERS_CAPS_PER_UID). */
static bool refuse_over_share(struct hsxd *h, const struct identity *who, const char *what,
                              struct hsxd_reply *reply)
{
    const struct holder *known = holders_find(&h->holders, who->pid);
    char why[HSXD_MESSAGE_MAX];
    size_t holders, caps;

    holders_count_uid(&h->holders, who->uid, &holders, &caps);
    if (caps >= HOLDERS_CAPS_PER_UID)
        textf(why, sizeof(why),
              "uid %u holds %zu capabilities, the most hsxd gives one user: close some "
              "files first",
              who->uid, caps);
    else if (holders >= HOLDERS_PER_UID && !(known && known->caps))
        textf(why, sizeof(why),
              "%zu processes of uid %u hold capabilities, the most hsxd serves for one user",
              holders, who->uid);
    else
        return false;
    deny(h, who, HSXD_OP_ACQUIRE, what, -EDQUOT, why, reply);
    return true;
}

void ops_refuse(struct hsxd *h, const struct identity *who, uint32_t op, int status,
                const char *why, struct hsxd_reply *reply)
{
    deny(h, who, op, "", status, why, reply);
}

/*
 * The checks every client request makes: fd is a /dev/hsx file that the
 * asking process itself opened (so that what it is granted is bound to it,
 * not to whoever passed it the file), for the module asked for. *client
 * says the rest (privileged).
 */
static bool check_file(struct hsxd *h, const struct identity *who, int fd, uint32_t module,
                       const struct hsxd_request *req, const char *what,
                       struct hsx_cap_client *client, struct hsxd_reply *reply)
{
    char why[HSXD_MESSAGE_MAX];

    *client = (struct hsx_cap_client){.fd = fd};
    int ret = admin_client(h->ctl, client);
    if (ret == -EBADF || ret == -EINVAL || ret == -ENOTTY) {
        deny(h, who, req->op, what, -EINVAL, "the file descriptor sent is not a /dev/hsx file",
             reply);
        return false;
    }
    if (ret < 0) {
        snprintf(why, sizeof(why), "hsx.ko cannot identify the file: %s", strerror(-ret));
        log_msg(LOG_ERR, "HSX_IOC_CAP_CLIENT: %s", strerror(-ret));
        set_reply(reply, ret, why);
        return false;
    }
    if (client->opener_pid != who->pid || !client->alive) {
        snprintf(why, sizeof(why), "the file was opened by %spid %u, not by the process asking",
                 client->alive ? "" : "exited ", client->opener_pid);
        deny(h, who, req->op, what, -ESRCH, why, reply);
        return false;
    }
    if (!(client->modules & (1u << (module - HSX_MODULE_FIRST)))) {
        char name[32];
        snprintf(why, sizeof(why), "the file sent does not serve %s",
                 capspec_module_name(name, sizeof(name), module));
        deny(h, who, req->op, what, -EINVAL, why, reply);
        return false;
    }
    return true;
}

/* ACQUIRE and RENEW: check_file(), and a file opened without privilege (which needs none). */
static bool check_client(struct hsxd *h, const struct identity *who, int fd, uint32_t module,
                         const struct hsxd_request *req, const char *what, struct hsxd_reply *reply)
{
    struct hsx_cap_client client;

    if (!check_file(h, who, fd, module, req, what, &client, reply))
        return false;
    if (client.privileged) {
        set_reply(reply, -EINVAL, "the file was opened with CAP_SYS_ADMIN: it needs no capability");
        return false;
    }
    return true;
}

/* The answer to a failed MINT or RENEW that is not the client's fault or choice. */
static void kernel_refused(const char *call, int ret, struct hsxd_reply *reply)
{
    char why[HSXD_MESSAGE_MAX];

    switch (ret) {
    case -ESRCH:
        set_reply(reply, ret, "the process exited");
        return;
    case -EDQUOT:
        set_reply(reply, ret, "too many capabilities: the process or the system is at its limit");
        log_msg(LOG_WARNING, "%s: the kernel's capability limit is reached", call);
        return;
    default:
        snprintf(why, sizeof(why), "hsx.ko refused: %s", strerror(-ret));
        set_reply(reply, ret, why);
        log_msg(LOG_ERR, "%s: %s", call, strerror(-ret));
    }
}

/*
 * FS from a rule's template (d->fs_rule): the client's tree made and bound
 * to a root (fs_root.h), which becomes the capability's, if the request
 * asked for it (or for any). false with the reply filled if not.
 */
static bool bind_fs_root(struct hsxd *h, const struct identity *who, const struct cap_want *want,
                         const char *what, struct decision *d, struct hsxd_reply *reply)
{
    const struct hsx_umodule *m = capspec_module_by_id(HSX_MODULE_FS);
    char why[HSXD_MESSAGE_MAX], dir[FS_ROOT_PATH_MAX];
    uint32_t root;

    int ret = fs_root_bind(h->ctl, d->fs_rule->fs, d->fs_rule->name, who->uid, &root, dir,
                           sizeof(dir), why, sizeof(why));
    if (ret < 0) {
        set_reply(reply, ret, why);
        log_msg(LOG_ERR, "fs: rule %s, uid %u: %s", d->fs_rule->name, who->uid, why);
        return false;
    }
    const union hsx_cap_selector sel = hsx_umod_fs_sel(root);
    if (!m->sel.ops->empty(&m->sel, &want->sel) && !hsx_umod_sel_subset(m, &sel, &want->sel)) {
        textf(why, sizeof(why), "fs: the tree %s gives is root %u, not one asked for",
              d->fs_rule->name, root);
        deny(h, who, HSXD_OP_ACQUIRE, what, -EACCES, why, reply);
        return false;
    }
    log_msg(LOG_INFO, "fs: root %u is %s (rule %s, uid %u)", root, dir, d->fs_rule->name, who->uid);
    d->sel = sel;
    return true;
}

void ops_acquire(struct hsxd *h, const struct identity *who, int pidfd, int fd,
                 const struct hsxd_request *req, struct hsxd_reply *reply)
{
    char what[CAPSPEC_CAP_TEXT_MAX], who_text[WHO_TEXT_MAX], granted[CAPSPEC_CAP_TEXT_MAX];
    struct cap_want want = {req->module, req->rights, req->sel, req->lifetime_s};
    struct decision d;

    describe_want(what, sizeof(what), req);
    if (!check_client(h, who, fd, req->module, req, what, reply) ||
        refuse_barred(h, who, req->op, req->module, what, reply) ||
        refuse_over_share(h, who, what, reply))
        return;
    uint64_t now = boottime_ns();
    if (!decide(h->policy, h->grants, h->ngrants, who, &want, now, &d)) {
        deny(h, who, req->op, what, -EACCES, d.why, reply);
        return;
    }
    if (d.fs_rule && !bind_fs_root(h, who, &want, what, &d, reply))
        return;

    struct hsx_cap_mint mint = {
        .fd = fd,
        .module = req->module,
        .rights = d.rights,
        .sel = d.sel,
        .expiry_ns = now + (uint64_t)d.lifetime_s * NS_PER_S,
    };
    int ret = admin_mint(h->ctl, &mint);
    if (ret == -EEXIST) {
        char name[32], why[HSXD_MESSAGE_MAX];
        snprintf(why, sizeof(why), "the file already holds a %s capability: renew it",
                 capspec_module_name(name, sizeof(name), req->module));
        set_reply(reply, ret, why);
        return;
    }
    if (ret < 0) {
        kernel_refused("HSX_IOC_CAP_MINT", ret, reply);
        return;
    }
    reply->cap = (struct hsx_cap_info){
        .id = mint.id,
        .module = req->module,
        .rights = d.rights,
        .sel = d.sel,
        .expiry_ns = mint.expiry_ns,
        .holder_pid = who->pid,
        .state = HSX_CAP_STATE_ACTIVE,
    };
    lifecycle_minted(h, who, pidfd, &reply->cap);
    log_msg(LOG_NOTICE, "granted capability %" PRIu64 " to %s: %s for %u s (asked %s; by %s)",
            (uint64_t)mint.id, describe_who(who_text, sizeof(who_text), who),
            capspec_format_cap(granted, sizeof(granted), req->module, d.rights, &d.sel),
            d.lifetime_s, what, d.rules);
}

void ops_renew(struct hsxd *h, const struct identity *who, int fd, const struct hsxd_request *req,
               struct hsxd_reply *reply)
{
    char what[CAPSPEC_CAP_TEXT_MAX], who_text[WHO_TEXT_MAX], why[HSXD_MESSAGE_MAX], name[32];
    const char *module = capspec_module_name(name, sizeof(name), req->module);
    struct hsx_cap_query query;
    struct decision d;

    snprintf(what, sizeof(what), "a %s capability", module);
    if (!check_client(h, who, fd, req->module, req, what, reply))
        return;
    int ret = admin_info(fd, req->module, &query);
    if (ret < 0) {
        kernel_refused("HSX_IOC_CAP_INFO", ret, reply);
        return;
    }
    const struct hsx_cap_info *cap = &query.cap;
    if (cap->id == 0 || cap->state != HSX_CAP_STATE_ACTIVE) {
        snprintf(why, sizeof(why), "the file holds no live %s capability: acquire one", module);
        set_reply(reply, -ENOENT, why);
        return;
    }
    if (cap->depth > 0) {
        set_reply(reply, -EINVAL,
                  "a derived capability is renewed by renewing the one it was "
                  "derived from");
        return;
    }
    capspec_format_cap(what, sizeof(what), cap->module, cap->rights, &cap->sel);
    if (refuse_barred(h, who, req->op, cap->module, what, reply))
        return;
    uint64_t now = boottime_ns();
    enum verdict verdict = decide_again(h->policy, h->grants, h->ngrants, who, cap->module,
                                        cap->rights, &cap->sel, req->lifetime_s, 0, now, &d);
    if (verdict == VERDICT_DENIED || verdict == VERDICT_NARROWER) {
        textf(why, sizeof(why), "the policy no longer allows all of it: %s",
              verdict == VERDICT_NARROWER ? "it allows less now" : d.why);
        deny(h, who, req->op, what, -EACCES, why, reply);
        return;
    }
    uint64_t expiry = now + (uint64_t)d.lifetime_s * NS_PER_S;
    ret = admin_renew(h->ctl, cap->id, expiry);
    if (ret == -ENOENT) {
        set_reply(reply, ret, "the capability ended meanwhile: acquire a new one");
        return;
    }
    if (ret < 0) {
        kernel_refused("HSX_IOC_CAP_RENEW", ret, reply);
        return;
    }
    reply->cap = *cap;
    reply->cap.expiry_ns = expiry;
    lifecycle_renewed(h, who);
    log_msg(LOG_INFO, "renewed capability %" PRIu64 " of %s: %s for %u s (by %s)",
            (uint64_t)cap->id, describe_who(who_text, sizeof(who_text), who), what, d.lifetime_s,
            d.rules);
}

/* What a CAN_CONFIG asks for: "bus 0 bitrate 250000 modes listen-only" (0: any bitrate). */
static char *describe_can_config(char *buf, size_t size, const struct hsx_can_config *c)
{
    char bitrate[24] = "any", data[40] = "";

    if (c->bitrate)
        textf(bitrate, sizeof(bitrate), "%u", c->bitrate);
    if (c->data_bitrate)
        textf(data, sizeof(data), " data bitrate %u", c->data_bitrate);
    textf(buf, size, "bus %u bitrate %s%s modes %s%s%s%s", c->bus, bitrate, data,
          c->mode ? "" : "none", c->mode & HSX_CAN_MODE_LOOPBACK ? "+loopback" : "",
          c->mode & HSX_CAN_MODE_LISTEN_ONLY ? "+listen-only" : "",
          c->mode & HSX_CAN_MODE_FD ? "+fd" : "");
    return buf;
}

/* Does a rule of who's (or a runtime grant) give "config" on bus? d says which, or why not. */
static bool may_configure(struct hsxd *h, const struct identity *who, uint32_t bus,
                          struct decision *d)
{
    struct cap_want want = {.module = HSX_MODULE_CAN, .rights = HSX_CAP_R_CAN_CONFIG};

    want.sel.can.buses = UINT32_C(1) << bus;
    return decide(h->policy, h->grants, h->ngrants, who, &want, boottime_ns(), d) &&
           (d->rights & HSX_CAP_R_CAN_CONFIG) && (d->sel.can.buses >> bus & 1);
}

/* Why a capability no longer in force denies, as hsx_cap_decide() says it. */
static int cap_ended(const struct hsx_cap_info *cap, char *why, size_t size)
{
    const bool expired = cap->state == HSX_CAP_STATE_ACTIVE || cap->reason == HSX_CAP_END_EXPIRED;

    textf(why, size, "the file's can capability %" PRIu64 " %s: acquire a new one",
          (uint64_t)cap->id,
          expired                               ? "expired"
          : cap->reason == HSX_CAP_END_EXPLICIT ? "was revoked"
                                                : "has ended");
    return expired ? -EKEYEXPIRED : -EKEYREVOKED;
}

/*
 * Does the kernel let pid configure bus with fd, now? What HSX_IOC_CAN_CONFIG would let it do
 * on that file: nothing needed on a file opened privileged or by a kernel enforcing nothing,
 * else a live capability of pid's own with "config" covering the bus. The policy is not the
 * kernel's word: a capability revoked (and the process not barred: a reload, a restart of hsxd
 * since, a grant that lifted the bar) or expired configures nothing. 0, or -errno with why.
 */
static int kernel_allows_config(int fd, uint32_t pid, uint32_t bus, char *why, size_t size)
{
    char held[CAPSPEC_CAP_TEXT_MAX];
    struct hsx_cap_query query;
    const struct hsx_cap_info *cap = &query.cap;
    int ret = admin_info(fd, HSX_MODULE_CAN, &query);

    if (ret < 0) {
        textf(why, size, "hsx.ko cannot say what the file may do: %s", strerror(-ret));
        return ret;
    }
    if (query.privileged || !query.enforcing)
        return 0;
    if (!cap->id) {
        textf(why, size, "the file holds no can capability: acquire one with config on bus %u",
              bus);
        return -EACCES;
    }
    if (cap->state != HSX_CAP_STATE_ACTIVE || cap->expiry_ns <= boottime_ns())
        return cap_ended(cap, why, size);
    if (cap->holder_pid != pid) {
        textf(why, size, "the file's can capability %" PRIu64 " is pid %u's, not the asker's",
              (uint64_t)cap->id, cap->holder_pid);
        return -EPERM;
    }
    if (!(cap->rights & HSX_CAP_R_CAN_CONFIG) || !(cap->sel.can.buses >> bus & 1)) {
        textf(why, size, "the file's capability gives no config on bus %u: %s", bus,
              capspec_format_cap(held, sizeof(held), cap->module, cap->rights, &cap->sel));
        return -EACCES;
    }
    return 0;
}

/*
 * May who have the bus of req changed? Its own CAN file, not barred; then an administrator may,
 * anyone else needs a rule's (or grant's) "config" on the bus and the kernel's word on that
 * file. false with the reply filled (and d saying which rules allowed it, when they did).
 */
static bool may_config_bus(struct hsxd *h, const struct identity *who, bool admin, int fd,
                           const struct hsxd_request *req, const char *what, struct decision *d,
                           struct hsxd_reply *reply)
{
    struct hsx_cap_client client;
    char why[HSXD_MESSAGE_MAX];
    int ret;

    if (!check_file(h, who, fd, HSX_MODULE_CAN, req, what, &client, reply) ||
        refuse_barred(h, who, req->op, HSX_MODULE_CAN, what, reply))
        return false;
    if (admin)
        return true;
    if (!may_configure(h, who, req->can_config.bus, d)) {
        deny(h, who, req->op, what, -EACCES, d->why, reply);
        return false;
    }
    if ((ret = kernel_allows_config(fd, who->pid, req->can_config.bus, why, sizeof(why))) < 0) {
        deny(h, who, req->op, what, ret, why, reply);
        return false;
    }
    return true;
}

_Static_assert(HSXD_CAN_BUSES == HSX_CAN_MAX_BUSES, "HSXD_CAN_BUSES");
_Static_assert(sizeof(((struct hsxd_can_guard *)0)->failed_req) == sizeof(struct hsx_can_config),
               "failed_req");
_Static_assert(sizeof(((struct hsxd_can_guard *)0)->failed_req) == sizeof(struct hsxd_can_restart),
               "failed_req");
_Static_assert(sizeof(((struct hsxd_can_guard *)0)->failed_text) >= CAN_CONFIG_TEXT_MAX,
               "failed_text");

/*
 * A CAN change (op: "can-config", "can-restart", ...) that failed or was refused: to the
 * client, and to the log once per kind.
 */
static void can_change_failed(struct hsxd *h, const struct identity *who, const char *op,
                              const char *what, int status, const char *text,
                              struct hsxd_reply *reply)
{
    char key[RATELIMIT_TEXT_MAX], line[RATELIMIT_TEXT_MAX], who_text[WHO_TEXT_MAX];

    set_reply(reply, status, text);
    textf(key, sizeof(key), "%u %s %s %s %d", who->uid, who->exe ? who->exe : "", op, what, status);
    textf(line, sizeof(line), "%s of %s for %s failed: %s", op, what,
          describe_who(who_text, sizeof(who_text), who), text);
    ops_log_limited(h, LOG_WARNING, key, line);
}

/*
 * A CAN change done for who (done_as: "configured CAN", ...), or none needed (!touched: logged
 * at debug); by: the rules, or "an administrator".
 */
static void can_change_done(struct hsxd *h, const struct identity *who, const char *done_as,
                            const char *what, const char *text, const char *by, bool touched,
                            const char *key_tail, struct hsxd_reply *reply)
{
    char key[RATELIMIT_TEXT_MAX], line[RATELIMIT_TEXT_MAX], who_text[WHO_TEXT_MAX];

    set_reply(reply, 0, text);
    textf(line, sizeof(line), "%s %s for %s: %s (by %s)", done_as, what,
          describe_who(who_text, sizeof(who_text), who), text, by);
    if (!touched) {
        log_msg(LOG_DEBUG, "%s", line);
        return;
    }
    textf(key, sizeof(key), "%u %s %s", who->uid, who->exe ? who->exe : "", key_tail);
    ops_log_limited(h, LOG_NOTICE, key, line);
}

/*
 * The very request (op, the 32 bytes of its arguments) that failed within HSXD_CAN_FAILED_HOLD_NS:
 * its answer again, in text.
 */
static bool can_failed_just_now(const struct hsxd_can_guard *g, uint32_t op, const void *args,
                                uint64_t now, char *text, size_t size)
{
    if (!g->failed_ns || now - g->failed_ns >= HSXD_CAN_FAILED_HOLD_NS || g->failed_op != op ||
        memcmp(g->failed_req, args, sizeof(g->failed_req)) != 0)
        return false;
    textf(text, size, "failed %" PRIu64 " s ago, not tried again for %llu s: %s",
          (now - g->failed_ns) / 1000000000u, HSXD_CAN_FAILED_HOLD_NS / 1000000000ull,
          g->failed_text);
    return true;
}

/* What the re-check after a CAN_CONFIG's change asks: the kernel's word on the client's file. */
struct config_recheck {
    struct hsxd *h;
    int fd;
    uint32_t pid, bus;
    bool refused; /* it said no: the failure is this client's, not the request's */
};

static int still_allowed(void *ctx, char *why, size_t size)
{
    struct config_recheck *c = ctx;

    if (c->h->test_revoke_in_can_config) {
        struct hsx_cap_revoke r = {
            .pid = c->pid, .flags = HSX_CAP_REVOKE_BY_PID, .reason = HSX_CAP_END_EXPLICIT};
        admin_revoke(c->h->ctl, &r);
    }
    int ret = kernel_allows_config(c->fd, c->pid, c->bus, why, size);
    c->refused = ret < 0;
    return ret;
}

/* The interface could not be put back after a failed change: an administrator must look. */
static bool undo_failed(int ret)
{
    return ret == -ENOTRECOVERABLE || ret == -ENETDOWN;
}

/*
 * A failure worth holding against the same request: the driver's refusal, or a bus left down or
 * changed. Not one that left the bus as it was for a passing reason (someone else started the
 * interface meanwhile, the bus was re-bound, a reply was late): that one is worth trying again.
 */
static bool held_failure(int ret)
{
    return ret != -EAGAIN && ret != -ETIMEDOUT && ret != -EINTR && ret != -ENOBUFS &&
           ret != -ENOMEM;
}

/*
 * A success of op (its 32 bytes of arguments args) that changed the bus: the very request held
 * as failed works now, so it is no longer held. Any other success leaves the hold.
 */
static void can_change_clears_hold(struct hsxd_can_guard *g, uint32_t op, const void *args,
                                   bool touched)
{
    if (touched && g->failed_op == op && memcmp(g->failed_req, args, sizeof(g->failed_req)) == 0)
        g->failed_ns = 0;
}

/*
 * May who's request (op) change bus now? An administrator's may; anyone's once a second, and
 * a CAN_RESTART_MS straight after the same client's own CAN_CONFIG (one request of hsxctl's
 * can config --restart-ms, which the library sends as two).
 */
static bool can_may_touch(const struct hsxd_can_guard *g, const struct identity *who, bool admin,
                          uint32_t op, uint64_t now)
{
    if (admin || !g->changed_ns || now - g->changed_ns >= HSXD_CAN_CHANGE_INTERVAL_NS)
        return true;
    return op == HSXD_OP_CAN_RESTART_MS && g->config_pid && g->config_pid == who->pid;
}

/*
 * After a change of g's bus (op, its 32 bytes of arguments args) that failed with ret (text): to
 * the client, to the log at LOG_ERR if the bus was left changed, and held against the same
 * request for a while. The same request is not tried again for a while: a driver's refusal is
 * the request's (a passing failure that left the bus as it was is not held: held_failure()). A
 * re-check's (refused) is the client's, and another client may ask the very same.
 */
static void can_change_undone(struct hsxd *h, struct hsxd_can_guard *g, const struct identity *who,
                              uint32_t op, const char *op_name, const char *what, const void *args,
                              bool touched, bool refused, int ret, const char *text,
                              struct hsxd_reply *reply)
{
    if (touched && undo_failed(ret)) {
        char who_text[WHO_TEXT_MAX];

        log_msg(LOG_ERR, "%s of %s for %s: %s", op_name, what,
                describe_who(who_text, sizeof(who_text), who), text);
    }
    if (touched && !refused && held_failure(ret)) {
        g->failed_ns = boottime_ns();
        g->failed_op = op;
        memcpy(g->failed_req, args, sizeof(g->failed_req));
        g->failed_status = ret;
        textf(g->failed_text, sizeof(g->failed_text), "%s", text);
    }
    can_change_failed(h, who, op_name, what, ret, text, reply);
}

void ops_can_config(struct hsxd *h, const struct identity *who, bool admin, int fd,
                    const struct hsxd_request *req, struct hsxd_reply *reply)
{
    char what[96], text[CAN_CONFIG_TEXT_MAX];
    const struct hsx_can_config *c = &req->can_config;
    struct decision d = {.allowed = false};
    int ret;

    describe_can_config(what, sizeof(what), c);
    if (!may_config_bus(h, who, admin, fd, req, what, &d, reply))
        return;
    /* An allowed client cannot bounce the bus: one change a second, no retry of a failure. */
    struct hsxd_can_guard *g = &h->can_guard[c->bus];
    const uint64_t now = boottime_ns();
    if (!admin && can_failed_just_now(g, HSXD_OP_CAN_CONFIG, c, now, text, sizeof(text))) {
        can_change_failed(h, who, "can-config", what, g->failed_status, text, reply);
        return;
    }
    const bool may_touch = can_may_touch(g, who, admin, HSXD_OP_CAN_CONFIG, now);
    bool touched = false;
    /* An administrator's change needs no capability: nothing to check again. */
    struct config_recheck ctx = {.h = h, .fd = fd, .pid = who->pid, .bus = c->bus};
    const struct can_config_recheck recheck = {.still_allowed = still_allowed, .ctx = &ctx};
    ret = can_config_apply(h->ctl, c, may_touch, admin ? NULL : &recheck, &touched, text,
                           sizeof(text));
    if (touched) {
        g->changed_ns = boottime_ns();
        g->config_pid = ret == 0 ? who->pid : 0;
    }
    if (ret < 0) {
        can_change_undone(h, g, who, HSXD_OP_CAN_CONFIG, "can-config", what, c, touched,
                          ctx.refused, ret, text, reply);
        return;
    }
    can_change_clears_hold(g, HSXD_OP_CAN_CONFIG, c, touched);
    char key_tail[32];
    textf(key_tail, sizeof(key_tail), "can-config-ok bus %u", c->bus);
    can_change_done(h, who, "configured CAN", what, text, admin ? "an administrator" : d.rules,
                    touched, key_tail, reply);
}

/* What a CAN_RESTART or CAN_RESTART_MS asks for: "bus 0", "bus 0 restart-ms 100". */
static char *describe_can_restart(char *buf, size_t size, const struct hsxd_request *req)
{
    if (req->op == HSXD_OP_CAN_RESTART)
        textf(buf, size, "bus %u", req->can_restart.bus);
    else
        textf(buf, size, "bus %u restart-ms %u", req->can_restart.bus, req->can_restart.restart_ms);
    return buf;
}

void ops_can_restart(struct hsxd *h, const struct identity *who, bool admin, int fd,
                     const struct hsxd_request *req, struct hsxd_reply *reply)
{
    const char *op = req->op == HSXD_OP_CAN_RESTART ? "can-restart" : "can-restart-ms";
    char what[48], text[CAN_CONFIG_TEXT_MAX], key_tail[48];
    const uint32_t bus = req->can_restart.bus;
    struct decision d = {.allowed = false};
    bool touched = false;
    int ret;

    describe_can_restart(what, sizeof(what), req);
    if (!may_config_bus(h, who, admin, fd, req, what, &d, reply))
        return;
    /*
     * One change of a bus a second, restarts included, and one restart a second, refused ones
     * too: a client cannot bounce it, nor keep rtnetlink busy. A failed restart-ms is not tried
     * again for a while.
     */
    struct hsxd_can_guard *g = &h->can_guard[bus];
    const uint64_t now = boottime_ns();
    if (!admin && req->op == HSXD_OP_CAN_RESTART_MS &&
        can_failed_just_now(g, req->op, &req->can_restart, now, text, sizeof(text))) {
        can_change_failed(h, who, op, what, g->failed_status, text, reply);
        return;
    }
    /*
     * A restart the kernel refused changed nothing, but holds the next restart as well. A
     * restart held back is answered before the interface is read: no rtnetlink for it. A
     * restart-ms is read first: one that changes nothing succeeds all the same.
     */
    const bool restarted_just_now = !admin && req->op == HSXD_OP_CAN_RESTART && g->restart_ns &&
                                    now - g->restart_ns < HSXD_CAN_CHANGE_INTERVAL_NS;
    const bool changed_just_now = !can_may_touch(g, who, admin, req->op, now);
    if (req->op == HSXD_OP_CAN_RESTART && (changed_just_now || restarted_just_now)) {
        textf(text, sizeof(text), "bus %u was %s less than a second ago: try again later", bus,
              changed_just_now ? "changed" : "asked to restart");
        can_change_failed(h, who, op, what, -EAGAIN, text, reply);
        return;
    }
    struct config_recheck ctx = {.h = h, .fd = fd, .pid = who->pid, .bus = bus};
    const struct can_config_recheck recheck = {.still_allowed = still_allowed, .ctx = &ctx};
    if (req->op == HSXD_OP_CAN_RESTART)
        ret = can_restart_now(h->ctl, bus, true, admin ? NULL : &recheck, &touched, text,
                              sizeof(text));
    else
        ret = can_restart_ms_apply(h->ctl, bus, req->can_restart.restart_ms, !changed_just_now,
                                   admin ? NULL : &recheck, &touched, text, sizeof(text));
    if (touched && req->op == HSXD_OP_CAN_RESTART)
        g->restart_ns = boottime_ns();
    if (touched && (ret == 0 || req->op == HSXD_OP_CAN_RESTART_MS)) {
        g->changed_ns = boottime_ns();
        g->config_pid = 0;
    }
    if (ret < 0) {
        /* A refused restart changed nothing: only a restart-ms can leave the bus changed. */
        can_change_undone(h, g, who, req->op, op, what, &req->can_restart,
                          touched && req->op == HSXD_OP_CAN_RESTART_MS, ctx.refused, ret, text,
                          reply);
        return;
    }
    if (req->op == HSXD_OP_CAN_RESTART_MS)
        can_change_clears_hold(g, req->op, &req->can_restart, touched);
    textf(key_tail, sizeof(key_tail), "%s-ok bus %u", op, bus);
    can_change_done(h, who, req->op == HSXD_OP_CAN_RESTART ? "restarted CAN" : "configured CAN",
                    what, text, admin ? "an administrator" : d.rules, touched, key_tail, reply);
}

void ops_expire_grants(struct hsxd *h)
{
    uint64_t now = boottime_ns();

    for (size_t i = 0; i < h->ngrants;) {
        if (now < h->grants[i].expires_ns) {
            i++;
            continue;
        }
        log_msg(LOG_INFO, "runtime %s lapsed", h->grants[i].name);
        h->grants[i] = h->grants[--h->ngrants];
    }
}

void ops_grant(struct hsxd *h, const struct identity *who, const struct hsxd_request *req,
               struct hsxd_reply *reply)
{
    char what[CAPSPEC_CAP_TEXT_MAX], who_text[WHO_TEXT_MAX];

    capspec_format_cap(what, sizeof(what), req->module, req->rights, &req->sel);
    ops_expire_grants(h);
    if (h->ngrants >= GRANTS_MAX) {
        char why[HSXD_MESSAGE_MAX];
        snprintf(why, sizeof(why),
                 "%d runtime grants are in force, the most hsxd keeps: wait for "
                 "one to lapse",
                 GRANTS_MAX);
        set_reply(reply, -ENOSPC, why);
        return;
    }
    struct policy_rule *rule = &h->grants[h->ngrants++];
    *rule = (struct policy_rule){
        .match = POLICY_MATCH_UID,
        .uid = req->uid,
        .lifetime_s = req->lifetime_s,
        .expires_ns = boottime_ns() + (uint64_t)req->lifetime_s * NS_PER_S,
    };
    snprintf(rule->name, sizeof(rule->name), "grant %u", ++h->grants_made);
    /* proto_check_request() checked the module: one hsxd grants capabilities for. */
    rule->grant[policy_slot(req->module)] =
        (struct policy_grant){.present = true, .rights = req->rights, .sel = req->sel};
    /* A grant made after a revocation lifts it: the later word of the administrator counts. */
    unsigned int lifted = lifecycle_unbar(h, req->uid, req->module);
    char lifts[80] = "";
    if (lifted)
        textf(lifts, sizeof(lifts), "; lifts the revocation of %u process%s", lifted,
              lifted == 1 ? "" : "es");
    textf(reply->message, sizeof(reply->message), "uid %u may acquire %s for %u s (%s)%s", req->uid,
          what, req->lifetime_s, rule->name, lifts);
    log_msg(LOG_NOTICE, "runtime %s by %s: uid %u may acquire %s for %u s%s", rule->name,
            describe_who(who_text, sizeof(who_text), who), req->uid, what, req->lifetime_s, lifts);
}

/*
 * Bar the holder of what was revoked from asking for it again. Returns the
 * words for the reply and the log ("" if there is no one to bar).
 */
static void bar_holder(struct hsxd *h, uint32_t pid, uint32_t modules, char *said, size_t size)
{
    char names[64];
    int ret = pid ? lifecycle_bar(h, pid, modules) : -ESRCH;

    said[0] = '\0';
    if (ret == 0)
        textf(said, size, "; pid %u is barred from %s until it exits or a new grant", pid,
              lifecycle_modules(names, sizeof(names), modules));
    else if (ret == -ENOSPC)
        textf(said, size, "; not remembered: %d processes are barred already", HOLDERS_BARRED_MAX);
    else if (ret != -ESRCH)
        textf(said, size, "; not remembered: %s", strerror(-ret));
}

void ops_revoke(struct hsxd *h, const struct identity *who, const struct hsxd_request *req,
                struct hsxd_reply *reply)
{
    const bool by_pid = req->flags & HSXD_REVOKE_F_PID;
    struct hsx_cap_revoke revoke = {.reason = HSX_CAP_END_EXPLICIT};
    char what[64], who_text[WHO_TEXT_MAX], why[HSXD_MESSAGE_MAX], barred[128];
    struct hsx_cap_info cap = {0};

    if (by_pid) {
        revoke.flags = HSX_CAP_REVOKE_BY_PID;
        revoke.pid = req->pid;
        snprintf(what, sizeof(what), "the capabilities of pid %u", req->pid);
    } else {
        revoke.id = req->cap_id;
        snprintf(what, sizeof(what), "capability %" PRIu64, (uint64_t)req->cap_id);
        /* Whose it is, and of which module, whether hsxd minted it or not (derived). */
        if (req->cap_id == 0 || admin_list_next(h->ctl, req->cap_id - 1, &cap) < 0 ||
            cap.id != req->cap_id)
            cap = (struct hsx_cap_info){0};
    }
    int ret = admin_revoke(h->ctl, &revoke);
    if (ret == -ENOENT) {
        if (by_pid)
            snprintf(why, sizeof(why), "pid %u holds no live capability", req->pid);
        else
            snprintf(why, sizeof(why), "no live capability has id %" PRIu64, (uint64_t)req->cap_id);
        set_reply(reply, ret, why);
        return;
    }
    if (ret < 0) {
        kernel_refused("HSX_IOC_CAP_REVOKE", ret, reply);
        return;
    }
    if (by_pid)
        bar_holder(h, req->pid, HOLDER_ALL_MODULES, barred, sizeof(barred));
    else if (cap.holder_pid) /* not found in the listing (it raced): no module to bar */
        bar_holder(h, cap.holder_pid, HOLDER_MODULE_BIT(cap.module), barred, sizeof(barred));
    reply->count = revoke.count;
    textf(reply->message, sizeof(reply->message), "%u capabilit%s ended%s", revoke.count,
          revoke.count == 1 ? "y" : "ies", barred);
    log_msg(LOG_NOTICE, "%s revoked %s: %u ended, derived ones included%s",
            describe_who(who_text, sizeof(who_text), who), what, revoke.count, barred);
}

bool ops_list_next(struct hsxd *h, uint64_t *after, struct hsxd_reply *reply)
{
    struct hsx_cap_info info;
    int ret = admin_list_next(h->ctl, *after, &info);

    if (ret == 0) {
        reply->op = HSXD_OP_LIST;
        reply->cap = info;
        *after = info.id;
        return true;
    }
    reply->op = HSXD_OP_END;
    if (ret != -ENOENT)
        kernel_refused("HSX_IOC_CAP_LIST", ret, reply);
    return false;
}
