/* SPDX-License-Identifier: MIT */
/*
 * The objects this process owns that have a mailbox of their own: timer ID
 * or GPIO pin -> the mailbox subscribed to the object's events.
 */
#ifndef HSX_OBJECT_TABLE_H
#define HSX_OBJECT_TABLE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "hsx_mailbox.h"

struct hsx_object_entry {
    uint32_t id;
    hsx_mailbox_t *mailbox; /* the table's reference: the handle, closed on removal */
};

/*
 * A small array searched linearly: hsx.ko allows 64 timers per open file by
 * default (HSX_TIMER_DEFAULT_PER_OPEN) and has 64 GPIO pins, and the library
 * has one open file per node. Initialise with {.lock = PTHREAD_MUTEX_INITIALIZER}.
 * The lock is held only inside these functions, never while taking another.
 */
struct hsx_object_table {
    pthread_mutex_t lock;
    struct hsx_object_entry *entries;
    size_t count, capacity;
};

/* Add an object and its mailbox. Returns HSX_HAL_OK, HSX_HAL_BUSY (ID present), HSX_HAL_NO_MEMORY.
 */
int hsx_object_table_add(struct hsx_object_table *table, uint32_t id, hsx_mailbox_t *mailbox);

/* The mailbox of an object with a new reference (drop it with hsx_mailbox_unref()), or NULL. */
hsx_mailbox_t *hsx_object_table_get(struct hsx_object_table *table, uint32_t id);

/* Remove an object; returns its mailbox with the table's reference, or NULL if absent. */
hsx_mailbox_t *hsx_object_table_remove(struct hsx_object_table *table, uint32_t id);

size_t hsx_object_table_count(struct hsx_object_table *table);

/*
 * hsx_mailbox_recv() on an object's mailbox: HSX_HAL_INVALID_PARAM (errno 0)
 * if the object has none; an event of another module than module is
 * HSX_HAL_ERROR with errno EPROTO.
 */
int hsx_object_table_recv(struct hsx_object_table *table, uint32_t id, hsx_mailbox_module_t module,
                          hsx_mailbox_event_t *event, uint32_t timeout_ms);

/* Remove any one object; returns its mailbox with the table's reference, or NULL if empty. */
hsx_mailbox_t *hsx_object_table_pop(struct hsx_object_table *table);

/* fork(): the table's lock, a leaf: taken last. See fork.c. */
void hsx_object_table_lock(struct hsx_object_table *table);
void hsx_object_table_unlock(struct hsx_object_table *table);

/*
 * In a fork child, with no lock held: close every handle of the table (the
 * parent's, inherited: nothing is ended) and free what its callback
 * registration holds (its user data, from hsx_mailbox_close_ex()).
 */
void hsx_object_table_forget(struct hsx_object_table *table);

/* Free the array of an empty table. */
void hsx_object_table_release(struct hsx_object_table *table);

#endif /* HSX_OBJECT_TABLE_H */
