/* SPDX-License-Identifier: MIT */
/*
 * What a UART callback received, as one string: the bytes as they came, and
 * the library's notices of its subscription as "<U>" (the port was
 * unbound), "<R>" (subscribed to the new binding) and "<E>" (ended for
 * good), in order. A test compares it with what it expects.
 */
#ifndef HSX_E2E_RX_TRACE_H
#define HSX_E2E_RX_TRACE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"
#include "hsx_uart.h"

struct rx_trace {
    pthread_mutex_t lock;
    char text[512];
    size_t len;
    unsigned int bad; /* events with unexpected flags or length */
};

#define RX_TRACE_INIT                                                                              \
    {                                                                                              \
        .lock = PTHREAD_MUTEX_INITIALIZER                                                          \
    }

static inline void rx_trace_add(struct rx_trace *t, const char *what, size_t len)
{
    if (t->len + len < sizeof(t->text)) {
        memcpy(t->text + t->len, what, len);
        t->len += len;
        t->text[t->len] = '\0';
    }
}

/* The callback, with a struct rx_trace as its user data. */
static inline void rx_trace_callback(void *event_data, uint32_t length, void *user_data)
{
    const hsx_uart_rx_event_t *ev = event_data;
    struct rx_trace *t = user_data;
    const uint8_t notices = HSX_UART_RX_UNBOUND | HSX_UART_RX_REBOUND | HSX_UART_RX_ENDED;

    pthread_mutex_lock(&t->lock);
    if (length != sizeof(*ev) || ev->length > sizeof(ev->data) ||
        ((ev->flags & notices) && ev->length))
        t->bad++;
    else if (ev->flags & HSX_UART_RX_UNBOUND)
        rx_trace_add(t, "<U>", 3);
    else if (ev->flags & HSX_UART_RX_REBOUND)
        rx_trace_add(t, "<R>", 3);
    else if (ev->flags & HSX_UART_RX_ENDED)
        rx_trace_add(t, "<E>", 3);
    else
        rx_trace_add(t, (const char *)ev->data, ev->length);
    pthread_mutex_unlock(&t->lock);
}

/* Wait up to ms for the trace to end with suffix; returns whether it does. */
static inline bool rx_trace_wait(struct rx_trace *t, const char *suffix, unsigned int ms)
{
    size_t n = strlen(suffix);

    for (uint64_t start = e2e_now_ms();; usleep(10 * 1000)) {
        pthread_mutex_lock(&t->lock);
        bool found = t->len >= n && memcmp(t->text + t->len - n, suffix, n) == 0;
        pthread_mutex_unlock(&t->lock);
        if (found || e2e_now_ms() - start > ms)
            return found;
    }
}

/* A copy of the trace so far. */
static inline void rx_trace_get(struct rx_trace *t, char *out, size_t size)
{
    pthread_mutex_lock(&t->lock);
    snprintf(out, size, "%s", t->text);
    pthread_mutex_unlock(&t->lock);
}

#endif /* HSX_E2E_RX_TRACE_H */
