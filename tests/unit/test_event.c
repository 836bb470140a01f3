/* SPDX-License-Identifier: MIT */
/*
 * Event decoding: the original project's three messages decode unchanged,
 * every kind of bad value is refused with its own code, and the natural
 * d20 and damage rules hold as documented in docs/events.md.
 */
#include <stdlib.h>

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

int main(void)
{
    UNIT_RUN(test_original_dice_roll);
    UNIT_RUN(test_original_encounter_and_spell);
    UNIT_RUN(test_unknown_type_is_other);
    UNIT_RUN(test_bad_values);
    UNIT_RUN(test_natural_rule);
    UNIT_RUN(test_damage_rule);
    return UNIT_DONE();
}
