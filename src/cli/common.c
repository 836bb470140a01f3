/* SPDX-License-Identifier: MIT */
/*
 * What every command shares: configuration from defaults, .env and the
 * environment; the kcat-like options -b -t -X -q -v; signals; time.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli/cli.h"
#include "util/log.h"

/* A .env larger than this is surely not one. */
#define CLI_MAX_ENV_BYTES (1024 * 1024)

volatile sig_atomic_t cli_stop;

static void cli_on_signal(int sig)
{
    cli_stop = sig;
}

void cli_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = cli_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);
}

double cli_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double cli_now_coarse(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fputs("dndtrack: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'dndtrack %s --help' for more.\n", cmd);
    return CLI_EXIT_USAGE;
}

int cli_parse_ll(const char *s, long long min, long long max, long long *out)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

/* Warns of a .env key that looks like ours but is not: a likely typo. */
static void cli_env_unknown(void *arg, const char *key)
{
    const struct config_env_report *r = arg;
    static const char *const ours[] = {"KAFKA_",   "DND_", "MESSAGE_",
                                       "TRACKED_", "VIZ_", "DASHBOARD_"};
    size_t i;

    for (i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
        if (strncmp(key, ours[i], strlen(ours[i])) == 0)
            log_warn(".env:%zu: %s is not a dndtrack setting; see "
                     ".env.example",
                     r->line, key);
}

/* Reads ./.env into the configuration when it is a regular file. */
static int cli_load_env_file(struct config *cfg)
{
    struct config_env_report report = {cli_env_unknown, NULL, 0};
    char err[600];
    struct stat st;
    FILE *f;
    char *text;
    size_t n;
    int rc;

    report.arg = &report;
    if (stat(".env", &st) != 0) {
        if (errno == ENOENT)
            return 0;
        fprintf(stderr, "dndtrack: .env: %s\n", strerror(errno));
        return -1;
    }
    /* A FIFO or a device would block or never end. */
    if (!S_ISREG(st.st_mode)) {
        fprintf(stderr, "dndtrack: .env: not a regular file\n");
        return -1;
    }
    f = fopen(".env", "rb");
    if (!f) {
        fprintf(stderr, "dndtrack: .env: %s\n", strerror(errno));
        return -1;
    }
    text = malloc(CLI_MAX_ENV_BYTES);
    if (!text) {
        fclose(f);
        return -1;
    }
    n = fread(text, 1, CLI_MAX_ENV_BYTES, f);
    if (ferror(f) || n == CLI_MAX_ENV_BYTES) {
        fprintf(stderr, "dndtrack: .env: cannot read it, or over 1 MiB\n");
        rc = -1;
    } else {
        rc = config_load_env_text(cfg, text, n, ".env", err, sizeof(err),
                                  &report);
        if (rc)
            fprintf(stderr, "dndtrack: %s\n", err);
    }
    free(text);
    fclose(f);
    return rc ? -1 : 0;
}

/*
 * The state folder by default: under XDG_STATE_HOME, else under
 * ~/.local/state, else (no home) in the working directory.
 */
static int cli_default_state_dir(struct config *cfg)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    char dir[4096], err[600];

    if (xdg && xdg[0] == '/')
        snprintf(dir, sizeof(dir), "%s/dndtrack", xdg);
    else if (home && home[0] == '/')
        snprintf(dir, sizeof(dir), "%s/.local/state/dndtrack", home);
    else
        return 0;
    if (config_set(cfg, "DND_STATE_DIR", dir, err, sizeof(err))) {
        fprintf(stderr, "dndtrack: %s\n", err);
        return -1;
    }
    return 0;
}

int cli_config_load(struct config *cfg)
{
    char err[600];
    const char *v;
    size_t i;

    if (config_init(cfg)) {
        fprintf(stderr, "dndtrack: out of memory\n");
        return CLI_EXIT_FAIL;
    }
    if (cli_default_state_dir(cfg))
        goto fail;
    if (cli_load_env_file(cfg))
        goto fail;
    for (i = 0; config_keys[i]; i++) {
        v = getenv(config_keys[i]);
        if (v && config_set(cfg, config_keys[i], v, err, sizeof(err))) {
            fprintf(stderr, "dndtrack: environment: %s\n", err);
            goto fail;
        }
    }
    return 0;
fail:
    config_free(cfg);
    return CLI_EXIT_USAGE;
}

int cli_common_option(struct config *cfg, int opt, const char *arg)
{
    char err[600];
    int rc = 0;

    switch (opt) {
    case 'b':
        rc = config_set(cfg, "KAFKA_BROKER_ADDRESS", arg, err, sizeof(err));
        break;
    case 't':
        rc = config_set(cfg, "DND_TOPIC", arg, err, sizeof(err));
        break;
    case 'X':
        rc = config_add_prop(cfg, arg, err, sizeof(err));
        /* Whoever asks librdkafka for debug output wants to see it. */
        if (rc == 0 && strncmp(arg, "debug=", 6) == 0)
            log_set_level(LOG_DEBUG);
        break;
    case 'q':
        log_set_level(LOG_ERROR);
        break;
    case 'v':
        log_set_level(log_get_level() == LOG_INFO ? LOG_DEBUG : LOG_INFO);
        break;
    default:
        return 0;
    }
    if (rc) {
        fprintf(stderr, "dndtrack: %s\n", err);
        return -1;
    }
    return 1;
}
