/* SPDX-License-Identifier: MIT */
/*
 * Turning errno values into HSX_HAL_* codes, and remembering the errno behind
 * each thread's last failure for hsx_hal_errno().
 */
#ifndef HSX_ERRORS_H
#define HSX_ERRORS_H

#include <stdbool.h>

/* The errno -> HSX_HAL_* table of errors.c; a non-positive err maps like -err. */
int hsx_errno_to_code(int err);

/* Record err as the calling thread's last errno and return its HSX_HAL_* code. */
int hsx_fail_with_errno(int err);

/* Record err (0 for a failure the library found itself) and return code. */
int hsx_fail_with(int code, int err);

/* HSX_HAL_QUIET=1 (not "0"): the library writes nothing to stderr (its denial lines). */
bool hsx_hal_quiet(void);

#endif /* HSX_ERRORS_H */
