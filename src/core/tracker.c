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

/* Raises *arg to the newest recent-event sequence number of p. */
static void tracker_max_seq(const struct stats_player *p, void *arg)
{
    unsigned long long *max = arg;
    unsigned i;

    for (i = 0; i < p->nrecent; i++)
        if (p->recent[i].seq > *max)
            *max = p->recent[i].seq;
}

int tracker_restore(struct tracker *t, int32_t partition, int64_t next_offset,
                    unsigned long long messages, unsigned long long invalid,
                    const json_t *stats, char *why, size_t whylen)
{
    struct tracker_part *p = tracker_part(t, partition);
    int rc;

    if (!p)
        return partition < 0 || partition >= TRACKER_MAX_PARTITIONS
                   ? TRACKER_EPARTITION
                   : TRACKER_ENOMEM;
    tracker_drop(t, partition);
    p->stats = stats_new();
    if (!p->stats)
        return TRACKER_ENOMEM;
    rc = stats_load(p->stats, stats, why, whylen);
    if (rc) {
        tracker_drop(t, partition);
        return rc == STATS_ENOMEM ? TRACKER_ENOMEM : TRACKER_ECORRUPT;
    }
    p->messages = messages;
    p->invalid = invalid;
    p->next_offset = next_offset;
    /* New events must sort after the restored ones in the feed. */
    stats_each(p->stats, tracker_max_seq, &t->seq);
    return 0;
}

json_t *tracker_save(const struct tracker *t, int32_t partition,
                     int64_t *next_offset, unsigned long long *messages,
                     unsigned long long *invalid)
{
    const struct tracker_part *p =
        partition >= 0 && (size_t)partition < t->nparts ? &t->parts[partition]
                                                        : NULL;
    struct stats_table *empty;
    json_t *saved;

    *next_offset = p ? p->next_offset : -1;
    *messages = p ? p->messages : 0;
    *invalid = p ? p->invalid : 0;
    if (p && p->stats)
        return stats_save(p->stats);
    empty = stats_new();
    saved = empty ? stats_save(empty) : NULL;
    stats_free(empty);
    return saved;
}

int tracker_dirty(const struct tracker *t, int32_t partition)
{
    return partition >= 0 && (size_t)partition < t->nparts &&
           t->parts[partition].dirty;
}

void tracker_clean(struct tracker *t, int32_t partition)
{
    if (partition >= 0 && (size_t)partition < t->nparts)
        t->parts[partition].dirty = 0;
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
