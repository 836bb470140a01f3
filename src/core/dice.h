/* SPDX-License-Identifier: MIT */
/*
 * Dice: a small seeded pseudo-random generator (splitmix64) and unbiased
 * rolls of an N-sided die. Pure and reproducible: the same seed gives the
 * same rolls on every machine. Not for cryptography.
 */
#ifndef DND_DICE_H
#define DND_DICE_H

#include <stdint.h>

struct dice_rng {
    uint64_t state;
};

/* Starts the generator at seed; any value, 0 included, is fine. */
void dice_seed(struct dice_rng *rng, uint64_t seed);

/* The next 64 random bits. */
uint64_t dice_next(struct dice_rng *rng);

/* A fair roll of a die with sides faces, 1..sides; sides must be >= 1. */
int dice_roll(struct dice_rng *rng, int sides);

/* A uniform index 0..n-1; n must be >= 1. */
uint64_t dice_pick(struct dice_rng *rng, uint64_t n);

#endif
