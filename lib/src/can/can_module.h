/* SPDX-License-Identifier: MIT */
/*
 * What the CAN descriptor (can_module.c) offers besides itself: the rules of
 * a frame, shared by the library's checks before a transmit and the decoders
 * of received events, and the words of frames and states, shared by the
 * descriptor's formatter and hsxctl's can commands (which compile the
 * descriptors in: see LIB_MODULE_SRCS in the Makefile).
 */
#ifndef HSX_CAN_MODULE_H
#define HSX_CAN_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hsx_mailbox.h"

/*
 * Is this a frame: flags within allowed (HSX_CAN_F_*: HSX_CAN_F_TX to send,
 * all of them received), an ID of its format (11 bits, or 29 with
 * HSX_CAN_F_EXT), no RTR on an FD frame, BRS and ESI only on one, and a
 * length of its kind (0..8; FD 0..8, 12, 16, 20, 24, 32, 48, 64)?
 */
bool hsx_can_frame_valid(uint32_t id, uint32_t flags, uint32_t len, uint32_t allowed);

/*
 * A frame as candump prints it after the interface: "123   [4]  DE AD BE EF",
 * "12345678   [0]  remote request", an FD frame "123  [12]  00 11 ...".
 * Returns buf (room for HSX_CAN_FRAME_TEXT_MAX bytes is enough).
 */
#define HSX_CAN_FRAME_TEXT_MAX (24 + 3 * 64)
char *hsx_can_format_frame(char *buf, size_t size, uint32_t id, uint32_t flags, uint32_t len,
                           const uint8_t *data);

/*
 * "error-active", "error-warning", "error-passive", "bus-off", "stopped",
 * "sleeping", "none" (as /sys/hal/can/<n>/state says them); "?" otherwise.
 */
const char *hsx_can_state_name(uint32_t state);

/* The flags of a received frame as words: "ext,fd,brs,local"; "" for none. Returns buf. */
char *hsx_can_format_flags(char *buf, size_t size, uint32_t flags);

/* "frame", "tx-done", "error"; "?" otherwise. */
const char *hsx_can_kind_name(uint32_t kind);

#endif /* HSX_CAN_MODULE_H */
