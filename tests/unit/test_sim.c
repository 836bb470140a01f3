/* SPDX-License-Identifier: MIT */
/*
 * Dice and the simulated table: rolls stay on the die and are spread
 * evenly, the same seed gives the same stream, and every simulated event
 * is one the decoder accepts, in the original project's shape.
 */
#include <stdlib.h>

#include "core/event.h"
#include "core/sim.h"
#include "unit.h"

static void test_rolls_in_range_and_even(void)
{
    struct dice_rng r;
    int counts[7] = {0};
    int i, face;

    dice_seed(&r, 42);
    for (i = 0; i < 60000; i++) {
        face = dice_roll(&r, 6);
        CHECK(face >= 1 && face <= 6);
        counts[face]++;
    }
    /* Each face expects 10000; 5 standard deviations is about 450. */
    for (face = 1; face <= 6; face++)
        CHECK(counts[face] > 9500 && counts[face] < 10500);
}

static void test_same_seed_same_stream(void)
{
    struct sim a, b;
    int i;

    sim_init(&a, sim_default_players, sim_default_nplayers, 7);
    sim_init(&b, sim_default_players, sim_default_nplayers, 7);
    for (i = 0; i < 100; i++) {
        json_t *x = sim_next(&a, "2025-02-24T20:30:00Z");
        json_t *y = sim_next(&b, "2025-02-24T20:30:00Z");
        CHECK(json_equal(x, y));
        json_decref(x);
        json_decref(y);
    }
}

static void test_events_are_valid_and_original(void)
{
    struct sim s;
    struct event ev;
    int seen_players[4] = {0};
    int i, j;

    sim_init(&s, sim_default_players, sim_default_nplayers, 1);
    for (i = 0; i < 400; i++) {
        json_t *j_ev = sim_next(&s, "2025-02-24T20:30:00Z");
        char *text = json_dumps(j_ev, JSON_COMPACT);
        char why[128];
        CHECK_INT(event_decode(text, strlen(text), &ev, why, sizeof(why)), 0);
        CHECK(ev.type != EVENT_OTHER);
        if (ev.type == EVENT_DICE_ROLL)
            CHECK(ev.dice_type && ev.has_roll_result && ev.context);
        for (j = 0; j < 4; j++)
            if (strcmp(ev.player, sim_default_players[j]) == 0)
                seen_players[j] = 1;
        event_clear(&ev);
        free(text);
        json_decref(j_ev);
    }
    for (j = 0; j < 4; j++)
        CHECK(seen_players[j]);
}

int main(void)
{
    UNIT_RUN(test_rolls_in_range_and_even);
    UNIT_RUN(test_same_seed_same_stream);
    UNIT_RUN(test_events_are_valid_and_original);
    return UNIT_DONE();
}
