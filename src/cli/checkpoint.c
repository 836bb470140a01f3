/* SPDX-License-Identifier: MIT */
/*
 * Checkpoint implementation. Figures travel as the JSON of stats_save();
 * a partition's row holds them with its counts and next offset, so one
 * row is always self-consistent.
 */
#include "cli/checkpoint.h"

#include <librdkafka/rdkafka.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/log.h"

/* Saving may take at most this share of the consumer's time, inverted. */
#define CHECKPOINT_SHARE 10.0
/* And happens at least this often while messages arrive, in seconds. */
#define CHECKPOINT_MAX_AGE_S 1.0

int checkpoint_open(struct checkpoint *cp, const struct config *cfg, int reset,
                    struct tracker *t)
{
    char err[1024];

    memset(cp, 0, sizeof(*cp));
    cp->tracker = t;
    cp->every = cfg->viz_refresh;
    cp->saved_at = cli_now();
    if (state_open(cfg->state_dir, cfg->group_id, cfg->topic, reset, &cp->db,
                   err, sizeof(err))) {
        log_error("%s", err);
        return -1;
    }
    log_info("state in %s%s", state_path(cp->db),
             reset ? " (started over)" : "");
    return 0;
}

int64_t checkpoint_restore(struct checkpoint *cp, int32_t partition)
{
    struct state_partition saved;
    char err[1024], why[256];
    json_error_t jerr;
    json_t *stats;
    int rc;

    rc = state_load(cp->db, partition, &saved, err, sizeof(err));
    if (rc <= 0) {
        tracker_drop(cp->tracker, partition);
        if (rc < 0) {
            log_error("%s", err);
            cp->failed = 1;
        }
        return RD_KAFKA_OFFSET_BEGINNING;
    }
    stats = json_loads(saved.stats, 0, &jerr);
    rc = stats ? tracker_restore(cp->tracker, partition, saved.next_offset,
                                 saved.messages, saved.invalid, stats, why,
                                 sizeof(why))
               : TRACKER_ECORRUPT;
    json_decref(stats);
    free(saved.stats);
    if (rc) {
        log_error("state file %s: partition %d cannot be restored (%s); "
                  "move the file away, or start over with --reset-state",
                  state_path(cp->db), (int)partition, stats ? why : jerr.text);
        cp->failed = 1;
        return RD_KAFKA_OFFSET_BEGINNING;
    }
    log_info("partition %d restored: %llu messages, next offset %lld",
             (int)partition, saved.messages, (long long)saved.next_offset);
    return saved.next_offset >= 0 ? saved.next_offset
                                  : RD_KAFKA_OFFSET_BEGINNING;
}

/*
 * Adds one partition's row to the open transaction.
 *
 * XXX: a changed partition is written whole, as one JSON text of all its
 * players. With tens of thousands of players a checkpoint then costs
 * seconds and a passing peak of memory several times the figures' size;
 * the time share keeps the consumer reading, but checkpoints grow rare.
 * Rows per player, written only when changed, would make the cost follow
 * what changed.
 */
static int checkpoint_put(struct checkpoint *cp, int32_t partition, char *err,
                          size_t errlen)
{
    struct state_partition row;
    json_t *stats = tracker_save(cp->tracker, partition, &row.next_offset,
                                 &row.messages, &row.invalid);
    int rc = -1;

    row.stats = stats ? json_dumps(stats, JSON_COMPACT) : NULL;
    if (row.stats)
        rc = state_put(cp->db, partition, &row, err, errlen);
    else
        snprintf(err, errlen, "out of memory");
    free(row.stats);
    json_decref(stats);
    return rc;
}

int checkpoint_save(struct checkpoint *cp, int32_t partition)
{
    double start = cli_now();
    char err[1024];
    int32_t p, n;
    int rc;

    /* After a failure nothing is written: a partition that could not be
     * restored must keep its row for the user to inspect. */
    if (!cp->db || cp->failed)
        return cp->failed ? -1 : 0;
    n = tracker_partitions(cp->tracker);
    rc = state_begin(cp->db, err, sizeof(err));
    for (p = 0; !rc && p < n; p++)
        if ((partition < 0 || p == partition) && tracker_dirty(cp->tracker, p))
            rc = checkpoint_put(cp, p, err, sizeof(err));
    if (!rc)
        rc = state_commit(cp->db, err, sizeof(err));
    else
        state_rollback(cp->db);
    if (rc) {
        log_error("cannot save the state: %s; the state on disk keeps the "
                  "last checkpoint",
                  err);
        cp->failed = 1;
        return -1;
    }
    for (p = 0; p < n; p++)
        if (partition < 0 || p == partition)
            tracker_clean(cp->tracker, p);
    cp->since = partition < 0 ? 0 : cp->since;
    cp->saved_at = cli_now();
    cp->cost = cp->saved_at - start;
    return 0;
}

int checkpoint_tick(struct checkpoint *cp, int handled)
{
    double since;

    if (!cp->db)
        return 0;
    cp->since += (unsigned long long)handled;
    if (cp->since == 0)
        return 0;
    since = cli_now_coarse() - cp->saved_at;
    if (since < cp->cost * (CHECKPOINT_SHARE - 1))
        return 0;
    if (cp->since < (unsigned long long)cp->every &&
        since < CHECKPOINT_MAX_AGE_S)
        return 0;
    return checkpoint_save(cp, -1);
}

void checkpoint_close(struct checkpoint *cp)
{
    state_close(cp->db);
    cp->db = NULL;
}
