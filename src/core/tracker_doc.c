/* SPDX-License-Identifier: MIT */
/*
 * The tracker's merged figures as the /api/players document and as
 * Prometheus text. The document is written one player at a time through a
 * callback, so a hundred thousand players never stand as one JSON tree;
 * the framing around them reproduces what jansson would print for the
 * whole tree. Pure: the callback does the writing.
 */
#include "core/tracker.h"

#include <string.h>

#include "util/buf.h"

/* jansson's JSON_INDENT() keeps the width in the low five bits. */
#define TRACKER_INDENT_MASK 0x1F

/* Where the document goes, and how deep the value being dumped sits. */
struct tracker_out {
    json_dump_callback_t write;
    void *arg;
    size_t flags;
    size_t depth; /* levels to add after each line break of a value */
};

static const char tracker_spaces[] = "                                ";

/* Writes n spaces. */
static int tracker_pad(const struct tracker_out *o, size_t n)
{
    size_t k;

    for (; n > 0; n -= k) {
        k = n < sizeof(tracker_spaces) - 1 ? n : sizeof(tracker_spaces) - 1;
        if (o->write(tracker_spaces, k, o->arg))
            return -1;
    }
    return 0;
}

/*
 * The jansson callback: passes text on, indenting each line break by the
 * depth of the value. JSON strings cannot hold a raw line break, so every
 * one seen here is jansson's own layout.
 */
static int tracker_put(const char *s, size_t n, void *arg)
{
    const struct tracker_out *o = arg;
    size_t width = (o->flags & TRACKER_INDENT_MASK) * o->depth;
    const char *nl;

    while (width > 0 && (nl = memchr(s, '\n', n)) != NULL) {
        if (o->write(s, (size_t)(nl - s) + 1, o->arg) || tracker_pad(o, width))
            return -1;
        n -= (size_t)(nl - s) + 1;
        s = nl + 1;
    }
    return n > 0 ? o->write(s, n, o->arg) : 0;
}

static int tracker_raw(const struct tracker_out *o, const char *s)
{
    return o->write(s, strlen(s), o->arg);
}

/* What jansson writes between members at depth: a line break and indent,
 * or with space a blank when there is no indent. */
static int tracker_break(const struct tracker_out *o, size_t depth, int space)
{
    size_t width = o->flags & TRACKER_INDENT_MASK;

    if (width > 0)
        return tracker_raw(o, "\n") || tracker_pad(o, width * depth);
    if (space && !(o->flags & JSON_COMPACT))
        return tracker_raw(o, " ");
    return 0;
}

/* Dumps v (stolen) as a value at depth. */
static int tracker_value(struct tracker_out *o, json_t *v, size_t depth)
{
    int rc;

    if (!v)
        return -1;
    o->depth = depth;
    rc = json_dump_callback(v, tracker_put, o, o->flags | JSON_ENCODE_ANY);
    json_decref(v);
    return rc;
}

/* Writes "key": with jansson's separator, the member at depth 1. */
static int tracker_key(struct tracker_out *o, const char *key)
{
    return tracker_value(o, json_string(key), 1) ||
           tracker_raw(o, o->flags & JSON_COMPACT ? ":" : ": ");
}

struct tracker_players_out {
    struct tracker_out *o;
    size_t n;
};

static int tracker_put_player(const struct stats_player *p, void *arg)
{
    struct tracker_players_out *w = arg;

    if ((w->n++ > 0 && tracker_raw(w->o, ",")) ||
        tracker_break(w->o, 2, w->n > 1))
        return -1;
    return tracker_value(w->o, stats_player_to_json(p), 2);
}

int tracker_write_document(const struct tracker *t, const json_t *extra,
                           size_t flags, json_dump_callback_t write, void *arg)
{
    struct tracker_out o = {write, arg, flags, 0};
    struct tracker_players_out w = {&o, 0};
    const char *key;
    json_t *value;

    if (tracker_raw(&o, "{") || tracker_break(&o, 1, 0) ||
        tracker_key(&o, "messages") ||
        tracker_value(&o, json_integer((json_int_t)tracker_messages(t)), 1) ||
        tracker_raw(&o, ",") || tracker_break(&o, 1, 1) ||
        tracker_key(&o, "invalid") ||
        tracker_value(&o, json_integer((json_int_t)tracker_invalid(t)), 1) ||
        tracker_raw(&o, ",") || tracker_break(&o, 1, 1) ||
        tracker_key(&o, "players") || tracker_raw(&o, "["))
        return -1;
    if (tracker_each_player(t, tracker_put_player, &w))
        return -1;
    if ((w.n > 0 && tracker_break(&o, 1, 0)) || tracker_raw(&o, "]"))
        return -1;
    json_object_foreach((json_t *)extra, key, value)
    {
        if (tracker_raw(&o, ",") || tracker_break(&o, 1, 1) ||
            tracker_key(&o, key) || tracker_value(&o, json_incref(value), 1))
            return -1;
    }
    return tracker_break(&o, 0, 0) || tracker_raw(&o, "}") ? -1 : 0;
}

static int tracker_add_player(const struct stats_player *p, void *arg)
{
    return json_array_append_new(arg, stats_player_to_json(p));
}

json_t *tracker_snapshot(const struct tracker *t)
{
    json_t *players = json_array();

    if (!players || tracker_each_player(t, tracker_add_player, players)) {
        json_decref(players);
        return NULL;
    }
    return json_pack("{s:I,s:I,s:o}", "messages",
                     (json_int_t)tracker_messages(t), "invalid",
                     (json_int_t)tracker_invalid(t), "players", players);
}

/* Where the per-player lines of the metrics go, and how many players. */
struct tracker_metrics_out {
    struct buf body;
    size_t players;
};

static int tracker_metrics_player(const struct stats_player *p, void *arg)
{
    struct tracker_metrics_out *m = arg;

    stats_metrics_player(&m->body, p);
    m->players++;
    return 0;
}

/*
 * The head states the number of players, which is known once their lines
 * are written: those go aside first, so that the players are sorted once.
 */
char *tracker_to_metrics(const struct tracker *t, long long lag, size_t *len)
{
    struct tracker_metrics_out m = {{0}, 0};
    struct buf b = {0};

    if (tracker_each_player(t, tracker_metrics_player, &m) || m.body.failed) {
        buf_free(&m.body);
        return NULL;
    }
    stats_metrics_head(&b, tracker_messages(t), tracker_invalid(t), lag,
                       m.players);
    if (m.body.len > 0)
        buf_add(&b, m.body.data, m.body.len);
    buf_free(&m.body);
    return buf_take(&b, len);
}
