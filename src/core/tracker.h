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
    TRACKER_EPARTITION = -3 /* partition number out of range */
};

/* Highest partition number + 1 that a tracker accepts. */
#define TRACKER_MAX_PARTITIONS (1 << 20)

struct tracker;

/* Returns a new empty tracker or NULL when out of memory. */
struct tracker *tracker_new(void);

/* Frees t and all it holds. NULL is a no-op. */
void tracker_free(struct tracker *t);

/*
 * Decodes and applies one message value read from partition. Returns 0
 * when applied, TRACKER_EINVALID with a reason in why when the message is
 * not a valid event (it is counted as invalid), or another negative code.
 */
int tracker_apply(struct tracker *t, int32_t partition, const void *value,
                  size_t len, char *why, size_t whylen);

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
