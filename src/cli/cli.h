/* SPDX-License-Identifier: MIT */
/*
 * The command layer: option parsing shared by the subcommands, the
 * configuration sources in their order, signals, and the run loops of
 * produce and consume that demo reuses. Only this layer decides to exit.
 */
#ifndef DND_CLI_H
#define DND_CLI_H

#include <signal.h>
#include <stddef.h>

#include "core/config.h"

/* Exit codes, documented in --help and the README. */
enum cli_exit {
    CLI_EXIT_OK = 0,
    CLI_EXIT_FAIL = 1, /* events failed, or the broker or a file failed */
    CLI_EXIT_USAGE = 2 /* bad option or setting */
};

/* Set by SIGINT and SIGTERM; the loops stop when it is non-zero. */
extern volatile sig_atomic_t cli_stop;

/* Installs the SIGINT and SIGTERM handlers and ignores SIGPIPE. */
void cli_signals(void);

/* Seconds on a monotonic clock. */
double cli_now(void);

/*
 * The same clock read at its tick (a few milliseconds), several times
 * cheaper than cli_now(): for the checks made on every message.
 */
double cli_now_coarse(void);

/*
 * Loads defaults, then ./.env if present, then the environment. Returns 0
 * or CLI_EXIT_USAGE after printing what was wrong.
 */
int cli_config_load(struct config *cfg);

/*
 * Handles an option shared by all commands: -b, -t, -X, -q, -v. Returns 1
 * when handled, 0 when opt is not shared, or -1 after printing an error.
 */
int cli_common_option(struct config *cfg, int opt, const char *arg);

/* Prints "dndtrack: msg" and a hint to --help; returns CLI_EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Parses a whole number in [min, max]; 0 or -1. */
int cli_parse_ll(const char *s, long long min, long long max, long long *out);

struct produce_opts {
    double rate;     /* events a second; 0 = from the interval */
    int rate_max;    /* as fast as the broker takes them */
    long long count; /* stop after this many; -1 = no limit */
    unsigned long long seed;
    const char *import; /* file to import, "-" for stdin, or NULL */
    const char *format; /* "critrolestats" or "jsonl" */
    const char *const *players;
    size_t nplayers;
    int quiet;
};

/* Runs the producer until done or cli_stop; returns an enum cli_exit. */
int produce_run(const struct config *cfg, const struct produce_opts *o);

struct consume_opts {
    int stop_at_end;         /* -e */
    const char *report_path; /* write an HTML report here at the end */
    int no_dead_letters;     /* a read-only run: count bad messages only */
    int stateless;           /* neither restore nor save figures */
    int reset_state;         /* delete the saved state first */
    const char *dashboard;   /* address to serve on, or NULL for none */
    int print_summary;       /* print the document on stdout at the end */
    int quiet;
};

/* Runs the consumer until done or cli_stop; returns an enum cli_exit. */
int consume_run(const struct config *cfg, const struct consume_opts *o);

int cmd_produce(int argc, char **argv);
int cmd_consume(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_report(int argc, char **argv);

/*
 * The dashboard page as one offline HTML file, written aside and put at
 * path whole by report_close(), with the /api/players document inlined
 * as it is streamed through report_put().
 */
struct report_file;

/* Starts the page: everything before the document. Returns NULL after
 * logging why. */
struct report_file *report_open(const char *path);

/*
 * A json_dump_callback_t writing n bytes of the document at s into the
 * page opened as arg. Returns 0, or -1 when writing failed.
 */
int report_put(const char *s, size_t n, void *arg);

/*
 * Frees r. With ok, ends the page and puts it at path: returns 0, or -1
 * after logging why. Without, removes it and returns -1.
 */
int report_close(struct report_file *r, int ok);

#endif
