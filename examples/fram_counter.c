/* SPDX-License-Identifier: MIT */
/*
 * FRAM counter: a boot counter kept in a power-fail-safe FRAM record. Each
 * run reads record 0, adds one and writes it back; the record survives a
 * reload of hsx.ko (and a power cut in the middle of its write: the reader
 * gets the old count or the new one, never a mix). This is what `make demo`
 * runs on the simulated board, before and after reloading the module.
 *
 *   cc fram_counter.c $(pkg-config --cflags --libs hsx_hal) -o fram_counter
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <hsx_fram.h>

#define RECORD_BASE 0 /* the records' region: the first bytes of device 0 */
#define SLOT_SIZE 64  /* header (24 bytes) and payload */
#define SLOTS 2       /* the current version and the one being written */
#define COUNTER_ID 0

struct counter {
    uint64_t runs;
};

static int fail(const char *what, int code)
{
    fprintf(stderr, "fram_counter: %s: %s\n", what, hsx_hal_strerror(code));
    return EXIT_FAILURE;
}

int main(void)
{
    struct counter c = {0};
    hsx_fram_record_info_t info;
    int ret;

    printf("FRAM size: %d bytes for applications\n", hsx_fram_get_size());
    ret = hsx_fram_record_setup(0, RECORD_BASE, SLOT_SIZE, SLOTS);
    if (ret != HSX_HAL_OK)
        return fail("record layout", ret);
    ret = hsx_fram_record_read_ex(COUNTER_ID, &c, sizeof(c), &info);
    if (ret == HSX_HAL_NO_DATA)
        printf("no counter yet: first run\n");
    else if (ret != (int)sizeof(c))
        return fail("reading the counter", ret);
    else
        printf("counter record version %" PRIu64 " says %" PRIu64 " runs before this one\n",
               info.seq, c.runs);
    c.runs++;
    ret = hsx_fram_record_write(COUNTER_ID, &c, sizeof(c));
    if (ret != (int)sizeof(c))
        return fail("writing the counter", ret);
    printf("Run count: %" PRIu64 "\n", c.runs);
    printf("wear of the counter's block: %d writes\n", hsx_fram_get_wear(RECORD_BASE));
    return EXIT_SUCCESS;
}
