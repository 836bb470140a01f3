/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for checkpoints: the input is parsed as JSON and given
 * to stats_load(). A refused checkpoint must leave the table empty; an
 * accepted one must come back from stats_save() with every figure it had,
 * and survive another load and save unchanged.
 */
#include <stdint.h>

#include "core/stats.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
