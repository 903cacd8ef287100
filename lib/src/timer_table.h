/* SPDX-License-Identifier: MIT */
/*
 * The timers this process created: timer ID -> the mailbox of its expiries.
 */
#ifndef HSX_TIMER_TABLE_H
#define HSX_TIMER_TABLE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "hsx_mailbox.h"

struct hsx_timer_entry {
    uint16_t id;
    hsx_mailbox_t *mailbox; /* the table's reference: the handle, closed on removal */
};

/*
 * A small array searched linearly: hsx.ko allows 64 timers per open file by
 * default (HSX_TIMER_DEFAULT_PER_OPEN), and the library has one open file.
 * Initialise with {.lock = PTHREAD_MUTEX_INITIALIZER}.
 */
struct hsx_timer_table {
    pthread_mutex_t lock;
    struct hsx_timer_entry *entries;
    size_t count, capacity;
};

/* Add a timer and its mailbox. Returns HSX_HAL_OK, HSX_HAL_BUSY (ID present), HSX_HAL_NO_MEMORY. */
int hsx_timer_table_add(struct hsx_timer_table *table, uint16_t id, hsx_mailbox_t *mailbox);

/* The mailbox of a timer with a new reference (drop it with hsx_mailbox_unref()), or NULL. */
hsx_mailbox_t *hsx_timer_table_get(struct hsx_timer_table *table, uint16_t id);

/* Remove a timer; returns its mailbox with the table's reference, or NULL if absent. */
hsx_mailbox_t *hsx_timer_table_remove(struct hsx_timer_table *table, uint16_t id);

size_t hsx_timer_table_count(struct hsx_timer_table *table);

/* Free the array of an empty table. */
void hsx_timer_table_release(struct hsx_timer_table *table);

#endif /* HSX_TIMER_TABLE_H */
