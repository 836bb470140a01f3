/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for checkpoints: the input is parsed as JSON and given
 * to stats_load() as a table, and to stats_load_player() as one player's
 * row of the state file. A refused checkpoint must leave the table empty;
 * an accepted one must come back from stats_save() or stats_save_player()
 * with every figure it had, and survive another load and save unchanged.
 */
#include <stdint.h>

#include "core/stats.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Loads in as one player's row, then its save again, into new tables. */
static void fuzz_player_row(const json_t *in)
{
    struct stats_table *t = stats_new(), *again = stats_new();
    const struct stats_player *p;
    json_t *saved = NULL, *resaved = NULL;
    char why[256];
    int rc;

    if (!t || !again)
        goto out;
    rc = stats_load_player(t, in, why, sizeof(why));
    if (rc != 0) {
        if (rc != STATS_ECORRUPT || why[0] == '\0' || stats_count(t) != 0)
            fuzz_fail("a refused player row left a player or no reason");
        goto out;
    }
    p = stats_find(t, json_string_value(json_object_get(in, "name")));
    saved = p ? stats_save_player(p) : NULL;
    if (!saved || !fuzz_json_within(saved, in))
        fuzz_fail("a loaded player row saves other figures than it had");
    if (stats_load_player(again, saved, why, sizeof(why)) != 0)
        fuzz_fail("a saved player row does not load");
    p = stats_find(again, json_string_value(json_object_get(in, "name")));
    resaved = p ? stats_save_player(p) : NULL;
    if (!resaved || !json_equal(saved, resaved))
        fuzz_fail("a player row saved, loaded and saved again differs");
out:
    json_decref(resaved);
    json_decref(saved);
    stats_free(again);
    stats_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct stats_table *t;
    json_t *in, *saved;
    char why[256];
    int rc;

    /* NUL inside strings is allowed here so that the loader meets it. */
    in = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL,
                    NULL);
    if (!in)
        return 0;
    fuzz_player_row(in);
    t = stats_new();
    if (!t) {
        json_decref(in);
        return 0;
    }

    rc = stats_load(t, in, why, sizeof(why));
    if (rc != 0) {
        if (rc != STATS_ECORRUPT || why[0] == '\0' || stats_count(t) != 0)
            fuzz_fail("a refused checkpoint left players or no reason");
        goto out;
    }
    saved = stats_save(t);
    if (!saved)
        fuzz_fail("stats_save failed on a loaded table");
    if (!fuzz_same_players(saved, in))
        fuzz_fail("a loaded checkpoint saves other figures than it had");
    fuzz_round_trip(saved);
    json_decref(saved);
out:
    stats_free(t);
    json_decref(in);
    return 0;
}
