/* SPDX-License-Identifier: MIT */
/*
 * Event decoding: the original project's three messages decode unchanged,
 * every kind of bad value is refused with its own code, and the natural
 * d20 and damage rules hold as documented in docs/events.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "unit.h"

static int decode(const char *text, struct event *ev)
{
    char why[256];

    return event_decode(text, text ? strlen(text) : 0, ev, why, sizeof(why));
}

static void test_original_dice_roll(void)
{
    struct event ev;

    CHECK_INT(decode("{\"timestamp\": \"2025-02-24T20:30:00Z\", \"player\": "
                     "\"Stravos\", \"event_type\": \"dice_roll\", "
                     "\"dice_type\": \"d20\", \"roll_result\": 15, "
                     "\"context\": \"attack_roll\"}",
                     &ev),
              0);
    CHECK_INT(ev.type, EVENT_DICE_ROLL);
    CHECK_STR(ev.player, "Stravos");
    CHECK_STR(ev.context, "attack_roll");
    CHECK_INT(event_natural_d20(&ev), 15);
    CHECK_INT(event_damage(&ev), 0);
    event_clear(&ev);
}

static void test_original_encounter_and_spell(void)
{
    struct event ev;

    CHECK_INT(decode("{\"timestamp\": \"2025-02-24T20:31:00\", \"player\": "
                     "\"Wurs\", \"event_type\": \"encounter\", "
                     "\"monster_type\": \"Goblin\", \"location\": \"cave\", "
                     "\"initiative_order\": 12}",
                     &ev),
              0);
    CHECK_INT(ev.type, EVENT_ENCOUNTER);
    CHECK_STR(ev.monster_type, "Goblin");
    event_clear(&ev);
    CHECK_INT(decode("{\"player\": \"Ya\", \"event_type\": \"spell_cast\", "
                     "\"spell_name\": \"Fireball\", \"target\": \"enemy\", "
                     "\"effect\": \"damage\"}",
                     &ev),
              0);
    CHECK_INT(ev.type, EVENT_SPELL_CAST);
    CHECK_STR(ev.spell_name, "Fireball");
    event_clear(&ev);
}

static void test_unknown_type_is_other(void)
{
    struct event ev;

    CHECK_INT(
        decode("{\"player\": \"Ya\", \"event_type\": \"long_rest\"}", &ev), 0);
    CHECK_INT(ev.type, EVENT_OTHER);
    CHECK_STR(ev.type_name, "long_rest");
    event_clear(&ev);
}

static void test_bad_values(void)
{
    struct event ev;
    static const char cut[] = "{\"player\": \"Ya\", \"event_ty";
    static const char bad_utf8[] =
        "{\"player\": \"Y\xa2\", \"event_type\": \"dice_roll\"}";
    char *big;
    char *deep;
    int i;

    CHECK_INT(decode(NULL, &ev), EVENT_EEMPTY);
    CHECK_INT(decode("", &ev), EVENT_EEMPTY);
    CHECK_INT(decode("not json", &ev), EVENT_EJSON);
    CHECK_INT(decode(cut, &ev), EVENT_EJSON);
    CHECK_INT(decode(bad_utf8, &ev), EVENT_EJSON);
    CHECK_INT(decode("[1, 2]", &ev), EVENT_ENOTOBJ);
    CHECK_INT(decode("null", &ev), EVENT_ENOTOBJ);
    CHECK_INT(decode("{\"event_type\": \"dice_roll\"}", &ev), EVENT_EPLAYER);
    CHECK_INT(decode("{\"player\": \"\", \"event_type\": \"x\"}", &ev),
              EVENT_EPLAYER);
    CHECK_INT(decode("{\"player\": 7, \"event_type\": \"x\"}", &ev),
              EVENT_EPLAYER);
    CHECK_INT(decode("{\"player\": \"Ya\"}", &ev), EVENT_ETYPE);
    CHECK_INT(decode("{\"player\": \"Ya\", \"event_type\": \"dice_roll\", "
                     "\"roll_result\": \"15\"}",
                     &ev),
              EVENT_EFIELD);
    CHECK_INT(decode("{\"player\": \"Ya\", \"event_type\": \"dice_roll\", "
                     "\"roll_result\": 99999999999999}",
                     &ev),
              EVENT_EFIELD);
    CHECK_INT(decode("{\"player\": \"Ya\", \"event_type\": \"dice_roll\", "
                     "\"total\": -9223372036854775808}",
                     &ev),
              EVENT_EFIELD);
    CHECK_INT(decode("{\"player\": \"Ya\", \"player\": \"Wurs\", "
                     "\"event_type\": \"dice_roll\"}",
                     &ev),
              EVENT_EJSON);
    CHECK_INT(decode("{\"player\": \"Ya\", \"event_type\": \"dice_roll\", "
                     "\"natural\": 21}",
                     &ev),
              EVENT_EFIELD);

    big = malloc(EVENT_MAX_BYTES + 2);
    CHECK(big != NULL);
    memset(big, ' ', EVENT_MAX_BYTES + 1);
    big[EVENT_MAX_BYTES + 1] = '\0';
    CHECK_INT(decode(big, &ev), EVENT_ETOOBIG);
    free(big);

    deep = malloc(20001);
    CHECK(deep != NULL);
    for (i = 0; i < 10000; i++) {
        deep[i] = '[';
        deep[10000 + i] = ']';
    }
    deep[20000] = '\0';
    CHECK_INT(decode(deep, &ev), EVENT_EJSON);
    free(deep);
}

static void test_natural_rule(void)
{
    struct event ev;

    /* A total or a modifier means roll_result is not the bare face. */
    CHECK_INT(decode("{\"player\": \"A\", \"event_type\": \"dice_roll\", "
                     "\"dice_type\": \"d20\", \"roll_result\": 15, "
                     "\"modifier\": 3}",
                     &ev),
              0);
    CHECK_INT(event_natural_d20(&ev), 0);
    event_clear(&ev);
    CHECK_INT(decode("{\"player\": \"A\", \"event_type\": \"dice_roll\", "
                     "\"dice_type\": \"d20\", \"total\": 21, \"natural\": "
                     "18}",
                     &ev),
              0);
    CHECK_INT(event_natural_d20(&ev), 18);
    event_clear(&ev);
    CHECK_INT(decode("{\"player\": \"A\", \"event_type\": \"dice_roll\", "
                     "\"dice_type\": \"d6\", \"roll_result\": 5}",
                     &ev),
              0);
    CHECK_INT(event_natural_d20(&ev), 0);
    event_clear(&ev);
}

static void test_damage_rule(void)
{
    struct event ev;

    CHECK_INT(decode("{\"player\": \"A\", \"event_type\": \"dice_roll\", "
                     "\"context\": \"Damage\", \"total\": 17, "
                     "\"roll_result\": 4}",
                     &ev),
              0);
    CHECK_INT(event_damage(&ev), 17);
    event_clear(&ev);
    CHECK_INT(decode("{\"player\": \"A\", \"event_type\": \"dice_roll\", "
                     "\"context\": \"damage\", \"roll_result\": 6}",
                     &ev),
              0);
    CHECK_INT(event_damage(&ev), 6);
    event_clear(&ev);
    /* null means missing, never 0 or an error. */
    CHECK_INT(decode("{\"player\": \"A\", \"event_type\": \"dice_roll\", "
                     "\"context\": \"Damage\", \"total\": null}",
                     &ev),
              0);
    CHECK_INT(event_damage(&ev), 0);
    CHECK_INT(ev.has_total, 0);
    event_clear(&ev);
}

/* Inputs at the edges of what the one-pass reader takes on itself. */
static const char *const edge_inputs[] = {
    "{\"player\":\"A\",\"event_type\":\"x\"}",
    " \t\r\n{ \"player\" : \"A\" , \"event_type\" : \"x\" } \n",
    "{\"player\":\"A\\u0042\",\"event_type\":\"x\"}",
    "{\"player\":\"A\\u0000B\",\"event_type\":\"x\"}",
    "{\"player\":\"Zo\xc3\xab\",\"event_type\":\"x\"}",
    "{\"player\":\"\xc0\x80\",\"event_type\":\"x\"}",
    "{\"player\":\"\xed\xa0\x80\",\"event_type\":\"x\"}",
    "{\"player\":\"\xf4\x90\x80\x80\",\"event_type\":\"x\"}",
    "{\"player\":\"\xf0\x9f\x90\",\"event_type\":\"x\"}",
    "{\"player\":\"tab\there\",\"event_type\":\"x\"}",
    "{\"player\":\"A\",\"event_type\":\"x\",\"total\":999999999999999999}",
    "{\"player\":\"A\",\"event_type\":\"x\",\"total\":9223372036854775808}",
    "{\"player\":\"A\",\"event_type\":\"x\",\"total\":-0}",
    "{\"player\":\"A\",\"event_type\":\"x\",\"total\":01}",
    "{\"player\":\"A\",\"event_type\":\"x\",\"total\":1.0}",
    "{\"player\":\"A\",\"event_type\":\"x\",\"total\":1e3}",
    "{\"player\":\"A\",\"event_type\":\"x\",\"total\":-1000000000}",
    "{\"player\":\"A\",\"event_type\":\"x\",\"total\":1000000001}",
    "{\"player\":\"A\",\"event_type\":\"x\",\"natural\":0}",
    "{\"player\":\"A\",\"event_type\":\"x\",\"natural\":null}",
    "{\"player\":\"A\",\"event_type\":\"x\",\"session\":true}",
    "{\"player\":\"A\",\"event_type\":\"x\",\"crit\":1}",
    "{\"player\":\"A\",\"event_type\":\"x\",\"context\":7}",
    "{\"player\":\"A\",\"event_type\":\"x\",\"discarded\":true}",
    "{\"player\":\"A\",\"event_type\":\"x\",\"more\":{\"a\":[1]}}",
    "{\"player\":\"A\",\"event_type\":\"x\",\"player\":\"B\"}",
    "{\"player\":\"A\",\"event_type\":\"x\",\"u\":1,\"u\":1}",
    "{\"player\":\"\",\"event_type\":\"x\"}",
    "{\"player\":null,\"event_type\":\"x\"}",
    "{\"event_type\":\"x\"}",
    "{\"player\":\"A\"}",
    "{\"player\":\"A\",\"event_type\":\"x\",}",
    "{\"player\":\"A\",\"event_type\":\"x\"} x",
    "{\"player\":\"A\",\"event_type\":\"x\"",
    "\xef\xbb\xbf{\"player\":\"A\",\"event_type\":\"x\"}",
    "{\"player\":\"A\",\"event_type\":\"x\",\"t\":tru}",
    "{}",
    "[]",
};

/*
 * The one-pass reader and the full jansson parse agree on every edge
 * input: same code, same reason, same fields.
 */
static void test_readers_agree(void)
{
    struct event a, b;
    char why_a[256], why_b[256];
    size_t i, len;
    int ra, rb;

    for (i = 0; i < sizeof(edge_inputs) / sizeof(edge_inputs[0]); i++) {
        len = strlen(edge_inputs[i]);
        ra = event_decode(edge_inputs[i], len, &a, why_a, sizeof(why_a));
        rb = event_decode_full(edge_inputs[i], len, &b, why_b, sizeof(why_b));
        CHECK_INT(ra, rb);
        CHECK_STR(why_a, why_b);
        if (ra == 0 && rb == 0) {
            CHECK_STR(a.player, b.player);
            CHECK_STR(a.type_name, b.type_name);
            CHECK_INT(a.has_total, b.has_total);
            CHECK_INT(a.total, b.total);
            CHECK_INT(a.has_natural, b.has_natural);
            CHECK_INT(a.discarded, b.discarded);
        }
        event_clear(&a);
        event_clear(&b);
    }
}

/* Strings longer than the inline store are kept whole, on the heap. */
static void test_long_strings(void)
{
    char buf[2048];
    char name[700];
    struct event ev;

    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    snprintf(buf, sizeof(buf),
             "{\"player\":\"%s\",\"event_type\":\"spell_cast\","
             "\"spell_name\":\"%s\"}",
             name, name);
    CHECK_INT(decode(buf, &ev), 0);
    CHECK_STR(ev.player, name);
    CHECK_STR(ev.spell_name, name);
    CHECK_INT(ev.type, EVENT_SPELL_CAST);
    event_clear(&ev);
}

int main(void)
{
    UNIT_RUN(test_original_dice_roll);
    UNIT_RUN(test_original_encounter_and_spell);
    UNIT_RUN(test_unknown_type_is_other);
    UNIT_RUN(test_bad_values);
    UNIT_RUN(test_natural_rule);
    UNIT_RUN(test_damage_rule);
    UNIT_RUN(test_readers_agree);
    UNIT_RUN(test_long_strings);
    return UNIT_DONE();
}
