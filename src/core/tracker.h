/* SPDX-License-Identifier: MIT */
/*
 * The tracker: what a consumer knows, kept per source partition so that a
 * partition can leave with its figures. It decodes each message, applies
 * valid ones, counts invalid ones and renders the merged summary. Pure: no
 * I/O; the Kafka adapter feeds it and sends dead letters itself.
 */
#ifndef DND_TRACKER_H
#define DND_TRACKER_H

#include <stddef.h>
#include <stdint.h>

#include "core/stats.h"

enum tracker_err {
    TRACKER_OK = 0,
    TRACKER_EINVALID = -1, /* the message is a dead letter; see why */
    TRACKER_ENOMEM = -2,
    TRACKER_EPARTITION = -3, /* partition number out of range */
    TRACKER_ESEEN = -4,      /* offset already applied; nothing changed */
    TRACKER_ECORRUPT = -5    /* saved figures that cannot be restored */
};

/* Highest partition number + 1 that a tracker accepts. */
#define TRACKER_MAX_PARTITIONS (1 << 20)

struct tracker;

/* Returns a new empty tracker or NULL when out of memory. */
struct tracker *tracker_new(void);

/* Frees t and all it holds. NULL is a no-op. */
void tracker_free(struct tracker *t);

/*
 * Decodes and applies one message value read from partition at offset.
 * Returns 0 when applied, TRACKER_EINVALID with a reason in why when the
 * message is not a valid event (it is counted as invalid),
 * TRACKER_ESEEN when offset is below the partition's next offset (it was
 * counted before: a replay after a restore), or another negative code.
 * A negative offset means unknown and is never treated as seen.
 */
int tracker_apply(struct tracker *t, int32_t partition, int64_t offset,
                  const void *value, size_t len, char *why, size_t whylen);

/*
 * Replaces partition's figures with saved ones (as made by
 * tracker_save()): messages, invalid and the next offset to read, and
 * the statistics. Returns 0, or TRACKER_ECORRUPT with a reason in why (the
 * partition is then empty), or TRACKER_ENOMEM.
 */
int tracker_restore(struct tracker *t, int32_t partition, int64_t next_offset,
                    unsigned long long messages, unsigned long long invalid,
                    const json_t *stats, char *why, size_t whylen);

/*
 * partition's figures for a checkpoint: returns its statistics as a new
 * JSON reference (see stats_save()) and fills the counts and the next
 * offset (-1 if no message was read); NULL when out of memory.
 */
json_t *tracker_save(const struct tracker *t, int32_t partition,
                     int64_t *next_offset, unsigned long long *messages,
                     unsigned long long *invalid);

/* Whether partition changed since tracker_clean(t, partition). */
int tracker_dirty(const struct tracker *t, int32_t partition);

/* Marks partition as saved. */
void tracker_clean(struct tracker *t, int32_t partition);

/* One more than the highest partition number seen. */
int32_t tracker_partitions(const struct tracker *t);

/* Forgets everything learnt from partition (it moved elsewhere). */
void tracker_drop(struct tracker *t, int32_t partition);

/* Messages applied plus invalid ones, over the partitions held now. */
unsigned long long tracker_messages(const struct tracker *t);

/* Invalid messages over the partitions held now. */
unsigned long long tracker_invalid(const struct tracker *t);

/*
 * Every partition's figures merged into one new table, which the caller
 * frees with stats_free(); NULL when out of memory.
 */
struct stats_table *tracker_merged(const struct tracker *t);

/*
 * The merged /api/players document (see stats_to_json()). Returns a new
 * reference the caller owns, or NULL when out of memory.
 */
json_t *tracker_snapshot(const struct tracker *t);

const char *tracker_strerror(int err);

#endif
