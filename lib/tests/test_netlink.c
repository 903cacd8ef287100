// SPDX-License-Identifier: MIT
/*
 * The generic netlink plumbing against the running kernel's own controller
 * ("nlctrl"), which every kernel has: requests, replies, acks, errors and
 * dumps take the same path as they do with hsx.ko.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "core/netlink.h"
#include "core/wire.h"
#include "helpers.h"

static void resolves_a_family_that_exists(void **state)
{
    uint16_t family = 0;
    (void)state;

    assert_int_equal(hsx_nl_resolve("nlctrl", &family), 0);
    assert_int_equal(family, GENL_ID_CTRL);
}

static void a_family_that_does_not_exist_is_enoent(void **state)
{
    uint16_t family = 77;
    (void)state;

    assert_int_equal(hsx_nl_resolve("hsxnope", &family), -ENOENT);
    assert_int_equal(family, 77);
}

struct family_names {
    int count;
    bool saw_nlctrl;
};

static int on_family(const struct nlmsghdr *nlh, void *data)
{
    struct family_names *names = data;
    const struct nlattr *attr;

    names->count++;
    mnl_attr_for_each(attr, nlh, GENL_HDRLEN)
    {
        if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_NAME &&
            mnl_attr_validate(attr, MNL_TYPE_NUL_STRING) == 0 &&
            strcmp(mnl_attr_get_str(attr), "nlctrl") == 0)
            names->saw_nlctrl = true;
    }
    return MNL_CB_OK;
}

/* Send a CTRL_CMD_GETFAMILY with no attributes to nlctrl; returns hsx_nl_transact's result. */
static int getfamily(uint16_t flags, struct family_names *names)
{
    unsigned char buf[HSX_NL_BUFSIZE];
    struct mnl_socket *sock;
    int ret;

    assert_int_equal(hsx_nl_open(&sock, 0), 0);
    struct nlmsghdr *req = test_put_genl(buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY);
    req->nlmsg_flags = flags;
    req->nlmsg_seq = hsx_nl_seq();
    ret = hsx_nl_transact(sock, req, on_family, names, false);
    mnl_socket_close(sock);
    return ret;
}

static void a_dump_runs_to_its_end(void **state)
{
    struct family_names names = {0};
    (void)state;

    assert_int_equal(getfamily(NLM_F_REQUEST | NLM_F_DUMP, &names), 0);
    assert_true(names.count >= 1);
    assert_true(names.saw_nlctrl);
}

static void the_kernels_error_is_returned(void **state)
{
    struct family_names names = {0};
    (void)state;

    /* GETFAMILY without a name or an ID is refused. */
    assert_int_equal(getfamily(NLM_F_REQUEST | NLM_F_ACK, &names), -EINVAL);
    assert_int_equal(names.count, 0);
}

static int reject_reply(const struct nlmsghdr *nlh, void *data)
{
    (void)nlh;
    (void)data;
    errno = EBADMSG;
    return MNL_CB_ERROR;
}

static void a_reply_the_handler_rejects_ends_the_request(void **state)
{
    unsigned char buf[HSX_NL_BUFSIZE];
    struct mnl_socket *sock;
    (void)state;

    assert_int_equal(hsx_nl_open(&sock, 0), 0);
    const struct nlmsghdr *req = hsx_wire_get_family(buf, sizeof(buf), hsx_nl_seq(), "nlctrl");
    assert_int_equal(hsx_nl_transact(sock, req, reject_reply, NULL, false), -EBADMSG);
    mnl_socket_close(sock);
}

static void subscription_sockets_get_a_large_receive_buffer(void **state)
{
    struct mnl_socket *sock;
    long rmem_max = 212992;
    int size = 0;
    socklen_t len = sizeof(size);
    (void)state;

    FILE *f = fopen("/proc/sys/net/core/rmem_max", "r");
    if (f) {
        if (fscanf(f, "%ld", &rmem_max) != 1)
            rmem_max = 212992;
        fclose(f);
    }
    assert_int_equal(hsx_nl_open(&sock, HSX_NL_RCVBUF), 0);
    assert_int_equal(getsockopt(mnl_socket_get_fd(sock), SOL_SOCKET, SO_RCVBUF, &size, &len), 0);
    mnl_socket_close(sock);
    /* The kernel caps the request at rmem_max and doubles it for its bookkeeping. */
    long expected = 2 * (rmem_max < HSX_NL_RCVBUF ? rmem_max : HSX_NL_RCVBUF);
    assert_int_equal(size, expected);
}

static void sequence_numbers_are_never_zero_and_advance(void **state)
{
    (void)state;
    uint32_t first = hsx_nl_seq();
    uint32_t second = hsx_nl_seq();
    assert_int_not_equal(first, 0);
    assert_int_not_equal(second, 0);
    assert_int_not_equal(first, second);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resolves_a_family_that_exists),
        cmocka_unit_test(a_family_that_does_not_exist_is_enoent),
        cmocka_unit_test(a_dump_runs_to_its_end),
        cmocka_unit_test(the_kernels_error_is_returned),
        cmocka_unit_test(a_reply_the_handler_rejects_ends_the_request),
        cmocka_unit_test(subscription_sockets_get_a_large_receive_buffer),
        cmocka_unit_test(sequence_numbers_are_never_zero_and_advance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
