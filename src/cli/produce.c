/* SPDX-License-Identifier: MIT */
/*
 * dndtrack produce: simulates a table or imports a file, keyed by player,
 * through the idempotent producer; every event ends delivered or counted
 * failed, and the exit code says whether any failed.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/crs.h"
#include "core/csv.h"
#include "core/event.h"
#include "core/sim.h"
#include "kafka/kafka.h"
#include "util/log.h"

/* How long a stop waits for the broker to take what is queued. */
#define PRODUCE_DRAIN_MS 15000
#define PRODUCE_CHUNK (64 * 1024)
/* Longest simulated player name: events must stay well under 64 KiB. */
#define PRODUCE_MAX_NAME 1024

struct produce_ctx {
    const struct config *cfg;
    const struct produce_opts *o;
    struct kafka_producer *kp;
    double interval; /* seconds between events; 0 = no pacing */
    double next_at;  /* when the next event may go */
    double progress_at;
    int show_progress;
    unsigned long long sent;
    unsigned long long bad; /* rows or lines skipped */
    int send_failed;
    /* import state */
    struct crs_columns cols;
    int have_header;
    char *line; /* jsonl line being assembled */
    size_t linelen;
    unsigned long lineno;
    int line_too_long;
};

static void produce_progress(struct produce_ctx *x, int last)
{
    unsigned long long d, f, q;
    double now;

    /* Checked first: reading the clock for every event is not free. */
    if (!x->show_progress)
        return;
    now = cli_now();
    if (!last && now < x->progress_at)
        return;
    x->progress_at = now + 0.5;
    kafka_producer_counts(x->kp, &d, &f, &q);
    fprintf(stderr,
            "\rdndtrack: %llu sent, %llu delivered, %llu failed, "
            "%llu skipped%s",
            x->sent, d, f, x->bad, last ? "\n" : "");
}

/* Whether the run should stop: a signal, or --count events sent. */
static int produce_done(const struct produce_ctx *x)
{
    return cli_stop ||
           (x->o->count >= 0 && x->sent >= (unsigned long long)x->o->count);
}

/* Waits, serving delivery reports, until the next event is due. */
static void produce_pace(struct produce_ctx *x)
{
    double left;

    if (x->interval <= 0)
        return;
    if (x->next_at == 0)
        x->next_at = cli_now();
    x->next_at += x->interval;
    while (!cli_stop && (left = x->next_at - cli_now()) > 0)
        kafka_producer_poll(x->kp, left > 0.1 ? 100 : (int)(left * 1000) + 1);
    /* Behind schedule by more than a second: do not burst to catch up. */
    if (cli_now() - x->next_at > 1.0)
        x->next_at = cli_now();
}

/* Sends one event value keyed by its player. */
static int produce_send(struct produce_ctx *x, const char *player,
                        const void *value, size_t len)
{
    if (kafka_producer_send(x->kp, x->cfg->topic, player, strlen(player), value,
                            len, NULL)) {
        x->send_failed = 1;
        return -1;
    }
    x->sent++;
    produce_progress(x, 0);
    return 0;
}

static int produce_send_json(struct produce_ctx *x, json_t *ev)
{
    const char *player = json_string_value(json_object_get(ev, "player"));
    char *text = json_dumps(ev, JSON_COMPACT);
    int rc;

    if (!text || !player) {
        free(text);
        return -1;
    }
    rc = produce_send(x, player, text, strlen(text));
    free(text);
    return rc;
}

/* The events' time stamp, written again only when the second changes. */
struct produce_stamp {
    time_t at;
    char text[32];
};

static const char *produce_stamp_now(struct produce_stamp *st)
{
    struct timespec ts;
    struct tm tm;
    time_t now;

    /* The clock's tick (a few ms) is exact enough for whole seconds. */
    clock_gettime(CLOCK_REALTIME_COARSE, &ts);
    now = ts.tv_sec;
    if (st->text[0] == '\0' || now != st->at) {
        gmtime_r(&now, &tm);
        strftime(st->text, sizeof(st->text), "%Y-%m-%dT%H:%M:%SZ", &tm);
        st->at = now;
    }
    return st->text;
}

/*
 * Draws and sends simulated events. Each is written straight into one
 * buffer on the stack, which librdkafka copies: no allocation of ours per
 * event.
 */
static int produce_simulate(struct produce_ctx *x)
{
    const struct produce_opts *o = x->o;
    struct produce_stamp stamp = {0};
    char value[SIM_FORMAT_SIZE(PRODUCE_MAX_NAME)];
    struct sim_event ev;
    struct sim s;
    size_t len;
    long long i;
    int rc;

    sim_init(&s, o->nplayers ? o->players : sim_default_players,
             o->nplayers ? o->nplayers : sim_default_nplayers, o->seed);
    for (i = 0; !cli_stop && (o->count < 0 || i < o->count); i++) {
        if (i > 0)
            produce_pace(x);
        if (cli_stop)
            break;
        sim_draw(&s, &ev);
        rc = sim_format(&ev, produce_stamp_now(&stamp), value, sizeof(value),
                        &len);
        if (rc) {
            log_error("cannot write an event: %s", sim_strerror(rc));
            return -1;
        }
        if (produce_send(x, ev.player, value, len))
            return -1;
    }
    return 0;
}

/* One CSV record of a CritRoleStats file: the header, then rows. */
static int produce_csv_record(const struct csv_record *rec, void *arg)
{
    struct produce_ctx *x = arg;
    char why[256];
    json_t *ev;
    int rc;

    if (produce_done(x))
        return 1;
    if (rec->err && !x->have_header) {
        log_error("line %lu: not a CritRoleStats header: %s", rec->line,
                  csv_strerror(rec->err));
        return -1;
    }
    if (rec->err) {
        log_warn("line %lu: skipped: %s", rec->line, csv_strerror(rec->err));
        x->bad++;
        return 0;
    }
    if (!x->have_header) {
        rc = crs_header(&x->cols, rec->fields, rec->nfields, why, sizeof(why));
        if (rc) {
            log_error("line %lu: not a CritRoleStats header: %s", rec->line,
                      why);
            return -1;
        }
        x->have_header = 1;
        return 0;
    }
    rc = crs_row(&x->cols, rec->fields, rec->nfields, &ev, why, sizeof(why));
    if (rc) {
        log_warn("line %lu: skipped: %s", rec->line, why);
        x->bad++;
        return 0;
    }
    produce_pace(x);
    rc = produce_send_json(x, ev);
    json_decref(ev);
    return rc;
}

/* One complete JSON line: checked, then sent as it was written. */
static int produce_jsonl_line(struct produce_ctx *x, char *line, size_t len)
{
    struct event ev;
    char why[256];
    int rc;

    if (len && line[len - 1] == '\r')
        len--;
    /* Some editors begin a UTF-8 file with a byte order mark. */
    if (x->lineno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
        line += 3;
        len -= 3;
    }
    if (len == 0)
        return 0;
    if (x->line_too_long) {
        log_warn("line %lu: skipped: longer than %d bytes", x->lineno,
                 EVENT_MAX_BYTES);
        x->bad++;
        return 0;
    }
    if (event_decode(line, len, &ev, why, sizeof(why))) {
        log_warn("line %lu: skipped: %s", x->lineno, why);
        x->bad++;
        return 0;
    }
    produce_pace(x);
    rc = produce_send(x, ev.player, line, len);
    event_clear(&ev);
    return rc;
}

/* Splits a chunk into lines; a line over EVENT_MAX_BYTES is skipped. */
static int produce_jsonl_feed(struct produce_ctx *x, const char *buf, size_t n)
{
    size_t i;

    for (i = 0; i < n && !produce_done(x); i++) {
        if (buf[i] == '\n') {
            x->lineno++;
            if (produce_jsonl_line(x, x->line, x->linelen))
                return -1;
            x->linelen = 0;
            x->line_too_long = 0;
        } else if (x->linelen < EVENT_MAX_BYTES + 1) {
            x->line[x->linelen++] = buf[i];
        } else {
            x->line_too_long = 1;
        }
    }
    return 0;
}

/* The format of the import: as given, else by the file's name. */
static int produce_is_csv(const struct produce_opts *o)
{
    size_t n = strlen(o->import);

    if (o->format)
        return strcmp(o->format, "critrolestats") == 0;
    return n > 4 && strcasecmp(o->import + n - 4, ".csv") == 0;
}

static int produce_import(struct produce_ctx *x)
{
    const struct produce_opts *o = x->o;
    int csv = produce_is_csv(o);
    FILE *in = strcmp(o->import, "-") == 0 ? stdin : fopen(o->import, "rb");
    struct csv_parser *cp = NULL;
    char *buf = malloc(PRODUCE_CHUNK);
    size_t n;
    int rc = -1;

    x->line = malloc(EVENT_MAX_BYTES + 2);
    if (!in) {
        log_error("cannot open %s: %s", o->import, strerror(errno));
        goto out;
    }
    if (!buf || !x->line)
        goto out;
    log_info("importing %s as %s", o->import, csv ? "critrolestats" : "jsonl");
    if (csv) {
        cp = csv_new(0, produce_csv_record, x);
        if (!cp)
            goto out;
    }
    while (!produce_done(x) && (n = fread(buf, 1, PRODUCE_CHUNK, in)) > 0) {
        rc = csv ? csv_feed(cp, buf, n) : produce_jsonl_feed(x, buf, n);
        if (rc)
            goto out;
    }
    if (ferror(in)) {
        log_error("cannot read %s: %s", o->import, strerror(errno));
        rc = -1;
        goto out;
    }
    rc = 0;
    if (!produce_done(x) && csv)
        rc = csv_finish(cp);
    else if (!produce_done(x) && x->linelen) {
        x->lineno++;
        rc = produce_jsonl_line(x, x->line, x->linelen);
    }
    if (!rc && csv && !x->have_header) {
        log_error("%s: no CritRoleStats header", o->import);
        rc = -1;
    }
out:
    /* The CSV callback answers 1 to stop on purpose (signal, --count). */
    if (rc == 1 && produce_done(x))
        rc = 0;
    if (in && in != stdin)
        fclose(in);
    csv_free(cp);
    free(x->line);
    free(buf);
    return rc;
}

int produce_run(const struct config *cfg, const struct produce_opts *o)
{
    struct produce_ctx x;
    unsigned long long d, f, q, purged;
    char err[512];
    int rc;

    memset(&x, 0, sizeof(x));
    x.cfg = cfg;
    x.o = o;
    if (o->rate_max)
        x.interval = 0;
    else if (o->rate > 0)
        x.interval = 1.0 / o->rate;
    else if (!o->import)
        x.interval = cfg->interval_seconds;
    x.show_progress = o->import && !o->quiet && isatty(STDERR_FILENO);

    if (kafka_producer_new(cfg, NULL, &x.kp, err, sizeof(err))) {
        fprintf(stderr, "dndtrack: %s\n", err);
        return CLI_EXIT_USAGE;
    }
    log_info("producing to %s on %s", cfg->topic, cfg->brokers);
    rc = o->import ? produce_import(&x) : produce_simulate(&x);
    if (cli_stop)
        log_warn("stopping: waiting up to %d s for queued events",
                 PRODUCE_DRAIN_MS / 1000);

    purged = kafka_producer_drain(x.kp, PRODUCE_DRAIN_MS);
    if (purged)
        log_error("%llu events were not acknowledged in time", purged);
    produce_progress(&x, 1);
    kafka_producer_counts(x.kp, &d, &f, &q);
    kafka_producer_free(x.kp);
    if (x.bad && x.sent == 0) {
        log_error("nothing was sent: every input row was skipped; is the "
                  "file in the --format it was read as?");
        rc = -1;
    } else if (x.bad && !o->quiet) {
        fprintf(stderr, "dndtrack: %llu input rows skipped (see above)\n",
                x.bad);
    }
    if (!o->quiet)
        fprintf(stderr,
                "dndtrack: produced %llu event%s to %s: %llu delivered, "
                "%llu failed\n",
                x.sent, x.sent == 1 ? "" : "s", cfg->topic, d, f);
    return rc || f || x.send_failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
}

static const char produce_help[] =
    "Usage: dndtrack produce [OPTIONS] [PLAYER...]\n"
    "Sends D&D events to Kafka, keyed by player: a simulated table by\n"
    "default, or an imported file.\n"
    "\n"
    "  -b BROKERS         bootstrap brokers (KAFKA_BROKER_ADDRESS)\n"
    "  -t TOPIC           topic (DND_TOPIC, default dnd_events)\n"
    "  -X PROP=VALUE      any librdkafka property, e.g. for TLS or SASL\n"
    "  --rate N|max       events a second (default: one every\n"
    "                     MESSAGE_INTERVAL_SECONDS; imports: max)\n"
    "  --count N          stop after N events\n"
    "  --seed S           seed for a reproducible simulation\n"
    "  --import FILE      import FILE ('-' for standard input)\n"
    "  --format F         critrolestats (CSV) or jsonl; by default a\n"
    "                     FILE ending in .csv is critrolestats, else jsonl\n"
    "  -q, -v             quieter, more verbose\n"
    "  -h, --help         this help\n"
    "\n"
    "PLAYER names replace the simulated players Stravos, Ya, Sylas, Wurs.\n"
    "Exit status: 0 every event sent was delivered (skipped input rows\n"
    "are reported but do not fail the run); 1 some failed, or the input\n"
    "could not be read; 2 bad option or setting. The last line counts\n"
    "delivered and failed.\n";

/* Reads --rate: a positive number or "max". */
static int produce_parse_rate(struct produce_opts *o, const char *arg)
{
    char *end;

    if (strcmp(arg, "max") == 0) {
        o->rate_max = 1;
        return 0;
    }
    errno = 0;
    o->rate = strtod(arg, &end);
    if (errno || end == arg || *end || !(o->rate >= 0.001) || o->rate > 1e7)
        return -1;
    return 0;
}

/* Simulated players must make events the consumer accepts. */
static int produce_check_players(const struct produce_opts *o)
{
    json_t *name;
    size_t i;

    for (i = 0; i < o->nplayers; i++) {
        name = json_string(o->players[i]);
        json_decref(name);
        if (!name || !o->players[i][0] ||
            strlen(o->players[i]) > PRODUCE_MAX_NAME)
            return cli_usage_error("produce",
                                   "player name '%.40s': expected "
                                   "1 to %d bytes of UTF-8",
                                   o->players[i], PRODUCE_MAX_NAME);
    }
    return 0;
}

/* Applies one produce option; 0, or CLI_EXIT_USAGE after saying why. */
static int produce_option(struct produce_opts *o, int opt, const char *arg)
{
    long long v;

    switch (opt) {
    case 'r':
        if (produce_parse_rate(o, arg))
            return cli_usage_error("produce",
                                   "--rate %s: expected events a second "
                                   "from 0.001 to 10000000, or 'max'",
                                   arg);
        return 0;
    case 'c':
        if (cli_parse_ll(arg, 0, 1000000000000LL, &v))
            return cli_usage_error("produce",
                                   "--count %s: expected a whole "
                                   "number from 0",
                                   arg);
        o->count = v;
        return 0;
    case 's':
        if (cli_parse_ll(arg, 0, 0x7fffffffffffffffLL, &v))
            return cli_usage_error("produce",
                                   "--seed %s: expected a whole "
                                   "number from 0",
                                   arg);
        o->seed = (unsigned long long)v;
        return 0;
    case 'i':
        o->import = arg;
        return 0;
    case 'f':
        if (strcmp(arg, "critrolestats") && strcmp(arg, "jsonl"))
            return cli_usage_error("produce",
                                   "--format %s: expected "
                                   "critrolestats or jsonl",
                                   arg);
        o->format = arg;
        return 0;
    default:
        fputs("Try 'dndtrack produce --help' for more.\n", stderr);
        return CLI_EXIT_USAGE;
    }
}

int cmd_produce(int argc, char **argv)
{
    static const struct option longs[] = {
        {"rate", required_argument, NULL, 'r'},
        {"count", required_argument, NULL, 'c'},
        {"seed", required_argument, NULL, 's'},
        {"import", required_argument, NULL, 'i'},
        {"format", required_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct produce_opts o = {0};
    struct config cfg;
    int opt, rc;

    o.count = -1;
    o.seed = (unsigned long long)time(NULL);
    rc = cli_config_load(&cfg);
    if (rc)
        return rc;
    while ((opt = getopt_long(argc, argv, "b:t:X:qvh", longs, NULL)) != -1) {
        if (opt == 'h') {
            fputs(produce_help, stdout);
            goto out;
        }
        o.quiet |= opt == 'q';
        rc = cli_common_option(&cfg, opt, optarg);
        if (rc < 0) {
            rc = CLI_EXIT_USAGE;
            goto out;
        }
        rc = rc ? 0 : produce_option(&o, opt, optarg);
        if (rc)
            goto out;
    }
    o.players = (const char *const *)(argv + optind);
    o.nplayers = (size_t)(argc - optind);
    rc = produce_check_players(&o);
    if (rc)
        goto out;
    if (o.import && o.nplayers) {
        rc = cli_usage_error("produce", "player names go with simulation, "
                                        "not with --import");
        goto out;
    }
    cli_signals();
    rc = produce_run(&cfg, &o);
out:
    config_free(&cfg);
    return rc;
}
