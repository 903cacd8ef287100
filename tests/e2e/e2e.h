/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by the end-to-end tests that run in the VM against the real
 * hsx.ko through libhsx_hal. Each test program is a cmocka group.
 */
#ifndef HSX_E2E_H
#define HSX_E2E_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

/* Read an unsigned decimal sysfs attribute; fails the test if it cannot. */
uint64_t e2e_sysfs_u64(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Does a path exist? */
int e2e_exists(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Poll a sysfs counter until it equals (or, with at_least, reaches) a value.
 * The bound is generous (liveness, not timing): TCG guests are slow.
 * Returns the last value read.
 */
uint64_t e2e_wait_sysfs(uint64_t want, int at_least, const char *path);

/* Open a /dev/hsx node, failing the test if it cannot. */
int e2e_open_node(const char *name);

/* ioctl returning -errno on failure, the result otherwise. */
int e2e_ioctl(int fd, unsigned long cmd, void *arg);

/* Milliseconds of CLOCK_MONOTONIC. */
uint64_t e2e_now_ms(void);

/*
 * Unload a module as rmmod does (delete_module, O_NONBLOCK), trying again
 * for up to 10 s while a file of it is still open (EBUSY, EAGAIN); load one
 * from a file with insmod's parameters ("a=1 b=2"). Return 0 or -errno.
 */
int e2e_module_unload(const char *name);
int e2e_module_load(const char *path, const char *params);

#define E2E_LIVENESS_MS 20000

/* Write a sysfs or configfs attribute; read its first line. Fail the test if not. */
void e2e_write_file(const char *path, const char *text);
void e2e_read_line(const char *path, char *buf, size_t len);

/*
 * A gpio-sim chip made through configfs: one bank of `lines` lines with the
 * given label, line 0..n-1 named by names[] (NULL entries and a NULL array
 * leave lines unnamed). Returns 0, or -1 when the kernel has no gpio-sim.
 */
struct e2e_sim {
    char name[32];
    char dir[320]; /* /sys/devices/platform/<dev>/<chip>: sim_gpio<N>/{pull,value} */
};
int e2e_sim_create(struct e2e_sim *sim, const char *name, const char *label, unsigned int lines,
                   const char *const *names);
/*
 * What a test says where e2e_sim_create() finds no gpio-sim: Debian's kernels (stock, 6.12,
 * rt) do not build it; the debug kernel has it, and its run covers what the test leaves out.
 */
#define E2E_NO_GPIO_SIM "no gpio-sim in this kernel (the debug kernel's run covers GPIO)"
/* Pull a simulated input up or down, as a switch would; read a simulated output. */
void e2e_sim_pull(const struct e2e_sim *sim, unsigned int line, int up);
int e2e_sim_value(const struct e2e_sim *sim, unsigned int line);
/* Bind HSX pin `pin` to line `offset` of chip `label` through the admin node. */
int e2e_map_pin(unsigned int pin, const char *label, unsigned int offset);
/* Bind HSX UART port `port` to `tty` ("ttyS2") through the admin node; "" unbinds. */
int e2e_map_uart(unsigned int port, const char *tty);

/*
 * The library's callback thread ("hsx-dispatch") of this process, seen in /proc: its task
 * directory's file name (NULL if no such thread), the system call it is blocked in (-1 if
 * none, or running), and whether it is seen blocked in system call nr within E2E_LIVENESS_MS
 * (in it twice, 200 ms apart, using a quarter of a CPU at most meanwhile: blocked, not spinning).
 */
FILE *e2e_dispatcher_proc_file(const char *name);
long e2e_dispatcher_syscall(void);
bool e2e_dispatcher_blocks_in(long nr);

#endif /* HSX_E2E_H */
