/* SPDX-License-Identifier: MIT */
/*
 * Tracker implementation: a growable array of per-partition statistics
 * tables and counters. Snapshots merge the tables into a scratch table;
 * with players keyed to one partition each, the merge is a copy.
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
        t->parts = grown;
        t->nparts = n;
    }
    return &t->parts[partition];
}

int tracker_apply(struct tracker *t, int32_t partition, const void *value,
                  size_t len, char *why, size_t whylen)
{
    struct tracker_part *p = tracker_part(t, partition);
    struct event ev;
    int rc;

    if (!p)
        return partition < 0 || partition >= TRACKER_MAX_PARTITIONS
                   ? TRACKER_EPARTITION
                   : TRACKER_ENOMEM;
    if (!p->stats) {
        p->stats = stats_new();
        if (!p->stats)
            return TRACKER_ENOMEM;
    }

    rc = event_decode(value, len, &ev, why, whylen);
    if (rc == EVENT_ENOMEM)
        return TRACKER_ENOMEM;
    if (rc) {
        p->messages++;
        p->invalid++;
        return TRACKER_EINVALID;
    }
    rc = stats_apply(p->stats, &ev, ++t->seq);
    event_clear(&ev);
    if (rc)
        return TRACKER_ENOMEM;
    p->messages++;
    return 0;
}

void tracker_drop(struct tracker *t, int32_t partition)
{
    struct tracker_part *p;

    if (partition < 0 || (size_t)partition >= t->nparts)
        return;
    p = &t->parts[partition];
    stats_free(p->stats);
    memset(p, 0, sizeof(*p));
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

struct stats_table *tracker_merged(const struct tracker *t)
{
    struct stats_table *all = stats_new();
    size_t i;

    for (i = 0; all && i < t->nparts; i++) {
        if (t->parts[i].stats && stats_merge(all, t->parts[i].stats) != 0) {
            stats_free(all);
            return NULL;
        }
    }
    return all;
}

json_t *tracker_snapshot(const struct tracker *t)
{
    struct stats_table *all = tracker_merged(t);
    json_t *doc;

    if (!all)
        return NULL;
    doc = stats_to_json(all, tracker_messages(t), tracker_invalid(t));
    stats_free(all);
    return doc;
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
