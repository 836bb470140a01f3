/* SPDX-License-Identifier: MIT */
/*
 * The simulated table: draws events like the original project's producer
 * (its players, monsters, spells, dice and contexts), reproducibly from a
 * seed. Pure: the caller supplies the time stamp and sends the result.
 */
#ifndef DND_SIM_H
#define DND_SIM_H

#include <jansson.h>
#include <stddef.h>

#include "core/dice.h"

struct sim {
    struct dice_rng rng;
    const char *const *players; /* borrowed; must outlive the sim */
    size_t nplayers;
};

/* The original project's players: Stravos, Ya, Sylas, Wurs. */
extern const char *const sim_default_players[];
extern const size_t sim_default_nplayers;

/* Prepares s to draw for players (nplayers >= 1) from seed. */
void sim_init(struct sim *s, const char *const *players, size_t nplayers,
              unsigned long long seed);

/*
 * Draws the next event with the given timestamp text (may be NULL to omit
 * it). Returns a new JSON object the caller owns, or NULL when out of
 * memory.
 */
json_t *sim_next(struct sim *s, const char *timestamp);

#endif
