/* SPDX-License-Identifier: MIT */
/*
 * Per-player statistics: counts per event type, the d20 histogram, damage,
 * spells and monsters by name, and the last events. A table maps player
 * names to their figures. Pure: no I/O, no globals, not thread-safe (one
 * owner at a time). It does not decode messages (event.h).
 */
#ifndef DND_STATS_H
#define DND_STATS_H

#include <jansson.h>
#include <stddef.h>

#include "core/event.h"

/* Events kept per player for the recent feed. */
#define STATS_RECENT 20
/* Distinct spell or monster names kept per player; more go to "(other)". */
#define STATS_MAX_NAMES 64
/* Bytes kept of a recent event's text, including the NUL. */
#define STATS_TEXT_BYTES 72

enum stats_err {
    STATS_OK = 0,
    STATS_ENOMEM = -1,
    STATS_ECORRUPT = -2 /* a saved table that stats_load() refuses */
};

struct stats_count {
    char *name;
    unsigned long long n;
};

struct stats_recent {
    unsigned long long seq; /* caller's order; larger is newer */
    enum event_type type;
    char timestamp[32];
    char text[STATS_TEXT_BYTES];
};

struct stats_player {
    char *name;
    unsigned long long events[EVENT_TYPE_COUNT];
    unsigned long long d20[20]; /* d20[i] counts natural face i + 1 */
    long long damage_total;
    struct stats_count *spells;
    size_t nspells;
    struct stats_count *encounters;
    size_t nencounters;
    struct stats_recent recent[STATS_RECENT]; /* ring, oldest overwritten */
    unsigned nrecent;
    unsigned recent_head; /* index of the next slot to write */
};

struct stats_table;

/* Returns a new empty table, or NULL when out of memory. Free with
 * stats_free(). */
struct stats_table *stats_new(void);

/* Frees the table and every player in it. NULL is a no-op. */
void stats_free(struct stats_table *t);

/* Number of players in the table. */
size_t stats_count(const struct stats_table *t);

/* The player named name, or NULL. The pointer stays valid until the next
 * change to the table. */
const struct stats_player *stats_find(const struct stats_table *t,
                                      const char *name);

/*
 * Adds one valid event to its player's figures, creating the player on
 * first sight. seq orders the recent feed. Returns 0 or STATS_ENOMEM, in
 * which case the table is unchanged.
 */
int stats_apply(struct stats_table *t, const struct event *ev,
                unsigned long long seq);

/* Adds every figure of src into dst (src is unchanged). Returns 0 or
 * STATS_ENOMEM; on failure dst may hold part of src. */
int stats_merge(struct stats_table *dst, const struct stats_table *src);

/* Removes every player. */
void stats_reset(struct stats_table *t);

/*
 * The document served at /api/players: {"messages", "invalid", "players":
 * [...]} with players sorted by name, as docs/api.md describes. Returns a
 * new reference the caller owns, or NULL when out of memory.
 */
json_t *stats_to_json(const struct stats_table *t, unsigned long long messages,
                      unsigned long long invalid);

/*
 * The table in Prometheus' text format: messages, invalid, lag (left out
 * when negative, meaning unknown), players, and events per player and
 * type. Returns a malloc'd NUL-terminated text the caller frees, its
 * length in *len, or NULL when out of memory.
 */
char *stats_to_metrics(const struct stats_table *t, unsigned long long messages,
                       unsigned long long invalid, long long lag, size_t *len);

/* Calls fn for each player, in no set order. */
void stats_each(const struct stats_table *t,
                void (*fn)(const struct stats_player *p, void *arg), void *arg);

/*
 * The player named name, created with zero figures if absent, for code
 * that restores saved figures. The caller may fill the new player's fields
 * directly; the spells and encounters arrays and their names must come
 * from malloc, since stats_free() frees them. The pointer stays valid
 * until the next player is added. Returns NULL when out of memory.
 */
struct stats_player *stats_add_player(struct stats_table *t, const char *name);

/*
 * A checkpoint of every figure of t, enough for stats_load() to rebuild it
 * exactly, ring position of the recent feed included:
 *
 *   {"v": 1, "players": [{"name", "events": [4 counts in enum event_type
 *    order], "d20": [20 counts], "damage_total", "spells": [[name, count],
 *    ...], "encounters": [[name, count], ...], "recent": [{"seq", "type",
 *    "timestamp", "text"}, ... oldest first], "nrecent", "head"}, ...]}
 *
 * Players come in no set order; names and recent entries in stored order.
 * A recent text holding bytes that are not UTF-8 is saved with '?' in
 * their place. Returns a new reference the caller owns, or NULL when out
 * of memory.
 */
json_t *stats_save(const struct stats_table *t);

/*
 * Replaces every player of t with the figures of saved, a value made by
 * stats_save() and possibly damaged or hostile since: every type, range,
 * length and count is checked, and no input makes it crash. Returns 0;
 * STATS_ECORRUPT with a one-line reason in why (NUL-terminated when
 * whylen > 0; why may be NULL when whylen is 0); or STATS_ENOMEM. On
 * failure t is left empty.
 */
int stats_load(struct stats_table *t, const json_t *saved, char *why,
               size_t whylen);

#endif
