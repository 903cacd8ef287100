// SPDX-License-Identifier: MIT
/*
 * UART capabilities against the real hsxd and hsx.ko, with applications that
 * run as unprivileged users and call the library unchanged: a policy's ports
 * and rights are what they get (another application's port, configuring
 * without the config right, the modem lines without the modem right, the
 * loopback without the config right: denied),
 * a user the policy names not is denied everything, including listening to a
 * port, and a revocation ends a read blocked on the mailbox and a write
 * blocked on a stopped line, and a callback for good, which the port's
 * unbinding does not (it is subscribed again once the port is back, under
 * the capability it had, never one asked for again). Ports 0 and 1 are
 * ttyS2 and ttyS3 (tests/vm/run).
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "app.h"
#include "e2e.h"
#include "hsx_cap.h"
#include "hsx_mailbox.h"
#include "hsx_uapi.h"
#include "hsx_uart.h"
#include "hsxd_run.h"
#include "rx_trace.h"

#define APP_UID 1000   /* port 0: read, write */
#define OTHER_UID 1001 /* nothing */
#define CFG_UID 1002   /* port 1: everything but grant */
#define MODEM_UID 1003 /* port 1: read, modem */

static const char policy_text[] =
    "version = 1;\n"
    "lifetime = 60;\n"
    "rules = (\n"
    "  { name = \"uart-app\"; match = { uid = 1000; };\n"
    "    uart = { ports = \"0\"; rights = [\"read\", \"write\"]; }; },\n"
    "  { name = \"uart-cfg\"; match = { uid = 1002; };\n"
    "    uart = { ports = \"1\";\n"
    "             rights = [\"read\", \"write\", \"config\", \"modem\"]; }; },\n"
    "  { name = \"uart-modem\"; match = { uid = 1003; };\n"
    "    uart = { ports = \"1\"; rights = [\"read\", \"modem\"]; }; }\n"
    ");\n";

static struct hsxd_run hsxd;

static int group_setup(void **state)
{
    (void)state;

    /* A test killed before its teardown may have left them bound. */
    e2e_map_uart(0, "");
    e2e_map_uart(1, "");
    if (e2e_map_uart(0, "ttyS2") || e2e_map_uart(1, "ttyS3"))
        return -1;
    return hsxd_run_start(&hsxd, "uart-caps", policy_text);
}

static int group_teardown(void **state)
{
    (void)state;

    hsxd_run_stop(&hsxd);
    e2e_map_uart(0, "");
    e2e_map_uart(1, "");
    return 0;
}

/* ---- applications -------------------------------------------------------------------------- */

static int app_within_its_policy(struct app *a)
{
    hsx_uart_settings_t s = {.baud = 9600, .stop_bits = 1};
    hsx_cap_info_t info;
    uint8_t buf[16];
    (void)a;

    APP_CHECK(hsx_uart_write(0, "ok", 2) == 2);
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_UART, &info) == HSX_HAL_OK);
    APP_CHECK(info.status == HSX_CAP_STATUS_HELD);
    APP_CHECK(info.rights == (HSX_CAP_RIGHT_READ | HSX_CAP_RIGHT_WRITE));
    APP_CHECK(hsx_uart_read_poll(0, buf, sizeof(buf)) >= 0);
    APP_CHECK(hsx_uart_read(0, buf, sizeof(buf), 50) == HSX_HAL_TIMEOUT);
    /* Another application's port. */
    APP_CHECK(hsx_uart_write(1, "no", 2) == HSX_HAL_DENIED);
    APP_CHECK(hsx_uart_read(1, buf, sizeof(buf), 50) == HSX_HAL_DENIED);
    APP_CHECK(hsx_uart_get_status(1) == 0 && hsx_hal_errno() == EACCES);
    /* Its own port, without the rights. */
    APP_CHECK(hsx_uart_configure(0, &s, NULL) == HSX_HAL_DENIED);
    /* init configures only what the caller may: it subscribes, the port keeps its settings. */
    hsx_uart_info_t info0;
    APP_CHECK(hsx_uart_get_info(0, &info0) == HSX_HAL_OK);
    APP_CHECK(hsx_uart_init(0) == HSX_HAL_OK);
    APP_CHECK(hsx_uart_set_lines(0, HSX_UART_LINE_RTS, 0, NULL) == HSX_HAL_DENIED);
    APP_CHECK(hsx_uart_send_break(0, 5) == HSX_HAL_DENIED);
    APP_CHECK(hsx_uart_set_events(0, HSX_UART_EVENTS_TX_DONE, 0) == HSX_HAL_DENIED);
    /* Reading the lines is reading. */
    APP_CHECK(hsx_uart_set_lines(0, 0, 0, NULL) == HSX_HAL_OK);
    /* The counters in sysfs are not everyone's. */
    APP_CHECK(open("/sys/hal/uart/0/rx_bytes", O_RDONLY) < 0 && errno == EACCES);
    return 0;
}

static int app_with_config(struct app *a)
{
    hsx_uart_settings_t s = {.baud = 57600, .stop_bits = 1};
    uint32_t actual = 0;
    (void)a;

    APP_CHECK(hsx_uart_configure(1, &s, &actual) == HSX_HAL_OK && actual == 57600);
    APP_CHECK(hsx_uart_init(1) == HSX_HAL_OK);
    APP_CHECK(hsx_uart_set_lines(1, HSX_UART_LINE_RTS, 0, NULL) == HSX_HAL_OK);
    APP_CHECK(hsx_uart_write(0, "no", 2) == HSX_HAL_DENIED);
    return 0;
}

/*
 * The modem right sets RTS and DTR; the loopback, which takes the port off
 * its line, needs the config right too.
 */
static int app_with_modem(struct app *a)
{
    (void)a;

    APP_CHECK(hsx_uart_set_lines(1, HSX_UART_LINE_RTS, 0, NULL) == HSX_HAL_OK);
    APP_CHECK(hsx_uart_set_lines(1, HSX_UART_LINE_LOOP, 0, NULL) == HSX_HAL_DENIED);
    APP_CHECK(hsx_hal_errno() == EACCES);
    APP_CHECK(hsx_uart_set_lines(1, 0, HSX_UART_LINE_LOOP, NULL) == HSX_HAL_DENIED);
    return 0;
}

static int app_with_nothing(struct app *a)
{
    hsx_mailbox_t *mb;
    uint8_t buf[4];
    (void)a;

    APP_CHECK(hsx_uart_write(0, "no", 2) == HSX_HAL_DENIED);
    APP_CHECK(hsx_uart_read_poll(1, buf, sizeof(buf)) == HSX_HAL_DENIED);
    /* Listening to a port is reading it. */
    APP_CHECK(hsx_mailbox_open("hal:uart:0:rx", &mb) != HSX_HAL_OK);
    /* The port's node gives nothing more than the module's. */
    int fd = open("/dev/hsx/uart0", O_RDWR | O_CLOEXEC);
    APP_CHECK(fd >= 0);
    struct hsx_uart_status st = {.port = 0};
    APP_CHECK(ioctl(fd, HSX_IOC_UART_GET_STATUS, &st) < 0 && errno == EACCES);
    close(fd);
    return 0;
}

static void policy_ports_and_rights_are_what_apps_get(void **state)
{
    struct app a;
    (void)state;

    start_app(&a, app_within_its_policy, APP_UID);
    assert_int_equal(finish_app(&a), 0);
    start_app(&a, app_with_config, CFG_UID);
    assert_int_equal(finish_app(&a), 0);
    start_app(&a, app_with_modem, MODEM_UID);
    assert_int_equal(finish_app(&a), 0);
    start_app(&a, app_with_nothing, OTHER_UID);
    assert_int_equal(finish_app(&a), 0);
    /* Back to the defaults for the tests after. */
    assert_int_equal(hsx_uart_init(1), HSX_HAL_OK);
}

/* ---- revocation while blocked ---------------------------------------------------------------- */

/* Reads port 0 with no end, after telling the parent its capability. */
static int app_blocked_in_read(struct app *a)
{
    hsx_cap_info_t info;
    uint8_t buf[16];

    /* The first call acquires the capability and subscribes. */
    APP_CHECK(hsx_uart_read(0, buf, sizeof(buf), 10) == HSX_HAL_TIMEOUT);
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_UART, &info) == HSX_HAL_OK);
    if (write(a->out, &info.id, sizeof(info.id)) != sizeof(info.id))
        return 2;
    int ret = hsx_uart_read(0, buf, sizeof(buf), HSX_HAL_TIMEOUT_INF);
    APP_CHECK(ret == HSX_HAL_DENIED);
    APP_CHECK(hsx_hal_errno() == EKEYREVOKED);
    return 0;
}

static void revocation_ends_a_blocked_read(void **state)
{
    struct app a;
    uint64_t id;
    (void)state;

    start_app(&a, app_blocked_in_read, APP_UID);
    assert_true(hear(a.from_app, &id, sizeof(id)));
    usleep(300000); /* in its read */
    admin_revoke(id);
    assert_int_equal(finish_app(&a), 0);
}

/* Writes 64 KiB to port 0, whose line the test stopped: blocked until revoked. */
static int app_blocked_in_write(struct app *a)
{
    static uint8_t big[64 * 1024];
    hsx_cap_info_t info;

    APP_CHECK(hsx_uart_write(0, "x", 1) == 1);
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_UART, &info) == HSX_HAL_OK);
    if (write(a->out, &info.id, sizeof(info.id)) != sizeof(info.id))
        return 2;
    int n = hsx_uart_write_timeout(0, big, sizeof(big), 600000);
    /* What went before the revocation is reported; nothing after. */
    APP_CHECK(n == HSX_HAL_DENIED || (n >= 0 && n < (int)sizeof(big)));
    APP_CHECK(hsx_uart_write(0, "y", 1) == HSX_HAL_DENIED);
    return 0;
}

static void revocation_ends_a_blocked_write(void **state)
{
    hsx_uart_settings_t flow = {.baud = 115200, .stop_bits = 1, .flow = HSX_UART_FLOW_RTSCTS};
    struct app a;
    uint64_t id;
    (void)state;

    /* The 16550's loopback with RTS down: CTS is down, the line stops. */
    assert_int_equal(hsx_uart_set_lines(0, HSX_UART_LINE_LOOP, HSX_UART_LINE_RTS, NULL),
                     HSX_HAL_OK);
    assert_int_equal(hsx_uart_configure(0, &flow, NULL), HSX_HAL_OK);
    start_app(&a, app_blocked_in_write, APP_UID);
    assert_true(hear(a.from_app, &id, sizeof(id)));
    /* Blocked once the transmit buffer is full. */
    hsx_uart_status_t st;
    for (uint64_t start = e2e_now_ms(); e2e_now_ms() - start < E2E_LIVENESS_MS;) {
        assert_int_equal(hsx_uart_get_status_ex(0, &st), HSX_HAL_OK);
        if (!(st.status & HSX_UART_STATUS_TX_READY))
            break;
        usleep(50000);
    }
    assert_false(st.status & HSX_UART_STATUS_TX_READY);
    admin_revoke(id);
    assert_int_equal(finish_app(&a), 0);
    assert_int_equal(hsx_uart_discard(0, HSX_UART_DISCARD_TX), HSX_HAL_OK);
    assert_int_equal(hsx_uart_set_lines(0, HSX_UART_LINE_RTS, HSX_UART_LINE_LOOP, NULL),
                     HSX_HAL_OK);
    assert_int_equal(hsx_uart_init(0), HSX_HAL_OK);
}

/* Queued behind another writer, then revoked: must send nothing. */
static int app_queued_writer(struct app *a)
{
    uint8_t z[16], go;
    hsx_cap_info_t info;

    memset(z, 'Z', sizeof(z));
    (void)hsx_uart_get_status(0); /* acquires the capability */
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_UART, &info) == HSX_HAL_OK);
    APP_CHECK(info.status == HSX_CAP_STATUS_HELD);
    if (write(a->out, &info.id, sizeof(info.id)) != sizeof(info.id) || read(a->in, &go, 1) != 1)
        return 2;
    int n = hsx_uart_write_timeout(0, z, sizeof(z), 60000);
    APP_CHECK(n == HSX_HAL_DENIED);
    return 0;
}

static void *root_writer(void *arg)
{
    static uint8_t a[8192];

    memset(a, 'A', sizeof(a));
    *(int *)arg = hsx_uart_write_timeout(0, a, sizeof(a), 30000);
    return NULL;
}

/*
 * A holder's write waits for the port's write lock behind another process's
 * long write; its capability is revoked; the line moves again and the lock
 * frees. Before: the write took the lock and sent its bytes unchecked.
 */
static void a_revoked_writer_queued_for_the_lock_sends_nothing(void **state)
{
    hsx_uart_settings_t flow = {.baud = 115200, .stop_bits = 1, .flow = HSX_UART_FLOW_RTSCTS};
    hsx_uart_status_t st, before;
    struct app a;
    pthread_t t;
    uint64_t id;
    int written = 0;
    (void)state;

    assert_int_equal(hsx_uart_set_lines(0, HSX_UART_LINE_LOOP, HSX_UART_LINE_RTS, NULL),
                     HSX_HAL_OK);
    assert_int_equal(hsx_uart_configure(0, &flow, NULL), HSX_HAL_OK);
    assert_int_equal(hsx_uart_get_status_ex(0, &before), HSX_HAL_OK);
    assert_int_equal(pthread_create(&t, NULL, root_writer, &written), 0);
    for (uint64_t start = e2e_now_ms(); e2e_now_ms() - start < E2E_LIVENESS_MS; usleep(50000)) {
        assert_int_equal(hsx_uart_get_status_ex(0, &st), HSX_HAL_OK);
        if (!(st.status & HSX_UART_STATUS_TX_READY))
            break;
    }
    start_app(&a, app_queued_writer, APP_UID);
    assert_true(hear(a.from_app, &id, sizeof(id)));
    assert_int_equal(write(a.to_app, "g", 1), 1);
    usleep(300000); /* queued for the lock */
    admin_revoke(id);
    usleep(200000);
    /* The line moves (flow control off restarts it): the other write ends, the lock frees. */
    hsx_uart_settings_t none = {.baud = 115200, .stop_bits = 1};
    assert_int_equal(hsx_uart_configure(0, &none, NULL), HSX_HAL_OK);
    pthread_join(t, NULL);
    assert_int_equal(written, 8192);
    assert_int_equal(finish_app(&a), 0);
    assert_int_equal(hsx_uart_drain(0, 0), HSX_HAL_OK);
    assert_int_equal(hsx_uart_get_status_ex(0, &st), HSX_HAL_OK);
    assert_true(st.tx_bytes - before.tx_bytes == 8192);
    assert_int_equal(hsx_uart_set_lines(0, 0, HSX_UART_LINE_LOOP, NULL), HSX_HAL_OK);
    assert_int_equal(hsx_uart_discard(0, HSX_UART_DISCARD_RX), HSX_HAL_OK);
    assert_int_equal(hsx_uart_init(0), HSX_HAL_OK);
}

/* Queued for the port's break lock behind root's break, then revoked: must be denied. */
static int app_queued_break(struct app *a)
{
    hsx_cap_info_t info;
    uint8_t go;

    (void)hsx_uart_get_status(1); /* acquires the capability */
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_UART, &info) == HSX_HAL_OK);
    APP_CHECK(info.status == HSX_CAP_STATUS_HELD);
    APP_CHECK(info.rights & HSX_CAP_RIGHT_UART_CONFIG);
    if (write(a->out, &info.id, sizeof(info.id)) != sizeof(info.id) || read(a->in, &go, 1) != 1)
        return 2;
    /* As long as root's: it waits that long for the lock, and a timeout is no denial. */
    APP_CHECK(hsx_uart_send_break(1, HSX_UART_BREAK_MAX_MS) == HSX_HAL_DENIED);
    return 0;
}

/* Root's break on port 1, through its own file: a signal ends it (the library retries EINTR). */
static struct {
    int fd;
    int ret, err;
    atomic_int tid;
    atomic_bool done;
    bool running; /* a thread to end and join */
    pthread_t thread;
} root_brk = {.fd = -1};

static void *root_break(void *arg)
{
    struct hsx_uart_ctl c = {.port = 1, .value = HSX_UART_BREAK_MAX_MS};
    sigset_t only_usr1;
    (void)arg;

    /*
     * SIGUSR1 alone: the SIGCHLD of system()'s child (admin_revoke) goes to
     * a thread that does not block it, and the main thread blocks it there;
     * here it would end the break with EINTR, ignored as it is.
     */
    sigfillset(&only_usr1);
    sigdelset(&only_usr1, SIGUSR1);
    pthread_sigmask(SIG_SETMASK, &only_usr1, NULL);
    atomic_store(&root_brk.tid, (int)gettid());
    root_brk.ret = ioctl(root_brk.fd, HSX_IOC_UART_BREAK, &c);
    root_brk.err = errno;
    atomic_store(&root_brk.done, true);
    return NULL;
}

static void ignore_signal(int sig)
{
    (void)sig;
}

/* The system call the task whose /proc directory is @dir is in, or -1. */
static long proc_syscall(const char *dir)
{
    char path[96];
    long nr = -1;
    FILE *f;

    snprintf(path, sizeof(path), "%s/syscall", dir);
    f = fopen(path, "r");
    if (f) {
        if (fscanf(f, "%ld", &nr) != 1)
            nr = -1;
        fclose(f);
    }
    return nr;
}

static bool proc_sleeping(const char *dir)
{
    char path[96], text[256], *end;
    FILE *f;
    size_t n;

    snprintf(path, sizeof(path), "%s/stat", dir);
    f = fopen(path, "r");
    n = f ? fread(text, 1, sizeof(text) - 1, f) : 0;
    if (f)
        fclose(f);
    text[n] = '\0';
    end = strrchr(text, ')'); /* the state follows the command's name */
    return end && end[1] == ' ' && end[2] == 'S';
}

/*
 * Until the task whose /proc directory is @dir sleeps in an ioctl (a break,
 * or the wait for its lock), or the liveness bound: in an ioctl before and
 * after it was seen asleep, twice in a row (one look at each file could
 * pair a sleep in the read() before with the ioctl after).
 */
static bool asleep_in_ioctl(const char *dir)
{
    int seen = 0;

    for (uint64_t start = e2e_now_ms(); e2e_now_ms() - start < E2E_LIVENESS_MS; usleep(20000)) {
        bool yes =
            proc_syscall(dir) == SYS_ioctl && proc_sleeping(dir) && proc_syscall(dir) == SYS_ioctl;

        seen = yes ? seen + 1 : 0;
        if (seen == 2)
            return true;
    }
    return false;
}

/*
 * A holder's break waits for the port's break lock behind root's break (10
 * s, the longest); its capability is revoked through hsxd. The revocation
 * (which holds the kernel's capability lock while it waits for the holder's
 * calls that change a port) returns while root's break still lasts, and
 * the holder's break is denied, never sent after the lock frees.
 */
static void a_revoked_break_queued_for_the_lock_is_denied(void **state)
{
    struct sigaction sa = {.sa_handler = ignore_signal}; /* no SA_RESTART */
    char dir[64];
    struct app a;
    uint64_t id;
    (void)state;

    /* The holder first: it has its capability before root's break begins. */
    start_app(&a, app_queued_break, CFG_UID);
    assert_true(hear(a.from_app, &id, sizeof(id)));
    assert_int_equal(sigaction(SIGUSR1, &sa, NULL), 0);

    root_brk.fd = open("/dev/hsx/uart", O_RDWR | O_CLOEXEC);
    assert_true(root_brk.fd >= 0);
    atomic_store(&root_brk.done, false);
    atomic_store(&root_brk.tid, 0);
    assert_int_equal(pthread_create(&root_brk.thread, NULL, root_break, NULL), 0);
    root_brk.running = true;
    while (!atomic_load(&root_brk.tid))
        usleep(1000);
    snprintf(dir, sizeof(dir), "/proc/self/task/%d", atomic_load(&root_brk.tid));
    assert_true(asleep_in_ioctl(dir)); /* root's break holds the lock */
    assert_int_equal(write(a.to_app, "g", 1), 1);
    snprintf(dir, sizeof(dir), "/proc/%d", (int)a.pid);
    assert_true(asleep_in_ioctl(dir)); /* the holder's break waits for it */
    admin_revoke(id);
    assert_int_equal(finish_app(&a), 0);
    /* The revocation did not wait for root's break, nor the holder's call. */
    if (atomic_load(&root_brk.done))
        printf("# root's break ended early: %d (%s)\n", root_brk.ret, strerror(root_brk.err));
    assert_false(atomic_load(&root_brk.done));
    pthread_kill(root_brk.thread, SIGUSR1);
    pthread_join(root_brk.thread, NULL);
    root_brk.running = false;
    assert_int_equal(root_brk.ret, -1);
    assert_int_equal(root_brk.err, EINTR);
}

/* Root's break ended and its file closed, also after a failed assertion (the next tests unbind). */
static int end_root_break(void **state)
{
    (void)state;
    if (root_brk.running) {
        pthread_kill(root_brk.thread, SIGUSR1);
        pthread_join(root_brk.thread, NULL);
        root_brk.running = false;
    }
    if (root_brk.fd >= 0)
        close(root_brk.fd);
    root_brk.fd = -1;
    signal(SIGUSR1, SIG_DFL);
    return 0;
}

/* ---- a callback's subscription, unbound and revoked ------------------------------------------ */

static const hsx_uart_settings_t s8n1 = {.baud = 115200, .data_bits = 8, .stop_bits = 1};

/*
 * Port 0's callback, driven by the parent: each byte from it is a step
 * done, each byte to it says what the trace must end with next.
 */
static int app_callback_steps(struct app *a)
{
    static struct rx_trace t = RX_TRACE_INIT;
    hsx_cap_info_t info;
    char want[64], got[sizeof(t.text)];
    bool acquired = false;
    uint8_t len;

    APP_CHECK(hsx_uart_set_rx_callback(0, rx_trace_callback, &t) == HSX_HAL_OK);
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_UART, &info) == HSX_HAL_OK);
    APP_CHECK(info.status == HSX_CAP_STATUS_HELD);
    tell(a->out, &info.id, sizeof(info.id));
    /*
     * Each step: a suffix to wait for ("-": wait 3 s and report the trace as
     * it is; "!cap": acquire a new capability, "!init": hsx_uart_init(0),
     * both calls of the application's own, then report the trace).
     */
    while (read(a->in, &len, 1) == 1 && len) {
        APP_CHECK(len < sizeof(want) && read(a->in, want, len) == len);
        want[len] = '\0';
        if (strcmp(want, "-") == 0) {
            usleep(3000000);
        } else if (strcmp(want, "!cap") == 0) {
            int ret = HSX_HAL_BUSY;
            /* Busy until the library learned of the revocation. */
            for (int i = 0; i < 50 && ret == HSX_HAL_BUSY; i++) {
                ret = hsx_cap_request(HSX_CAP_MODULE_UART, 0, NULL);
                if (ret == HSX_HAL_BUSY)
                    usleep(100 * 1000);
            }
            APP_CHECK(ret == HSX_HAL_OK);
            acquired = true;
        } else if (strcmp(want, "!init") == 0) {
            APP_CHECK(hsx_uart_init(0) == HSX_HAL_OK);
            acquired = true;
        } else if (want[0] != '!' && !rx_trace_wait(&t, want, E2E_LIVENESS_MS / 2))
            fprintf(stderr, "app: no \"%s\" in time\n", want);
        rx_trace_get(&t, got, sizeof(got));
        uint8_t n = (uint8_t)strlen(got);
        tell(a->out, &n, 1);
        tell(a->out, got, n);
    }
    APP_CHECK(t.bad == 0);
    /* Never asked hsxd again on the callback's behalf: still revoked, nothing held. */
    APP_CHECK(hsx_cap_get(HSX_CAP_MODULE_UART, &info) == HSX_HAL_OK);
    APP_CHECK(acquired || info.status != HSX_CAP_STATUS_HELD);
    return 0;
}

/* Tell the app what to wait for; returns its trace then. */
static void step(struct app *a, const char *want, char *got, size_t size)
{
    uint8_t len = (uint8_t)strlen(want), n;

    assert_int_equal(write(a->to_app, &len, 1), 1);
    assert_int_equal(write(a->to_app, want, len), len);
    assert_true(hear(a->from_app, &n, 1));
    assert_true(n < size);
    assert_true(n == 0 || hear(a->from_app, got, n));
    got[n] = '\0';
}

static void send_to_app(const char *text)
{
    uint32_t len = (uint32_t)strlen(text);

    assert_int_equal(hsx_uart_write(1, text, len), (int)len);
}

/*
 * Revoked while its port was unbound: the subscription to the new binding is
 * denied, the callback ends (<E>) and nothing comes after. Revoked while
 * bound: it ends at once, and binding the port again brings nothing.
 */
static void a_revoked_callback_is_not_subscribed_again(void **state)
{
    char got[512];
    struct app a;
    uint64_t id;
    (void)state;

    for (int bound = 0; bound < 2; bound++) {
        assert_int_equal(hsx_uart_configure(1, &s8n1, NULL), HSX_HAL_OK);
        start_app(&a, app_callback_steps, APP_UID);
        assert_true(hear(a.from_app, &id, sizeof(id)));
        send_to_app("hello");
        step(&a, "hello", got, sizeof(got));
        assert_string_equal(got, "hello");
        if (bound) {
            admin_revoke(id);
            step(&a, "<E>", got, sizeof(got));
            assert_string_equal(got, "hello<E>");
            assert_int_equal(e2e_map_uart(0, ""), 0);
        } else {
            assert_int_equal(e2e_map_uart(0, ""), 0);
            step(&a, "<U>", got, sizeof(got));
            assert_string_equal(got, "hello<U>");
            admin_revoke(id);
        }
        assert_int_equal(e2e_map_uart(0, "ttyS2"), 0);
        assert_int_equal(hsx_uart_configure(0, &s8n1, NULL), HSX_HAL_OK);
        step(&a, "-", got, sizeof(got)); /* the longest interval between tries, and more */
        send_to_app("late");
        step(&a, "-", got, sizeof(got));
        assert_string_equal(got, bound ? "hello<E>" : "hello<U><E>");
        assert_int_equal(write(a.to_app, "", 1), 1);
        assert_int_equal(finish_app(&a), 0);
    }
    assert_int_equal(hsx_uart_init(0), HSX_HAL_OK);
}

/*
 * Revoked while its port was unbound, then (the administrator granting its
 * uid the port again) the application holds another capability of its own
 * accord before the port is back: the callback was
 * subscribed under the revoked one, so it ends (<E>) instead of moving to
 * the new binding under the new one. Twice: the application's
 * hsx_uart_init() acquires one and subscribes the port itself, once it is
 * back, after the tries are 1 s apart; the application acquires one
 * (hsx_cap_request()) and the library's own try finds it.
 */
static void a_callback_revoked_while_unbound_ends_under_a_new_capability(void **state)
{
    char got[512];
    struct app a;
    uint64_t id;
    (void)state;

    for (int init = 1; init >= 0; init--) {
        assert_int_equal(hsx_uart_configure(1, &s8n1, NULL), HSX_HAL_OK);
        start_app(&a, app_callback_steps, APP_UID);
        assert_true(hear(a.from_app, &id, sizeof(id)));
        send_to_app("hello");
        step(&a, "hello", got, sizeof(got));
        assert_int_equal(e2e_map_uart(0, ""), 0);
        step(&a, "<U>", got, sizeof(got));
        assert_string_equal(got, "hello<U>");
        if (init)
            step(&a, "-", got, sizeof(got)); /* the tries 1 s apart */
        admin_revoke(id);
        /* The revoked process is barred until a grant made after the revocation. */
        assert_int_equal(
            system("hsxctl cap grant --uid 1000 uart read,write 0 --for 60 > /dev/null"), 0);
        usleep(200 * 1000); /* the app learns of the revocation */
        if (!init)
            step(&a, "!cap", got, sizeof(got));
        assert_int_equal(e2e_map_uart(0, "ttyS2"), 0);
        if (init)
            step(&a, "!init", got, sizeof(got));
        assert_int_equal(hsx_uart_configure(0, &s8n1, NULL), HSX_HAL_OK);
        step(&a, "-", got, sizeof(got)); /* the longest interval between tries, and more */
        send_to_app("late");
        step(&a, "-", got, sizeof(got));
        assert_string_equal(got, "hello<U><E>");
        assert_int_equal(write(a.to_app, "", 1), 1);
        assert_int_equal(finish_app(&a), 0);
    }
    assert_int_equal(hsx_uart_init(0), HSX_HAL_OK);
}

/* Unbound and bound again under a capability still in force: subscribed again. */
static void an_unbound_callback_is_subscribed_again(void **state)
{
    char got[512];
    struct app a;
    uint64_t id;
    (void)state;

    assert_int_equal(hsx_uart_configure(1, &s8n1, NULL), HSX_HAL_OK);
    start_app(&a, app_callback_steps, APP_UID);
    assert_true(hear(a.from_app, &id, sizeof(id)));
    send_to_app("one");
    step(&a, "one", got, sizeof(got));
    assert_int_equal(e2e_map_uart(0, ""), 0);
    step(&a, "<U>", got, sizeof(got));
    assert_int_equal(e2e_map_uart(0, "ttyS2"), 0);
    assert_int_equal(hsx_uart_configure(0, &s8n1, NULL), HSX_HAL_OK);
    step(&a, "<R>", got, sizeof(got));
    send_to_app("two");
    step(&a, "two", got, sizeof(got));
    assert_string_equal(got, "one<U><R>two");
    /* Then revoked: ended, and the app's last check finds nothing held. */
    admin_revoke(id);
    step(&a, "<E>", got, sizeof(got));
    assert_string_equal(got, "one<U><R>two<E>");
    assert_int_equal(write(a.to_app, "", 1), 1);
    assert_int_equal(finish_app(&a), 0);
    assert_int_equal(hsx_uart_init(0), HSX_HAL_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(policy_ports_and_rights_are_what_apps_get),
        cmocka_unit_test(revocation_ends_a_blocked_read),
        cmocka_unit_test(revocation_ends_a_blocked_write),
        cmocka_unit_test(a_revoked_writer_queued_for_the_lock_sends_nothing),
        cmocka_unit_test_teardown(a_revoked_break_queued_for_the_lock_is_denied, end_root_break),
        cmocka_unit_test(an_unbound_callback_is_subscribed_again),
        cmocka_unit_test(a_revoked_callback_is_not_subscribed_again),
        cmocka_unit_test(a_callback_revoked_while_unbound_ends_under_a_new_capability),
    };

    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
