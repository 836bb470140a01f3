/* SPDX-License-Identifier: MIT */
/*
 * Configuration values and their checks. Every number is parsed with an
 * end check; every string is copied, so the caller's buffers may go.
 */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/errbuf.h"

const char *const config_keys[] = {
    "KAFKA_BROKER_ADDRESS",  "DND_TOPIC",       "MESSAGE_INTERVAL_SECONDS",
    "DND_CONSUMER_GROUP_ID", "TRACKED_PLAYERS", "VIZ_REFRESH_MESSAGES",
    "DASHBOARD_ADDRESS",     "DND_STATE_DIR",   NULL};

/* Replaces *dst with a copy of src. */
static int config_str(char **dst, const char *src)
{
    char *copy = strdup(src);

    if (!copy)
        return CONFIG_ENOMEM;
    free(*dst);
    *dst = copy;
    return 0;
}

static void config_clear_tracked(struct config *cfg)
{
    size_t i;

    for (i = 0; i < cfg->ntracked; i++)
        free(cfg->tracked_list[i]);
    cfg->ntracked = 0;
    cfg->tracked_all = 0;
}

/* Splits a comma list of names, trimming blanks around each. */
static int config_set_tracked(struct config *cfg, const char *value, char *err,
                              size_t errlen)
{
    char *names[CONFIG_MAX_PLAYERS];
    size_t n = 0, i;
    const char *p = value;

    if (strcmp(value, "all") == 0) {
        config_clear_tracked(cfg);
        cfg->tracked_all = 1;
        return config_str(&cfg->tracked, value);
    }
    while (*p) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && isspace((unsigned char)*p)) {
            p++;
            len--;
        }
        while (len && isspace((unsigned char)p[len - 1]))
            len--;
        if (len == 0 || n == CONFIG_MAX_PLAYERS) {
            for (i = 0; i < n; i++)
                free(names[i]);
            return errbuf_set(
                CONFIG_EVALUE, err, errlen,
                "TRACKED_PLAYERS=%s: expected 'all' or a comma-separated "
                "list of 1 to %d non-empty player names",
                value, CONFIG_MAX_PLAYERS);
        }
        if (len == 3 && strncmp(p, "all", 3) == 0) {
            for (i = 0; i < n; i++)
                free(names[i]);
            return errbuf_set(CONFIG_EVALUE, err, errlen,
                              "TRACKED_PLAYERS=%s: 'all' stands alone, not "
                              "in a list",
                              value);
        }
        names[n] = strndup(p, len);
        if (!names[n]) {
            for (i = 0; i < n; i++)
                free(names[i]);
            return CONFIG_ENOMEM;
        }
        n++;
        if (!end)
            break;
        p = end + 1;
    }
    if (n == 0)
        return errbuf_set(CONFIG_EVALUE, err, errlen,
                          "TRACKED_PLAYERS is empty: expected 'all' or a "
                          "comma-separated list of player names");
    config_clear_tracked(cfg);
    memcpy(cfg->tracked_list, names, n * sizeof(names[0]));
    cfg->ntracked = n;
    return config_str(&cfg->tracked, value);
}

static int config_set_interval(struct config *cfg, const char *value, char *err,
                               size_t errlen)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(value, &end);
    if (errno || end == value || *end || !(v >= 0.001) || v > 86400)
        return errbuf_set(CONFIG_EVALUE, err, errlen,
                          "MESSAGE_INTERVAL_SECONDS=%s: expected a number "
                          "of seconds from 0.001 to 86400",
                          value);
    cfg->interval_seconds = v;
    return 0;
}

static int config_set_refresh(struct config *cfg, const char *value, char *err,
                              size_t errlen)
{
    char *end;
    long v;

    errno = 0;
    v = strtol(value, &end, 10);
    if (errno || end == value || *end || v < 1 || v > 1000000)
        return errbuf_set(CONFIG_EVALUE, err, errlen,
                          "VIZ_REFRESH_MESSAGES=%s: expected a whole number "
                          "from 1 to 1000000",
                          value);
    cfg->viz_refresh = v;
    return 0;
}

/* The port: decimal digits only, 0 to 65535. */
static int config_parse_port(const char *s, unsigned *port)
{
    char *end;
    long v;

    if (s[0] < '0' || s[0] > '9')
        return CONFIG_EVALUE;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < 0 || v > 65535)
        return CONFIG_EVALUE;
    *port = (unsigned)v;
    return 0;
}

/* A host is non-empty printable ASCII without brackets or slashes. Colons
 * belong to IPv6 literals, which must be bracketed. */
static int config_host_ok(const char *h, size_t n, int bracketed)
{
    int colon = 0;
    size_t i;

    if (n == 0)
        return 0;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)h[i];

        if (c <= ' ' || c >= 0x7f || c == '[' || c == ']' || c == '/')
            return 0;
        if (c == ':')
            colon = 1;
    }
    return bracketed ? colon : !colon;
}

int config_parse_address(const char *address, char *host, size_t hostlen,
                         unsigned *port)
{
    const char *h, *sep;
    size_t n;
    int bracketed;

    bracketed = address[0] == '[';
    if (bracketed) {
        h = address + 1;
        sep = strchr(h, ']');
        if (!sep)
            return CONFIG_EVALUE;
        n = (size_t)(sep - h);
        sep++;
    } else {
        h = address;
        sep = strrchr(h, ':');
        if (!sep)
            return CONFIG_EVALUE;
        n = (size_t)(sep - h);
    }
    if (*sep != ':' || !config_host_ok(h, n, bracketed) || n >= hostlen)
        return CONFIG_EVALUE;
    if (config_parse_port(sep + 1, port))
        return CONFIG_EVALUE;
    memcpy(host, h, n);
    host[n] = '\0';
    return 0;
}

static int config_set_dashboard(struct config *cfg, const char *value,
                                char *err, size_t errlen)
{
    char host[CONFIG_HOST_MAX];
    unsigned port;

    if (config_parse_address(value, host, sizeof(host), &port))
        return errbuf_set(CONFIG_EVALUE, err, errlen,
                          "DASHBOARD_ADDRESS=%s: expected HOST:PORT such as "
                          "127.0.0.1:8080, localhost:8080 or [::1]:8080, "
                          "port 0 to 65535",
                          value);
    return config_str(&cfg->dashboard, value);
}

/* Kafka's rule for topic names: 1 to 249 of [A-Za-z0-9._-], not . or .. */
static int config_set_topic(struct config *cfg, const char *value, char *err,
                            size_t errlen)
{
    size_t n = strspn(value, "abcdefghijklmnopqrstuvwxyz"
                             "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

    if (n == 0 || value[n] != '\0' || n > 249 || strcmp(value, ".") == 0 ||
        strcmp(value, "..") == 0)
        return errbuf_set(CONFIG_EVALUE, err, errlen,
                          "DND_TOPIC=%s: expected a Kafka topic name: 1 to "
                          "249 letters, digits, '.', '_' or '-'",
                          value);
    return config_str(&cfg->topic, value);
}

/* A non-empty value; config_set() has already refused control bytes. */
static int config_set_text(char **dst, const char *key, const char *value,
                           char *err, size_t errlen)
{
    if (*value == '\0')
        return errbuf_set(CONFIG_EVALUE, err, errlen,
                          "%s is empty: expected a value", key);
    return config_str(dst, value);
}

/* Whether s holds a control character, which messages must not echo. */
static int config_has_control(const char *s)
{
    for (; *s; s++)
        if (iscntrl((unsigned char)*s))
            return 1;
    return 0;
}

int config_set(struct config *cfg, const char *key, const char *value,
               char *err, size_t errlen)
{
    if (config_has_control(value))
        return errbuf_set(CONFIG_EVALUE, err, errlen,
                          "%s: the value contains control characters", key);
    if (isspace((unsigned char)value[0]))
        return errbuf_set(CONFIG_EVALUE, err, errlen,
                          "%s='%s': the value starts with a blank", key, value);
    if (strcmp(key, "KAFKA_BROKER_ADDRESS") == 0)
        return config_set_text(&cfg->brokers, key, value, err, errlen);
    if (strcmp(key, "DND_TOPIC") == 0)
        return config_set_topic(cfg, value, err, errlen);
    if (strcmp(key, "MESSAGE_INTERVAL_SECONDS") == 0)
        return config_set_interval(cfg, value, err, errlen);
    if (strcmp(key, "DND_CONSUMER_GROUP_ID") == 0)
        return config_set_text(&cfg->group_id, key, value, err, errlen);
    if (strcmp(key, "TRACKED_PLAYERS") == 0)
        return config_set_tracked(cfg, value, err, errlen);
    if (strcmp(key, "VIZ_REFRESH_MESSAGES") == 0)
        return config_set_refresh(cfg, value, err, errlen);
    if (strcmp(key, "DASHBOARD_ADDRESS") == 0)
        return config_set_dashboard(cfg, value, err, errlen);
    if (strcmp(key, "DND_STATE_DIR") == 0)
        return config_set_text(&cfg->state_dir, key, value, err, errlen);
    return errbuf_set(CONFIG_EKEY, err, errlen, "unknown setting '%s'", key);
}

int config_init(struct config *cfg)
{
    char err[128];
    int rc = 0;

    memset(cfg, 0, sizeof(*cfg));
    rc |= config_set(cfg, "KAFKA_BROKER_ADDRESS", "127.0.0.1:9092", err,
                     sizeof(err));
    rc |= config_set(cfg, "DND_TOPIC", "dnd_events", err, sizeof(err));
    rc |= config_set(cfg, "MESSAGE_INTERVAL_SECONDS", "5", err, sizeof(err));
    rc |=
        config_set(cfg, "DND_CONSUMER_GROUP_ID", "dndtrack", err, sizeof(err));
    rc |= config_set(cfg, "TRACKED_PLAYERS", "Stravos,Wurs", err, sizeof(err));
    rc |= config_set(cfg, "VIZ_REFRESH_MESSAGES", "5", err, sizeof(err));
    rc |= config_set(cfg, "DASHBOARD_ADDRESS", "127.0.0.1:8080", err,
                     sizeof(err));
    rc |= config_set(cfg, "DND_STATE_DIR", "dndtrack-state", err, sizeof(err));
    if (rc) {
        config_free(cfg);
        return CONFIG_ENOMEM;
    }
    return 0;
}

void config_free(struct config *cfg)
{
    size_t i;

    free(cfg->brokers);
    free(cfg->topic);
    free(cfg->group_id);
    free(cfg->tracked);
    free(cfg->dashboard);
    free(cfg->state_dir);
    config_clear_tracked(cfg);
    for (i = 0; i < cfg->nprops; i++) {
        free(cfg->props[i].name);
        free(cfg->props[i].value);
    }
    memset(cfg, 0, sizeof(*cfg));
}

int config_add_prop(struct config *cfg, const char *assignment, char *err,
                    size_t errlen)
{
    const char *eq = strchr(assignment, '=');
    struct config_prop *p;

    if (!eq || eq == assignment || eq[1] == '\0')
        return errbuf_set(CONFIG_EVALUE, err, errlen,
                          "-X %s: expected property=value, such as "
                          "-X security.protocol=SSL",
                          assignment);
    if (cfg->nprops == CONFIG_MAX_PROPS)
        return errbuf_set(CONFIG_ETOOMANY, err, errlen,
                          "-X %s: more than %d properties", assignment,
                          CONFIG_MAX_PROPS);
    p = &cfg->props[cfg->nprops];
    p->name = strndup(assignment, (size_t)(eq - assignment));
    p->value = strdup(eq + 1);
    if (!p->name || !p->value) {
        free(p->name);
        free(p->value);
        p->name = p->value = NULL;
        return CONFIG_ENOMEM;
    }
    cfg->nprops++;
    return 0;
}

/* Whether key is one config_set() knows. */
static int config_known(const char *key)
{
    size_t i;

    for (i = 0; config_keys[i]; i++)
        if (strcmp(config_keys[i], key) == 0)
            return 1;
    return 0;
}

/* Length of an unquoted value without a trailing " # comment". */
static size_t config_env_uncomment(const char *v, size_t len)
{
    size_t i;

    if (len == 0)
        return 0;
    for (i = 1; i < len; i++)
        if (v[i] == '#' && isspace((unsigned char)v[i - 1]))
            break;
    while (i > 0 && isspace((unsigned char)v[i - 1]))
        i--;
    return i < len ? i : len;
}

/*
 * Applies one .env line (without its line end) of len bytes. Comments,
 * blank lines and keys that are not ours are fine and change nothing.
 */
static int config_env_line(struct config *cfg, const char *line, size_t len,
                           char *err, size_t errlen,
                           struct config_env_report *report)
{
    char key[64], value[4096];
    const char *eq;
    size_t klen, vlen;

    while (len && isspace((unsigned char)*line)) {
        line++;
        len--;
    }
    while (len && isspace((unsigned char)line[len - 1]))
        len--;
    if (len == 0 || *line == '#')
        return 0;
    /* Key and value become C strings: a NUL would cut them silently. */
    if (memchr(line, '\0', len))
        return errbuf_set(CONFIG_ESYNTAX, err, errlen,
                          "the line contains a NUL byte");
    if (len > 7 && strncmp(line, "export ", 7) == 0) {
        line += 7;
        len -= 7;
    }
    eq = memchr(line, '=', len);
    if (!eq)
        return errbuf_set(CONFIG_ESYNTAX, err, errlen, "expected KEY=value");
    klen = (size_t)(eq - line);
    while (klen && isspace((unsigned char)line[klen - 1]))
        klen--;
    if (klen == 0 || klen >= sizeof(key))
        return errbuf_set(CONFIG_ESYNTAX, err, errlen, "expected KEY=value");
    memcpy(key, line, klen);
    key[klen] = '\0';

    eq++;
    vlen = len - (size_t)(eq - line);
    while (vlen && isspace((unsigned char)*eq)) {
        eq++;
        vlen--;
    }
    if (vlen >= 2 && (eq[0] == '"' || eq[0] == '\'') && eq[vlen - 1] == eq[0]) {
        eq++;
        vlen -= 2;
    } else {
        vlen = config_env_uncomment(eq, vlen);
    }
    if (vlen >= sizeof(value))
        return errbuf_set(CONFIG_EVALUE, err, errlen,
                          "%s: value longer than %zu bytes", key,
                          sizeof(value) - 1);
    memcpy(value, eq, vlen);
    value[vlen] = '\0';
    if (!config_known(key)) {
        if (report && report->unknown)
            report->unknown(report->arg, key);
        return 0;
    }
    return config_set(cfg, key, value, err, errlen);
}

int config_load_env_text(struct config *cfg, const char *text, size_t len,
                         const char *source, char *err, size_t errlen,
                         struct config_env_report *report)
{
    char why[512];
    size_t start = 0, lineno = 1;
    int rc;

    /* Editors on some systems start a text file with a byte order mark. */
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        start = 3;

    while (start < len) {
        const char *nl = memchr(text + start, '\n', len - start);
        size_t end = nl ? (size_t)(nl - text) : len;

        if (report)
            report->line = lineno;
        rc = config_env_line(cfg, text + start, end - start, why, sizeof(why),
                             report);
        if (rc)
            return errbuf_set(rc, err, errlen, "%s:%zu: %s", source, lineno,
                              why);
        start = end + 1;
        lineno++;
    }
    return 0;
}

int config_is_tracked(const struct config *cfg, const char *player)
{
    size_t i;

    if (cfg->tracked_all)
        return 1;
    for (i = 0; i < cfg->ntracked; i++)
        if (strcmp(cfg->tracked_list[i], player) == 0)
            return 1;
    return 0;
}

const char *config_strerror(int err)
{
    switch (err) {
    case CONFIG_OK:
        return "success";
    case CONFIG_EVALUE:
        return "value not allowed";
    case CONFIG_EKEY:
        return "unknown setting";
    case CONFIG_ESYNTAX:
        return "syntax error";
    case CONFIG_ENOMEM:
        return "out of memory";
    case CONFIG_ETOOMANY:
        return "too many values";
    default:
        return "unknown error";
    }
}
