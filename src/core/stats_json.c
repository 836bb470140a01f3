/* SPDX-License-Identifier: MIT */
/*
 * Renders a statistics table as the /api/players document. Kept apart from
 * the table itself so the counting code stays free of output concerns.
 */
#include "core/stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct stats_list {
    const struct stats_player **items;
    size_t n;
};

static void stats_collect(const struct stats_player *p, void *arg)
{
    struct stats_list *l = arg;

    l->items[l->n++] = p;
}

static int stats_by_name(const void *a, const void *b)
{
    const struct stats_player *const *x = a;
    const struct stats_player *const *y = b;

    return strcmp((*x)->name, (*y)->name);
}

static json_t *stats_counts_json(const struct stats_count *c, size_t n)
{
    json_t *o = json_object();
    size_t i;

    for (i = 0; o && i < n; i++)
        json_object_set_new(o, c[i].name, json_integer((json_int_t)c[i].n));
    return o;
}

static json_t *stats_d20_json(const struct stats_player *p)
{
    json_t *hist = json_array();
    unsigned long long rolls = 0, sum = 0;
    json_t *mean;
    int i;

    for (i = 0; i < 20; i++) {
        json_array_append_new(hist, json_integer((json_int_t)p->d20[i]));
        rolls += p->d20[i];
        sum += p->d20[i] * (unsigned long long)(i + 1);
    }
    /* Two decimals are all a reader can use; null says "no rolls yet". */
    mean = rolls ? json_real(round(100.0 * (double)sum / (double)rolls) / 100)
                 : json_null();
    return json_pack("{s:I,s:o,s:I,s:I,s:o}", "rolls", (json_int_t)rolls,
                     "histogram", hist, "nat20", (json_int_t)p->d20[19], "nat1",
                     (json_int_t)p->d20[0], "mean", mean);
}

/* The recent feed, newest first. */
static json_t *stats_recent_json(const struct stats_player *p)
{
    struct stats_recent r[STATS_RECENT];
    unsigned n = stats_recent_list(p, r);
    json_t *a = json_array();

    while (a && n > 0) {
        n--;
        json_array_append_new(a,
                              json_pack("{s:s,s:s,s:s,s:I}", "type",
                                        event_type_name(r[n].type), "timestamp",
                                        r[n].timestamp, "text", r[n].text,
                                        "seq", (json_int_t)r[n].seq));
    }
    return a;
}

json_t *stats_player_to_json(const struct stats_player *p)
{
    json_t *events =
        json_pack("{s:I,s:I,s:I,s:I}", "dice_roll", (json_int_t)p->events[0],
                  "encounter", (json_int_t)p->events[1], "spell_cast",
                  (json_int_t)p->events[2], "other", (json_int_t)p->events[3]);

    return json_pack("{s:s,s:o,s:o,s:I,s:o,s:o,s:o}", "player", p->name,
                     "events", events, "d20", stats_d20_json(p), "damage_total",
                     (json_int_t)p->damage_total, "spells",
                     stats_counts_json(p->spells, p->nspells), "encounters",
                     stats_counts_json(p->encounters, p->nencounters), "recent",
                     stats_recent_json(p));
}

json_t *stats_to_json(const struct stats_table *t, unsigned long long messages,
                      unsigned long long invalid)
{
    struct stats_list l = {NULL, 0};
    json_t *players = json_array();
    json_t *doc = NULL;
    size_t i;

    l.items = malloc((stats_count(t) + 1) * sizeof(*l.items));
    if (!l.items || !players)
        goto out;
    stats_each(t, stats_collect, &l);
    qsort(l.items, l.n, sizeof(*l.items), stats_by_name);
    for (i = 0; i < l.n; i++) {
        json_t *pj = stats_player_to_json(l.items[i]);
        if (!pj || json_array_append_new(players, pj) != 0)
            goto out;
    }
    doc = json_pack("{s:I,s:I,s:O}", "messages", (json_int_t)messages,
                    "invalid", (json_int_t)invalid, "players", players);
out:
    json_decref(players);
    free(l.items);
    return doc;
}
