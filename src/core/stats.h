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
#include "util/buf.h"

/* Events kept per player for the recent feed. */
#define STATS_RECENT 20
/* Distinct spell or monster names kept per player; more go to "(other)". */
#define STATS_MAX_NAMES 64
/* Bytes kept of a recent event's text, including the NUL. */
#define STATS_TEXT_BYTES 72
/* Bytes kept of a recent event's timestamp, including the NUL. */
#define STATS_STAMP_BYTES 32

enum stats_err {
    STATS_OK = 0,
    STATS_ENOMEM = -1,
    STATS_ECORRUPT = -2 /* a saved table that stats_load() refuses */
};

struct stats_count {
    const char *name; /* the table's copy (stats_intern()) */
    unsigned long long n;
};

/*
 * One event of the recent feed as stats_recent_list() shows it. The text
 * points into the player's storage and stays valid until the player next
 * changes; the timestamp is a copy.
 */
struct stats_recent {
    unsigned long long seq; /* caller's order; larger is newer */
    enum event_type type;
    char timestamp[STATS_STAMP_BYTES];
    const char *text; /* fewer than STATS_TEXT_BYTES bytes */
};

/*
 * A player's figures. The recent feed is packed into one buffer sized to
 * what it holds (see stats.c), so a player with few events costs little;
 * read it with stats_recent_list(). The struct ends with the name.
 */
struct stats_player {
    unsigned long long events[EVENT_TYPE_COUNT];
    unsigned long long d20[20]; /* d20[i] counts natural face i + 1 */
    long long damage_total;
    struct stats_count *spells;
    struct stats_count *encounters;
    unsigned char *recent;     /* packed entries, oldest first */
    unsigned short recent_len; /* bytes used in recent */
    unsigned short recent_cap; /* bytes allocated for recent */
    unsigned char nrecent;     /* entries in recent, at most STATS_RECENT */
    unsigned char nspells;     /* at most STATS_MAX_NAMES */
    unsigned char nencounters; /* at most STATS_MAX_NAMES */
    unsigned char changed;     /* on the table's list of changed players */
    char name[];
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
 * The JSON object of one player in the /api/players document, as
 * docs/api.md describes. Returns a new reference the caller owns, or NULL
 * when out of memory.
 */
json_t *stats_player_to_json(const struct stats_player *p);

/*
 * The start of the Prometheus text of /metrics: messages, invalid, lag
 * (left out when negative, meaning unknown) and the number of players,
 * then the head of the per-player family that stats_metrics_player()
 * fills. Appended to b.
 */
void stats_metrics_head(struct buf *b, unsigned long long messages,
                        unsigned long long invalid, long long lag,
                        size_t players);

/* Appends p's lines of the per-player family: events per type. */
void stats_metrics_player(struct buf *b, const struct stats_player *p);

/*
 * The table in Prometheus' text format, as the two functions above make
 * it. Returns a malloc'd NUL-terminated text the caller frees, its length
 * in *len, or NULL when out of memory.
 */
char *stats_to_metrics(const struct stats_table *t, unsigned long long messages,
                       unsigned long long invalid, long long lag, size_t *len);

/* Calls fn for each player, in no set order. */
void stats_each(const struct stats_table *t,
                void (*fn)(const struct stats_player *p, void *arg), void *arg);

/*
 * Calls fn for each player changed by stats_apply() or stats_merge()
 * since the last stats_mark_saved(), in the order they first changed;
 * stops at fn's first non-zero result and returns it, else 0. fn must not
 * change the table.
 */
int stats_each_changed(const struct stats_table *t,
                       int (*fn)(const struct stats_player *p, void *arg),
                       void *arg);

/* Forgets which players changed: they are all saved now. */
void stats_mark_saved(struct stats_table *t);

/*
 * Fills out with p's recent events, oldest first, and returns how many
 * there are (at most STATS_RECENT). The texts point into p.
 */
unsigned stats_recent_list(const struct stats_player *p,
                           struct stats_recent out[STATS_RECENT]);

/*
 * Appends one event to p's recent feed, dropping the oldest past
 * STATS_RECENT. timestamp and text are clipped to their sizes on
 * character boundaries. Returns 0, or STATS_ENOMEM with p unchanged.
 */
int stats_remember(struct stats_player *p, unsigned long long seq,
                   enum event_type type, const char *timestamp,
                   const char *text);

/*
 * A new player outside any table with the figures of the n players of
 * ps (n >= 1, all of one name) added up, the recent feeds merged by seq
 * as stats_merge() does. Its count names are those of ps's tables: free
 * it with stats_player_free() before those tables change. NULL when out
 * of memory.
 */
struct stats_player *stats_player_sum(const struct stats_player *const *ps,
                                      size_t n);

/* Frees a player made by stats_player_sum(). NULL is a no-op. */
void stats_player_free(struct stats_player *p);

/*
 * The player named name, created with zero figures if absent, for code
 * that restores saved figures. The caller may fill the new player's fields
 * directly (the recent feed through stats_remember()); the spells and
 * encounters arrays must come from malloc, since stats_free() frees them,
 * and their names from stats_intern(t). A player added this way counts
 * as saved. The
 * pointer stays valid until the player is removed. Returns NULL when out
 * of memory.
 */
struct stats_player *stats_add_player(struct stats_table *t, const char *name);

/*
 * The checkpoint of one player, enough for stats_load_player() to rebuild
 * it exactly:
 *
 *   {"name", "events": [4 counts in enum event_type order], "d20": [20
 *    counts], "damage_total", "spells": [[name, count], ...],
 *    "encounters": [[name, count], ...], "recent": [{"seq", "type",
 *    "timestamp", "text"}, ... oldest first], "nrecent"}
 *
 * Names and recent entries come in stored order. A recent text holding
 * bytes that are not UTF-8 is saved with '?' in their place. Returns a
 * new reference the caller owns, or NULL when out of memory.
 */
json_t *stats_save_player(const struct stats_player *p);

/*
 * Adds to t the player saved as saved, a value made by stats_save_player()
 * (or an element of a version 1 table checkpoint, whose "head" is
 * ignored) and possibly damaged or hostile since: every type, range,
 * length and count is checked, and no input makes it crash. A player of
 * that name already in t is refused. The player counts as saved. Returns
 * 0; STATS_ECORRUPT with a one-line reason in why (NUL-terminated when
 * whylen > 0; why may be NULL when whylen is 0), t then unchanged; or
 * STATS_ENOMEM.
 */
int stats_load_player(struct stats_table *t, const json_t *saved, char *why,
                      size_t whylen);

/*
 * t's copy of name, shared by every player of t that counts it, and
 * freed with t's players. Returns NULL when out of memory.
 */
const char *stats_intern(struct stats_table *t, const char *name);

/*
 * A checkpoint of every figure of t: {"v": 2, "players": [...]} with one
 * stats_save_player() object per player, in no set order. Returns a new
 * reference the caller owns, or NULL when out of memory.
 */
json_t *stats_save(const struct stats_table *t);

/*
 * Replaces every player of t with the figures of saved, a value made by
 * stats_save() (version 1 or 2) and checked as stats_load_player() does.
 * Returns 0; STATS_ECORRUPT with a one-line reason in why (as above); or
 * STATS_ENOMEM. On failure t is left empty.
 */
int stats_load(struct stats_table *t, const json_t *saved, char *why,
               size_t whylen);

#endif
