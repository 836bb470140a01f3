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
    struct stats_recent r[STATS_RECENT];
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
    /* Oldest first after the merge: seq n, the Fireball, comes last. */
    CHECK_INT(stats_recent_list(p, r), n);
    for (i = 0; i < n; i++)
        CHECK_INT(r[i].seq, i + 1);
    CHECK_STR(r[n - 1].text, "casts Fireball");
    stats_free(a);
    stats_free(b);
    stats_free(all);
}

static void test_recent_keeps_newest_20(void)
{
    struct stats_table *t = stats_new();
    struct stats_recent r[STATS_RECENT];
    const struct stats_player *p;
    unsigned long long i;

    for (i = 1; i <= 25; i++)
        apply(t, wurs_events[0], i);
    p = stats_find(t, "Wurs");
    CHECK_INT(p->nrecent, STATS_RECENT);
    CHECK_INT(stats_recent_list(p, r), STATS_RECENT);
    CHECK_INT(r[STATS_RECENT - 1].seq, 25);
    CHECK_INT(r[0].seq, 6);
    CHECK_STR(r[0].text, "d20 natural 20");
    stats_free(t);
}

/* Each kind of event as the recent feed words it, written out by hand. */
static void test_recent_texts(void)
{
    static const char *const cases[][2] = {
        {"\"dice_type\":\"d20\",\"roll_result\":20,\"context\":\"attack\"",
         "d20 natural 20 (attack)"},
        {"\"dice_type\":\"d8\",\"total\":-3,\"roll_result\":2", "d8 total -3"},
        {"\"dice_type\":\"d6\",\"roll_result\":1000000000", "d6 1000000000"},
        {"\"roll_result\":0", "roll 0"},
        {"\"context\":\"luck\"", "roll (luck)"},
    };
    struct stats_table *t = stats_new();
    struct stats_recent r[STATS_RECENT];
    const struct stats_player *p;
    char text[256];
    size_t i;

    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(text, sizeof(text),
                 "{\"player\":\"T%zu\",\"event_type\":\"dice_roll\",%s}", i,
                 cases[i][0]);
        CHECK_INT(apply(t, text, i + 1), 0);
        snprintf(text, sizeof(text), "T%zu", i);
        p = stats_find(t, text);
        CHECK(p != NULL);
        CHECK_INT(stats_recent_list(p, r), 1);
        CHECK_STR(r[0].text, cases[i][1]);
    }
    CHECK_INT(apply(t,
                    "{\"player\":\"U\",\"event_type\":\"encounter\","
                    "\"monster_type\":\"Owlbear\"}",
                    10),
              0);
    CHECK_INT(apply(t, "{\"player\":\"U\",\"event_type\":\"level_up\"}", 11),
              0);
    CHECK_INT(apply(t, "{\"player\":\"U\",\"event_type\":\"spell_cast\"}", 12),
              0);
    CHECK_INT(stats_recent_list(stats_find(t, "U"), r), 3);
    CHECK_STR(r[0].text, "meets Owlbear");
    CHECK_STR(r[1].text, "level_up");
    CHECK_STR(r[2].text, "casts a spell");
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

struct restoring {
    struct tracker *to;
    int failed;
};

static int restore_one(const struct stats_player *p, void *arg)
{
    struct restoring *r = arg;
    json_t *saved = stats_save_player(p);
    char *text = saved ? json_dumps(saved, JSON_COMPACT) : NULL;
    json_t *back = text ? json_loads(text, 0, NULL) : NULL;
    char why[128];

    if (!back || tracker_restore_player(r->to, 0, back, why, sizeof(why)) != 0)
        r->failed = 1;
    json_decref(back);
    free(text);
    json_decref(saved);
    return 0;
}

/*
 * Restores partition 0 of from into to as a checkpoint would: its counts,
 * then each changed player through the text of its saved JSON.
 */
static int restore_into(struct tracker *to, const struct tracker *from)
{
    struct restoring r = {to, 0};
    unsigned long long msgs, inv;
    int64_t next;

    tracker_counts(from, 0, &next, &msgs, &inv);
    if (tracker_restore(to, 0, next, msgs, inv) != 0)
        return -1;
    tracker_each_changed(from, 0, restore_one, &r);
    return r.failed ? -1 : 0;
}

/* A saved partition restored elsewhere counts on as if it never moved. */
static void test_tracker_save_and_restore(void)
{
    struct tracker *a = tracker_new(), *b = tracker_new();
    unsigned long long msgs, inv;
    json_t *da, *db;
    int64_t next;
    char why[128];
    size_t i, n = sizeof(wurs_events) / sizeof(wurs_events[0]);

    for (i = 0; i < 4; i++)
        tracker_apply(a, 0, (int64_t)i, wurs_events[i], strlen(wurs_events[i]),
                      why, sizeof(why));
    tracker_apply(a, 0, 4, "bad", 3, why, sizeof(why));
    tracker_counts(a, 0, &next, &msgs, &inv);
    CHECK_INT(next, 5);
    CHECK_INT(msgs, 5);
    CHECK_INT(inv, 1);
    CHECK_INT(restore_into(b, a), 0);
    CHECK_INT(tracker_messages(b), 5);
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
    CHECK(da && db && json_equal(da, db));
    json_decref(da);
    json_decref(db);
    tracker_free(a);
    tracker_free(b);
}

/* Appends "name;" of each player to the string arg (200 bytes). */
static int count_changed(const struct stats_player *p, void *arg)
{
    char *names = arg;
    size_t used = strlen(names);

    snprintf(names + used, 200 - used, "%s;", p->name);
    return 0;
}

/* A checkpoint writes the players changed since the last one, no more. */
static void test_tracker_lists_only_changed_players(void)
{
    struct tracker *t = tracker_new();
    const char *ya = "{\"player\":\"Ya\",\"event_type\":\"nap\"}";
    char why[128], names[201] = "";

    tracker_apply(t, 0, 0, wurs_events[0], strlen(wurs_events[0]), why,
                  sizeof(why));
    tracker_apply(t, 0, 1, ya, strlen(ya), why, sizeof(why));
    tracker_apply(t, 0, 2, wurs_events[1], strlen(wurs_events[1]), why,
                  sizeof(why));
    tracker_each_changed(t, 0, count_changed, names);
    CHECK_STR(names, "Wurs;Ya;");
    tracker_clean(t, 0);
    CHECK(!tracker_dirty(t, 0));
    names[0] = '\0';
    tracker_each_changed(t, 0, count_changed, names);
    CHECK_STR(names, "");
    tracker_apply(t, 0, 3, ya, strlen(ya), why, sizeof(why));
    tracker_each_changed(t, 0, count_changed, names);
    CHECK_STR(names, "Ya;");
    CHECK(tracker_dirty(t, 0));
    tracker_free(t);
}

/* A json_dump_callback_t appending to a growing string. */
struct text {
    char *s;
    size_t n;
};

static int to_text(const char *s, size_t n, void *arg)
{
    struct text *t = arg;
    char *grown = realloc(t->s, t->n + n + 1);

    if (!grown)
        return -1;
    memcpy(grown + t->n, s, n);
    t->n += n;
    grown[t->n] = '\0';
    t->s = grown;
    return 0;
}

/* The streamed document against jansson's dump of the whole tree. */
static void check_streamed(const struct tracker *t, const json_t *extra,
                           size_t flags)
{
    json_t *doc = tracker_snapshot(t);
    const char *key;
    json_t *value;
    char *whole;
    struct text out = {NULL, 0};

    json_object_foreach((json_t *)extra, key, value)
    {
        json_object_set(doc, key, value);
    }
    whole = json_dumps(doc, flags);
    CHECK(whole != NULL);
    CHECK_INT(tracker_write_document(t, extra, flags, to_text, &out), 0);
    CHECK(out.s != NULL);
    if (whole && out.s)
        CHECK_STR(out.s, whole);
    free(out.s);
    free(whole);
    json_decref(doc);
}

/*
 * The document streamed player by player is the very text jansson prints
 * for the whole tree, indented or compact, empty or not; a player found
 * in two partitions comes once, with the figures of both added up, as a
 * merge of the two tables gives them.
 */
static void test_tracker_document_streams_as_one_tree(void)
{
    struct tracker *t = tracker_new();
    struct stats_table *a = stats_new(), *b = stats_new();
    json_t *extra = json_pack("{s:[s,s],s:{s:s,s:n}}", "tracked", "Wurs", "all",
                              "status", "broker", "up", "lag");
    json_t *merged, *snapshot, *players, *wurs, *want;
    const char *ya = "{\"player\":\"Ya\",\"event_type\":\"nap\","
                     "\"timestamp\":\"2024-05-01T20:01:00Z\"}";
    char why[128];
    size_t i, n = sizeof(wurs_events) / sizeof(wurs_events[0]);

    check_streamed(t, extra, JSON_INDENT(2));
    check_streamed(t, NULL, JSON_COMPACT);
    for (i = 0; i < n; i++) {
        tracker_apply(t, (int32_t)(i % 3), (int64_t)i, wurs_events[i],
                      strlen(wurs_events[i]), why, sizeof(why));
        apply(i % 3 == 0 ? a : b, wurs_events[i], i + 1);
    }
    tracker_apply(t, 1, 100, ya, strlen(ya), why, sizeof(why));
    check_streamed(t, extra, JSON_INDENT(2));
    check_streamed(t, extra, JSON_COMPACT);
    check_streamed(t, NULL, JSON_INDENT(4));
    CHECK_INT(tracker_players(t), 2);

    /* Wurs is in partitions 0, 1 and 2: the tables' merge says the sum. */
    CHECK_INT(stats_merge(a, b), 0);
    merged = stats_to_json(a, 0, 0);
    snapshot = tracker_snapshot(t);
    players = json_object_get(snapshot, "players");
    wurs = json_array_get(players, 0);
    want = json_array_get(json_object_get(merged, "players"), 0);
    CHECK_STR(json_string_value(json_object_get(wurs, "player")), "Wurs");
    CHECK(json_equal(json_object_get(wurs, "events"),
                     json_object_get(want, "events")));
    CHECK(
        json_equal(json_object_get(wurs, "d20"), json_object_get(want, "d20")));
    CHECK(json_equal(json_object_get(wurs, "recent"),
                     json_object_get(want, "recent")));
    CHECK_INT(json_array_size(json_object_get(wurs, "recent")), n);
    json_decref(snapshot);
    json_decref(merged);
    json_decref(extra);
    stats_free(a);
    stats_free(b);
    tracker_free(t);
}

/*
 * Timestamps of the usual form are kept packed, others as text: both
 * come back as they were given, and so do clipped ones.
 */
static void test_recent_timestamps_come_back(void)
{
    static const char *const stamps[] = {
        "2024-05-01T20:01:00Z",
        "0000-00-00T00:00:00Z",
        "9999-12-31T23:59:59Z",
        "2024-05-01T20:01:00.5Z",
        "2024-05-01 20:01:00Z",
        "later",
        "",
        "2024-05-01T20:01:00z",
        "2024-05-01T20:01:00Z ",
        "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
        "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9!"};
    size_t n = sizeof(stamps) / sizeof(stamps[0]), i;
    struct stats_table *t = stats_new();
    struct stats_recent r[STATS_RECENT];
    struct stats_player *p = stats_add_player(t, "A");

    CHECK(p != NULL);
    for (i = 0; i < n; i++)
        CHECK_INT(stats_remember(p, 1000 + i, EVENT_OTHER, stamps[i], "x"), 0);
    CHECK_INT(stats_recent_list(p, r), n);
    for (i = 0; i + 1 < n; i++) {
        CHECK_STR(r[i].timestamp, stamps[i]);
        CHECK_INT(r[i].seq, 1000 + i);
    }
    /* 33 bytes clipped to 31 on a character boundary: 15 times e-acute. */
    CHECK_INT(strlen(r[n - 1].timestamp), 30);
    CHECK(strncmp(r[n - 1].timestamp, stamps[n - 1], 30) == 0);
    stats_free(t);
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
    UNIT_RUN(test_tracker_lists_only_changed_players);
    UNIT_RUN(test_tracker_document_streams_as_one_tree);
    UNIT_RUN(test_recent_timestamps_come_back);
    UNIT_RUN(test_recent_texts);
    return UNIT_DONE();
}
