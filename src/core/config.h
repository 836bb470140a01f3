/* SPDX-License-Identifier: MIT */
/*
 * Configuration: the settings every command shares, their defaults, and
 * the checks that make a bad value an error naming the key, the value and
 * what is allowed. Pure: the command layer reads .env, the environment and
 * flags, in that order, and hands each KEY=value here.
 */
#ifndef DND_CONFIG_H
#define DND_CONFIG_H

#include <stddef.h>

#define CONFIG_MAX_PROPS 64
#define CONFIG_MAX_PLAYERS 256

enum config_err {
    CONFIG_OK = 0,
    CONFIG_EVALUE = -1,  /* a known key with a value it does not allow */
    CONFIG_EKEY = -2,    /* not a key of ours */
    CONFIG_ESYNTAX = -3, /* a .env line that is not KEY=value */
    CONFIG_ENOMEM = -4,
    CONFIG_ETOOMANY = -5
};

/* A librdkafka property given with -X name=value. */
struct config_prop {
    char *name;
    char *value;
};

struct config {
    char *brokers;                          /* KAFKA_BROKER_ADDRESS */
    char *topic;                            /* DND_TOPIC */
    double interval_seconds;                /* MESSAGE_INTERVAL_SECONDS */
    char *group_id;                         /* DND_CONSUMER_GROUP_ID */
    char *tracked;                          /* TRACKED_PLAYERS as given */
    char *tracked_list[CONFIG_MAX_PLAYERS]; /* split; empty when "all" */
    size_t ntracked;
    int tracked_all;
    long viz_refresh; /* VIZ_REFRESH_MESSAGES */
    char *dashboard;  /* DASHBOARD_ADDRESS */
    char *state_dir;  /* DND_STATE_DIR */
    struct config_prop props[CONFIG_MAX_PROPS];
    size_t nprops;
};

/* The keys config_set() knows, NULL-terminated, in documentation order. */
extern const char *const config_keys[];

/* Fills cfg with the defaults. Returns 0 or CONFIG_ENOMEM. */
int config_init(struct config *cfg);

/* Frees what cfg owns; cfg may then be initialised again. */
void config_free(struct config *cfg);

/*
 * Sets key to value after checking it. On failure returns a negative
 * enum config_err, leaves cfg unchanged and writes into err a message such
 * as "VIZ_REFRESH_MESSAGES=abc: expected a whole number from 1 to 1000000".
 */
int config_set(struct config *cfg, const char *key, const char *value,
               char *err, size_t errlen);

/* Adds a -X property given as "name=value". Errors as config_set(). */
int config_add_prop(struct config *cfg, const char *assignment, char *err,
                    size_t errlen);

/* Told of each key in a .env file that is not ours, with its line. */
struct config_env_report {
    void (*unknown)(void *arg, const char *key);
    void *arg;
    size_t line; /* the line being read, for the callback */
};

/*
 * Applies the text of a .env file: KEY=value lines, blank lines and #
 * comments (also after an unquoted value, following a blank), an optional
 * leading "export ", values optionally in single or double quotes, and an
 * optional UTF-8 byte order mark. Keys that are not ours are skipped (a
 * .env is often shared with other tools) and passed to report->unknown
 * when report is not NULL. source names the file in messages. Stops at the
 * first bad line, with its number in err.
 */
int config_load_env_text(struct config *cfg, const char *text, size_t len,
                         const char *source, char *err, size_t errlen,
                         struct config_env_report *report);

/* Longest host name config_parse_address() accepts, plus one. */
#define CONFIG_HOST_MAX 256

/*
 * Splits a listening address into host and port. Forms: "127.0.0.1:8080",
 * "localhost:8080", "[::1]:8080"; an IPv6 literal must be in brackets and
 * brackets hold only IPv6; the host is printable ASCII without blanks; the
 * port is decimal digits, 0 to 65535 (0: any free port). Writes the host,
 * NUL-terminated and without brackets, into host. Returns 0 or
 * CONFIG_EVALUE, leaving host and *port unspecified on failure.
 */
int config_parse_address(const char *address, char *host, size_t hostlen,
                         unsigned *port);

/* Whether player is one of the tracked players. */
int config_is_tracked(const struct config *cfg, const char *player);

const char *config_strerror(int err);

#endif
