// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>

#include "core/errors.h"
#include "core/mailbox.h"
#include "core/object_table.h"
#include "hsx_hal_types.h"

/* With table->lock held. */
static struct hsx_object_entry *find_locked(struct hsx_object_table *table, uint32_t id)
{
    for (size_t i = 0; i < table->count; i++) {
        if (table->entries[i].id == id)
            return &table->entries[i];
    }
    return NULL;
}

int hsx_object_table_add(struct hsx_object_table *table, uint32_t id, hsx_mailbox_t *mailbox)
{
    int ret = HSX_HAL_OK;

    pthread_mutex_lock(&table->lock);
    if (find_locked(table, id)) {
        ret = hsx_fail_with(HSX_HAL_BUSY, 0);
        goto out;
    }
    if (table->count == table->capacity) {
        size_t capacity = table->capacity ? 2 * table->capacity : 16;
        struct hsx_object_entry *entries =
            realloc(table->entries, capacity * sizeof(*table->entries));
        if (!entries) {
            ret = hsx_fail_with_errno(ENOMEM);
            goto out;
        }
        table->entries = entries;
        table->capacity = capacity;
    }
    table->entries[table->count++] = (struct hsx_object_entry){.id = id, .mailbox = mailbox};
out:
    pthread_mutex_unlock(&table->lock);
    return ret;
}

hsx_mailbox_t *hsx_object_table_get(struct hsx_object_table *table, uint32_t id)
{
    pthread_mutex_lock(&table->lock);
    struct hsx_object_entry *entry = find_locked(table, id);
    hsx_mailbox_t *mailbox = entry ? entry->mailbox : NULL;
    /* Under the lock: a concurrent remove cannot close the handle before this reference exists. */
    if (mailbox)
        hsx_mailbox_ref(mailbox);
    pthread_mutex_unlock(&table->lock);
    return mailbox;
}

hsx_mailbox_t *hsx_object_table_remove(struct hsx_object_table *table, uint32_t id)
{
    pthread_mutex_lock(&table->lock);
    struct hsx_object_entry *entry = find_locked(table, id);
    hsx_mailbox_t *mailbox = entry ? entry->mailbox : NULL;
    if (entry)
        *entry = table->entries[--table->count];
    pthread_mutex_unlock(&table->lock);
    return mailbox;
}

hsx_mailbox_t *hsx_object_table_pop(struct hsx_object_table *table)
{
    pthread_mutex_lock(&table->lock);
    hsx_mailbox_t *mailbox = table->count ? table->entries[--table->count].mailbox : NULL;
    pthread_mutex_unlock(&table->lock);
    return mailbox;
}

void hsx_object_table_lock(struct hsx_object_table *table)
{
    pthread_mutex_lock(&table->lock);
}

void hsx_object_table_unlock(struct hsx_object_table *table)
{
    pthread_mutex_unlock(&table->lock);
}

void hsx_object_table_forget(struct hsx_object_table *table)
{
    hsx_mailbox_t *mailbox;

    while ((mailbox = hsx_object_table_pop(table))) {
        void *registration = NULL;
        hsx_mailbox_close_ex(mailbox, &registration);
        free(registration);
    }
    hsx_object_table_release(table);
}

size_t hsx_object_table_count(struct hsx_object_table *table)
{
    pthread_mutex_lock(&table->lock);
    size_t count = table->count;
    pthread_mutex_unlock(&table->lock);
    return count;
}

int hsx_object_table_recv(struct hsx_object_table *table, uint32_t id, hsx_mailbox_module_t module,
                          hsx_mailbox_event_t *event, uint32_t timeout_ms)
{
    hsx_mailbox_t *mailbox = hsx_object_table_get(table, id);

    if (!mailbox)
        return hsx_fail_with(HSX_HAL_INVALID_PARAM, 0);
    int ret = hsx_mailbox_recv_held(mailbox, event, timeout_ms);
    if (ret == HSX_HAL_OK && event->module != module)
        ret = hsx_fail_with(HSX_HAL_ERROR, EPROTO);
    hsx_mailbox_unref(mailbox);
    return ret;
}

void hsx_object_table_release(struct hsx_object_table *table)
{
    pthread_mutex_lock(&table->lock);
    if (table->count == 0) {
        free(table->entries);
        table->entries = NULL;
        table->capacity = 0;
    }
    pthread_mutex_unlock(&table->lock);
}
