// SPDX-License-Identifier: MIT
/*
 * hsxd's rtnetlink transport (can_link.c): only the answer to its own request
 * counts, and no wait outlasts the deadline, whatever the other end does (a
 * socket pair stands in for the kernel); then one real request to the kernel.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "../can_link.c"

static int sv[2];
static char req_buf[256] __attribute__((aligned(4)));

static int setup(void **state)
{
    (void)state;
    return socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv);
}

static int teardown(void **state)
{
    (void)state;
    close(sv[0]);
    close(sv[1]);
    return 0;
}

static struct nlmsghdr *request(uint32_t seq)
{
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(req_buf);

    nlh->nlmsg_type = RTM_NEWLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    nlh->nlmsg_seq = seq;
    struct ifinfomsg *ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
    ifi->ifi_index = 7;
    return nlh;
}

/* What the "kernel" end sends back: an error message of seq and portid with error. */
static void answer_error(uint32_t seq, uint32_t portid, int error)
{
    char buf[128] __attribute__((aligned(4)));
    struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

    nlh->nlmsg_type = NLMSG_ERROR;
    nlh->nlmsg_seq = seq;
    nlh->nlmsg_pid = portid;
    struct nlmsgerr *e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
    e->error = error;
    assert_int_equal(send(sv[1], buf, nlh->nlmsg_len, 0), (ssize_t)nlh->nlmsg_len);
}

static long long ms_since(const struct timespec *t0)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (t.tv_sec - t0->tv_sec) * 1000LL + (t.tv_nsec - t0->tv_nsec) / 1000000;
}

/* Nobody answers, or only others' answers come: -ETIMEDOUT at the deadline, not later. */
static void no_answer_times_out(void **state)
{
    struct timespec t0;
    (void)state;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(can_link_xfer(sv[0], 55, request(9), NULL, 0, 200), -ETIMEDOUT);
    long long took = ms_since(&t0);
    assert_true(took >= 190 && took < 1000);

    /* Answers to another request (an older one, another port) are skipped, still bounded. */
    answer_error(8, 55, 0);
    answer_error(9, 56, 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(can_link_xfer(sv[0], 55, request(9), NULL, 0, 200), -ETIMEDOUT);
    assert_true(ms_since(&t0) < 1000);
    assert_true(CAN_LINK_TIMEOUT_MS <= 2000);
}

static void only_its_own_answer_counts(void **state)
{
    (void)state;

    answer_error(8, 55, -EBUSY); /* a stale refusal */
    answer_error(10, 55, -EOPNOTSUPP);
    assert_int_equal(can_link_xfer(sv[0], 55, request(10), NULL, 0, 200), -EOPNOTSUPP);
    answer_error(11, 55, 0);
    assert_int_equal(can_link_xfer(sv[0], 55, request(11), NULL, 0, 200), 0);
    answer_error(12, 55, 5); /* a positive error is nonsense */
    assert_int_equal(can_link_xfer(sv[0], 55, request(12), NULL, 0, 200), -EPROTO);
}

/* The kernel itself: lo read by index; a change with kind "can" on lo is refused. */
static void the_kernel_answers_by_index(void **state)
{
    char ans[16384] __attribute__((aligned(4)));
    (void)state;

    struct nlmsghdr *nlh = request(1234);
    nlh->nlmsg_type = RTM_GETLINK;
    nlh->nlmsg_flags = NLM_F_REQUEST;
    ((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index = 1;
    int ret = can_link_request(nlh, ans, sizeof(ans));
    if (ret == -EPROTONOSUPPORT || ret == -EACCES) {
        skip();
        return;
    }
    assert_true(ret > 0);
    assert_int_equal(((struct ifinfomsg *)mnl_nlmsg_get_payload((struct nlmsghdr *)ans))->ifi_index,
                     1);

    nlh = request(1235);
    ((struct ifinfomsg *)mnl_nlmsg_get_payload(nlh))->ifi_index = 1;
    struct nlattr *info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
    mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "can");
    mnl_attr_nest_end(nlh, mnl_attr_nest_start(nlh, IFLA_INFO_DATA));
    mnl_attr_nest_end(nlh, info);
    ret = can_link_request(nlh, NULL, 0);
    assert_true(ret == -EPERM || ret == -EOPNOTSUPP);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(no_answer_times_out, setup, teardown),
        cmocka_unit_test_setup_teardown(only_its_own_answer_counts, setup, teardown),
        cmocka_unit_test(the_kernel_answers_by_index),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
