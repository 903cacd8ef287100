/* SPDX-License-Identifier: MIT */
/*
 * Wear counts across a real reload of hsx.ko (issue 15, item 8): known write
 * patterns on the test board's 32 KiB simulated part (hsx-fram-sim0, device
 * 0), every block's count checked against the pattern, then hsx.ko unloaded
 * (delete_module) and loaded again from the file the VM harness loaded, with
 * the parameters it loaded it with (its /etc/hsx/config), the device bound
 * again and every block's count compared with the one before; and a write
 * after adds exactly one to its block's count and nothing to any other.
 * While hsx.ko is out, the counts are read from the part through the nvmem
 * core's own file, as a tool without hsx would, and must be the same.
 *
 * A failed unload or load fails the test (it is never skipped), and the
 * module is loaded again before anything is asserted about what was read
 * while it was out: the suites after this one find it as the harness left
 * it, its parameters the same.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "e2e.h"
#include "hsx_uapi.h"

#define SIM0 "hsx-fram-sim0"
#define NVMEM_FILE "/sys/bus/nvmem/devices/" SIM0 "/nvmem"
#define HARNESS_CONFIG "/etc/hsx/config"
#define MAX_BLOCKS (32768 / HSX_FRAM_BLOCK_SIZE)
#define WEAR_SLOTS 4 /* the wear counts' record: 4 slots in the reserved area */
#define PARAMS_MAX 4096

static int ctl = -1, node = -1;

/* How the harness loaded hsx.ko: its name and parameters (tests/vm/run's /etc/hsx/config). */
static char modname[64], params[1024];

#define CONFIG_LINE_MAX 1100

static void harness_config(void)
{
    FILE *f = fopen(HARNESS_CONFIG, "r");
    char line[CONFIG_LINE_MAX];

    if (!f) {
        printf("# %s missing: not in the VM harness, which says how it loaded hsx.ko\n",
               HARNESS_CONFIG);
        fail();
    }
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!strncmp(line, "HSX_MODNAME=", 12)) {
            snprintf(modname, sizeof(modname), "%.63s", line + 12);
        } else if (!strncmp(line, "HSX_MODULE_PARAMS=", 18)) {
            /* HSX_MODULE_PARAMS='...': insmod's words, as finit_module takes them. */
            const char *v = line + 18;
            size_t n = strlen(v);

            if (n >= 2 && v[0] == '\'' && v[n - 1] == '\'') {
                v++;
                n -= 2;
            }
            assert_true(n < sizeof(params));
            memcpy(params, v, n);
            params[n] = '\0';
        }
    }
    fclose(f);
    assert_true(modname[0] != '\0');
}

/* Every readable parameter of the loaded module, "name=value\n" in name order. */
static void module_params(char *out, size_t len)
{
    char dir[128], path[400], value[256];
    struct dirent **names;
    int n;
    size_t used = 0;

    snprintf(dir, sizeof(dir), "/sys/module/%s/parameters", modname);
    out[0] = '\0';
    n = scandir(dir, &names, NULL, alphasort);
    if (n < 0)
        return; /* a module without parameters has no directory */
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.') {
            snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
            FILE *f = fopen(path, "r");

            if (f && fgets(value, sizeof(value), f))
                used += (size_t)snprintf(out + used, len - used, "%s=%s", names[i]->d_name, value);
            if (f)
                fclose(f);
            assert_true(used < len);
        }
        free(names[i]);
    }
    free(names);
}

static int map_dev(unsigned int dev, const char *name)
{
    struct hsx_fram_map m = {.dev = dev};

    snprintf(m.name, sizeof(m.name), "%s", name);
    return e2e_ioctl(ctl, HSX_IOC_FRAM_MAP, &m);
}

static struct hsx_fram_info info_of(uint32_t dev)
{
    struct hsx_fram_info info = {.dev = dev};

    assert_int_equal(e2e_ioctl(node, HSX_IOC_FRAM_INFO, &info), 0);
    return info;
}

static void write_at(uint32_t addr, uint32_t len)
{
    static uint8_t data[8192];
    struct hsx_fram_xfer x = {.dev = 0, .addr = addr, .len = len, .buf = (uintptr_t)data};

    assert_true(len <= sizeof(data));
    memset(data, (int)(addr ^ len), len);
    assert_int_equal(e2e_ioctl(node, HSX_IOC_FRAM_WRITE, &x), 0);
    assert_int_equal(x.done, len);
}

/* Every block's count of the application's space. */
static void wear_all(uint32_t nblocks, uint64_t *counts)
{
    for (uint32_t b = 0; b < nblocks; b++) {
        struct hsx_fram_wear w = {.dev = 0, .addr = b * HSX_FRAM_BLOCK_SIZE};

        assert_int_equal(e2e_ioctl(node, HSX_IOC_FRAM_GET_WEAR, &w), 0);
        assert_int_equal(w.block, b);
        counts[b] = w.count;
    }
}

static void open_nodes(void)
{
    /* The nodes are there once finit_module returned; a slow guest gets a few seconds. */
    for (int i = 0; i < 300 && !e2e_exists("/dev/hsx/fram"); i++)
        usleep(10000);
    ctl = e2e_open_node("ctl");
    node = e2e_open_node("fram");
}

static void close_nodes(void)
{
    close(node);
    close(ctl);
    node = ctl = -1;
}

/* CRC-32C (Castagnoli), as the slot header's. */
static uint32_t crc32c(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;

    while (len--) {
        crc ^= *p++;
        for (int k = 0; k < 8; k++)
            crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78u : crc >> 1;
    }
    return crc;
}

/*
 * The wear counts on the part, as a tool without hsx reads them: the record
 * in the reserved area (@size.. of the part), its slot with a good CRC and
 * the highest sequence. No assertion here: it runs while hsx.ko is out.
 * Return: the counts' number, or -1 (file), -2 (no whole copy).
 */
static int wear_on_part(uint32_t size, uint32_t reserved, uint64_t *counts, uint32_t max)
{
    static uint8_t slot[8192];
    uint32_t slot_size = reserved / WEAR_SLOTS / 8 * 8;
    uint64_t best_seq = 0;
    int fd, found = -2;

    if (slot_size > sizeof(slot) || slot_size <= sizeof(struct hsx_fram_slot_header))
        return -1;
    fd = open(NVMEM_FILE, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    for (uint32_t s = 0; s < WEAR_SLOTS; s++) {
        struct hsx_fram_slot_header h;
        uint32_t got = 0;

        /* A sysfs binary file gives at most a page per read. */
        while (got < slot_size) {
            ssize_t n = pread(fd, slot + got, slot_size - got, size + s * slot_size + got);
            if (n <= 0)
                break;
            got += (uint32_t)n;
        }
        if (got < slot_size)
            continue;
        memcpy(&h, slot, sizeof(h));
        if (h.magic != HSX_FRAM_SLOT_MAGIC || h.id != 0 || h.len > slot_size - sizeof(h) ||
            h.len % 4 || (found >= 0 && h.seq <= best_seq))
            continue;
        uint32_t crc = h.crc;
        h.crc = 0;
        if (~crc32c(crc32c(~0u, &h, sizeof(h)), slot + sizeof(h), h.len) != crc)
            continue;
        best_seq = h.seq;
        found = 0;
        for (uint32_t b = 0; b < h.len / 4 && b < max; b++) {
            const uint8_t *c = slot + sizeof(h) + 4 * b;

            counts[b] = c[0] | c[1] << 8 | c[2] << 16 | (uint32_t)c[3] << 24;
            found = (int)b + 1;
        }
    }
    close(fd);
    return found;
}

/*
 * Known writes, every block's count checked; hsx.ko unloaded and loaded
 * again; the same counts; one write adds one.
 */
static void wear_counts_across_a_reload(void **state)
{
    (void)state;
    static uint64_t before[MAX_BLOCKS], after[MAX_BLOCKS], expect[MAX_BLOCKS], on_part[MAX_BLOCKS],
        reloaded[MAX_BLOCKS];
    char params_before[PARAMS_MAX], params_after[PARAMS_MAX];

    harness_config();
    module_params(params_before, sizeof(params_before));
    open_nodes();
    /* Device 0 as the other FRAM suites use it; fram_map may have bound it already. */
    struct hsx_fram_info info = info_of(0);
    bool bound_at_load = info.bound;
    if (!bound_at_load)
        assert_int_equal(map_dev(0, SIM0), 0);
    info = info_of(0);
    assert_string_equal(info.name, SIM0);
    assert_true(info.reserved > 0); /* counts kept on the part, not volatile */
    assert_int_equal(info.flags & HSX_FRAM_F_WEAR_VOLATILE, 0);
    const uint32_t nblocks = info.size / HSX_FRAM_BLOCK_SIZE;
    assert_true(nblocks >= 64 && nblocks <= MAX_BLOCKS);

    /* The pattern: each write adds one to every block it touches. */
    wear_all(nblocks, before);
    memset(expect, 0, sizeof(expect));
    for (uint32_t b = 0; b < 16; b++) /* blocks 0..15: 1..5 one-byte writes each */
        for (uint32_t i = 0; i <= b % 5; i++) {
            write_at(b * HSX_FRAM_BLOCK_SIZE + b + i, 1);
            expect[b]++;
        }
    write_at(20 * HSX_FRAM_BLOCK_SIZE + 100, 3 * HSX_FRAM_BLOCK_SIZE); /* 20..23, unaligned */
    for (uint32_t b = 20; b <= 23; b++)
        expect[b]++;
    write_at(32 * HSX_FRAM_BLOCK_SIZE, 8192); /* 32..63, in eight 1 KiB chunks */
    for (uint32_t b = 32; b < 64; b++)
        expect[b]++;
    /* A block's last byte and the next block's first: two blocks, one write. */
    write_at(25 * HSX_FRAM_BLOCK_SIZE - 1, 2);
    expect[24]++;
    expect[25]++;
    wear_all(nblocks, after);
    for (uint32_t b = 0; b < nblocks; b++) {
        if (after[b] != before[b] + expect[b])
            printf("# block %u: %llu writes counted, %llu + %llu expected\n", b,
                   (unsigned long long)after[b], (unsigned long long)before[b],
                   (unsigned long long)expect[b]);
        assert_int_equal(after[b], before[b] + expect[b]);
    }

    /*
     * Out and in again, right after the last write: its counts are written
     * back by the unbinding at unload, not by the write-back a second later.
     * Nothing asserted until the module is back.
     */
    close_nodes();
    int unloaded = e2e_module_unload(modname);
    if (unloaded) {
        printf("# delete_module(%s): %s\n", modname, strerror(-unloaded));
        fail();
    }
    bool gone = !e2e_exists("/sys/module/%s", modname) && !e2e_exists("/dev/hsx/fram");
    int read_back = wear_on_part(info.size, info.reserved, on_part, MAX_BLOCKS);
    char path[128];
    snprintf(path, sizeof(path), "/lib/hsx/%s.ko", modname);
    int loaded = e2e_module_load(path, params);
    if (loaded) {
        printf("# finit_module(/lib/hsx/%s.ko, \"%s\"): %s; the suites after this one find no "
               "module\n",
               modname, params, strerror(-loaded));
        fail();
    }
    assert_true(gone);
    module_params(params_after, sizeof(params_after));
    assert_string_equal(params_after, params_before);
    printf("# reloaded %s with \"%s\"\n", modname, params);

    /* On the part while hsx.ko was out: the counts, as the nvmem file shows them. */
    assert_int_equal(read_back, (int)(info.part_size / HSX_FRAM_BLOCK_SIZE));
    for (uint32_t b = 0; b < nblocks; b++)
        assert_int_equal(on_part[b], after[b]);

    open_nodes();
    if (!bound_at_load)
        assert_int_equal(map_dev(0, SIM0), 0);
    struct hsx_fram_info again = info_of(0);
    assert_int_equal(again.bound, 1);
    assert_string_equal(again.name, SIM0);
    assert_int_equal(again.size, info.size);
    assert_int_equal(again.reserved, info.reserved);
    wear_all(nblocks, reloaded);
    for (uint32_t b = 0; b < nblocks; b++) {
        if (reloaded[b] != after[b])
            printf("# block %u: %llu after the reload, %llu before\n", b,
                   (unsigned long long)reloaded[b], (unsigned long long)after[b]);
        assert_int_equal(reloaded[b], after[b]);
    }

    /* A write after the reload adds exactly one, to its block only. */
    write_at(7 * HSX_FRAM_BLOCK_SIZE + 50, 10);
    wear_all(nblocks, reloaded);
    for (uint32_t b = 0; b < nblocks; b++)
        assert_int_equal(reloaded[b], after[b] + (b == 7));

    if (!bound_at_load)
        assert_int_equal(map_dev(0, ""), 0);
    close_nodes();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(wear_counts_across_a_reload),
    };

    if (!e2e_exists("/sys/module/hsx_fram_sim")) {
        printf("# hsx_fram_sim.ko is not loaded: the harness loads it before hsx.ko\n");
        return 1;
    }
    return cmocka_run_group_tests_name("e2e_fram_reload", tests, NULL, NULL);
}
