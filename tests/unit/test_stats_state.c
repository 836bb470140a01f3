/* SPDX-License-Identifier: MIT */
/*
 * Checkpoints of a statistics table: a table saved, dumped to text, parsed
 * and loaded equals the original in every field, and keeps counting the
 * same way; a damaged checkpoint is refused and leaves the table empty.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core/stats.h"
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

/*
 * Four players: Wurs rolls 25 times, wrapping the recent ring; Ilse casts
 * 70 distinct spells, more than STATS_MAX_NAMES; Ya sends unknown types;
 * Zed meets one monster. Returns the last seq used.
 */
static unsigned long long fill(struct stats_table *t)
{
    unsigned long long seq = 0;
    char text[256];
    int i;

    for (i = 1; i <= 25; i++) {
        snprintf(text, sizeof(text),
                 "{\"player\":\"Wurs\",\"event_type\":\"dice_roll\","
                 "\"dice_type\":\"d20\",\"roll_result\":%d,"
                 "\"timestamp\":\"2024-05-01T20:%02d:00Z\"}",
                 i % 20 + 1, i);
        apply(t, text, ++seq);
    }
    apply(t,
          "{\"player\":\"Wurs\",\"event_type\":\"dice_roll\","
          "\"dice_type\":\"2d6\",\"total\":9,\"context\":\"damage\"}",
          ++seq);
    for (i = 0; i < 70; i++) {
        snprintf(text, sizeof(text),
                 "{\"player\":\"Ilse\",\"event_type\":\"spell_cast\","
                 "\"spell_name\":\"Spell %02d\"}",
                 i);
        apply(t, text, ++seq);
    }
    apply(t,
          "{\"player\":\"Ilse\",\"event_type\":\"encounter\","
          "\"monster_type\":\"Owlbear\"}",
          ++seq);
    apply(t, "{\"player\":\"Ya\",\"event_type\":\"nap\"}", ++seq);
    apply(t, "{\"player\":\"Ya\",\"event_type\":\"dance\"}", ++seq);
    apply(t,
          "{\"player\":\"Zed\",\"event_type\":\"encounter\","
          "\"monster_type\":\"Goblin\",\"timestamp\":\"later\"}",
          ++seq);
    return seq;
}

static void check_counts(const struct stats_count *a, size_t na,
                         const struct stats_count *b, size_t nb)
{
    size_t i;

    CHECK_INT(na, nb);
    for (i = 0; i < na; i++) {
        CHECK_STR(a[i].name, b[i].name);
        CHECK_INT(a[i].n, b[i].n);
    }
}

/* Called for each player p of one table; arg is the other table. */
static void check_same_player(const struct stats_player *p, void *arg)
{
    const struct stats_player *q = stats_find(arg, p->name);
    struct stats_recent rp[STATS_RECENT], rq[STATS_RECENT];
    unsigned i;

    CHECK(q != NULL);
    CHECK_STR(q->name, p->name);
    CHECK(memcmp(p->events, q->events, sizeof(p->events)) == 0);
    CHECK(memcmp(p->d20, q->d20, sizeof(p->d20)) == 0);
    CHECK_INT(p->damage_total, q->damage_total);
    check_counts(p->spells, p->nspells, q->spells, q->nspells);
    check_counts(p->encounters, p->nencounters, q->encounters, q->nencounters);
    CHECK_INT(p->nrecent, q->nrecent);
    CHECK_INT(stats_recent_list(p, rp), stats_recent_list(q, rq));
    for (i = 0; i < p->nrecent; i++) {
        CHECK_INT(rp[i].seq, rq[i].seq);
        CHECK_INT(rp[i].type, rq[i].type);
        CHECK_STR(rp[i].timestamp, rq[i].timestamp);
        CHECK_STR(rp[i].text, rq[i].text);
    }
}

/* Every field of every player, both ways, and the API document. */
static void check_same_tables(const struct stats_table *a,
                              const struct stats_table *b)
{
    json_t *ja = stats_to_json(a, 0, 0), *jb = stats_to_json(b, 0, 0);
    int same = ja && jb && json_equal(ja, jb);

    json_decref(ja);
    json_decref(jb);
    CHECK(same);
    CHECK_INT(stats_count(a), stats_count(b));
    stats_each(a, check_same_player, (void *)b);
    stats_each(b, check_same_player, (void *)a);
}

/* Saves t, dumps it to text and back, as a checkpoint store would. */
static json_t *save_through_text(const struct stats_table *t)
{
    json_t *saved = stats_save(t), *back;
    char *text = saved ? json_dumps(saved, JSON_COMPACT) : NULL;

    json_decref(saved);
    back = text ? json_loads(text, 0, NULL) : NULL;
    free(text);
    return back;
}

static void test_fixture_reaches_the_edges(void)
{
    struct stats_table *t = stats_new();
    struct stats_recent r[STATS_RECENT];
    const struct stats_player *w, *ilse;

    fill(t);
    w = stats_find(t, "Wurs");
    ilse = stats_find(t, "Ilse");
    CHECK(w && ilse);
    CHECK_INT(w->nrecent, STATS_RECENT);
    /* 26 rolls: the feed keeps the last 20, from the seventh on. */
    CHECK_INT(stats_recent_list(w, r), STATS_RECENT);
    CHECK_INT(r[0].seq, 7);
    CHECK_STR(r[0].timestamp, "2024-05-01T20:07:00Z");
    CHECK_INT(r[STATS_RECENT - 1].seq, 26);
    CHECK_STR(r[STATS_RECENT - 1].text, "2d6 total 9 (damage)");
    /* Faces 2..20, then 1, then 2..6: two 2s, one each of 20, 1 and 7. */
    CHECK_INT(w->d20[1], 2);
    CHECK_INT(w->d20[19], 1);
    CHECK_INT(w->d20[0], 1);
    CHECK_INT(w->d20[6], 1);
    CHECK_INT(w->damage_total, 9);
    CHECK_INT(ilse->nspells, STATS_MAX_NAMES);
    CHECK_STR(ilse->spells[STATS_MAX_NAMES - 1].name, "(other)");
    CHECK_INT(ilse->spells[STATS_MAX_NAMES - 1].n, 70 - 63);
    CHECK_INT(stats_count(t), 4);
    CHECK_INT(w->events[EVENT_DICE_ROLL], 26);
    CHECK_INT(ilse->events[EVENT_SPELL_CAST] + ilse->events[EVENT_ENCOUNTER],
              71);
    CHECK_INT(stats_find(t, "Ya")->events[EVENT_OTHER], 2);
    CHECK_INT(stats_find(t, "Zed")->events[EVENT_ENCOUNTER], 1);
    stats_free(t);
}

static void test_round_trip_keeps_every_field(void)
{
    struct stats_table *t = stats_new(), *back = stats_new();
    char why[128] = "untouched";
    json_t *saved;
    unsigned long long seq;

    CHECK(t && back);
    seq = fill(t);
    saved = save_through_text(t);
    CHECK(saved != NULL);
    CHECK_INT(stats_load(back, saved, why, sizeof(why)), STATS_OK);
    CHECK_STR(why, "");
    json_decref(saved);
    check_same_tables(t, back);
    if (unit_failed_now)
        return;

    /* The feed goes on from the same events, and "(other)" keeps
     * absorbing. */
    apply(t, "{\"player\":\"Wurs\",\"event_type\":\"nap\"}", seq + 1);
    apply(back, "{\"player\":\"Wurs\",\"event_type\":\"nap\"}", seq + 1);
    apply(t,
          "{\"player\":\"Ilse\",\"event_type\":\"spell_cast\","
          "\"spell_name\":\"Wish\"}",
          seq + 2);
    apply(back,
          "{\"player\":\"Ilse\",\"event_type\":\"spell_cast\","
          "\"spell_name\":\"Wish\"}",
          seq + 2);
    check_same_tables(t, back);
    CHECK_INT(stats_find(back, "Ilse")->spells[STATS_MAX_NAMES - 1].n, 8);
    stats_free(t);
    stats_free(back);
}

static void test_load_replaces_what_was_there(void)
{
    struct stats_table *t = stats_new(), *other = stats_new();
    json_t *saved;

    fill(t);
    apply(other, "{\"player\":\"Old\",\"event_type\":\"nap\"}", 1);
    saved = stats_save(t);
    CHECK_INT(stats_load(other, saved, NULL, 0), STATS_OK);
    json_decref(saved);
    CHECK(stats_find(other, "Old") == NULL);
    check_same_tables(t, other);
    stats_free(t);
    stats_free(other);
}

static void test_empty_table_round_trips(void)
{
    struct stats_table *t = stats_new();
    json_t *saved = stats_save(t);
    json_t *expected = json_pack("{s:i,s:[]}", "v", 2, "players");

    CHECK(saved && expected && json_equal(saved, expected));
    apply(t, "{\"player\":\"Old\",\"event_type\":\"nap\"}", 1);
    CHECK_INT(stats_load(t, saved, NULL, 0), STATS_OK);
    CHECK_INT(stats_count(t), 0);
    json_decref(saved);
    json_decref(expected);
    stats_free(t);
}

/*
 * Contexts of 50 to 80 'a' then U+00E9 put the clip before, inside and
 * after the two-byte character: the kept text is valid UTF-8 each time and
 * comes back from a checkpoint unchanged.
 */
static void test_clipped_text_round_trips(void)
{
    char many_a[81], text[512];
    int n;

    memset(many_a, 'a', 80);
    many_a[80] = '\0';
    for (n = 50; n <= 80; n++) {
        struct stats_table *t = stats_new(), *back = stats_new();
        struct stats_recent rp[STATS_RECENT], rq[STATS_RECENT];
        const struct stats_player *p, *q;
        json_t *saved, *valid;

        snprintf(text, sizeof(text),
                 "{\"player\":\"A\",\"event_type\":\"dice_roll\","
                 "\"dice_type\":\"d4\",\"roll_result\":3,"
                 "\"context\":\"%.*s\\u00e9\"}",
                 n, many_a);
        CHECK_INT(apply(t, text, 1), 0);
        p = stats_find(t, "A");
        stats_recent_list(p, rp);
        valid = json_string(rp[0].text);
        CHECK(valid != NULL);
        json_decref(valid);
        saved = save_through_text(t);
        CHECK(saved != NULL);
        CHECK_INT(stats_load(back, saved, NULL, 0), STATS_OK);
        json_decref(saved);
        q = stats_find(back, "A");
        CHECK(q != NULL);
        stats_recent_list(q, rq);
        CHECK_STR(rq[0].text, rp[0].text);
        stats_free(t);
        stats_free(back);
    }
}

/* The saved player named name inside doc. */
static json_t *saved_player(json_t *doc, const char *name)
{
    json_t *players = json_object_get(doc, "players");
    size_t i;

    for (i = 0; i < json_array_size(players); i++) {
        json_t *p = json_array_get(players, i);
        if (strcmp(json_string_value(json_object_get(p, "name")), name) == 0)
            return p;
    }
    return NULL;
}

/* Loads doc (stolen) into a table holding players; it must be refused. */
static int refused(json_t *doc)
{
    struct stats_table *t = stats_new();
    char why[160] = "";
    int ok;

    fill(t);
    ok = stats_load(t, doc, why, sizeof(why)) == STATS_ECORRUPT &&
         stats_count(t) == 0 && why[0] != '\0';
    if (!ok)
        fprintf(stderr, "not refused as it should be: \"%s\"\n", why);
    json_decref(doc);
    stats_free(t);
    return ok;
}

/* A fresh checkpoint of the fixture, to damage. */
static json_t *good(void)
{
    struct stats_table *t = stats_new();
    json_t *doc;

    fill(t);
    doc = stats_save(t);
    stats_free(t);
    return doc;
}

static json_t *wurs_field(json_t *doc, const char *key)
{
    return json_object_get(saved_player(doc, "Wurs"), key);
}

static void test_damaged_checkpoints_refused(void)
{
    json_t *doc, *entry;
    char long_stamp[40];

    doc = good();
    json_object_set_new(doc, "v", json_integer(3));
    CHECK(refused(doc));

    doc = good();
    json_object_set_new(doc, "v", json_integer(0));
    CHECK(refused(doc));

    doc = good();
    json_object_del(doc, "players");
    CHECK(refused(doc));

    doc = good();
    json_array_set_new(wurs_field(doc, "d20"), 3, json_string("7"));
    CHECK(refused(doc));

    doc = good();
    json_array_append_new(wurs_field(doc, "d20"), json_integer(0));
    CHECK(refused(doc));

    doc = good();
    json_array_set_new(wurs_field(doc, "events"), 0, json_integer(-1));
    CHECK(refused(doc));

    doc = good();
    memset(long_stamp, '9', 32);
    long_stamp[32] = '\0';
    json_object_set_new(json_array_get(wurs_field(doc, "recent"), 0),
                        "timestamp", json_string(long_stamp));
    CHECK(refused(doc));

    doc = good();
    entry = json_deep_copy(json_array_get(wurs_field(doc, "recent"), 0));
    json_array_append_new(wurs_field(doc, "recent"), entry);
    json_object_set_new(saved_player(doc, "Wurs"), "nrecent", json_integer(21));
    CHECK(refused(doc));

    CHECK(refused(json_array()));
    CHECK(refused(json_string("{\"v\":1,\"players\":[]}")));
    CHECK(refused(NULL));
}

static void test_more_damage_refused(void)
{
    json_t *doc, *spells;
    char text[80];

    /* A recent text of STATS_TEXT_BYTES bytes leaves no room for the NUL. */
    doc = good();
    memset(text, 'x', STATS_TEXT_BYTES);
    text[STATS_TEXT_BYTES] = '\0';
    json_object_set_new(json_array_get(wurs_field(doc, "recent"), 1), "text",
                        json_string(text));
    CHECK(refused(doc));

    doc = good();
    json_array_append(json_object_get(doc, "players"),
                      saved_player(doc, "Zed"));
    CHECK(refused(doc));

    doc = good();
    spells = json_object_get(saved_player(doc, "Ilse"), "spells");
    json_array_append_new(spells, json_pack("[s,i]", "Spell 99", 1));
    CHECK(refused(doc));

    doc = good();
    spells = json_object_get(saved_player(doc, "Ilse"), "spells");
    json_array_set_new(spells, 1, json_pack("[s,i]", "Spell 00", 1));
    CHECK(refused(doc));

    doc = good();
    spells = json_object_get(saved_player(doc, "Ilse"), "spells");
    json_array_set_new(spells, 0, json_pack("[s#,i]", "a\0b", 3, 1));
    CHECK(refused(doc));

    doc = good();
    json_object_set_new(saved_player(doc, "Zed"), "nrecent", json_integer(0));
    CHECK(refused(doc));

    doc = good();
    json_object_set_new(saved_player(doc, "Zed"), "damage_total",
                        json_real(1.5));
    CHECK(refused(doc));

    doc = good();
    json_object_set_new(json_array_get(wurs_field(doc, "recent"), 0), "type",
                        json_string("nap"));
    CHECK(refused(doc));

    doc = good();
    json_object_set_new(saved_player(doc, "Ya"), "name", json_string(""));
    CHECK(refused(doc));
}

/* Every field of a player and of a recent entry is required. */
static void test_each_missing_or_null_field_refused(void)
{
    json_t *probe = good();
    json_t *player = saved_player(probe, "Zed");
    json_t *entry = json_array_get(json_object_get(player, "recent"), 0);
    const char *key;
    json_t *value;
    int nulled;

    CHECK(player && entry);
    json_object_foreach(player, key, value)
    {
        for (nulled = 0; nulled < 2; nulled++) {
            json_t *doc = json_deep_copy(probe);
            json_t *p = saved_player(doc, "Zed");
            if (nulled)
                json_object_set_new(p, key, json_null());
            else
                json_object_del(p, key);
            if (!refused(doc)) {
                json_decref(probe);
                UNIT_FAIL("player field %s %s", key,
                          nulled ? "null" : "missing");
            }
        }
    }
    json_object_foreach(entry, key, value)
    {
        json_t *doc = json_deep_copy(probe);
        json_object_del(
            json_array_get(json_object_get(saved_player(doc, "Zed"), "recent"),
                           0),
            key);
        if (!refused(doc)) {
            json_decref(probe);
            UNIT_FAIL("recent field %s missing", key);
        }
    }
    json_decref(probe);
}

/* A version 1 checkpoint, whose players carry a ring position, loads. */
static void test_version_1_checkpoint_loads(void)
{
    struct stats_table *t = stats_new(), *back = stats_new();
    json_t *doc = good(), *players = json_object_get(doc, "players");
    size_t i;

    fill(t);
    json_object_set_new(doc, "v", json_integer(1));
    for (i = 0; i < json_array_size(players); i++)
        json_object_set_new(json_array_get(players, i), "head",
                            json_integer(19));
    CHECK_INT(stats_load(back, doc, NULL, 0), STATS_OK);
    check_same_tables(t, back);
    json_decref(doc);
    stats_free(t);
    stats_free(back);
}

struct rows {
    struct stats_table *to;
    int failed;
};

/* Loads the text of p's saved row into the table of arg. */
static void load_row(const struct stats_player *p, void *arg)
{
    struct rows *r = arg;
    json_t *saved = stats_save_player(p);
    char *text = saved ? json_dumps(saved, JSON_COMPACT) : NULL;
    json_t *back = text ? json_loads(text, 0, NULL) : NULL;
    char why[128] = "untouched";

    if (!back || stats_load_player(r->to, back, why, sizeof(why)) != 0 ||
        why[0] != '\0')
        r->failed = 1;
    json_decref(back);
    free(text);
    json_decref(saved);
}

static int stop_at_any(const struct stats_player *p, void *arg)
{
    (void)p;
    (void)arg;
    return 1;
}

/*
 * Players saved one row each and loaded one by one make the same table;
 * loading a row twice, or a damaged row, is refused and adds nothing.
 */
static void test_player_rows_round_trip(void)
{
    struct stats_table *t = stats_new(), *back = stats_new();
    struct rows r = {back, 0};
    json_t *row;
    char why[128] = "";

    fill(t);
    stats_each(t, load_row, &r);
    CHECK(!r.failed);
    check_same_tables(t, back);
    /* Loaded players count as saved: nothing is listed as changed. */
    CHECK_INT(stats_each_changed(back, stop_at_any, NULL), 0);

    row = stats_save_player(stats_find(t, "Zed"));
    CHECK_INT(stats_load_player(back, row, why, sizeof(why)), STATS_ECORRUPT);
    CHECK_STR(why, "the name appears twice");
    json_object_set_new(row, "name", json_string("Zoe"));
    json_object_set_new(row, "nrecent", json_integer(3));
    CHECK_INT(stats_load_player(back, row, why, sizeof(why)), STATS_ECORRUPT);
    CHECK(stats_find(back, "Zoe") == NULL);
    CHECK_INT(stats_count(back), 4);
    json_decref(row);
    stats_free(t);
    stats_free(back);
}

int main(void)
{
    UNIT_RUN(test_fixture_reaches_the_edges);
    UNIT_RUN(test_round_trip_keeps_every_field);
    UNIT_RUN(test_load_replaces_what_was_there);
    UNIT_RUN(test_empty_table_round_trips);
    UNIT_RUN(test_clipped_text_round_trips);
    UNIT_RUN(test_damaged_checkpoints_refused);
    UNIT_RUN(test_more_damage_refused);
    UNIT_RUN(test_each_missing_or_null_field_refused);
    UNIT_RUN(test_version_1_checkpoint_loads);
    UNIT_RUN(test_player_rows_round_trip);
    return UNIT_DONE();
}
