/* SPDX-License-Identifier: MIT */
/*
 * dndtrack report: reads the topic to its end as a one-off reader, then
 * writes the dashboard with those figures as one HTML file that opens
 * offline: styles, Chart.js, the figures and the page's script inside.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "http/http.h"
#include "http/page.h"
#include "util/log.h"

/* Whether text holds "</script" in any case, which would end its tag. */
static int report_breaks_script(const char *text, size_t len)
{
    size_t i;

    for (i = 0; i + 8 <= len; i++)
        if (text[i] == '<' && strncasecmp(text + i, "</script", 8) == 0)
            return 1;
    return 0;
}

/* A report page being written aside, renamed into place when done. */
struct report_file {
    FILE *f;
    const char *path;
    char *tmp;
    int failed; /* a write failed, with errno */
};

static void report_add(struct report_file *r, const void *p, size_t len)
{
    if (!r->failed && len > 0 && fwrite(p, 1, len, r->f) != len)
        r->failed = errno ? errno : EIO;
}

static void report_puts(struct report_file *r, const char *s)
{
    report_add(r, s, strlen(s));
}

/* Removes the half-written page after logging why; returns -1. */
static int report_abandon(struct report_file *r, int err)
{
    log_error("cannot write %s: %s", r->path, strerror(err));
    if (r->f)
        fclose(r->f);
    unlink(r->tmp);
    free(r->tmp);
    free(r);
    return -1;
}

struct report_file *report_open(const char *path)
{
    size_t chart_len, n = strlen(path) + 32;
    const char *chart = http_chartjs(&chart_len);
    struct report_file *r;

    if (report_breaks_script(chart, chart_len) ||
        report_breaks_script((const char *)web_app_js, web_app_js_len)) {
        log_error("a script to inline contains </script>; not writing");
        return NULL;
    }
    r = calloc(1, sizeof(*r));
    if (r)
        r->tmp = malloc(n);
    if (!r || !r->tmp) {
        free(r);
        log_error("cannot build the report: out of memory");
        return NULL;
    }
    r->path = path;
    snprintf(r->tmp, n, "%s.tmp%ld", path, (long)getpid());
    r->f = fopen(r->tmp, "wb");
    if (!r->f) {
        report_abandon(r, errno);
        return NULL;
    }
    report_puts(r, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
                   "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
                   "content=\"width=device-width, initial-scale=1\">\n"
                   "<title>dndtrack report</title>\n<style>\n");
    report_add(r, web_style_css, web_style_css_len);
    report_puts(r, "</style>\n</head>\n<body>\n<div id=\"app\"></div>\n"
                   "<script id=\"dndtrack-data\" type=\"application/json\">");
    return r;
}

/*
 * Every '<' (which JSON allows only inside strings) becomes \u003c, so
 * neither "</script" nor "<!--" can change how the page's parser reads
 * the element.
 */
int report_put(const char *s, size_t n, void *arg)
{
    struct report_file *r = arg;
    const char *lt;

    while ((lt = memchr(s, '<', n)) != NULL) {
        report_add(r, s, (size_t)(lt - s));
        report_puts(r, "\\u003c");
        n -= (size_t)(lt - s) + 1;
        s = lt + 1;
    }
    report_add(r, s, n);
    return r->failed ? -1 : 0;
}

int report_close(struct report_file *r, int ok)
{
    size_t chart_len;
    const char *chart = http_chartjs(&chart_len);

    if (!ok) {
        fclose(r->f);
        unlink(r->tmp);
        free(r->tmp);
        free(r);
        return -1;
    }
    report_puts(r, "</script>\n<script>\n");
    report_add(r, chart, chart_len);
    report_puts(r, "\n</script>\n<script>\n");
    report_add(r, web_app_js, web_app_js_len);
    report_puts(r, "\n</script>\n</body>\n</html>\n");
    if (r->failed)
        return report_abandon(r, r->failed);
    if (fflush(r->f) != 0)
        return report_abandon(r, errno);
    if (fclose(r->f) != 0) {
        r->f = NULL;
        return report_abandon(r, errno);
    }
    r->f = NULL;
    if (rename(r->tmp, r->path) != 0)
        return report_abandon(r, errno);
    free(r->tmp);
    free(r);
    return 0;
}

static const char report_help[] =
    "Usage: dndtrack report --out FILE.html [OPTIONS]\n"
    "Reads the topic from its start to its end, then writes the dashboard\n"
    "with those figures as one self-contained HTML file that opens offline:\n"
    "a session recap to share. It joins no existing consumer group, commits\n"
    "nothing and writes no dead letters.\n"
    "\n"
    "  --out FILE         the file to write (required)\n"
    "  --players LIST     players with a panel: 'all' or A,B (default\n"
    "                     TRACKED_PLAYERS)\n"
    "  -b BROKERS         bootstrap brokers (KAFKA_BROKER_ADDRESS)\n"
    "  -t TOPIC           topic (DND_TOPIC, default dnd_events)\n"
    "  -X PROP=VALUE      any librdkafka property\n"
    "  -q, -v             quieter, more verbose\n"
    "  -h, --help         this help\n"
    "\n"
    "Exit status: 0 written; 1 broker, topic or file failure; 2 bad option\n"
    "or setting.\n";

/* A group of its own, so the report takes no partitions from anyone. */
static int report_group(struct config *cfg)
{
    char group[128], err[600];

    snprintf(group, sizeof(group), "dndtrack-report-%ld-%ld", (long)getpid(),
             (long)time(NULL));
    return config_set(cfg, "DND_CONSUMER_GROUP_ID", group, err, sizeof(err)) ||
           config_add_prop(cfg, "enable.auto.commit=false", err, sizeof(err));
}

int cmd_report(int argc, char **argv)
{
    static const struct option longs[] = {
        {"out", required_argument, NULL, 'o'},
        {"players", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    struct consume_opts o = {0};
    struct config cfg;
    char err[600];
    int opt, rc;

    rc = cli_config_load(&cfg);
    if (rc)
        return rc;
    while ((opt = getopt_long(argc, argv, "b:t:X:qvh", longs, NULL)) != -1) {
        rc = cli_common_option(&cfg, opt, optarg);
        if (rc < 0)
            goto usage;
        o.quiet |= opt == 'q';
        if (rc)
            continue;
        if (opt == 'o') {
            o.report_path = optarg;
        } else if (opt == 'p') {
            if (config_set(&cfg, "TRACKED_PLAYERS", optarg, err, sizeof(err))) {
                fprintf(stderr, "dndtrack: --players: %s\n", err);
                goto usage;
            }
        } else if (opt == 'h') {
            fputs(report_help, stdout);
            config_free(&cfg);
            return CLI_EXIT_OK;
        } else {
            goto usage;
        }
    }
    if (!o.report_path || optind < argc) {
        config_free(&cfg);
        return cli_usage_error("report", optind < argc
                                             ? "unexpected argument"
                                             : "--out FILE is required");
    }
    if (report_group(&cfg)) {
        config_free(&cfg);
        return CLI_EXIT_FAIL;
    }
    o.stop_at_end = 1;
    o.no_dead_letters = 1;
    o.stateless = 1;
    cli_signals();
    rc = consume_run(&cfg, &o);
    if (rc == CLI_EXIT_OK && !o.quiet)
        fprintf(stderr, "dndtrack: wrote %s\n", o.report_path);
    config_free(&cfg);
    return rc;
usage:
    config_free(&cfg);
    fputs("Try 'dndtrack report --help' for more.\n", stderr);
    return CLI_EXIT_USAGE;
}
