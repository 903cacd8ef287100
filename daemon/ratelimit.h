/* SPDX-License-Identifier: MIT */
/*
 * Keeping denials from flooding the log. A hostile or broken client can ask
 * thousands of times a second; each distinct denial (same identity, same
 * request, same reason) is logged once per window and then counted, and the
 * count is logged when the window ends. On top, at most RATELIMIT_BURST
 * lines per window in all, so that varying the request does not help.
 * Memory is fixed; time is an argument (CLOCK_BOOTTIME ns), for the tests.
 */
#ifndef HSXD_RATELIMIT_H
#define HSXD_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define RATELIMIT_WINDOW_NS (10ull * 1000000000ull)
#define RATELIMIT_SLOTS 64
#define RATELIMIT_BURST 20
#define RATELIMIT_TEXT_MAX 512

struct ratelimit_slot {
    bool used;
    uint64_t key;
    uint64_t since_ns;   /* when this denial was last logged */
    uint32_t suppressed; /* repeats since then, not logged */
    char text[RATELIMIT_TEXT_MAX];
};

struct ratelimit {
    struct ratelimit_slot slot[RATELIMIT_SLOTS];
    uint64_t window_ns; /* start of the current window of the total budget */
    uint32_t logged;    /* lines logged in it */
    uint32_t dropped;   /* denials not logged in it for want of budget */
};

/* Called with a summary: text is the last denial of a kind, count how often it was not logged. */
typedef void (*ratelimit_emit_fn)(void *ctx, const char *text, uint32_t count);

/*
 * A denial: key identifies its kind (identity without pid, request, reason),
 * text is what the log would say. Summaries that are due are emitted first.
 * Returns true if text should be logged now.
 */
bool ratelimit_admit(struct ratelimit *rl, const char *key, const char *text, uint64_t now_ns,
                     ratelimit_emit_fn emit, void *ctx);

/* Emit the summaries whose window has ended by now_ns. */
void ratelimit_flush(struct ratelimit *rl, uint64_t now_ns, ratelimit_emit_fn emit, void *ctx);

/* When ratelimit_flush has something to emit next; 0 if nothing is pending. */
uint64_t ratelimit_next(const struct ratelimit *rl);

#endif /* HSXD_RATELIMIT_H */
