/* SPDX-License-Identifier: MIT */
/*
 * FRAM through hsx against the peer baseline, the nvmem core's own sysfs file
 * of the same part (/sys/bus/nvmem/devices/<name>/nvmem, pread/pwrite), in
 * the same VM run, on the test board's simulated part (hsx_fram_sim.ko,
 * "hsx-fram-sim0", 32 KiB): the part costs the same to both sides, so what
 * differs is the path to it.
 *
 *   - read and write throughput, MB/s: the application's space (the part
 *     less hsx's reserved area) past the records' first 2 KiB, in 4 KiB
 *     transfers, PASSES times per round:
 *     hsx_fram_read_ex()/hsx_fram_write_ex() against pread()/pwrite() (a
 *     sysfs binary file moves at most a page per call, so 4 KiB is the
 *     largest transfer both take); what is read is checked against what was
 *     written;
 *   - the fixed cost of a call: SMALL_READS reads of 1 byte, microseconds
 *     per call (what a call costs besides its bytes);
 *   - record commits per second: hsx_fram_record_write() (hsx.ko finds the
 *     current slot, checks its CRC-32C, writes the payload, then the header)
 *     against the same scheme done by the application over pread/pwrite of
 *     the nvmem file (the same layout, the same reads and writes, the CRC
 *     computed in user space); each side's last record is read back.
 *
 * Noise under TCG is large: ROUNDS rounds, the sides alternating; each
 * figure is the median of the rounds and its ratio the median of the rounds'
 * ratios. Prints the table and the ratios hsx / nvmem file; exits non-zero
 * only when a step failed or data came back wrong, never on the numbers.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <hsx_fram.h>
#include <hsx_uapi.h>

#define PART "hsx-fram-sim0"
#define NVMEM_FILE "/sys/bus/nvmem/devices/" PART "/nvmem"
#define DEV 0
#define ROUNDS 5
#define PASSES 8         /* over the application's space, per round and side */
#define XFER 4096        /* bytes per call */
#define COMMITS 400      /* record commits per round and side */
#define SMALL_READS 2000 /* 1-byte reads per round and side */
#define PAYLOAD 64       /* bytes per record */
#define SLOT 128         /* bytes per slot, header included */
#define SLOTS 2
#define RECORD_BASE 0  /* hsx's records at 0, the file's after them */
#define DATA_BASE 2048 /* the transfers' region starts past the records' */

static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
    fprintf(stderr, "fram_vs_nvmem: %s: %s (errno %d)\n", what, hsx_hal_strerror(hsx_hal_errno()),
            hsx_hal_errno());
    exit(1);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* ---- the two sides' transfers ------------------------------------------------- */

struct side {
    const char *name;
    int (*read)(uint32_t addr, void *buf, uint32_t len);
    int (*write)(uint32_t addr, const void *buf, uint32_t len);
    int (*commit)(uint32_t id, const void *data, uint32_t len);
};

static int nvmem_fd = -1;

static int hsx_read(uint32_t addr, void *buf, uint32_t len)
{
    return hsx_fram_read_ex(DEV, addr, buf, len) == (int)len ? 0 : -1;
}

static int hsx_write(uint32_t addr, const void *buf, uint32_t len)
{
    return hsx_fram_write_ex(DEV, addr, buf, len) == (int)len ? 0 : -1;
}

static int hsx_commit(uint32_t id, const void *data, uint32_t len)
{
    return hsx_fram_record_write(id, data, len) == (int)len ? 0 : -1;
}

static int file_read(uint32_t addr, void *buf, uint32_t len)
{
    return pread(nvmem_fd, buf, len, addr) == (ssize_t)len ? 0 : -1;
}

static int file_write(uint32_t addr, const void *buf, uint32_t len)
{
    return pwrite(nvmem_fd, buf, len, addr) == (ssize_t)len ? 0 : -1;
}

/* ---- the record scheme, as an application would do it over the file ------------- */

static uint32_t crc32c_table[256];

static void crc32c_init(void)
{
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++)
            c = c & 1 ? (c >> 1) ^ 0x82f63b78u : c >> 1;
        crc32c_table[i] = c;
    }
}

static uint32_t crc32c(uint32_t crc, const void *data, size_t len)
{
    const uint8_t *p = data;

    while (len--)
        crc = crc32c_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return crc;
}

static uint32_t slot_crc(const struct hsx_fram_slot_header *h, const void *payload, uint32_t len)
{
    struct hsx_fram_slot_header zeroed = *h;

    zeroed.crc = 0;
    return ~crc32c(crc32c(~0u, &zeroed, sizeof(zeroed)), payload, len);
}

static uint32_t file_group; /* the file side's group base, after hsx's */

/* The same steps as hsx.ko's: headers, the current slot's CRC, payload, header. */
static int file_commit(uint32_t id, const void *data, uint32_t len)
{
    struct hsx_fram_slot_header h[SLOTS], head;
    uint8_t payload[SLOT];
    int cur = -1;

    for (int i = 0; i < SLOTS; i++)
        if (file_read(file_group + (id * SLOTS + i) * SLOT, &h[i], sizeof(h[i])))
            return -1;
    for (int i = 0; i < SLOTS; i++) {
        if (h[i].magic != HSX_FRAM_SLOT_MAGIC || h[i].id != id || h[i].len > SLOT - sizeof(head))
            continue;
        if (cur >= 0 && h[i].seq <= h[cur].seq)
            continue;
        if (file_read(file_group + (id * SLOTS + i) * SLOT + sizeof(head), payload, h[i].len))
            return -1;
        if (slot_crc(&h[i], payload, h[i].len) == h[i].crc)
            cur = i;
    }
    head = (struct hsx_fram_slot_header){
        .magic = HSX_FRAM_SLOT_MAGIC, .id = id, .seq = cur < 0 ? 1 : h[cur].seq + 1, .len = len};
    head.crc = slot_crc(&head, data, len);
    uint32_t at = file_group + (id * SLOTS + (uint32_t)(cur < 0 ? 0 : (cur + 1) % SLOTS)) * SLOT;
    if (file_write(at + sizeof(head), data, len) || file_write(at, &head, sizeof(head)))
        return -1;
    return 0;
}

static const struct side hsx_side = {"hsx", hsx_read, hsx_write, hsx_commit};
static const struct side file_side = {"nvmem file", file_read, file_write, file_commit};

/* ---- one round of one side ------------------------------------------------------ */

struct result {
    double read_mbs, write_mbs, commits_s, read1_us;
};

static struct result run_side(const struct side *s, uint32_t size, uint8_t *out, uint8_t *in)
{
    struct result r;
    uint64_t t0, bytes = (uint64_t)(size - DATA_BASE) * PASSES;

    t0 = now_ns();
    for (int p = 0; p < PASSES; p++)
        for (uint32_t a = DATA_BASE; a < size; a += XFER)
            if (s->write(a, out + a, size - a < XFER ? size - a : XFER))
                die("write");
    r.write_mbs = (double)bytes / ((double)(now_ns() - t0) / 1e3);
    t0 = now_ns();
    for (int p = 0; p < PASSES; p++)
        for (uint32_t a = DATA_BASE; a < size; a += XFER)
            if (s->read(a, in + a, size - a < XFER ? size - a : XFER))
                die("read");
    r.read_mbs = (double)bytes / ((double)(now_ns() - t0) / 1e3);
    if (memcmp(in + DATA_BASE, out + DATA_BASE, size - DATA_BASE)) {
        fprintf(stderr, "fram_vs_nvmem: %s read back other bytes than it wrote\n", s->name);
        exit(2);
    }

    t0 = now_ns();
    for (int i = 0; i < SMALL_READS; i++)
        if (s->read(DATA_BASE + (uint32_t)i % 1024, in, 1))
            die("1-byte read");
    r.read1_us = (double)(now_ns() - t0) / 1e3 / SMALL_READS;

    uint8_t data[PAYLOAD];
    t0 = now_ns();
    for (int i = 0; i < COMMITS; i++) {
        memset(data, i, sizeof(data));
        if (s->commit(1, data, sizeof(data)))
            die("record commit");
    }
    r.commits_s = COMMITS / ((double)(now_ns() - t0) / 1e9);
    return r;
}

static void map_part(const char *name)
{
    struct hsx_fram_map m = {.dev = DEV};
    int fd = open("/dev/hsx/ctl", O_RDWR | O_CLOEXEC);

    snprintf(m.name, sizeof(m.name), "%s", name);
    if (fd < 0 || (ioctl(fd, HSX_IOC_FRAM_MAP, &m) && errno != ENXIO)) {
        fprintf(stderr, "fram_vs_nvmem: mapping device %d to \"%s\": %s\n", DEV, name,
                strerror(errno));
        exit(1);
    }
    close(fd);
}

int main(void)
{
    struct result h[ROUNDS], f[ROUNDS];
    double v[4][ROUNDS], hr[ROUNDS], hw[ROUNDS], hc[ROUNDS], fr[ROUNDS], fw[ROUNDS], fc[ROUNDS];
    double h1[ROUNDS], f1[ROUNDS];
    uint64_t start = now_ns();

    crc32c_init();
    map_part("");
    map_part(PART);
    nvmem_fd = open(NVMEM_FILE, O_RDWR | O_CLOEXEC);
    if (nvmem_fd < 0) {
        perror("fram_vs_nvmem: " NVMEM_FILE);
        return 1;
    }
    hsx_fram_info_t info;
    if (hsx_fram_get_info(DEV, &info) != HSX_HAL_OK)
        die("hsx_fram_get_info");
    const uint32_t size = info.size;
    file_group = RECORD_BASE + 4 * SLOTS * SLOT; /* ids 0..3 are hsx's */
    if (hsx_fram_record_setup(DEV, RECORD_BASE, SLOT, SLOTS) != HSX_HAL_OK)
        die("hsx_fram_record_setup");
    uint8_t *out = malloc(size), *in = malloc(size);
    if (!out || !in)
        return 1;
    for (uint32_t i = 0; i < size; i++)
        out[i] = (uint8_t)(i * 7 + i / 251);

    printf("fram: %s, %u bytes for applications, %d rounds of %d passes in %d-byte transfers and "
           "%d record commits (%d bytes) per side\n",
           PART, size, ROUNDS, PASSES, XFER, COMMITS, PAYLOAD);
    for (int round = 0; round < ROUNDS; round++) {
        /* The sides alternate which goes first. */
        if (round % 2) {
            f[round] = run_side(&file_side, size, out, in);
            h[round] = run_side(&hsx_side, size, out, in);
        } else {
            h[round] = run_side(&hsx_side, size, out, in);
            f[round] = run_side(&file_side, size, out, in);
        }
        printf("  round %d: read %.2f / %.2f MB/s, write %.2f / %.2f MB/s, commits %.0f / %.0f "
               "per s, 1-byte read %.2f / %.2f us\n",
               round, h[round].read_mbs, f[round].read_mbs, h[round].write_mbs, f[round].write_mbs,
               h[round].commits_s, f[round].commits_s, h[round].read1_us, f[round].read1_us);
        v[0][round] = h[round].read_mbs / f[round].read_mbs;
        v[1][round] = h[round].write_mbs / f[round].write_mbs;
        v[2][round] = h[round].commits_s / f[round].commits_s;
        v[3][round] = h[round].read1_us / f[round].read1_us;
        h1[round] = h[round].read1_us, f1[round] = f[round].read1_us;
        hr[round] = h[round].read_mbs, fr[round] = f[round].read_mbs;
        hw[round] = h[round].write_mbs, fw[round] = f[round].write_mbs;
        hc[round] = h[round].commits_s, fc[round] = f[round].commits_s;
    }
    /* Each side's last record is the one it committed last. */
    uint8_t got[PAYLOAD];
    if (hsx_fram_record_read(1, got, sizeof(got)) != PAYLOAD || got[0] != (uint8_t)(COMMITS - 1)) {
        fprintf(stderr, "fram_vs_nvmem: hsx's last record did not read back\n");
        return 2;
    }
    printf("fram, %d rounds, %.0f s; all data read back equal\n", ROUNDS,
           (double)(now_ns() - start) / 1e9);
    printf("| measure | hsx | nvmem file | hsx / file | target |\n|---|---|---|---|---|\n");
    printf("| read, MB/s (median of rounds) | %.2f | %.2f | %.2f | >= 0.95 |\n", median(hr, ROUNDS),
           median(fr, ROUNDS), median(v[0], ROUNDS));
    printf("| write, MB/s | %.2f | %.2f | %.2f | >= 0.95 |\n", median(hw, ROUNDS),
           median(fw, ROUNDS), median(v[1], ROUNDS));
    printf("| record commits per s | %.0f | %.0f | %.2f | >= 0.95 |\n", median(hc, ROUNDS),
           median(fc, ROUNDS), median(v[2], ROUNDS));
    printf("| 1-byte read, us per call | %.2f | %.2f | %.2f | |\n", median(h1, ROUNDS),
           median(f1, ROUNDS), median(v[3], ROUNDS));
    printf("BENCH fram read_ratio=%.2f write_ratio=%.2f commit_ratio=%.2f\n", median(v[0], ROUNDS),
           median(v[1], ROUNDS), median(v[2], ROUNDS));
    map_part("");
    free(out);
    free(in);
    return 0;
}
