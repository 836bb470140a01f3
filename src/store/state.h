/* SPDX-License-Identifier: MIT */
/*
 * The consumer's saved state in SQLite: for each partition, the figures
 * learnt from it and the next offset to read, written together in one
 * transaction. One file per consumer group and topic under DND_STATE_DIR;
 * consumers of the group on one machine share it. A partition's figures
 * are one row per player, so a checkpoint writes only the players that
 * changed. It knows nothing of what the figures mean: they arrive as JSON
 * text, and only the upgrade of a format 1 file looks inside, to split a
 * partition's {"players": [...]} into its players.
 */
#ifndef DND_STATE_H
#define DND_STATE_H

#include <stddef.h>
#include <stdint.h>

enum state_err {
    STATE_OK = 0,
    STATE_EOPEN = -1,    /* the folder or file cannot be created or opened */
    STATE_ECORRUPT = -2, /* the file is not a sound dndtrack state file */
    STATE_ELOCKED = -3,  /* another process holds the file too long */
    STATE_EVERSION = -4, /* written by a newer dndtrack */
    STATE_ETOPIC = -5,   /* the file belongs to another group or topic */
    STATE_EWRITE = -6,   /* cannot write: read-only, disk full, I/O error */
    STATE_ENOMEM = -7
};

/*
 * The format this build writes; files with a larger number are refused,
 * and format 1 files (one text of all of a partition's players) are
 * rewritten as format 2 (one row per player) when opened.
 */
#define STATE_SCHEMA 2

/* One partition's saved counts; its players are rows of their own. */
struct state_partition {
    int64_t next_offset;
    unsigned long long messages;
    unsigned long long invalid;
};

struct state_db;

/*
 * Opens, creating when missing, the state of group reading topic under
 * dir, and checks that it is sound, of a known version and theirs. With
 * reset, any existing state of that group and topic is deleted first.
 * Returns 0 and *out, or a negative enum state_err with a message naming
 * the file and what to do in err.
 */
int state_open(const char *dir, const char *group, const char *topic, int reset,
               struct state_db **out, char *err, size_t errlen);

/* The file's path, for messages. */
const char *state_path(const struct state_db *db);

/*
 * Reads partition's saved counts into *out. Returns 1 when found, 0 when
 * none were saved, or a negative code with err.
 */
int state_load(struct state_db *db, int32_t partition,
               struct state_partition *out, char *err, size_t errlen);

/*
 * Calls fn with the name and the figures (NUL-terminated JSON text, valid
 * during the call only) of each player saved for partition, in no set
 * order. Returns 0; fn's first non-zero result, as it is; or a negative
 * enum state_err with err.
 */
int state_each_player(struct state_db *db, int32_t partition,
                      int (*fn)(const char *name, const char *figures,
                                void *arg),
                      void *arg, char *err, size_t errlen);

/* Starts the transaction that state_put() calls join. 0 or an error. */
int state_begin(struct state_db *db, char *err, size_t errlen);

/* Saves one partition's counts inside the open transaction. */
int state_put(struct state_db *db, int32_t partition,
              const struct state_partition *p, char *err, size_t errlen);

/*
 * Saves one player of partition inside the open transaction, replacing
 * what was saved under that name: figures is JSON text of len bytes.
 */
int state_put_player(struct state_db *db, int32_t partition, const char *name,
                     const char *figures, size_t len, char *err, size_t errlen);

/* Makes the transaction durable; on failure it is rolled back. */
int state_commit(struct state_db *db, char *err, size_t errlen);

/* Abandons the open transaction, if any. */
void state_rollback(struct state_db *db);

/* Closes the file. NULL is a no-op. */
void state_close(struct state_db *db);

const char *state_strerror(int err);

#endif
