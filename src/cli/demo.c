/* SPDX-License-Identifier: MIT */
/*
 * dndtrack demo: the whole pipeline in one process, on the embedded broker:
 * a simulated table produces from a thread while the consumer serves the
 * page. Nothing is kept; any Kafka client may join on the printed address.
 */
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "kafka/mock.h"
#include "util/log.h"

#define DEMO_PARTITIONS 3

struct demo_producer {
    const struct config *cfg;
    struct produce_opts o;
    int rc;
};

static void *demo_produce(void *arg)
{
    struct demo_producer *d = arg;

    d->rc = produce_run(d->cfg, &d->o);
    return NULL;
}

static const char demo_help[] =
    "Usage: dndtrack demo [OPTIONS]\n"
    "Runs a simulated table, an embedded in-memory Kafka broker, the\n"
    "consumer and its dashboard in one process. Nothing is kept.\n"
    "\n"
    "  --dashboard ADDR   serve on ADDR (default DASHBOARD_ADDRESS)\n"
    "  --rate N           simulated events a second (default 2)\n"
    "  -q, -v             quieter, more verbose\n"
    "  -h, --help         this help\n";

static int demo_options(int argc, char **argv, struct config *cfg,
                        struct produce_opts *o)
{
    static const struct option longs[] = {
        {"dashboard", required_argument, NULL, 'd'},
        {"rate", required_argument, NULL, 'r'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    char err[600];
    long long v;
    int opt;

    while ((opt = getopt_long(argc, argv, "qvh", longs, NULL)) != -1) {
        if (opt == 'q' || opt == 'v') {
            cli_common_option(cfg, opt, NULL);
            o->quiet = opt == 'q';
        } else if (opt == 'd') {
            if (config_set(cfg, "DASHBOARD_ADDRESS", optarg, err, sizeof(err)))
                return cli_usage_error("demo", "%s", err);
        } else if (opt == 'r') {
            if (cli_parse_ll(optarg, 1, 100000, &v))
                return cli_usage_error("demo",
                                       "--rate %s: expected a whole "
                                       "number from 1 to 100000",
                                       optarg);
            o->rate = (double)v;
        } else if (opt == 'h') {
            fputs(demo_help, stdout);
            return -1;
        } else {
            fputs("Try 'dndtrack demo --help' for more.\n", stderr);
            return CLI_EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage_error("demo", "unexpected argument '%s'",
                               argv[optind]);
    return 0;
}

int cmd_demo(int argc, char **argv)
{
    struct demo_producer d = {0};
    struct consume_opts co = {0};
    struct kafka_mock *mock = NULL;
    struct config cfg;
    pthread_t producer;
    char err[600];
    int rc;

    rc = cli_config_load(&cfg);
    if (rc)
        return rc;
    d.o.count = -1;
    d.o.rate = 2;
    d.o.seed = (unsigned long long)time(NULL);
    rc = demo_options(argc, argv, &cfg, &d.o);
    if (rc) {
        config_free(&cfg);
        return rc < 0 ? CLI_EXIT_OK : rc;
    }

    if (kafka_mock_start(cfg.topic, DEMO_PARTITIONS, &mock, err, sizeof(err))) {
        fprintf(stderr, "dndtrack: %s\n", err);
        config_free(&cfg);
        return CLI_EXIT_FAIL;
    }
    config_set(&cfg, "KAFKA_BROKER_ADDRESS", kafka_mock_bootstraps(mock), err,
               sizeof(err));
    fprintf(stderr,
            "dndtrack: demo: embedded in-memory broker at %s, topic %s\n"
            "dndtrack: demo: any Kafka client can join, e.g. kcat -b %s "
            "-t %s -C\n"
            "dndtrack: demo: nothing is kept: events and figures are gone "
            "when it stops (Ctrl-C)\n",
            cfg.brokers, cfg.topic, cfg.brokers, cfg.topic);

    cli_signals();
    d.cfg = &cfg;
    co.dashboard = cfg.dashboard;
    co.stateless = 1; /* the embedded broker forgets: so does the demo */
    /* The page's address is the point of the demo: it shows even with -q. */
    co.quiet = 0;
    if (pthread_create(&producer, NULL, demo_produce, &d)) {
        fprintf(stderr, "dndtrack: cannot start the producer thread\n");
        rc = CLI_EXIT_FAIL;
        goto out;
    }
    rc = consume_run(&cfg, &co);
    cli_stop = 1;
    pthread_join(producer, NULL);
    if (!rc)
        rc = d.rc;
out:
    kafka_mock_stop(mock);
    config_free(&cfg);
    return rc;
}
