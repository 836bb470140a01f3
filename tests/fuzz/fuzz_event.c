/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer target for event decoding: the input is one Kafka message
 * value, and also, split at line ends, a stream of them. Each is decoded
 * both by event_decode() and by the full jansson parse, which must agree
 * on the verdict, the reason and every field. Every event that decodes is
 * counted into one statistics table, which is then rendered as the API's
 * JSON and as metrics, and checkpointed and reloaded.
 */
#include <stdint.h>
#include <string.h>

#include "core/event.h"
#include "core/stats.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int fuzz_same_text(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* Stops the run unless a and b are the same event. */
static void fuzz_event_same(const struct event *a, const struct event *b)
{
    if (a->type != b->type || !fuzz_same_text(a->type_name, b->type_name) ||
        !fuzz_same_text(a->player, b->player) ||
        !fuzz_same_text(a->timestamp, b->timestamp) ||
        !fuzz_same_text(a->dice_type, b->dice_type) ||
        !fuzz_same_text(a->context, b->context) ||
        !fuzz_same_text(a->spell_name, b->spell_name) ||
        !fuzz_same_text(a->monster_type, b->monster_type))
        fuzz_fail("the one-pass and full readers differ on a string");
    if (a->has_roll_result != b->has_roll_result ||
        a->roll_result != b->roll_result || a->has_total != b->has_total ||
        a->total != b->total || a->has_modifier != b->has_modifier ||
        a->modifier != b->modifier || a->has_natural != b->has_natural ||
        a->natural != b->natural || a->discarded != b->discarded)
        fuzz_fail("the one-pass and full readers differ on a number");
}

/* Decodes the value with the full parse and compares the verdicts. */
static void fuzz_event_compare(const uint8_t *data, size_t size, int rc,
                               const struct event *ev, const char *why)
{
    struct event full;
    char fullwhy[256];
    int frc = event_decode_full(data, size, &full, fullwhy, sizeof(fullwhy));

    if (frc != rc || (rc != 0 && strcmp(why, fullwhy) != 0))
        fuzz_fail("the one-pass and full readers give different verdicts");
    if (rc == 0)
        fuzz_event_same(ev, &full);
    event_clear(&full);
}

/* Decodes one value and counts it into t; returns whether it was valid. */
static int fuzz_event_one(struct stats_table *t, const uint8_t *data,
                          size_t size, unsigned long long seq)
{
    struct event ev;
    char why[256];
    int rc = event_decode(data, size, &ev, why, sizeof(why));

    fuzz_event_compare(data, size, rc, &ev, why);
    if (rc != 0) {
        if (rc > 0 || why[0] == '\0')
            fuzz_fail("a refused event has no reason");
        return 0;
    }
    if (!ev.player || !ev.player[0] || !ev.type_name)
        fuzz_fail("a decoded event has no player or type");
    if (event_natural_d20(&ev) < 0 || event_natural_d20(&ev) > 20)
        fuzz_fail("natural d20 face out of range");
    (void)event_damage(&ev);
    if (stats_apply(t, &ev, seq) != 0)
        fuzz_fail("stats_apply failed on a valid event");
    if (!stats_find(t, ev.player))
        fuzz_fail("the event's player is not in the table");
    event_clear(&ev);
    return 1;
}

/* Renders t every way the consumer does and checks each rendering. */
static void fuzz_event_render(const struct stats_table *t, unsigned long long n)
{
    json_t *doc = stats_to_json(t, n, 0);
    json_t *saved;
    char *text;
    size_t len = 0;

    if (!doc)
        fuzz_fail("stats_to_json failed");
    text = json_dumps(doc, JSON_COMPACT);
    if (!text)
        fuzz_fail("the API document cannot be written as JSON");
    free(text);
    json_decref(doc);

    text = stats_to_metrics(t, n, 0, -1, &len);
    if (!text || strlen(text) != len)
        fuzz_fail("stats_to_metrics failed or holds a NUL");
    free(text);

    saved = stats_save(t);
    if (!saved)
        fuzz_fail("stats_save failed");
    fuzz_round_trip(saved);
    json_decref(saved);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct stats_table *t = stats_new();
    unsigned long long seq = 0, valid = 0;
    size_t start = 0, stop;

    if (!t)
        return 0;
    valid += fuzz_event_one(t, data, size, ++seq);

    /* Each line as a message of its own, the way kcat sends a file. */
    while (start < size) {
        for (stop = start; stop < size && data[stop] != '\n'; stop++)
            ;
        valid += fuzz_event_one(t, data + start, stop - start, ++seq);
        start = stop + 1;
    }
    if (valid > 0)
        fuzz_event_render(t, seq);
    stats_free(t);
    return 0;
}
