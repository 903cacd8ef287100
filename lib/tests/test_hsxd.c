// SPDX-License-Identifier: MIT
/*
 * The hsxd protocol from the client's side: requests as the daemon expects
 * them, replies checked before anything is believed, and the exchange over
 * a real unix socket with a fake daemon: descriptor passing, the refusal of
 * a daemon not run by the trusted uid, timeouts, cancellation.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/hsxd_client.h"
#include "fake_hsxd.h"
#include "helpers.h"

static struct fake_hsxd daemon_;

static int setup(void **state)
{
    (void)state;
    return fake_hsxd_start(&daemon_);
}

static int teardown(void **state)
{
    (void)state;
    fake_hsxd_stop(&daemon_);
    hsx_hsxd_set_timeout_ms(0);
    return 0;
}

static int open_devnull(void)
{
    return open("/dev/null", O_RDWR | O_CLOEXEC);
}

static int count_open_fds(void)
{
    DIR *dir = opendir("/proc/self/fd");
    int count = 0;

    assert_non_null(dir);
    while (readdir(dir))
        count++;
    closedir(dir);
    return count;
}

/* ---- messages --------------------------------------------------------------------------- */

static void the_protocol_structs_have_their_wire_size(void **state)
{
    (void)state;
    /* Both sides compile the same header; a change of size is a change of protocol. */
    assert_int_equal(sizeof(struct hsxd_request), 72);
    assert_int_equal(sizeof(struct hsxd_reply), 256);
    assert_int_equal(offsetof(struct hsxd_request, sel), 16);
    assert_int_equal(offsetof(struct hsxd_reply, cap), 16);
    assert_int_equal(offsetof(struct hsxd_reply, message), 96);
}

static void requests_carry_version_op_module_and_what_is_wanted(void **state)
{
    union hsx_cap_selector sel = {.gpio.pins = 0x30};
    struct hsxd_request req;
    (void)state;

    memset(&req, 0xa5, sizeof(req));
    hsx_hsxd_request_init(&req, HSXD_OP_ACQUIRE, HSX_MODULE_GPIO, HSX_CAP_R_READ, &sel);
    assert_int_equal(req.version, HSXD_PROTO_VERSION);
    assert_int_equal(req.op, HSXD_OP_ACQUIRE);
    assert_int_equal(req.module, HSX_MODULE_GPIO);
    assert_int_equal(req.rights, HSX_CAP_R_READ);
    assert_true(req.sel.gpio.pins == 0x30);
    /* Everything else is zero: hsxd may reject non-zero fields it does not expect. */
    assert_true(req.cap_id == 0 && req.pid == 0 && req.uid == 0 && req.lifetime_s == 0 &&
                req.flags == 0 && req.sel.raw[1] == 0 && req.sel.raw[3] == 0);

    hsx_hsxd_request_init(&req, HSXD_OP_RENEW, HSX_MODULE_TIMER, 0, NULL);
    assert_int_equal(req.op, HSXD_OP_RENEW);
    assert_int_equal(req.rights, 0);
    assert_true(req.sel.raw[0] == 0);
}

static struct hsxd_reply granted(const struct hsxd_request *req)
{
    return (struct hsxd_reply){
        .version = HSXD_PROTO_VERSION,
        .op = req->op,
        .cap = {.id = 9, .module = req->module, .rights = HSX_CAP_R_READ, .expiry_ns = 123},
    };
}

static void replies_are_checked(void **state)
{
    struct hsxd_request req;
    struct hsxd_reply reply;
    (void)state;

    hsx_hsxd_request_init(&req, HSXD_OP_ACQUIRE, HSX_MODULE_GPIO, 0, NULL);
    reply = granted(&req);
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply)), 0);

    /* Another version says so whatever its size. */
    reply = granted(&req);
    reply.version = 2;
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply)), -EPROTO);
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, 64), -EPROTO);

    reply = granted(&req);
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply) - 1), -EBADMSG);
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply) + 8), -EBADMSG);
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, 2), -EBADMSG);
    reply.op = HSXD_OP_RENEW;
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply)), -EBADMSG);
    reply = granted(&req);
    reply.status = 5;
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply)), -EBADMSG);
    reply.status = -5000;
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply)), -EBADMSG);

    /* A grant must describe a capability of the module asked for. */
    reply = granted(&req);
    reply.cap.id = 0;
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply)), -EBADMSG);
    reply = granted(&req);
    reply.cap.module = HSX_MODULE_TIMER;
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply)), -EBADMSG);
    reply = granted(&req);
    reply.cap.expiry_ns = 0;
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply)), -EBADMSG);

    /* A refusal needs no capability. */
    reply = (struct hsxd_reply){.version = HSXD_PROTO_VERSION, .op = req.op, .status = -EACCES};
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply)), 0);
}

static void replies_wider_than_the_request_are_refused(void **state)
{
    union hsx_cap_selector pins = {.gpio.pins = 0x30}, timers = {.timer.max_timers = 4};
    struct hsxd_request req;
    struct hsxd_reply reply;
    (void)state;

    /* Narrower than asked, or as asked: the policy's to narrow. */
    hsx_hsxd_request_init(&req, HSXD_OP_ACQUIRE, HSX_MODULE_GPIO,
                          HSX_CAP_R_READ | HSX_CAP_R_GPIO_IRQ, &pins);
    reply = granted(&req);
    reply.cap.sel.gpio.pins = 0x10;
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply)), 0);
    reply.cap.rights = HSX_CAP_R_READ | HSX_CAP_R_GPIO_IRQ;
    reply.cap.sel = pins;
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply)), 0);

    /* A right not asked for, or a pin. */
    reply = granted(&req);
    reply.cap.rights = HSX_CAP_R_READ | HSX_CAP_R_WRITE;
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply)), -EBADMSG);
    reply = granted(&req);
    reply.cap.sel.gpio.pins = 0x31;
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply)), -EBADMSG);
    reply = granted(&req);
    reply.cap.sel = pins;
    reply.cap.sel.raw[2] = 1;
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply)), -EBADMSG);

    /* More timers than asked for. */
    hsx_hsxd_request_init(&req, HSXD_OP_ACQUIRE, HSX_MODULE_TIMER, 0, &timers);
    reply = granted(&req);
    reply.cap.sel.timer.max_timers = 4;
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply)), 0);
    reply.cap.sel.timer.max_timers = 5;
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply)), -EBADMSG);

    /* HSX_CAP_R_ADMIN is never in a capability, asked for everything or not. */
    hsx_hsxd_request_init(&req, HSXD_OP_ACQUIRE, HSX_MODULE_GPIO, 0, NULL);
    reply = granted(&req);
    reply.cap.rights = HSX_CAP_R_GPIO_ALL;
    reply.cap.sel.gpio.pins = ~0ULL;
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply)), 0);
    reply.cap.rights |= HSX_CAP_R_ADMIN;
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply)), -EBADMSG);
    hsx_hsxd_request_init(&req, HSXD_OP_RENEW, HSX_MODULE_GPIO, 0, NULL);
    reply = granted(&req);
    reply.cap.rights = HSX_CAP_R_READ | HSX_CAP_R_ADMIN;
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply)), -EBADMSG);
}

static void messages_end_up_one_printable_line(void **state)
{
    struct hsxd_request req;
    struct hsxd_reply reply;
    (void)state;

    hsx_hsxd_request_init(&req, HSXD_OP_ACQUIRE, HSX_MODULE_GPIO, 0, NULL);
    reply = (struct hsxd_reply){.version = HSXD_PROTO_VERSION, .op = req.op, .status = -EACCES};
    /* Not NUL-terminated, with a newline and an escape: one line, terminated, no escapes. */
    memset(reply.message, 'x', sizeof(reply.message));
    memcpy(reply.message, "no\n\033[2Jway", 10);
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply)), 0);
    assert_int_equal(strlen(reply.message), sizeof(reply.message) - 1);
    assert_memory_equal(reply.message, "no??[2Jway", 10);
}

static void the_socket_path_can_be_overridden(void **state)
{
    (void)state;
    unsetenv("HSX_HAL_HSXD_SOCKET");
    assert_string_equal(hsx_hsxd_socket_path(), HSXD_SOCKET_PATH);
    setenv("HSX_HAL_HSXD_SOCKET", "", 1);
    assert_string_equal(hsx_hsxd_socket_path(), HSXD_SOCKET_PATH);
    setenv("HSX_HAL_HSXD_SOCKET", "/tmp/elsewhere.sock", 1);
    assert_string_equal(hsx_hsxd_socket_path(), "/tmp/elsewhere.sock");
    unsetenv("HSX_HAL_HSXD_SOCKET");
}

/* ---- the exchange ------------------------------------------------------------------------- */

static void an_exchange_sends_the_request_with_the_file(void **state)
{
    struct hsxd_request req;
    struct hsxd_reply reply;
    union hsx_cap_selector sel = {.gpio.pins = 1u << 4};
    (void)state;

    int fd = open_devnull();
    hsx_hsxd_request_init(&req, HSXD_OP_ACQUIRE, HSX_MODULE_GPIO, HSX_CAP_R_WRITE, &sel);
    assert_int_equal(hsx_hsxd_call(&req, fd, &reply, -1), 0);
    close(fd);
    assert_int_equal(reply.status, 0);
    assert_true(reply.cap.id == 7);
    assert_true(reply.cap.sel.gpio.pins == 1u << 4);

    assert_int_equal(fake_hsxd_get(&daemon_, &daemon_.requests), 1);
    pthread_mutex_lock(&daemon_.lock);
    assert_memory_equal(&daemon_.last, &req, sizeof(req));
    assert_int_equal(daemon_.last_pid, getpid());
    assert_true(daemon_.last_had_fd && daemon_.last_fd_is_devnull);
    pthread_mutex_unlock(&daemon_.lock);
}

static void a_refusal_comes_back_with_its_words(void **state)
{
    struct hsxd_request req;
    struct hsxd_reply reply;
    (void)state;

    pthread_mutex_lock(&daemon_.lock);
    daemon_.acquire_status = -EACCES;
    snprintf(daemon_.message, sizeof(daemon_.message), "uid 1000 has no grant for gpio");
    pthread_mutex_unlock(&daemon_.lock);
    int fd = open_devnull();
    hsx_hsxd_request_init(&req, HSXD_OP_ACQUIRE, HSX_MODULE_GPIO, 0, NULL);
    assert_int_equal(hsx_hsxd_call(&req, fd, &reply, -1), 0);
    close(fd);
    assert_int_equal(reply.status, -EACCES);
    assert_string_equal(reply.message, "uid 1000 has no grant for gpio");
}

/* hsxd answers op 0, -EAGAIN before reading: whether the send got through first or not. */
static void a_turned_away_connection_is_a_refusal_to_try_later(void **state)
{
    struct hsxd_request req;
    struct hsxd_reply reply;
    (void)state;

    pthread_mutex_lock(&daemon_.lock);
    daemon_.turn_away = true;
    snprintf(daemon_.message, sizeof(daemon_.message), "too many connections from uid 1000");
    pthread_mutex_unlock(&daemon_.lock);
    int fd = open_devnull();
    hsx_hsxd_request_init(&req, HSXD_OP_RENEW, HSX_MODULE_GPIO, 0, NULL);
    for (int i = 0; i < 20; i++) {
        assert_int_equal(hsx_hsxd_call(&req, fd, &reply, -1), 0);
        assert_int_equal(reply.op, 0);
        assert_int_equal(reply.status, -EAGAIN);
        assert_string_equal(reply.message, "too many connections from uid 1000");
    }
    close(fd);
    assert_int_equal(fake_hsxd_get(&daemon_, &daemon_.requests), 0);

    /* Op 0 with success is no turn-away: malformed. */
    reply = (struct hsxd_reply){.version = HSXD_PROTO_VERSION, .op = 0, .status = 0};
    assert_int_equal(hsx_hsxd_check_reply(&req, &reply, sizeof(reply)), -EBADMSG);
}

static void a_daemon_not_run_by_the_trusted_uid_never_gets_the_file(void **state)
{
    struct hsxd_request req;
    struct hsxd_reply reply;
    (void)state;

    hsx_hsxd_set_trusted_uid(getuid() + 1);
    int fd = open_devnull();
    hsx_hsxd_request_init(&req, HSXD_OP_ACQUIRE, HSX_MODULE_GPIO, 0, NULL);
    assert_int_equal(hsx_hsxd_call(&req, fd, &reply, -1), -EPERM);
    close(fd);
    /* It was connected to, and given nothing. */
    assert_int_equal(fake_hsxd_wait(&daemon_, &daemon_.connections, 1, 2000), 1);
    test_sleep_ms(20);
    assert_int_equal(fake_hsxd_get(&daemon_, &daemon_.requests), 0);
}

static void no_daemon_is_enoent_or_econnrefused(void **state)
{
    struct hsxd_request req;
    struct hsxd_reply reply;
    char path[96];
    (void)state;

    int fd = open_devnull();
    hsx_hsxd_request_init(&req, HSXD_OP_ACQUIRE, HSX_MODULE_GPIO, 0, NULL);
    snprintf(path, sizeof(path), "%s/none.sock", daemon_.dir);
    setenv("HSX_HAL_HSXD_SOCKET", path, 1);
    assert_int_equal(hsx_hsxd_call(&req, fd, &reply, -1), -ENOENT);

    /* A socket file nobody listens on any more: hsxd died. */
    int sock = socket(AF_UNIX, SOCK_SEQPACKET, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    memcpy(addr.sun_path, path, sizeof(path));
    assert_int_equal(bind(sock, (struct sockaddr *)&addr, sizeof(addr)), 0);
    close(sock);
    assert_int_equal(hsx_hsxd_call(&req, fd, &reply, -1), -ECONNREFUSED);
    unlink(path);
    close(fd);
}

static void a_silent_daemon_times_out_and_can_be_cancelled(void **state)
{
    struct hsxd_request req;
    struct hsxd_reply reply;
    (void)state;

    pthread_mutex_lock(&daemon_.lock);
    daemon_.silent = true;
    pthread_mutex_unlock(&daemon_.lock);
    hsx_hsxd_set_timeout_ms(150);
    int fd = open_devnull();
    hsx_hsxd_request_init(&req, HSXD_OP_RENEW, HSX_MODULE_GPIO, 0, NULL);
    uint64_t start = test_now_ms();
    assert_int_equal(hsx_hsxd_call(&req, fd, &reply, -1), -ETIMEDOUT);
    uint64_t took = test_now_ms() - start;
    assert_true(took >= 140 && took < 2000);

    int cancel = eventfd(1, EFD_CLOEXEC);
    hsx_hsxd_set_timeout_ms(5000);
    start = test_now_ms();
    assert_int_equal(hsx_hsxd_call(&req, fd, &reply, cancel), -ECANCELED);
    assert_true(test_now_ms() - start < 1000);
    close(cancel);
    close(fd);
}

static void bad_replies_are_refused_and_descriptors_not_leaked(void **state)
{
    struct hsxd_request req;
    struct hsxd_reply reply;
    (void)state;

    int fd = open_devnull();
    hsx_hsxd_request_init(&req, HSXD_OP_ACQUIRE, HSX_MODULE_GPIO, 0, NULL);
    int before = count_open_fds();

    /* A descriptor sent along is closed, the reply still used. */
    pthread_mutex_lock(&daemon_.lock);
    daemon_.attach_fd = true;
    pthread_mutex_unlock(&daemon_.lock);
    assert_int_equal(hsx_hsxd_call(&req, fd, &reply, -1), 0);
    /* The daemon is a thread of this process: count once it is done with the connection. */
    assert_int_equal(fake_hsxd_wait(&daemon_, &daemon_.served, 1, 5000), 1);
    assert_int_equal(count_open_fds(), before);

    pthread_mutex_lock(&daemon_.lock);
    daemon_.attach_fd = false;
    daemon_.reply_len = sizeof(reply) + 16;
    pthread_mutex_unlock(&daemon_.lock);
    assert_int_equal(hsx_hsxd_call(&req, fd, &reply, -1), -EBADMSG);

    pthread_mutex_lock(&daemon_.lock);
    daemon_.reply_len = 0;
    daemon_.version = 2;
    pthread_mutex_unlock(&daemon_.lock);
    assert_int_equal(hsx_hsxd_call(&req, fd, &reply, -1), -EPROTO);

    pthread_mutex_lock(&daemon_.lock);
    daemon_.version = 0;
    daemon_.hang_up = true;
    pthread_mutex_unlock(&daemon_.lock);
    assert_int_equal(hsx_hsxd_call(&req, fd, &reply, -1), -ECONNRESET);
    assert_int_equal(fake_hsxd_wait(&daemon_, &daemon_.served, 4, 5000), 4);
    assert_int_equal(count_open_fds(), before);
    close(fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_protocol_structs_have_their_wire_size),
        cmocka_unit_test(requests_carry_version_op_module_and_what_is_wanted),
        cmocka_unit_test(replies_are_checked),
        cmocka_unit_test(replies_wider_than_the_request_are_refused),
        cmocka_unit_test(messages_end_up_one_printable_line),
        cmocka_unit_test(the_socket_path_can_be_overridden),
        cmocka_unit_test_setup_teardown(an_exchange_sends_the_request_with_the_file, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_refusal_comes_back_with_its_words, setup, teardown),
        cmocka_unit_test_setup_teardown(a_turned_away_connection_is_a_refusal_to_try_later, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_daemon_not_run_by_the_trusted_uid_never_gets_the_file,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(no_daemon_is_enoent_or_econnrefused, setup, teardown),
        cmocka_unit_test_setup_teardown(a_silent_daemon_times_out_and_can_be_cancelled, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(bad_replies_are_refused_and_descriptors_not_leaked, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
