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
 * Empties partition and gives it saved counts: messages, invalid and the
 * next offset to read. Its players follow, one tracker_restore_player()
 * call each. Returns 0, TRACKER_EPARTITION or TRACKER_ENOMEM.
 */
int tracker_restore(struct tracker *t, int32_t partition, int64_t next_offset,
                    unsigned long long messages, unsigned long long invalid);

/*
 * Adds to partition one player saved by stats_save_player(). Returns 0,
 * TRACKER_ECORRUPT with a reason in why (the caller then drops the
 * partition), TRACKER_EPARTITION or TRACKER_ENOMEM.
 */
int tracker_restore_player(struct tracker *t, int32_t partition,
                           const json_t *saved, char *why, size_t whylen);

/*
 * partition's counts for a checkpoint: messages, invalid and the next
 * offset (-1 if no message was read). An unknown partition has zeros.
 */
void tracker_counts(const struct tracker *t, int32_t partition,
                    int64_t *next_offset, unsigned long long *messages,
                    unsigned long long *invalid);

/*
 * Calls fn for each player of partition changed since the last
 * tracker_clean(t, partition), for a checkpoint to save; stops at fn's
 * first non-zero result and returns it, else 0.
 */
int tracker_each_changed(const struct tracker *t, int32_t partition,
                         int (*fn)(const struct stats_player *p, void *arg),
                         void *arg);

/* Whether partition changed since tracker_clean(t, partition). */
int tracker_dirty(const struct tracker *t, int32_t partition);

/* Marks partition and all its players as saved. */
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
 * Calls fn for every player over the partitions held now, in name order
 * (strcmp). A player found in several partitions comes once, its figures
 * added up into a scratch copy that lives for the call only; otherwise p
 * is the partition's own. Costs one pointer array of all players, not a
 * copy of them. Stops at fn's first non-zero result and returns it;
 * else 0, or TRACKER_ENOMEM.
 */
int tracker_each_player(const struct tracker *t,
                        int (*fn)(const struct stats_player *p, void *arg),
                        void *arg);

/* Distinct players over the partitions held now, or 0 when out of memory
 * (as when there are none). */
size_t tracker_players(const struct tracker *t);

/*
 * The merged /api/players document as one JSON tree, for tests and small
 * tables: it costs several times the figures. Returns a new reference
 * the caller owns, or NULL when out of memory.
 */
json_t *tracker_snapshot(const struct tracker *t);

/*
 * Writes the merged /api/players document through write, one player at a
 * time, so that it never holds more than one player's JSON: exactly the
 * text json_dump_callback() would give, with flags, for tracker_snapshot()
 * with the members of extra (an object, or NULL) appended after
 * "players". Returns 0, or -1 when write failed or memory ran out.
 */
int tracker_write_document(const struct tracker *t, const json_t *extra,
                           size_t flags, json_dump_callback_t write, void *arg);

/*
 * The merged figures in Prometheus' text format (see stats_to_metrics()),
 * lag left out when negative. Returns a malloc'd text the caller frees,
 * its length in *len, or NULL when out of memory.
 */
char *tracker_to_metrics(const struct tracker *t, long long lag, size_t *len);

const char *tracker_strerror(int err);

#endif
