// SPDX-License-Identifier: MIT
/*
 * Subscribing: a handle with one file of its own, a queue file or a generic
 * netlink socket.
 *
 * A handle opened with a /dev/hsx file to authorize it is a queue file
 * (HSX_IOC_MBOX_OPEN on that file): the kernel copies each event into the
 * file's ring of records, and one read() takes every record queued (kept in
 * the handle for the receives after), with no message to build or parse.
 * Without one, or on a kernel that has no queue files, it is a netlink
 * socket, subscribed with HSX_CMD_MBOX_OPEN (privileged callers, tools);
 * events that arrive before the kernel's ack are kept in the handle.
 * Either way the kernel queues each subscription's events separately and a
 * blocking wait on one handle needs no demultiplexing. Also the stand-ins
 * tests use for the kernel (hsx_mailbox_from_fd(), _from_queue_fd()) and the
 * opener of the library's own objects' mailboxes.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/errors.h"
#include "core/export.h"
#include "core/mailbox_impl.h"
#include "core/module.h"
#include "core/netlink.h"
#include "core/wire.h"

static bool valid_name(const char *name)
{
    return name && name[0] != '\0' && strnlen(name, HSX_MBOX_NAME_MAX) < HSX_MBOX_NAME_MAX;
}

/*
 * mb reads records of record_size bytes, at most queue_len of them and the
 * close notice in one read (0: as many as HSX_MBOX_BATCH_BYTES holds).
 * Returns 0 or -ENOMEM.
 */
static int set_records(struct hsx_mailbox *mb, uint32_t record_size, uint32_t queue_len)
{
    uint32_t records = HSX_MBOX_BATCH_BYTES / record_size;

    if (queue_len && queue_len < records)
        records = queue_len + 1;
    mb->batch = malloc((size_t)records * record_size);
    if (!mb->batch)
        return -ENOMEM;
    mb->batch_cap = records * record_size;
    mb->record_size = record_size;
    return 0;
}

/*
 * Whether hsx.ko ends a queue file's subscription on HSX_IOC_MBOX_QUEUE_END,
 * which then ends a read blocked on it (every hsx.ko with queue files but
 * those of the day they came): asked once, with an argument it refuses
 * (EINVAL) before doing anything; one without it answers ENOTTY.
 */
static bool queue_end_ends_reads(int fd)
{
    static atomic_int known; /* 0: not asked yet; 1: it does; -1: it does not */
    int k = atomic_load(&known);

    if (!k) {
        k = ioctl(fd, HSX_IOC_MBOX_QUEUE_END, 1) < 0 && errno == EINVAL ? 1 : -1;
        atomic_store(&known, k);
    }
    return k > 0;
}

/*
 * Subscribe mb->name through a queue file, with auth_fd's authority. Returns
 * 0, -ENOTTY when the kernel has no queue files, or -errno.
 */
static int open_queue(struct hsx_mailbox *mb, int auth_fd)
{
    const struct hsx_umodule *m = hsx_umod_by_mailbox(mb->name);
    /* Blocking, for a wait in read() (mailbox_recv.c); every other read is RWF_NOWAIT. */
    struct hsx_mbox_open req = {.queue_len = m ? m->queue_len : 0};
    struct hsx_mbox_queue_info info;

    strcpy(req.name, mb->name);
    int fd = ioctl(auth_fd, HSX_IOC_MBOX_OPEN, &req);
    if (fd < 0)
        return -errno;
    if (ioctl(fd, HSX_IOC_MBOX_QUEUE_INFO, &info) < 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    if (info.record_size < sizeof(struct hsx_mbox_record) ||
        info.record_size > HSX_MBOX_RECORD_MAX) {
        close(fd);
        return -EPROTO;
    }
    mb->fd = fd; /* closed with the handle from here */
    mb->id = info.mbox_id;
    mb->queue_file = true;
    mb->blocking = true;
    mb->ends_reads = queue_end_ends_reads(fd);
    return set_records(mb, info.record_size, info.queue_len);
}

struct open_state {
    struct hsx_mailbox *mb;
    bool have_id;
};

/* Keep an event that came before the ack; recv and the dispatcher deliver it first. */
static void keep_early_message(struct hsx_mailbox *mb, const struct nlmsghdr *nlh)
{
    struct early_message *msg = malloc(sizeof(*msg) + nlh->nlmsg_len);

    if (!msg) {
        hsx_drops_note_lost(&mb->drops);
        return;
    }
    msg->next = NULL;
    msg->len = nlh->nlmsg_len;
    memcpy(msg->data, nlh, nlh->nlmsg_len);
    *mb->early_tail = msg;
    mb->early_tail = &msg->next;
}

static int on_open_reply(const struct nlmsghdr *nlh, void *data)
{
    struct open_state *state = data;
    int ret;

    switch (hsx_wire_genl_cmd(nlh)) {
    case HSX_CMD_MBOX_OPEN:
        ret = hsx_wire_parse_open_reply(nlh, &state->mb->id);
        if (ret < 0) {
            errno = -ret;
            return MNL_CB_ERROR;
        }
        state->have_id = true;
        return MNL_CB_OK;
    case HSX_CMD_MBOX_EVENT:
        /* The subscription is live before the kernel acks the request. */
        keep_early_message(state->mb, nlh);
        return MNL_CB_OK;
    default:
        return MNL_CB_OK;
    }
}

/* Open a socket and subscribe it to mb->name (auth_fd: see hsx_mailbox_open_auth()). Returns 0 or
 * -errno. */
static int subscribe(struct hsx_mailbox *mb, uint16_t family, int auth_fd)
{
    unsigned char buf[MNL_NLMSG_HDRLEN + 64 + HSX_MBOX_NAME_MAX];
    struct open_state state = {.mb = mb};
    struct mnl_socket *sock;
    int ret = hsx_nl_open(&sock, HSX_NL_RCVBUF);

    if (ret < 0)
        return ret;
    const struct nlmsghdr *req =
        hsx_wire_mbox_open(buf, sizeof(buf), family, hsx_nl_seq(), mb->name, auth_fd);
    ret = hsx_nl_transact(sock, req, on_open_reply, &state, true);
    if (ret == 0 && !state.have_id)
        ret = -EBADMSG;
    if (ret < 0) {
        mnl_socket_close(sock);
        hsx_mailbox_free_early(mb);
        mb->drops = (struct hsx_drop_account){0};
        return ret;
    }
    mb->sock = sock;
    mb->fd = mnl_socket_get_fd(sock);
    mb->family = family;
    return 0;
}

int hsx_mailbox_open_auth(const char *name, int auth_fd, hsx_mailbox_t **mailbox)
{
    uint16_t family = 0, fresh;

    if (!mailbox)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    *mailbox = NULL;
    if (!valid_name(name))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);

    struct hsx_mailbox *mb = hsx_mailbox_new(name);
    if (!mb)
        return hsx_fail_with_errno(errno);

    int ret = auth_fd >= 0 ? open_queue(mb, auth_fd) : -ENOTTY;
    if (ret == -ENOTTY) {
        ret = hsx_nl_family(&family);
        if (ret != HSX_HAL_OK) {
            hsx_mailbox_destroy(mb);
            return ret;
        }
        ret = subscribe(mb, family, auth_fd);
    }
    /*
     * ENOENT is "no such mailbox", but genetlink also answers it for a family
     * ID it does not know: if hsx.ko was reloaded, the cached ID is stale. A
     * queue file's ENOENT (family still 0) is only "no such mailbox".
     */
    if (ret == -ENOENT && family && hsx_nl_family_refresh(family, &fresh) == HSX_HAL_OK &&
        fresh != family)
        ret = subscribe(mb, fresh, auth_fd);
    if (ret < 0) {
        hsx_mailbox_destroy(mb);
        if (ret == -ENOENT)
            return hsx_fail_with(HSX_HAL_NO_DEVICE, ENOENT);
        return hsx_fail_with_errno(ret);
    }
    *mailbox = mb;
    return HSX_HAL_OK;
}

HSX_API int hsx_mailbox_open(const char *name, hsx_mailbox_t **mailbox)
{
    return hsx_mailbox_open_auth(name, -1, mailbox);
}

static _Atomic hsx_mailbox_opener_t object_opener;

void hsx_mailbox_set_opener(hsx_mailbox_opener_t opener)
{
    atomic_store(&object_opener, opener);
}

int hsx_mailbox_open_object(const char *name, int auth_fd, hsx_mailbox_t **mailbox)
{
    hsx_mailbox_opener_t opener = atomic_load(&object_opener);

    return opener ? opener(name, auth_fd, mailbox) : hsx_mailbox_open_auth(name, auth_fd, mailbox);
}

int hsx_mailbox_from_fd(int fd, uint32_t id, const char *name, hsx_mailbox_t **mailbox)
{
    if (!mailbox)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    *mailbox = NULL;
    if (fd < 0 || !valid_name(name))
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);

    struct hsx_mailbox *mb = hsx_mailbox_new(name);
    if (!mb)
        return hsx_fail_with_errno(errno);
    mb->fd = fd;
    mb->id = id;
    *mailbox = mb;
    return HSX_HAL_OK;
}

int hsx_mailbox_from_queue_fd(int fd, uint32_t id, uint32_t record_size, const char *name,
                              hsx_mailbox_t **mailbox)
{
    if (record_size < sizeof(struct hsx_mbox_record) || record_size > HSX_MBOX_RECORD_MAX) {
        if (mailbox)
            *mailbox = NULL;
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    }
    int ret = hsx_mailbox_from_fd(fd, id, name, mailbox);
    if (ret == HSX_HAL_OK && set_records(*mailbox, record_size, 0) < 0) {
        (*mailbox)->fd = -1; /* the caller's still */
        hsx_mailbox_destroy(*mailbox);
        *mailbox = NULL;
        return hsx_fail_with(HSX_HAL_NO_MEMORY, ENOMEM);
    }
    return ret;
}
