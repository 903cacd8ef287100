// SPDX-License-Identifier: MIT
/*
 * hsxd: the HSX capability daemon. See hsxd(8).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>
#include <unistd.h>

#include "admin.h"
#include "lifecycle.h"
#include "log.h"
#include "server.h"

#ifndef HSX_VERSION
#define HSX_VERSION "0.1.0"
#endif

#define EXIT_USAGE 2

static void usage(FILE *out)
{
    fputs("usage: hsxd [--policy FILE] [--stderr]\n"
          "       hsxd --check-policy FILE\n"
          "       hsxd --help | --version\n\n"
          "The HSX capability daemon: authenticates applications on " HSXD_SOCKET_PATH ",\n"
          "applies the policy (default " HSXD_POLICY_PATH ") and has hsx.ko mint, renew\n"
          "and revoke their capabilities. Runs as root, in the foreground; SIGHUP reloads\n"
          "the policy.\n\n"
          "  --policy FILE        the policy to apply\n"
          "  --check-policy FILE  check FILE as hsxd would, print every problem, and exit\n"
          "                       (0 valid, 1 not)\n"
          "  --stderr             copy the log to standard error\n\n"
          "See hsxd(8).\n",
          out);
}

/* --check-policy: the same checks hsxd applies at start and on reload. */
static int check_policy(const char *path)
{
    static char err[16384];
    struct policy *policy;

    if (policy_load(path, true, &policy, err, sizeof(err)) < 0) {
        fprintf(stderr, "%s\n", err);
        return EXIT_FAILURE;
    }
    if (policy->notes)
        fprintf(stderr, "%s\n", policy->notes);
    printf("%s: valid, %zu rule%s, default lifetime %u s\n", path, policy->nrules,
           policy->nrules == 1 ? "" : "s", policy->lifetime_s);
    policy_free(policy);
    return EXIT_SUCCESS;
}

static int start(struct server *s)
{
    static char err[16384];
    struct hsxd *h = &s->hsxd;

    if (geteuid() != 0) {
        log_msg(LOG_ERR, "hsxd must run as root: it administers %s", ADMIN_CTL_PATH);
        return -1;
    }
    if (policy_load(h->policy_path, true, &h->policy, err, sizeof(err)) < 0) {
        log_lines(LOG_ERR, err);
        log_msg(LOG_ERR, "the policy has errors: not starting");
        return -1;
    }
    if (h->policy->notes)
        log_lines(LOG_WARNING, h->policy->notes);
    log_msg(LOG_INFO, "policy %s: %zu rules", h->policy_path, h->policy->nrules);
#ifdef HSXD_TEST_HOOKS /* the e2e tests' build only: an installed hsxd has no such hook */
    const char *hook = getenv("HSXD_TEST_REVOKE_IN_CAN_CONFIG");
    h->test_revoke_in_can_config = hook && !strcmp(hook, "1");
    if (h->test_revoke_in_can_config)
        log_msg(LOG_WARNING, "test hook: every CAN_CONFIG's client is revoked during the change");
#endif
    /*
     * The socket before the admin node: hsxd.socket listening there means hsxd is systemd's
     * to start; this one leaves the node to it and the socket alone.
     */
    if (server_listen(s, HSXD_SOCKET_PATH) < 0)
        return -1;
    h->ctl = admin_open(err, sizeof(err));
    if (h->ctl < 0) {
        log_msg(LOG_ERR, "%s", err);
        return -1;
    }
    /* Subscribe before listing, so that no end falls between the two. */
    if (events_open(&s->events, err, sizeof(err)) < 0) {
        log_msg(LOG_ERR, "%s", err);
        return -1;
    }
    if (server_init(s) < 0)
        return -1;
    int adopted = lifecycle_adopt(h);
    if (adopted < 0)
        return -1;
    log_msg(LOG_INFO, "adopted %d live capabilit%s of %zu process%s; listening on %s", adopted,
            adopted == 1 ? "y" : "ies", h->holders.nholders, h->holders.nholders == 1 ? "" : "es",
            HSXD_SOCKET_PATH);
    sd_notify(0, "READY=1\nSTATUS=serving");
    return 0;
}

int main(int argc, char **argv)
{
    static const struct option options[] = {
        {"policy", required_argument, NULL, 'p'}, {"check-policy", required_argument, NULL, 'c'},
        {"stderr", no_argument, NULL, 's'},       {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0},
    };
    const char *policy = HSXD_POLICY_PATH;
    bool to_stderr = false;
    int opt;

    opterr = 0;
    while ((opt = getopt_long(argc, argv, ":p:c:shV", options, NULL)) != -1) {
        switch (opt) {
        case 'p':
            policy = optarg;
            break;
        case 'c':
            return check_policy(optarg);
        case 's':
            to_stderr = true;
            break;
        case 'h':
            usage(stdout);
            return EXIT_SUCCESS;
        case 'V':
            printf("hsxd %s (HSX ABI %d, protocol %d)\n", HSX_VERSION, HSX_ABI_VERSION,
                   HSXD_PROTO_VERSION);
            return EXIT_SUCCESS;
        case ':':
            fprintf(stderr, "hsxd: option '%s' needs a value\n", argv[optind - 1]);
            return EXIT_USAGE;
        default:
            fprintf(stderr, "hsxd: unknown option '%s'; see 'hsxd --help'\n", argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "hsxd: unexpected argument '%s'; see 'hsxd --help'\n", argv[optind]);
        return EXIT_USAGE;
    }

    log_open(to_stderr);
    struct server *s = calloc(1, sizeof(*s));
    if (!s) {
        log_msg(LOG_ERR, "out of memory");
        return EXIT_FAILURE;
    }
    s->hsxd.policy_path = policy;
    s->hsxd.ctl = -1;
    s->epoll = -1;
    s->listen_fd = -1;
    s->signal_fd = -1;
    int status = start(s) < 0 ? EXIT_FAILURE : server_run(s);
    sd_notify(0, "STOPPING=1");
    /* Nothing is revoked: the capabilities are the kernel's, and the next hsxd adopts them. */
    server_fini(s);
    events_close(&s->events);
    if (s->hsxd.ctl >= 0)
        close(s->hsxd.ctl);
    holders_clear(&s->hsxd.holders);
    policy_free(s->hsxd.policy);
    free(s);
    return status;
}
