/* SPDX-License-Identifier: MIT */
/*
 * Checkpoint implementation. Each player travels as the JSON of
 * stats_save_player() in a row of its own; a partition's row holds its
 * counts and next offset. A checkpoint writes the changed players and
 * the partition's row in one transaction, so the file is always
 * self-consistent.
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
/* Messages handled between two readings of the clock while they flow. */
#define CHECKPOINT_CLOCK_EVERY 64

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

/* What restoring one partition's players needs, and why it failed. */
struct checkpoint_restoring {
    struct checkpoint *cp;
    int32_t partition;
    char why[256];
};

/* Restores one saved player; 0, 1 when damaged (see why), or 2 when out
 * of memory. */
static int checkpoint_restore_player(const char *name, const char *figures,
                                     void *arg)
{
    struct checkpoint_restoring *r = arg;
    json_error_t jerr;
    json_t *saved = json_loads(figures, 0, &jerr);
    const char *inside = json_string_value(json_object_get(saved, "name"));
    int rc;

    if (!saved) {
        snprintf(r->why, sizeof(r->why), "player '%s': %s", name, jerr.text);
        return 1;
    }
    if (!inside || strcmp(inside, name) != 0) {
        snprintf(r->why, sizeof(r->why), "the row of '%s' names another", name);
        json_decref(saved);
        return 1;
    }
    rc = tracker_restore_player(r->cp->tracker, r->partition, saved, r->why,
                                sizeof(r->why));
    json_decref(saved);
    return rc == 0 ? 0 : rc == TRACKER_ECORRUPT ? 1 : 2;
}

/* Logs why partition could not be restored (rc as from
 * checkpoint_restore_player(), or a negative code with err). */
static void checkpoint_restore_failed(struct checkpoint *cp, int32_t partition,
                                      int rc, const char *why, const char *err)
{
    if (rc == 1)
        log_error("state file %s: partition %d cannot be restored (%s); "
                  "move the file away, or start over with --reset-state",
                  state_path(cp->db), (int)partition, why);
    else if (rc == 2)
        log_error("cannot restore partition %d: out of memory", (int)partition);
    else
        log_error("%s", err);
}

int64_t checkpoint_restore(struct checkpoint *cp, int32_t partition)
{
    struct checkpoint_restoring r = {cp, partition, ""};
    struct state_partition saved;
    char err[1024];
    int found, rc = 0;

    found = state_load(cp->db, partition, &saved, err, sizeof(err));
    if (found > 0)
        rc = tracker_restore(cp->tracker, partition, saved.next_offset,
                             saved.messages, saved.invalid)
                 ? 2
                 : state_each_player(cp->db, partition,
                                     checkpoint_restore_player, &r, err,
                                     sizeof(err));
    if (found <= 0 || rc) {
        tracker_drop(cp->tracker, partition);
        if (found < 0 || rc) {
            checkpoint_restore_failed(cp, partition, found < 0 ? found : rc,
                                      r.why, err);
            cp->failed = 1;
        }
        return RD_KAFKA_OFFSET_BEGINNING;
    }
    log_info("partition %d restored: %llu messages, next offset %lld",
             (int)partition, saved.messages, (long long)saved.next_offset);
    return saved.next_offset >= 0 ? saved.next_offset
                                  : RD_KAFKA_OFFSET_BEGINNING;
}

/* Where the players of one partition are being saved to. */
struct checkpoint_saving {
    struct checkpoint *cp;
    int32_t partition;
    char *err;
    size_t errlen;
};

/* Adds one changed player's row to the open transaction. */
static int checkpoint_put_player(const struct stats_player *p, void *arg)
{
    struct checkpoint_saving *s = arg;
    json_t *figures = stats_save_player(p);
    char *text = figures ? json_dumps(figures, JSON_COMPACT) : NULL;
    int rc = -1;

    if (text)
        rc = state_put_player(s->cp->db, s->partition, p->name, text,
                              strlen(text), s->err, s->errlen);
    else
        snprintf(s->err, s->errlen, "out of memory");
    free(text);
    json_decref(figures);
    return rc;
}

/*
 * Adds one partition to the open transaction: the rows of its players
 * that changed since its last save, then its counts and next offset.
 * What did not change is on disk already, so the cost follows the
 * changes, one player's JSON at a time.
 */
static int checkpoint_put(struct checkpoint *cp, int32_t partition, char *err,
                          size_t errlen)
{
    struct checkpoint_saving s = {cp, partition, err, errlen};
    struct state_partition row;

    if (tracker_each_changed(cp->tracker, partition, checkpoint_put_player, &s))
        return -1;
    tracker_counts(cp->tracker, partition, &row.next_offset, &row.messages,
                   &row.invalid);
    return state_put(cp->db, partition, &row, err, errlen);
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
    /* While messages flow, the clock is read for one in so many. */
    if (handled && cp->since % CHECKPOINT_CLOCK_EVERY != 0 &&
        cp->since < (unsigned long long)cp->every)
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
