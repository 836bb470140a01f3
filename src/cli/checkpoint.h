/* SPDX-License-Identifier: MIT */
/*
 * Checkpoints: the glue between the tracker's per-partition figures and
 * the state file. A checkpoint writes every changed partition's figures
 * and next offset in one transaction; an assignment restores them, so a
 * crash, a restart or a partition's move loses and doubles nothing.
 */
#ifndef DND_CHECKPOINT_H
#define DND_CHECKPOINT_H

#include <stdint.h>

#include "core/config.h"
#include "core/tracker.h"
#include "store/state.h"

struct checkpoint {
    struct state_db *db;
    struct tracker *tracker;  /* borrowed */
    long every;               /* messages between checkpoints */
    unsigned long long since; /* messages since the last checkpoint */
    double saved_at;          /* monotonic seconds */
    double cost;              /* seconds the last checkpoint took */
    int failed;               /* a restore or a save failed: stop */
};

/*
 * Opens the state of cfg's group and topic under cfg's state folder (with
 * reset, deleting it first) for tracker t. Returns 0, or -1 after logging
 * why the consumer must not start.
 */
int checkpoint_open(struct checkpoint *cp, const struct config *cfg, int reset,
                    struct tracker *t);

/*
 * Restores partition from the state, or empties it when nothing was
 * saved. Returns the offset to read from next (RD_KAFKA_OFFSET_BEGINNING
 * when nothing was saved). On failure sets cp->failed after logging.
 */
int64_t checkpoint_restore(struct checkpoint *cp, int32_t partition);

/*
 * Saves partition, or every partition when partition is -1, if it changed
 * since its last save, in one transaction. Returns 0, or -1 and sets
 * cp->failed after logging; once failed, it writes nothing more.
 */
int checkpoint_save(struct checkpoint *cp, int32_t partition);

/*
 * Counts one handled message and saves when VIZ_REFRESH_MESSAGES have
 * been handled or a second has passed, whichever comes first, as long as
 * saving takes at most a tenth of the time. Returns as checkpoint_save().
 */
int checkpoint_tick(struct checkpoint *cp, int handled);

/* Closes the state file. Safe on a checkpoint never opened. */
void checkpoint_close(struct checkpoint *cp);

#endif
