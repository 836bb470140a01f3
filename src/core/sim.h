/* SPDX-License-Identifier: MIT */
/*
 * The simulated table: draws events like the original project's producer
 * (its players, monsters, spells, dice and contexts), reproducibly from a
 * seed, and writes them as the compact JSON the product documents. Pure:
 * the caller supplies the time stamp and the buffer, and sends the result.
 */
#ifndef DND_SIM_H
#define DND_SIM_H

#include <stddef.h>

#include "core/dice.h"

/* Fields of an event after player and event_type: three for every kind. */
#define SIM_NFIELDS 3

/*
 * Bytes that sim_format() needs at most for an event whose player name is
 * up to name_max bytes, with a timestamp of up to 32 bytes: an escaped
 * byte takes at most six, and the fixed parts under 300.
 */
#define SIM_FORMAT_SIZE(name_max) (6 * ((size_t)(name_max) + 32) + 300)

enum sim_err {
    SIM_OK = 0,
    SIM_ENOSPACE = -1 /* the buffer is too small for the event */
};

struct sim {
    struct dice_rng rng;
    const char *const *players; /* borrowed; must outlive the sim */
    size_t nplayers;
};

/* One field of a drawn event: a string, or a number when text is NULL. */
struct sim_field {
    const char *name;
    const char *text;
    int number;
};

/*
 * One drawn event. Every string is borrowed, from the sim's players or
 * from static tables, and lives as long as the players do.
 */
struct sim_event {
    const char *player;
    const char *event_type; /* dice_roll, encounter or spell_cast */
    struct sim_field fields[SIM_NFIELDS];
};

/* The original project's players: Stravos, Ya, Sylas, Wurs. */
extern const char *const sim_default_players[];
extern const size_t sim_default_nplayers;

/* Prepares s to draw for players (nplayers >= 1) from seed. */
void sim_init(struct sim *s, const char *const *players, size_t nplayers,
              unsigned long long seed);

/* Draws the next event into *ev. Cannot fail. */
void sim_draw(struct sim *s, struct sim_event *ev);

/*
 * Writes ev as one JSON object into buf (size bytes), NUL-terminated:
 * timestamp (omitted when NULL), player, event_type, then ev's fields in
 * order, with no blanks; the same bytes as jansson's JSON_COMPACT dump of
 * that object. timestamp and the player must be UTF-8 (not checked):
 * their quotes, backslashes and control characters are escaped, every
 * other byte is copied. event_type, field names and text values are
 * copied as they are, so they must need no escaping; those sim_draw()
 * gives, from its own tables, do not. Returns 0 with the length, NUL
 * excluded, in *len; or SIM_ENOSPACE, and buf then holds no usable text.
 * SIM_FORMAT_SIZE() gives a size that always fits.
 */
int sim_format(const struct sim_event *ev, const char *timestamp, char *buf,
               size_t size, size_t *len);

const char *sim_strerror(int err);

#endif
