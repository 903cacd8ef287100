// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>

#include "errors.h"
#include "hsx_hal_types.h"
#include "mailbox.h"
#include "timer_table.h"

/* With table->lock held. */
static struct hsx_timer_entry *find_locked(struct hsx_timer_table *table, uint16_t id)
{
    for (size_t i = 0; i < table->count; i++) {
        if (table->entries[i].id == id)
            return &table->entries[i];
    }
    return NULL;
}

int hsx_timer_table_add(struct hsx_timer_table *table, uint16_t id, hsx_mailbox_t *mailbox)
{
    int ret = HSX_HAL_OK;

    pthread_mutex_lock(&table->lock);
    if (find_locked(table, id)) {
        ret = hsx_fail_with(HSX_HAL_BUSY, 0);
        goto out;
    }
    if (table->count == table->capacity) {
        size_t capacity = table->capacity ? 2 * table->capacity : 16;
        struct hsx_timer_entry *entries =
            realloc(table->entries, capacity * sizeof(*table->entries));
        if (!entries) {
            ret = hsx_fail_with_errno(ENOMEM);
            goto out;
        }
        table->entries = entries;
        table->capacity = capacity;
    }
    table->entries[table->count++] = (struct hsx_timer_entry){.id = id, .mailbox = mailbox};
out:
    pthread_mutex_unlock(&table->lock);
    return ret;
}

hsx_mailbox_t *hsx_timer_table_get(struct hsx_timer_table *table, uint16_t id)
{
    pthread_mutex_lock(&table->lock);
    struct hsx_timer_entry *entry = find_locked(table, id);
    hsx_mailbox_t *mailbox = entry ? entry->mailbox : NULL;
    /* Under the lock: a concurrent remove cannot close the handle before this reference exists. */
    if (mailbox)
        hsx_mailbox_ref(mailbox);
    pthread_mutex_unlock(&table->lock);
    return mailbox;
}

hsx_mailbox_t *hsx_timer_table_remove(struct hsx_timer_table *table, uint16_t id)
{
    pthread_mutex_lock(&table->lock);
    struct hsx_timer_entry *entry = find_locked(table, id);
    hsx_mailbox_t *mailbox = entry ? entry->mailbox : NULL;
    if (entry)
        *entry = table->entries[--table->count];
    pthread_mutex_unlock(&table->lock);
    return mailbox;
}

size_t hsx_timer_table_count(struct hsx_timer_table *table)
{
    pthread_mutex_lock(&table->lock);
    size_t count = table->count;
    pthread_mutex_unlock(&table->lock);
    return count;
}

void hsx_timer_table_release(struct hsx_timer_table *table)
{
    pthread_mutex_lock(&table->lock);
    if (table->count == 0) {
        free(table->entries);
        table->entries = NULL;
        table->capacity = 0;
    }
    pthread_mutex_unlock(&table->lock);
}
