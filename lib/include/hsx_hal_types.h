/* SPDX-License-Identifier: MIT */
/*
 * Common types of the HSX user-space HAL, as in the specification, plus the
 * documented additions below the spec's block. Every function of the library
 * returns one of these codes (or a non-negative value where documented);
 * hsx_hal_strerror() turns a code into a sentence and hsx_hal_errno() gives
 * the system errno behind the calling thread's last failure.
 */
#ifndef HSX_HAL_TYPES_H
#define HSX_HAL_TYPES_H

#include <stdint.h>
#include <stdbool.h>

/* Common return codes */
#define HSX_HAL_OK             0
#define HSX_HAL_ERROR         -1
#define HSX_HAL_TIMEOUT       -2
#define HSX_HAL_BUSY          -3
#define HSX_HAL_INVALID_PARAM -4
#define HSX_HAL_NO_MEMORY     -5
#define HSX_HAL_UNSUPPORTED   -6

/* Common flags */
#define HSX_HAL_NONBLOCK      0x01
#define HSX_HAL_TIMEOUT_INF   0xFFFFFFFF

/* Event callback type */
typedef void (*hsx_hal_event_callback_t)(void* event_data, uint32_t length, void* user_data);

/* ---- Additions (not in the spec) ---------------------------------------- */

/* The operation is not permitted to this process (no capability, not the owner). */
#define HSX_HAL_DENIED        -7
/* hsx.ko is not loaded, or the device node or mailbox does not exist. */
#define HSX_HAL_NO_DEVICE     -8
/* A per-process or system-wide resource limit was reached. */
#define HSX_HAL_LIMIT         -9
/* The object was closed or cancelled while the caller waited on it. */
#define HSX_HAL_CLOSED        -10
/* Nothing valid is stored there (a FRAM record never written, or corrupt). */
#define HSX_HAL_NO_DATA       -11
/* The caller's buffer is smaller than the data (a FRAM record's payload). */
#define HSX_HAL_TOO_SMALL     -12
/* The device cannot be written (a read-only FRAM or EEPROM part). */
#define HSX_HAL_READ_ONLY     -13

/**
 * Describe a HSX_HAL_* code.
 *
 * @param code A value returned by any hsx_* function
 * @return A constant, human-readable sentence; never NULL
 */
const char *hsx_hal_strerror(int code);

/**
 * The errno behind the calling thread's most recent failure.
 *
 * @return A positive errno value, or 0 if the last failure had none
 */
int hsx_hal_errno(void);

#endif /* HSX_HAL_TYPES_H */
