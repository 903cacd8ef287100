/* SPDX-License-Identifier: MIT */
/*
 * The GPIO module against gpio-sim (debug kernel): values written are seen on
 * the simulated line and the reverse, pull changes raise edges with the right
 * edge and value, floods are accounted exactly, lines are released with their
 * last user, reads and writes running beside a reconfiguration of their pin
 * see only what one configuration or the other allows. On a kernel without
 * gpio-sim (Debian's stock kernel) only what needs no hardware runs: bad pins,
 * unbound pins, bindings to absent chips.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cap_holder.h"
#include "e2e.h"
#include "hsx_mailbox.h"
#include "hsx_uapi.h"

#define SIM_NAME "hsx-e2e"
#define SIM_LABEL "hsx-sim"
#define SIM_LINES 8

static struct e2e_sim sim;
static int have_sim;

static void sim_pull(unsigned int line, int up)
{
    e2e_sim_pull(&sim, line, up);
}

static int sim_value(unsigned int line)
{
    return e2e_sim_value(&sim, line);
}

static void read_line(const char *path, char *buf, size_t len)
{
    e2e_read_line(path, buf, len);
}

static int map_pin(unsigned int pin, const char *chip, unsigned int offset)
{
    return e2e_map_pin(pin, chip, offset);
}

static int configure(int fd, unsigned int pin, unsigned int mode, unsigned int pull,
                     unsigned int flags)
{
    struct hsx_gpio_config c = {.pin = pin, .mode = mode, .pull = pull, .flags = flags};

    return e2e_ioctl(fd, HSX_IOC_GPIO_CONFIG, &c);
}

/* READ, WRITE and TOGGLE take a number, not a pointer. */
static int value_op(int fd, unsigned long request, unsigned long number)
{
    return e2e_ioctl(fd, request, (void *)(uintptr_t)number);
}

static int gpio_read(int fd, unsigned int pin)
{
    return value_op(fd, HSX_IOC_GPIO_READ, HSX_GPIO_VALUE_ARG(pin, 0));
}

static int gpio_write(int fd, unsigned int pin, unsigned int value)
{
    return value_op(fd, HSX_IOC_GPIO_WRITE, HSX_GPIO_VALUE_ARG(pin, value));
}

static int set_interrupt(int fd, unsigned int pin, unsigned int edge, unsigned int enable)
{
    struct hsx_gpio_interrupt i = {.pin = pin, .edge = edge, .enable = enable};

    return e2e_ioctl(fd, HSX_IOC_GPIO_SET_INTERRUPT, &i);
}

static hsx_mailbox_t *listen_pin(unsigned int pin)
{
    char name[HSX_MBOX_NAME_MAX];
    hsx_mailbox_t *mb = NULL;

    snprintf(name, sizeof(name), HSX_MBOX_GPIO_FMT, pin);
    assert_int_equal(hsx_mailbox_open(name, &mb), HSX_HAL_OK);
    return mb;
}

static void expect_edge(hsx_mailbox_t *mb, unsigned int pin, unsigned int edge, unsigned int value,
                        uint64_t line_seq)
{
    hsx_mailbox_event_t ev;

    assert_int_equal(hsx_mailbox_recv(mb, &ev, E2E_LIVENESS_MS), HSX_HAL_OK);
    assert_int_equal(ev.type, HSX_MAILBOX_EVENT_DATA);
    assert_int_equal(ev.module, HSX_MAILBOX_MODULE_GPIO);
    assert_int_equal(ev.u.gpio.pin, pin);
    assert_int_equal(ev.u.gpio.edge, edge);
    assert_int_equal(ev.u.gpio.value, value);
    assert_int_equal(ev.u.gpio.line_seq, line_seq);
    assert_int_equal(ev.dropped, 0);
    assert_true(ev.u.gpio.timestamp_ns <= ev.timestamp_ns);
}

static int sim_setup(void **state)
{
    static const char *const names[SIM_LINES] = {"button"};
    unsigned int pin;

    (void)state;
    have_sim = e2e_sim_create(&sim, SIM_NAME, SIM_LABEL, SIM_LINES, names) == 0;
    if (!have_sim) {
        printf("# " E2E_NO_GPIO_SIM ": running the hardware-free checks only\n");
        return 0;
    }
    for (pin = 0; pin < SIM_LINES; pin++)
        if (map_pin(pin, SIM_LABEL, pin))
            fail_msg("cannot bind pin %u", pin);
    return 0;
}

static int sim_teardown(void **state)
{
    unsigned int pin;

    (void)state;
    for (pin = 0; have_sim && pin < SIM_LINES; pin++)
        map_pin(pin, "", 0);
    return 0;
}

#define NEED_SIM()                                                                                 \
    do {                                                                                           \
        if (!have_sim)                                                                             \
            return;                                                                                \
    } while (0)

static void bad_pins_and_bindings_are_clear_errors(void **state)
{
    (void)state;
    int fd = e2e_open_node("gpio");
    struct hsx_gpio_config c = {.pin = HSX_GPIO_MAX_PINS, .mode = HSX_GPIO_M_INPUT};
    struct hsx_gpio_map m = {.pin = 40, .chip = "x"};

    assert_int_equal(e2e_ioctl(fd, HSX_IOC_GPIO_CONFIG, &c), -EINVAL);
    assert_int_equal(configure(fd, 40, 7, 0, 0), -EINVAL);
    assert_int_equal(configure(fd, 40, HSX_GPIO_M_INPUT, 5, 0), -EINVAL);
    assert_int_equal(configure(fd, 40, HSX_GPIO_M_ANALOG, 0, 0), -EOPNOTSUPP);
    /* Pin 40 is bound to nothing. */
    assert_int_equal(configure(fd, 40, HSX_GPIO_M_INPUT, 0, 0), -ENXIO);
    assert_int_equal(gpio_read(fd, 40), -EINVAL);
    assert_int_equal(set_interrupt(fd, 40, HSX_GPIO_E_BOTH, 1), -EINVAL);
    /* Only the admin node binds pins. */
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_GPIO_MAP, &m), -EPERM);
    /* A binding to a chip that does not exist fails when used, clearly. */
    assert_int_equal(map_pin(40, "no-such-chip", 3), 0);
    assert_int_equal(configure(fd, 40, HSX_GPIO_M_INPUT, 0, 0), -ENODEV);
    assert_int_equal(map_pin(40, "", 0), 0);
    assert_true(e2e_exists("/sys/hal/gpio/40/mapping"));
    close(fd);
}

static void outputs_drive_the_simulated_line(void **state)
{
    (void)state;
    NEED_SIM();
    int fd = e2e_open_node("gpio");

    assert_int_equal(configure(fd, 1, HSX_GPIO_M_OUTPUT, 0, 0), 0);
    assert_int_equal(gpio_write(fd, 1, 1), 0);
    assert_int_equal(sim_value(1), 1);
    assert_int_equal(gpio_write(fd, 1, 0), 0);
    assert_int_equal(sim_value(1), 0);
    /* TOGGLE answers with the value it drove; READ reads it back. */
    assert_int_equal(value_op(fd, HSX_IOC_GPIO_TOGGLE, HSX_GPIO_VALUE_ARG(1, 0)), 1);
    assert_int_equal(sim_value(1), 1);
    assert_int_equal(gpio_read(fd, 1), 1);
    /* A number with a bit the function does not define is refused, and drives nothing. */
    assert_int_equal(gpio_write(fd, 1, 2), -EINVAL);
    assert_int_equal(value_op(fd, HSX_IOC_GPIO_WRITE, HSX_GPIO_VALUE_ARG(1, 0) | 1UL << 31),
                     -EINVAL);
    assert_int_equal(value_op(fd, HSX_IOC_GPIO_TOGGLE, HSX_GPIO_VALUE_ARG(1, 1)), -EINVAL);
    assert_int_equal(value_op(fd, HSX_IOC_GPIO_READ, HSX_GPIO_VALUE_ARG(1, 1)), -EINVAL);
    assert_int_equal(gpio_write(fd, HSX_GPIO_MAX_PINS, 0), -EINVAL);
    assert_int_equal(gpio_write(fd, 0xff, 0), -EINVAL);
    assert_int_equal(sim_value(1), 1);
    /* The function's number with an argument struct's size and direction is not it. */
    struct {
        uint32_t pin, value, reserved[2];
    } old = {.pin = 1};
    assert_int_equal(e2e_ioctl(fd, _IOWR(HSX_IOC_MAGIC, _IOC_NR(HSX_IOC_GPIO_READ), old), &old),
                     -EINVAL);
    /* Active-low: logical 1 drives the line low. */
    assert_int_equal(configure(fd, 1, HSX_GPIO_M_OUTPUT, 0, HSX_GPIO_F_ACTIVE_LOW), 0);
    assert_int_equal(gpio_write(fd, 1, 1), 0);
    assert_int_equal(sim_value(1), 0);
    /* An input cannot be driven. */
    assert_int_equal(configure(fd, 1, HSX_GPIO_M_INPUT, 0, 0), 0);
    assert_int_equal(gpio_write(fd, 1, 1), -EPERM);
    close(fd);
}

/*
 * Open drain drives low and otherwise lets go; open source is the mirror
 * image. gpiolib emulates both on a chip without the drive modes (gpio-sim)
 * by turning the line to an input to let go, and gpio-sim keeps a released
 * line at its last driven level (it models no external pull there): so a
 * level the mode must never drive is seen never to appear.
 */
static void open_drain_and_open_source_drive_one_level(void **state)
{
    (void)state;
    NEED_SIM();
    int fd = e2e_open_node("gpio");

    assert_int_equal(configure(fd, 2, HSX_GPIO_M_OUTPUT, 0, HSX_GPIO_F_OPEN_DRAIN), 0);
    assert_int_equal(gpio_write(fd, 2, 0), 0);
    assert_int_equal(sim_value(2), 0);
    assert_int_equal(gpio_write(fd, 2, 1), 0);
    assert_int_equal(sim_value(2), 0); /* released, never driven high */

    assert_int_equal(configure(fd, 2, HSX_GPIO_M_OUTPUT, 0, HSX_GPIO_F_OPEN_SOURCE), 0);
    assert_int_equal(gpio_write(fd, 2, 1), 0);
    assert_int_equal(sim_value(2), 1);
    assert_int_equal(gpio_write(fd, 2, 0), 0);
    assert_int_equal(sim_value(2), 1); /* released, never driven low */

    /* Push-pull drives both levels. */
    assert_int_equal(configure(fd, 2, HSX_GPIO_M_OUTPUT, 0, 0), 0);
    assert_int_equal(gpio_write(fd, 2, 0), 0);
    assert_int_equal(sim_value(2), 0);
    assert_int_equal(gpio_write(fd, 2, 1), 0);
    assert_int_equal(sim_value(2), 1);
    /* Both drive modes at once make no sense. */
    assert_int_equal(
        configure(fd, 2, HSX_GPIO_M_OUTPUT, 0, HSX_GPIO_F_OPEN_DRAIN | HSX_GPIO_F_OPEN_SOURCE),
        -EINVAL);
    close(fd);
}

static void inputs_read_the_simulated_line(void **state)
{
    (void)state;
    NEED_SIM();
    int fd = e2e_open_node("gpio");

    assert_int_equal(configure(fd, 0, HSX_GPIO_M_INPUT, HSX_GPIO_P_DOWN, 0), 0);
    assert_int_equal(gpio_read(fd, 0), 0);
    sim_pull(0, 1);
    assert_int_equal(gpio_read(fd, 0), 1);
    sim_pull(0, 0);
    assert_int_equal(gpio_read(fd, 0), 0);
    /* hsx's own pull setting reaches the line too. */
    assert_int_equal(configure(fd, 0, HSX_GPIO_M_INPUT, HSX_GPIO_P_UP, 0), 0);
    assert_int_equal(gpio_read(fd, 0), 1);
    close(fd);
}

static void multi_pin_reads_and_writes(void **state)
{
    (void)state;
    NEED_SIM();
    int fd = e2e_open_node("gpio");
    struct hsx_gpio_multi m = {.mask = 0x30, .values = 0x10};

    assert_int_equal(configure(fd, 4, HSX_GPIO_M_OUTPUT, 0, 0), 0);
    assert_int_equal(configure(fd, 5, HSX_GPIO_M_OUTPUT, 0, HSX_GPIO_F_INIT_HIGH), 0);
    assert_int_equal(sim_value(5), 1);
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_GPIO_WRITE_MULTI, &m), 0);
    assert_int_equal(sim_value(4), 1);
    assert_int_equal(sim_value(5), 0);
    m.values = 0;
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_GPIO_READ_MULTI, &m), 0);
    assert_int_equal(m.values, 0x10);
    m.mask = 0x70; /* pin 6 is not configured */
    m.values = 0;
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_GPIO_READ_MULTI, &m), -EINVAL);
    m.mask = 0x30;
    m.values = 0x40; /* a value outside the mask */
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_GPIO_WRITE_MULTI, &m), -EINVAL);
    close(fd);
}

static void pull_changes_raise_edges(void **state)
{
    (void)state;
    NEED_SIM();
    int fd = e2e_open_node("gpio");
    hsx_mailbox_t *mb;
    hsx_mailbox_event_t ev;

    sim_pull(2, 0);
    assert_int_equal(configure(fd, 2, HSX_GPIO_M_INPUT, HSX_GPIO_P_NONE, 0), 0);
    mb = listen_pin(2);
    assert_int_equal(set_interrupt(fd, 2, HSX_GPIO_E_BOTH, 1), 0);
    sim_pull(2, 1);
    expect_edge(mb, 2, HSX_GPIO_E_RISING, 1, 1);
    sim_pull(2, 0);
    expect_edge(mb, 2, HSX_GPIO_E_FALLING, 0, 2);

    /* Rising only: the falling edge is not reported. */
    assert_int_equal(set_interrupt(fd, 2, HSX_GPIO_E_RISING, 1), 0);
    sim_pull(2, 1);
    expect_edge(mb, 2, HSX_GPIO_E_RISING, 1, 1);
    sim_pull(2, 0);
    sim_pull(2, 1);
    expect_edge(mb, 2, HSX_GPIO_E_RISING, 1, 2);

    /* Disabled: nothing. */
    assert_int_equal(set_interrupt(fd, 2, 0, 0), 0);
    sim_pull(2, 0);
    sim_pull(2, 1);
    assert_int_equal(hsx_mailbox_recv(mb, &ev, 200), HSX_HAL_TIMEOUT);
    assert_true(e2e_sysfs_u64("/sys/hal/gpio/2/interrupts") >= 4);
    assert_int_equal(hsx_mailbox_close(mb), HSX_HAL_OK);
    close(fd);
}

/* Every edge is either delivered or counted: delivered + dropped = generated. */
static void an_edge_flood_is_accounted_exactly(void **state)
{
    (void)state;
    NEED_SIM();
    enum { EDGES = 300 };
    int fd = e2e_open_node("gpio");
    uint64_t delivered = 0, dropped = 0, last_line_seq = 0, first_seq = 0, last_seq = 0;
    hsx_mailbox_event_t ev;
    hsx_mailbox_t *mb;
    int i, ret;

    sim_pull(3, 0);
    assert_int_equal(configure(fd, 3, HSX_GPIO_M_INPUT, HSX_GPIO_P_NONE, 0), 0);
    mb = listen_pin(3);
    assert_int_equal(setsockopt(hsx_mailbox_fd(mb), SOL_SOCKET, SO_RCVBUF, &(int){1}, sizeof(int)),
                     0);
    assert_int_equal(set_interrupt(fd, 3, HSX_GPIO_E_BOTH, 1), 0);
    for (i = 0; i < EDGES; i++)
        sim_pull(3, !(i & 1));
    /* Let the IRQ thread post the last edges, then read everything. */
    e2e_wait_sysfs(EDGES, 1, "/sys/hal/gpio/3/interrupts");
    usleep(200000);
    while ((ret = hsx_mailbox_recv(mb, &ev, 200)) == HSX_HAL_OK) {
        if (!first_seq)
            first_seq = ev.seq - ev.dropped;
        delivered++;
        dropped += ev.dropped;
        last_line_seq = ev.u.gpio.line_seq;
        last_seq = ev.seq;
    }
    assert_int_equal(ret, HSX_HAL_TIMEOUT);
    /* Drops after the last delivered event are reported by the next one: disable
     * and read the close notice of the pin's mailbox when the line is released. */
    assert_int_equal(set_interrupt(fd, 3, 0, 0), 0);
    close(fd);
    ret = hsx_mailbox_recv(mb, &ev, E2E_LIVENESS_MS);
    assert_int_equal(ret, HSX_HAL_CLOSED);
    dropped += ev.dropped;
    printf("# %d edges: %llu delivered, %llu dropped, line_seq %llu\n", EDGES,
           (unsigned long long)delivered, (unsigned long long)dropped,
           (unsigned long long)last_line_seq);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/gpio/3/interrupts"), EDGES);
    assert_int_equal(delivered + dropped, EDGES);
    assert_int_equal(ev.seq - first_seq, EDGES);
    assert_true(last_seq < ev.seq);
    assert_int_equal(hsx_mailbox_close(mb), HSX_HAL_OK);
}

static void two_applications_share_a_pin(void **state)
{
    (void)state;
    NEED_SIM();
    int a = e2e_open_node("gpio"), b = e2e_open_node("gpio");
    hsx_mailbox_t *ma, *mb;

    sim_pull(6, 0);
    assert_int_equal(configure(a, 6, HSX_GPIO_M_INPUT, HSX_GPIO_P_NONE, 0), 0);
    assert_int_equal(gpio_read(b, 6), 0);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/gpio/6/users"), 2);
    ma = listen_pin(6);
    mb = listen_pin(6);
    assert_int_equal(set_interrupt(b, 6, HSX_GPIO_E_RISING, 1), 0);
    sim_pull(6, 1);
    expect_edge(ma, 6, HSX_GPIO_E_RISING, 1, 1);
    expect_edge(mb, 6, HSX_GPIO_E_RISING, 1, 1);
    /* The first user leaves; the pin stays for the second. */
    close(a);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/gpio/6/users"), 1);
    assert_int_equal(gpio_read(b, 6), 1);
    close(b);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/gpio/6/users"), 0);
    hsx_mailbox_close(ma);
    hsx_mailbox_close(mb);
}

struct hammer {
    int fd;
    unsigned int pin;
    atomic_bool stop;
    unsigned int reads, writes, refused, bad; /* bad: any other outcome */
};

/* Reads and writes of a pin this client uses already, until told to stop. */
static void *hammer_pin(void *arg)
{
    struct hammer *h = arg;

    for (unsigned int i = 0; !atomic_load(&h->stop); i++) {
        int r = gpio_read(h->fd, h->pin), w = gpio_write(h->fd, h->pin, i & 1);

        h->reads += r == 0 || r == 1;
        h->writes += w == 0;
        h->refused += w == -EPERM;
        h->bad += (r != 0 && r != 1) + (w != 0 && w != -EPERM);
    }
    return NULL;
}

/*
 * Reads and writes of a pin another client keeps reconfiguring (output, open
 * drain, which requests the line again, input) each meet one configuration:
 * a read always has a value, a write is done or refused as an input's.
 */
static void value_ops_beside_reconfiguration(void **state)
{
    (void)state;
    NEED_SIM();
    int a = e2e_open_node("gpio"), b = e2e_open_node("gpio");
    struct hammer h = {.fd = b, .pin = 3};
    pthread_t th;

    assert_int_equal(configure(a, 3, HSX_GPIO_M_OUTPUT, 0, 0), 0);
    assert_true(gpio_read(b, 3) >= 0); /* b uses the pin from now on */
    assert_int_equal(pthread_create(&th, NULL, hammer_pin, &h), 0);
    for (int i = 0; i < 200; i++) {
        assert_int_equal(configure(a, 3, HSX_GPIO_M_OUTPUT, 0, 0), 0);
        assert_int_equal(configure(a, 3, HSX_GPIO_M_OUTPUT, 0, HSX_GPIO_F_OPEN_DRAIN), 0);
        assert_int_equal(configure(a, 3, HSX_GPIO_M_INPUT, HSX_GPIO_P_DOWN, 0), 0);
    }
    atomic_store(&h.stop, true);
    pthread_join(th, NULL);
    printf("# %u reads, %u writes, %u writes refused\n", h.reads, h.writes, h.refused);
    assert_int_equal(h.bad, 0);
    assert_true(h.reads > 0);
    /* Left an input: writes are refused and do not reach the line. */
    assert_int_equal(gpio_write(b, 3, 1), -EPERM);
    assert_int_equal(sim_value(3), 0);
    assert_int_equal(gpio_read(b, 3), 0);
    close(a);
    close(b);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/gpio/3/users"), 0);
}

/* The last user's close releases the line; gpiolib shows it free again. */
static void closing_releases_the_line(void **state)
{
    (void)state;
    NEED_SIM();
    int fd = e2e_open_node("gpio");
    struct hsx_gpio_map busy = {.pin = 7, .chip = SIM_LABEL, .offset = 7};
    char mode[32];
    int ctl;

    assert_int_equal(configure(fd, 7, HSX_GPIO_M_OUTPUT, 0, 0), 0);
    read_line("/sys/hal/gpio/7/mode", mode, sizeof(mode));
    assert_string_equal(mode, "output");
    ctl = e2e_open_node("ctl");
    assert_int_equal(e2e_ioctl(ctl, HSX_IOC_GPIO_MAP, &busy), -EBUSY);
    close(fd);
    read_line("/sys/hal/gpio/7/mode", mode, sizeof(mode));
    assert_string_equal(mode, "unconfigured");
    assert_int_equal(e2e_ioctl(ctl, HSX_IOC_GPIO_MAP, &busy), 0);
    close(ctl);
}

static void sigkill_of_a_waiting_user_leaks_nothing(void **state)
{
    (void)state;
    NEED_SIM();
    uint64_t subs = e2e_sysfs_u64("/sys/hal/mailbox/subscriptions");
    int pipefd[2], status;
    pid_t pid;
    char c;

    assert_int_equal(pipe(pipefd), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int fd = e2e_open_node("gpio");
        hsx_mailbox_t *mb;
        hsx_mailbox_event_t ev;

        if (configure(fd, 0, HSX_GPIO_M_INPUT, 0, 0) || set_interrupt(fd, 0, 3, 1))
            _exit(2);
        mb = listen_pin(0);
        if (write(pipefd[1], "r", 1) != 1)
            _exit(3);
        hsx_mailbox_recv(mb, &ev, HSX_HAL_TIMEOUT_INF);
        _exit(4);
    }
    close(pipefd[1]);
    assert_int_equal(read(pipefd[0], &c, 1), 1);
    close(pipefd[0]);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/gpio/0/users"), 1);
    usleep(50000);
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_int_equal(e2e_wait_sysfs(0, 0, "/sys/hal/gpio/0/users"), 0);
    assert_int_equal(e2e_wait_sysfs(subs, 0, "/sys/hal/mailbox/subscriptions"), subs);
}

/*
 * A holder's capability is revoked: once REVOKE returns, what it set up under
 * it is gone, as if its file had closed: no interrupt, no driven output, the
 * lines given back. (The holder keeps its file open throughout.)
 */
static int holder_drives_and_listens(int fd, int sock)
{
    CHILD_CHECK(configure(fd, 4, HSX_GPIO_M_OUTPUT, 0, HSX_GPIO_F_INIT_HIGH) == 0);
    CHILD_CHECK(configure(fd, 5, HSX_GPIO_M_INPUT, 0, 0) == 0);
    CHILD_CHECK(set_interrupt(fd, 5, HSX_GPIO_E_BOTH, 1) == 0);
    send_byte(sock, 'r');
    CHILD_CHECK(recv_byte(sock) == 'k');
    CHILD_CHECK(gpio_read(fd, 4) == -EKEYREVOKED);
    CHILD_CHECK(set_interrupt(fd, 5, HSX_GPIO_E_BOTH, 1) == -EKEYREVOKED);
    return 0;
}

static void revoke_releases_the_holders_pins(void **state)
{
    (void)state;
    NEED_SIM();
    struct holder h;
    char text[32];
    uint64_t id;

    assert_int_equal(cap_admin_claim(NULL), 0);
    start_holder(&h, "gpio", holder_drives_and_listens);
    assert_int_equal(mint(h.file, HSX_MODULE_GPIO,
                          HSX_CAP_R_READ | HSX_CAP_R_WRITE | HSX_CAP_R_GPIO_IRQ, pins(0x30),
                          30000000000ull, &id),
                     0);
    send_byte(h.sock, 'g');
    assert_int_equal(recv_byte(h.sock), 'r');
    assert_int_equal(sim_value(4), 1);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/gpio/4/users"), 1);
    read_line("/sys/hal/gpio/5/edge", text, sizeof(text));
    assert_string_equal(text, "both");

    assert_int_equal(revoke_id(id), 0);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/gpio/4/users"), 0);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/gpio/5/users"), 0);
    read_line("/sys/hal/gpio/4/mode", text, sizeof(text));
    assert_string_equal(text, "unconfigured");
    read_line("/sys/hal/gpio/5/edge", text, sizeof(text));
    assert_string_equal(text, "none");
    send_byte(h.sock, 'k');
    assert_int_equal(finish_holder(&h), 0);
    cap_admin_release(NULL);
}

/*
 * A held line is named by its chip (gpio-sim's "gpio-line-names"), read where
 * gpiolib keeps the chip alive; a chip that goes away under a held line
 * leaves the pin answering, unnamed, with clear errors, and its release
 * clean (the debug kernel's KASAN and kernel-log checks watch).
 */
static void a_held_line_is_named_until_its_chip_goes(void **state)
{
    (void)state;
    NEED_SIM();
    struct hsx_gpio_info info = {.pin = 0};
    struct e2e_sim gone;
    char text[64];
    int fd = e2e_open_node("gpio"), ret;

    assert_int_equal(configure(fd, 0, HSX_GPIO_M_INPUT, 0, 0), 0);
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_GPIO_INFO, &info), 0);
    assert_string_equal(info.name, "button");
    read_line("/sys/hal/gpio/0/mapping", text, sizeof(text));
    assert_string_equal(text, SIM_LABEL ":0 button");
    close(fd);

    /* A second chip, held, then taken away. */
    static const char *const names[2] = {"doomed-a", "doomed-b"};
    assert_int_equal(e2e_sim_create(&gone, "hsx-e2e-gone", "hsx-sim-gone", 2, names), 0);
    assert_int_equal(map_pin(20, "hsx-sim-gone", 1), 0);
    fd = e2e_open_node("gpio");
    assert_int_equal(configure(fd, 20, HSX_GPIO_M_INPUT, 0, 0), 0);
    info = (struct hsx_gpio_info){.pin = 20};
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_GPIO_INFO, &info), 0);
    assert_string_equal(info.name, "doomed-b");
    {
        char path[128];

        snprintf(path, sizeof(path), "/sys/kernel/config/gpio-sim/%s/live", gone.name);
        e2e_write_file(path, "0");
    }
    info = (struct hsx_gpio_info){.pin = 20};
    assert_int_equal(e2e_ioctl(fd, HSX_IOC_GPIO_INFO, &info), 0);
    assert_string_equal(info.name, "");
    ret = gpio_read(fd, 20);
    assert_int_equal(ret, -ENODEV);
    close(fd);
    assert_int_equal(e2e_sysfs_u64("/sys/hal/gpio/20/users"), 0);
    assert_int_equal(map_pin(20, "", 0), 0);
}

/*
 * A reconfiguration that fails half way (the direction changed, then the
 * chip refused the rest) leaves the line as it was recorded, not as neither
 * configuration. The test build's fault injection makes gpio-sim, which
 * refuses nothing, fail that way; a production hsx.ko has no such switch
 * and the debug kernel's run covers this.
 */
#define FAIL_NEXT_CONFIGURE "/sys/kernel/debug/hsx_gpio_test/fail_next_configure"

static void a_half_failed_configure_puts_the_line_back(void **state)
{
    (void)state;
    NEED_SIM();
    char text[32];
    int fd;

    if (!e2e_exists(FAIL_NEXT_CONFIGURE)) {
        printf("# a production hsx.ko: no fault injection; the debug kernel's run covers this\n");
        return;
    }
    fd = e2e_open_node("gpio");
    sim_pull(6, 1);
    assert_int_equal(configure(fd, 6, HSX_GPIO_M_INPUT, 0, 0), 0);
    assert_int_equal(gpio_read(fd, 6), 1);
    e2e_write_file(FAIL_NEXT_CONFIGURE, "Y");
    /* An output driven low: the line must not stay one. */
    assert_int_equal(configure(fd, 6, HSX_GPIO_M_OUTPUT, 0, 0), -EIO);
    read_line("/sys/hal/gpio/6/mode", text, sizeof(text));
    assert_string_equal(text, "input");
    /* An input again: it follows the pull (an output would keep driving 0). */
    sim_pull(6, 0);
    sim_pull(6, 1);
    assert_int_equal(gpio_read(fd, 6), 1);
    sim_pull(6, 0);
    assert_int_equal(gpio_read(fd, 6), 0);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_pins_and_bindings_are_clear_errors),
        cmocka_unit_test(outputs_drive_the_simulated_line),
        cmocka_unit_test(open_drain_and_open_source_drive_one_level),
        cmocka_unit_test(inputs_read_the_simulated_line),
        cmocka_unit_test(multi_pin_reads_and_writes),
        cmocka_unit_test(pull_changes_raise_edges),
        cmocka_unit_test(an_edge_flood_is_accounted_exactly),
        cmocka_unit_test(two_applications_share_a_pin),
        cmocka_unit_test(value_ops_beside_reconfiguration),
        cmocka_unit_test(closing_releases_the_line),
        cmocka_unit_test(sigkill_of_a_waiting_user_leaks_nothing),
        cmocka_unit_test(revoke_releases_the_holders_pins),
        cmocka_unit_test(a_held_line_is_named_until_its_chip_goes),
        cmocka_unit_test(a_half_failed_configure_puts_the_line_back),
    };

    return cmocka_run_group_tests_name("e2e_gpio_kernel", tests, sim_setup, sim_teardown);
}
