/* SPDX-License-Identifier: MIT */
/*
 * Mailbox handles, inside the library.
 */
#ifndef HSX_MAILBOX_INTERNAL_H
#define HSX_MAILBOX_INTERNAL_H

#include <libmnl/libmnl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/types.h>

#include "hsx_mailbox.h"
#include "hsx_uapi.h"

/* An event that arrived while hsx_mailbox_open() still waited for the kernel's ack. */
struct early_message {
    struct early_message *next;
    size_t len;
    unsigned char data[];
};

/* What hsx_drops_apply() needs to count every lost event once; see mailbox_recv.c. */
struct hsx_drop_account {
    bool have_seq; /* an event was delivered, and last_seq is its number */
    uint64_t last_seq;
    uint32_t lost;        /* messages received but not delivered since then */
    uint64_t extra_total; /* all this library has added to dropped_total */
};

struct hsx_mailbox {
    /* Held by the application's handle, a thread in recv, the dispatcher, an object lookup. */
    atomic_uint refs;

    /* Fixed once the handle is returned. */
    int fd;               /* the subscription's own socket or queue file */
    uint32_t record_size; /* a queue file's record size; 0 for a socket */
    unsigned char *batch; /* a queue file's: batch_cap bytes, whole records read at once */
    uint32_t batch_cap;   /* ... its size */
    bool queue_file;      /* fd is hsx.ko's queue file (not a test's stand-in) */
    bool ends_reads;      /* ... whose HSX_IOC_MBOX_QUEUE_END ends a read blocked on it */
    bool blocking;        /* ... opened blocking: other reads than a wait's say RWF_NOWAIT */
    /* Its events are rare (a capability's end): see hsx_mailbox_set_rare(). */
    atomic_bool rare;
    int wake_fd;             /* eventfd, written once by close to end a blocked recv */
    struct mnl_socket *sock; /* owner of fd; NULL for hsx_mailbox_from_fd() */
    uint16_t family;         /* genl family ID; 0 accepts any message type */
    uint32_t id;
    char name[HSX_MBOX_NAME_MAX];

    pthread_mutex_t lock; /* guards the fields below, but as said */
    /*
     * The flags also used without the lock, in a word of their own: GCC
     * reads neighbouring plain flags in one wider load, which took in
     * receiving (ThreadSanitizer saw an 8-byte read race with its store).
     */
    struct {
        /* hsx_mailbox_close() has been called; read by a receive without the lock after its wait */
        _Alignas(8) atomic_bool closed;
        /*
         * A thread is in hsx_mailbox_recv(). Set under the lock (relaxed:
         * every other thread reads it under the lock), cleared by that
         * thread without it (release): meanwhile it alone uses the batch
         * and the drop account, after its wait without the lock
         * (mailbox_recv.c).
         */
        atomic_bool receiving;
        /*
         * The dispatcher waits in the queue file's read() without the lock,
         * into the empty batch (hsx_mailbox_solo_begin()): no other thread
         * reads the file or the batch until it ends. Set under the lock,
         * cleared without it (solo_over()); solo_done is broadcast then if
         * solo_waited: a receive waits for it, or is about to look.
         */
        atomic_bool solo_reading;
        atomic_bool solo_waited;
    };
    _Alignas(8) bool gone; /* the kernel destroyed the mailbox (HSX_EVT_CLOSED) */
    bool revoked;          /* ... or ended the subscription: its capability ended */
    bool has_callback;
    /*
     * A solo read has begun on this handle at some time: only then may a
     * receive find one under way, and go through solo_waited to wait for it.
     */
    bool solo_began;
    bool inherited; /* a fork child's copy of its parent's handle: never used, never ended */
    bool ended;     /* closing ended the subscription already (HSX_IOC_MBOX_QUEUE_END) */
    /* The queue file's read timeout (HSX_IOC_MBOX_QUEUE_SET_TIMEOUT), HSX_HAL_TIMEOUT_INF for
     * none; only the receiving thread uses it (see receiving), or the dispatcher beginning its
     * read while no thread receives (hsx_mailbox_solo_begin()), so not under lock. */
    uint32_t read_timeout_ms;
    struct hsx_drop_account drops;
    struct early_message *early_head, **early_tail;
    /*
     * A queue file's records read and not delivered yet, batch[batch_off..
     * batch_len), delivered before the file is read again; batch_full: the
     * read that brought them filled the buffer, so more may be queued. With
     * drops, used without the lock by a receiving or solo-reading thread.
     */
    uint32_t batch_off, batch_len;
    bool batch_full;
    pthread_cond_t solo_done;

    struct hsx_mailbox *live_prev, *live_next; /* every live handle; see mailbox.c */
};

/*
 * Wrap a datagram socket that carries "hsx" netlink messages as a mailbox
 * handle, for tests: fd is taken over (closed by hsx_mailbox_close()), any
 * message type is accepted, and closing sends no HSX_CMD_MBOX_CLOSE. End of
 * file on fd counts as the mailbox being destroyed.
 */
int hsx_mailbox_from_fd(int fd, uint32_t id, const char *name, hsx_mailbox_t **mailbox);

/*
 * The same for a file that returns queue-file records of record_size bytes
 * (struct hsx_mbox_record and a module record), e.g. a non-blocking pipe a
 * test writes records into. End of file after the last record is the end of
 * the subscription, as for a queue file. A read returns as many records as
 * it has room for (a stream socket, a pipe), or one (a SOCK_SEQPACKET pair).
 */
int hsx_mailbox_from_queue_fd(int fd, uint32_t id, uint32_t record_size, const char *name,
                              hsx_mailbox_t **mailbox);

/*
 * A queue file is read HSX_MBOX_BATCH_BYTES at a time (whole records, at
 * least one; no more than the queue holds): one read() takes everything
 * queued, and the records it brought are delivered by the receives after,
 * before the file is read again. At most HSX_NL_BUFSIZE (the ring's buffer).
 */
#define HSX_MBOX_BATCH_BYTES 4096

void hsx_mailbox_ref(hsx_mailbox_t *mb);
void hsx_mailbox_unref(hsx_mailbox_t *mb);
/*
 * A reference unless the last one is gone already (the handle is being
 * destroyed, its entry about to be forgotten under d->lock): false then.
 */
bool hsx_mailbox_tryref(hsx_mailbox_t *mb);

/*
 * For the dispatcher: the next queued event, without blocking. Messages that
 * cannot be decoded are counted as lost (reported in the next event's
 * dropped) since there is no caller to return an error to. Returns
 * HSX_HAL_OK, HSX_HAL_CLOSED with the mailbox's final event, HSX_HAL_TIMEOUT
 * when nothing is queued, or an error code for a broken socket.
 */
int hsx_mailbox_take(hsx_mailbox_t *mb, hsx_mailbox_event_t *event);

/*
 * As hsx_mailbox_take(), but the file is read again only if its last read
 * filled the batch: for the dispatcher after its own blocking read, which it
 * goes back to once this says HSX_HAL_TIMEOUT (see hsx_mailbox_recv_more()).
 */
int hsx_mailbox_take_more(hsx_mailbox_t *mb, hsx_mailbox_event_t *event);

/*
 * The dispatcher's wait in one queue file's read() (dispatcher_loop.c): if
 * mb is hsx.ko's blocking queue file that takes HSX_IOC_MBOX_QUEUE_KICK, has
 * a callback, no receive, nothing undelivered (early messages, batch) and no
 * read timeout left, marks it solo_reading and returns its descriptor, to be
 * read into mb->batch (batch_cap bytes) without the lock; else -1. Every
 * successful begin is followed by one hsx_mailbox_solo_end() with what the
 * read returned (bytes, or -errno; -EINTR for none), which ends it.
 */
int hsx_mailbox_solo_begin(hsx_mailbox_t *mb);

/*
 * Mark mb's events as rare (a capability watch's one event), before its
 * callback is set: the dispatcher may then wait in another mailbox's read()
 * while mb's callback is set too, its file linked to the one it reads
 * (hsx_mailbox_link()).
 */
void hsx_mailbox_set_rare(hsx_mailbox_t *mb);

/*
 * For the dispatcher: whether mb is rare and hsx.ko's queue file, which
 * hsx_mailbox_link() can link.
 */
bool hsx_mailbox_linkable(const hsx_mailbox_t *mb);

/* For the dispatcher: whether mb is hsx.ko's blocking queue file, which it may wait in. */
bool hsx_mailbox_solo_capable(const hsx_mailbox_t *mb);

/*
 * Link mb's queue file to the file target_fd (HSX_IOC_MBOX_QUEUE_LINK): each
 * record queued in mb's then ends a read() blocked on target_fd with EINTR;
 * -1 unlinks. No lock taken (the descriptor is fixed). Returns 0 or -errno.
 */
int hsx_mailbox_link(const hsx_mailbox_t *mb, int target_fd);
/*
 * With event, the end also takes the read's first event (without a lock when
 * it is the kernel's event, the read's thread still its one reader), as
 * hsx_mailbox_take_more() would, and returns that take's result, with in
 * *more whether another take may find more (the batch's rest, a full batch's
 * file); without, HSX_HAL_TIMEOUT. The dispatcher's callback for that event
 * is marked running before, as for a take.
 */
int hsx_mailbox_solo_end(hsx_mailbox_t *mb, ssize_t len, hsx_mailbox_event_t *event, bool *more);

/*
 * For a reader that takes what one wake-up brought (hsx_uart_read()): as
 * hsx_mailbox_recv(mb, event, 0), except that a queue file is read again only
 * when its last read filled the batch (more may be queued); once the records
 * that read brought are delivered, HSX_HAL_TIMEOUT without a system call. As
 * a read() of a tty returns what its buffer holds, not what comes after.
 */
int hsx_mailbox_recv_more(hsx_mailbox_t *mb, hsx_mailbox_event_t *event);

/*
 * hsx_mailbox_recv() for a caller that holds a reference to mb for the whole
 * call (an object table's lookup): the receive takes none of its own.
 */
int hsx_mailbox_recv_held(hsx_mailbox_t *mb, hsx_mailbox_event_t *event, uint32_t timeout_ms);

/*
 * The result of one read, as hsx_mailbox_recv() sees it: len bytes at buf,
 * or len = -errno. Takes mb->lock. Exposed so tests can inject what a real
 * socket cannot be made to return (ENOBUFS). Returns as hsx_mailbox_recv(),
 * or HSX_MAILBOX_READ_AGAIN when the read held nothing to deliver.
 */
#define HSX_MAILBOX_READ_AGAIN 1
int hsx_mailbox_consume(hsx_mailbox_t *mb, const void *buf, ssize_t len,
                        hsx_mailbox_event_t *event);

/*
 * hsx_mailbox_set_callback() and hsx_mailbox_close() for owners that keep
 * state in user_data: *old_user_data receives the user data of the callback
 * that was replaced or removed, which is no longer in use when they return
 * (unless called from inside that callback). Setting the first callback of a
 * handle waits for nothing: an owner may do it with a lock held that the
 * callback takes (replacing or removing one must not: it waits for it).
 */
int hsx_mailbox_set_callback_ex(hsx_mailbox_t *mb, hsx_mailbox_callback_t callback, void *user_data,
                                void **old_user_data);
int hsx_mailbox_close_ex(hsx_mailbox_t *mb, void **old_user_data);

/*
 * hsx_mailbox_close_ex() in two steps, for an owner that decides under a lock
 * of its own whether to close. hsx_mailbox_close_begin() closes the handle for
 * every thread (no callback runs again, a blocked receive returns
 * HSX_HAL_CLOSED) without waiting for anything; with keep_if_callback it does
 * nothing and returns HSX_HAL_BUSY if a callback is set, atomically with
 * hsx_mailbox_set_callback_ex(). It returns HSX_HAL_CLOSED for a handle
 * already closed, and records no errno. After HSX_HAL_OK, the caller must call
 * hsx_mailbox_close_end() with no lock held: it waits until the callback is
 * not running, unsubscribes and drops the application's reference.
 */
int hsx_mailbox_close_begin(hsx_mailbox_t *mb, bool keep_if_callback, void **old_user_data);
void hsx_mailbox_close_end(hsx_mailbox_t *mb);

/* The kernel destroyed the mailbox (its final event was received). */
bool hsx_mailbox_is_gone(hsx_mailbox_t *mb);

/* ... because the capability it was opened under ended (HSX_MAILBOX_CLOSE_REVOKED). */
bool hsx_mailbox_is_revoked(hsx_mailbox_t *mb);

/* A callback is set on the handle. */
bool hsx_mailbox_has_callback(hsx_mailbox_t *mb);

/*
 * A library-made event (hsx_dispatch_post()), never the kernel's, never
 * returned by a receive: a callback moved from a subscription the kernel
 * ended with HSX_MAILBOX_CLOSE_GONE to a new one of the same object (see
 * core/feed.h). Its other fields are zero but for mailbox_id.
 */
#define HSX_MAILBOX_EVENT_RESUBSCRIBED ((hsx_mailbox_event_type_t)0x100)

/*
 * hsx_mailbox_open() with HSX_A_MBOX_AUTH_FD: auth_fd is a /dev/hsx file of
 * this process whose capability authorizes listening ("hal:gpio:<pin>" needs
 * HSX_CAP_R_GPIO_IRQ on the pin; "hal:cap:<id>" the capability's holder), or
 * -1 to send none (a privileged process needs none).
 */
int hsx_mailbox_open_auth(const char *name, int auth_fd, hsx_mailbox_t **mailbox);

/*
 * How the library subscribes to the mailbox of one of its objects
 * ("hal:timer:3", "hal:gpio:5", "hal:cap:7"): hsx_mailbox_open_auth(), unless
 * a test set an opener (e.g. one that hands out hsx_mailbox_from_fd()
 * handles); NULL restores hsx_mailbox_open_auth().
 */
typedef int (*hsx_mailbox_opener_t)(const char *name, int auth_fd, hsx_mailbox_t **mailbox);
void hsx_mailbox_set_opener(hsx_mailbox_opener_t opener);
int hsx_mailbox_open_object(const char *name, int auth_fd, hsx_mailbox_t **mailbox);

/*
 * fork(): see fork.c. Prepare takes the list of live handles' lock, then
 * every handle's lock; the child marks every handle inherited: the parent's,
 * so it reads nothing from it, takes no callback on it, and closing it
 * closes the child's copy of its file without ending the subscription
 * (HSX_IOC_MBOX_QUEUE_END or HSX_CMD_MBOX_CLOSE would end it for the parent).
 */
void hsx_mailbox_fork_prepare(void);
void hsx_mailbox_fork_parent(void);
void hsx_mailbox_fork_child(void);

/* Drop accounting, see mailbox_recv.c. */
void hsx_drops_note_lost(struct hsx_drop_account *drops);
void hsx_drops_apply(struct hsx_drop_account *drops, hsx_mailbox_event_t *event);

#endif /* HSX_MAILBOX_INTERNAL_H */
