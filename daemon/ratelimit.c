// SPDX-License-Identifier: MIT
#include <stdio.h>
#include <string.h>

#include "ratelimit.h"

/* FNV-1a: a key only needs to tell kinds of denials apart, not resist an adversary. */
static uint64_t hash(const char *text)
{
    uint64_t h = 0xcbf29ce484222325ull;

    for (const unsigned char *s = (const unsigned char *)text; *s; s++)
        h = (h ^ *s) * 0x100000001b3ull;
    return h;
}

static void emit_slot(struct ratelimit_slot *s, ratelimit_emit_fn emit, void *ctx)
{
    if (s->suppressed)
        emit(ctx, s->text, s->suppressed);
    s->suppressed = 0;
}

void ratelimit_flush(struct ratelimit *rl, uint64_t now_ns, ratelimit_emit_fn emit, void *ctx)
{
    for (size_t i = 0; i < RATELIMIT_SLOTS; i++) {
        struct ratelimit_slot *s = &rl->slot[i];
        if (!s->used || now_ns < s->since_ns + RATELIMIT_WINDOW_NS)
            continue;
        emit_slot(s, emit, ctx);
        s->used = false;
    }
    if (now_ns >= rl->window_ns + RATELIMIT_WINDOW_NS) {
        if (rl->dropped)
            emit(ctx, "other denials, over the limit of lines per 10 s", rl->dropped);
        rl->window_ns = now_ns;
        rl->logged = 0;
        rl->dropped = 0;
    }
}

uint64_t ratelimit_next(const struct ratelimit *rl)
{
    uint64_t next = rl->dropped ? rl->window_ns + RATELIMIT_WINDOW_NS : 0;

    for (size_t i = 0; i < RATELIMIT_SLOTS; i++) {
        const struct ratelimit_slot *s = &rl->slot[i];
        uint64_t due = s->since_ns + RATELIMIT_WINDOW_NS;
        if (s->used && s->suppressed && (next == 0 || due < next))
            next = due;
    }
    return next;
}

bool ratelimit_admit(struct ratelimit *rl, const char *key, const char *text, uint64_t now_ns,
                     ratelimit_emit_fn emit, void *ctx)
{
    uint64_t h = hash(key);
    struct ratelimit_slot *free_slot = NULL, *oldest = NULL;

    ratelimit_flush(rl, now_ns, emit, ctx);
    for (size_t i = 0; i < RATELIMIT_SLOTS; i++) {
        struct ratelimit_slot *s = &rl->slot[i];
        if (!s->used) {
            free_slot = free_slot ? free_slot : s;
            continue;
        }
        if (s->key == h) {
            /* Seen within the window (flush ended the others): count it. */
            s->suppressed++;
            snprintf(s->text, sizeof(s->text), "%s", text);
            return false;
        }
        if (!oldest || s->since_ns < oldest->since_ns)
            oldest = s;
    }
    if (rl->logged >= RATELIMIT_BURST) {
        rl->dropped++;
        return false;
    }
    struct ratelimit_slot *s = free_slot ? free_slot : oldest;
    emit_slot(s, emit, ctx);
    *s = (struct ratelimit_slot){.used = true, .key = h, .since_ns = now_ns};
    snprintf(s->text, sizeof(s->text), "%s", text);
    rl->logged++;
    return true;
}
