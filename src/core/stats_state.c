/* SPDX-License-Identifier: MIT */
/*
 * Checkpoints of statistics: every figure of a player as one JSON value,
 * and back, so a consumer can keep a partition's figures across a
 * restart; and a whole table as an array of those. Loading trusts nothing
 * in the value. Where checkpoints are stored, and when, is the caller's
 * business; this file does no I/O.
 */
#include "core/stats.h"

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The version stats_save() writes; stats_load() also reads version 1,
 * whose players carry a ring position ("head") that is now ignored. */
#define STATS_STATE_VERSION 2
/* Faces of the d20, the length of struct stats_player's d20 array. */
#define STATS_STATE_FACES 20

/*
 * Length of the well-formed UTF-8 sequence at s, of at most n bytes, or 0
 * when there is none. The ranges are those of the Unicode standard, the
 * same jansson checks, so no overlong form or surrogate passes.
 */
static size_t stats_state_utf8(const unsigned char *s, size_t n)
{
    unsigned char lo = 0x80, hi = 0xBF;
    size_t len, i;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xC2 && s[0] <= 0xDF)
        len = 2;
    else if (s[0] >= 0xE0 && s[0] <= 0xEF)
        len = 3;
    else if (s[0] >= 0xF0 && s[0] <= 0xF4)
        len = 4;
    else
        return 0;
    if (s[0] == 0xE0)
        lo = 0xA0;
    else if (s[0] == 0xED)
        hi = 0x9F;
    else if (s[0] == 0xF0)
        lo = 0x90;
    else if (s[0] == 0xF4)
        hi = 0x8F;
    if (len > n)
        return 0;
    for (i = 1; i < len; i++) {
        if (s[i] < lo || s[i] > hi)
            return 0;
        lo = 0x80;
        hi = 0xBF;
    }
    return len;
}

/*
 * A JSON string of a recent entry's text. stats.c clips texts on
 * character boundaries; should one still hold bytes that are not UTF-8,
 * they are saved as '?' rather than failing the whole checkpoint.
 */
static json_t *stats_state_text(const char *text)
{
    char clean[STATS_TEXT_BYTES];
    size_t n = strnlen(text, sizeof(clean) - 1), i = 0, k;

    while (i < n) {
        k = stats_state_utf8((const unsigned char *)text + i, n - i);
        if (k == 0) {
            clean[i++] = '?';
            continue;
        }
        memcpy(clean + i, text + i, k);
        i += k;
    }
    return json_stringn(clean, n);
}

/*
 * Counts are saved as JSON integers, signed 64 bits: a count past 2^63 - 1
 * would come back refused, but no stream lives long enough to reach it.
 */
static json_t *stats_state_save_numbers(const unsigned long long *v, size_t n)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; a && i < n; i++) {
        if (json_array_append_new(a, json_integer((json_int_t)v[i])) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

static json_t *stats_state_save_counts(const struct stats_count *c, size_t n)
{
    json_t *a = json_array();
    size_t i;

    for (i = 0; a && i < n; i++) {
        json_t *pair = json_pack("[s,I]", c[i].name, (json_int_t)c[i].n);
        if (json_array_append_new(a, pair) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* The recent feed, oldest first. */
static json_t *stats_state_save_recent(const struct stats_player *p)
{
    struct stats_recent r[STATS_RECENT];
    unsigned n = stats_recent_list(p, r), i;
    json_t *a = json_array();

    for (i = 0; a && i < n; i++) {
        json_t *e = json_pack("{s:I,s:s,s:o,s:o}", "seq", (json_int_t)r[i].seq,
                              "type", event_type_name(r[i].type), "timestamp",
                              stats_state_text(r[i].timestamp), "text",
                              stats_state_text(r[i].text));
        if (json_array_append_new(a, e) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

json_t *stats_save_player(const struct stats_player *p)
{
    return json_pack(
        "{s:s,s:o,s:o,s:I,s:o,s:o,s:o,s:I}", "name", p->name, "events",
        stats_state_save_numbers(p->events, EVENT_TYPE_COUNT), "d20",
        stats_state_save_numbers(p->d20, STATS_STATE_FACES), "damage_total",
        (json_int_t)p->damage_total, "spells",
        stats_state_save_counts(p->spells, p->nspells), "encounters",
        stats_state_save_counts(p->encounters, p->nencounters), "recent",
        stats_state_save_recent(p), "nrecent", (json_int_t)p->nrecent);
}

struct stats_state_saving {
    json_t *players;
    int failed;
};

static void stats_state_save_one(const struct stats_player *p, void *arg)
{
    struct stats_state_saving *s = arg;

    if (s->failed)
        return;
    if (json_array_append_new(s->players, stats_save_player(p)) != 0)
        s->failed = 1;
}

json_t *stats_save(const struct stats_table *t)
{
    struct stats_state_saving s = {json_array(), 0};

    if (!s.players)
        return NULL;
    stats_each(t, stats_state_save_one, &s);
    if (s.failed) {
        json_decref(s.players);
        return NULL;
    }
    return json_pack("{s:i,s:o}", "v", STATS_STATE_VERSION, "players",
                     s.players);
}

/* The value of j when it is an integer from 0 to max; -1 otherwise. */
static long long stats_state_uint(const json_t *j, long long max)
{
    json_int_t v;

    if (!json_is_integer(j))
        return -1;
    v = json_integer_value(j);
    return v >= 0 && v <= max ? (long long)v : -1;
}

/* The text of j when it is a string of at most max bytes with no NUL. */
static const char *stats_state_string(const json_t *j, size_t max)
{
    const char *s = json_string_value(j);
    size_t n = json_string_length(j);

    if (!s || n > max || strlen(s) != n)
        return NULL;
    return s;
}

/* Fills v[0..n) from a, which must be an array of n counts. */
static int stats_state_load_numbers(unsigned long long *v, size_t n,
                                    const json_t *a)
{
    size_t i;
    long long x;

    if (!json_is_array(a) || json_array_size(a) != n)
        return -1;
    for (i = 0; i < n; i++) {
        x = stats_state_uint(json_array_get(a, i), LLONG_MAX);
        if (x < 0)
            return -1;
        v[i] = (unsigned long long)x;
    }
    return 0;
}

/* Whether a is an array of at most STATS_MAX_NAMES [name, count] pairs
 * with distinct names. */
static int stats_state_check_counts(const json_t *a)
{
    size_t n = json_array_size(a), i, k;

    if (!json_is_array(a) || n > STATS_MAX_NAMES)
        return -1;
    for (i = 0; i < n; i++) {
        const json_t *pair = json_array_get(a, i);
        const char *name =
            stats_state_string(json_array_get(pair, 0), SIZE_MAX);

        if (json_array_size(pair) != 2 || !name ||
            stats_state_uint(json_array_get(pair, 1), LLONG_MAX) < 0)
            return -1;
        for (k = 0; k < i; k++)
            if (strcmp(
                    json_string_value(json_array_get(json_array_get(a, k), 0)),
                    name) == 0)
                return -1;
    }
    return 0;
}

/*
 * Fills *list and *len from a, checked by stats_state_check_counts(),
 * with t's copies of the names. *len always counts the entries filled
 * in, so stats_player_free() frees a half-loaded list.
 */
static int stats_state_load_counts(struct stats_table *t,
                                   struct stats_count **list,
                                   unsigned char *len, const json_t *a)
{
    size_t n = json_array_size(a), i;

    if (n == 0)
        return 0;
    *list = calloc(n, sizeof(**list));
    if (!*list)
        return STATS_ENOMEM;
    for (i = 0; i < n; i++) {
        const json_t *pair = json_array_get(a, i);

        (*list)[i].name =
            stats_intern(t, json_string_value(json_array_get(pair, 0)));
        if (!(*list)[i].name)
            return STATS_ENOMEM;
        (*list)[i].n =
            (unsigned long long)json_integer_value(json_array_get(pair, 1));
        *len = (unsigned char)(i + 1);
    }
    return 0;
}

/* The event type named name, or -1. */
static int stats_state_type(const char *name)
{
    int i;

    for (i = 0; name && i < EVENT_TYPE_COUNT; i++)
        if (strcmp(name, event_type_name((enum event_type)i)) == 0)
            return i;
    return -1;
}

/* Fills the recent entry r from the saved entry e; its text points into
 * e. */
static int stats_state_load_entry(struct stats_recent *r, const json_t *e)
{
    long long seq = stats_state_uint(json_object_get(e, "seq"), LLONG_MAX);
    int type = stats_state_type(json_string_value(json_object_get(e, "type")));
    const char *stamp = stats_state_string(json_object_get(e, "timestamp"),
                                           STATS_STAMP_BYTES - 1);
    const char *text =
        stats_state_string(json_object_get(e, "text"), STATS_TEXT_BYTES - 1);

    if (seq < 0 || type < 0 || !stamp || !text)
        return -1;
    r->seq = (unsigned long long)seq;
    r->type = (enum event_type)type;
    memcpy(r->timestamp, stamp, strlen(stamp) + 1);
    r->text = text;
    return 0;
}

/* A saved player, checked, its strings pointing into the JSON value. */
struct stats_state_player {
    const char *name;
    unsigned long long events[EVENT_TYPE_COUNT];
    unsigned long long d20[STATS_STATE_FACES];
    long long damage_total;
    const json_t *spells;
    const json_t *encounters;
    struct stats_recent recent[STATS_RECENT];
    unsigned nrecent;
};

/* Checks the recent feed of the player object j into c, oldest first. */
static int stats_state_check_recent(struct stats_state_player *c,
                                    const json_t *j, const char **what)
{
    const json_t *a = json_object_get(j, "recent");
    size_t n = json_array_size(a), i;
    long long count =
        stats_state_uint(json_object_get(j, "nrecent"), STATS_RECENT);

    *what = "recent is not an array of up to 20 entries";
    if (!json_is_array(a) || n > STATS_RECENT)
        return STATS_ECORRUPT;
    *what = "nrecent is missing or differs from the entries in recent";
    if (count < 0 || (size_t)count != n)
        return STATS_ECORRUPT;

    *what = "a recent entry lacks a known type, a seq, or a timestamp or "
            "text that fits";
    for (i = 0; i < n; i++)
        if (stats_state_load_entry(&c->recent[i], json_array_get(a, i)))
            return STATS_ECORRUPT;
    c->nrecent = (unsigned)n;
    return 0;
}

/* Checks every figure of the player object j into c. */
static int stats_state_check_player(struct stats_state_player *c,
                                    const json_t *j, const char **what)
{
    const json_t *damage = json_object_get(j, "damage_total");

    c->name = stats_state_string(json_object_get(j, "name"), SIZE_MAX);
    *what = "not an object with a non-empty name";
    if (!json_is_object(j) || !c->name || !*c->name)
        return STATS_ECORRUPT;
    *what = "events is not an array of 4 counts";
    if (stats_state_load_numbers(c->events, EVENT_TYPE_COUNT,
                                 json_object_get(j, "events")))
        return STATS_ECORRUPT;
    *what = "d20 is not an array of 20 counts";
    if (stats_state_load_numbers(c->d20, STATS_STATE_FACES,
                                 json_object_get(j, "d20")))
        return STATS_ECORRUPT;
    *what = "damage_total is not an integer";
    if (!json_is_integer(damage))
        return STATS_ECORRUPT;
    c->damage_total = (long long)json_integer_value(damage);
    c->spells = json_object_get(j, "spells");
    *what = "spells is not an array of up to 64 [name, count] pairs with "
            "distinct names";
    if (stats_state_check_counts(c->spells))
        return STATS_ECORRUPT;
    c->encounters = json_object_get(j, "encounters");
    *what = "encounters is not an array of up to 64 [name, count] pairs "
            "with distinct names";
    if (stats_state_check_counts(c->encounters))
        return STATS_ECORRUPT;
    return stats_state_check_recent(c, j, what);
}

/* Adds the checked player c to t; only running out of memory fails. */
static int stats_state_add(struct stats_table *t,
                           const struct stats_state_player *c)
{
    struct stats_player *p = stats_add_player(t, c->name);
    unsigned i;

    if (!p)
        return STATS_ENOMEM;
    memcpy(p->events, c->events, sizeof(p->events));
    memcpy(p->d20, c->d20, sizeof(p->d20));
    p->damage_total = c->damage_total;
    for (i = 0; i < c->nrecent; i++)
        if (stats_remember(p, c->recent[i].seq, c->recent[i].type,
                           c->recent[i].timestamp, c->recent[i].text))
            return STATS_ENOMEM;
    if (stats_state_load_counts(t, &p->spells, &p->nspells, c->spells))
        return STATS_ENOMEM;
    return stats_state_load_counts(t, &p->encounters, &p->nencounters,
                                   c->encounters);
}

/* Adds the player saved as j to t, after checking all of it. */
static int stats_state_load_player(struct stats_table *t, const json_t *j,
                                   const char **what)
{
    struct stats_state_player c;
    int rc;

    memset(&c, 0, sizeof(c));
    rc = stats_state_check_player(&c, j, what);
    if (rc)
        return rc;
    *what = "the name appears twice";
    if (stats_find(t, c.name))
        return STATS_ECORRUPT;
    return stats_state_add(t, &c);
}

int stats_load_player(struct stats_table *t, const json_t *saved, char *why,
                      size_t whylen)
{
    const char *what = NULL;
    int rc = stats_state_load_player(t, saved, &what);

    if (whylen)
        snprintf(why, whylen, "%s",
                 rc == 0              ? ""
                 : rc == STATS_ENOMEM ? "out of memory"
                                      : what);
    return rc;
}

static int stats_state_fail(struct stats_table *t, int rc, char *why,
                            size_t whylen, const char *what)
{
    stats_reset(t);
    if (whylen)
        snprintf(why, whylen, "%s",
                 rc == STATS_ENOMEM ? "out of memory" : what);
    return rc;
}

int stats_load(struct stats_table *t, const json_t *saved, char *why,
               size_t whylen)
{
    const json_t *players = json_object_get(saved, "players");
    const json_t *v = json_object_get(saved, "v");
    const char *what = NULL;
    char where[160];
    size_t i;
    int rc;

    stats_reset(t);
    if (whylen)
        why[0] = '\0';
    if (!json_is_object(saved))
        return stats_state_fail(t, STATS_ECORRUPT, why, whylen,
                                "the checkpoint is not a JSON object");
    if (!json_is_integer(v) || json_integer_value(v) < 1 ||
        json_integer_value(v) > STATS_STATE_VERSION)
        return stats_state_fail(t, STATS_ECORRUPT, why, whylen,
                                "the checkpoint's version \"v\" is not 1 "
                                "or 2");
    if (!json_is_array(players))
        return stats_state_fail(t, STATS_ECORRUPT, why, whylen,
                                "the checkpoint has no \"players\" array");

    for (i = 0; i < json_array_size(players); i++) {
        rc = stats_state_load_player(t, json_array_get(players, i), &what);
        if (rc) {
            snprintf(where, sizeof(where), "player %zu: %s", i, what);
            return stats_state_fail(t, rc, why, whylen, where);
        }
    }
    return 0;
}
