// SPDX-License-Identifier: MIT
/*
 * One table turns the errno of a failed system call, or the errno the kernel
 * put in a netlink error, into the HSX_HAL_* code the caller sees. Every
 * failure path of the library goes through it, so a code means the same thing
 * whichever function returned it:
 *
 *   errno                                        HSX_HAL_*
 *   EINVAL ERANGE EBADF EFAULT ENOENT            INVALID_PARAM   (ENOENT: no such timer ID)
 *   ETIMEDOUT ETIME                              TIMEOUT
 *   EBUSY EAGAIN EALREADY EDEADLK                BUSY            (EDEADLK: hsxd not asked from
 *                                                                 a callback)
 *   ENOMEM ENOBUFS                               NO_MEMORY
 *   ENOTTY EOPNOTSUPP ENOSYS EPROTONOSUPPORT     UNSUPPORTED     (ENOTTY: old hsx.ko)
 *   EPERM EACCES EKEYEXPIRED EKEYREVOKED         DENIED          (capabilities: see below)
 *   ENODEV ENXIO                                 NO_DEVICE       (ENXIO: GPIO pin not mapped)
 *   EMFILE ENFILE ENOSPC EDQUOT                  LIMIT
 *   anything else                                ERROR
 *
 * Capabilities (hsx_cap.h): the kernel denies an unprivileged file with no
 * capability EACCES, a file used by another process than its opener EPERM,
 * and a capability that expired or was revoked EKEYEXPIRED or EKEYREVOKED; all
 * are DENIED, and hsx_hal_errno() tells them apart. No other part of hsx.ko,
 * of the netlink family or of the hsxd protocol uses the two EKEY* values, so
 * the mapping takes no other meaning away. EPERM also stays what it was
 * before capabilities (writing an input pin, cancelling another file's
 * timer, listening without the right): the library only ever retries an
 * operation after obtaining a capability for EACCES, EKEYEXPIRED and
 * EKEYREVOKED (cap.c), never for EPERM.
 *
 * Two call sites give ENOENT its other meaning and say so where they do:
 * opening a device node that does not exist, and subscribing to a mailbox that
 * does not exist (or with hsx.ko not loaded), are both HSX_HAL_NO_DEVICE.
 *
 * The errno itself is kept per thread, so hsx_hal_errno() can tell EMFILE from
 * ENOSPC, or ENOENT from EACCES, after the code has said which class it was.
 */
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "core/errors.h"
#include "core/export.h"
#include "hsx_hal_types.h"

struct errno_class {
    int err;
    int code;
};

static const struct errno_class errno_table[] = {
    /* The caller asked for something wrong, or for an ID that does not exist. */
    {EINVAL, HSX_HAL_INVALID_PARAM},
    {ERANGE, HSX_HAL_INVALID_PARAM},
    {EBADF, HSX_HAL_INVALID_PARAM},
    {EFAULT, HSX_HAL_INVALID_PARAM},
    {ENOENT, HSX_HAL_INVALID_PARAM},
    /* A wait ended first. */
    {ETIMEDOUT, HSX_HAL_TIMEOUT},
    {ETIME, HSX_HAL_TIMEOUT},
    /* In use, already in that state, or not now. */
    {EBUSY, HSX_HAL_BUSY},
    {EAGAIN, HSX_HAL_BUSY},
    {EALREADY, HSX_HAL_BUSY},
    {EDEADLK, HSX_HAL_BUSY},
    /* Memory or socket buffers. */
    {ENOMEM, HSX_HAL_NO_MEMORY},
    {ENOBUFS, HSX_HAL_NO_MEMORY},
    /* Not in this hsx.ko or this kernel (ENOTTY: an unknown ioctl). */
    {ENOTTY, HSX_HAL_UNSUPPORTED},
    {EOPNOTSUPP, HSX_HAL_UNSUPPORTED},
    {ENOSYS, HSX_HAL_UNSUPPORTED},
    {EPROTONOSUPPORT, HSX_HAL_UNSUPPORTED},
    /* Not this process's to do. */
    {EPERM, HSX_HAL_DENIED},
    {EACCES, HSX_HAL_DENIED},
    {EKEYEXPIRED, HSX_HAL_DENIED},
    {EKEYREVOKED, HSX_HAL_DENIED},
    /* The device is not there. */
    {ENODEV, HSX_HAL_NO_DEVICE},
    {ENXIO, HSX_HAL_NO_DEVICE},
    /* A per-process or system-wide limit. */
    {EMFILE, HSX_HAL_LIMIT},
    {ENFILE, HSX_HAL_LIMIT},
    {ENOSPC, HSX_HAL_LIMIT},
    {EDQUOT, HSX_HAL_LIMIT},
};

static _Thread_local int last_errno;

/* Call sites pass errno or -errno, whichever they hold. */
static int positive_errno(int err)
{
    return err < 0 && err != INT_MIN ? -err : err;
}

int hsx_errno_to_code(int err)
{
    err = positive_errno(err);
    for (size_t i = 0; i < sizeof(errno_table) / sizeof(errno_table[0]); i++) {
        if (errno_table[i].err == err)
            return errno_table[i].code;
    }
    return HSX_HAL_ERROR;
}

int hsx_fail_with_errno(int err)
{
    last_errno = positive_errno(err);
    return hsx_errno_to_code(err);
}

int hsx_fail_with(int code, int err)
{
    last_errno = positive_errno(err);
    return code;
}

HSX_API int hsx_hal_errno(void)
{
    return last_errno;
}

/* Indexed by -code. */
static const char *const code_messages[] = {
    [-HSX_HAL_OK] = "Success",
    [-HSX_HAL_ERROR] = "Operation failed",
    [-HSX_HAL_TIMEOUT] = "Timed out",
    [-HSX_HAL_BUSY] = "Busy: in use, already in that state, or try again",
    [-HSX_HAL_INVALID_PARAM] = "Invalid parameter",
    [-HSX_HAL_NO_MEMORY] = "Out of memory or buffer space",
    [-HSX_HAL_UNSUPPORTED] = "Not supported by this hsx.ko or kernel",
    [-HSX_HAL_DENIED] = "Permission denied: no capability for it, or not this process's to do",
    [-HSX_HAL_NO_DEVICE] = "No such device: hsx.ko is not loaded, or the node or mailbox does "
                           "not exist",
    [-HSX_HAL_LIMIT] = "Resource limit reached",
    [-HSX_HAL_CLOSED] = "Closed or cancelled",
    [-HSX_HAL_NO_DATA] = "No data: nothing valid is stored there (a record never written, or "
                         "corrupt)",
    [-HSX_HAL_TOO_SMALL] = "Buffer too small for the data",
    [-HSX_HAL_READ_ONLY] = "The device is read-only",
};

HSX_API const char *hsx_hal_strerror(int code)
{
    const int count = (int)(sizeof(code_messages) / sizeof(code_messages[0]));

    if (code <= 0 && code > -count)
        return code_messages[-code];
    return "Unknown HSX HAL error code";
}

bool hsx_hal_quiet(void)
{
    const char *value = getenv("HSX_HAL_QUIET");

    return value && value[0] && strcmp(value, "0") != 0;
}
