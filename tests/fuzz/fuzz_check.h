/* SPDX-License-Identifier: MIT */
/*
 * Checks shared by the fuzz targets: comparing two checkpoints made by
 * stats_save(), whose players come in no set order. Only the fuzz targets
 * include this; a failed check aborts, which libFuzzer reports as a crash.
 */
#ifndef DND_FUZZ_CHECK_H
#define DND_FUZZ_CHECK_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/stats.h"

/* Stops the run with a message; libFuzzer saves the input as a crash. */
static inline void fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz check failed: %s\n", what);
    abort();
}

/* The player object named name in the array players, or NULL. */
static inline json_t *fuzz_player(const json_t *players, const char *name)
{
    size_t i;

    for (i = 0; i < json_array_size(players); i++) {
        json_t *p = json_array_get(players, i);
        const char *n = json_string_value(json_object_get(p, "name"));
        if (n && strcmp(n, name) == 0)
            return p;
    }
    return NULL;
}

/*
 * Whether want is found in got: objects by every member of want (got may
 * have more), arrays element by element, anything else by json_equal().
 * stats_load() ignores members it does not know, so a checkpoint it
 * accepted holds at least what stats_save() writes back.
 */
static inline int fuzz_json_within(const json_t *want, const json_t *got)
{
    const char *key;
    json_t *value;
    size_t i;

    if (json_is_object(want) && json_is_object(got)) {
        json_object_foreach((json_t *)want, key, value)
        {
            if (!fuzz_json_within(value, json_object_get(got, key)))
                return 0;
        }
        return 1;
    }
    if (json_is_array(want) && json_is_array(got)) {
        if (json_array_size(want) != json_array_size(got))
            return 0;
        for (i = 0; i < json_array_size(want); i++)
            if (!fuzz_json_within(json_array_get(want, i),
                                  json_array_get(got, i)))
                return 0;
        return 1;
    }
    return json_equal(want, got);
}

/*
 * Whether every player of the checkpoint want is found, as
 * fuzz_json_within() says, in the player of the same name in got, and
 * both hold as many players, want of a version no older than got's.
 * Player order is free.
 */
static inline int fuzz_same_players(const json_t *want, const json_t *got)
{
    const json_t *wp = json_object_get(want, "players");
    const json_t *gp = json_object_get(got, "players");
    size_t i;

    if (!json_is_array(wp) || !json_is_array(gp) ||
        json_array_size(wp) != json_array_size(gp))
        return 0;
    /* A table saved now is of the newest version; it may have been
     * loaded from an older one. */
    if (json_integer_value(json_object_get(want, "v")) <
        json_integer_value(json_object_get(got, "v")))
        return 0;
    for (i = 0; i < json_array_size(wp); i++) {
        json_t *w = json_array_get(wp, i);
        const char *name = json_string_value(json_object_get(w, "name"));

        if (!name || !fuzz_json_within(w, fuzz_player(gp, name)))
            return 0;
    }
    return 1;
}
/*
 * Loads the checkpoint saved into a new table, saves that table again
 * and aborts unless the second checkpoint equals the first.
 */
static inline void fuzz_round_trip(const json_t *saved)
{
    struct stats_table *t = stats_new();
    json_t *again;
    char why[256];

    if (!t)
        return;
    if (stats_load(t, saved, why, sizeof(why)) != 0) {
        fprintf(stderr, "stats_load refused a saved table: %s\n", why);
        fuzz_fail("a checkpoint of stats_save() does not load");
    }
    again = stats_save(t);
    if (!again)
        fuzz_fail("stats_save() failed on a loaded table");
    if (!fuzz_same_players(saved, again) || !fuzz_same_players(again, saved))
        fuzz_fail("a checkpoint saved, loaded and saved again differs");
    json_decref(again);
    stats_free(t);
}

#endif
