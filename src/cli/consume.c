/* SPDX-License-Identifier: MIT */
/*
 * dndtrack consume: reads the topic as a member of the consumer group,
 * keeps every player's figures, sends what it cannot read to the dead
 * letter topic, and serves the figures on the dashboard address.
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/checkpoint.h"
#include "cli/cli.h"
#include "core/tracker.h"
#include "http/http.h"
#include "kafka/kafka.h"
#include "util/buf.h"
#include "util/log.h"

/* The page never sees figures older than this while messages arrive. */
#define CONSUME_MAX_STALE_S 1.0
/* Nor is it republished more often than this, whatever the rate. */
#define CONSUME_MIN_GAP_S 0.02
/*
 * Rendering the figures takes time from reading messages; it may take at
 * most 1 / CONSUME_RENDER_SHARE of it, so thousands of players slow the
 * page's refresh rather than the consumer.
 */
#define CONSUME_RENDER_SHARE 10.0

/*
 * A dead letter keeps the original bytes, so it may be as large as what
 * the consumer can receive; the broker's own limit still applies.
 */
static const char *const consume_dlq_props[] = {"message.max.bytes",
                                                "100000000", NULL};

struct consume_ctx {
    const struct config *cfg;
    const struct consume_opts *o;
    struct tracker *tracker;
    struct http_server *http;
    struct kafka_consumer *consumer;
    struct kafka_producer *dlq; /* created with the first dead letter */
    char *dlq_topic;
    unsigned long long dlq_lost; /* dead letters that could not be queued */
    unsigned long long since_publish; /* messages not yet published */
    double published_at;
    double render_cost;         /* seconds the last rendering took */
    unsigned long long version; /* publications so far */
    long long lag;              /* as last read; -1 unknown */
    int broker_down;            /* as last read */
    struct checkpoint cp;       /* cp.db is NULL for a stateless run */
    char *leaving; /* leaving[p]: revoked, shown until the next assignment */
    int32_t nleaving;
};

/* A partition comes: its saved figures, or nothing and its beginning. */
static int64_t consume_assigned(void *arg, int32_t partition)
{
    struct consume_ctx *x = arg;

    if (partition < x->nleaving)
        x->leaving[partition] = 0;
    x->since_publish++;
    if (x->cp.db)
        return checkpoint_restore(&x->cp, partition);
    tracker_drop(x->tracker, partition);
    return RD_KAFKA_OFFSET_BEGINNING;
}

/*
 * A partition goes: its figures are saved for whoever takes it, and kept
 * on the page until the next assignment shows whether it came back; a
 * rejoin after a broker outage then does not blank the page.
 */
static void consume_revoked(void *arg, int32_t partition)
{
    struct consume_ctx *x = arg;
    char *grown;

    checkpoint_save(&x->cp, partition);
    if (partition >= x->nleaving) {
        grown = realloc(x->leaving, (size_t)partition + 1);
        if (!grown) {
            tracker_drop(x->tracker, partition);
            return;
        }
        memset(grown + x->nleaving, 0, (size_t)(partition + 1 - x->nleaving));
        x->leaving = grown;
        x->nleaving = partition + 1;
    }
    x->leaving[partition] = 1;
}

/* The new assignment is in place: drop what went to someone else. */
static void consume_settled(void *arg)
{
    struct consume_ctx *x = arg;
    int32_t p;

    for (p = 0; p < x->nleaving; p++) {
        if (x->leaving[p]) {
            tracker_drop(x->tracker, p);
            x->leaving[p] = 0;
            x->since_publish++;
        }
    }
}

/* The tracked players as the document lists them. */
static json_t *consume_tracked(const struct config *cfg)
{
    json_t *tracked = json_array();
    size_t i;

    if (cfg->tracked_all)
        json_array_append_new(tracked, json_string("all"));
    for (i = 0; tracked && i < cfg->ntracked; i++)
        json_array_append_new(tracked, json_string(cfg->tracked_list[i]));
    return tracked;
}

/* The state of the consumer for the page: broker, lag, version, time. */
static json_t *consume_status(struct consume_ctx *x)
{
    char stamp[32];
    struct tm tm;
    time_t now = time(NULL);

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
    return json_pack("{s:s,s:o,s:I,s:s}", "broker",
                     x->broker_down ? "unreachable" : "up", "lag",
                     x->lag >= 0 ? json_integer(x->lag) : json_null(),
                     "version", (json_int_t)x->version, "time", stamp);
}

/* What the document adds after "players": the tracked players and the
 * consumer's status. NULL when out of memory. */
static json_t *consume_extra(struct consume_ctx *x)
{
    return json_pack("{s:o,s:o}", "tracked", consume_tracked(x->cfg), "status",
                     consume_status(x));
}

/*
 * Writes the document through write, one player at a time, with flags
 * for jansson. Returns 0 or -1.
 */
static int consume_write_document(struct consume_ctx *x, size_t flags,
                                  json_dump_callback_t write, void *arg)
{
    json_t *extra = consume_extra(x);
    int rc = extra
                 ? tracker_write_document(x->tracker, extra, flags, write, arg)
                 : -1;

    json_decref(extra);
    return rc;
}

/* A json_dump_callback_t appending to the struct buf arg. */
static int consume_to_buf(const char *s, size_t n, void *arg)
{
    struct buf *b = arg;

    buf_add(b, s, n);
    return b->failed ? -1 : 0;
}

/*
 * Renders the figures as JSON text and as Prometheus text. The server
 * needs each text whole, but no tree of every player is built for it.
 */
static int consume_render(struct consume_ctx *x, char **json, size_t *len,
                          char **metrics, size_t *mlen)
{
    struct buf b = {0};

    *json = NULL;
    if (consume_write_document(x, JSON_COMPACT, consume_to_buf, &b) == 0)
        *json = buf_take(&b, len);
    buf_free(&b);
    *metrics = tracker_to_metrics(x->tracker, x->lag, mlen);
    if (*json && *metrics)
        return 0;
    free(*json);
    free(*metrics);
    return -1;
}

/* Reads the broker's state and the lag; whether either changed. */
static int consume_check_status(struct consume_ctx *x)
{
    int down = kafka_consumer_broker_down(x->consumer);
    long long lag = kafka_consumer_lag(x->consumer);
    int changed = down != x->broker_down || lag != x->lag;

    x->broker_down = down;
    x->lag = lag;
    return changed;
}

static void consume_publish(struct consume_ctx *x)
{
    double start = cli_now();
    char *json, *metrics;
    size_t len, mlen;

    x->since_publish = 0;
    x->published_at = start;
    if (!x->http)
        return;
    consume_check_status(x);
    x->version++;
    if (consume_render(x, &json, &len, &metrics, &mlen)) {
        log_error("cannot render the figures: out of memory");
        return;
    }
    http_publish(x->http, json, len);
    http_publish_metrics(x->http, metrics, mlen);
    x->render_cost = cli_now() - start;
}

/*
 * Publishes after VIZ_REFRESH_MESSAGES messages, within a second of any
 * other message, and within a second of a change of the broker's state or
 * of the lag.
 */
static void consume_maybe_publish(struct consume_ctx *x)
{
    double since, gap;

    if (!x->http)
        return;
    since = cli_now_coarse() - x->published_at;
    gap = x->render_cost * (CONSUME_RENDER_SHARE - 1);
    if (since < CONSUME_MIN_GAP_S || since < gap)
        return;
    if (x->since_publish >= (unsigned long long)x->cfg->viz_refresh ||
        (since >= CONSUME_MAX_STALE_S &&
         (x->since_publish > 0 || consume_check_status(x))))
        consume_publish(x);
}

/* Adds one text header; librdkafka copies name and value. */
static void consume_header(rd_kafka_headers_t *h, const char *name,
                           const char *value)
{
    rd_kafka_header_add(h, name, -1, value, -1);
}

/* The dead letter producer, created on first use; NULL if it cannot be. */
static struct kafka_producer *consume_dlq(struct consume_ctx *x)
{
    char err[512];

    if (!x->dlq && kafka_producer_new(x->cfg, consume_dlq_props, &x->dlq, err,
                                      sizeof(err)))
        log_error("cannot create the dead letter producer: %s", err);
    return x->dlq;
}

/*
 * Sends the original bytes of m to the dead letter topic with why. A
 * message the group had already handled before a replay was dead-lettered
 * then, and is not sent twice.
 */
static void consume_dead_letter(struct consume_ctx *x,
                                const rd_kafka_message_t *m, const char *why)
{
    rd_kafka_headers_t *h;
    char partition[16], offset[24];

    if (x->o->no_dead_letters) {
        log_info("invalid %s [%d] at offset %lld: %s",
                 rd_kafka_topic_name(m->rkt), (int)m->partition,
                 (long long)m->offset, why);
        return;
    }
    if (kafka_consumer_replayed(x->consumer, m->partition, m->offset)) {
        log_info("replayed dead letter %s [%d] at offset %lld: %s",
                 rd_kafka_topic_name(m->rkt), (int)m->partition,
                 (long long)m->offset, why);
        return;
    }
    log_warn("dead letter %s [%d] at offset %lld: %s",
             rd_kafka_topic_name(m->rkt), (int)m->partition,
             (long long)m->offset, why);
    h = rd_kafka_headers_new(4);
    if (!h || !consume_dlq(x)) {
        x->dlq_lost++;
        rd_kafka_headers_destroy(h);
        return;
    }
    snprintf(partition, sizeof(partition), "%d", (int)m->partition);
    snprintf(offset, sizeof(offset), "%lld", (long long)m->offset);
    consume_header(h, "dndtrack.reason", why);
    consume_header(h, "dndtrack.source.topic", rd_kafka_topic_name(m->rkt));
    consume_header(h, "dndtrack.source.partition", partition);
    consume_header(h, "dndtrack.source.offset", offset);
    if (kafka_producer_send(x->dlq, x->dlq_topic, m->key, m->key_len,
                            m->payload, m->len, h)) {
        x->dlq_lost++;
        rd_kafka_headers_destroy(h);
    }
}

/*
 * Applies one message. Only running out of memory stops the consumer: a
 * message that cannot be read, or whose partition number is beyond what
 * the tracker holds, is logged and counted and the next one follows.
 */
static int consume_message(struct consume_ctx *x, rd_kafka_message_t *m)
{
    char why[512];
    int rc;

    /* A restore that failed must not be followed by any counting. */
    if (x->cp.failed)
        return -1;
    rc = tracker_apply(x->tracker, m->partition, m->offset, m->payload, m->len,
                       why, sizeof(why));
    if (rc == TRACKER_ESEEN) {
        kafka_consumer_done(x->consumer, m);
        return 0;
    }
    if (rc == TRACKER_EINVALID) {
        consume_dead_letter(x, m, why);
    } else if (rc == TRACKER_ENOMEM) {
        log_error("cannot apply a message: %s", tracker_strerror(rc));
        return -1;
    } else if (rc) {
        log_error("skipped %s [%d] at offset %lld: %s",
                  rd_kafka_topic_name(m->rkt), (int)m->partition,
                  (long long)m->offset, tracker_strerror(rc));
    }
    kafka_consumer_done(x->consumer, m);
    x->since_publish++;
    return checkpoint_tick(&x->cp, 1);
}

static int consume_loop(struct consume_ctx *x)
{
    rd_kafka_message_t *m;
    int rc, got;

    while (!cli_stop) {
        rc = kafka_consumer_poll(x->consumer, 100, &m);
        got = rc == 1;
        if (got) {
            rc = consume_message(x, m);
            rd_kafka_message_destroy(m);
            if (rc)
                return -1;
        } else if (rc == KAFKA_EEND) {
            log_info("every partition is at its end");
            return 0;
        } else if (rc == KAFKA_EDOWN) {
            log_error("giving up: no broker answered at %s for %.0f s",
                      x->cfg->brokers, KAFKA_DOWN_GIVE_UP_S);
            return -1;
        } else if (rc == KAFKA_ETOPIC) {
            log_error("topic %s does not exist", x->cfg->topic);
            return -1;
        } else if (rc < 0) {
            return -1;
        }
        /*
         * A handled message has had its tick in consume_message(), which
         * reads the clock only now and then; one that was waited for
         * means a slow stream, whose checkpoints are due by the clock.
         */
        if (x->cp.failed || ((!got || kafka_consumer_waited(x->consumer)) &&
                             checkpoint_tick(&x->cp, 0)))
            return -1;
        consume_maybe_publish(x);
        if (x->dlq)
            kafka_producer_poll(x->dlq, 0);
    }
    return 0;
}

/* Waits for the dead letters in flight; 0, or -1 if any was lost. */
static int consume_finish_dlq(struct consume_ctx *x)
{
    unsigned long long delivered = 0, failed = 0, left = 0;

    if (x->dlq) {
        kafka_producer_drain(x->dlq, 10000);
        kafka_producer_counts(x->dlq, &delivered, &failed, &left);
    }
    failed += x->dlq_lost;
    if (failed == 0)
        return 0;
    log_error("%llu dead letters could not be written to %s; their messages "
              "are counted as invalid but their bytes are not kept",
              failed, x->dlq_topic);
    return -1;
}

/* A json_dump_callback_t writing to the FILE arg. */
static int consume_to_file(const char *s, size_t n, void *arg)
{
    return fwrite(s, 1, n, arg) == n ? 0 : -1;
}

/*
 * Prints the document on stdout for scripts, as it stands now, streamed
 * player by player. Should memory run out half way, what was printed is
 * cut short and is no JSON, and the exit status says it failed.
 */
static int consume_print(struct consume_ctx *x)
{
    int rc;

    consume_check_status(x);
    rc = consume_write_document(x, JSON_INDENT(2), consume_to_file, stdout);
    if (!rc && fputc('\n', stdout) == EOF)
        rc = -1;
    return rc || fflush(stdout) ? -1 : 0;
}

/* Writes the report page with the final figures. */
static int consume_report(struct consume_ctx *x)
{
    struct report_file *r = report_open(x->o->report_path);
    int rc;

    if (!r)
        return -1;
    rc = consume_write_document(x, JSON_COMPACT, report_put, r);
    if (rc)
        log_error("cannot write the figures into %s", x->o->report_path);
    return report_close(r, rc == 0);
}

/* Starts the dashboard when asked to; 0 or -1. */
static int consume_serve(struct consume_ctx *x)
{
    int rc;

    if (!x->o->dashboard)
        return 0;
    rc = http_start(x->o->dashboard, &x->http);
    if (rc) {
        log_error("cannot serve the dashboard on %s: %s; choose another "
                  "address with --dashboard HOST:PORT or DASHBOARD_ADDRESS",
                  x->o->dashboard, http_strerror(rc));
        return -1;
    }
    consume_publish(x);
    if (!x->o->quiet) {
        char host[256];
        unsigned port;
        int v6;

        if (http_parse_address(x->o->dashboard, host, sizeof(host), &port))
            host[0] = '\0';
        v6 = strchr(host, ':') != NULL;
        fprintf(stderr,
                "dndtrack: dashboard on http://%s%s%s:%u/ (figures "
                "at /api/players)\n",
                v6 ? "[" : "", host, v6 ? "]" : "", http_port(x->http));
    }
    return 0;
}

int consume_run(const struct config *cfg, const struct consume_opts *o)
{
    struct consume_ctx x;
    struct kafka_consumer_hooks h = {&x, consume_assigned, consume_revoked,
                                     consume_settled};
    char err[512];
    int rc = CLI_EXIT_FAIL;
    size_t n;

    memset(&x, 0, sizeof(x));
    x.cfg = cfg;
    x.o = o;
    x.lag = -1;
    n = strlen(cfg->topic) + sizeof(".dlq");
    x.dlq_topic = malloc(n);
    x.tracker = tracker_new();
    if (!x.dlq_topic || !x.tracker)
        goto out;
    snprintf(x.dlq_topic, n, "%s.dlq", cfg->topic);

    if (!o->stateless && checkpoint_open(&x.cp, cfg, o->reset_state, x.tracker))
        goto out;
    if (kafka_consumer_new(cfg, &h, o->stop_at_end, &x.consumer, err,
                           sizeof(err))) {
        fprintf(stderr, "dndtrack: %s\n", err);
        rc = CLI_EXIT_USAGE;
        goto out;
    }
    if (consume_serve(&x))
        goto out;
    log_info("consuming %s on %s as group %s", cfg->topic, cfg->brokers,
             cfg->group_id);

    rc = consume_loop(&x) ? CLI_EXIT_FAIL : CLI_EXIT_OK;
    if (!x.cp.failed && checkpoint_save(&x.cp, -1))
        rc = CLI_EXIT_FAIL;
    consume_publish(&x);
    if (consume_finish_dlq(&x))
        rc = CLI_EXIT_FAIL;
    /* A failed run prints nothing that could pass for a result. */
    if (rc == CLI_EXIT_OK && o->print_summary && consume_print(&x))
        rc = CLI_EXIT_FAIL;
    if (rc == CLI_EXIT_OK && o->report_path && consume_report(&x))
        rc = CLI_EXIT_FAIL;
out:
    /* Leaving the group revokes the partitions, which saves them once
     * more; the state file closes after that. */
    kafka_consumer_close(x.consumer);
    checkpoint_close(&x.cp);
    kafka_producer_free(x.dlq);
    http_stop(x.http);
    tracker_free(x.tracker);
    free(x.leaving);
    free(x.dlq_topic);
    return rc;
}

static const char consume_help[] =
    "Usage: dndtrack consume [OPTIONS]\n"
    "Reads D&D events from Kafka as a member of a consumer group, keeps\n"
    "every player's figures and serves them on the dashboard address.\n"
    "Messages it cannot read go to TOPIC.dlq with the reason in headers.\n"
    "\n"
    "  -b BROKERS         bootstrap brokers (KAFKA_BROKER_ADDRESS)\n"
    "  -t TOPIC           topic (DND_TOPIC, default dnd_events)\n"
    "  -G GROUP           consumer group (DND_CONSUMER_GROUP_ID)\n"
    "  -X PROP=VALUE      any librdkafka property, e.g. for TLS or SASL\n"
    "  --reset-state      delete the saved figures of this group and topic\n"
    "                     and read the topic from its start\n"
    "  -e                 stop at the end of every partition and print\n"
    "                     the figures as JSON on standard output\n"
    "  --dashboard ADDR   serve on ADDR (DASHBOARD_ADDRESS, default\n"
    "                     127.0.0.1:8080); 'off' for none. With -e the\n"
    "                     dashboard is off unless this is given.\n"
    "  -q, -v             quieter, more verbose\n"
    "  -h, --help         this help\n"
    "\n"
    "Figures and offsets are saved per partition in DND_STATE_DIR and\n"
    "restored at start; a state file that is damaged, locked, newer or\n"
    "another topic's stops the consumer (see --reset-state).\n"
    "\n"
    "Exit status: 0 done; 1 broker, topic, state or output failure; 2 bad\n"
    "option or setting.\n";

int cmd_consume(int argc, char **argv)
{
    static const struct option longs[] = {
        {"dashboard", required_argument, NULL, 'd'},
        {"reset-state", no_argument, NULL, 'R'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct consume_opts o = {0};
    const char *dashboard = NULL;
    struct config cfg;
    char err[600];
    int opt, rc;

    rc = cli_config_load(&cfg);
    if (rc)
        return rc;
    while ((opt = getopt_long(argc, argv, "b:t:X:G:eqvh", longs, NULL)) != -1) {
        rc = cli_common_option(&cfg, opt, optarg);
        if (rc < 0)
            goto usage;
        if (opt == 'q')
            o.quiet = 1;
        if (rc)
            continue;
        if (opt == 'G' && config_set(&cfg, "DND_CONSUMER_GROUP_ID", optarg, err,
                                     sizeof(err))) {
            fprintf(stderr, "dndtrack: %s\n", err);
            goto usage;
        } else if (opt == 'e') {
            o.stop_at_end = 1;
        } else if (opt == 'd') {
            dashboard = optarg;
        } else if (opt == 'R') {
            o.reset_state = 1;
        } else if (opt == 'h') {
            fputs(consume_help, stdout);
            config_free(&cfg);
            return CLI_EXIT_OK;
        } else if (opt != 'G') {
            goto usage;
        }
    }
    if (optind < argc) {
        config_free(&cfg);
        return cli_usage_error("consume", "unexpected argument '%s'",
                               argv[optind]);
    }
    if (dashboard && strcmp(dashboard, "off") != 0 &&
        config_set(&cfg, "DASHBOARD_ADDRESS", dashboard, err, sizeof(err))) {
        fprintf(stderr, "dndtrack: --dashboard: %s\n", err);
        goto usage;
    }
    if (dashboard ? strcmp(dashboard, "off") != 0 : !o.stop_at_end)
        o.dashboard = cfg.dashboard;
    o.print_summary = o.stop_at_end;
    cli_signals();
    rc = consume_run(&cfg, &o);
    config_free(&cfg);
    return rc;
usage:
    config_free(&cfg);
    fputs("Try 'dndtrack consume --help' for more.\n", stderr);
    return CLI_EXIT_USAGE;
}
