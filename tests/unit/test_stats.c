/* SPDX-License-Identifier: MIT */
/*
 * Per-player statistics: a hand-counted sequence of events gives the
 * expected counts, histogram, damage and names; merging two tables equals
 * applying all events to one; the recent feed keeps the newest 20.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/stats.h"
#include "core/tracker.h"
#include "unit.h"

static int apply(struct stats_table *t, const char *text,
                 unsigned long long seq)
{
    struct event ev;
    char why[128];
    int rc = event_decode(text, strlen(text), &ev, why, sizeof(why));

    if (rc)
        return rc;
    rc = stats_apply(t, &ev, seq);
    event_clear(&ev);
    return rc;
}

/* Seven events for Wurs, counted by hand in the checks below. */
static const char *const wurs_events[] = {
    "{\"player\":\"Wurs\",\"event_type\":\"dice_roll\",\"dice_type\":\"d20\","
    "\"roll_result\":20}",
    "{\"player\":\"Wurs\",\"event_type\":\"dice_roll\",\"dice_type\":\"d20\","
    "\"roll_result\":1}",
    "{\"player\":\"Wurs\",\"event_type\":\"dice_roll\",\"dice_type\":\"d20\","
    "\"roll_result\":12}",
    "{\"player\":\"Wurs\",\"event_type\":\"dice_roll\",\"dice_type\":\"d8\","
    "\"roll_result\":7,\"context\":\"damage\"}",
    "{\"player\":\"Wurs\",\"event_type\":\"encounter\","
    "\"monster_type\":\"Goblin\"}",
    "{\"player\":\"Wurs\",\"event_type\":\"encounter\","
    "\"monster_type\":\"Goblin\"}",
    "{\"player\":\"Wurs\",\"event_type\":\"spell_cast\","
    "\"spell_name\":\"Fireball\"}",
};

static void test_hand_counted_player(void)
{
    struct stats_table *t = stats_new();
    const struct stats_player *p;
    size_t i;

    CHECK(t != NULL);
    for (i = 0; i < sizeof(wurs_events) / sizeof(wurs_events[0]); i++)
        CHECK_INT(apply(t, wurs_events[i], i + 1), 0);
    CHECK_INT(apply(t, "{\"player\":\"Ya\",\"event_type\":\"nap\"}", 99), 0);
    CHECK_INT(stats_count(t), 2);

    p = stats_find(t, "Wurs");
    CHECK(p != NULL);
    CHECK_INT(p->events[EVENT_DICE_ROLL], 4);
    CHECK_INT(p->events[EVENT_ENCOUNTER], 2);
    CHECK_INT(p->events[EVENT_SPELL_CAST], 1);
    CHECK_INT(p->events[EVENT_OTHER], 0);
    CHECK_INT(p->d20[19], 1);
    CHECK_INT(p->d20[0], 1);
    CHECK_INT(p->d20[11], 1);
    CHECK_INT(p->d20[6], 0); /* the d8 is not a d20 */
    CHECK_INT(p->damage_total, 7);
    CHECK_INT(p->nencounters, 1);
    CHECK_STR(p->encounters[0].name, "Goblin");
    CHECK_INT(p->encounters[0].n, 2);
    CHECK_INT(p->nspells, 1);
    CHECK_INT(p->nrecent, 7);
    CHECK_INT(stats_find(t, "Ya")->events[EVENT_OTHER], 1);
    stats_free(t);
}

static void test_json_document(void)
{
    struct stats_table *t = stats_new();
    json_t *doc, *w, *d20;
    size_t i;

    for (i = 0; i < sizeof(wurs_events) / sizeof(wurs_events[0]); i++)
        apply(t, wurs_events[i], i + 1);
    doc = stats_to_json(t, 9, 2);
    CHECK(doc != NULL);
    CHECK_INT(json_integer_value(json_object_get(doc, "messages")), 9);
    CHECK_INT(json_integer_value(json_object_get(doc, "invalid")), 2);
    w = json_array_get(json_object_get(doc, "players"), 0);
    CHECK_STR(json_string_value(json_object_get(w, "player")), "Wurs");
    d20 = json_object_get(w, "d20");
    CHECK_INT(json_integer_value(json_object_get(d20, "rolls")), 3);
    CHECK_INT(json_integer_value(json_object_get(d20, "nat20")), 1);
    CHECK_INT(json_integer_value(json_object_get(d20, "nat1")), 1);
    /* (20 + 1 + 12) / 3 = 11.0 */
    CHECK(json_real_value(json_object_get(d20, "mean")) == 11.0);
    CHECK_INT(json_array_size(json_object_get(d20, "histogram")), 20);
    CHECK_INT(json_integer_value(json_object_get(w, "damage_total")), 7);
    CHECK_INT(json_integer_value(
                  json_object_get(json_object_get(w, "encounters"), "Goblin")),
              2);
    CHECK_INT(json_integer_value(
                  json_object_get(json_object_get(w, "spells"), "Fireball")),
              1);
    json_decref(doc);
    stats_free(t);
}

static void test_merge_equals_single_table(void)
{
    struct stats_table *a = stats_new(), *b = stats_new(), *all = stats_new();
    const struct stats_player *p;
    size_t i, n = sizeof(wurs_events) / sizeof(wurs_events[0]);

    for (i = 0; i < n; i++) {
        apply(i % 2 ? a : b, wurs_events[i], i + 1);
        apply(all, wurs_events[i], i + 1);
    }
    CHECK_INT(stats_merge(a, b), 0);
    p = stats_find(a, "Wurs");
    CHECK(memcmp(p->events, stats_find(all, "Wurs")->events,
                 sizeof(p->events)) == 0);
    CHECK(memcmp(p->d20, stats_find(all, "Wurs")->d20, sizeof(p->d20)) == 0);
    CHECK_INT(p->damage_total, 7);
    CHECK_INT(p->nrecent, n);
    /* Newest first after the merge: seq n is the Fireball. */
    CHECK_INT(p->recent[(p->recent_head + STATS_RECENT - 1) % STATS_RECENT].seq,
              n);
    stats_free(a);
    stats_free(b);
    stats_free(all);
}

static void test_recent_keeps_newest_20(void)
{
    struct stats_table *t = stats_new();
    const struct stats_player *p;
    unsigned long long i;

    for (i = 1; i <= 25; i++)
        apply(t, wurs_events[0], i);
    p = stats_find(t, "Wurs");
    CHECK_INT(p->nrecent, STATS_RECENT);
    CHECK_INT(p->recent[(p->recent_head + STATS_RECENT - 1) % STATS_RECENT].seq,
              25);
    CHECK_INT(p->recent[p->recent_head].seq, 6);
    stats_free(t);
}

static void test_many_players_grow_table(void)
{
    struct stats_table *t = stats_new();
    char text[128];
    int i;

    for (i = 0; i < 5000; i++) {
        snprintf(text, sizeof(text),
                 "{\"player\":\"p%d\",\"event_type\":\"dice_roll\"}", i);
        CHECK_INT(apply(t, text, (unsigned long long)i), 0);
    }
    CHECK_INT(stats_count(t), 5000);
    CHECK(stats_find(t, "p4999") != NULL);
    CHECK(stats_find(t, "p5000") == NULL);
    stats_free(t);
}

static void test_tracker_counts_and_drops(void)
{
    struct tracker *t = tracker_new();
    char why[128];

    CHECK_INT(tracker_apply(t, 0, 0, wurs_events[0], strlen(wurs_events[0]),
                            why, sizeof(why)),
              0);
    CHECK_INT(tracker_apply(t, 1, 0, "oops", 4, why, sizeof(why)),
              TRACKER_EINVALID);
    CHECK_INT(tracker_apply(t, 1, 1, NULL, 0, why, sizeof(why)),
              TRACKER_EINVALID);
    CHECK_INT(tracker_messages(t), 3);
    CHECK_INT(tracker_invalid(t), 2);
    tracker_drop(t, 1);
    CHECK_INT(tracker_messages(t), 1);
    CHECK_INT(tracker_invalid(t), 0);
    CHECK_INT(tracker_apply(t, -1, 0, "x", 1, why, sizeof(why)),
              TRACKER_EPARTITION);
    tracker_free(t);
}

/* An offset below the partition's next one was counted already. */
static void test_tracker_skips_seen_offsets(void)
{
    struct tracker *t = tracker_new();
    const char *e = wurs_events[0];
    char why[128];

    CHECK_INT(tracker_apply(t, 2, 10, e, strlen(e), why, sizeof(why)), 0);
    CHECK_INT(tracker_apply(t, 2, 11, e, strlen(e), why, sizeof(why)), 0);
    CHECK_INT(tracker_apply(t, 2, 11, e, strlen(e), why, sizeof(why)),
              TRACKER_ESEEN);
    CHECK_INT(tracker_apply(t, 2, 3, e, strlen(e), why, sizeof(why)),
              TRACKER_ESEEN);
    CHECK_INT(tracker_messages(t), 2);
    CHECK(tracker_dirty(t, 2));
    CHECK(!tracker_dirty(t, 1));
    tracker_free(t);
}

/* A saved partition restored elsewhere counts on as if it never moved. */
static void test_tracker_save_and_restore(void)
{
    struct tracker *a = tracker_new(), *b = tracker_new();
    unsigned long long msgs, inv;
    json_t *saved, *da, *db;
    int64_t next;
    char why[128];
    size_t i, n = sizeof(wurs_events) / sizeof(wurs_events[0]);

    for (i = 0; i < 4; i++)
        tracker_apply(a, 0, (int64_t)i, wurs_events[i], strlen(wurs_events[i]),
                      why, sizeof(why));
    tracker_apply(a, 0, 4, "bad", 3, why, sizeof(why));
    saved = tracker_save(a, 0, &next, &msgs, &inv);
    CHECK(saved != NULL);
    CHECK_INT(next, 5);
    CHECK_INT(msgs, 5);
    CHECK_INT(inv, 1);
    CHECK_INT(tracker_restore(b, 0, next, msgs, inv, saved, why, sizeof(why)),
              0);
    json_decref(saved);
    /* Offset 4 again is a replay; the rest are new on both. */
    CHECK_INT(tracker_apply(b, 0, 4, "bad", 3, why, sizeof(why)),
              TRACKER_ESEEN);
    for (i = 4; i < n; i++) {
        tracker_apply(a, 0, (int64_t)i + 1, wurs_events[i],
                      strlen(wurs_events[i]), why, sizeof(why));
        tracker_apply(b, 0, (int64_t)i + 1, wurs_events[i],
                      strlen(wurs_events[i]), why, sizeof(why));
    }
    da = tracker_snapshot(a);
    db = tracker_snapshot(b);
    CHECK(json_equal(da, db));
    json_decref(da);
    json_decref(db);
    tracker_free(a);
    tracker_free(b);
}

int main(void)
{
    UNIT_RUN(test_hand_counted_player);
    UNIT_RUN(test_json_document);
    UNIT_RUN(test_merge_equals_single_table);
    UNIT_RUN(test_recent_keeps_newest_20);
    UNIT_RUN(test_many_players_grow_table);
    UNIT_RUN(test_tracker_counts_and_drops);
    UNIT_RUN(test_tracker_skips_seen_offsets);
    UNIT_RUN(test_tracker_save_and_restore);
    return UNIT_DONE();
}
