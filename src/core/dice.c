/* SPDX-License-Identifier: MIT */
/*
 * splitmix64 and rejection sampling: the generator walks a 64-bit counter
 * through a mixing function; dice_pick() rejects the top sliver of the
 * range so that every face is equally likely.
 */
#include "core/dice.h"

void dice_seed(struct dice_rng *rng, uint64_t seed)
{
    rng->state = seed;
}

uint64_t dice_next(struct dice_rng *rng)
{
    uint64_t z = (rng->state += 0x9E3779B97F4A7C15ULL);

    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

uint64_t dice_pick(struct dice_rng *rng, uint64_t n)
{
    /* Values at or above limit would favour the low faces; draw again. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;

    do {
        x = dice_next(rng);
    } while (x >= limit);
    return x % n;
}

int dice_roll(struct dice_rng *rng, int sides)
{
    return (int)dice_pick(rng, (uint64_t)sides) + 1;
}
