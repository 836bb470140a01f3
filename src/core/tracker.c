/* SPDX-License-Identifier: MIT */
/*
 * Tracker implementation: a growable array of per-partition statistics
 * tables and counters. The merged view sorts pointers to every player by
 * name and adds up only the players found in several partitions, one at
 * a time; with players keyed to one partition each, nothing is copied.
 */
#include "core/tracker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"

struct tracker_part {
    struct stats_table *stats; /* NULL until the first message */
    unsigned long long messages;
    unsigned long long invalid;
    int64_t next_offset; /* -1 until a message with an offset */
    int dirty;
};

struct tracker {
    struct tracker_part *parts;
    size_t nparts;
    unsigned long long seq;
};

struct tracker *tracker_new(void)
{
    return calloc(1, sizeof(struct tracker));
}

void tracker_free(struct tracker *t)
{
    size_t i;

    if (!t)
        return;
    for (i = 0; i < t->nparts; i++)
        stats_free(t->parts[i].stats);
    free(t->parts);
    free(t);
}

/* The state of partition, grown into existence; NULL on failure. */
static struct tracker_part *tracker_part(struct tracker *t, int32_t partition)
{
    struct tracker_part *grown;
    size_t n;

    if (partition < 0 || partition >= TRACKER_MAX_PARTITIONS)
        return NULL;
    if ((size_t)partition >= t->nparts) {
        n = (size_t)partition + 1;
        grown = realloc(t->parts, n * sizeof(*grown));
        if (!grown)
            return NULL;
        memset(grown + t->nparts, 0, (n - t->nparts) * sizeof(*grown));
        for (; t->nparts < n; t->nparts++)
            grown[t->nparts].next_offset = -1;
        t->parts = grown;
    }
    return &t->parts[partition];
}

int tracker_apply(struct tracker *t, int32_t partition, int64_t offset,
                  const void *value, size_t len, char *why, size_t whylen)
{
    struct tracker_part *p = tracker_part(t, partition);
    struct event ev;
    int rc;

    if (!p)
        return partition < 0 || partition >= TRACKER_MAX_PARTITIONS
                   ? TRACKER_EPARTITION
                   : TRACKER_ENOMEM;
    if (offset >= 0 && offset < p->next_offset)
        return TRACKER_ESEEN;
    if (!p->stats) {
        p->stats = stats_new();
        if (!p->stats)
            return TRACKER_ENOMEM;
    }

    rc = event_decode(value, len, &ev, why, whylen);
    if (rc == EVENT_ENOMEM)
        return TRACKER_ENOMEM;
    if (rc == 0) {
        rc = stats_apply(p->stats, &ev, ++t->seq);
        event_clear(&ev);
        if (rc)
            return TRACKER_ENOMEM;
    } else {
        p->invalid++;
        rc = TRACKER_EINVALID;
    }
    p->messages++;
    p->dirty = 1;
    if (offset >= 0)
        p->next_offset = offset + 1;
    return rc;
}

int tracker_restore(struct tracker *t, int32_t partition, int64_t next_offset,
                    unsigned long long messages, unsigned long long invalid)
{
    struct tracker_part *p = tracker_part(t, partition);

    if (!p)
        return partition < 0 || partition >= TRACKER_MAX_PARTITIONS
                   ? TRACKER_EPARTITION
                   : TRACKER_ENOMEM;
    tracker_drop(t, partition);
    p->stats = stats_new();
    if (!p->stats)
        return TRACKER_ENOMEM;
    p->messages = messages;
    p->invalid = invalid;
    p->next_offset = next_offset;
    return 0;
}

int tracker_restore_player(struct tracker *t, int32_t partition,
                           const json_t *saved, char *why, size_t whylen)
{
    struct stats_recent r[STATS_RECENT];
    const struct stats_player *p;
    unsigned n;
    int rc;

    if (partition < 0 || (size_t)partition >= t->nparts ||
        !t->parts[partition].stats)
        return TRACKER_EPARTITION;
    rc = stats_load_player(t->parts[partition].stats, saved, why, whylen);
    if (rc)
        return rc == STATS_ENOMEM ? TRACKER_ENOMEM : TRACKER_ECORRUPT;

    /* New events must sort after the restored ones in the feed. */
    p = stats_find(t->parts[partition].stats,
                   json_string_value(json_object_get(saved, "name")));
    n = p ? stats_recent_list(p, r) : 0;
    if (n > 0 && r[n - 1].seq > t->seq)
        t->seq = r[n - 1].seq;
    return 0;
}

void tracker_counts(const struct tracker *t, int32_t partition,
                    int64_t *next_offset, unsigned long long *messages,
                    unsigned long long *invalid)
{
    const struct tracker_part *p =
        partition >= 0 && (size_t)partition < t->nparts ? &t->parts[partition]
                                                        : NULL;

    *next_offset = p ? p->next_offset : -1;
    *messages = p ? p->messages : 0;
    *invalid = p ? p->invalid : 0;
}

int tracker_each_changed(const struct tracker *t, int32_t partition,
                         int (*fn)(const struct stats_player *p, void *arg),
                         void *arg)
{
    if (partition < 0 || (size_t)partition >= t->nparts ||
        !t->parts[partition].stats)
        return 0;
    return stats_each_changed(t->parts[partition].stats, fn, arg);
}

int tracker_dirty(const struct tracker *t, int32_t partition)
{
    return partition >= 0 && (size_t)partition < t->nparts &&
           t->parts[partition].dirty;
}

void tracker_clean(struct tracker *t, int32_t partition)
{
    if (partition < 0 || (size_t)partition >= t->nparts)
        return;
    t->parts[partition].dirty = 0;
    if (t->parts[partition].stats)
        stats_mark_saved(t->parts[partition].stats);
}

int32_t tracker_partitions(const struct tracker *t)
{
    return (int32_t)t->nparts;
}

void tracker_drop(struct tracker *t, int32_t partition)
{
    struct tracker_part *p;

    if (partition < 0 || (size_t)partition >= t->nparts)
        return;
    p = &t->parts[partition];
    stats_free(p->stats);
    memset(p, 0, sizeof(*p));
    p->next_offset = -1;
}

unsigned long long tracker_messages(const struct tracker *t)
{
    unsigned long long n = 0;
    size_t i;

    for (i = 0; i < t->nparts; i++)
        n += t->parts[i].messages;
    return n;
}

unsigned long long tracker_invalid(const struct tracker *t)
{
    unsigned long long n = 0;
    size_t i;

    for (i = 0; i < t->nparts; i++)
        n += t->parts[i].invalid;
    return n;
}

/* A player and where it was found, for sorting by name. */
struct tracker_item {
    const struct stats_player *p;
    size_t order; /* partitions in ascending order, then table order */
};

struct tracker_list {
    struct tracker_item *items;
    size_t n;
};

static void tracker_collect(const struct stats_player *p, void *arg)
{
    struct tracker_list *l = arg;

    l->items[l->n].p = p;
    l->items[l->n].order = l->n;
    l->n++;
}

static int tracker_by_name(const void *a, const void *b)
{
    const struct tracker_item *x = a, *y = b;
    int c = strcmp(x->p->name, y->p->name);

    if (c)
        return c;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Every player of every partition, sorted by name then partition. */
static int tracker_sorted(const struct tracker *t, struct tracker_list *l)
{
    size_t i, n = 0;

    for (i = 0; i < t->nparts; i++)
        n += t->parts[i].stats ? stats_count(t->parts[i].stats) : 0;
    l->n = 0;
    l->items = malloc((n ? n : 1) * sizeof(*l->items));
    if (!l->items)
        return TRACKER_ENOMEM;
    for (i = 0; i < t->nparts; i++)
        if (t->parts[i].stats)
            stats_each(t->parts[i].stats, tracker_collect, l);
    qsort(l->items, l->n, sizeof(*l->items), tracker_by_name);
    return 0;
}

/* Calls fn for the run of n items of one name, summed when n > 1. */
static int tracker_visit(const struct tracker_item *items, size_t n,
                         int (*fn)(const struct stats_player *p, void *arg),
                         void *arg)
{
    const struct stats_player **ps;
    struct stats_player *sum;
    size_t i;
    int rc;

    if (n == 1)
        return fn(items[0].p, arg);
    ps = malloc(n * sizeof(*ps));
    if (!ps)
        return TRACKER_ENOMEM;
    for (i = 0; i < n; i++)
        ps[i] = items[i].p;
    sum = stats_player_sum(ps, n);
    free(ps);
    if (!sum)
        return TRACKER_ENOMEM;
    rc = fn(sum, arg);
    stats_player_free(sum);
    return rc;
}

int tracker_each_player(const struct tracker *t,
                        int (*fn)(const struct stats_player *p, void *arg),
                        void *arg)
{
    struct tracker_list l;
    size_t i, run;
    int rc = tracker_sorted(t, &l);

    for (i = 0; !rc && i < l.n; i += run) {
        for (run = 1; i + run < l.n; run++)
            if (strcmp(l.items[i].p->name, l.items[i + run].p->name) != 0)
                break;
        rc = tracker_visit(l.items + i, run, fn, arg);
    }
    free(l.items);
    return rc;
}

size_t tracker_players(const struct tracker *t)
{
    struct tracker_list l;
    size_t i, n = 0;

    if (tracker_sorted(t, &l))
        return 0;
    for (i = 0; i < l.n; i++)
        if (i == 0 || strcmp(l.items[i - 1].p->name, l.items[i].p->name) != 0)
            n++;
    free(l.items);
    return n;
}

const char *tracker_strerror(int err)
{
    switch (err) {
    case TRACKER_OK:
        return "success";
    case TRACKER_EINVALID:
        return "invalid event";
    case TRACKER_ENOMEM:
        return "out of memory";
    case TRACKER_EPARTITION:
        return "partition number out of range";
    default:
        return "unknown error";
    }
}
